/* test_transform.c -- the scale-time change between schedules
 * (cases/transform.c): log-SNR inversion, t_r, s_r and their derivatives in
 * closed form, the common SNR range, the field assembly.
 *
 * Closed forms: A = cond_ot (snr = t/(1-t)) and B = polynomial n = 2 (snr =
 * r^2/(1-r^2)) give t_r = r^2, s_r = 1, t_r' = 2r, s_r' = 0 for every r --
 * exact answers at both ends, where the inversion is hardest.  A = cosine
 * (snr = tan(pi t/2)) against B = linear_vp (snr = r/sqrt(1-r^2)) gives
 * t_r = (2/pi) atan(snr_B(r)) (MPFR).
 *
 * Tolerances follow transform.h: |t - t*| <= t_width + dL/L_A'(t), dL the
 * error of the two computed log SNRs, each schedule value accurate to
 * 4 kappa eps relative (fm_sched_cond, points.h: the built-ins' contract,
 * checked against their MPFR twins by test_schedule_mp), plus eps (2 + |L|)
 * for the quotient and the log.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>

#include "points.h"
#include "schedule.h"
#include "transform.h"

#define EPS DBL_EPSILON

/* 4 kappa eps for the values at t (points.h convention). */
static double value_err(const fm_schedule *s, double t)
{
  fm_sched_val v;
  cr_assert_eq(fm_schedule_eval(&v, s, t), FM_OK, "eval at %.17g", t);
  return 4.0 * fm_sched_cond(&v) * EPS;
}

/* The documented bound on |t - t*| at r. */
static double t_bound(const fm_schedule *A, const fm_schedule *B, const fm_transform_val *tv)
{
  fm_sched_val vA;
  cr_assert_eq(fm_schedule_eval(&vA, A, tv->t), FM_OK);
  double L = log(vA.alpha / vA.sigma);
  double dL = 2.0 * value_err(A, tv->t) + 2.0 * value_err(B, tv->r) + EPS * (2.0 + fabs(L));
  double LA1 = vA.dalpha / vA.alpha - vA.dsigma / vA.sigma;
  return tv->t_width + dL / fabs(LA1);
}

static const double test_r[] = {1e-6, 3.7e-5, 0.0123, 0.2718, 0.5, 0.7071,
                                 0.98765, 1.0 - 1e-5, 1.0 - 1e-6};
#define NR (sizeof test_r / sizeof test_r[0])

/* The transform seen from A to B; fm_pair_free frees it with A and B. */
static fm_transform *fm_transform_of(const fm_schedule *A, const fm_schedule *B)
{
  fm_transform *tr;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_transform_make(&tr, A, B, &e), FM_OK, "%s", e.msg);
  return tr;
}

static void fm_pair_free(fm_transform *tr, fm_schedule *A, fm_schedule *B)
{
  fm_transform_free(tr);
  fm_schedule_free(A);
  if (B != A)
    fm_schedule_free(B);
}

/* tv at r = test_r[i], asserted computed; returns r. */
static double fm_eval_at(fm_transform_val *tv, const fm_transform *tr, size_t i)
{
  double r = test_r[i];
  cr_assert_eq(fm_transform_eval(tv, tr, r), FM_OK, "r=%.17g", r);
  return r;
}

