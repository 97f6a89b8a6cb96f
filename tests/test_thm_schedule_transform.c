/* test_thm_schedule_transform.c -- theorem `schedule-transform` on every
 * built-in case: the true statement passes, every negative control fails
 * with a margin above 1 in the double route as well as against MPFR, and
 * the SNR-range restriction is reported; route from-cond-ot rejects each
 * control where it applies and is not deciding where the control removes
 * nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_test_perturb.h"
#include "fm_test_thm.h"
#include "schedule_transform.h"

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
      {"double", 1e-10, "route 1", 0.0}, {"MPFR", 1e-10, "route 2", 0.0},
      {"FD", 1e-9, "route 3", 1e-7}};
  fm_test_resolves_everywhere(&fm_thm_schedule_transform, "t_r'", rows,
                              sizeof rows / sizeof rows[0]);
}

/* Route from-cond-ot (CondOT with sigma_min = 0 mapped to the case's
 * schedule) under each control.  Cosine (alpha^2 + sigma^2 = 1) has t_r' !=
 * 1, s_r'/s_r != 0 and s_r != 1: each control removes something and the
 * route alone must reject it. */
Test(thm_schedule_transform, from_cond_ot_route_rejects_every_control_where_it_applies)
{
  size_t i = fm_test_case_index("gauss1d-cosine.json");
  fm_verdict v;
  fm_test_run(&v, &fm_thm_schedule_transform, i, FM_ST_TRUE);
  const fm_route *q = fm_test_route(&v, FM_R_ST_FROM_CONDOT, NULL);
  cr_expect(q->decided && fm_route_margin(q) <= 1.0, "truth: margin %.3g", fm_route_margin(q));
  for (int m = FM_ST_NO_DLOGS; m <= FM_ST_NO_RESCALE; m++) {
    fm_test_run(&v, &fm_thm_schedule_transform, i, m);
    q = fm_test_route(&v, FM_R_ST_FROM_CONDOT, NULL);
    cr_expect(q->decided, "'%s': route not deciding", v.mutant);
    cr_expect(fm_route_margin(q) > 1.0 && !isnan(q->value), "'%s': margin %.3g", v.mutant,
              fm_route_margin(q));
    cr_expect_gt(fm_test_fact(&v, FM_F_REMOVED, "from-cond-ot"), 1e-12, "'%s'", v.mutant);
  }
}

/* Where a control removes nothing (below 1e-12 relative at every decided
 * point) the route is not deciding: CondOT itself (the identity: every
 * control), polynomial (alpha + sigma = 1: s_r = 1, so "x not rescaled"
 * only; t_r' = n r^(n-1) still differs from 1).  A route not deciding is
 * never the deciding one and does not fail the verdict by itself; the true
 * statement passes on the identity. */
Test(thm_schedule_transform, from_cond_ot_route_is_not_deciding_where_a_control_removes_nothing)
{
  size_t id = fm_test_case_index("gauss1d-cond_ot.json");
  fm_verdict v;
  fm_test_run(&v, &fm_thm_schedule_transform, id, FM_ST_TRUE);
  const fm_route *q = fm_test_route(&v, FM_R_ST_FROM_CONDOT, NULL);
  cr_expect(q->decided && fm_route_margin(q) <= 1.0, "identity: margin %.3g",
            fm_route_margin(q));
  for (int m = FM_ST_NO_DLOGS; m <= FM_ST_NO_RESCALE; m++) {
    fm_test_run(&v, &fm_thm_schedule_transform, id, m);
    q = fm_test_route(&v, FM_R_ST_FROM_CONDOT, NULL);
    cr_expect(!q->decided, "identity, '%s': route deciding", v.mutant);
    cr_expect_leq(fm_test_fact(&v, FM_F_REMOVED, "from-cond-ot"), 1e-12, "'%s'", v.mutant);
    const fm_route *d = fm_verdict_decider(&v);
    cr_expect(d != NULL && d->id != FM_R_ST_FROM_CONDOT, "'%s': decided by %s", v.mutant,
              d != NULL ? d->key : "nothing");
  }
  size_t ip = fm_test_case_index("gauss1d-polynomial.json");
  fm_test_run(&v, &fm_thm_schedule_transform, ip, FM_ST_NO_RESCALE);
  cr_expect(!fm_test_route(&v, FM_R_ST_FROM_CONDOT, NULL)->decided, "polynomial, s_r = 1");
  fm_test_run(&v, &fm_thm_schedule_transform, ip, FM_ST_NO_DT);
  q = fm_test_route(&v, FM_R_ST_FROM_CONDOT, NULL);
  cr_expect(q->decided && fm_route_margin(q) > 1.0, "polynomial, t_r' missing: margin %.3g",
            fm_route_margin(q));
}

