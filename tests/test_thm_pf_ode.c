/* test_thm_pf_ode.c -- theorem `pf-ode` on every built-in case: the true
 * statement passes, and every negative control fails with a margin
 * (statistic / tolerance) above 1; margins are printed. */
#include <math.h>
#include <string.h>

#include "fm_test_perturb.h"
#include "fm_test_thm.h"

/* All three mutants apply to every case (g^2 < 0, and f x, g^2 score vary
 * with t, on every admissible schedule). */
FM_TEST_THEOREM_ROWS(thm_pf_ode, &fm_thm_pf_ode, 3, NULL, 0)

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
    int has = fm_verdict_route_get(&v, FM_R_PF_VP_MP, NULL) != NULL;
    cr_expect_eq(has, vp, "%s: vp %d but Song MPFR route %s; note: %s", v.case_name, vp,
                 has ? "present" : "absent", v.note);
  }
}

/* The integrated-trajectory route on its own.  Its tolerance is the RK4
 * error estimate, so it can only reject a mutant whose trajectories a fixed
 * step integrates more accurately than they differ.  "score term missing
 * its 1/2" keeps them tame (|x| stays O(1)): it must be rejected by the
 * trajectories alone on every case.  The other two mutants make the PF-ODE
 * explode (|x| up to 1e70) or stiff near the end, the estimate is as large
 * as the difference, and the pointwise routes reject them instead (margins
 * printed).  The tolerance must stay finite even when a trajectory
 * blows up (inf/inf would be a NaN margin); checked on the 1-d cases. */
Test(thm_pf_ode, trajectories_alone_reject_the_tame_mutant)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    for (int m = 1; m <= 3; m++) {
      fm_case *c;
      cr_assert_eq(fm_case_builtin_load(&c, i, NULL), FM_OK);
      size_t d = c->gmm->d;
      fm_case_free(c);
      if (m != 2 && d > 1)
        continue; /* the explosive mutants on the cheap 1-d cases only (time) */
      fm_verdict v;
      fm_test_run(&v, &fm_thm_pf_ode, i, m);
      const fm_route *r = fm_test_route(&v, FM_R_PF_TRAJ, NULL);
      double val = r->value, tol = r->tol;
      cr_expect(isfinite(tol), "%s, '%s': infinite tolerance", v.case_name, v.mutant);
      if (m == 2)
        cr_expect(val > tol, "%s, '%s': trajectories agree (%.3g <= %.3g)", v.case_name,
                  v.mutant, val, tol);
      fprintf(stderr, "  trajectories %s, '%s': %.3g/%.3g (margin %.3g)\n", v.case_name,
              v.mutant, val, tol, val / tol);
    }
}

/* The check reports the smallest relative error e in g^2 (g^2 (1 + e) in
 * the candidate, gbar^2 alike) that its point routes detect on 10 points.
 * The term g^2/2 score is at least comparable to u at every point (at the
 * near-0 points f x and g^2/2 score cancel and it is far larger), so e
 * moves the identity by >= e U:
 *  - route 3 (tolerance ~2^(20-256) of the terms) sees any e that changes
 *    a double: the bottom of the grid, 1e-14;
 *  - route 2 (tolerance a few eps times the cancellation of f x - g^2/2
 *    score) must see 1e-11, a margin >= 100 over ~1e-13;
 *  - route 5 (fbar, gbar^2 by Richardson differences: round-off
 *    8 kappa eps / h_fin ~ 8 x 15 x 2.2e-16 x 2^11 ~ 5e-11 of the terms on
 *    the FD schedules, eps on vp) must see 1e-9, a margin >= 10. */
Test(thm_pf_ode, point_routes_resolve_small_errors_in_g2)
{
  static const fm_test_resolve rows[] = {
      {"MPFR", 1e-14, "route 3", 0.0},
      {"double", 1e-11, "route 2", 0.0},
      {"drift", 1e-9, "route 5", 1e-6}}; /* a table: its measured noise widens route 5 */
  fm_test_resolves_everywhere(&fm_thm_pf_ode, "g^2", rows, sizeof rows / sizeof rows[0]);
}