/* cond_ot -> polynomial(2): t_r = r^2 exactly. */
Test(transform, cond_ot_to_polynomial2_has_t_equal_r_squared)
{
  fm_schedule *A, *B;
  cr_assert_eq(fm_schedule_cond_ot(&A, 0.0, NULL), FM_OK);
  cr_assert_eq(fm_schedule_polynomial(&B, 2.0, NULL), FM_OK);
  fm_transform *tr = fm_transform_of(A, B);
  mpfr_t r2, e;
  mpfr_inits2(128, r2, e, (mpfr_ptr)0);
  for (size_t i = 0; i < NR; i++) {
    fm_transform_val tv;
    double r = fm_eval_at(&tv, tr, i);
    mpfr_set_d(r2, r, MPFR_RNDN);
    mpfr_sqr(r2, r2, MPFR_RNDN);
    mpfr_sub_d(e, r2, tv.t, MPFR_RNDN);
    double err = fabs(mpfr_get_d(e, MPFR_RNDU)), tol = t_bound(A, B, &tv);
    cr_expect_leq(err, tol, "r=%.17g: |t - r^2| = %.3g > %.3g", r, err, tol);
    cr_expect_lt(tv.iterations, 100, "r=%.17g: %d Brent iterations", r, tv.iterations);
    /* s = f_B/f_A (one quotient, two values) is 1 up to the relative error
     * dt/f_A'... i.e. |d log f_A/dt| dt with f the ratio's schedule
     * function; t' = L_B'/L_A' (two log-derivative differences of
     * same-sign terms and a quotient: (4 e + 3 eps) each, plus |d log L_A'/dt|
     * dt <= dt/min(t, 1-t)); s' = s (g_B - t' g_A) cancels exactly here. */
    double e_v = value_err(A, tv.t) + value_err(B, r), m = fmin(tv.t, 1.0 - tv.t);
    double dt_rel = 2.0 * (2.0 * e_v + 3.0 * EPS) + EPS + tol / m;
    double s_tol = 2.0 * e_v + EPS + tol / m;
    cr_expect_leq(fabs(tv.s - 1.0), s_tol, "r=%.17g: s = %.17g (tol %.3g)", r, tv.s, s_tol);
    cr_expect_leq(fabs(tv.dt - 2.0 * r), dt_rel * 2.0 * r, "r=%.17g: t' = %.17g vs %.17g", r,
                  tv.dt, 2.0 * r);
    fm_sched_val vB;
    cr_assert_eq(fm_schedule_eval(&vB, B, r), FM_OK);
    double gB = tv.by_alpha ? vB.dalpha / vB.alpha : vB.dsigma / vB.sigma;
    double ds_tol = 2.0 * fabs(gB) * (dt_rel + 2.0 * e_v + 2.0 * EPS);
    cr_expect_leq(fabs(tv.ds), ds_tol, "r=%.17g: s' = %.3g (tol %.3g)", r, tv.ds, ds_tol);
  }
  mpfr_clears(r2, e, (mpfr_ptr)0);
  fm_pair_free(tr, A, B);
}

/* cosine <- linear_vp: t* = (2/pi) atan(r / sqrt(1 - r^2)) in MPFR. */
Test(transform, inverse_snr_matches_closed_form_for_cosine)
{
  fm_schedule *A, *B;
  cr_assert_eq(fm_schedule_cosine(&A, NULL), FM_OK);
  cr_assert_eq(fm_schedule_linear_vp(&B, NULL), FM_OK);
  fm_transform *tr = fm_transform_of(A, B);
  mpfr_t q, pi;
  mpfr_inits2(128, q, pi, (mpfr_ptr)0);
  mpfr_const_pi(pi, MPFR_RNDN);
  for (size_t i = 0; i < NR; i++) {
    fm_transform_val tv;
    double r = fm_eval_at(&tv, tr, i);
    mpfr_set_d(q, r, MPFR_RNDN);
    mpfr_sqr(q, q, MPFR_RNDN);
    mpfr_ui_sub(q, 1, q, MPFR_RNDN);
    mpfr_rec_sqrt(q, q, MPFR_RNDN);
    mpfr_mul_d(q, q, r, MPFR_RNDN);
    mpfr_atan(q, q, MPFR_RNDN);
    mpfr_mul_ui(q, q, 2, MPFR_RNDN);
    mpfr_div(q, q, pi, MPFR_RNDN);
    mpfr_sub_d(q, q, tv.t, MPFR_RNDN);
    double err = fabs(mpfr_get_d(q, MPFR_RNDU)), tol = t_bound(A, B, &tv);
    cr_expect_leq(err, tol, "r=%.17g: |t - t*| = %.3g > %.3g", r, err, tol);
  }
  mpfr_clears(q, pi, (mpfr_ptr)0);
  fm_pair_free(tr, A, B);
}

/* VE (snr = 1/sigma in [1/50, 1/0.01]) seen from cond_ot: r in
 * [snr/(1+snr)] = [1/51, 100/101]; outside, FM_EDOM.  The ends come from the
 * same inversion (on B), so the same bound applies, with L_B' = 1/(r(1-r)). */