/* A verdict read without the route (validate-schedule presents it apart)
 * is the verdict of the other routes: no record, fact or note text of it. */
Test(thm_schedule_transform, dropping_the_from_cond_ot_route_leaves_the_other_routes)
{
  fm_verdict v;
  fm_test_run(&v, &fm_thm_schedule_transform, fm_test_case_index("gauss1d-ve.json"), 0);
  size_t n = v.nroutes;
  char label[128];
  snprintf(label, sizeof label, "%s ", fm_route_label(FM_R_ST_FROM_CONDOT));
  cr_assert(strstr(v.note, label) != NULL);
  fm_verdict_drop_route(&v, FM_R_ST_FROM_CONDOT);
  cr_expect_eq(v.nroutes, n - 1);
  cr_expect_null(fm_verdict_route_get(&v, FM_R_ST_FROM_CONDOT, NULL));
  cr_expect_null(fm_verdict_fact_get(&v, FM_F_DECIDED, "from-cond-ot"));
  cr_expect_not_null(fm_verdict_fact_get(&v, FM_F_SNR_POINTS, "cond_ot"));
  cr_expect_null(strstr(v.note, label), "%s", v.note);
  const fm_route *d = fm_verdict_decider(&v);
  cr_assert_not_null(d);
  for (size_t i = 0; i < v.nroutes; i++)
    cr_expect_leq(fm_route_margin(&v.routes[i]), v.margin);
  cr_expect_eq(v.outcome, FM_OUTCOME_PASS);
}

/* Regression: a correct VP written as an expression (beta_min 0.0552,
 * beta_max 23.84) cancels in sigma = sqrt(1 - exp(-T)) near t = 1; under
 * B = cond_ot the point r = 1 - 1.7e-6 maps to t_r = 1 - 5.5e-11, where
 * sigma is accurate only to a relative ~6e-6.  The schedule values' bounds
 * were |alpha| + |sigma|-normwise with a noise grid collapsed below
 * ulp(t_r): FAIL 1.6e-9 vs tol 1.5e-12.  The true statement must pass (its
 * value is unchanged, 1.6e-9, now within a tolerance that includes the
 * expression's own rounding) and every control must still be rejected. */
Test(thm_schedule_transform, vp_written_as_an_expression_passes_near_t_one)
{
  static const char *json =
      "{\"name\":\"vpx\",\"data\":{\"type\":\"gmm\",\"dim\":1,\"components\":"
      "[{\"weight\":1,\"mean\":[0.5],\"var\":0.05}]},"
      "\"schedule\":{\"type\":\"expr\","
      "\"alpha\":\"exp(-(0.0552*(1-t) + 11.92*(1-t)^2)/2)\","
      "\"sigma\":\"sqrt(1 - exp(-(0.0552*(1-t) + 11.92*(1-t)^2)))\"}}";
  fm_case *c;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_case_load_string(&c, json, "vpx.json", NULL, &e), FM_OK, "%s", e.msg);
  fm_check_opts o = fm_test_opts();
  for (int m = 0; m <= 3; m++) {
    fm_verdict v;
    cr_assert_eq(fm_theorem_run(&v, &fm_thm_schedule_transform, c, &o, m), FM_OK);
    fprintf(stderr, "vpx %-30s %-5s margin %.3g %.3g/%.3g\n", m ? v.mutant : "(true)",
            fm_outcome_name(v.outcome), v.margin, v.value, v.tol);
    if (m == 0)
      cr_expect(fm_check_truth_holds(&v), "true statement %s: %.3g vs tol %.3g at %s",
                fm_outcome_name(v.outcome), v.value, v.tol, v.worst);
    else
      cr_expect(v.margin > 1.0, "mutant '%s' not rejected: margin %.3g", v.mutant, v.margin);
  }
  fm_case_free(c);
}
