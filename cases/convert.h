/* convert.h -- the four parameterisations of a Gaussian-path model and the
 * affine maps between them (theorems/README.md, theorem `conversions`).
 *
 * A network for the path x_t = alpha_t x1 + sigma_t x0 may predict any of
 *   u      the velocity u_t(x),
 *   x1     the data prediction x1hat = E[x1 | x_t = x],
 *   eps    the noise prediction epshat = E[x0 | x_t = x] = -sigma grad log p_t(x),
 *   score  grad log p_t(x),
 * and at one time each is an affine function of any other: out = a x + b in,
 * with scalar coefficients a, b built from (alpha, sigma, alpha', sigma') and
 *     W = alpha' sigma - alpha sigma'   (= sigma^2 d snr/dt > 0 when the SNR rises).
 * The trainer and the samplers use these maps (the SDE sampler needs the
 * score of a velocity model; a model trained to predict x1 or eps is sampled
 * through its velocity).
 *
 *   to <- from    out = a x + b in                        divides by   singular end
 *   u  <- x1      (sigma'/sigma) x + (W/sigma) x1hat      sigma        t = 1 (sigma_1 = 0)
 *   x1 <- u       (-sigma'/W) x + (sigma/W) u             W            where the SNR stalls
 *   u  <- eps     (alpha'/alpha) x - (W/alpha) epshat     alpha        t = 0
 *   eps <- u      (alpha'/W) x - (alpha/W) u              W            where the SNR stalls
 *   u  <- score   (alpha'/alpha) x + (sigma W/alpha) s    alpha        t = 0
 *   score <- u    -(alpha'/(sigma W)) x + (alpha/(sigma W)) u
 *                                                         sigma, W     t = 1
 *   eps <- score  -sigma s                                none
 *   score <- eps  -eps/sigma                              sigma        t = 1
 *   x1 <- eps     (x - sigma eps)/alpha                   alpha        t = 0
 *   eps <- x1     (x - alpha x1hat)/sigma                 sigma        t = 1
 *   x1 <- score   (x + sigma^2 s)/alpha   (Tweedie)       alpha        t = 0
 *   score <- x1   (alpha x1hat - x)/sigma^2               sigma        t = 1
 * (to = from is the identity.)  Near a singular end the coefficients grow
 * like 1/alpha or 1/sigma and the two terms a x and b in cancel: the map's
 * condition number at a point, fm_convert_cond, is
 *     kappa = (|a| |x|_inf + |b| |in|_inf) / |out|_inf,
 * and a relative error eps in the inputs becomes up to eps kappa in out.
 *
 * Accuracy (what the `conversions` theorem checks).  For schedule values
 * taken as exact, fm_convert_coef returns a and b each within
 * (kW + 1) DBL_EPSILON of their values relative, kW = (|alpha' sigma| +
 * |alpha sigma'|)/|W| >= 1 for the maps that involve W and kW = 0 for the
 * others (W is two products and a difference; every coefficient is at most
 * two further roundings, see convert.c); fm_convert adds DBL_EPSILON
 * (|a x_j| + |b in_j|) per entry for the two products and the sum.
 *
 * Vectors: x, in and out have n entries -- n = d for one point, or n*d for a
 * batch of points at the same time (the coefficients depend on t only).
 * out may alias x or in.
 */
#ifndef FM_CONVERT_H
#define FM_CONVERT_H

#include <stddef.h>

#include "fm_status.h"
#include "schedule.h"

typedef enum {
  FM_PARAM_U = 0,   /* velocity u_t(x) */
  FM_PARAM_X1,      /* x1-prediction E[x1 | x_t = x] */
  FM_PARAM_EPS,     /* epsilon-prediction E[x0 | x_t = x] = -sigma grad log p_t */
  FM_PARAM_SCORE,   /* grad log p_t(x) */
  FM_PARAM_COUNT
} fm_param;

/* "u", "x1", "eps", "score" ("?" for an invalid value). */
const char *fm_param_name(fm_param p);

/* Divisors of a map (bit mask). */
enum {
  FM_CONVERT_BY_ALPHA = 1u, /* singular where alpha = 0 (t = 0) */
  FM_CONVERT_BY_SIGMA = 2u, /* singular where sigma = 0 (t = 1 when sigma_1 = 0) */
  FM_CONVERT_BY_W = 4u      /* singular where W = 0 (SNR not strictly increasing) */
};

/* The quantities map to <- from divides by (0 for eps <- score and for the
 * identity); FM_CONVERT_BY_* bits.  0 for invalid arguments. */
unsigned fm_convert_divisors(fm_param to, fm_param from);

/* The divisors of map to <- from that vanish, or are not finite, at the
 * schedule values v: 0 when the map is defined there.  W is tested through
 * its computed value. */
unsigned fm_convert_singularity(fm_param to, fm_param from, const fm_sched_val *v);

/* W = alpha' sigma - alpha sigma' (computed as written: two products and a
 * difference). */
double fm_convert_w(const fm_sched_val *v);

/* out = a x + b in for map to <- from at v.  FM_EINVAL for an invalid
 * parameterisation, FM_ESING where a divisor vanishes (a, b undefined),
 * FM_ENONFIN where a coefficient overflows or v is not finite. */
int fm_convert_coef(double *a, double *b, fm_param to, fm_param from, const fm_sched_val *v);

/* out[j] = a x[j] + b in[j], j < n, for map to <- from at v.  Status as
 * fm_convert_coef (out untouched on error). */
int fm_convert(double *out, fm_param to, fm_param from, const fm_sched_val *v,
               const double *x, const double *in, size_t n);

/* kappa = (|a| |x|_inf + |b| |in|_inf) / |out|_inf for out = a x + b in
 * (INFINITY when out = 0, NaN when the map is singular at v). */
double fm_convert_cond(fm_param to, fm_param from, const fm_sched_val *v, const double *x,
                       const double *in, size_t n);

/* The six maps to and from the velocity, by name (the same as fm_convert
 * with the corresponding pair). */
/* u = (sigma'/sigma) x + (W/sigma) x1hat; singular at sigma = 0 (t = 1). */
int fm_convert_u_from_x1(double *u, const fm_sched_val *v, const double *x,
                         const double *x1hat, size_t n);
/* x1hat = (sigma u - sigma' x)/W; singular at W = 0. */
int fm_convert_x1_from_u(double *x1hat, const fm_sched_val *v, const double *x,
                         const double *u, size_t n);
/* u = (alpha'/alpha) x - (W/alpha) epshat; singular at alpha = 0 (t = 0). */
int fm_convert_u_from_eps(double *u, const fm_sched_val *v, const double *x,
                          const double *epshat, size_t n);
/* epshat = (alpha' x - alpha u)/W; singular at W = 0. */
int fm_convert_eps_from_u(double *epshat, const fm_sched_val *v, const double *x,
                          const double *u, size_t n);
/* u = (alpha'/alpha) x + (sigma W/alpha) score; singular at alpha = 0 (t = 0). */
int fm_convert_u_from_score(double *u, const fm_sched_val *v, const double *x,
                            const double *score, size_t n);
/* score = (alpha u - alpha' x)/(sigma W); singular at sigma = 0 (t = 1) and W = 0. */
int fm_convert_score_from_u(double *score, const fm_sched_val *v, const double *x,
                            const double *u, size_t n);

#endif