Test(transform, range_is_where_the_snr_ranges_overlap)
{
  fm_schedule *A, *B;
  cr_assert_eq(fm_schedule_ve(&A, 0.01, 50.0, NULL), FM_OK);
  cr_assert_eq(fm_schedule_cond_ot(&B, 0.0, NULL), FM_OK);
  fm_transform *tr = fm_transform_of(A, B);
  double lo, hi;
  fm_transform_range(&lo, &hi, tr);
  const double want[2] = {1.0 / 51.0, 100.0 / 101.0}, got[2] = {lo, hi};
  for (int k = 0; k < 2; k++) {
    double r = want[k];
    double dL = 2.0 * value_err(A, k) + 2.0 * value_err(B, r) + EPS * (2.0 + 5.0);
    double tol = 8.0 * EPS * r + dL * r * (1.0 - r) + EPS * r; /* bracket, residual, 1/51 */
    cr_expect_leq(fabs(got[k] - r), tol, "end %d: %.17g vs %.17g (tol %.3g)", k, got[k], r,
                  tol);
  }
  fm_transform_val tv;
  cr_expect_eq(fm_transform_eval(&tv, tr, 0.5 * lo), FM_EDOM);
  cr_expect_eq(fm_transform_eval(&tv, tr, 0.5 * (1.0 + hi)), FM_EDOM);
  cr_expect_eq(fm_transform_eval(&tv, tr, 0.5), FM_OK);
  cr_expect_eq(fm_transform_eval(&tv, tr, 0.0), FM_EDOM);
  fm_pair_free(tr, A, B);
}

/* A common-range end beyond double resolution of B's end, where L_B is
 * infinite: the bracket search reaches t = 1 (or 0) itself, whose residual is
 * infinite -- Brent must never see it.  High end: A = cosine written
 * sigma = cos(pi t/2), which is 6.1e-17, not 0, at t = 1 in double, so
 * snr_A(1) = 1.6e16 is finite; B = cond_ot reaches it only at
 * r* = 1 - 6.1e-17, between the doubles 1 - 2^-53 (L_B = 36.74) and 1
 * (L_B = inf): r_hi must be 1 - 2^-53, the nearer one.  Low end: A's
 * alpha_0 = 1e-320 (subnormal), B = cond_ot reaches log snr = log(1e-320)
 * below 2^-1024, the last finite candidate: bisection down the subnormals
 * must land within an ulp of B's own root r* = alpha_A(0) (L_B = log r
 * there; 1 - r rounds to 1).  The transform is evaluated next to the high
 * end; next to the subnormal low end L_B' = 1/r overflows and FM_ESING is
 * the right answer, so it is evaluated at r = 1e-300 there. */
static void fm_test_expect_range_end(const char *alpha, const char *sigma, int end, double want)
{
  fm_schedule *A, *B;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_schedule_expr(&A, alpha, sigma, NULL, NULL, NULL, &e), FM_OK, "%s", e.msg);
  cr_assert_eq(fm_schedule_cond_ot(&B, 0.0, NULL), FM_OK);
  fm_transform *tr = fm_transform_of(A, B);
  double lo, hi;
  fm_transform_range(&lo, &hi, tr);
  double got = end ? hi : lo, ulp = nextafter(want, 2.0) - want;
  cr_expect_leq(fabs(got - want), ulp, "end %d: %.17g vs %.17g", end, got, want);
  fm_transform_val tv;
  double inside = end ? nextafter(got, 0.0) : 1e-300;
  cr_expect_eq(fm_transform_eval(&tv, tr, inside), FM_OK, "r = %.17g", inside);
  cr_expect(isfinite(tv.t) && isfinite(tv.s) && isfinite(tv.dt), "r = %.17g", inside);
  fm_pair_free(tr, A, B);
}

Test(transform, range_end_beyond_double_resolution_of_an_infinite_snr_end)
{
  fm_test_expect_range_end("sin(pi*t/2)", "cos(pi*t/2)", 1, 1.0 - 0x1p-53);
  fm_test_expect_range_end("t + 1e-320", "1 - t", 0, 1e-320);
}

Test(transform, disjoint_snr_ranges_are_rejected_with_a_message)
{
  fm_schedule *A, *B;
  fm_transform *tr = NULL;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_schedule_ve(&A, 1.0, 2.0, NULL), FM_OK);   /* snr in [0.5, 1] */
  cr_assert_eq(fm_schedule_ve(&B, 10.0, 50.0, NULL), FM_OK); /* snr in [0.02, 0.1] */
  cr_expect_eq(fm_transform_make(&tr, A, B, &e), FM_EDOM);
  cr_expect_not_null(strstr(e.msg, "do not overlap"), "message: %s", e.msg);
  cr_expect_null(tr);
  fm_schedule_free(A);
  fm_schedule_free(B);
}

