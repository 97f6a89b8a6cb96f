/* points.h -- the seeded evaluation points shared by every pointwise check
 * (theorems/README.md: "a seeded set of (t, x, x1) including t within 1e-6 of 0 and 1
 * and points far in the tails"), and small helpers to score and describe them.
 *
 * Point i has a kind fixed by i mod 10 (so every kind is present as soon as
 * n >= 4, whatever the seed):
 *   0 -> FM_PT_NEAR0, 1 -> FM_PT_NEAR1, 2, 5 -> FM_PT_TAIL, others TYPICAL
 * i.e. 60% typical (t ~ U(0,1)), 10% t in [1e-6, 2e-6], 10% t in
 * [1 - 2e-6, 1 - 1e-6], 20% tail points with t ~ U(1e-6, 1 - 1e-6).
 * x0 ~ N(0, I); x1 = fm_gmm_sample draw i; for typical and near-end points
 * x = psi_t(x0|x1) = sigma_t x0 + alpha_t x1; for tail points, with k the
 * component of x1, e a uniformly random unit vector and
 * s = sqrt(e' C_k(t) e) the std of component k of p_t along e
 * (C_k = alpha^2 S_k + sigma^2 I):  x = alpha_t m_k + R s e, R = 50.
 *
 * Every random number comes from its own Philox stream
 * (FM_RNG_STREAM(FM_PT_RNG_TAG, purpose)), so a point depends only on
 * (seed, i): the same seed gives the same points, and point i does not change
 * when n does.
 */
#ifndef FM_POINTS_H
#define FM_POINTS_H

#include <stddef.h>
#include <stdint.h>

#include "case.h"
#include "fdiff.h"
#include "theorem.h"

enum { FM_PT_TYPICAL, FM_PT_NEAR0, FM_PT_NEAR1, FM_PT_TAIL };

/* Radius of the tail points, in component standard deviations. */
#define FM_PT_TAIL_R 50.0
/* Purpose tag of the point streams ("PT"). */
#define FM_PT_RNG_TAG 0x5054u

typedef struct {
  size_t n, d;
  double *t;   /* n times in (0,1) */
  double *x0;  /* n*d: N(0,I) draws */
  double *x1;  /* n*d: draws from the case's GMM */
  double *x;   /* n*d: evaluation points (see above) */
  int *kind;   /* n */
} fm_pointset;

/* *ps = n points for case c from seed (n >= 1).  FM_EINVAL for n = 0,
 * FM_ENOMEM, or the schedule's status if it cannot be evaluated at a t. */
int fm_pointset_make(fm_pointset **ps, const fm_case *c, uint64_t seed, size_t n);
void fm_pointset_free(fm_pointset *ps);

/* max_i |a_i - ref_i| / scale (scale > 0), and the index where it is
 * attained (where may be NULL).  NaN anywhere gives NaN (and that index). */
double fm_maxdiff(const double *a, const double *ref, size_t d, double scale,
                  size_t *where);

/* "t=..., x=[...] (kind)" for verdict->worst, truncated to fit len (long x
 * vectors end in "..."; the kind is always kept). */
void fm_point_describe(char *buf, size_t len, const fm_pointset *ps, size_t i);

/* "typical", "near0", "near1", "tail". */
const char *fm_point_kind_name(int kind);

/* --- schedule helpers for candidates and tolerances --- */

/* Condition estimate of one double schedule evaluation:
 *   kappa = 1 + max |log |f||  over the nonzero finite f in {alpha, sigma,
 *   alpha', sigma'}.
 * Why: the built-in formulas are exp/expm1/sin/sqrt of arguments built from
 * t or 1 - t; rounding such an argument g by a relative eps perturbs
 * exp(g) by a relative eps |g|, and |g| is |log f| up to an O(1) constant
 * (absorbed in the caller's ulp count).  Each schedule value is then taken to
 * be accurate to 4 kappa eps (1-ulp libm calls, <= 3 dependent operations);
 * callers state how that propagates. */
double fm_sched_cond(const fm_sched_val *v);

/* Measured rounding noise of the double schedule near t (More & Wild's
 * ECnoise idea): alpha and sigma at 12 abscissae t + j h, j = -5..6,
 * h the largest power of two <= 2^-20 min(t, 1 - t), t rounded to a multiple
 * of h (so the abscissae are exact and add no noise); the sixth differences of a smooth f are
 * O((h/min(t,1-t))^6 f) ~ 1e-36 f, so what is left is noise, whose RMS is
 * sqrt(gamma_6 mean(Delta^6 f)^2), gamma_6 = (6!)^2/12!.  Returns the larger
 * RMS *relative* noise of alpha and sigma (values that are 0 or constant
 * count as exact); 0 when t is outside (0,1) or an evaluation fails.  Used
 * where a check must know how noisy a schedule it cannot bound a priori is
 * (user expressions with cancellation, splines).
 * Known limit, kept so that the built-ins' bounds stay as they were: for
 * 1 - t < 2^-33, h < ulp(t) and the abscissae collapse onto a few doubles;
 * what is read is then not noise (the built-in VP at t = 1 - 3.4e-11 reads
 * 4e-7 where its noise is 5e-17 -- conservative there; a cancelling
 * expression may read ~eps -- not).  fm_sched_noise, on which the bounds of
 * schedules without a twin rest, has a grid that does not collapse. */
