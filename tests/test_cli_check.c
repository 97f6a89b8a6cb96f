/* test_cli_check.c -- `fmcheck check` and the top-level command line keep
 * their contract (README.md): exit codes 0/1/2, --help, --list, --json. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <sys/stat.h>

#include "fm_test_cli.h"
#include "theorem.h"

static fm_cli_result run(const char *const *args)
{
  fm_cli_result r;
  cr_assert_eq(fm_cli_run(&r, args), 0, "could not run $FMCHECK");
  return r;
}

Test(cli_check, help_exits_zero_and_names_every_command)
{
  const char *a[] = {"--help", NULL};
  fm_cli_result r = run(a);
  cr_assert_eq(r.status, 0);
  cr_assert(strstr(r.out, "check") && strstr(r.out, "field"), "%s", r.out);
  fm_cli_result_free(&r);
  const char *b[] = {"check", "--help", NULL};
  r = run(b);
  cr_assert_eq(r.status, 0);
  cr_assert(strstr(r.out, "--theorem") && strstr(r.out, "--json"), "%s", r.out);
  fm_cli_result_free(&r);
}

Test(cli_check, usage_errors_exit_two_with_a_message)
{
  const char *cases[][4] = {
      {"frobnicate", NULL, NULL, NULL},
      {"check", "--theorem", "no-such-theorem", NULL},
      {"check", "--seed", "abc", NULL},
      {"check", "--seed", NULL, NULL},
      {"check", "--points", "-3", NULL},
      {"check", "--case", "no-such-case-or-file", NULL},
      {"check", "--bogus", NULL, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fm_cli_result r = run(cases[i]);
    cr_assert_eq(r.status, 2, "%s %s: status %d", cases[i][0], cases[i][1] ? cases[i][1] : "",
                 r.status);
    cr_assert(strstr(r.err, "fmcheck: ") != NULL, "no message: %s", r.err);
    fm_cli_result_free(&r);
  }
}

Test(cli_check, list_shows_every_registered_theorem)
{
  const char *a[] = {"check", "--list", NULL};
  fm_cli_result r = run(a);
  cr_assert_eq(r.status, 0);
  for (size_t i = 0; fm_theorems[i] != NULL; i++)
    cr_assert(strstr(r.out, fm_theorems[i]->id) != NULL, "%s not listed", fm_theorems[i]->id);
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    cr_assert(strstr(r.out, fm_case_builtin_file(i)) != NULL);
  fm_cli_result_free(&r);
}

Test(cli_check, json_output_records_verdicts_and_rejected_controls)
{
  const char *path = "/tmp/fmcheck-test-check.json";
  remove(path);
  const char *a[] = {"check", "--case", "gauss1d-cond_ot", "--theorem", "cond-field",
                     "--json", path, "--points", "16", NULL};
  fm_cli_result r = run(a);
  cr_assert_eq(r.status, 0, "status %d\n%s%s", r.status, r.out, r.err);
  json_error_t je;
  json_t *doc = json_load_file(path, 0, &je);
  cr_assert_not_null(doc, "JSON does not parse: %s", je.text);
  cr_assert_eq(json_integer_value(json_object_get(doc, "rows")), 1);
  cr_assert_eq(json_integer_value(json_object_get(doc, "failed")), 0);
  json_t *v = json_array_get(json_object_get(doc, "verdicts"), 0);
  cr_assert_str_eq(json_string_value(json_object_get(v, "theorem")), "cond-field");
  cr_assert(json_is_true(json_object_get(v, "ok")));
  json_t *ctl = json_object_get(v, "controls");
  cr_assert_gt(json_array_size(ctl), 0);
  size_t i;
  json_t *c;
  json_array_foreach(ctl, i, c)
  {
    const char *o = json_string_value(json_object_get(c, "outcome"));
    cr_assert(strcmp(o, "fail") == 0 || strcmp(o, "n/a") == 0, "control %zu: %s", i, o);
  }
  json_decref(doc);
  remove(path);
  fm_cli_result_free(&r);
}

Test(cli_check, unwritable_json_path_exits_two_and_leaves_no_file)
{
  const char *a[] = {"check", "--case", "gauss1d-cond_ot", "--theorem", "cond-field",
                     "--json", "/nonexistent-dir/out.json", "--points", "8", NULL};
  fm_cli_result r = run(a);
  cr_assert_eq(r.status, 2, "status %d", r.status);
  cr_assert(strstr(r.err, "/nonexistent-dir/out.json") != NULL, "%s", r.err);
  struct stat sb;
  cr_assert_neq(stat("/nonexistent-dir/out.json", &sb), 0);
  fm_cli_result_free(&r);
}

/* The vp schedule breaks the noise end by alpha_0 = 0.0066: the schedule row
 * on gauss1d-vp WARNs, on gauss1d-cond_ot it PASSes.  The summary counts the
 * WARN as passed with a warning, and prints every count, zeros too. */
Test(cli_check, summary_counts_a_warn_row_as_passed_with_warnings)
{
  const char *a[] = {"check", "--case", "gauss1d-vp", "--case", "gauss1d-cond_ot",
                     "--theorem", "schedule", NULL};
  fm_cli_result r = run(a);
  cr_assert_eq(r.status, 0, "status %d\n%s%s", r.status, r.out, r.err);
  cr_expect(strstr(r.out, "gauss1d-vp               WARN") != NULL, "%s", r.out);
  cr_expect(strstr(r.out, "\n2 rows: 2 passed (1 with warnings), 0 failed, 0 undecided, "
                          "0 n/a\n") != NULL, "%s", r.out);
  fm_cli_result_free(&r);
}

/* --strict only adds UNDECIDED rows to the failures: with none, the exit
 * status is still 0; --help documents it. */
Test(cli_check, strict_is_accepted_and_documented)
{
  const char *a[] = {"check", "--strict", "--case", "gauss1d-vp", "--theorem", "schedule",
                     NULL};
  fm_cli_result r = run(a);
  cr_assert_eq(r.status, 0, "status %d\n%s%s", r.status, r.out, r.err);
  cr_expect(strstr(r.out, "1 rows: 1 passed (1 with warnings), 0 failed, 0 undecided, 0 n/a")
            != NULL, "%s", r.out);
  fm_cli_result_free(&r);
  const char *b[] = {"check", "--help", NULL};
  r = run(b);
  cr_expect(strstr(r.out, "--strict") != NULL, "%s", r.out);
  fm_cli_result_free(&r);
}
