/* test_verdict.c -- the rules every check's decision goes through: a route
 * fails when value > tol, and a route that produced no usable number
 * (NaN, inf/inf, tol <= 0) fails too; the deciding route is the one with the
 * largest margin; a check that records no route cannot pass. */
#include <criterion/criterion.h>
#include <math.h>

#include "check_row.h"
#include "theorem.h"

Test(verdict, route_within_tolerance_passes_and_beyond_fails)
{
  fm_verdict v;
  fm_verdict_init(&v);
  fm_verdict_route(&v, FM_R_CF_MP, 0.5, 1.0, 0.0, "here");
  cr_assert_eq(v.outcome, FM_OUTCOME_PASS);
  cr_assert_float_eq(v.margin, 0.5, 1e-15);
  fm_verdict_route(&v, FM_R_CF_FD, 3.0, 2.0, 0.0, "there");
  cr_assert_eq(v.outcome, FM_OUTCOME_FAIL);
  cr_assert_float_eq(v.margin, 1.5, 1e-15);
  cr_assert_str_eq(v.statistic, fm_route_label(FM_R_CF_FD));
  cr_assert_eq(fm_verdict_decider(&v), &v.routes[1]);
  cr_assert_str_eq(v.worst, "there");
  fm_verdict_route(&v, FM_R_CF_VP, 0.1, 1.0, 0.0, NULL);
  cr_assert_eq(fm_verdict_decider(&v), &v.routes[1],
               "a smaller margin must not replace the deciding route");
  cr_assert_eq(v.nroutes, 3);
}

Test(verdict, unusable_numbers_fail)
{
  const double vals[][2] = {{NAN, 1.0}, {INFINITY, INFINITY}, {0.0, 0.0}, {1.0, -1.0},
                            {1.0, NAN}};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    fm_verdict v;
    fm_verdict_init(&v);
    fm_verdict_route(&v, FM_R_CF_MP, vals[i][0], vals[i][1], 0.0, NULL);
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
  fm_verdict_route(&v, FM_R_CF_MP, 5.0, 1.0, 0.0, NULL);
  cr_assert_eq(v.outcome, FM_OUTCOME_NA);
}

Test(verdict, routes_are_records_with_stable_keys)
{
  fm_verdict v;
  fm_verdict_init(&v);
  fm_verdict_route_q(&v, FM_R_SO_ORDER, "rk4", "rk4 order shortfall 4 - p", 0.2, 0.3, 0.0,
                     "N = 8..256");
  fm_verdict_route(&v, FM_R_SO_ADAPTIVE, 1e-12, 1e-10, 0.0, NULL);
  const fm_route *r = fm_verdict_route_get(&v, FM_R_SO_ORDER, "rk4");
  cr_assert_not_null(r);
  cr_assert_str_eq(r->key, "order-rk4");
  cr_assert_str_eq(r->label, "rk4 order shortfall 4 - p");
  cr_assert_str_eq(r->worst, "N = 8..256");
  cr_assert_null(fm_verdict_route_get(&v, FM_R_SO_ORDER, "euler"));
  cr_assert_str_eq(fm_verdict_route_get(&v, FM_R_SO_ADAPTIVE, NULL)->key, "adaptive");
  /* the human summary lists the same routes */
  cr_assert_str_eq(v.note, "rk4 order shortfall 4 - p 0.2/0.3; adaptive rk8pd vs exact flow "
                           "(abs) 1e-12/1e-10");
}

Test(verdict, facts_are_replaced_not_duplicated)
{
  fm_verdict v;
  fm_verdict_init(&v);
  fm_verdict_fact(&v, FM_F_DETECTED, "MPFR", 1e-13);
  fm_verdict_fact(&v, FM_F_DETECTED, "FD", 1e-11);
  fm_verdict_fact(&v, FM_F_DETECTED, "MPFR", 1e-12);
  cr_assert_eq(v.nfacts, 2);
  cr_assert_str_eq(v.facts[0].key, "detected.MPFR");
  cr_assert_eq(fm_verdict_fact_get(&v, FM_F_DETECTED, "MPFR")->value, 1e-12);
  cr_assert_null(fm_verdict_fact_get(&v, FM_F_COND_MAX, NULL));
}

static int fm_check_too_many(fm_verdict *v, const fm_case *c, const fm_check_opts *o, int m)
{
  (void)c, (void)o, (void)m;
  for (int i = 0; i <= FM_VERDICT_MAX_ROUTES; i++)
    fm_verdict_route(v, FM_R_CF_MP, 0.1, 1.0, 0.0, NULL);
  return FM_OK;
}

Test(verdict, more_routes_than_the_record_holds_is_an_error_not_a_pass)
{
  static const char *const muts[] = {NULL};
  const fm_theorem t = {"many", "overflow", fm_check_too_many, muts};
  fm_case c = {0};
  c.name = "none";
  fm_check_opts o = fm_check_opts_default();
  fm_verdict v;
  cr_assert_eq(fm_theorem_run(&v, &t, &c, &o, 0), FM_ERANGE);
  cr_assert_eq(v.outcome, FM_OUTCOME_FAIL);
  cr_assert_eq(v.status, FM_ERANGE);
}

static int fm_check_undecidable(fm_verdict *v, const fm_case *c, const fm_check_opts *o, int m)
{
  (void)c, (void)o, (void)m;
  fm_verdict_route_q_nd(v, FM_R_SO_ORDER, "rk4", "rk4 order shortfall 4 - p", 3.0, 0.3, 0.0,
                        "only 2 of 5 levels above the round-off floor");
  return FM_OK;
}

Test(verdict, a_route_that_cannot_decide_neither_fails_nor_decides)
{
  fm_verdict v;
  fm_verdict_init(&v);
  fm_verdict_route(&v, FM_R_SO_ADAPTIVE, 0.5, 1.0, 0.0, NULL);
  fm_verdict_route_q_nd(&v, FM_R_SO_ORDER, "rk4", "rk4 order shortfall 4 - p", 3.0, 0.3, 0.0,
                        "pre-asymptotic");
  cr_expect_eq(v.outcome, FM_OUTCOME_PASS, "a value of 10x its tolerance that decides "
                                           "nothing must not fail the verdict");
  cr_expect_eq(fm_verdict_decider(&v), &v.routes[0]);
  cr_expect_eq(v.routes[1].decided, 0);
}

Test(verdict, a_check_none_of_whose_routes_can_decide_is_undecided)
{
  static const char *const muts[] = {"a control", NULL};
  const fm_theorem t = {"undecidable", "nothing decidable", fm_check_undecidable, muts};
  fm_case c = {0};
  c.name = "none";
  fm_check_opts o = fm_check_opts_default();
  fm_check_row r;
  fm_check_row_run(&r, &t, &c, &o, 1);
  cr_expect_eq(r.truth.outcome, FM_OUTCOME_UNDECIDED, "%s", r.truth.note);
  cr_expect_eq(r.ctl[0].outcome, FM_OUTCOME_UNDECIDED);
  cr_expect_eq(r.applicable, 0, "an undecided control claims no power");
  cr_expect_eq(r.undecided_controls, 1);
  cr_expect(r.ok, "undecided is not a failure of the statement");
  fm_check_tally tally;
  fm_check_tally_rows(&tally, &r, 1);
  cr_expect_eq(tally.undecided, 1);
  cr_expect_eq(tally.failed, 0);
  fm_check_row_clear(&r);
}
