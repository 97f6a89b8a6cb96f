/* test_schedule_expr.c -- the `expr` schedule (libmatheval): the expression
 * forms of cosine, cond_ot and vp reproduce the closed-form built-ins in value
 * and symbolic derivative; bad expressions are rejected naming the field and
 * the variable; the user's claimed derivatives and conditional field are
 * returned as written, not replaced by the symbolic route.
 *
 * Tolerances are first-order rounding bounds.  With u = 2^-53, a route that
 * computes q = c g(x), x = a t, with the argument x carrying relative error
 * k u, libm's g within 1 ulp (2u) and m further roundings, is off by at most
 *   u (k |c x g'(x)| + (2 + m) |c g(x)|).
 * Each test sums the bound of the expression route and of the built-in route
 * (taken equal: the larger of the two) and doubles it for second-order terms:
 * tol = 4 x (per-route bound).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rng.h"
#include "schedule.h"

#define U 0x1p-53
#define HALF_PI 1.57079632679489661923

/* Seeded t in (0,1) plus the corners of theorems/README.md (within 1e-6 of the ends). */
#define NCORNER 8
#define NRAND 200
static double fm_test_t(int i)
{
  static const double corner[NCORNER] = {0.0,          0x1p-40,      1e-6, 0.5,
                                         1.0 - 1e-6,   1.0 - 0x1p-40, 0.999, 1.0};
  if (i < NCORNER)
    return corner[i];
  fm_rng r = fm_rng_make(20240607, FM_RNG_STREAM(0x5e, 1));
  return fm_rng_uniform(&r, (uint64_t)(i - NCORNER));
}

static fm_schedule *fm_expr_or_die(const char *a, const char *s, const char *ad,
                                   const char *sd, const char *cf)
{
  fm_schedule *sc = NULL;
  fm_errmsg e = {{0}};
  int st = fm_schedule_expr(&sc, a, s, ad, sd, cf, &e);
  cr_assert_eq(st, FM_OK, "fm_schedule_expr failed (%d): %s", st, e.msg);
  return sc;
}

/* Compare expr and built-in at one t; tol[] for alpha, sigma, alpha', sigma'. */
static void fm_expect_close(const fm_sched_val *x, const fm_sched_val *b, const double tol[4],
                            const char *name, double t)
{
  const double dx[4] = {x->alpha - b->alpha, x->sigma - b->sigma, x->dalpha - b->dalpha,
                        x->dsigma - b->dsigma};
  static const char *const what[4] = {"alpha", "sigma", "alpha'", "sigma'"};
  for (int k = 0; k < 4; k++)
    cr_expect_leq(fabs(dx[k]), tol[k], "%s at t=%.17g: %s differs by %.3e, tol %.3e", name,
                  t, what[k], fabs(dx[k]), tol[k]);
}

/* cosine: alpha = sin(x), sigma = cos(x), x = (pi/2) t.  The argument has
 * k = 3 (pi rounded, one product; the built-in's 1 - t adds one more);
 * alpha' = (pi/2) cos x, sigma' = -(pi/2) sin x have one more rounding (the
 * pi/2 factor).  The built-in writes sigma as sin(pi (1-t)/2), exact near 1;
 * the expression's cos(x) has the condition number x tan x there, which is
 * exactly what the k |x g'| term charges. */
