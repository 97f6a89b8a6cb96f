/* loglik.h -- CNF log-likelihood of a velocity field (theorem likelihood):
 * along the flow dx/dt = v(t, x), d/dt log p_t(x_t) = -div v(x_t), so
 *     log p_{t1}(x) = log p_{t0}(x_{t0}) - int_{t0}^{t1} div v(x_t) dt.
 * The augmented state (x, l) is integrated backward from (x, 0) at t1 to
 * t0 with dl/dt = div v, giving x0 = x_{t0} and l(t0) = -int div v; with
 * the noise prior N(0, I) at t0 = 0 (cases/README.md)
 *     log p_1(x) = log N(x0; 0, I) + l(t0).
 * The interval: t1 = 1 for a model (an MLP is finite there); for the
 * analytic field of a schedule with sigma_1 = 0 and an infinite sigma'_1
 * (VP, linear_vp) the field cannot be evaluated at 1 and callers use
 * [t0, t1] of fm_field_gmm_interval (t1 = 1 - 1e-6) and compare with
 * log p_{t1}; likewise callers of the analytic field add log p_{t0}(x0)
 * (exact, fm_gmm_marginal) where p_0 is not exactly N(0, I) (VP, VE).
 *
 * Divergence, two routes:
 *  - exact: the field's own (field.h div: the closed form for a GMM path,
 *    one forward + d tangent passes for the MLP);
 *  - Hutchinson: tr J = E[w' J w] for w with E[w w'] = I.  Probe policy:
 *    P Rademacher probes (entries +-1 with probability 1/2) per trajectory,
 *    drawn once and held fixed along the whole trajectory (FFJORD's
 *    choice).  The x part of the system does not depend on the probes, so
 *    each l_p(t0) = -int w_p' J w_p dt is, given the trajectory, an
 *    unbiased estimate of the exact l(t0) -- with fixed steps exactly so
 *    (the same quadrature weights apply to both), with adaptive steps up to
 *    the integration error.  Estimate: the mean over p; standard error:
 *    the sample standard deviation over p divided by sqrt(P) (NaN for
 *    P = 1).  Rademacher minimises the variance among probes with
 *    E[w w'] = I: Var(w' A w) = 2 sum_{i != j} A_ij^2 (A = the symmetric
 *    part of int J) -- zero in d = 1 and for a diagonal A.  Probe p of
 *    row i: entry j is +1 iff uniform (i P + p) d + j of stream
 *    fm_rng_make(seed, FM_RNG_STREAM(FM_LOGLIK_TAG, 0)) is >= 1/2.
 *    Cost: P Jacobian-vector products (each with its forward pass) per
 *    evaluation, against d tangent passes for the exact trace.
 */
#ifndef FM_LOGLIK_H
#define FM_LOGLIK_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "fm_status.h"
#include "ode.h"
#include "sample.h"

#define FM_LOGLIK_TAG 0x4c4c /* "LL": rng stream purpose tag */

typedef struct {
  fm_sample_kind kind;           /* FM_SAMPLE_FIXED or FM_SAMPLE_ADAPTIVE */
  const fm_ode_method *method;   /* FIXED */
  size_t steps;                  /* FIXED */
  fm_ode_adaptive_opts adaptive; /* ADAPTIVE */
  double t0, t1;                 /* integrate backward from t1 to t0 */
  size_t probes;                 /* 0: exact divergence; P > 0: Hutchinson */
  uint64_t seed;                 /* probes */
  size_t chunk;                  /* trajectories integrated together */
} fm_loglik_opts;

typedef struct {
  double nfe;         /* evaluations of the augmented right-hand side per point */
  size_t steps;       /* steps per trajectory (adaptive: summed over chunks) */
  size_t rejected;    /* adaptive: rejected attempts, summed over chunks */
} fm_loglik_stats;

/* Adaptive rk8pd at rtol = atol = 1e-8, [0, 1], exact divergence, 4 probes
 * when Hutchinson is switched on, chunk 64, seed 1. */
void fm_loglik_opts_default(fm_loglik_opts *o);

/* For each row x_i of X (n x f->d): logp[i] = log N(x0_i; 0, I) + dl[i],
 * dl[i] = l_i(t0) (the Hutchinson mean when probes > 0), se[i] its
 * standard error (0 for the exact route), x0 (n x d) the trajectory's
 * start.  Any output may be NULL.  FM_EINVAL (bad options), FM_ENOTAVAIL
 * (the field lacks div or jvp), FM_ENOMEM, FM_ENONFIN, FM_ECONV, or the
 * field's status -- each with a message. */
int fm_loglik_run(double *logp, double *se, double *dl, double *x0, fm_loglik_stats *stats,
                  fm_field *f, const double *X, size_t n, const fm_loglik_opts *o,
                  fm_errmsg *e);

/* log N(x; 0, I) in dimension d. */
double fm_loglik_std_normal(const double *x, size_t d);

#endif
