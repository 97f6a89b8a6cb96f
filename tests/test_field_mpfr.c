/* test_field_mpfr.c -- the acceptance figure of `fmcheck field`: on every
 * built-in case, the double marginal quantities agree with the 256-bit MPFR
 * twin (an independent algorithm: plain sums, Gauss elimination, the literal
 * cases/README.md field formula) to <= 1e-13, component-wise, relative to the scale
 * of the quantity at that point, on seeded points with t in [1e-6, 1 - 1e-6]
 * including points 50 standard deviations into the tails -- and nothing is
 * NaN or Inf.
 *
 * "Scale at that point" is the magnitude of the terms the quantity is built
 * from -- the standard yardstick of a componentwise error bound: a sum that
 * cancels cannot be computed to relative accuracy by any double algorithm,
 * and the schedule's own last-bit rounding of alpha perturbs
 * r_k = x - alpha m_k by eps |alpha m_k|, so the result's own size is not a
 * fair yardstick.  With a_k = C_k^{-1} x, b_k = C_k^{-1} m_k (inf-norms):
 *   score: sum_k gamma_k (|a_k| + |alpha| |b_k|)
 *   mean:  sum_k gamma_k (|m_k| + |alpha| (|S_k a_k| + |alpha| |S_k b_k|))
 *   u:     |alpha'| scale(mean) + |sigma sigma'| scale(score)
 *   logp:  max(1, |log p|)
 * (computed here in double through GSL; only their size matters).  1e-13 is the bar:
 * ~450 eps, room for the Cholesky/triangular-solve rounding on 16x16
 * matrices (~d eps each) and the schedule's few-ulp errors, not a fitted
 * number.  FM_FIELD_POINTS sets the points per case (200 by default; the slow
 * suite builds this file with 10^4).
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>

#include "case.h"
#include "fm_test_case.h"
#include "linalg.h"
#include "points.h"

#ifndef FM_FIELD_POINTS
#define FM_FIELD_POINTS 200
#endif
#define FM_FIELD_TOL 1e-13

typedef struct {
  double u, score, mean, logp;
} fm_field_err;

static double fm_field_maxrel(const double *a, const double *b, size_t d, double scale)
{
  double m = 0.0;
  for (size_t i = 0; i < d; i++) {
    if (!isfinite(a[i]))
      return INFINITY;
    m = fmax(m, fabs(a[i] - b[i]) / scale);
  }
  return m;
}

/* Term scales of score and mean at x (see the header comment). */
static void fm_field_scales(double *ss, double *sm, const fm_case *c, const fm_sched_val *v,
                            const double *gamma, const double *x)
{
  const fm_gmm *g = c->gmm;
  size_t d = g->d;
  double *C = malloc((d * d + 4 * d) * sizeof *C), *a = C + d * d, *b = a + d, *Sa = b + d,
         *Sb = Sa + d;
  *ss = *sm = 0.0;
  for (size_t k = 0; k < g->K; k++) {
    const double *S = g->cov + k * d * d, *m = g->mean + k * d;
    for (size_t i = 0; i < d * d; i++)
      C[i] = v->alpha * v->alpha * S[i] + (i % (d + 1) == 0 ? v->sigma * v->sigma : 0.0);
    cr_assert_eq(fm_linalg_chol(C, C, d), FM_OK);
    fm_linalg_chol_solve(a, C, x, d);
    fm_linalg_chol_solve(b, C, m, d);
    fm_linalg_mul(Sa, S, a, d);
    fm_linalg_mul(Sb, S, b, d);
    double na = 0, nb = 0, nm = 0, nSa = 0, nSb = 0;
    for (size_t i = 0; i < d; i++) {
      na = fmax(na, fabs(a[i]));
      nb = fmax(nb, fabs(b[i]));
      nm = fmax(nm, fabs(m[i]));
      nSa = fmax(nSa, fabs(Sa[i]));
      nSb = fmax(nSb, fabs(Sb[i]));
    }
    double al = fabs(v->alpha);
    *ss += gamma[k] * (na + al * nb);
    *sm += gamma[k] * (nm + al * (nSa + al * nSb));
  }
  free(C);
}