Test(schedule_expr, cosine_expression_matches_builtin_in_value_and_derivative)
{
  fm_schedule *x = fm_expr_or_die("sin(pi*t/2)", "cos(pi*t/2)", NULL, NULL, NULL);
  fm_schedule *b;
  cr_assert_eq(fm_schedule_cosine(&b, NULL), FM_OK);
  double worst_rel = 0.0;
  for (int i = 0; i < NCORNER + NRAND; i++) {
    double t = fm_test_t(i), z = HALF_PI * t, sz = sin(z), cz = cos(z);
    fm_sched_val vx, vb;
    cr_assert_eq(fm_schedule_eval(&vx, x, t), FM_OK, "expr eval at t=%.17g", t);
    cr_assert_eq(fm_schedule_eval(&vb, b, t), FM_OK, "builtin eval at t=%.17g", t);
    double tol[4] = {4 * U * (3 * z * fabs(cz) + 2 * fabs(sz)),
                     4 * U * (3 * z * fabs(sz) + 2 * fabs(cz)),
                     4 * U * HALF_PI * (3 * z * fabs(sz) + 3 * fabs(cz)),
                     4 * U * HALF_PI * (3 * z * fabs(cz) + 3 * fabs(sz))};
    fm_expect_close(&vx, &vb, tol, "cosine", t);
    if (t >= 0.1 && t <= 0.9) {
      double r = fmax(fabs(vx.dalpha / vb.dalpha - 1), fabs(vx.dsigma / vb.dsigma - 1));
      worst_rel = fmax(worst_rel, r);
    }
  }
  /* The symbolic derivative away from the ends, relative: the bound above
   * divided by |alpha'| is 4 u (3 z tan z + 3), largest at t = 0.9
   * (z = 0.45 pi, tan z = 6.31): 119 u = 1.3e-14; sigma''s is smaller. */
  cr_expect_leq(worst_rel, 120 * U, "symbolic derivative relative error %.3e on [0.1,0.9]",
                worst_rel);
  cr_log_info("cosine: symbolic derivative max relative difference on [0.1,0.9] = %.3e",
              worst_rel);
  fm_schedule_free(x);
  fm_schedule_free(b);
}

/* cond_ot with sigma_min = 0.0137: sigma = 1 - c t, c = fl(1 - 0.0137) in
 * both routes; three roundings of quantities bounded by 1 + t per route.
 * alpha = t and the derivatives 1, -c are exact in both routes (tol = 0). */
Test(schedule_expr, cond_ot_expression_matches_builtin_in_value_and_derivative)
{
  const double smin = 0.0137;
  fm_schedule *x = fm_expr_or_die("t", "1 - (1 - 0.0137)*t", NULL, NULL, NULL);
  fm_schedule *b;
  cr_assert_eq(fm_schedule_cond_ot(&b, smin, NULL), FM_OK);
  for (int i = 0; i < NCORNER + NRAND; i++) {
    double t = fm_test_t(i);
    fm_sched_val vx, vb;
    cr_assert_eq(fm_schedule_eval(&vx, x, t), FM_OK);
    cr_assert_eq(fm_schedule_eval(&vb, b, t), FM_OK);
    double tol[4] = {0.0, 4 * U * 3 * (1 + t), 0.0, 0.0};
    fm_expect_close(&vx, &vb, tol, "cond_ot", t);
  }
  fm_schedule_free(x);
  fm_schedule_free(b);
}

/* vp (beta_min 0.1, beta_max 20), u = 1 - t:
 *   T = 0.1 u + 9.95 u^2, beta = 0.1 + 19.9 u, E = exp(-T),
 *   alpha = exp(-T/2), sigma = sqrt(1 - E), alpha' = beta alpha / 2,
 *   sigma' = -E beta / (2 sigma).
 * T is a sum of positive terms with <= 5 roundings: relative 5u, so exp(-T/2)
 * is off by u (2.5 T + 2) relative; beta by 4u.  The expression's 1 - E
 * cancels as t -> 1: sigma's relative error is
 *   R = u (E (5 T + 2) / (2 (1 - E)) + 2)
 * (the built-in uses expm1 and is better; the bound is the worse route's). */
static void fm_vp_tol(double tol[4], const fm_sched_val *b, double t)
{
  double w = 1.0 - t, T = 0.1 * w + 9.95 * w * w, E = exp(-T);
  double R = U * (E * (5 * T + 2) / (2 * -expm1(-T)) + 2);
  tol[0] = 4 * fabs(b->alpha) * U * (2.5 * T + 2);
  tol[1] = 4 * fabs(b->sigma) * R;
  tol[2] = 4 * fabs(b->dalpha) * U * (2.5 * T + 7);
  tol[3] = 4 * fabs(b->dsigma) * (U * (5 * T + 9) + R);
}

