/* post_routes.h -- routes to a posterior expectation E[f(x1) | x_t = x] on a
 * GMM path, and the check driver shared by the integral theorems
 * marginal-field (f = u_t(x|x1)) and marginal-score (f = grad_x log p_t(x|x1)).
 *
 * The identity under test is
 *     E[f(x1) | x_t = x] = int f(x1) p_t(x|x1) q(x1) dx1 / int p_t(x|x1) q(x1) dx1
 * against a closed form (the candidate).  Four routes compute the left side
 * from the definitions alone -- q's density, the Gaussian likelihood
 * p_t(x|x1) = N(x; alpha x1, sigma^2 I) (fm_cond_logpdf) and f -- each as a
 * weighted average over x1 with log-weights (fm_snis accumulates them, so no
 * weight under- or overflows even 50 standard deviations out):
 *
 *  Q-GH (d <= 3): per component k, tensor Gauss-Hermite over x1 = m_k + L_k z,
 *    z ~ N(0, I) (prior-centred), n and 2n nodes per axis; log-weight
 *    log w_k + log(rule weight) + log p_t(x|x1).  Error estimate |Q_2n - Q_n|.
 *    The integrand is a Gaussian bump in z whose posterior has per-axis sd
 *    tau >= 1/sqrt(1 + c tr S_k) (c = (alpha/sigma)^2) and centre zeta_k =
 *    L_k^{-1}(mu_k - m_k).  As t -> 1, tau -> 0 (a spike of width sigma/alpha
 *    against the data scale) and the rule fails; worse, a spike between the
 *    nodes of both rules leaves |Q_2n - Q_n| tiny (tests/test_quad.c shows
 *    it).  So a point is *resolved* only if, for every component with
 *    gamma_k >= 1e-14, n tau^2 >= 1 and |zeta_k|_inf + 3 <= sqrt(2n)
 *    (inside the coarse rule's node range, ~ sqrt(4n)), AND the error
 *    estimate is within tolerance.  Unresolved points are reported, not failed.
 *  Q-post (d > 3): a posterior-centred rule.  Per component, x1 = mu_k +
 *    B_k y with (mu_k, Sigma_k = B_k B_k') the component posterior of
 *    fm_gmm_posterior, and log-weight log w_k + log N(x1; m_k, S_k) +
 *    log p_t(x|x1) - log N(x1; mu_k, Sigma_k) + log(rule weight): the ratio is
 *    the constant Z_k exactly when (mu_k, Sigma_k) are right, and f is affine
 *    in x1, so the 1-node rule (y = 0) and the degree-3 symmetric rule
 *    (y = +-sqrt(d) e_i, weights 1/2d) are both exact; their difference is
 *    the error estimate (rounding only -- a wrong posterior would show here).
 *  MC-plain: x1 ~ q (fm_gmm_sample), self-normalised weights p_t(x|x1); ESS
 *    reported.  As t -> 1 the likelihood is a spike q rarely hits and the ESS
 *    collapses; far in the tails the weights are an exponential tilt of q
 *    whose mass no draw reaches, and the *sample* ESS can still look fine.
 *    So a point decides only if both the sample ESS (sum w)^2 / sum w^2 and
 *    the population ESS N / E_q[w^2] (exact: E_q[w^2] = (4 pi sigma^2)^{-d/2}
 *    pt~(x) / p_t(x)^2, pt~ the marginal with sigma/sqrt 2) are
 *    >= FM_POST_ESS_MIN, and the weights' skewness E w^3 / (E w^2)^{3/2} /
 *    sqrt(N) (exact likewise, with sigma/sqrt 3) is <= FM_POST_SKEW_MAX, so
 *    that the z-test's tail is not inflated by a skewed estimator.
 *  MC-IS: x1 ~ r = sum_k w_k N(mu_k, Sigma_k) -- the component posteriors
 *    with the PRIOR weights (so the proposal does not use the posterior
 *    weights that the closed form is made of); weight
 *    q(x1) p_t(x|x1) / r(x1) = sum_j w_j Z_j N_j(x1) / sum_k w_k N_k(x1)
 *    <= max_j Z_j, bounded, hence population ESS >= N p_t(x) / max_j Z_j
 *    >= N min_k w_k: no defensive component is needed.  Same ESS rule, with
 *    that lower bound as the population ESS.
 *
 * Decisions (theorems/README.md).  Quadrature: |Q - cand|_inf <= tol at every
 * resolved point, tol = 1e-10 S + eps cond (16 + |log p_t(x)|): S is the
 * scale of the candidate's terms, cond the size of the terms in evaluating
 * f (x - alpha x1 cancels; the log-weights' rounding grows with their
 * magnitude ~ |log p_t|).  MC: z_ij = (|est - cand| - r_i)_+ / se over the
 * deciding points i and components j, r_i = eps cond (16 + |log p_t(x)|)
 * the rounding part of the quadrature tolerance (the estimators evaluate
 * the same f with the same log-weights), family-wise level FM_POST_ALPHA,
 * Holm (= the Bonferroni critical value for the global decision, see mc.h):
 * the route statistic is max |z| against z_crit.  Without r_i a point where
 * every draw's f rounds to the same double (alpha x1 below ulp(x) near
 * t = 0: se = 0 exactly) would be judged on the last ulp of est and cand --
 * z = inf for a one-ulp difference (an emulated long double, as under
 * valgrind, moves the closed form by an ulp).  The rounding
 * of the weighted sums themselves (relative to the spread of f, <= N eps
 * sqrt(ESS) se ~ 1e-11 se at N = 2048) is negligible against z_crit se.
 */
