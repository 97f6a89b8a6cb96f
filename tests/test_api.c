/* test_api.c -- the public C interface (reports/api/fmcheck.h), linked as a
 * program would link it: the shared libfmcheck through fmcheck.h only.
 * Each result is checked against a second route, the fmcheck command of the
 * same build (field, compare-field, compare-samples, check --json): the
 * library and the command must give the same bits.  Also: every load error
 * is a status with a message naming the file, line or JSON path; draws are
 * a function of (seed, index). */
#include "fm_test_cli.h"

#include <criterion/criterion.h>
#include <fmcheck.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static fmcheck_case *load(const char *arg)
{
  fmcheck_case *c;
  fmcheck_error err;
  int st = fmcheck_case_load(&c, arg, &err);
  cr_assert_eq(st, FM_OK, "load %s: %s", arg, err.message);
  return c;
}

/* A load that must fail with `status` and a message containing `part`
 * (c by address: it is read after the call). */
static void load_fails(int st, fmcheck_case *const *c, const fmcheck_error *err, int status,
                       const char *part)
{
  cr_assert_eq(st, status, "status %d (%s), expected %d", st, err->message, status);
  cr_assert_eq(err->status, st);
  cr_assert_null(*c);
  cr_assert_not_null(strstr(err->message, part), "message '%s' lacks '%s'", err->message,
                     part);
}

Test(api, load_errors_name_the_file_line_and_json_path)
{
  fmcheck_case *c = (fmcheck_case *)1;
  fmcheck_error err;
  load_fails(fmcheck_case_load_json(&c, "{\"name\": \"a\",\n  \"data\": }", "mine.json", &err),
             &c, &err, FM_EPARSE, "mine.json:2:");
  load_fails(fmcheck_case_load_json(&c, "{\"name\": \"a\", \"data\": {\"type\": \"gmm\", "
                                        "\"dim\": 1, \"components\": [{\"weight\": 1, "
                                        "\"mean\": [0], \"var\": -1}]}, \"schedule\": "
                                        "{\"type\": \"cond_ot\"}}", NULL, &err),
             &c, &err, FM_EINVAL, "<json>: data.components[0].var");
  load_fails(fmcheck_case_load_json(&c, "{\"name\": \"a\", \"colour\": 1}", "x", &err), &c,
             &err, FM_EINVAL, "colour");
  load_fails(fmcheck_case_load_file(&c, "/nonexistent/case.json", &err), &c, &err, FM_EIO,
             "/nonexistent/case.json");
  load_fails(fmcheck_case_load_builtin(&c, "ring9", &err), &c, &err, FM_EINVAL, "ring9");
  load_fails(fmcheck_case_load(&c, "ring9-cond_ot", &err), &c, &err, FM_EIO,
             "no such file, and no built-in case");
  cr_assert_str_eq(fmcheck_strerror(FM_EPARSE), "parse error");
}

Test(api, builtins_load_by_name_with_or_without_json)
{
  cr_assert_gt(fmcheck_builtin_count(), 10);
  cr_assert_null(fmcheck_builtin_name(fmcheck_builtin_count()));
  fmcheck_case *a = load("ring8-cond_ot"), *b;
  fmcheck_error err;
  cr_assert_eq(fmcheck_case_load_builtin(&b, "ring8-cond_ot.json", &err), FM_OK);
  cr_assert_str_eq(fmcheck_case_name(a), fmcheck_case_name(b));
  cr_assert_eq(fmcheck_case_dim(a), 2);
  cr_assert_eq(fmcheck_case_components(a), 8);
  cr_assert_str_eq(fmcheck_case_origin(a), "builtin:ring8-cond_ot.json");
  cr_assert_str_eq(fmcheck_version(), getenv("FM_PROJECT_VERSION"));
  fmcheck_case_free(a);
  fmcheck_case_free(b);
  fmcheck_case_free(NULL);
}

/* n points of dimension d at scattered times, including both ends. */
static void points(double *t, double *x, size_t n, size_t d)
{
  for (size_t i = 0; i < n; i++) {
    t[i] = i == 0 ? 0.0 : i == 1 ? 1.0 : fmod(0.618034 * (double)i, 1.0);
    for (size_t j = 0; j < d; j++)
      x[i * d + j] = 2.385 * sin(1.7 * (double)(i * d + j) + 0.3);
  }
}

/* CSV text "t,x..." (+ ",v..." when v) of the points, at %.17g. */
static char *csv(const double *t, const double *x, const double *v, size_t n, size_t d)
{
  size_t cap = 64 + n * (2 * d + 1) * 26, at = 0;
  char *s = malloc(cap);
  for (size_t i = 0; i < n; i++) {
    at += (size_t)snprintf(s + at, cap - at, "%.17g", t[i]);
    for (size_t j = 0; j < d; j++)
      at += (size_t)snprintf(s + at, cap - at, ",%.17g", x[i * d + j]);
    for (size_t j = 0; v != NULL && j < d; j++)
      at += (size_t)snprintf(s + at, cap - at, ",%.17g", v[i * d + j]);
    at += (size_t)snprintf(s + at, cap - at, "\n");
  }
  return s;
}

