/* test_schedule_table.c -- the `table` schedule (GSL natural cubic spline):
 * convergence orders on cosine samples, exact reproduction of the nodes, the
 * CSV reader, and rejection of every malformed table with path:line.
 *
 * Orders of a natural cubic spline through samples of a smooth f, spacing h
 * (de Boor, "A Practical Guide to Splines", ch. IV-V):
 *  - away from the ends: value O(h^4), derivative O(h^3);
 *  - within a few nodes of an end where f'' != 0, the natural condition
 *    S'' = 0 is wrong by O(1) in S'', which costs O(h^2) in value and O(h) in
 *    derivative.  The disturbance decays by rho = 2 - sqrt(3) ~ 0.27 per node
 *    (the decaying root of the (1, 4, 1) moment recurrence).
 * cosine: alpha = sin(pi t/2) has alpha''(0) = 0 (the natural condition is
 * exact at t = 0) but alpha''(1) = -(pi/2)^2; sigma = cos(pi t/2) is the
 * mirror image.  Each order is the least-squares slope of log(max error)
 * against log h over N = 17, 33, 65, 129 samples, and must lie within 0.5
 * of the theory on both sides (SUNDIALS style: too good means a
 * contaminated reference).  The reference is libm's sin/cos here, not the
 * built-in schedule.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schedule.h"

#define U 0x1p-53
#define HALF_PI 1.57079632679489661923
#define NLEVEL 4
static const int fm_levels[NLEVEL] = {17, 33, 65, 129};

/* A table of N equispaced cosine samples (t_{N-1} = 1 exactly). */
static fm_schedule *fm_cosine_table(int N)
{
  double *t = malloc((size_t)N * 3 * sizeof *t), *a = t + N, *s = t + 2 * N;
  cr_assert_not_null(t);
  for (int i = 0; i < N; i++) {
    t[i] = (double)i / (N - 1);
    a[i] = sin(HALF_PI * t[i]);
    s[i] = cos(HALF_PI * t[i]);
  }
  fm_schedule *sc;
  fm_errmsg e = {{0}};
  int st = fm_schedule_table(&sc, t, a, s, (size_t)N, &e);
  free(t);
  cr_assert_eq(st, FM_OK, "table of %d rows: %s", N, e.msg);
  return sc;
}

/* Max |error| over 2001 points of [lo, hi]: err[0] alpha, [1] alpha',
 * [2] sigma, [3] sigma'. */
static void fm_table_err(double err[4], int N, double lo, double hi)
{
  fm_schedule *sc = fm_cosine_table(N);
  memset(err, 0, 4 * sizeof *err);
  for (int j = 0; j <= 2000; j++) {
    double t = lo + (hi - lo) * j / 2000.0, z = HALF_PI * t;
    fm_sched_val v;
    cr_assert_eq(fm_schedule_eval(&v, sc, t), FM_OK, "eval at t=%.17g", t);
    double d[4] = {v.alpha - sin(z), v.dalpha - HALF_PI * cos(z), v.sigma - cos(z),
                   v.dsigma + HALF_PI * sin(z)};
    for (int k = 0; k < 4; k++)
      err[k] = fmax(err[k], fabs(d[k]));
  }
  fm_schedule_free(sc);
}

