/* test_thm_schedule_transform.c -- theorem `schedule-transform` on every
 * built-in case: the true statement passes, every negative control fails
 * with a margin above 1 in the double route as well as against MPFR, and
 * the SNR-range restriction is reported. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fm_test_thm.h"

static double route_margin(const char *note, const char *name)
{
  const char *p = strstr(note, name);
  if (p == NULL)
    return NAN;
  double value, tol;
  if (sscanf(p + strlen(name), " %lg/%lg", &value, &tol) != 2)
    return NAN;
  return value / tol;
}

static size_t case_index(const char *file)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    if (strcmp(fm_case_builtin_file(i), file) == 0)
      return i;
  cr_assert_fail("no built-in case %s", file);
  return 0;
}

Test(thm_schedule_transform, true_statement_passes_on_every_builtin_case)
{
  fm_test_truth_everywhere(&fm_thm_schedule_transform, 0);
}

/* Every case has a B with s_r != 1 (cond_ot or polynomial), so no mutant is
 * n/a anywhere. */
Test(thm_schedule_transform, every_mutant_fails_on_every_builtin_case)
{
  cr_assert_eq(fm_theorem_mutant_count(&fm_thm_schedule_transform), 3);
  double m = fm_test_mutants_everywhere(&fm_thm_schedule_transform, NULL);
  fprintf(stderr, "schedule-transform: smallest mutant margin %.3g\n", m);
}

Test(thm_schedule_transform, double_route_rejects_every_mutant_on_its_own)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    for (int m = 1; m <= 3; m++) {
      fm_verdict v;
      fm_test_run(&v, &fm_thm_schedule_transform, i, m);
      double r = route_margin(v.note, "transformed field vs B's field (double)");
      cr_expect(r > 1.0, "%s, mutant '%s': double route margin %.3g", v.case_name, v.mutant,
                r);
    }
}

/* VE's SNR lies in [1/50, 1/0.01]: seen from cond_ot the point set's
 * near-end points (r within 2e-6 of 0 or 1, SNR ~1e-6 or ~1e6) fall
 * outside and must be counted, the typical ones inside. */
Test(thm_schedule_transform, points_outside_the_snr_range_are_counted)
{
  fm_verdict v;
  fm_test_run(&v, &fm_thm_schedule_transform, case_index("gauss1d-ve.json"), 0);
  const char *k = strstr(v.note, "B=cond_ot: ");
  cr_assert_not_null(k, "note: %s", v.note);
  size_t in = 0, n = 0;
  cr_assert_eq(sscanf(k, "B=cond_ot: %zu/%zu", &in, &n), 2, "note: %s", v.note);
  cr_expect(in > 0 && in < n, "%zu of %zu points in range", in, n);
  /* the derivative route ran and passed */
  double fd = route_margin(v.note, "t_r' vs Richardson differences");
  cr_expect(fd <= 1.0, "t_r' route margin %.3g (note: %s)", fd, v.note);
}