Test(api, field_equals_the_field_command_bit_for_bit)
{
  enum { N = 40, D = 3 };
  fmcheck_case *c = load("aniso3d-cond_ot");
  double t[N], x[N * D], u[N * D], score[N * D], logp[N], mean[N * D];
  points(t, x, N, D);
  fmcheck_error err;
  cr_assert_eq(fmcheck_case_field(u, score, logp, mean, c, t, N, x, N, &err), FM_OK, "%s",
               err.message);
  char *text = csv(t, x, NULL, N, D), *path = fm_cli_tempfile(text, ".csv");
  fm_cli_result r;
  cr_assert_eq(fm_cli_run(&r, (const char *[]){"field", "--case", "aniso3d-cond_ot",
                                               "--points", path, NULL}), 0);
  cr_assert_eq(r.status, 0, "%s", r.err);
  /* the command's row: t, x (D), u (D), score (D), logp, mean (D) */
  char *line = strchr(r.out, '\n') + 1;
  for (size_t i = 0; i < N; i++) {
    double row[4 * D + 2];
    char *p = line;
    for (size_t k = 0; k < 4 * D + 2; k++, p++)
      row[k] = strtod(p, &p);
    line = p;
    for (size_t j = 0; j < D; j++) {
      cr_assert_eq(row[1 + D + j], u[i * D + j], "u, point %zu", i);
      cr_assert_eq(row[1 + 2 * D + j], score[i * D + j], "score, point %zu", i);
      cr_assert_eq(row[2 + 3 * D + j], mean[i * D + j], "mean, point %zu", i);
    }
    cr_assert_eq(row[1 + 3 * D], logp[i], "logp, point %zu", i);
  }
  /* one t for every point gives what n copies of it give */
  double u1[N * D], tt[N];
  for (size_t i = 0; i < N; i++)
    tt[i] = 0.25;
  cr_assert_eq(fmcheck_case_field(u, NULL, NULL, NULL, c, tt, N, x, N, &err), FM_OK);
  cr_assert_eq(fmcheck_case_field(u1, NULL, NULL, NULL, c, tt, 1, x, N, &err), FM_OK);
  cr_assert_eq(memcmp(u, u1, sizeof u1), 0);
  unlink(path);
  free(path);
  free(text);
  fm_cli_result_free(&r);
  fmcheck_case_free(c);
}

Test(api, field_errors_name_the_point)
{
  fmcheck_case *c = load("gauss1d-vp");
  fmcheck_error err;
  double t[3] = {0.5, 0.2, 1.5}, x[3] = {0.1, 0.2, 0.3}, u[3];
  cr_assert_eq(fmcheck_case_field(u, NULL, NULL, NULL, c, t, 3, x, 3, &err), FM_EDOM);
  cr_assert_str_eq(err.message, "point 2: t = 1.5 is outside [0, 1]");
  t[2] = 1.0; /* vp: sigma' is infinite at t = 1 */
  cr_assert_eq(fmcheck_case_field(u, NULL, NULL, NULL, c, t, 3, x, 3, &err), FM_ESING);
  cr_assert_not_null(strstr(err.message, "point 2 (t = 1)"), "%s", err.message);
  t[2] = 0.5;
  x[1] = NAN;
  cr_assert_eq(fmcheck_case_field(u, NULL, NULL, NULL, c, t, 3, x, 3, &err), FM_ENONFIN);
  cr_assert_not_null(strstr(err.message, "point 1"), "%s", err.message);
  cr_assert_eq(fmcheck_case_field(u, NULL, NULL, NULL, c, t, 2, x, 3, &err), FM_EINVAL);
  cr_assert_not_null(strstr(err.message, "2 times for 3 points"), "%s", err.message);
  fmcheck_case_free(c);
}