double fm_sched_relnoise(const fm_schedule *s, double t);

/* The same measurement, per component and absolute, on a grid that does not
 * collapse near t = 1: n[0..3] = the RMS noise of alpha, sigma, alpha',
 * sigma' (the derivatives as the schedule gives them: symbolic for expr,
 * from the spline for table) at t + j h, j = -5..6, h the largest power of
 * two <= max(2^-20 min(t, 1 - t), 2^8 ulp(t)), capped at min(t, 1 - t)/8 so
 * the stencil stays in (0,1).  Why the floor 2^8 ulp(t): near t = 1 a double
 * t has only absolute resolution ulp(t) = 2^-53, and 2^-20 (1 - t) falls
 * below it for 1 - t < 2^-33 (the t_r of schedule-transform reach 1 - t ~
 * 5e-11); with h >= 2^8 ulp(t) the abscissae are distinct and an O(1)
 * intermediate such as exp(-T) moves by many of its ulps between them, so
 * its rounding shows as noise rather than as a staircase.  The floor acts
 * only for 1 - t < 2^-25; there h/(1 - t) <= 2^-9 while 1 - t >= 2^-36, and
 * a singularity like sqrt(1 - t) leaves a smooth sixth difference of <= 15
 * (2^-9)^6 ~ 1e-15 relative (x sqrt(gamma_6) ~ 0.03 in the RMS).  Within 8
 * ulp of t = 1 no grid fits and the estimate is not informative.  All 0
 * when t is outside (0,1); all 0 and the status of fm_schedule_eval when an
 * evaluation fails. */
int fm_sched_noise(double n[4], const fm_schedule *s, double t);

/* Relative error bound of one double schedule value near t, for routes that
 * evaluate the double schedule themselves (finite differences):
 *   max(4 kappa eps, 8 fm_sched_relnoise(s, t)),  eps = DBL_EPSILON.
 * The a priori 4 kappa eps holds for the built-ins' formulas; the measured
 * noise covers formulas that cancel (a user's cos(pi t/2) near t = 1); the
 * factor 8 takes an RMS to a bound over the few evaluations one difference
 * quotient uses (x3) and allows for the spread of an RMS estimated from six
 * differences (x2.5).  For expr, also 2x the largest relative error of
 * alpha and sigma measured in MPFR at nine points within min(t, 1 - t)/4 of
 * t (fm_schedule_eval_errors): the scatter cannot see a rounding error that
 * is constant over its grid (an aliased staircase; gen case: VP written as
 * sqrt(1 - exp(-T)) at 1 - t = 2e-6, cond-field's FD route 34x over its
 * tolerance), the measurement can. */
double fm_sched_value_err(const fm_schedule *s, double t, double kappa);

/* Component-wise absolute error bounds e[0..3] of the double values
 * v = (alpha, sigma, alpha', sigma') of s at t (kappa = fm_sched_cond(v)):
 *   twin != 0 (a built-in, whose formulas are relatively accurate at both
 *   ends -- the `schedule` theorem checks them against their MPFR twins):
 *     e_k = fm_sched_value_err(s, t, kappa) |f_k|;
 *   twin == 0 (expr, table): e_k = max(4 kappa eps N_k, 8 n_k, 2 m_k), n =
 *     fm_sched_noise(s, t), N = |alpha| + |sigma| for the values and
 *     |alpha'| + |sigma'| for the derivatives, m_k the measured error of
 *     v_k itself (fm_schedule_eval_errors: expr; 0 for table).
 * Derivation for twin == 0.  A user's expression is evaluated by
 * libmatheval in double, operation by operation; its error is a priori
 * unknown.  Two parts: (i) an expression that is well conditioned on the
 * scale of the pair is accurate to a few ulps of N_k (cos(pi t/2) near its
 * zero is absolutely, not relatively, accurate): the 4 kappa eps N_k term;
 * (ii) where it cancels, the error is dominated by the rounding of the
 * intermediate O(1) quantities, which moves by many ulps between abscissae
 * h apart (h >= 2^8 ulp(t)) and so shows as noise of f_k itself: sqrt(1 -
 * exp(-T)) at T ~ 3e-12 (1 - t = 5.5e-11) carries a relative error ~ 6e-6 in
 * sigma and ~ 1e-16 in alpha.  Bounding it per component by 8 n_k (the
 * factor as in fm_sched_value_err) keeps sigma's bound relative to sigma
 * near t = 1 without loosening alpha's by 1/sigma -- a single relative noise
 * applied to |alpha| + |sigma| (the former model) did both wrong.  (iii)
 * The scatter cannot see an error that is constant across the grid: where
 * the rounding is a staircase whose steps the grid's spacing aliases (the
 * VP sigma above at 1 - t = 4.35e-11 read 1.9e-6 relative where its error
 * is 5.3e-6), so for expr the error of v itself is measured in MPFR (m_k),
 * doubled for the nearby evaluations a route's differences add.  Status:
 * FM_OK, or that of a failed evaluation in the measurement (the a priori
 * part is still written). */
