/* test_verdict.c -- the rules every check's decision goes through: a route
 * fails when value > tol, and a route that produced no usable number
 * (NaN, inf/inf, tol <= 0) fails too; the deciding route is the one with the
 * largest margin; a check that records no route cannot pass. */
#include <criterion/criterion.h>
#include <math.h>

#include "theorem.h"

Test(verdict, route_within_tolerance_passes_and_beyond_fails)
{
  fm_verdict v;
  fm_verdict_init(&v);
  fm_verdict_route(&v, "a", 0.5, 1.0, 0.0, "here");
  cr_assert_eq(v.outcome, FM_OUTCOME_PASS);
  cr_assert_float_eq(v.margin, 0.5, 1e-15);
  fm_verdict_route(&v, "b", 3.0, 2.0, 0.0, "there");
  cr_assert_eq(v.outcome, FM_OUTCOME_FAIL);
  cr_assert_float_eq(v.margin, 1.5, 1e-15);
  cr_assert_str_eq(v.statistic, "b");
  cr_assert_str_eq(v.worst, "there");
  fm_verdict_route(&v, "c", 0.1, 1.0, 0.0, NULL);
  cr_assert_str_eq(v.statistic, "b", "a smaller margin must not replace the deciding route");
}

Test(verdict, unusable_numbers_fail)
{
  const double vals[][2] = {{NAN, 1.0}, {INFINITY, INFINITY}, {0.0, 0.0}, {1.0, -1.0},
                            {1.0, NAN}};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    fm_verdict v;
    fm_verdict_init(&v);
    fm_verdict_route(&v, "r", vals[i][0], vals[i][1], 0.0, NULL);
    cr_assert_eq(v.outcome, FM_OUTCOME_FAIL, "value %g tol %g passed", vals[i][0], vals[i][1]);
  }
}

static int fm_check_nothing(fm_verdict *v, const fm_case *c, const fm_check_opts *o, int m)
{
  (void)v, (void)c, (void)o, (void)m;
  return FM_OK;
}

Test(verdict, check_without_routes_cannot_pass)
{
  static const char *const muts[] = {NULL};
  const fm_theorem t = {"empty", "nothing", fm_check_nothing, muts};
  fm_case c = {0};
  c.name = "none";
  fm_check_opts o = fm_check_opts_default();
  fm_verdict v;
  fm_theorem_run(&v, &t, &c, &o, 0);
  cr_assert_eq(v.outcome, FM_OUTCOME_FAIL);
}

Test(verdict, not_applicable_stays_not_applicable)
{
  fm_verdict v;
  fm_verdict_init(&v);
  fm_verdict_na(&v, "only for vp");
  fm_verdict_route(&v, "r", 5.0, 1.0, 0.0, NULL);
  cr_assert_eq(v.outcome, FM_OUTCOME_NA);
}