Test(api, draws_are_a_function_of_seed_and_index)
{
  enum { N = 3000 };
  fmcheck_case *c = load("ring8-vp");
  fmcheck_error err;
  double *a = malloc(N * 2 * sizeof *a), *b = malloc(N * 2 * sizeof *b);
  cr_assert_eq(fmcheck_case_sample(a, c, N, 1.0, 42, &err), FM_OK, "%s", err.message);
  cr_assert_eq(fmcheck_case_sample(b, c, 100, 1.0, 42, &err), FM_OK);
  cr_assert_eq(memcmp(a, b, 100 * 2 * sizeof *a), 0, "the first 100 draws differ");
  cr_assert_eq(fmcheck_case_sample(b, c, N, 1.0, 43, &err), FM_OK);
  cr_assert_neq(memcmp(a, b, 2 * sizeof *a), 0, "seed 43 repeats seed 42");
  /* exact draws pass the sample tests, at t = 1 and inside */
  fmcheck_samples_cmp r;
  cr_assert_eq(fmcheck_compare_samples(&r, c, a, N, 1.0, 1e-3, 1, &err), FM_OK, "%s",
               err.message);
  cr_assert(r.passed);
  cr_assert_eq(fmcheck_case_sample(a, c, N, 0.6, 7, &err), FM_OK);
  cr_assert_eq(fmcheck_compare_samples(&r, c, a, N, 0.6, 1e-3, 1, &err), FM_OK);
  cr_assert(r.passed);
  /* the same draws scaled by 1.1 (covariance off by 21%) are rejected */
  for (size_t i = 0; i < N * 2; i++)
    a[i] *= 1.1;
  cr_assert_eq(fmcheck_compare_samples(&r, c, a, N, 0.6, 1e-3, 1, &err), FM_OK);
  cr_assert(r.rejected);
  cr_assert_eq(fmcheck_case_sample(a, c, N, 1.5, 7, &err), FM_EDOM);
  free(a);
  free(b);
  fmcheck_case_free(c);
}

/* Read the command's JSON output file. */
static json_t *cli_json(const char *const *args, const char *path, int want)
{
  cr_assert_not_null(path);
  fm_cli_result r;
  cr_assert_eq(fm_cli_run(&r, args), 0);
  cr_assert_eq(r.status, want, "exit %d: %s", r.status, r.err);
  json_error_t je;
  json_t *j = json_load_file(path, 0, &je);
  cr_assert_not_null(j, "%s: %s", path, je.text);
  fm_cli_result_free(&r);
  unlink(path);
  return j;
}

Test(api, compare_field_and_samples_equal_the_commands)
{
  enum { N = 200, D = 2 };
  fmcheck_case *c = load("ring8-cond_ot");
  fmcheck_error err;
  double t[N], x[N * D], v[N * D];
  points(t, x, N, D);
  cr_assert_eq(fmcheck_case_field(v, NULL, NULL, NULL, c, t, N, x, N, &err), FM_OK);
  for (size_t i = 0; i < N * D; i++)
    v[i] += 1e-4 * sin((double)i);
  fmcheck_field_cmp f;
  cr_assert_eq(fmcheck_compare_field(&f, c, t, N, x, v, N, 1e-6, &err), FM_OK);
  char *text = csv(t, x, v, N, D), *path = fm_cli_tempfile(text, ".csv");
  char *jpath = fm_cli_tempfile("", ".json");
  json_t *j = cli_json((const char *[]){"compare-field", "--case", "ring8-cond_ot", "--field",
                                        path, "--json", jpath, NULL}, jpath, 1);
  cr_assert_eq(json_real_value(json_object_get(j, "rel_l2")), f.rel_l2);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(j, "worst_row"), "row")),
               (json_int_t)f.worst_row + 1);
  cr_assert(!f.passed && !json_is_true(json_object_get(j, "pass")));
  json_decref(j);
  /* samples: exact draws at t = 0.8 */
  char *spath;
  {
    double s[600 * D];
    cr_assert_eq(fmcheck_case_sample(s, c, 600, 0.8, 5, &err), FM_OK);
    free(text);
    unlink(path);
    free(path);
    size_t cap = 600 * 60, at = 0;
    text = malloc(cap);
    for (size_t i = 0; i < 600; i++)
      at += (size_t)snprintf(text + at, cap - at, "%.17g,%.17g\n", s[i * D], s[i * D + 1]);
    spath = fm_cli_tempfile(text, ".csv");
    fmcheck_samples_cmp r;
    cr_assert_eq(fmcheck_compare_samples(&r, c, s, 600, 0.8, 1e-3, 1, &err), FM_OK, "%s",
                 err.message);
    j = cli_json((const char *[]){"compare-samples", "--case", "ring8-cond_ot", "--samples",
                                  spath, "--t", "0.8", "--json", jpath, NULL}, jpath, 0);
    json_t *tests = json_object_get(j, "tests");
    cr_assert_eq(json_array_size(tests), r.ntests);
    for (size_t i = 0; i < r.ntests; i++) {
      json_t *x1 = json_array_get(tests, i);
      cr_assert_str_eq(json_string_value(json_object_get(x1, "name")), r.test[i].name);
      if (r.test[i].na == NULL)
        cr_assert_eq(json_real_value(json_object_get(x1, "p_holm")), r.test[i].p_holm,
                     "%s", r.test[i].name);
    }
    cr_assert_str_eq(json_string_value(json_object_get(j, "verdict")), "ACCEPT");
    cr_assert(r.passed);
    json_decref(j);
  }
  unlink(spath);
  free(spath);
  free(jpath);
  free(text);
  fmcheck_case_free(c);
}

