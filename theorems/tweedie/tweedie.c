/* tweedie.c -- theorem `tweedie` (theorems/README.md): for the Gaussian path
 * x_t = alpha_t x1 + sigma_t x0 with x1 ~ q,
 *     E[x1 | x_t = x] = (x + sigma_t^2 grad log p_t(x)) / alpha_t.
 *
 * Points: fm_pointset (typical, t within 2e-6 of either end, tails 50 std
 * out).  eps = DBL_EPSILON (twice the unit roundoff: a factor 2 of safety).
 * Every tolerance is a per-point error bound; the statistic of a route is
 * max_i err_i / tol_i, reported as err/tol at the worst point, both relative
 * to the scale M = max(sum_k gamma_k |m_k + alpha S_k z_k|, |E|_inf) of the
 * posterior mean's terms.
 *
 * Route 1 -- posterior mean, double vs MPFR.  E from fm_gmm_path_eval
 * against fm_gmm_marginal_mpfr at o->prec bits, both fed the *same* double
 * schedule values (the schedule's own accuracy is the `schedule` theorem's
 * business), so the difference is rounding of the GMM algebra alone.
 * tol = B_mean + eps |E|_inf: B_mean is the first-order bound of path_err.c
 * (Cholesky backward error x cond C_k, Mahalanobis terms, log-sum-exp
 * weights) and eps |E| covers rounding the reference to double.
 *
 * Route 2 -- Tweedie's right side from the double score vs the MPFR mean.
 * R = (x + sigma^2 s)/alpha with s the double score.  Near t = 0, alpha -> 0
 * and x + sigma^2 s ~ alpha E is a cancelling difference: the rounding of x
 * and of sigma^2 s (sizes |x|, sigma^2 |s|) is divided by alpha, i.e. its
 * relative effect is multiplied by the condition number
 *     kappa_T = (|x|_inf + sigma^2 |s|_inf) / (|alpha| M).
 * Bound: [eps (|x| + 2 sigma^2 |s|) + sigma^2 B_score] / |alpha| + eps |R| +
 * eps |E| (numerator sum and sigma^2 s product; the score's own error; the
 * division; the reference).  Where eps kappa_T > 0.1 the identity cannot be
 * checked in double (the tolerance would exceed 10%): such points are
 * skipped here and counted in the note (route 3 still covers them).
 *
 * Route 3 -- the identity at o->prec bits.  Left side E and score both from
 * the MPFR twin fm_gmm_marginal_mpfr (Gauss elimination, plain sums; shares
 * no algorithm with the double code) with the schedule's MPFR twin
 * (fm_schedule_eval_mp_or_double; expr/table schedules: double values taken
 * as exact, said in the note), R formed in MPFR.  The residual R - E is
 * bounded by route 2's bound with eps replaced by eps_mp = 2^(20 - prec):
 * the 20 guard bits cover Gauss elimination's growth and the different
 * order of operations (MPFR's convention of checking at p + 20 bits).
 *
 * Mutants (the candidate side replaced, references unchanged):
 *   1 "score missing its 1/sigma^2": the score used is sigma^2 grad log p
 *     (routes 2, 3);
 *   2 "posterior weights replaced by prior weights": the candidate mean is
 *     sum_k w_k (m_k + alpha S_k z_k) (route 1); n/a for one component;
 *   3 "alpha in place of sigma^2": R = (x + alpha s)/alpha (routes 2, 3).
 *
 * For the true statement the note also gives the smallest relative
 * perturbation of the score's coefficient sigma^2 (sigma^2 (1 + e), e =
 * 1e-14 .. 1e-2 by decades; perturb.h) that routes 2 and 3 detect on the
 * first 10 points (route 1 does not involve the coefficient).  At a typical
 * point the term sigma^2 score / alpha is of the size of E, so route 3
 * (tolerance ~1e-64) sees the smallest e and route 2 an e near its own
 * relative tolerance (a few eps kappa_T).
 */
#include "theorems.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg.h"
#include "mp.h"
#include "path_err.h"
#include "points.h"
#include "pointwise.h"
#include "pointwise_check.h"
#include "worst.h"