#ifndef FM_POST_ROUTES_H
#define FM_POST_ROUTES_H

#include <stddef.h>

#include "case.h"
#include "mc.h"
#include "theorem.h"

#define FM_POST_ESS_MIN 100.0
#define FM_POST_SKEW_MAX 0.1
#define FM_POST_ALPHA 1e-4
#define FM_POST_QUAD_REL 1e-10

/* f(x1) at x for schedule values v (fm_cond_field, fm_cond_score). */
typedef void (*fm_post_fn)(double *y, const fm_sched_val *v, const double *x,
                           const double *x1, size_t d);

/* What the candidate closed form sees at one point. */
typedef struct {
  const fm_gmm *g;
  const fm_sched_val *v;      /* true schedule values at t */
  const fm_sched_val *vc;     /* the candidate's (mutated) schedule values */
  const double *x;
  const double *gamma, *z;    /* closed form at (t, x), TRUE schedule (gmm_path) */
  const double *gamma_c, *z_c;/* the same with the candidate's schedule */
  const double *score_c, *u_c;/* closed-form score and field, candidate schedule */
  size_t d, K;
} fm_post_cand_in;

typedef struct {
  const char *theorem_id;
  fm_post_fn f;
  /* y = the candidate E[f | x] for this mutant (0 = the true closed form);
   * *scale = the size of its terms (true schedule) for relative tolerances;
   * *cond = the size of the terms of one evaluation of f (true schedule). */
  int (*cand)(double *y, double *scale, double *cond, const fm_post_cand_in *in, int mutant);
  /* schedule changes of the candidate for this mutant */
  double (*dsigma_factor)(int mutant);
  int (*reversed)(int mutant);
  /* NULL if the mutant applies to case c, else the reason it does not */
  const char *(*na)(const fm_case *c, int mutant);
  /* The smallest-perturbation scan of the true statement (post_scan.c):
   * at relative amount e the candidate is re-assembled as coef times the
   * true closed form (mutant 0) with the candidate schedule's sigma' times
   * dsigma_factor; scan(&dsigma_factor, &coef, e) sets both.  scan_input
   * names the perturbed input in the note ("sigma'"). */
  void (*scan)(double *dsigma_factor, double *coef, double e);
  const char *scan_input;
} fm_post_spec;

/* Route ids */
enum { FM_POST_R_QUAD, FM_POST_R_PLAIN, FM_POST_R_IS, FM_POST_NR };

/* Per-route summary of one run (for the verdict and for calibration). */
typedef struct {
  int used;              /* the route ran on this case */
  size_t npoints;        /* points attempted */
  size_t ndecided;       /* points that decided */
  double stat, tol;      /* route statistic and its tolerance (margin = stat/tol) */
  size_t worst;          /* point index of the worst margin */
  fm_ztest z;            /* MC routes: the family's z-test */
  double ess_min, ess_med;  /* MC routes: over attempted points */
  double t_undecided_min;   /* smallest t at which the route did not decide */
  double detect_rel;     /* smallest relative perturbation of the candidate
                            this route detects (NAN: none up to 1e-1) */
} fm_post_route_rep;

typedef struct {
  fm_post_route_rep r[FM_POST_NR];
  const char *quad_name;   /* "Q-GH n=.. (2n=..)" or "Q-post ..." */
  size_t gh_n;             /* GH base nodes per axis (0 for Q-post) */
  size_t mc_n;             /* MC draws per point */
} fm_post_report;

/* One MC estimate of E[f(x1) | x_t = x] by route FM_POST_R_PLAIN or
 * FM_POST_R_IS with N draws from stream r (for convergence sweeps): est, se
 * of length d (se may be NULL), ess (may be NULL). */
int fm_post_mc_estimate(double *est, double *se, double *ess, const fm_gmm *g,
                        const fm_sched_val *v, const double *x, fm_post_fn f, int route,
                        size_t N, const fm_rng *r);

/* Run every route of spec on case c (mutant as in fm_check_fn) and fill rep;
 * v (may be NULL) receives routes, notes and the outcome, and, for the true
 * statement, the smallest perturbation of spec->scan's input each route
 * detects (perturb.h: a note and the facts FM_F_DETECTED qualified by the
 * route keys "quad", "mc-plain", "mc-is"; a route that decided at no point
 * is not reported).  The scan reuses every point's quadrature value, MC
 * estimates, standard errors and tolerances and only re-assembles the
 * candidate, so it draws nothing and changes neither the outcome nor any
 * other number.  FM_OK or an error from the library. */
int fm_post_check_run(fm_post_report *rep, fm_verdict *v, const fm_case *c,
                      const fm_check_opts *o, const fm_post_spec *spec, int mutant);

#endif