/* u_A(t, y) = t y (any field will do): the assembly must give
 * (s'/s) x + s t' t (x/s), formed here in long double; the library's
 * x/s, two products and a sum round 4 times: 4 eps |terms| (+ eps for the
 * long-double reference).  The callback adapter must agree exactly. */
static int linear_field(double *v, double t, const double *x, size_t n, void *ctx)
{
  size_t d = *(const size_t *)ctx;
  for (size_t j = 0; j < n * d; j++)
    v[j] = t * x[j];
  return FM_OK;
}

Test(transform, field_assembly_rescales_x_and_adds_the_scale_term)
{
  fm_schedule *A, *B;
  cr_assert_eq(fm_schedule_cond_ot(&A, 0.0, NULL), FM_OK);
  cr_assert_eq(fm_schedule_cosine(&B, NULL), FM_OK);
  fm_transform *tr = fm_transform_of(A, B);
  size_t d = 2, n = 3;
  const double x[6] = {0.7213, -1.3381, 2.9087, 0.0154, -0.4432, 5.1179};
  double u[6], ucb[6], work[6];
  fm_transform_val tv;
  double r = 0.3719;
  cr_assert_eq(fm_transform_eval(&tv, tr, r), FM_OK);
  cr_assert_eq(fm_transform_field(u, &tv, linear_field, &d, x, n, d, work), FM_OK);
  fm_transform_binding bind = {tr, linear_field, &d, d};
  cr_assert_eq(fm_transform_field_cb(ucb, r, x, n, &bind), FM_OK);
  for (size_t j = 0; j < n * d; j++) {
    long double y = (long double)x[j] / tv.s;
    long double a = (long double)tv.dlogs * x[j], b = (long double)tv.s * tv.dt * tv.t * y;
    double tol = 5.0 * EPS * (double)(fabsl(a) + fabsl(b));
    cr_expect_leq(fabs(u[j] - (double)(a + b)), tol, "entry %zu: %.17g vs %.17Lg", j, u[j],
                  a + b);
    cr_expect_eq(ucb[j], u[j], "entry %zu: callback %.17g vs %.17g", j, ucb[j], u[j]);
  }
  fm_pair_free(tr, A, B);
}

/* fm_transform_combine gives the same values as fm_transform_eval at the
 * same t (it is eval's last step), and the identity transform (B = A) has
 * t_r = r within the documented bound and s = 1 within the two values'
 * errors, the quotient's rounding and |g_A| dt (g_A the log-derivative of
 * the ratio's schedule function). */
Test(transform, combine_is_the_last_step_of_eval_and_identity_is_trivial)
{
  fm_schedule *A;
  cr_assert_eq(fm_schedule_vp(&A, 0.1, 20.0, NULL), FM_OK);
  fm_transform *tr = fm_transform_of(A, A);
  for (size_t i = 2; i + 2 < NR; i++) {
    double r = test_r[i];
    fm_transform_val tv, tc;
    fm_sched_val vA, vB;
    cr_assert_eq(fm_transform_eval(&tv, tr, r), FM_OK);
    cr_assert_eq(fm_schedule_eval(&vA, A, tv.t), FM_OK);
    cr_assert_eq(fm_schedule_eval(&vB, A, r), FM_OK);
    cr_assert_eq(fm_transform_combine(&tc, &vA, &vB), FM_OK);
    cr_expect(tc.s == tv.s && tc.dt == tv.dt && tc.ds == tv.ds, "r=%.17g", r);
    double tol = t_bound(A, A, &tv);
    cr_expect_leq(fabs(tv.t - r), tol, "r=%.17g: t = %.17g (tol %.3g)", r, tv.t, tol);
    double gA = tv.by_alpha ? vA.dalpha / vA.alpha : vA.dsigma / vA.sigma;
    double s_tol = value_err(A, tv.t) + value_err(A, r) + EPS + fabs(gA) * tol;
    cr_expect_leq(fabs(tv.s - 1.0), s_tol, "r=%.17g: s = %.17g (tol %.3g)", r, tv.s, s_tol);
  }
  fm_pair_free(tr, A, A);
}
