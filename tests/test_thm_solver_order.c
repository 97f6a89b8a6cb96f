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

/* Both mutants apply everywhere: the wrong RK4 is first order on any field,
 * and every built-in schedule makes the single-Gaussian field depend on t
 * (c_i'/(2 c_i) varies), which is what exposes the wrong midpoint time. */
Test(thm_solver_order, every_mutant_fails_on_every_builtin_case)
{
  cr_assert_eq(fm_theorem_mutant_count(&fm_thm_solver_order), 2);
  double worst = fm_test_mutants_everywhere(&fm_thm_solver_order, NULL);
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
  static const fm_test_resolve rows[] = {{"rk4", 1e-5, "the RK4 route"}};
  fm_test_resolves_everywhere(&fm_thm_solver_order, "Euler-blend", rows, 1);
}
