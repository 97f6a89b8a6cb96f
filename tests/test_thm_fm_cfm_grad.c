/* test_thm_fm_cfm_grad.c -- theorem `fm-cfm-grad` on every built-in case:
 * the true statement passes, every applicable negative control fails with a
 * margin above 1, the one-dimensional quadrature reaches the 1e-10
 * target (and d = 2, 3 say what they reached), and the 16-dimensional cases
 * say they are decided by Monte Carlo alone.  Tolerances are the theorem's
 * own (derived in theorems/fm_cfm_grad.c). */
#include <math.h>
#include <string.h>

#include "fm_cfm_grad_impl.h"
#include "fm_test_thm.h"

static fm_case *fm_load(const char *file)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    if (strcmp(fm_case_builtin_file(i), file) == 0) {
      fm_case *c;
      cr_assert_eq(fm_case_builtin_load(&c, i, NULL), FM_OK);
      return c;
    }
  cr_assert_fail("no built-in case %s", file);
  return NULL;
}

/* Mutant 2 (prior weights in the FM target) is the truth for one component. */
static int fm_na_expected(const char *file, int mutant)
{
  fm_case *c = fm_load(file);
  size_t K = c->gmm->K;
  fm_case_free(c);
  return mutant == 2 && K == 1;
}

/* The value of fact id, NAN when it was not recorded. */
static double fm_fact_or_nan(const fm_verdict *v, fm_fact_id id, const char *qual)
{
  const fm_fact *f = fm_verdict_fact_get(v, id, qual);
  return f != NULL ? f->value : NAN;
}

FM_TEST_THEOREM_ROWS(thm_fm_cfm_grad, &fm_thm_fm_cfm_grad, 3, fm_na_expected, 0)

/* The target: both gradients by deterministic quadrature to 1e-10.
 * In one dimension the FM side is integrated adaptively and must get there
 * (the reached accuracy is the largest tolerance relative to the size of
 * the terms, so it bounds the quadrature, not the identity); in two and three
 * dimensions the tensor Gauss-Hermite rule is limited by the posterior
 * weights' switching and only has to say what it reached, which must still
 * be fine enough (< 1e-2) to see a 1% error in sigma'.  d = 16 has no
 * quadrature route and must say so. */
Test(thm_fm_cfm_grad, quadrature_reaches_1e_10_in_one_dimension_and_reports_elsewhere)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_case *c = fm_load(fm_case_builtin_file(i));
    size_t d = c->gmm->d;
    fm_case_free(c);
    fm_verdict v;
    fm_test_run(&v, &fm_thm_fm_cfm_grad, i, 0);
    double acc = fm_fact_or_nan(&v, FM_F_QUAD_ACC, NULL);
    double det = fm_fact_or_nan(&v, FM_F_DETECTED, "quadrature");
    if (d == 1) {
      cr_expect(acc <= 1e-10, "%s: quadrature accuracy %.3g > 1e-10 (%s)", v.case_name, acc,
                v.note);
      cr_expect(det <= 1e-8, "%s: smallest detected sigma' error %.3g", v.case_name, det);
    } else if (d <= 3) {
      cr_expect(acc < 1e-2, "%s: quadrature accuracy %.3g (%s)", v.case_name, acc, v.note);
      cr_expect(det <= 1e-2, "%s: smallest detected sigma' error %.3g", v.case_name, det);
    } else {
      cr_expect(isnan(acc), "%s: a quadrature route ran in d = %zu", v.case_name, d);
      cr_expect_not_null(fm_verdict_fact_get(&v, FM_F_MC_ONLY, NULL),
                         "%s: verdict does not say MC only: %s", v.case_name, v.note);
    }
  }
}

/* Mutant 1's effect in closed form (fm_fg_eff_closed: sigma'-direction
 * moments that do not depend on the data, used to claim power where route
 * 1 does not run) equals route 1's, read from its quadrature over (x0, x1)
 * (exact for these polynomial integrands) and its t-rule, on schedules
 * whose sigma' is smooth on [t_min, t_max] (cond_ot, cosine): relative 1e-6
 * of the largest effect (the t-rules' accuracy).  Where sigma' is singular
 * at t = 1 (VP, linear_vp) route 1's 10-20-node t-rule is itself off (7%
 * for linear_vp's <sigma'^2>, a log-singular mean): the next test checks
 * the closed form there against the exact means. */
