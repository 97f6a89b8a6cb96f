/* test_cli_field.c -- `fmcheck field` prints exactly (bit for bit, through
 * %.17g) what the library computes, with the documented header, and rejects
 * bad point files with exit 2 without writing any output. */
#include <criterion/criterion.h>
#include <math.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "case.h"
#include "fm_test_case.h"
#include "fm_test_cli.h"

Test(cli_field, output_equals_library_values_bit_for_bit)
{
  const char *pts = "t,x0,x1\n0.25,0.5,-1.5\n1e-6,3.0,2.0\n0.999999,1.9,0.1\n0.5,-40,40\n";
  char *path = fm_cli_tempfile(pts, ".csv");
  const char *a[] = {"field", "--case", "ring8-cond_ot", "--points", path, NULL};
  fm_cli_result r;
  cr_assert_eq(fm_cli_run(&r, a), 0);
  cr_assert_eq(r.status, 0, "%s", r.err);
  const char *hdr = "t,x[0],x[1],u[0],u[1],score[0],score[1],logp,mean[0],mean[1]\n";
  cr_assert(strncmp(r.out, hdr, strlen(hdr)) == 0, "header: %.120s", r.out);
  fm_case *c = fm_test_case_load("ring8-cond_ot.json");
  const double rows[4][3] = {{0.25, 0.5, -1.5}, {1e-6, 3.0, 2.0}, {0.999999, 1.9, 0.1},
                             {0.5, -40, 40}};
  char *line = strchr(r.out, '\n') + 1;
  for (int k = 0; k < 4; k++) {
    double v[10], ref[7];
    char *p = line;
    for (int j = 0; j < 10; j++) {
      v[j] = strtod(p, &p);
      p++;
    }
    cr_assert_eq(fm_gmm_marginal(&ref[4], &ref[2], &ref[5], &ref[0], c->gmm, c->sched,
                                 rows[k][0], rows[k] + 1), FM_OK);
    /* columns: t x0 x1 u0 u1 s0 s1 logp m0 m1 */
    const int col[7] = {3, 4, 5, 6, 7, 8, 9};
    for (int j = 0; j < 7; j++)
      cr_assert_eq(v[col[j]], ref[j], "row %d column %d: %.17g vs %.17g", k, col[j],
                   v[col[j]], ref[j]);
    line = strchr(line, '\n') + 1;
  }
  fm_case_free(c);
  fm_cli_result_free(&r);
  remove(path);
  free(path);
}

Test(cli_field, bad_point_files_exit_two_naming_the_line_and_write_nothing)
{
  const struct {
    const char *text, *expect;
  } bad[] = {
      {"0.5,1.0\n", ":1: expected 3 fields"},
      {"0.5,1.0,2.0\n0.5,1.0,abc\n", ":2:9: field 3 is not a number: 'abc'"},
      {"0.5,1.0,2.0,4.0\n", "expected 3 fields"},
      {"1.5,1.0,2.0\n", "outside [0, 1]"},
      {"-0.1,1.0,2.0\n", "outside [0, 1]"},
      {"0.5,nan,2.0\n", "not finite"},
      {"0.5,inf,2.0\n", "not finite"},
      {"# only a comment\n", "no data rows"},
  };
  const char *out = "/tmp/fmcheck-test-field-out.csv";
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    remove(out);
    char *path = fm_cli_tempfile(bad[i].text, ".csv");
    const char *a[] = {"field", "--case", "ring8-cond_ot", "--points", path, "--out", out, NULL};
    fm_cli_result r;
    cr_assert_eq(fm_cli_run(&r, a), 0);
    cr_assert_eq(r.status, 2, "input %zu: status %d", i, r.status);
    cr_assert(strstr(r.err, bad[i].expect) != NULL, "input %zu: message '%s' lacks '%s'", i,
              r.err, bad[i].expect);
    cr_assert_eq(r.out[0], '\0', "input %zu printed to stdout", i);
    struct stat sb;
    cr_assert_neq(stat(out, &sb), 0, "input %zu left an output file", i);
    fm_cli_result_free(&r);
    remove(path);
    free(path);
  }
}

Test(cli_field, missing_options_and_files_exit_two)
{
  const char *a[] = {"field", "--case", "ring8-cond_ot", NULL};
  const char *b[] = {"field", "--case", "ring8-cond_ot", "--points", "/nonexistent.csv", NULL};
  fm_cli_result r;
  cr_assert_eq(fm_cli_run(&r, a), 0);
  cr_assert_eq(r.status, 2);
  fm_cli_result_free(&r);
  cr_assert_eq(fm_cli_run(&r, b), 0);
  cr_assert_eq(r.status, 2);
  cr_assert(strstr(r.err, "/nonexistent.csv") != NULL, "%s", r.err);
  fm_cli_result_free(&r);
}

/* A table schedule is validated when the case loads: a sigma = -5 node used
 * to give plausible-looking numbers (exit 0); now `field` exits 2 naming
 * the table file and line, and prints nothing. */
