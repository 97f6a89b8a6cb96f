/* test_thm_tweedie.c -- theorem `tweedie` on every built-in case: the true
 * statement passes, and every applicable negative control fails with a
 * margin (statistic / tolerance) above 1; margins are printed. */
#include <math.h>
#include <string.h>

#include "fm_test_perturb.h"
#include "fm_test_thm.h"

/* Mutant 2 (prior weights) is the posterior-weighted mean itself when
 * there is one component; 1 and 3 apply everywhere. */
static int fm_na_expected(const char *file, int mutant)
{
  return mutant == 2 && fm_test_case_components(file) == 1;
}

FM_TEST_THEOREM_ROWS(thm_tweedie, &fm_thm_tweedie, 3, fm_na_expected, 0)

/* Near t = 0 the right side (x + sigma^2 score)/alpha cancels; the check
 * must say how badly (its condition number) rather than hide it. */
Test(thm_tweedie, condition_number_of_the_right_side_is_reported)
{
  fm_verdict v;
  fm_test_run(&v, &fm_thm_tweedie, 0, 0);
  double kappa = fm_test_fact(&v, FM_F_COND_MAX, NULL);
  /* the point set has t within 2e-6 of 0, where alpha ~ t or less */
  cr_expect_gt(kappa, 1e3, "condition number %.3g at near-0 points", kappa);
}

/* The check reports the smallest relative error e in the score's
 * coefficient sigma^2 that routes 2 and 3 detect.  A coefficient sigma^2
 * (1 + e) moves the right side by e sigma^2 |score| / alpha, which at a
 * typical point is of the size of M (x and sigma^2 score are both O(|E|)
 * there): route 2's relative tolerance is a few eps times kappa_T (~1e-15
 * .. 1e-14 at typical points), so it must resolve e = 1e-11 with a margin
 * >= 100 left for the point set's least favourable typical point; route 3's
 * tolerance is ~2^(20 - 256), so it sees any e that changes the double
 * coefficient at all -- the bottom of the grid, 1e-14 (~45 ulps). */
Test(thm_tweedie, routes_resolve_a_1e_11_error_in_the_score_coefficient)
{
  static const fm_test_resolve rows[] = {{"double", 1e-11, "route 2", 0.0},
                                         {"MPFR", 1e-14, "route 3", 0.0}};
  fm_test_resolves_everywhere(&fm_thm_tweedie, "sigma^2", rows, sizeof rows / sizeof rows[0]);
}