int fm_sched_value_errs(double e[4], const fm_schedule *s, double t, const fm_sched_val *v,
                        int twin);

/* A forward step in t for measuring a sensitivity to t through the double
 * schedule s, at t in (0,1) with values v and their error bounds dv[0..3]
 * (fm_sched_value_errs): *h the smallest of h0 = max(2^-20 min(t, 1 - t),
 * 4 ulp(t)) times 2^j, j = 0, 1, ..., at which some value moves by at least
 * 64 times its bound (|v_k(t + h) - v_k| >= 64 dv_k), capped at min(t, 1 -
 * t)/8; *ratio the largest |v_k(t + h) - v_k| / dv_k reached there.  Why:
 * near t = 1 a user's expression is a staircase in t (sigma = sqrt(1 -
 * exp(-T)) at 1 - t = 4e-11 keeps one double value over ten ulps of t), and
 * a difference quotient over 4 ulps of t reads 0 where the true |dsigma/dt|
 * is sigma / (2 (1 - t)); a step across many steps of the staircase reads
 * the slope within 2/ratio relative (both ends within their bounds) plus
 * its truncation, <= h / min(t, 1 - t) relative for the ends' power laws.
 * Status of fm_schedule_eval; FM_EDOM when t is outside (0,1). */
int fm_sched_tstep(double *h, double *ratio, const fm_schedule *s, double t,
                   const fm_sched_val *v, const double dv[4]);

/* The candidate schedule of a negative control: the values of s at t, or of
 * the path run backwards (reversed != 0: alpha_{1-t}, sigma_{1-t} with the
 * chain-rule derivatives -alpha'_{1-t}, -sigma'_{1-t}), then sigma' times
 * dsigma_factor (1 for none).  Status of fm_schedule_eval. */
int fm_sched_eval_candidate(fm_sched_val *v, const fm_schedule *s, double t,
                            double dsigma_factor, int reversed);

/* Step layout for central differences in t that stay inside (0,1):
 * *tc = t rounded to a multiple of 2^-40 (moves t by <= 2^-41), and *h0 the
 * largest power of two <= min(hmax, tc/4, (1-tc)/4).  Then every tc +- h0/2^k
 * with h0/2^k >= 2^-40 is an exact double, so the difference quotient divides
 * by exactly the step that was taken (no error from rounding t +- h).  Why
 * 1/4: path quantities may be singular at t = 0 or 1 (log sigma, 1/sigma,
 * t^n), so their Taylor series in t converge with radius ~ min(t, 1-t);
 * at h0 = radius/4 each Richardson level gains >= 16x and the tableau's
 * error estimate stays conservative, whereas at radius/2 it was seen to
 * underestimate the true error 8-fold (log p_t(x|x1), polynomial path,
 * t = 0.983).  Needs t in [2^-30, 1 - 2^-30]; FM_EDOM otherwise. */
int fm_fdiff_grid(double *tc, double *h0, double t, double hmax);

/* Observed order of the raw central difference D(h) = (f(t+h) - f(t-h))/2h:
 * per component, log2(|D(h0) - D(h0/2)| / |D(h0/2) - D(h0/4)|), kept only
 * where |D(h0/2) - D(h0/4)| exceeds 32 times its round-off bound 6 noise/h0
 * (noise: a bound on the absolute error of one evaluation of any f_j), so
 * that round-off moves the logarithm by < 0.05.  *order = the minimum over
 * the informative components, NaN if there is none (e.g. f affine in t).
 * fm_fdiff_central's own order uses a threshold relative to |f'|, which lets
 * round-off through when |f| / h >> |f'|; this one does not. */
int fm_fdiff_observed_order(double *order, fm_fdiff_fn f, void *ctx, size_t n, double t,
                            double h0, double noise);

/* min and median of the finite entries of a[0..n-1] (NaN if none); returns
 * how many were finite. */
size_t fm_min_median(double *min, double *median, const double *a, size_t n);

/* --- option helpers every pointwise check uses --- */
/* o->seed if nonzero, else c->seed. */
uint64_t fm_check_seed(const fm_check_opts *o, const fm_case *c);
/* o->npoints * o->multiplier (each at least 1). */
size_t fm_check_npoints(const fm_check_opts *o);

#endif
