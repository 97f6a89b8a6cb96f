/* sample.h -- samplers of a flow-matching model: transport noise at t = 0
 * to data at t = 1 along a velocity field (field.h), by
 *   - the ODE dx/dt = v(t, x) with a fixed-step method of the ode.h table
 *     (euler, midpoint, rk4: every entry of fm_ode_methods, by name);
 *   - the ODE with GSL's adaptive rk8pd (fm_ode_adaptive, rtol/atol);
 *   - the SDE of theorem sde-marginals,
 *       dX = [v + (eps_t^2/2) s_t(X)] dt + eps_t dW,
 *     by Euler-Maruyama (sde.h), with the score s_t implied by v through
 *     cases/README.md's conversion u = (alpha'/alpha) x + (sigma W/alpha) grad log p,
 *       s = (alpha v - alpha' x) / (sigma W),  W = alpha' sigma - alpha sigma'.
 * The same code runs the analytic field of a case (tests: no training
 * involved) and a trained MLP (fmcheck sample).
 *
 * The SDE's ends.  The conversion divides by sigma W.  The noise profile is
 *     eps_t = eps sigma_t   where W_t > 0,     eps_t = 0 elsewhere,
 * so the drift's extra term is (eps^2 sigma / (2 W)) (alpha v - alpha' x):
 *  - t -> 1 (sigma -> 0 when sigma_min = 0): noise and correction vanish
 *    with sigma; nothing divides by sigma, and the model's error in v is
 *    amplified by at most 1 + eps^2 alpha sigma/(2W) (cond_ot: W = 1, so
 *    <= 1 + eps^2/8; VP: W = alpha'/sigma, 1 + eps^2 sigma^2/beta).  With a
 *    constant eps_t the amplification would grow like 1/sigma -- the
 *    endpoint singularity.  Euler-Maruyama evaluates the drift at the left
 *    node of each step, so t = 1 itself is never evaluated.
 *  - t -> 0 (alpha -> 0): the conversion is NOT singular there when
 *    alpha'_0 > 0 (W_0 = alpha'_0 sigma_0 > 0; s_0 = -x/sigma_0^2, the
 *    score of the noise), which covers every built-in except polynomial
 *    n > 1 (alpha' = n t^(n-1) = 0 at t = 0: W_0 = 0, 0/0).  Where W = 0, or
 *    the schedule's derivative is infinite (FM_ESING: polynomial n < 1 at
 *    t = 0), eps_t is set to 0 and the step is a plain Euler step of the
 *    ODE.  Sde-marginals holds for any eps_t >= 0, so this is still an
 *    exact-marginal SDE; only isolated nodes are affected.
 * Why not eps constant and stop the SDE at 1 - delta: it needs a delta and
 * an ODE tail; eps sigma_t is the same idea without a switch.
 *
 * Noise at t = 0 is N(0, I) (cases/README.md).  Schedules whose p_0 is not
 * exactly N(0, I) (VP: alpha_0 ~ 0.0066; VE) carry that mismatch into the
 * samples; the flow map is a bijection, so the total-variation distance of
 * the samples' law from p_1 equals TV(p_0, N(0, I)) plus integration
 * error (for bimodal1d-vp 2.5e-3, below what a test at 1e4 samples
 * resolves).  Callers that want exact p_0 draw it themselves
 * (fm_gmm_at_time) and call fm_sample_run.
 *
 * Reproducibility: noise row i is normals i d .. i d + d - 1 of stream
 * fm_rng_make(seed, FM_RNG_STREAM(FM_SAMPLE_TAG, 0)); the SDE's increments
 * for trajectory i come from child i of stream (FM_SAMPLE_TAG, 1) (sde.h).
 * Trajectories are integrated in chunks of `chunk` rows; fixed-step and SDE
 * results do not depend on the chunk size (each row's arithmetic is the
 * same), adaptive ones do (one step-size control per chunk).
 *
 * NFE: the field's row counter (field.h) divided by n: evaluations per
 * sample (fixed steps: stages x steps; SDE: steps; adaptive: the chunk's
 * count, averaged over samples).
 */
#ifndef FM_SAMPLE_H
#define FM_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "field.h"
#include "fm_status.h"
#include "ode.h"

#define FM_SAMPLE_TAG 0x5341 /* "SA": rng stream purpose tag */

typedef enum {
  FM_SAMPLE_FIXED = 0,    /* fixed-step ODE, method from the ode.h table */
  FM_SAMPLE_ADAPTIVE = 1, /* GSL rk8pd */
  FM_SAMPLE_SDE = 2       /* Euler-Maruyama */
} fm_sample_kind;

typedef struct {
  fm_sample_kind kind;
  const fm_ode_method *method;    /* FIXED */
  size_t steps;                   /* FIXED and SDE */
  double t0, t1;                  /* from t0 to t1; t1 < t0 integrates backward */
  fm_ode_adaptive_opts adaptive;  /* ADAPTIVE */
  double eps;                     /* SDE: eps_t = eps sigma_t (above) */
  size_t chunk;                   /* trajectories integrated together */
  uint64_t seed;                  /* SDE increments */
} fm_sample_opts;

typedef struct {
  double nfe;          /* field evaluations per sample */
  uint64_t calls;      /* batched field calls */
  size_t steps;        /* steps per trajectory (adaptive: summed over chunks) */
  size_t rejected;     /* adaptive: rejected step attempts, summed over chunks */
} fm_sample_stats;

/* rk4, 100 steps, [0, 1], rtol 1e-6 and atol 1e-8, eps 1, chunk 256, seed 1. */
void fm_sample_opts_default(fm_sample_opts *o);

/* Set kind (and method) from a name: "adaptive", "sde", or the name of a
 * method in fm_ode_methods.  FM_EINVAL for an unknown name. */
int fm_sample_opts_solver(fm_sample_opts *o, const char *name);

/* X (n x d) = rows first .. first + n - 1 of the N(0, I) noise of seed. */
void fm_sample_noise(double *X, size_t n, size_t d, uint64_t seed, uint64_t first);

/* Transport X (n x f->d) in place from o->t0 to o->t1; stats may be NULL.
 * X is unchanged on error.  FM_EINVAL (bad options; the SDE without a
 * schedule in f), FM_ENOMEM, FM_ENONFIN, FM_ECONV (adaptive gave up), or
 * the field's status -- each with a message. */
int fm_sample_run(double *X, fm_sample_stats *stats, fm_field *f, size_t n,
                  const fm_sample_opts *o, fm_errmsg *e);

/* The SDE's noise level at t: eps_t = eps sigma_t where W_t > 0, else 0;
 * and the drift's score coefficient k_t = eps_t^2 / (2 sigma_t W_t), so that
 * drift = v + k_t (alpha v - alpha' x) (0 where eps_t = 0). */
int fm_sample_sde_coef(double *eps_t, double *k_t, double *alpha, double *dalpha,
                       const fm_schedule *s, double eps, double t);

/* The score implied by a velocity: s = (alpha v - alpha' x) / (sigma W) for
 * one row of length d.  FM_ESING where sigma W is not positive. */
int fm_sample_score_from_v(double *score, const double *v, const double *x, size_t d,
                           const fm_sched_val *sv);

#endif