Test(thm_fm_cfm_grad, closed_form_sigma_dot_effect_equals_the_quadratures)
{
  const char *files[] = {"gauss1d-cosine.json", "ring8-cosine.json", "aniso3d-cond_ot.json"};
  for (size_t f = 0; f < 3; f++) {
    fm_case *c = fm_load(files[f]);
    fm_fg_work w;
    cr_assert_eq(fm_fg_work_alloc(&w, c, FM_FG_TRUE), FM_OK);
    fm_fg_theta(&w, 7);
    fm_fg_quad q;
    cr_assert_eq(fm_fg_quad_run(&q, &w), FM_OK);
    fm_fg_qstat s;
    fm_fg_qstat_all(&s, &w, &q, 0.0);
    double *eff = malloc((w.dp + FM_FG_NTHETA) * sizeof *eff);
    cr_assert_not_null(eff);
    cr_assert_eq(fm_fg_eff_closed(eff, &w), FM_OK);
    double big = 0.0, diff = 0.0;
    for (size_t i = 0; i < w.dp + FM_FG_NTHETA; i++) {
      double ref = i < w.dp ? 2.0 * FM_FG_SIGMA_EPS * q.Bd[i] : s.eff_gap[i - w.dp];
      big = fmax(big, fabs(ref));
      diff = fmax(diff, fabs(eff[i] - ref));
    }
    cr_expect_gt(big, 1e-4, "%s: no effect at all?", files[f]);
    cr_expect_leq(diff, 1e-6 * big, "%s: closed form vs quadrature %g of %g", files[f], diff,
                  big);
    free(eff);
    fm_fg_quad_free(&q);
    fm_fg_work_free(&w);
    fm_case_free(c);
  }
}

/* linear_vp (alpha = t, sigma = sqrt(1 - t^2)): sigma sigma' = -t, so over
 * t ~ U[a, b] <sigma sigma'> = -(a + b)/2, <t sigma sigma'> = -(b^3 -
 * a^3)/(3 (b - a)), <sigma'^2> = <t^2/(1 - t^2)> = (atanh b - b - atanh a +
 * a)/(b - a): the closed form's effects against these by hand, 1e-9. */
Test(thm_fm_cfm_grad, closed_form_sigma_dot_effect_on_a_singular_sigma_dot)
{
  fm_case *c = fm_load("aniso3d-linear_vp.json");
  fm_fg_work w;
  cr_assert_eq(fm_fg_work_alloc(&w, c, FM_FG_TRUE), FM_OK);
  fm_fg_theta(&w, 7);
  double *eff = malloc((w.dp + FM_FG_NTHETA) * sizeof *eff);
  cr_assert_not_null(eff);
  cr_assert_eq(fm_fg_eff_closed(eff, &w), FM_OK);
  double a = FM_FG_TMIN, b = FM_FG_TMAX, e = FM_FG_SIGMA_EPS;
  double m0 = -(a + b) / 2.0, m1 = -(b * b * b - a * a * a) / (3.0 * (b - a));
  double m2 = (atanh(b) - b - atanh(a) + a) / (b - a), cc = (double)w.d * m2;
  size_t d = w.d, p = w.p;
  for (size_t i = 0; i < d; i++) {
    cr_expect_leq(fabs(eff[i * p + 3 + i] - 2.0 * e * m0), 1e-9 * fabs(2.0 * e * m0));
    cr_expect_leq(fabs(eff[i * p + 3 + d + i] - 2.0 * e * m1), 1e-9 * fabs(2.0 * e * m1));
  }
  for (size_t j = 0; j < FM_FG_NTHETA; j++) {
    const double *th = w.Theta + j * w.dp;
    double dL = 0.0;
    for (size_t i = 0; i < d; i++)
      dL += th[i * p + 3 + i] * m0 + th[i * p + 3 + d + i] * m1;
    double want = 2.0 * e * (cc - dL) + e * e * cc;
    cr_expect_leq(fabs(eff[w.dp + j] - want), 1e-9 * fabs(want), "gap %zu: %.12g vs %.12g", j,
                  eff[w.dp + j], want);
  }
  free(eff);
  fm_fg_work_free(&w);
  fm_case_free(c);
}