#define FM_TW_EPS DBL_EPSILON
#define FM_TW_MAX_REL_TOL 0.1
#define FM_TW_SCAN_POINTS 10

enum { FM_TW_TRUE, FM_TW_SCORE_S2, FM_TW_PRIOR_W, FM_TW_ALPHA_S2 };
enum { FM_TW_R_MEAN, FM_TW_R_RHS, FM_TW_R_MP, FM_TW_NR };

static const char *const fm_tw_mutants[] = {
    "score missing its 1/sigma^2",
    "posterior weights replaced by prior weights",
    "alpha in place of sigma^2",
    NULL,
};

/* The scan reruns routes 2 and 3 only: route 1 does not see the
 * coefficient, and a route that cannot fail would keep the scan going to
 * the end. */
static const fm_ptcheck_route fm_tw_routes[FM_TW_NR] = {
    {FM_R_TW_MEAN, NULL},
    {FM_R_TW_RHS, "double"},
    {FM_R_TW_MP, "MPFR"},
};

typedef struct {
  fm_pointwise pw;    /* case, path, bounds, MPFR point and schedule */
  int mutant;
  double *score, *mean, *cand, *ref, *rhs;  /* d each */
  mpfr_t *score_m, *mean_m;                 /* d each */
  mpfr_t coef, tmp;
  fm_worst *w;        /* the driver's worst point of each route */
  size_t skip_ill, skip_alpha0;
  double kappa_max;
  double coef_factor; /* the scan's 1 + e on the score's coefficient (else 1) */
} fm_tw_work;

static void fm_tw_work_free(void *work)
{
  fm_tw_work *w = work;
  free(w->score);
  fm_mp_vec_free(w->score_m, w->pw.d);
  fm_mp_vec_free(w->mean_m, w->pw.d);
  mpfr_clears(w->coef, w->tmp, (mpfr_ptr)0);
  fm_pointwise_free(&w->pw);
}

static int fm_tw_work_init(void *work, fm_ptcheck *run)
{
  const fm_case *c = run->c;
  size_t d = c->gmm->d;
  fm_tw_work *w = work;
  *w = (fm_tw_work){.mutant = run->mutant, .coef_factor = 1.0, .w = run->w};
  int st = fm_pointwise_alloc(&w->pw, c, run->o);
  mpfr_inits2(w->pw.prec, w->coef, w->tmp, (mpfr_ptr)0);
  st = st ? st : fm_mp_vec_alloc(&w->score_m, d, w->pw.prec);
  st = st ? st : fm_mp_vec_alloc(&w->mean_m, d, w->pw.prec);
  if (st == FM_OK) {
    w->score = malloc(5 * d * sizeof *w->score);
    if (w->score == NULL)
      st = FM_ENOMEM;
    else {
      w->mean = w->score + d;
      w->cand = w->score + 2 * d;
      w->ref = w->score + 3 * d;
      w->rhs = w->score + 4 * d;
    }
  }
  if (st != FM_OK)
    fm_tw_work_free(w);
  return st;
}

/* The candidate mean: E itself, or the prior-weighted mutant. */
static void fm_tw_candidate_mean(fm_tw_work *w, double alpha)
{
  const fm_gmm *g = w->pw.c->gmm;
  size_t d = w->pw.d;
  if (w->mutant != FM_TW_PRIOR_W) {
    memcpy(w->cand, w->mean, d * sizeof *w->cand);
    return;
  }
  const double *z = fm_gmm_path_z(w->pw.path);
  for (size_t i = 0; i < d; i++) {
    double acc = 0.0;
    for (size_t k = 0; k < g->K; k++) {
      double Sz = 0.0;
      for (size_t j = 0; j < d; j++)
        Sz += g->cov[k * d * d + i * d + j] * z[k * d + j];
      acc += g->w[k] * (g->mean[k * d + i] + alpha * Sz);
    }
    w->cand[i] = acc;
  }
}

/* Coefficient of the score in the candidate numerator x + c s (with the
 * candidate score folded in): sigma^2, sigma^4 or alpha; times the scan's
 * factor. */
static double fm_tw_coef(const fm_tw_work *w, double alpha, double sigma)
{
  double s2 = sigma * sigma;
  int m = w->mutant;
  return (m == FM_TW_SCORE_S2 ? s2 * s2 : (m == FM_TW_ALPHA_S2 ? alpha : s2)) *
         w->coef_factor;
}