Test(cli_field, table_schedule_with_negative_sigma_exits_two_naming_file_and_line)
{
  char *table = fm_cli_tempfile("t,alpha,sigma\n0,0,1\n0.25,0.38,0.92\n0.5,0.7,-5\n"
                                "0.75,0.92,0.38\n1,1,0\n", ".csv");
  char json[512];
  snprintf(json, sizeof json,
           "{\"name\": \"tab\", \"data\": {\"type\": \"gmm\", \"dim\": 1, \"components\": "
           "[{\"weight\": 1, \"mean\": [0.5], \"var\": 1}]}, "
           "\"schedule\": {\"type\": \"table\", \"file\": \"%s\"}}", table);
  char *casef = fm_cli_tempfile(json, ".json");
  char *pts = fm_cli_tempfile("0.5,0.25\n", ".csv");
  const char *a[] = {"field", "--case", casef, "--points", pts, NULL};
  fm_cli_result r;
  cr_assert_eq(fm_cli_run(&r, a), 0);
  cr_expect_eq(r.status, 2, "status %d: %s", r.status, r.err);
  char where[256];
  snprintf(where, sizeof where, "%s:4: sigma = -5 at t = 0.5; sigma must be > 0", table);
  cr_expect(strstr(r.err, where) != NULL, "message '%s' lacks '%s'", r.err, where);
  cr_expect_eq(r.out[0], '\0', "printed to stdout: %.200s", r.out);
  fm_cli_result_free(&r);
  remove(pts);
  remove(casef);
  remove(table);
  free(pts);
  free(casef);
  free(table);
}

/* The same points as CSV (commas, tabs, blanks), as .npy written by
 * `field` itself, and on standard input give the same numbers; the .npy
 * output holds exactly the CSV's values. */
Test(cli_field, npy_tabs_blanks_and_stdin_give_the_same_field)
{
  const char *const texts[] = {"t,x0,x1\n0.25,0.5,-1.5\n0.75,2.385,0.1\n",
                               "t\tx0\tx1\n0.25\t0.5\t-1.5\n0.75\t2.385\t0.1\n",
                               "0.25 0.5 -1.5\n  0.75   2.385 0.1\n"};
  char *ref = NULL;
  for (size_t i = 0; i < 3; i++) {
    char *path = fm_cli_tempfile(texts[i], ".csv");
    const char *a[] = {"field", "--case", "ring8-cond_ot", "--points", path, NULL};
    fm_cli_result r;
    cr_assert_eq(fm_cli_run(&r, a), 0);
    cr_assert_eq(r.status, 0, "text %zu: %s", i, r.err);
    if (ref == NULL)
      ref = strdup(r.out);
    else
      cr_expect_str_eq(r.out, ref, "text %zu", i);
    fm_cli_result_free(&r);
    remove(path);
    free(path);
  }
  /* standard input: this test process's own stdin (Criterion runs each
   * test in its own process) redirected from the file */
  char *in = fm_cli_tempfile(texts[2], ".csv");
  int saved = dup(0), fd = open(in, O_RDONLY);
  cr_assert(saved >= 0 && fd >= 0);
  dup2(fd, 0);
  close(fd);
  const char *s[] = {"field", "--case", "ring8-cond_ot", "--points", "-", NULL};
  fm_cli_result rs;
  cr_assert_eq(fm_cli_run(&rs, s), 0);
  dup2(saved, 0);
  close(saved);
  cr_expect_eq(rs.status, 0, "%s", rs.err);
  cr_expect_str_eq(rs.out, ref, "from stdin");
  fm_cli_result_free(&rs);
  remove(in);
  free(in);
  /* .npy output, read back by compare-field */
  char *pts = fm_cli_tempfile(texts[0], ".csv");
  char npy[256];
  snprintf(npy, sizeof npy, "%s.out.npy", pts);
  const char *b[] = {"field", "--case", "gauss1d-cond_ot", "--points", pts, "--out", npy, NULL};
  fm_cli_result r;
  /* a 1-d case does not read the first columns of a 3-column file */
  cr_assert_eq(fm_cli_run(&r, b), 0);
  cr_expect_eq(r.status, 2, "3 columns for a 1-d case: %s", r.err);
  cr_expect(strstr(r.err, ":2: expected 2 fields, got 3") != NULL, "%s", r.err);
  fm_cli_result_free(&r);
  b[2] = "ring8-cond_ot";
  cr_assert_eq(fm_cli_run(&r, b), 0);
  cr_assert_eq(r.status, 0, "%s", r.err);
  fm_cli_result_free(&r);
  /* field's .npy has 10 columns; compare-field wants 5 = t, x, v: the
   * message names the shape */
  const char *c[] = {"compare-field", "--case", "ring8-cond_ot", "--field", npy, NULL};
  cr_assert_eq(fm_cli_run(&r, c), 0);
  cr_expect_eq(r.status, 2);
  cr_expect(strstr(r.err, "shape has 10 columns, expected 5") != NULL, "%s", r.err);
  fm_cli_result_free(&r);
  remove(npy);
  remove(pts);
  free(pts);
  free(ref);
}

/* --nan-rows: a singular row (t = 1 of vp) becomes NaN with its reason;
 * without it the whole run fails naming file:line. */
Test(cli_field, nan_rows_write_the_singular_row_with_a_reason)
{
  char *path = fm_cli_tempfile("t,x\n0.5,0.25\n1,0.25\n", ".csv");
  const char *a[] = {"field", "--case", "gauss1d-vp", "--points", path, NULL};
  fm_cli_result r;
  cr_assert_eq(fm_cli_run(&r, a), 0);
  cr_expect_eq(r.status, 2);
  cr_expect(strstr(r.err, ".csv:3 (t = 1): singular point") != NULL, "%s", r.err);
  cr_expect_eq(r.out[0], '\0');
  fm_cli_result_free(&r);
  const char *b[] = {"field", "--case", "gauss1d-vp", "--points", path, "--nan-rows", NULL};
  cr_assert_eq(fm_cli_run(&r, b), 0);
  cr_expect_eq(r.status, 0, "%s", r.err);
  cr_expect(strstr(r.out, ",logp,mean[0],reason\n0.5,0.25,") != NULL, "%s", r.out);
  cr_expect(strstr(r.out, "\n1,0.25,nan,nan,nan,nan,singular point") != NULL, "%s", r.out);
  fm_cli_result_free(&r);
  remove(path);
  free(path);
}
