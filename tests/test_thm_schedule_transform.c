/* test_thm_schedule_transform.c -- theorem `schedule-transform` on every
 * built-in case: the true statement passes, every negative control fails
 * with a margin above 1 in the double route as well as against MPFR, and
 * the SNR-range restriction is reported. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fm_test_perturb.h"
#include "fm_test_thm.h"

/* Every case has a B with s_r != 1 (cond_ot or polynomial), so no mutant is
 * n/a anywhere. */
FM_TEST_THEOREM_ROWS(thm_schedule_transform, &fm_thm_schedule_transform, 3, NULL, 0)

Test(thm_schedule_transform, double_route_rejects_every_mutant_on_its_own)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    for (int m = 1; m <= 3; m++) {
      fm_verdict v;
      fm_test_run(&v, &fm_thm_schedule_transform, i, m);
      double r = fm_test_route_margin(&v, FM_R_ST_DOUBLE, NULL);
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
  fm_test_run(&v, &fm_thm_schedule_transform, fm_test_case_index("gauss1d-ve.json"), 0);
  double in = fm_test_fact(&v, FM_F_SNR_IN_RANGE, "cond_ot");
  double n = fm_test_fact(&v, FM_F_SNR_POINTS, "cond_ot");
  cr_expect(in > 0 && in < n, "%g of %g points in range", in, n);
  /* the derivative route ran and passed */
  double fd = fm_route_margin(fm_test_route(&v, FM_R_ST_FD_T, NULL));
  cr_expect(fd <= 1.0, "t_r' route margin %.3g (note: %s)", fd, v.note);
}

/* The check reports the smallest relative error e of t_r' (the library's
 * t_r' x (1 + e) in the candidate) that routes 1, 2 and 3 (t_r' part)
 * detect.  e moves the field by e |s t' u_A|, the whole of the terms U on
 * the s_r = 1 pairs (vp/cosine/linear_vp: s' = 0) and a fair part of it
 * elsewhere.  Routes 1 and 2 are decided by the first-order bound errF: nine
 * inputs each with dp <= 4 kappa eps |p| (kappa <= ~20) give <= 1.6e-13 U,
 * plus u_A's own rounding (d^2 eps cond(C) <= ~1e-12 U at d = 16): e = 1e-10
 * leaves a margin >= 50.  Route 3: tol_t = err + 4 dt_r / h_fin + ..., dt_r
 * ~ Brent's bracket plus the log-SNR errors over L_A' (~1e-15 t_r), h_fin >=
 * 2^-11: ~1e-11 of |t_r'|, so e = 1e-9 is seen with a margin of 100. */
Test(thm_schedule_transform, routes_resolve_small_errors_in_t_r_prime)
{
  static const fm_test_resolve rows[] = {
      {"double", 1e-10, "route 1"}, {"MPFR", 1e-10, "route 2"}, {"FD", 1e-9, "route 3"}};
  fm_test_resolves_everywhere(&fm_thm_schedule_transform, "t_r'", rows,
                              sizeof rows / sizeof rows[0]);
}