static void fm_tw_coef_mp(mpfr_t c, const fm_tw_work *w, const fm_sched_mp *v)
{
  if (w->mutant == FM_TW_ALPHA_S2)
    mpfr_set(c, v->alpha, MPFR_RNDN);
  else
    mpfr_sqr(c, v->sigma, MPFR_RNDN);
  if (w->mutant == FM_TW_SCORE_S2)
    mpfr_sqr(c, c, MPFR_RNDN);
  if (w->coef_factor != 1.0)
    mpfr_mul_d(c, c, w->coef_factor, MPFR_RNDN);
}

/* Bound on the error of (x + c s)/alpha given the score's error bound. */
static double fm_tw_rhs_bound(double xn, double sn, double coef, double alpha, double rn,
                              double score_err, double eps)
{
  double ac = fabs(coef);
  return (eps * (xn + 2.0 * ac * sn) + ac * score_err) / fabs(alpha) + eps * rn;
}

/* Route 3: R - E in MPFR with the schedule twin; returns |R - E|_inf. */
static int fm_tw_route_mp(double *res, fm_tw_work *w, double t)
{
  int st = fm_pointwise_twin(&w->pw.vm, &w->pw, t);
  if (st != FM_OK)
    return st;
  st = fm_gmm_marginal_mpfr(NULL, w->score_m, w->mean_m, NULL, w->pw.c->gmm, &w->pw.vm,
                            w->pw.xm, w->pw.prec);
  if (st != FM_OK)
    return st;
  if (mpfr_zero_p(w->pw.vm.alpha)) {
    *res = NAN; /* not defined: the caller skips */
    return FM_OK;
  }
  fm_tw_coef_mp(w->coef, w, &w->pw.vm);
  double m = 0.0;
  for (size_t i = 0; i < w->pw.d; i++) {
    mpfr_mul(w->tmp, w->coef, w->score_m[i], MPFR_RNDN);
    mpfr_add(w->tmp, w->tmp, w->pw.xm[i], MPFR_RNDN);
    mpfr_div(w->tmp, w->tmp, w->pw.vm.alpha, MPFR_RNDN);
    mpfr_sub(w->tmp, w->tmp, w->mean_m[i], MPFR_RNDN);
    m = fmax(m, fabs(mpfr_get_d(w->tmp, MPFR_RNDU)));
  }
  *res = m;
  return FM_OK;
}