/* Least-squares slope of log err against log h. */
static double fm_fit_order(const double err[NLEVEL])
{
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int l = 0; l < NLEVEL; l++) {
    double x = log(1.0 / (fm_levels[l] - 1)), y = log(err[l]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  return (NLEVEL * sxy - sx * sy) / (NLEVEL * sxx - sx * sx);
}

/* Orders of quantity k (0..3) on [lo, hi], checked against expect +- 0.5. */
static void fm_test_order(int k, double lo, double hi, double expect)
{
  static const char *const what[4] = {"alpha", "alpha'", "sigma", "sigma'"};
  double err[NLEVEL];
  for (int l = 0; l < NLEVEL; l++) {
    double e4[4];
    fm_table_err(e4, fm_levels[l], lo, hi);
    err[l] = e4[k];
  }
  double p = fm_fit_order(err);
  cr_log_info("%s on [%g,%g]: errors %.3e %.3e %.3e %.3e, fitted order %.3f (expect %g)",
              what[k], lo, hi, err[0], err[1], err[2], err[3], p, expect);
  cr_expect(fabs(p - expect) <= 0.5,
            "%s on [%g,%g]: observed order %.3f, expected %g +- 0.5 "
            "(errors %.3e %.3e %.3e %.3e)",
            what[k], lo, hi, p, expect, err[0], err[1], err[2], err[3]);
}

/* Interior: [3/8, 5/8] is >= 6 nodes from either end even at N = 17, where
 * the end disturbance is down by rho^6 ~ 4e-4. */
Test(schedule_table, interior_orders_are_4_in_value_and_3_in_derivative)
{
  fm_test_order(0, 0.375, 0.625, 4.0);
  fm_test_order(1, 0.375, 0.625, 3.0);
  fm_test_order(2, 0.375, 0.625, 4.0);
  fm_test_order(3, 0.375, 0.625, 3.0);
}

/* Up to the end where the natural condition is exact (alpha at 0, sigma at
 * 1), and >= 8 nodes from the other end at N = 17: still 4 and 3. */
Test(schedule_table, orders_4_and_3_reach_an_end_where_f2_vanishes)
{
  fm_test_order(0, 0.0, 0.5, 4.0);
  fm_test_order(1, 0.0, 0.5, 3.0);
  fm_test_order(2, 0.5, 1.0, 4.0);
  fm_test_order(3, 0.5, 1.0, 3.0);
}

/* Near the end where f'' != 0 the natural condition limits the orders. */
Test(schedule_table, natural_end_condition_limits_orders_to_2_and_1)
{
  fm_test_order(0, 0.75, 1.0, 2.0);
  fm_test_order(1, 0.75, 1.0, 1.0);
  fm_test_order(2, 0.0, 0.25, 2.0);
  fm_test_order(3, 0.0, 0.25, 1.0);
}

/* The spline interpolates: at t_i it returns the sample (the boundary values
 * the `schedule` theorem judges are the user's).  GSL evaluates the cubic
 * y_i + dx (b + dx (c + dx d)): exact at dx = 0; at the last node dx = h and
 * the sum of terms bounded by ~|y| + |b h| + ... carries <= 6 roundings:
 * tol 8 u (1 + max |y'| h) with max |y'| = pi/2. */
Test(schedule_table, spline_reproduces_the_samples_at_the_nodes)
{
  int N = 33;
  fm_schedule *sc = fm_cosine_table(N);
  double tol = 8 * U * (1 + HALF_PI / (N - 1));
  for (int i = 0; i < N; i++) {
    double t = (double)i / (N - 1);
    fm_sched_val v;
    cr_assert_eq(fm_schedule_eval(&v, sc, t), FM_OK);
    double ea = fabs(v.alpha - sin(HALF_PI * t)), es = fabs(v.sigma - cos(HALF_PI * t));
    cr_expect_leq(fmax(ea, es), tol, "node %d: alpha off %.3e, sigma off %.3e (tol %.3e)",
                  i, ea, es, tol);
  }
  fm_schedule_free(sc);
}

Test(schedule_table, metadata_and_domain)
{
  fm_schedule *sc = fm_cosine_table(17);
  double rows;
  cr_expect_str_eq(fm_schedule_type_name(sc), "table");
  cr_expect_eq(fm_schedule_param(&rows, sc, "rows"), FM_OK);
  cr_expect_eq(rows, 17.0);
  fm_sched_val v;
  cr_expect_eq(fm_schedule_eval(&v, sc, 1.0 + 0x1p-52), FM_EDOM);
  cr_expect_eq(fm_schedule_eval(&v, sc, -0x1p-1074), FM_EDOM);
  mpfr_t t;
  fm_sched_mp w;
  mpfr_init2(t, 64);
  mpfr_set_d(t, 0.5, MPFR_RNDN);
  fm_sched_mp_init(&w, 64);
  cr_expect_eq(fm_schedule_eval_mp(&w, sc, t), FM_ENOTAVAIL);
  fm_sched_mp_clear(&w);
  mpfr_clear(t);
  fm_schedule_free(sc);
}

static void fm_test_array_rejected(const double *t, const double *a, const double *s,
                                     size_t n, const char *want)
{
  fm_schedule *sc;
  fm_errmsg e = {{0}};
  int st = fm_schedule_table(&sc, t, a, s, n, &e);
  cr_expect_eq(st, FM_EINVAL, "expected rejection (%s), status %d", want, st);
  cr_expect(strstr(e.msg, want) != NULL, "message \"%s\" lacks \"%s\"", e.msg, want);
}

Test(schedule_table, malformed_arrays_are_rejected_naming_the_row)
{
  double t[5] = {0, 0.25, 0.5, 0.75, 1}, a[5] = {0, 0.38, 0.7, 0.92, 1},
         s[5] = {1, 0.92, 0.7, 0.38, 0};
  fm_test_array_rejected(t, a, s, 3, "3 data rows");
  t[2] = 0.25;
  fm_test_array_rejected(t, a, s, 5, "row 2: t = 0.25 does not increase");
  t[2] = 0.5;
  s[3] = NAN;
  fm_test_array_rejected(t, a, s, 5, "row 3: sigma is not finite");
  s[3] = 0.38;
  t[0] = 0x1p-1074;
  fm_test_array_rejected(t, a, s, 5, "row 0: the first t must be exactly 0");
  t[0] = 0;
  t[4] = 1 - 0x1p-53;
  fm_test_array_rejected(t, a, s, 5, "row 4: the last t must be exactly 1");
}

/* sigma is a standard deviation: > 0 wherever t < 1 (u_t divides by it),
 * >= 0 at the data end (sigma_min); a middle t beyond 1 is named as such.
 * sigma_1 = 0 (the cosine table above) is the admissible limit. */
Test(schedule_table, nonpositive_sigma_before_the_data_end_is_rejected_naming_the_row)
{
  double t[5] = {0, 0.25, 0.5, 0.75, 1}, a[5] = {0, 0.38, 0.7, 0.92, 1},
         s[5] = {1, 0.92, 0.7, 0.38, 0};
  s[2] = -5;
  fm_test_array_rejected(t, a, s, 5, "row 2: sigma = -5 at t = 0.5; sigma must be > 0");
  s[2] = 0;
  fm_test_array_rejected(t, a, s, 5, "row 2: sigma = 0 at t = 0.5; sigma must be > 0");
  s[2] = 0.7;
  s[0] = -1;
  fm_test_array_rejected(t, a, s, 5, "row 0: sigma = -1 at t = 0;");
  s[0] = 1;
  s[4] = -1e-300;
  fm_test_array_rejected(t, a, s, 5, "row 4: sigma = -1e-300 at t = 1; "
                                     "sigma_1 = sigma_min must be >= 0");
  s[4] = 0;
  t[3] = 1.5;
  fm_test_array_rejected(t, a, s, 5, "row 3: t = 1.5 is outside [0, 1]");
  t[3] = 0.75;
  fm_schedule *sc = NULL;
  cr_expect_eq(fm_schedule_table(&sc, t, a, s, 5, NULL), FM_OK, "sigma_1 = 0 refused");
  fm_schedule_free(sc);
}

/* ---- files ---- */

static char fm_dir[64];

static void fm_make_dir(void)
{
  strcpy(fm_dir, "/tmp/fm_table_XXXXXX");
  cr_assert_not_null(mkdtemp(fm_dir));
}

static void fm_remove_dir(void)
{
  rmdir(fm_dir);
}

/* Write text to fm_dir/name; returns the path (static buffer). */
static const char *fm_write(const char *name, const char *text)
{
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", fm_dir, name);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
  return path;
}

/* The file must be rejected with status st and a message containing
 * "path:line" (line > 0) or "path" (line == 0) and the fragment want. */
static void fm_test_file_rejected(const char *name, const char *text, int st_want,
                                    int line, const char *want)
{
  const char *path = fm_write(name, text);
  fm_schedule *sc = NULL;
  fm_errmsg e = {{0}};
  int st = fm_schedule_table_file(&sc, path, &e);
  char where[192];
  if (line > 0)
    snprintf(where, sizeof where, "%s:%d: ", path, line);
  else
    snprintf(where, sizeof where, "%s: ", path);
  cr_expect_eq(st, st_want, "%s: status %d, want %d (%s)", name, st, st_want, e.msg);
  cr_expect_null(sc, "%s: schedule returned despite the error", name);
  cr_expect(strstr(e.msg, where) != NULL, "%s: message \"%s\" lacks \"%s\"", name, e.msg,
            where);
  cr_expect(strstr(e.msg, want) != NULL, "%s: message \"%s\" lacks \"%s\"", name, e.msg,
            want);
  unlink(path);
}

/* Every file starts with a comment, a header and a blank line, so the line
 * numbers in the messages must count them. */
#define FM_HEAD "# cosine, 5 rows\nt,alpha,sigma\n\n"

Test(schedule_table, malformed_files_are_rejected_naming_path_and_line,
     .init = fm_make_dir, .fini = fm_remove_dir)
{
  fm_test_file_rejected("two_fields.csv",
                          FM_HEAD "0,0,1\n0.25,0.38\n0.5,0.7,0.7\n0.75,0.92,0.38\n1,1,0\n",
                          FM_EPARSE, 5, "expected 3 fields (t,alpha,sigma), found 2");
  fm_test_file_rejected("four_fields.csv",
                          FM_HEAD "0,0,1\n0.25,0.38,0.92\n0.5,0.7,0.7,9\n0.75,0.92,0.38\n1,1,0\n",
                          FM_EPARSE, 6, "found 4");
  fm_test_file_rejected("not_number.csv",
                          FM_HEAD "0,0,1\n0.25,0.38,0.92\n0.5,0.7x,0.7\n0.75,0.92,0.38\n1,1,0\n",
                          FM_EPARSE, 6, "field 2 (alpha) is not a number: '0.7x'");
  fm_test_file_rejected("empty_field.csv",
                          FM_HEAD "0,0,1\n0.25,0.38,0.92\n0.5,0.7,\n0.75,0.92,0.38\n1,1,0\n",
                          FM_EPARSE, 6, "field 3 (sigma) is not a number");
  fm_test_file_rejected("late_header.csv",
                          "0,0,1\nt,alpha,sigma\n0.5,0.7,0.7\n0.75,0.92,0.38\n1,1,0\n",
                          FM_EPARSE, 2, "field 1 (t) is not a number: 't'");
  fm_test_file_rejected("nan.csv",
                          FM_HEAD "0,0,1\n0.25,0.38,0.92\n0.5,0.7,nan\n0.75,0.92,0.38\n1,1,0\n",
                          FM_EINVAL, 6, "sigma is not finite");
  fm_test_file_rejected("overflow.csv",
                          FM_HEAD "0,0,1\n0.25,1e999,0.92\n0.5,0.7,0.7\n0.75,0.92,0.38\n1,1,0\n",
                          FM_EINVAL, 5, "alpha is not finite");
  fm_test_file_rejected("repeated_t.csv",
                          FM_HEAD "0,0,1\n0.25,0.38,0.92\n0.25,0.7,0.7\n0.75,0.92,0.38\n1,1,0\n",
                          FM_EINVAL, 6, "t = 0.25 does not increase");
  fm_test_file_rejected("decreasing_t.csv",
                          FM_HEAD "0,0,1\n0.5,0.7,0.7\n0.25,0.38,0.92\n0.75,0.92,0.38\n1,1,0\n",
                          FM_EINVAL, 6, "does not increase");
  fm_test_file_rejected("first_t.csv",
                          FM_HEAD "0.01,0,1\n0.25,0.38,0.92\n0.5,0.7,0.7\n0.75,0.92,0.38\n1,1,0\n",
                          FM_EINVAL, 4, "the first t must be exactly 0");
  fm_test_file_rejected("last_t.csv",
                          FM_HEAD "0,0,1\n0.25,0.38,0.92\n0.5,0.7,0.7\n0.75,0.92,0.38\n0.99,1,0\n",
                          FM_EINVAL, 8, "the last t must be exactly 1");
  fm_test_file_rejected("negative_sigma.csv",
                          FM_HEAD "0,0,1\n0.25,0.38,0.92\n0.5,0.7,-5\n0.75,0.92,0.38\n1,1,0\n",
                          FM_EINVAL, 6, "sigma = -5 at t = 0.5; sigma must be > 0 for t < 1");
  fm_test_file_rejected("negative_sigma_1.csv",
                          FM_HEAD "0,0,1\n0.25,0.38,0.92\n0.5,0.7,0.7\n0.75,0.92,0.38\n1,1,-0.01\n",
                          FM_EINVAL, 8, "sigma_1 = sigma_min must be >= 0");
  fm_test_file_rejected("t_beyond_1.csv",
                          FM_HEAD "0,0,1\n0.25,0.38,0.92\n1.5,0.7,0.7\n0.75,0.92,0.38\n1,1,0\n",
                          FM_EINVAL, 6, "t = 1.5 is outside [0, 1]");
  fm_test_file_rejected("three_rows.csv", FM_HEAD "0,0,1\n0.5,0.7,0.7\n1,1,0\n", FM_EINVAL,
                          0, "3 data rows");
  fm_test_file_rejected("empty.csv", "# nothing\n\n", FM_EINVAL, 0, "0 data rows");
}

Test(schedule_table, missing_file_is_an_io_error_naming_it)
{
  fm_schedule *sc;
  fm_errmsg e = {{0}};
  const char *path = "/nonexistent/fm_table.csv";
  cr_expect_eq(fm_schedule_table_file(&sc, path, &e), FM_EIO);
  cr_expect(strstr(e.msg, path) != NULL, "message \"%s\"", e.msg);
}

/* Header, comments, blank lines, CRLF line ends and blanks around fields are
 * accepted, and the file gives the same spline as the array constructor. */
Test(schedule_table, file_with_header_comments_and_crlf_equals_array_table,
     .init = fm_make_dir, .fini = fm_remove_dir)
{
  const char *path = fm_write("good.csv", "# a cosine-like table\r\n"
                                          " t , alpha , sigma \r\n"
                                          "\r\n"
                                          "0, 0, 1\r\n"
                                          "  # mid-file comment\r\n"
                                          "0.25,0.38268343236508978,0.92387953251128674\r\n"
                                          "0.5 ,\t0.70710678118654757, 0.70710678118654757\r\n"
                                          "\n"
                                          "0.75,0.92387953251128674,0.38268343236508978\r\n"
                                          "1,1,0");
  double t[5] = {0, 0.25, 0.5, 0.75, 1},
         a[5] = {0, 0.38268343236508978, 0.70710678118654757, 0.92387953251128674, 1},
         s[5] = {1, 0.92387953251128674, 0.70710678118654757, 0.38268343236508978, 0};
  fm_schedule *f, *g;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_schedule_table_file(&f, path, &e), FM_OK, "%s", e.msg);
  cr_assert_eq(fm_schedule_table(&g, t, a, s, 5, &e), FM_OK, "%s", e.msg);
  for (int i = 0; i <= 16; i++) {
    double x = i / 16.0;
    fm_sched_val vf, vg;
    cr_assert_eq(fm_schedule_eval(&vf, f, x), FM_OK);
    cr_assert_eq(fm_schedule_eval(&vg, g, x), FM_OK);
    cr_expect(vf.alpha == vg.alpha && vf.sigma == vg.sigma && vf.dalpha == vg.dalpha &&
                  vf.dsigma == vg.dsigma,
              "t=%g: file and array tables differ", x);
  }
  cr_expect(strstr(fm_schedule_describe(f), "good.csv, rows=5)") != NULL, "describe: %s",
            fm_schedule_describe(f));
  fm_schedule_free(f);
  fm_schedule_free(g);
  unlink(path);
}
