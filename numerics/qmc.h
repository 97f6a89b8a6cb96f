/* qmc.h -- randomised quasi-Monte Carlo: Sobol points (gsl_qrng_sobol) with
 * Cranley-Patterson random shifts, so QMC estimates carry error bars.
 *
 * Replicate r (r < R) uses the points u_i^(r) = frac(s_i + U_r), i < n, where
 * s_i is the i-th Sobol point (GSL's sequence, which starts after the origin)
 * and U_r ~ U(0,1)^d is drawn from the Philox stream given by the caller
 * (uniforms r*d .. r*d + d - 1): each replicate is an unbiased estimate and the
 * replicates are i.i.d., so
 *     mean = (1/R) sum_r Q_r,    se = sd_r(Q_r) / sqrt(R)
 * is an honest standard error (R >= 2; R ~ 8-32 in practice).  Shifted
 * coordinates are kept in the open interval (0,1) (a coordinate that rounds
 * to 0 or 1 is moved to 2^-53 or 1 - 2^-53), so Phi^{-1}(u) is finite.
 *
 * Normal variates: z = Phi^{-1}(u) by gsl_cdf_ugaussian_Pinv (inversion keeps
 * the low-discrepancy structure, unlike Box-Muller pairs).
 *
 * gsl_qrng_sobol supports d <= 40.
 */
#ifndef FM_QMC_H
#define FM_QMC_H

#include <stddef.h>

#include "fm_status.h"
#include "rng.h"

#define FM_QMC_MAX_DIM 40

/* The integrand: u (or z) of dimension d in, fdim values out. */
typedef int (*fm_qmc_fn)(double *y, const double *u, void *ctx);

typedef enum {
  FM_QMC_UNIFORM = 0,  /* f receives u in (0,1)^d */
  FM_QMC_NORMAL = 1    /* f receives z = Phi^{-1}(u) in R^d */
} fm_qmc_transform;

/* A sequential Sobol generator with R shifts. */
typedef struct fm_qmc fm_qmc;

int fm_qmc_alloc(fm_qmc **q, size_t d, size_t R, const fm_rng *r);
void fm_qmc_free(fm_qmc *q);
/* Restart the Sobol sequence (shifts are kept). */
void fm_qmc_reset(fm_qmc *q);
/* Advance to the next Sobol point (call before the first point too). */
int fm_qmc_next(fm_qmc *q);
/* u = the current point under shift rep (< R), transformed as asked. */
void fm_qmc_point(double *u, const fm_qmc *q, size_t rep, fm_qmc_transform tr);

/* E_{U~U(0,1)^d} f(U) (or E_{Z~N(0,I_d)} f(Z)) by R shifted Sobol rules of
 * n points each: mean, se of length fdim (se may be NULL).  n >= 1, R >= 2,
 * 1 <= d <= FM_QMC_MAX_DIM. */
int fm_qmc_estimate(double *mean, double *se, fm_qmc_fn f, void *ctx, size_t d, size_t fdim,
                    size_t n, size_t R, fm_qmc_transform tr, const fm_rng *r);

#endif
