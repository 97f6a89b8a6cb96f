/* test_thm_pf_ode.c -- theorem `pf-ode` on every built-in case: the true
 * statement passes, and every negative control fails with a margin
 * (statistic / tolerance) above 1; margins are printed. */
#include <math.h>
#include <string.h>

#include "fm_test_thm.h"

Test(thm_pf_ode, true_statement_passes_on_every_builtin_case)
{
  fm_test_truth_everywhere(&fm_thm_pf_ode, 0);
}

/* All three mutants apply to every case (g^2 < 0, and f x, g^2 score vary
 * with t, on every admissible schedule). */
Test(thm_pf_ode, every_mutant_fails_on_every_builtin_case)
{
  cr_assert_eq(fm_theorem_mutant_count(&fm_thm_pf_ode), 3);
  double m = fm_test_mutants_everywhere(&fm_thm_pf_ode, NULL);
  fprintf(stderr, "pf-ode: smallest mutant margin %.3g\n", m);
}

/* On a vp case the Song VP-SDE routes run (double and MPFR twin); on the
 * others they are absent and the note says so. */
Test(thm_pf_ode, song_vp_sde_route_runs_exactly_on_vp_cases)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_case *c;
    cr_assert_eq(fm_case_builtin_load(&c, i, NULL), FM_OK);
    int vp = strcmp(fm_schedule_type_name(c->sched), "vp") == 0;
    fm_case_free(c);
    fm_verdict v;
    fm_test_run(&v, &fm_thm_pf_ode, i, 0);
    int has = strstr(v.note, "VP-SDE fbar, gbar^2 vs Song (MPFR twin)") != NULL;
    cr_expect_eq(has, vp, "%s: vp %d but Song MPFR route %s; note: %s", v.case_name, vp,
                 has ? "present" : "absent", v.note);
  }
}

/* Every mutant is rejected by the integrated trajectories too, not only by
 * the pointwise routes (the trajectory route's own margin is in the note). */
Test(thm_pf_ode, trajectories_alone_reject_every_mutant)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    for (int m = 1; m <= 3; m++) {
      fm_verdict v;
      fm_test_run(&v, &fm_thm_pf_ode, i, m);
      const char *r = strstr(v.note, "FM ODE vs diffusion PF-ODE endpoints ");
      cr_assert_not_null(r, "%s: %s", v.case_name, v.note);
      double val, tol;
      cr_assert_eq(sscanf(r + strlen("FM ODE vs diffusion PF-ODE endpoints "), "%lg/%lg",
                          &val, &tol), 2, "%s", r);
      cr_expect(val > tol, "%s, '%s': trajectories agree (%.3g <= %.3g)", v.case_name,
                v.mutant, val, tol);
    }
}