Test(schedule_expr, vp_expression_matches_builtin_in_value_and_derivative)
{
  fm_schedule *x = fm_expr_or_die("exp(-(0.1*(1-t) + 0.5*(20-0.1)*(1-t)^2)/2)",
                                  "sqrt(1 - exp(-(0.1*(1-t) + 0.5*(20-0.1)*(1-t)^2)))",
                                  NULL, NULL, NULL);
  fm_schedule *b;
  cr_assert_eq(fm_schedule_vp(&b, 0.1, 20.0, NULL), FM_OK);
  for (int i = 0; i < NCORNER + NRAND; i++) {
    double t = fm_test_t(i);
    fm_sched_val vx, vb;
    if (t == 1.0)
      continue;  /* sigma = 0: see vp_expression_and_builtin_are_singular_at_t1 */
    cr_assert_eq(fm_schedule_eval(&vx, x, t), FM_OK, "expr eval at t=%.17g", t);
    cr_assert_eq(fm_schedule_eval(&vb, b, t), FM_OK, "builtin eval at t=%.17g", t);
    double tol[4];
    fm_vp_tol(tol, &vb, t);
    fm_expect_close(&vx, &vb, tol, "vp", t);
  }
  fm_schedule_free(x);
  fm_schedule_free(b);
}

/* At t = 1 the vp sigma is 0 and sigma' = -E beta / (2 sigma) is infinite:
 * both routes must say FM_ESING rather than return a number. */
Test(schedule_expr, vp_expression_and_builtin_are_singular_at_t1)
{
  fm_schedule *x = fm_expr_or_die("exp(-(0.1*(1-t) + 9.95*(1-t)^2)/2)",
                                  "sqrt(1 - exp(-(0.1*(1-t) + 9.95*(1-t)^2)))", NULL,
                                  NULL, NULL);
  fm_schedule *b;
  cr_assert_eq(fm_schedule_vp(&b, 0.1, 20.0, NULL), FM_OK);
  fm_sched_val v;
  int sx = fm_schedule_eval(&v, x, 1.0), sb = fm_schedule_eval(&v, b, 1.0);
  cr_expect_eq(sx, FM_ESING, "expr at t=1: status %d (%s)", sx, fm_strerror(sx));
  cr_expect_eq(sb, FM_ESING, "builtin at t=1: status %d (%s)", sb, fm_strerror(sb));
  fm_schedule_free(x);
  fm_schedule_free(b);
}

/* Each field in turn gets a broken expression; the message names the field
 * and quotes the expression. */
Test(schedule_expr, unparsable_expression_is_rejected_naming_the_field)
{
  static const char *const field[5] = {"alpha", "sigma", "alpha_dot", "sigma_dot",
                                       "cond_field"};
  static const char *const bad[2] = {"cos(pi*t/2", "sin t"};
  for (int f = 0; f < 5; f++)
    for (int b = 0; b < 2; b++) {
      const char *src[5] = {"sin(pi*t/2)", "cos(pi*t/2)", NULL, NULL, NULL};
      src[f] = bad[b];
      char dummy;
      fm_schedule *s = (fm_schedule *)(void *)&dummy;  /* must be reset to NULL */
      fm_errmsg e = {{0}};
      int st = fm_schedule_expr(&s, src[0], src[1], src[2], src[3], src[4], &e);
      char want[128];
      snprintf(want, sizeof want, "the %s expression \"%s\"", field[f], bad[b]);
      cr_expect_eq(st, FM_EPARSE, "field %s, \"%s\": status %d", field[f], bad[b], st);
      cr_expect_null(s, "schedule pointer not NULL after failure");
      cr_expect(strstr(e.msg, want) != NULL, "message \"%s\" lacks '%s'", e.msg, want);
    }
}

