/* test_expr_mp.c -- the MPFR form of a user's expression (cases/expr_mp.h)
 * is the same function as libmatheval's double evaluation, and measures its
 * rounding:
 *  - on well-conditioned expressions covering every function, constant and
 *    operator, the exact value and derivative agree with libmatheval's
 *    double value and symbolic derivative to 64 eps (value, and derivative
 *    relative to the sum of the magnitudes the chain rule adds: each is a
 *    few roundings of well-conditioned operations);
 *  - precedence and associativity are libmatheval's (-t^2 = -(t^2),
 *    2^-t*4 = (2^(-t))*4, 8/t/2 = (8/t)/2, 2*-t), checked against
 *    hand-computed values (a^b^c is refused by the syntax check);
 *  - asinh and acoth, whose libmatheval derivatives are wrong (1/sqrt(1 -
 *    x^2), 1/(x^2 - 1): found by this comparison), are refused in alpha and
 *    sigma with the reason, and still measured right in a cond_field;
 *  - on a cancelling VP sigma = sqrt(1 - exp(-T)) near t = 1 the measured
 *    error equals the error of the double formula against an independent
 *    reference, sqrt(-expm1(-T)) (accurate to a few ulps: no cancellation),
 *    within 1% -- so a false FAIL of the kind seen in schedule-transform
 *    (the error 5.3e-6 relative where the scatter estimate read 2e-6) is
 *    measured, not guessed;
 *  - a user cond_field's error is measured the same way;
 *  - a non-expr schedule has no such measurement (FM_ENOTAVAIL). */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "schedule.h"

#define EPS DBL_EPSILON

static fm_schedule *fm_expr(const char *alpha, const char *sigma)
{
  fm_schedule *s = NULL;
  fm_errmsg e = {{0}};
  int st = fm_schedule_expr(&s, alpha, sigma, NULL, NULL, NULL, &e);
  cr_assert_eq(st, FM_OK, "%s / %s: %s", alpha, sigma, e.msg);
  return s;
}

/* alpha = expr, sigma = 1 - t: errors of alpha and alpha' at t. */
static void fm_check_alpha(const char *expr, double t, double scale_d)
{
  fm_schedule *s = fm_expr(expr, "1 - t");
  fm_sched_val v;
  cr_assert_eq(fm_schedule_eval(&v, s, t), FM_OK, "%s at %g", expr, t);
  double e[4];
  int st = fm_schedule_eval_errors(e, s, t, &v);
  cr_assert_eq(st, FM_OK, "%s at %g: %s", expr, t, fm_strerror(st));
  cr_expect_leq(e[0], 64 * EPS * fabs(v.alpha), "%s at t = %g: value error %g of %g", expr,
                t, e[0], v.alpha);
  cr_expect_leq(e[2], 64 * EPS * scale_d, "%s at t = %g: derivative error %g of %g", expr, t,
                e[2], v.dalpha);
  fm_schedule_free(s);
}

Test(expr_mp, agrees_with_libmatheval_on_every_function)
{
  static const char *const f[] = {
      "exp(t)", "log(1+t)", "sqrt(1+t)", "sin(t)", "cos(t)", "tan(t)", "cot(1+t)",
      "sec(t)", "csc(1+t)", "asin(t/2)", "acos(t/2)", "atan(t)", "acot(1+t)", "asec(2+t)",
      "acsc(2+t)", "sinh(t)", "cosh(t)", "tanh(t)", "coth(1+t)", "sech(t)", "csch(1+t)",
      "acosh(2+t)", "atanh(t/2)", "asech(0.5+t/4)",
      "acsch(1+t)", "abs(t-2)", "erf(t)", "step(t)*t", "t^2.5", "(1+t)^t", "2^t",
      "e*t + pi_2 - pi_4 + pi + 1_pi + 2_pi + 2_sqrtpi + sqrt2 + sqrt1_2 + ln2 + ln10"
      " + log2e + log10e", "t/3 - t*7 + 1.5e-3/(1+t)", NULL};
  for (int i = 0; f[i] != NULL; i++)
    for (int k = 1; k < 8; k++) {
      double t = k / 8.0;
      /* the derivative's scale: |f'| plus the chain rule's terms, bounded
       * here by 8 (|f| + |f'|) for these well-conditioned forms */
      fm_schedule *s = fm_expr(f[i], "1 - t");
      fm_sched_val v;
      cr_assert_eq(fm_schedule_eval(&v, s, t), FM_OK);
      double sc = 8.0 * (fabs(v.alpha) + fabs(v.dalpha));
      fm_schedule_free(s);
      fm_check_alpha(f[i], t, sc);
    }
}

/* The exact value of alpha at t (libmatheval's double plus the measured error's sign is
 * unknown, so compare |alpha_double - want| with the measured error). */
static void fm_check_value(const char *expr, double t, double want)
{
  fm_schedule *s = fm_expr(expr, "1 - t");
  fm_sched_val v;
  cr_assert_eq(fm_schedule_eval(&v, s, t), FM_OK);
  double e[4];
  cr_assert_eq(fm_schedule_eval_errors(e, s, t, &v), FM_OK);
  cr_expect_leq(fabs(e[0] - fabs(v.alpha - want)), 4 * EPS * fabs(want),
                "%s at %g: measured error %g, libmatheval %.17g vs %.17g", expr, t, e[0],
                v.alpha, want);
  cr_expect_leq(fabs(v.alpha - want), 8 * EPS * fabs(want), "%s: libmatheval reads it otherwise",
                expr);
  fm_schedule_free(s);
}

