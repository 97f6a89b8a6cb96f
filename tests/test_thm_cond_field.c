/* test_thm_cond_field.c -- theorem `cond-field` on every built-in case: the
 * true statement passes, every applicable negative control fails with
 * margin > 1, the seed's VP misprints are n/a off vp schedules, and the
 * check resolves a 1e-10 relative error in sigma'.  The tolerances are the
 * theorem's own (derived in theorems/cond_field.c); the tests only demand
 * that the verdicts go the right way, and print every route on failure. */
#include <string.h>

#include "fm_test_thm.h"

/* Mutant indices in the theorem's list (looked up by name, so a reordering
 * cannot silently swap them). */
static int mutant_index(const fm_theorem *t, const char *prefix)
{
  for (size_t i = 0; i < fm_theorem_mutant_count(t); i++)
    if (strncmp(t->mutants[i], prefix, strlen(prefix)) == 0)
      return (int)i + 1;
  cr_assert_fail("theorem %s has no mutant \"%s...\"", t->id, prefix);
  return -1;
}

/* vp by the case's file name: independent of how the check detects it. */
static int file_is_vp(const char *file)
{
  return strstr(file, "-vp.json") != NULL;
}

/* The seed's VP misprints are n/a exactly off the vp schedules. */
static int misprint_na(const char *file, int mutant)
{
  const char *name = fm_thm_cond_field.mutants[mutant - 1];
  return strncmp(name, "seed misprint: VP", 17) == 0 && !file_is_vp(file);
}

Test(thm_cond_field, true_statement_passes_on_every_builtin_case)
{
  fm_test_truth_everywhere(&fm_thm_cond_field, 0);
}

Test(thm_cond_field, every_applicable_mutant_fails_with_margin_above_one)
{
  double m = fm_test_mutants_everywhere(&fm_thm_cond_field, misprint_na);
  cr_assert_gt(m, 1.0, "smallest control margin %.3g", m);
}

Test(thm_cond_field, vp_misprints_are_na_off_vp_and_fail_on_vp)
{
  const fm_theorem *t = fm_theorem_find("cond-field");
  cr_assert_not_null(t);
  int ms[2] = {mutant_index(t, "seed misprint: VP field factor"),
               mutant_index(t, "seed misprint: VP closed form")};
  int nvp = 0;
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    int vp = file_is_vp(fm_case_builtin_file(i));
    nvp += vp;
    for (int q = 0; q < 2; q++) {
      fm_verdict v;
      fm_test_run(&v, t, i, ms[q]);
      fm_outcome want = vp ? FM_OUTCOME_FAIL : FM_OUTCOME_NA;
      cr_expect_eq(v.outcome, want, "%s, \"%s\": %s, expected %s (margin %.3g; %s)", v.case_name,
                   t->mutants[ms[q] - 1], fm_outcome_name(v.outcome), fm_outcome_name(want),
                   v.margin, v.note);
    }
  }
  cr_expect(nvp > 0, "no vp built-in case: the misprint mutants were never exercised");
}

/* The check reports the smallest relative sigma' perturbation its MPFR
 * route detects.  Route 1's tolerance is ~5e-14 of the scale of terms, and
 * a perturbation e changes u by e |sigma'/sigma||x - alpha x1|, an O(1)
 * fraction of that scale at typical points: 1e-10 must be seen (margin
 * ~1e3), on every case. */
Test(thm_cond_field, mpfr_route_detects_a_1e_10_error_in_sigma_prime)
{
  const fm_theorem *t = fm_theorem_find("cond-field");
  cr_assert_not_null(t);
  static const fm_test_resolve rows[] = {{"MPFR", 1e-10, "the MPFR route", 0.0}};
  fm_test_resolves_everywhere(t, "sigma'", rows, 1);
}