/* Worst errors over the points of one case; also checks finiteness. */
static void fm_field_case(fm_field_err *w, const fm_case *c, size_t n)
{
  size_t d = c->gmm->d;
  fm_pointset *ps;
  cr_assert_eq(fm_pointset_make(&ps, c, 20261122, n), FM_OK);
  fm_gmm_path *p;
  cr_assert_eq(fm_gmm_path_alloc(&p, c->gmm), FM_OK);
  double *buf = malloc(6 * d * sizeof *buf);
  double *u = buf, *s = buf + d, *m = buf + 2 * d, *ur = buf + 3 * d, *sr = buf + 4 * d,
         *mr = buf + 5 * d;
  memset(w, 0, sizeof *w);
  for (size_t i = 0; i < ps->n; i++) {
    double t = ps->t[i], *x = ps->x + i * d, lp, lpr, ss, sm;
    fm_sched_val v;
    cr_assert(t >= 1e-6 && t <= 1 - 1e-6, "t = %.17g outside [1e-6, 1-1e-6]", t);
    cr_assert_eq(fm_schedule_eval(&v, c->sched, t), FM_OK);
    cr_assert_eq(fm_gmm_path_set(p, &v), FM_OK);
    cr_assert_eq(fm_gmm_path_eval(&lp, s, m, u, p, x), FM_OK);
    cr_assert_eq(fm_gmm_marginal_mp(&lpr, sr, mr, ur, NULL, c->gmm, c->sched, t, x, 256),
                 FM_OK);
    fm_field_scales(&ss, &sm, c, &v, fm_gmm_path_gamma(p), x);
    double su = fabs(v.dalpha) * sm + fabs(v.sigma * v.dsigma) * ss;
    cr_assert(isfinite(lp), "%s: log p not finite at point %zu", c->name, i);
    w->u = fmax(w->u, fm_field_maxrel(u, ur, d, fmax(su, DBL_MIN)));
    w->score = fmax(w->score, fm_field_maxrel(s, sr, d, fmax(ss, DBL_MIN)));
    w->mean = fmax(w->mean, fm_field_maxrel(m, mr, d, fmax(sm, DBL_MIN)));
    w->logp = fmax(w->logp, fabs(lp - lpr) / fmax(1.0, fabs(lpr)));
  }
  free(buf);
  fm_gmm_path_free(p);
  fm_pointset_free(ps);
}

Test(field_mpfr, every_builtin_case_matches_mpfr_twin_to_1e_13, .timeout = 3600)
{
  fm_field_err all = {0, 0, 0, 0};
  for (size_t k = 0; k < fm_case_builtin_count(); k++) {
    fm_case *c;
    cr_assert_eq(fm_case_builtin_load(&c, k, NULL), FM_OK);
    fm_field_err w;
    fm_field_case(&w, c, FM_FIELD_POINTS);
    fprintf(stderr, "%-22s %d points: u %.2e  score %.2e  mean %.2e  logp %.2e\n", c->name,
                FM_FIELD_POINTS, w.u, w.score, w.mean, w.logp);
    cr_expect_leq(w.u, FM_FIELD_TOL, "%s: u error %.3g", c->name, w.u);
    cr_expect_leq(w.score, FM_FIELD_TOL, "%s: score error %.3g", c->name, w.score);
    cr_expect_leq(w.mean, FM_FIELD_TOL, "%s: mean error %.3g", c->name, w.mean);
    cr_expect_leq(w.logp, FM_FIELD_TOL, "%s: logp error %.3g", c->name, w.logp);
    all.u = fmax(all.u, w.u);
    all.score = fmax(all.score, w.score);
    all.mean = fmax(all.mean, w.mean);
    all.logp = fmax(all.logp, w.logp);
    fm_case_free(c);
  }
  fprintf(stderr, "worst over all cases: u %.2e  score %.2e  mean %.2e  logp %.2e\n", all.u,
              all.score, all.mean, all.logp);
}

/* Negative control: the same comparison must see a field whose posterior
 * weights are perturbed in the 12th digit (gamma_0 *= 1 + 1e-11, i.e. an
 * error 100x the tolerance) on the 1D bimodal case. */
Test(field_mpfr, comparison_detects_posterior_weight_error_of_1e_11)
{
  fm_case *c = fm_test_case_load("bimodal1d-cond_ot.json");
  double t = 0.6, x = 0.2, m, mr, lp;
  fm_gmm *g2;
  cr_assert_eq(fm_gmm_copy(&g2, c->gmm), FM_OK);
  g2->w[0] *= 1.0 + 1e-11; /* the perturbed copy goes to the double code only */
  cr_assert_eq(fm_gmm_marginal(&lp, NULL, &m, NULL, g2, c->sched, t, &x), FM_OK);
  cr_assert_eq(fm_gmm_marginal_mp(NULL, NULL, &mr, NULL, NULL, c->gmm, c->sched, t, &x, 256),
               FM_OK);
  double scale = fabs(c->gmm->mean[0]) + fabs(c->gmm->mean[1]);
  cr_assert_gt(fabs(m - mr) / scale, FM_FIELD_TOL, "perturbation invisible: %.3g",
               fabs(m - mr) / scale);
  fm_gmm_free(g2);
  fm_case_free(c);
}