static int fm_tw_point(void *work, fm_ptcheck *run, size_t i)
{
  fm_tw_work *w = work;
  const fm_pointset *ps = run->ps;
  size_t d = w->pw.d;
  const double *x = ps->x + i * d;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, w->pw.c->sched, ps->t[i]);
  st = st ? st : fm_gmm_path_set(w->pw.path, &v);
  st = st ? st : fm_gmm_path_eval(NULL, w->score, w->mean, NULL, w->pw.path, x);
  if (st != FM_OK)
    return st;
  fm_path_errb b, bm;
  fm_path_err_bound(&b, w->pw.pe, w->pw.path, &v, x, FM_TW_EPS);
  fm_path_err_bound(&bm, w->pw.pe, w->pw.path, &v, x, w->pw.eps_mp);
  /* MPFR reference with the same schedule values */
  fm_sched_mp_set_d(&w->pw.vm, &v);
  fm_mp_vec_set_d(w->pw.xm, x, d);
  st = fm_gmm_marginal_mpfr(NULL, NULL, w->mean_m, NULL, w->pw.c->gmm, &w->pw.vm, w->pw.xm,
                            w->pw.prec);
  if (st != FM_OK)
    return st;
  fm_mp_vec_get_d(w->ref, w->mean_m, d);
  double En = fm_linalg_maxabs(w->ref, d), xn = fm_linalg_maxabs(x, d);
  double sn = fm_linalg_maxabs(w->score, d);
  double M = fmax(fmax(b.mean_scale, En), DBL_MIN);
  /* route 1 */
  fm_tw_candidate_mean(w, v.alpha);
  fm_worst_add(&w->w[FM_TW_R_MEAN], fm_maxdiff(w->cand, w->ref, d, M, NULL),
               (b.mean + FM_TW_EPS * En) / M, i);
  /* route 2 */
  double s2 = v.sigma * v.sigma;
  double kappa = (xn + s2 * sn) / (fabs(v.alpha) * M);
  if (v.alpha == 0.0) {
    w->skip_alpha0++;
  } else if (FM_TW_EPS * kappa > FM_TW_MAX_REL_TOL) {
    w->skip_ill++;
  } else {
    w->kappa_max = fmax(w->kappa_max, kappa);
    double coef = fm_tw_coef(w, v.alpha, v.sigma);
    for (size_t j = 0; j < d; j++)
      w->rhs[j] = (x[j] + coef * w->score[j]) / v.alpha;
    double tol = fm_tw_rhs_bound(xn, sn, coef, v.alpha, fm_linalg_maxabs(w->rhs, d), b.score,
                                 FM_TW_EPS) + FM_TW_EPS * En;
    fm_worst_add(&w->w[FM_TW_R_RHS], fm_maxdiff(w->rhs, w->ref, d, M, NULL), tol / M, i);
  }
  /* route 3 */
  double res;
  st = fm_tw_route_mp(&res, w, ps->t[i]);
  if (st != FM_OK || isnan(res))
    return st;
  double a = mpfr_get_d(w->pw.vm.alpha, MPFR_RNDN);
  double sg = mpfr_get_d(w->pw.vm.sigma, MPFR_RNDN);
  double coef = fm_tw_coef(w, a, sg);
  double rn = (xn + fabs(coef) * sn) / fabs(a);
  double tol = fm_tw_rhs_bound(xn, sn, coef, a, rn, bm.score, w->pw.eps_mp) + bm.mean;
  fm_worst_add(&w->w[FM_TW_R_MP], res / M, tol / M, i);
  return FM_OK;
}

static void fm_tw_report(fm_verdict *v, void *work, fm_ptcheck *run)
{
  const fm_tw_work *w = work;
  (void)run;
  fm_verdict_notef(v, "max condition number of (x + sigma^2 score)/alpha %.3g", w->kappa_max);
  fm_verdict_fact(v, FM_F_COND_MAX, NULL, w->kappa_max);
  if (w->skip_ill > 0)
    fm_verdict_notef(v, "%zu point(s) with eps*kappa > %.2g not checkable in double "
                     "(route 3 only)", w->skip_ill, FM_TW_MAX_REL_TOL);
  if (w->skip_alpha0 > 0)
    fm_verdict_notef(v, "%zu point(s) with alpha = 0 in double skipped by route 2",
                     w->skip_alpha0);
  fm_pointwise_note(v, &w->pw);
}

/* The scan's input: the score's coefficient x (1 + e). */
static void fm_tw_perturb(void *work, double e)
{
  fm_tw_work *w = work;
  w->coef_factor = 1.0 + e;
}

static const char *fm_tw_na_case(const fm_case *c, int mutant)
{
  return mutant == FM_TW_PRIOR_W && c->gmm->K == 1
             ? "one component: prior and posterior weights coincide"
             : NULL;
}

static const fm_ptcheck_spec fm_tw_spec = {
    .name = "tweedie",
    .nroutes = FM_TW_NR,
    .routes = fm_tw_routes,
    .na_case = fm_tw_na_case,
    .init = fm_tw_work_init,
    .clear = fm_tw_work_free,
    .point = fm_tw_point,
    .report = fm_tw_report,
    .scan_input = "sigma^2 (score coefficient)",
    .scan_points = FM_TW_SCAN_POINTS,
    .perturb = fm_tw_perturb,
};

static int fm_tweedie_check(fm_verdict *v, const fm_case *c, const fm_check_opts *o,
                            int mutant)
{
  fm_tw_work w;
  return fm_ptcheck_run(v, &fm_tw_spec, &w, c, o, mutant);
}

const fm_theorem fm_thm_tweedie = {
    "tweedie",
    "E[x1 | x_t = x] = (x + sigma_t^2 grad log p_t(x)) / alpha_t",
    fm_tweedie_check,
    fm_tw_mutants,
};