/* A route of the API's verdict against the same route in the JSON. */
static void route_equal(const fmcheck_check *chk, size_t j, size_t k, json_t *jr)
{
  fmcheck_route rt;
  cr_assert_eq(fmcheck_check_route(&rt, chk, 0, j, k), FM_OK);
  cr_assert_str_eq(json_string_value(json_object_get(jr, "key")), rt.key);
  json_t *val = json_object_get(jr, "value");
  if (isfinite(rt.value))
    cr_assert_eq(json_real_value(val), rt.value, "route %s", rt.key);
  else
    cr_assert(json_is_null(val));
  cr_assert_eq(json_is_true(json_object_get(jr, "decided")), rt.decided != 0);
}

/* Verdict j of row 0 against its JSON object. */
static void verdict_equal(const fmcheck_check *chk, size_t j, json_t *jv)
{
  fmcheck_verdict v;
  cr_assert_eq(fmcheck_check_verdict(&v, chk, 0, j), FM_OK);
  cr_assert_str_eq(json_string_value(json_object_get(jv, "outcome")), v.outcome_key);
  cr_assert_str_eq(json_string_value(json_object_get(jv, "summary")), v.summary);
  json_t *routes = json_object_get(jv, "routes"), *facts = json_object_get(jv, "facts");
  cr_assert_eq(json_array_size(routes), v.nroutes);
  for (size_t k = 0; k < v.nroutes; k++)
    route_equal(chk, j, k, json_array_get(routes, k));
  cr_assert_eq(json_object_size(facts), v.nfacts);
  for (size_t k = 0; k < v.nfacts; k++) {
    fmcheck_fact f;
    cr_assert_eq(fmcheck_check_fact(&f, chk, 0, j, k), FM_OK);
    json_t *x = json_object_get(facts, f.key);
    cr_assert_not_null(x, "fact %s", f.key);
    if (isfinite(f.value))
      cr_assert_eq(json_real_value(x), f.value, "fact %s", f.key);
  }
}

Test(api, check_verdicts_are_the_records_of_check_json, .timeout = 120)
{
  fmcheck_case *c = load("gauss1d-vp");
  fmcheck_error err;
  fmcheck_check *chk;
  const char *ids[] = {"tweedie"};
  cr_assert_eq(fmcheck_check_run(&chk, c, ids, 1, NULL, &err), FM_OK, "%s", err.message);
  char *jpath = fm_cli_tempfile("", ".json");
  json_t *doc = cli_json((const char *[]){"check", "--case", "gauss1d-vp", "--theorem",
                                          "tweedie", "--json", jpath, NULL}, jpath, 0);
  free(jpath);
  json_t *row = json_array_get(json_object_get(doc, "verdicts"), 0);
  cr_assert_eq(fmcheck_check_rows(chk), 1);
  fmcheck_row r;
  cr_assert_eq(fmcheck_check_row(&r, chk, 0), FM_OK);
  cr_assert_eq(json_is_true(json_object_get(row, "ok")), r.ok != 0);
  cr_assert(fmcheck_check_passed(chk));
  verdict_equal(chk, 0, row);
  json_t *ctl = json_object_get(row, "controls");
  cr_assert_eq(json_array_size(ctl), r.controls);
  cr_assert_gt(r.controls, 0);
  for (size_t j = 1; j <= r.controls; j++) {
    fmcheck_verdict v;
    fmcheck_check_verdict(&v, chk, 0, j);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(ctl, j - 1), "mutant")),
                     v.mutant);
    verdict_equal(chk, j, json_array_get(ctl, j - 1));
  }
  fmcheck_verdict v;
  cr_assert_eq(fmcheck_check_verdict(&v, chk, 0, r.controls + 1), FM_EDOM);
  cr_assert_eq(fmcheck_check_verdict(&v, chk, 1, 0), FM_EDOM);
  fmcheck_check_counts k;
  fmcheck_check_tally(&k, chk);
  cr_assert_eq(k.rows, 1);
  cr_assert_eq(k.passed + k.failed + k.undecided + k.na, 1);
  json_decref(doc);
  fmcheck_check_free(chk);
  const char *bad[] = {"tweedy"};
  cr_assert_eq(fmcheck_check_run(&chk, c, bad, 1, NULL, &err), FM_EINVAL);
  cr_assert_null(chk);
  cr_assert_not_null(strstr(err.message, "tweedy: no such theorem"), "%s", err.message);
  fmcheck_case_free(c);
}
