/* test_perturb.c -- the smallest-perturbation scan (theorems/perturb.h) on
 * synthetic checks whose detection thresholds are known: each scan
 * direction finds the first failing grid value (or the top run of failing
 * values), stops as early as it claims, and the note and facts read back. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fm_status.h"
#include "fm_test_perturb.h"
#include "perturb.h"

/* Route r fails iff e >= thr[r] (monotone), or, with hole set, also fails
 * at the single value `hole` below its threshold (a non-monotone rerun). */
typedef struct {
  double thr[3];
  double hole;
  int calls;
} fm_synth;

static int fm_synth_fails(int *fails, double e, void *ctx)
{
  fm_synth *s = ctx;
  s->calls++;
  for (int r = 0; r < 3; r++)
    fails[r] = e >= s->thr[r] || e == s->hole;
  return FM_OK;
}

static int fm_synth_error(int *fails, double e, void *ctx)
{
  (void)fails;
  (void)ctx;
  return e > 1e-9 ? FM_ECONV : FM_OK;
}

Test(perturb, upward_scan_finds_each_routes_threshold_and_stops_when_all_are_found)
{
  fm_synth s = {{1e-12, 1e-6, INFINITY}, NAN, 0};
  double found[3];
  cr_assert_eq(fm_perturb_scan(found, 2, fm_perturb_decades, FM_PERTURB_NDECADES,
                               FM_PERTURB_UP, fm_synth_fails, &s), FM_OK);
  cr_expect_eq(found[0], 1e-12, "route 0: %g, expected 1e-12", found[0]);
  cr_expect_eq(found[1], 1e-6, "route 1: %g, expected 1e-6", found[1]);
  /* 1e-14 .. 1e-6 is 9 grid values: no rerun past the last threshold */
  cr_expect_eq(s.calls, 9, "%d reruns, expected 9", s.calls);
  s.calls = 0;
  cr_assert_eq(fm_perturb_scan(found, 3, fm_perturb_decades, FM_PERTURB_NDECADES,
                               FM_PERTURB_UP, fm_synth_fails, &s), FM_OK);
  cr_expect(isnan(found[2]), "a route that never fails reports %g, expected NAN", found[2]);
  cr_expect_eq(s.calls, FM_PERTURB_NDECADES, "%d reruns, expected the whole grid", s.calls);
}

Test(perturb, bisection_agrees_with_the_upward_scan_in_four_reruns)
{
  for (int k = 0; k <= FM_PERTURB_NDECADES; k++) {
    double thr = k < FM_PERTURB_NDECADES ? fm_perturb_decades[k] : INFINITY;
    fm_synth s = {{thr, 0, 0}, NAN, 0};
    double found;
    cr_assert_eq(fm_perturb_scan(&found, 1, fm_perturb_decades, FM_PERTURB_NDECADES,
                                 FM_PERTURB_BISECT, fm_synth_fails, &s), FM_OK);
    if (k < FM_PERTURB_NDECADES)
      cr_expect_eq(found, thr, "threshold %g: found %g", thr, found);
    else
      cr_expect(isnan(found), "no threshold: found %g", found);
    /* ceil(log2(13 + 1)) = 4 */
    cr_expect_leq(s.calls, 4, "threshold %g: %d reruns (> 4)", thr, s.calls);
  }
  double f;
  fm_synth s = {{0, 0, 0}, NAN, 0};
  cr_expect_eq(fm_perturb_scan(&f, 2, fm_perturb_decades, FM_PERTURB_NDECADES,
                               FM_PERTURB_BISECT, fm_synth_fails, &s), FM_EINVAL,
               "bisection is for one route only");
}

/* Downward: the smallest e from which every larger grid value fails; an
 * isolated rejection below a passing value is not read as detection. */
Test(perturb, downward_scan_reports_the_top_run_of_rejections_only)
{
  static const double grid[4] = {0.03, 0.1, 0.3, 1.0};
  fm_synth s = {{0.3, 2.0, 0.03}, 0.03, 0};
  double found[3];
  cr_assert_eq(fm_perturb_scan(found, 3, grid, 4, FM_PERTURB_DOWN, fm_synth_fails, &s),
               FM_OK);
  cr_expect_eq(found[0], 0.3, "route 0: %g, expected 0.3 (0.03 is isolated)", found[0]);
  cr_expect(isnan(found[1]), "route 1 fails only at 0.03, below passes: %g", found[1]);
  cr_expect_eq(found[2], 0.03, "route 2 fails everywhere: %g", found[2]);
}

Test(perturb, callback_errors_end_the_scan_and_bad_arguments_are_refused)
{
  double f[2];
  cr_expect_eq(fm_perturb_scan(f, 1, fm_perturb_decades, FM_PERTURB_NDECADES, FM_PERTURB_UP,
                               fm_synth_error, NULL), FM_ECONV);
  cr_expect_eq(fm_perturb_scan(f, 0, fm_perturb_decades, 3, FM_PERTURB_UP, fm_synth_error,
                               NULL), FM_EINVAL);
  cr_expect_eq(fm_perturb_scan(f, 17, fm_perturb_decades, 3, FM_PERTURB_UP, fm_synth_error,
                               NULL), FM_EINVAL);
  cr_expect_eq(fm_perturb_scan(f, 1, fm_perturb_decades, 0, FM_PERTURB_UP, fm_synth_error,
                               NULL), FM_EINVAL);
}

/* The note names every route given a name, in order, and each named route's
 * amount is a fact that reads back; an unnamed route leaves neither. */
Test(perturb, note_and_facts_name_every_named_route)
{
  fm_verdict v;
  fm_verdict_init(&v);
  snprintf(v.case_name, sizeof v.case_name, "synthetic");
  fm_verdict_notef(&v, "an earlier note");
  const char *names[3] = {"MPFR", NULL, "FD"};
  const double found[3] = {1e-14, 1e-9, NAN};
  fm_perturb_note(&v, "sigma'", FM_PERTURB_DECADES_RANGE, 3, names, found);
  cr_expect_eq(fm_test_detected(&v, "MPFR"), 1e-14, "%s", v.note);
  cr_expect(isinf(fm_test_detected(&v, "FD")), "%s", v.note);
  cr_expect_eq(v.nfacts, 2, "an unnamed route left a fact: %zu facts", v.nfacts);
  cr_expect_str_eq(v.note, "an earlier note; smallest sigma' perturbation detected (of "
                           "1e-14..1e-2): MPFR 1e-14 FD none");
  fm_verdict_init(&v);
  const double big[1] = {0.3};
  const char *one[1] = {"eps=1/2"};
  fm_perturb_note(&v, "score-term coefficient", "0.03, 0.1, 0.3, 1", 1, one, big);
  cr_expect_eq(fm_test_detected(&v, "eps=1/2"), 0.3, "%s", v.note);
}