/* The syntax check says what is wrong and where (1-based positions). */
Test(schedule_expr, syntax_errors_say_what_and_where)
{
  static const char *const cases[][2] = {
      {"cos(pi*t/2", "the '(' at position 4 is never closed"},
      {"sin t", "the function 'sin' at position 1 needs '(' after it"},
      {"2t", "missing operator before 't' at position 2"},
      {"1e", "missing operator before 'e' at position 2"},
      {"foo(t)", "'(' at position 4 follows an operand"},
      {"t^", "ends where an operand is expected"},
      {"t)", "unmatched ')' at position 2"},
      {"t..2", "unexpected character '.' at position 2"},
      {"t +* 2", "expected an operand at position 4, found '*'"},
      {"+t", "expected an operand at position 1, found '+'"},
      {"t^2^3", "a^b^c at position 4"},
      {"t\n", "unexpected byte 0x0a at position 2"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fm_schedule *s;
    fm_errmsg e = {{0}};
    int st = fm_schedule_expr(&s, "t", cases[i][0], NULL, NULL, NULL, &e);
    cr_expect_eq(st, FM_EPARSE, "\"%s\": status %d", cases[i][0], st);
    cr_expect(strstr(e.msg, cases[i][1]) != NULL, "\"%s\": message \"%s\" lacks \"%s\"",
              cases[i][0], e.msg, cases[i][1]);
  }
  char deep[260];
  memset(deep, '(', 101);
  deep[101] = 't';
  memset(deep + 102, ')', 101);
  deep[203] = '\0';
  fm_schedule *s;
  fm_errmsg e = {{0}};
  cr_expect_eq(fm_schedule_expr(&s, deep, "1 - t", NULL, NULL, NULL, &e), FM_EPARSE);
  cr_expect(strstr(e.msg, "nested deeper than 100") != NULL, "message \"%s\"", e.msg);
}

/* What the syntax check lets through, libmatheval must parse with its
 * meaning: unary minus below ^, numbers like .5 and 5., digit-led constants,
 * parenthesised power chains.  Each reference is computed here in C with at
 * most two roundings plus libm (1 ulp) per route: tol 8 u max(|ref|, 1). */
Test(schedule_expr, syntax_corners_are_accepted_with_libmathevals_meaning)
{
  const double t = 0.3817, pi = 3.14159265358979323846;
  struct {
    const char *src;
    double ref;
  } cases[] = {
      {"--t", t},
      {"2*-t", -2 * t},
      {"-t^2", -(t * t)},
      {"t^-2", pow(t, -2)},
      {"(t^2)^3", pow(t, 6)},
      {".5*t + 5.*t", 5.5 * t},
      {"1e-2*t + 1E+1*t", 10.01 * t},
      {"2_pi*t", 2 / pi * t},
      {"1_pi + pi_2 + sqrt1_2", 1 / pi + pi / 2 + sqrt(0.5)},
      {"e^t", exp(t)},
      {"sinh(t)/cosh(t) - tanh(t)", 0.0},
      {"\tabs(-t) ", t},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fm_schedule *s = fm_expr_or_die(cases[i].src, "1 - t", NULL, NULL, NULL);
    fm_sched_val v;
    cr_assert_eq(fm_schedule_eval(&v, s, t), FM_OK, "\"%s\"", cases[i].src);
    double tol = 8 * U * fmax(fabs(cases[i].ref), 1.0);
    cr_expect_leq(fabs(v.alpha - cases[i].ref), tol, "\"%s\" = %.17g, expected %.17g",
                  cases[i].src, v.alpha, cases[i].ref);
    fm_schedule_free(s);
  }
}

/* libmatheval's scanner echoes unknown characters to stdout; the pre-check
 * must stop them first (stdout carries TAP and CSV).  stdout is redirected
 * to a file that must stay empty. */
Test(schedule_expr, unknown_character_is_rejected_without_printing)
{
  char path[] = "/tmp/fm_expr_echo_XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  fflush(stdout);
  int saved = dup(STDOUT_FILENO);
  dup2(fd, STDOUT_FILENO);
  fm_schedule *s;
  fm_errmsg e = {{0}};
  int st = fm_schedule_expr(&s, "t @ 2", "1 - t", NULL, NULL, NULL, &e);
  fflush(stdout);
  dup2(saved, STDOUT_FILENO);
  close(saved);
  struct stat sb;
  fstat(fd, &sb);
  close(fd);
  unlink(path);
  cr_expect_eq(st, FM_EPARSE, "status %d", st);
  cr_expect(strstr(e.msg, "position 3") != NULL, "message \"%s\" lacks the position", e.msg);
  cr_expect_eq(sb.st_size, 0, "%lld bytes were printed to stdout", (long long)sb.st_size);
}

static void fm_test_unknown_var(const char *a, const char *s, const char *cf,
                                  const char *field, const char *var)
{
  fm_schedule *sc;
  fm_errmsg e = {{0}};
  int st = fm_schedule_expr(&sc, a, s, NULL, NULL, cf, &e);
  char want_f[64], want_v[64];
  snprintf(want_f, sizeof want_f, "the %s expression", field);
  snprintf(want_v, sizeof want_v, "variable '%s'", var);
  cr_expect_eq(st, FM_EINVAL, "%s using %s: status %d", field, var, st);
  cr_expect(strstr(e.msg, want_f) != NULL && strstr(e.msg, want_v) != NULL,
            "message \"%s\" should name %s and %s", e.msg, field, var);
}

Test(schedule_expr, unknown_variable_is_rejected_naming_it)
{
  fm_test_unknown_var("t*y", "1 - t", NULL, "alpha", "y");
  /* x is allowed in cond_field only */
  fm_test_unknown_var("t", "1 - x", NULL, "sigma", "x");
  fm_test_unknown_var("t", "1 - t", "x1 - x2", "cond_field", "x2");
  fm_test_unknown_var("t", "1 - t", "T*x", "cond_field", "T");
}

Test(schedule_expr, missing_alpha_or_sigma_is_rejected)
{
  fm_schedule *s;
  fm_errmsg e = {{0}};
  cr_expect_eq(fm_schedule_expr(&s, NULL, "1 - t", NULL, NULL, NULL, &e), FM_EINVAL);
  cr_expect(strstr(e.msg, "alpha") != NULL, "message \"%s\"", e.msg);
  cr_expect_eq(fm_schedule_expr(&s, "t", "  ", NULL, NULL, NULL, &e), FM_EPARSE);
  cr_expect(strstr(e.msg, "sigma expression is empty") != NULL, "message \"%s\"", e.msg);
}

/* The claims are returned as written: sigma_dot is 1% off (the theorems/README.md
 * mutant), and must come back 1% off, not silently the symbolic value.
 * Both routes compute (pi/2) g(x) with the same operations plus the 1.01
 * factor: tol = 4 u (pi/2)(3 z |g'| + 4 |g|). */
Test(schedule_expr, claimed_derivatives_are_returned_as_written)
{
  fm_schedule *s = fm_expr_or_die("sin(pi*t/2)", "cos(pi*t/2)", "pi/2*cos(pi*t/2)",
                                  "-1.01*pi/2*sin(pi*t/2)", NULL);
  for (int i = 0; i < NCORNER + 20; i++) {
    double t = fm_test_t(i), z = HALF_PI * t, da, ds;
    cr_assert_eq(fm_schedule_claimed_deriv(&da, &ds, s, t), FM_OK);
    double ra = HALF_PI * cos(z), rs = -1.01 * HALF_PI * sin(z);
    double ta = 4 * U * HALF_PI * (3 * z * sin(z) + 4 * cos(z));
    double ts = 4 * U * 1.01 * HALF_PI * (3 * z * cos(z) + 4 * sin(z));
    cr_expect_leq(fabs(da - ra), ta, "t=%.17g: claimed alpha' off by %.3e (tol %.3e)", t,
                  fabs(da - ra), ta);
    cr_expect_leq(fabs(ds - rs), ts, "t=%.17g: claimed sigma' off by %.3e (tol %.3e)", t,
                  fabs(ds - rs), ts);
    fm_sched_val v;
    cr_assert_eq(fm_schedule_eval(&v, s, t), FM_OK);
    if (t > 0.0)  /* the symbolic sigma' is untouched by the wrong claim */
      cr_expect_gt(fabs(ds - v.dsigma), 0.005 * fabs(v.dsigma), "t=%.17g", t);
  }
  fm_schedule_free(s);
}

/* Only alpha_dot claimed (and wrong on purpose): sigma' falls back to the
 * symbolic derivative -- the very same evaluator, so bit-for-bit equal. */
Test(schedule_expr, single_claim_falls_back_to_symbolic_for_the_other)
{
  fm_schedule *s = fm_expr_or_die("sin(pi*t/2)", "cos(pi*t/2)", "2*t", NULL, NULL);
  double t = 0.3817, da, ds;
  fm_sched_val v;
  cr_assert_eq(fm_schedule_claimed_deriv(&da, &ds, s, t), FM_OK);
  cr_assert_eq(fm_schedule_eval(&v, s, t), FM_OK);
  cr_expect_eq(da, 2 * t, "claimed alpha' %.17g", da);
  cr_expect_eq(ds, v.dsigma, "fallback sigma' %.17g vs symbolic %.17g", ds, v.dsigma);
  fm_schedule_free(s);
}

Test(schedule_expr, claims_and_cond_field_not_available_when_absent)
{
  fm_schedule *x = fm_expr_or_die("t", "1 - t", NULL, NULL, NULL), *b;
  cr_assert_eq(fm_schedule_cosine(&b, NULL), FM_OK);
  double da, ds, u;
  cr_expect_eq(fm_schedule_claimed_deriv(&da, &ds, x, 0.5), FM_ENOTAVAIL);
  cr_expect_eq(fm_schedule_claimed_deriv(&da, &ds, b, 0.5), FM_ENOTAVAIL);
  cr_expect_eq(fm_schedule_user_cond_field(&u, x, 0.5, 1.0, 2.0), FM_ENOTAVAIL);
  cr_expect_eq(fm_schedule_user_cond_field(&u, b, 0.5, 1.0, 2.0), FM_ENOTAVAIL);
  mpfr_t t;
  fm_sched_mp v;
  mpfr_init2(t, 128);
  mpfr_set_d(t, 0.5, MPFR_RNDN);
  fm_sched_mp_init(&v, 128);
  cr_expect_eq(fm_schedule_eval_mp(&v, x, t), FM_ENOTAVAIL);
  fm_sched_mp_clear(&v);
  mpfr_clear(t);
  fm_schedule_free(x);
  fm_schedule_free(b);
}

/* The user's field, cond_ot's (x1 - x)/(1 - t), against the cases/README.md
 * formula (sigma'/sigma)(x - alpha x1) + alpha' x1 computed here in C: an
 * x <-> x1 swap or a wrong t changes it by O(1).  Both routes take <= 4
 * roundings of quantities bounded by M = (|x| + |x1|)/(1 - t) + |x1|. */
Test(schedule_expr, user_cond_field_is_evaluated_in_t_x_x1)
{
  fm_schedule *s = fm_expr_or_die("t", "1 - t", NULL, NULL, "(x1 - x)/(1 - t)");
  fm_rng r = fm_rng_make(20240607, FM_RNG_STREAM(0x5e, 2));
  for (int i = 0; i < 100; i++) {
    double t = 0.999 * fm_rng_uniform(&r, (uint64_t)i);
    double x = 3.1 * fm_rng_normal(&r, (uint64_t)(1000 + i));
    double x1 = 2.3 * fm_rng_normal(&r, (uint64_t)(2000 + i));
    double u, ref = (-1.0 / (1.0 - t)) * (x - t * x1) + x1;
    cr_assert_eq(fm_schedule_user_cond_field(&u, s, t, x, x1), FM_OK);
    double M = (fabs(x) + fabs(x1)) / (1.0 - t) + fabs(x1), tol = 16 * U * M;
    cr_expect_leq(fabs(u - ref), tol, "t=%.17g x=%.17g x1=%.17g: u=%.17g ref=%.17g tol %.3e",
                  t, x, x1, u, ref, tol);
  }
  double u;
  cr_expect_eq(fm_schedule_user_cond_field(&u, s, 1.5, 0.0, 0.0), FM_EDOM);
  cr_expect_eq(fm_schedule_user_cond_field(&u, s, 1.0, 1.0, 2.0), FM_ENONFIN);
  fm_schedule_free(s);
}

/* Non-finite values are errors, not numbers: 1/t at t = 0 is +inf, log(t - 2)
 * is NaN everywhere; sqrt(t) is finite at 0 but its derivative is not
 * (FM_ESING, as for the built-in polynomial n < 1). */
Test(schedule_expr, nonfinite_values_are_reported)
{
  fm_schedule *a = fm_expr_or_die("1/t", "1 - t", NULL, NULL, NULL);
  fm_schedule *b = fm_expr_or_die("t", "log(t - 2)", NULL, NULL, NULL);
  fm_schedule *c = fm_expr_or_die("sqrt(t)", "1 - t", NULL, NULL, NULL);
  fm_sched_val v;
  cr_expect_eq(fm_schedule_eval(&v, a, 0.0), FM_ENONFIN);
  cr_expect_eq(fm_schedule_eval(&v, a, 0.5), FM_OK);
  cr_expect_eq(fm_schedule_eval(&v, b, 0.5), FM_ENONFIN);
  cr_expect_eq(fm_schedule_eval(&v, c, 0.0), FM_ESING);
  cr_expect_eq(fm_schedule_eval(&v, c, 0.25), FM_OK);
  cr_expect_eq(fm_schedule_eval(&v, c, -0.25), FM_EDOM);
  fm_schedule_free(a);
  fm_schedule_free(b);
  fm_schedule_free(c);
}

Test(schedule_expr, describe_shows_the_expressions)
{
  fm_schedule *s = fm_expr_or_die("sin(pi*t/2)", "cos(pi*t/2)", NULL, "-pi/2*sin(pi*t/2)",
                                  "x1");
  cr_expect_str_eq(fm_schedule_describe(s),
                   "expr(alpha=sin(pi*t/2), sigma=cos(pi*t/2), "
                   "sigma_dot=-pi/2*sin(pi*t/2), cond_field=x1)");
  cr_expect_str_eq(fm_schedule_type_name(s), "expr");
  fm_schedule_free(s);
}

/* A 599-character alpha must not push sigma out of the description. */
Test(schedule_expr, describe_truncates_long_expressions_fairly)
{
  char alpha[600];
  for (int i = 0; i < 299; i++)
    memcpy(alpha + 2 * i, "t+", 2);
  alpha[598] = 't';
  alpha[599] = '\0';
  fm_schedule *s = fm_expr_or_die(alpha, "cos(pi*t/2)", NULL, NULL, NULL);
  const char *d = fm_schedule_describe(s);
  size_t n = strlen(d);
  cr_expect_lt(n, 256, "description is %zu characters", n);
  cr_expect_gt(n, 200, "description is only %zu characters: space wasted", n);
  cr_expect(strncmp(d, "expr(alpha=t+t+", 15) == 0, "description \"%s\"", d);
  cr_expect(strstr(d, "...") != NULL, "truncation not marked: \"%s\"", d);
  cr_expect(strstr(d, ", sigma=cos(pi*t/2))") != NULL, "sigma lost: \"%s\"", d);
  fm_schedule_free(s);
}

/* libmatheval evaluates by writing t into a symbol table shared by an
 * expression and its derivative; schedule_expr.c serialises every call.
 * Four threads evaluate one const schedule at their own t's; every value
 * must be bit-identical to the serial one (without the lock, a thread
 * regularly evaluates at another thread's t). */
#define FM_NTHREAD 4
#define FM_NEVAL 100000

typedef struct {
  const fm_schedule *s;
  int id, mismatches;
  const double *serial;  /* alpha at t_i = (i + 0.5) / FM_NEVAL */
  pthread_barrier_t *start;
} fm_thread_job;

static void *fm_thread_eval(void *arg)
{
  fm_thread_job *job = arg;
  pthread_barrier_wait(job->start);  /* all threads race from here */
  for (int k = 0; k < FM_NEVAL; k++) {
    int i = (k * 7919 + job->id * 4999) % FM_NEVAL;
    fm_sched_val v;
    if (fm_schedule_eval(&v, job->s, (i + 0.5) / FM_NEVAL) != FM_OK ||
        v.alpha != job->serial[i])
      job->mismatches++;
  }
  return NULL;
}

Test(schedule_expr, concurrent_evaluation_matches_serial)
{
  fm_schedule *s = fm_expr_or_die("sin(pi*t/2)", "cos(pi*t/2)", NULL, NULL, NULL);
  static double serial[FM_NEVAL];
  for (int i = 0; i < FM_NEVAL; i++) {
    fm_sched_val v;
    cr_assert_eq(fm_schedule_eval(&v, s, (i + 0.5) / FM_NEVAL), FM_OK);
    serial[i] = v.alpha;
  }
  pthread_t th[FM_NTHREAD];
  fm_thread_job job[FM_NTHREAD];
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, FM_NTHREAD);
  for (int j = 0; j < FM_NTHREAD; j++) {
    job[j] = (fm_thread_job){s, j, 0, serial, &start};
    cr_assert_eq(pthread_create(&th[j], NULL, fm_thread_eval, &job[j]), 0);
  }
  int bad = 0;
  for (int j = 0; j < FM_NTHREAD; j++) {
    pthread_join(th[j], NULL);
    bad += job[j].mismatches;
  }
  pthread_barrier_destroy(&start);
  cr_expect_eq(bad, 0, "%d of %d concurrent evaluations differ from the serial ones", bad,
               FM_NTHREAD * FM_NEVAL);
  fm_schedule_free(s);
}
