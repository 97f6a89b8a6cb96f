/* test_thm_pf_ode.c -- theorem `pf-ode` on every built-in case: the true
 * statement passes, and every applicable negative control fails with a
 * margin (statistic / tolerance) above 1.  Margins are printed so that a
 * run shows how far from the line each verdict is. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "theorems.h"

static fm_check_opts fm_opts(void)
{
  fm_check_opts o = fm_check_opts_default();
  const char *m = getenv("FM_TEST_MULTIPLIER");
  if (m != NULL && atoi(m) > 1)
    o.multiplier = atoi(m);
  return o;
}

static void fm_run(fm_verdict *v, size_t i, int mutant)
{
  fm_case *c;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_case_builtin_load(&c, i, &e), FM_OK, "%s: %s", fm_case_builtin_file(i),
               e.msg);
  fm_check_opts o = fm_opts();
  int st = fm_theorem_run(v, &fm_thm_pf_ode, c, &o, mutant);
  fm_case_free(c);
  cr_assert_eq(st, FM_OK, "%s: check could not run: %s", fm_case_builtin_file(i),
               fm_strerror(st));
  fprintf(stderr, "pf-ode %-22s %-45s %-5s margin %9.3g  %s %.3g/%.3g\n",
          v->case_name, mutant ? v->mutant : "(true)", fm_outcome_name(v->outcome),
          v->margin, v->statistic, v->value, v->tol);
}

Test(thm_pf_ode, true_statement_passes_on_every_builtin_case)
{
  cr_assert_gt(fm_case_builtin_count(), 0);
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_verdict v;
    fm_run(&v, i, 0);
    cr_expect_eq(v.outcome, FM_OUTCOME_PASS, "%s: %s, margin %.3g (%s %.3g/%.3g at %s); %s",
                 v.case_name, fm_outcome_name(v.outcome), v.margin, v.statistic, v.value,
                 v.tol, v.worst, v.note);
  }
}

/* All three mutants apply to every case (g^2 < 0 and f x, g^2 score vary
 * with t on every admissible schedule). */
Test(thm_pf_ode, every_mutant_fails_on_every_builtin_case)
{
  size_t nm = fm_theorem_mutant_count(&fm_thm_pf_ode);
  cr_assert_eq(nm, 3);
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    for (int m = 1; m <= (int)nm; m++) {
      fm_verdict v;
      fm_run(&v, i, m);
      cr_expect(v.outcome == FM_OUTCOME_FAIL && v.margin > 1.0,
                "%s: mutant '%s' not rejected: %s, margin %.3g (%s)", v.case_name, v.mutant,
                fm_outcome_name(v.outcome), v.margin, v.note);
    }
}

/* On a vp case the Song VP-SDE routes run (double and MPFR twin) and pass;
 * on the others they are absent and the note says so. */
Test(thm_pf_ode, song_vp_sde_route_runs_exactly_on_vp_cases)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_case *c;
    cr_assert_eq(fm_case_builtin_load(&c, i, NULL), FM_OK);
    int vp = strcmp(fm_schedule_type_name(c->sched), "vp") == 0;
    fm_case_free(c);
    fm_verdict v;
    fm_run(&v, i, 0);
    int has = strstr(v.note, "VP-SDE fbar, gbar^2 vs Song (MPFR twin)") != NULL;
    cr_expect_eq(has, vp, "%s: vp %d but Song MPFR route %s; note: %s", v.case_name, vp,
                 has ? "present" : "absent", v.note);
  }
}
