/* test_thm_conversions.c -- theorem `conversions` on every built-in case:
 * the true statement passes, every applicable negative control fails with a
 * margin above 1 -- also in the double routes alone, not only at MPFR
 * precision -- and the note reports each map's condition number and the
 * singular ends of the case's schedule. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fm_test_perturb.h"
#include "fm_test_thm.h"

/* Schedule type of built-in case `file`. */
static int fm_is_ve(const char *file)
{
  fm_case *c = fm_test_case_load(file);
  int ve = strcmp(fm_schedule_type_name(c->sched), "ve") == 0;
  fm_case_free(c);
  return ve;
}

/* Mutant 2 (missing 1/alpha) is invisible where alpha = 1: VE. */
static int fm_na_expected(const char *file, int mutant)
{
  return mutant == 2 && fm_is_ve(file);
}

FM_TEST_THEOREM_ROWS(thm_conversions, &fm_thm_conversions, 3, fm_na_expected, 0)

/* Route 3 works at 256 bits, where any wrong coefficient fails by 1e60; the
 * double routes must catch every mutant on their own as well. */
Test(thm_conversions, double_routes_reject_every_mutant_on_their_own)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    for (int m = 1; m <= 3; m++) {
      fm_verdict v;
      fm_test_run(&v, &fm_thm_conversions, i, m);
      if (v.outcome == FM_OUTCOME_NA)
        continue;
      /* W's sign cancels in a round trip (both directions flip), so only
       * route 1 is required to see mutant 1; mutants 2 and 3 change one
       * direction only and break round trips too. */
      double r1 = fm_test_route_margin(&v, FM_R_CV_ANALYTIC, NULL);
      double r2 = fm_test_route_margin(&v, FM_R_CV_ROUND, NULL);
      cr_expect(r1 > 1.0, "%s, mutant '%s': route 1 margin %.3g", v.case_name, v.mutant, r1);
      if (m != 1)
        cr_expect(r2 > 1.0, "%s, mutant '%s': route 2 margin %.3g", v.case_name, v.mutant,
                  r2);
    }
}

/* The point set has t within 2e-6 of both ends; on cond_ot the maps that
 * divide by alpha = t or sigma = 1 - t have coefficients ~1e5..1e6 there,
 * so the reported condition number must exceed 1e5. */
Test(thm_conversions, condition_number_and_singular_ends_are_reported)
{
  fm_verdict v;
  fm_test_run(&v, &fm_thm_conversions, fm_test_case_index("gauss1d-cond_ot.json"), 0);
  double kappa = fm_test_fact(&v, FM_F_COND_MAX, NULL);
  cr_expect_gt(kappa, 1e5, "condition number %.3g at near-end points", kappa);
  /* exactly these maps, at each end */
  static const char *const singular[] = {"t0.u<-eps",   "t0.u<-score",   "t0.x1<-eps",
                                         "t0.x1<-score", "t1.u<-x1",      "t1.eps<-x1",
                                         "t1.score<-u", "t1.score<-x1", "t1.score<-eps"};
  size_t nsing = sizeof singular / sizeof singular[0], nfound = 0;
  for (size_t k = 0; k < nsing; k++)
    cr_expect_not_null(fm_verdict_fact_get(&v, FM_F_SINGULAR, singular[k]),
                       "%s not reported singular: %s", singular[k], v.note);
  for (size_t k = 0; k < v.nfacts; k++)
    nfound += v.facts[k].id == FM_F_SINGULAR;
  cr_expect_eq(nfound, nsing, "%zu singular maps reported, want %zu: %s", nfound, nsing,
               v.note);
}

/* The check reports the smallest relative error e of W (W (1 + e) in the
 * six maps to and from u) that routes 1 and 3 detect on 10 points.  A map
 * out of u divides by W, so its output moves by the relative e itself; at a
 * well-conditioned typical point route 1's relative tolerance is (kW + 2)
 * eps kappa plus the input's own rounding, ~1e-15 .. 1e-14 (kW, kappa of a
 * few): e = 1e-12 is seen with a margin >= 100.  Route 3 (tolerance
 * ~2^(20 - 256)) sees any e that changes a double: the grid's bottom 1e-14.
 * (Route 2 is blind to a consistent W error by construction: the round
 * trip divides it out; the note says which routes were scanned.) */
Test(thm_conversions, routes_resolve_small_errors_in_w)
{
  static const fm_test_resolve rows[] = {{"double", 1e-12, "route 1", 0.0},
                                         {"MPFR", 1e-14, "route 3", 0.0}};
  fm_test_resolves_everywhere(&fm_thm_conversions, "W", rows, sizeof rows / sizeof rows[0]);
}
