/* test_thm_fm_cfm_grad.c -- theorem `fm-cfm-grad` on every built-in case:
 * the true statement passes, every applicable negative control fails with a
 * margin above 1, the one-dimensional quadrature reaches the 1e-10
 * target (and d = 2, 3 say what they reached), and the 16-dimensional cases
 * say they are decided by Monte Carlo alone.  Tolerances are the theorem's
 * own (derived in theorems/fm_cfm_grad.c). */
#include <math.h>
#include <string.h>

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
