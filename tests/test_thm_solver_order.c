/* test_thm_solver_order.c -- theorem `solver-order` on every built-in case:
 * Euler, midpoint and RK4 reach their claimed orders on the exact affine
 * flow of a single Gaussian (moment-matched for mixtures), and both wrong
 * methods (RK4 with Euler's weights, midpoint evaluated at t) are rejected
 * everywhere.  Margins are printed. */
#include <math.h>

#include "fm_test_perturb.h"
#include "fm_test_thm.h"

#include <string.h>

/* The true statement passes everywhere; the note reports the observed
 * order of every method, and mixtures say that the moment-matched Gaussian
 * was used. */
Test(thm_solver_order, true_statement_passes_and_reports_orders_on_every_builtin_case)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_verdict v;
    fm_test_run(&v, &fm_thm_solver_order, i, 0);
    cr_expect_eq(v.outcome, FM_OUTCOME_PASS, "%s: %s, margin %.3g (%s); %s", v.case_name,
                 fm_outcome_name(v.outcome), v.margin, v.statistic, v.note);
    for (const char *const *m = (const char *const[]){"euler", "midpoint", "rk4", NULL}; *m;
         m++) {
      cr_expect_not_null(fm_verdict_fact_get(&v, FM_F_ORDER, *m), "%s: no %s observed order: %s",
                         v.case_name, *m, v.note);
    }
    int mix = strncmp(v.case_name, "gauss1d", 7) != 0;
    cr_expect_eq(fm_verdict_fact_get(&v, FM_F_MOMENT_MATCHED, NULL) != NULL, mix,
                 "%s: note %s", v.case_name, v.note);
  }
}

/* The wrong RK4 control is n/a on a table (ring8-table): RK4's claim of
 * order 4 needs a C^4 field, a cubic spline gives C^1. */
static int fm_so_na_expected(const char *file, int mutant)
{
  return mutant == 1 && strstr(file, "table") != NULL;
}

/* Both mutants apply everywhere else: the wrong RK4 is first order on any
 * field, and every built-in schedule makes the single-Gaussian field depend
 * on t (c_i'/(2 c_i) varies), which is what exposes the wrong midpoint time. */
Test(thm_solver_order, every_mutant_fails_on_every_builtin_case)
{
  cr_assert_eq(fm_theorem_mutant_count(&fm_thm_solver_order), 2);
  double worst = fm_test_mutants_everywhere(&fm_thm_solver_order, fm_so_na_expected);
  fprintf(stderr, "solver-order: smallest mutant margin %.3g\n", worst);
}

/* The check reports the smallest e for which RK4 with weights (1 - e) b_rk4
 * + e (1, 0, 0, 0) is rejected.  That method's error is ~C4 h^4 + e C1 h,
 * relative per unit time C4 h^4 ~ (h L)^4 / 5! and C1 h ~ h L / 2, with
 * h L = 1/8 at the coarsest level and 1/128 at the finest (solver_order.c).
 * At e = 1e-5 the linear term is ~1e-5 / 256 = 4e-8 at the finest level
 * against (1/128)^4 / 120 = 3e-11 for the quartic one (> 1000x), and ~6e-7
 * against 2e-6 at the coarsest: the fitted slope is then near 1 over the
 * finer levels, far below 4 - 0.3, whatever the O(1) error constants. */
Test(thm_solver_order, rk4_route_rejects_weights_1e_5_toward_euler)
{
  /* not on a table: RK4's claim does not apply there (its route does not
   * decide, and reports no detection) */
  static const fm_test_resolve rows[] = {{"rk4", 1e-5, "the RK4 route", INFINITY}};
  fm_test_resolves_everywhere(&fm_thm_solver_order, "Euler-blend", rows, 1);
}

/* gauss1d-cond_ot's data on a cosine path given as a 33-row table: a cubic
 * spline, C^2 in t, so RK4's order 4 does not apply -- its route records
 * itself as not deciding with the reason, Euler's and the midpoint rule's
 * decide and pass, and the control that breaks RK4 is n/a. */
Test(thm_solver_order, spline_table_rk4_route_does_not_decide_and_its_control_is_na)
{
  size_t i = fm_test_case_index("gauss1d-cond_ot.json");
  fm_case *c;
  cr_assert_eq(fm_case_builtin_load(&c, i, NULL), FM_OK);
  double t[33], a[33], s[33];
  for (int k = 0; k <= 32; k++) {
    t[k] = k / 32.0;
    a[k] = sin(M_PI_2 * t[k]);
    s[k] = k == 32 ? 0.0 : cos(M_PI_2 * t[k]);
  }
  fm_schedule *tab;
  cr_assert_eq(fm_schedule_table(&tab, t, a, s, 33, NULL), FM_OK);
  fm_schedule_free(c->sched);
  c->sched = tab;
  fm_check_opts o = fm_test_opts();
  fm_verdict v;
  cr_assert_eq(fm_theorem_run(&v, &fm_thm_solver_order, c, &o, 0), FM_OK);
  cr_expect(fm_check_truth_holds(&v), "%s: %s", fm_outcome_name(v.outcome), v.note);
  const fm_route *rk4 = fm_test_route(&v, FM_R_SO_ORDER, "rk4");
  cr_expect_eq(rk4->decided, 0, "rk4 decided on a spline: %s", v.note);
  cr_expect(strstr(rk4->worst, "cubic-spline") != NULL, "reason: %s", rk4->worst);
  cr_expect_eq(fm_test_route(&v, FM_R_SO_ORDER, "euler")->decided, 1);
  cr_expect_eq(fm_test_route(&v, FM_R_SO_ORDER, "midpoint")->decided, 1);
  cr_assert_eq(fm_theorem_run(&v, &fm_thm_solver_order, c, &o, 1), FM_OK);
  cr_expect_eq(v.outcome, FM_OUTCOME_NA, "RK4 control on a spline: %s", v.note);
  fm_case_free(c);
}