Test(expr_mp, precedence_and_associativity_are_libmathevals)
{
  fm_check_value("-t^2 + 1", 0.5, 0.75);
  fm_check_value("2^-t*4", 0.5, 4.0 * sqrt(0.5));
  fm_check_value("8/t/2", 0.5, 8.0);
  fm_check_value("2*-t + 3", 0.5, 2.0);
  fm_check_value("1 - t - t + 1", 0.25, 1.5);
  fm_check_value("-(t - 2)*3", 0.5, 4.5);
  fm_check_value("2_pi*t + 1_pi", 0.5, 2.0 / M_PI);
}

Test(expr_mp, measures_the_cancellation_of_a_vp_sigma_near_one)
{
  const char *sig = "sqrt(1 - exp(-(0.07066995617616835*(1-t) + 11.60429208759914*(1-t)^2)))";
  fm_schedule *s = fm_expr("exp(-(0.07066995617616835*(1-t) + 11.60429208759914*(1-t)^2)/2)",
                           sig);
  const double ts[] = {0.99999999995649391, 1.0 - 1e-9, 1.0 - 3e-7, 0.999};
  for (int i = 0; i < 4; i++) {
    double t = ts[i], u = 1.0 - t;
    fm_sched_val v;
    cr_assert_eq(fm_schedule_eval(&v, s, t), FM_OK);
    double e[4];
    cr_assert_eq(fm_schedule_eval_errors(e, s, t, &v), FM_OK);
    double T = 0.07066995617616835 * u + 11.60429208759914 * u * u;
    double ref = sqrt(-expm1(-T));  /* no cancellation: a few ulps */
    double err = fabs(v.sigma - ref);
    cr_expect_leq(fabs(e[1] - err), 0.01 * err + 8 * EPS * ref,
                  "t = 1 - %g: measured %g, reference %g", u, e[1], err);
  }
  fm_schedule_free(s);
}

Test(expr_mp, measures_a_user_cond_field)
{
  fm_schedule *s = NULL;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_schedule_expr(&s, "t", "1 - t", NULL, NULL, "(x1 - x)/(1 - t)", &e), FM_OK,
               "%s", e.msg);
  double u, err;
  cr_assert_eq(fm_schedule_user_cond_field(&u, s, 0.25, 0.1, 0.7), FM_OK);
  cr_assert_eq(fm_schedule_user_cond_field_error(&err, s, 0.25, 0.1, 0.7, u), FM_OK);
  double exact = (0.7 - 0.1) / 0.75;  /* within an ulp or two */
  cr_expect_leq(err, 4 * EPS * exact);
  cr_expect_leq(fabs(err - fabs(u - exact)), 4 * EPS * exact);
  cr_expect_eq(fm_schedule_user_cond_field_error(&err, s, 0.25, 0.1, 0.7, u + 1e-3), FM_OK);
  cr_expect_geq(err, 0.9e-3);
  fm_schedule_free(s);
}

Test(expr_mp, builtins_have_no_measurement)
{
  fm_schedule *s = NULL;
  cr_assert_eq(fm_schedule_cond_ot(&s, 0.0, NULL), FM_OK);
  fm_sched_val v;
  cr_assert_eq(fm_schedule_eval(&v, s, 0.5), FM_OK);
  double e[4];
  cr_expect_eq(fm_schedule_eval_errors(e, s, 0.5, &v), FM_ENOTAVAIL);
  fm_schedule_free(s);
}

Test(expr_mp, refuses_functions_libmatheval_differentiates_wrongly)
{
  const char *bad[] = {"asinh(t)", "0.5*acoth(2+t)"};
  for (int i = 0; i < 2; i++) {
    fm_schedule *s = NULL;
    fm_errmsg e = {{0}};
    cr_expect_eq(fm_schedule_expr(&s, bad[i], "1 - t", NULL, NULL, NULL, &e), FM_EPARSE);
    cr_expect(strstr(e.msg, "derivative of it is wrong") != NULL, "%s", e.msg);
    cr_expect(strstr(e.msg, "alpha") != NULL, "%s", e.msg);
    fm_schedule_free(s);
  }
  fm_schedule *s = NULL;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_schedule_expr(&s, "t", "1 - t", NULL, NULL, "asinh(x1) - acoth(2 + x)", &e),
               FM_OK, "%s", e.msg);
  double u, err;
  cr_assert_eq(fm_schedule_user_cond_field(&u, s, 0.5, 0.25, 0.5), FM_OK);
  cr_assert_eq(fm_schedule_user_cond_field_error(&err, s, 0.5, 0.25, 0.5, u), FM_OK);
  double exact = asinh(0.5) - 0.5 * log(3.25 / 1.25);
  cr_expect_leq(err, 8 * EPS);
  cr_expect_leq(fabs(u - exact), 8 * EPS);
  fm_schedule_free(s);
}
