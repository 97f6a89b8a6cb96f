/* test_validate.c -- `fmcheck validate-schedule` end to end (suite cli).
 *
 * Good schedules -- the built-ins with several parameters, expression forms
 * of cosine and CondOT with correct claimed derivatives and conditional
 * fields, a table sampled from cosine, a case file adding its own data --
 * must be ADOPTed: exit 0, final line "ADOPT", no reason, items 1-4 not
 * failed.  Bad schedules must be REJECTed for the right reason: exit 1, the
 * final line "REJECT: ..." and a reason *of the expected item* containing
 * the expected words (a schedule rejected for some other defect, or only
 * through a downstream theorem, fails the test).  Inputs that are not a
 * schedule exit 2 with a message naming the file.  One test runs item 5
 * (training, quick) and the --out report.
 *
 * Budget: each run uses --quick --no-train (16 points, item 2 without
 * fm-cfm-grad and sde-marginals, items 2-4 skipped once item 1 rejects):
 * ~1.4 s per good schedule, ~0.4 s per bad one.  The verdicts are
 * decisions of the theorems, whose tolerances are derived in their own
 * files; nothing here is tuned. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fm_test_validate.h"


/* A CSV table t, alpha, sigma at 129 points t_i = i/128. bump: alpha gets
 * 0.08 exp(-((t - 1/2)/0.02)^2 / 2) 4 t (1 - t) on top of CondOT's alpha = t
 * (sigma = 1 - t); otherwise cosine with sigma = sin(pi (1 - t)/2) (0 at 1). */
static void fm_test_table(fm_vdir *t, const char *name, int bump)
{
  static char text[129 * 80 + 32];
  size_t len = (size_t)snprintf(text, sizeof text, "t,alpha,sigma\n");
  for (int i = 0; i <= 128; i++) {
    double s = i / 128.0, a, g;
    if (bump) {
      a = s + 0.08 * exp(-0.5 * pow((s - 0.5) / 0.02, 2)) * 4.0 * s * (1.0 - s);
      g = 1.0 - s;
    } else {
      a = sin(M_PI * s / 2.0);
      g = sin(M_PI * (1.0 - s) / 2.0);
    }
    len += (size_t)snprintf(text + len, sizeof text - len, "%.17g,%.17g,%.17g\n", s, a, g);
  }
  fm_vdir_file(t, name, text);
}

/* --- good schedules: ADOPT --- */

Test(validate_adopt, cond_ot_without_smoothing) { fm_test_adopt("{\"type\": \"cond_ot\"}", NULL); }

Test(validate_adopt, cond_ot_sigma_min_1e_3)
{
  fm_test_adopt("{\"type\": \"cond_ot\", \"sigma_min\": 1e-3}", NULL);
}

/* VP's alpha_0 = exp(-T(1)/2) = 6.6e-3 breaks the noise end below the
 * threshold: a warning, not a reason (cases/README.md). */
Test(validate_adopt, vp_default_with_a_warned_noise_break)
{
  fm_vdir t;
  fm_vdir_make(&t);
  char last[256];
  json_t *root = fm_test_validate(&t, "{\"type\": \"vp\"}", 0, last, sizeof last);
  cr_expect_str_eq(last, "ADOPT");
  json_t *w = json_object_get(root, "warnings");
  int found = 0;
  for (size_t i = 0; i < json_array_size(w); i++)
    found |= strstr(json_string_value(json_object_get(json_array_get(w, i), "text")),
                    "noise-end break alpha_0 = 0.00657") != NULL;
  cr_expect(found, "no warning about VP's noise-end break");
  json_decref(root);
  fm_vdir_clean(&t);
}

Test(validate_adopt, vp_beta_min_0_05_beta_max_30)
{
  fm_test_adopt("{\"type\": \"vp\", \"beta_min\": 0.05, \"beta_max\": 30}", NULL);
}

Test(validate_adopt, cosine) { fm_test_adopt("{\"type\": \"cosine\"}", NULL); }

/* alpha'' ~ t^(-1/2) at 0: RK4 loses its order (a warning), still admissible. */
Test(validate_adopt, polynomial_n_1_5)
{
  fm_test_adopt("{\"type\": \"polynomial\", \"n\": 1.5}", NULL);
}

Test(validate_adopt, polynomial_n_3) { fm_test_adopt("{\"type\": \"polynomial\", \"n\": 3}", NULL); }

Test(validate_adopt, linear_vp) { fm_test_adopt("{\"type\": \"linear_vp\"}", NULL); }

/* sigma written as sin(pi (1-t)/2), exactly 0 at t = 1. */
Test(validate_adopt, expr_cosine_with_claims_and_cond_field)
{
  fm_test_adopt("{\"type\": \"expr\", \"name\": \"cosine by hand\", "
                "\"alpha\": \"sin(pi*t/2)\", \"sigma\": \"sin(pi*(1-t)/2)\", "
                "\"alpha_dot\": \"pi/2*cos(pi*t/2)\", \"sigma_dot\": \"-pi/2*cos(pi*(1-t)/2)\", "
                "\"cond_field\": \"(-pi/2*cos(pi*(1-t)/2)/sin(pi*(1-t)/2))*(x - sin(pi*t/2)*x1)"
                " + pi/2*cos(pi*t/2)*x1\"}",
                NULL);
}

/* The same cosine written sigma = cos(pi t/2): 6.1e-17, not 0, at t = 1 in
 * double, so its SNR range ends at 1.6e16 -- beyond the double resolution
 * of CondOT's end (1 - 2^-53 has SNR 9e15).  The transform must map it,
 * not fail (cases/transform.c, test_transform's range_end test). */
Test(validate_adopt, expr_cosine_written_with_cos_leaving_6e_17_at_t_1)
{
  fm_test_adopt("{\"type\": \"expr\", \"alpha\": \"sin(pi*t/2)\", \"sigma\": \"cos(pi*t/2)\", "
                "\"alpha_dot\": \"pi/2*cos(pi*t/2)\", \"sigma_dot\": \"-pi/2*sin(pi*t/2)\"}",
                NULL);
}

Test(validate_adopt, expr_cond_ot_with_claims_and_cond_field)
{
  fm_test_adopt("{\"type\": \"expr\", \"alpha\": \"t\", \"sigma\": \"1 - t\", "
                "\"alpha_dot\": \"1\", \"sigma_dot\": \"-1\", \"cond_field\": \"(x1 - x)/(1 - t)\"}",
                NULL);
}

static void fm_test_cos_table(fm_vdir *t)
{
  fm_test_table(t, "cos129.csv", 0);
}

Test(validate_adopt, table_sampled_from_cosine_129_points)
{
  fm_test_adopt("{\"type\": \"table\", \"file\": \"cos129.csv\"}", fm_test_cos_table);
}

/* A whole case file: its data joins the standard cases. */
Test(validate_adopt, case_file_adds_its_data)
{
  fm_vdir t;
  fm_vdir_make(&t);
  char last[256];
  json_t *root = fm_test_validate(
      &t,
      "{\"name\": \"twomodes2d\", \"seed\": 7, \"data\": {\"type\": \"gmm\", \"dim\": 2, "
      "\"components\": [{\"weight\": 0.4, \"mean\": [1.5, -0.5], \"var\": 0.09}, "
      "{\"weight\": 0.6, \"mean\": [-1.0, 1.0], \"diag\": [0.2, 0.05]}]}, "
      "\"schedule\": {\"type\": \"cosine\"}}",
      0, last, sizeof last);
  cr_expect_str_eq(last, "ADOPT");
  json_t *cases = json_object_get(root, "cases");
  cr_expect_eq(json_array_size(cases), 5u, "standard cases + the file's own");
  cr_expect_str_eq(json_string_value(json_array_get(cases, 4)), "twomodes2d");
  json_decref(root);
  fm_vdir_clean(&t);
}

/* --- bad schedules: REJECT, each for its reason --- */

Test(validate_reject, wrong_claimed_alpha_dot)
{
  fm_test_reject("{\"type\": \"expr\", \"alpha\": \"sin(pi*t/2)\", \"sigma\": "
                 "\"sin(pi*(1-t)/2)\", \"alpha_dot\": \"pi/2*cos(pi*t/2)*1.01\"}",
                 1, "claimed alpha' differs from the symbolic derivative", NULL);
}

Test(validate_reject, wrong_claimed_sigma_dot)
{
  fm_test_reject("{\"type\": \"expr\", \"alpha\": \"t\", \"sigma\": \"1 - t\", "
                 "\"sigma_dot\": \"-1 + 0.1*t\"}",
                 1, "claimed sigma' differs from the symbolic derivative", NULL);
}

Test(validate_reject, data_end_break_alpha_1_0_9)
{
  fm_test_reject("{\"type\": \"expr\", \"alpha\": \"0.9*t\", \"sigma\": \"1 - t\"}", 1,
                 "data-end break alpha_1 = 0.9", NULL);
}

/* |alpha_0| = 0.3 > 1e-2: rejected by the threshold, its KL cost (>= 0.05
 * nats for every standard case, moment matching) quoted for information. */
Test(validate_reject, noise_end_break_alpha_0_0_3_beyond_the_threshold_with_its_cost)
{
  fm_test_reject("{\"type\": \"expr\", \"alpha\": \"0.3 + 0.7*t\", \"sigma\": \"1 - t\"}", 1,
                 "noise-end break alpha_0 = 0.3, sigma_0 - 1 = 0 beyond the thresholds "
                 "|alpha_0| <= 1e-2, |sigma_0 - 1| <= 1e-3 (costs KL <=", NULL);
}

/* VP with beta_max = 10: alpha_0 = exp(-(0.1 + 9.9/2)/2) = 0.080, a break
 * above both thresholds (cases/README.md: |alpha_0| <= 1e-2). */
Test(validate_reject, vp_beta_max_10_noise_break_above_threshold)
{
  fm_test_reject("{\"type\": \"vp\", \"beta_max\": 10}", 1,
                 "noise-end break alpha_0 = 0.0801", NULL);
}

/* alpha = t + 0.5 sin(2 pi t): alpha_0 = 0, alpha_1 = 1, sigma > 0, smooth;
 * alpha' = 1 - pi < 0 at t = 1/2 makes alpha/sigma fall there. */
Test(validate_reject, non_monotone_snr)
{
  fm_test_reject("{\"type\": \"expr\", \"alpha\": \"t + 0.5*sin(2*pi*t)\", \"sigma\": \"1 - t\"}",
                 1, "SNR alpha/sigma not increasing near t = 0.5", NULL);
}

Test(validate_reject, sigma_negative_inside)
{
  fm_test_reject("{\"type\": \"expr\", \"alpha\": \"t\", "
                 "\"sigma\": \"(1 - t)*(1 - 1.2*exp(-((t - 0.5)/0.05)^2))\"}",
                 1, "sigma <= 0 inside [0,1)", NULL);
}

/* The CondOT field with its sign flipped. */
Test(validate_reject, cond_field_with_flipped_sign)
{
  fm_test_reject("{\"type\": \"expr\", \"alpha\": \"t\", \"sigma\": \"1 - t\", "
                 "\"cond_field\": \"(x - x1)/(1 - t)\"}",
                 1, "cond-field: user cond_field does not generate the path", NULL);
}

Test(validate_reject, sigma_min_0_5_above_0_1)
{
  fm_test_reject("{\"type\": \"cond_ot\", \"sigma_min\": 0.5}", 1,
                 "sigma_1 = sigma_min = 0.5 > 0.1", NULL);
}

static void fm_test_bump_table(fm_vdir *t)
{
  fm_test_table(t, "bump129.csv", 1);
}

Test(validate_reject, table_with_a_bump)
{
  fm_test_reject("{\"type\": \"table\", \"file\": \"bump129.csv\"}", 1,
                 "SNR alpha/sigma not increasing near t = 0.5", fm_test_bump_table);
}

/* sigma with a kink at t = 1/2: libmatheval's derivative of |u| is sign(u)
 * u', so the symbolic sigma' jumps there and central differences straddling
 * the kink disagree with it. */
Test(validate_reject, expr_with_a_kink_at_one_half)
{
  fm_test_reject("{\"type\": \"expr\", \"alpha\": \"t\", "
                 "\"sigma\": \"1 - t + 0.8*(abs(t - 0.5) - 0.5)*t*(1 - t)\"}",
                 1, "symbolic derivatives inconsistent with the values near t = 0.5", NULL);
}

/* alpha = 1: the noise end is N(x1, sigma_0^2 I), not N(0, I). */
Test(validate_reject, ve_like_expression)
{
  fm_test_reject("{\"type\": \"expr\", \"alpha\": \"1\", \"sigma\": \"0.01*5000^(1 - t)\"}", 1,
                 "variance-exploding path", NULL);
}

/* Theorem `schedule` only warns for the built-in VE (judged against its own
 * prior); as a path in the N(0, I) convention it is refused. */
Test(validate_reject, builtin_ve_outside_the_convention)
{
  fm_test_reject("{\"type\": \"ve\"}", 1, "variance-exploding path", NULL);
}

/* --- bad input: exit 2 --- */

static void fm_test_bad_input(const char *text, const char *words)
{
  fm_vdir t;
  fm_vdir_make(&t);
  const char *f = fm_vdir_file(&t, "bad.json", text);
  const char *args[] = {"validate-schedule", "--schedule", f, "--quick", "--no-train", NULL};
  fm_cli_result r;
  cr_assert_eq(fm_cli_run(&r, args), 0);
  cr_expect_eq(r.status, 2, "%s: exit %d, stderr %s", text, r.status, r.err);
  cr_expect_not_null(strstr(r.err, words), "%s: stderr lacks '%s': %s", text, words, r.err);
  cr_expect_not_null(strstr(r.err, "bad.json"), "message does not name the file: %s", r.err);
  fm_cli_result_free(&r);
  fm_vdir_clean(&t);
}

Test(validate_input, neither_type_nor_schedule)
{
  fm_test_bad_input("{\"alpha\": \"t\"}", "neither");
}

Test(validate_input, malformed_json) { fm_test_bad_input("{\"type\": \"cosine\",", "bad.json:"); }

Test(validate_input, unparsable_expression)
{
  fm_test_bad_input("{\"type\": \"expr\", \"alpha\": \"t +* 2\", \"sigma\": \"1 - t\"}", "alpha");
}

Test(validate_input, missing_table_file)
{
  fm_test_bad_input("{\"type\": \"table\", \"file\": \"nowhere.csv\"}", "nowhere.csv");
}

Test(validate_input, usage_errors)
{
  const char *a1[] = {"validate-schedule", NULL};
  const char *a2[] = {"validate-schedule", "--schedule", "/nonexistent/s.json", NULL};
  const char *a3[] = {"validate-schedule", "--schedule", "x.json", "--bogus", NULL};
  const char *const *cases[] = {a1, a2, a3};
  for (size_t i = 0; i < 3; i++) {
    fm_cli_result r;
    cr_assert_eq(fm_cli_run(&r, cases[i]), 0);
    cr_expect_eq(r.status, 2, "case %zu: exit %d, stderr %s", i, r.status, r.err);
    fm_cli_result_free(&r);
  }
  const char *h[] = {"validate-schedule", "--help", NULL};
  fm_cli_result r;
  cr_assert_eq(fm_cli_run(&r, h), 0);
  cr_expect_eq(r.status, 0);
  cr_expect_not_null(strstr(r.out, "--schedule F"));
  fm_cli_result_free(&r);
}

/* --- item 5 and the written report --- */

/* No Criterion timeout of its own: meson's (300 s, x20 in the valgrind
 * setup) bounds it, and Criterion's would not scale with valgrind's ~30x
 * slowdown of training. */
Test(validate_train, quick_training_and_report_files)
{
  fm_vdir t;
  fm_vdir_make(&t);
  const char *f = fm_vdir_file(&t, "s.json", "{\"type\": \"cosine\"}");
  /* registered in removal order: the files before their directory */
  const char *md = fm_vdir_file(&t, "out/report.md", NULL);
  const char *js = fm_vdir_file(&t, "out/validate.json", NULL);
  const char *out = fm_vdir_file(&t, "out", NULL);
  const char *args[] = {"validate-schedule", "--schedule", f, "--quick", "--out", out, NULL};
  fm_cli_result r;
  cr_assert_eq(fm_cli_run(&r, args), 0);
  cr_expect_eq(r.status, 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
  cr_expect_not_null(strstr(r.out, "5. training at equal budget"), "%s", r.out);
  fm_cli_result_free(&r);
  struct stat sb;
  cr_expect_eq(stat(md, &sb), 0, "%s missing", md);
  json_error_t je;
  json_t *root = json_load_file(js, 0, &je);
  cr_assert_not_null(root, "%s: %s", js, je.text);
  json_t *rows = json_object_get(json_object_get(root, "training"), "rows");
  cr_expect_eq(json_array_size(rows), 6u, "bimodal1d and ring8 x (new, cond_ot, transformed)");
  for (size_t i = 0; i < json_array_size(rows); i++) {
    json_t *row = json_array_get(rows, i);
    const char *model = json_string_value(json_object_get(row, "model"));
    cr_expect_str_eq(json_string_value(json_object_get(row, "status")), "success", "%s",
                     model);
    int transformed = json_is_true(json_object_get(row, "transformed"));
    double fe = json_number_value(json_object_get(row, "field_err"));
    double p = json_number_value(json_object_get(row, "p_min_holm"));
    double nfe = json_number_value(json_object_get(row, "nfe_at_rtol"));
    /* a network's field error is positive and finite; a p-value in [0, 1];
     * rk8pd takes at least one step of 13 stages */
    if (!transformed)
      cr_expect(fe > 0.0 && isfinite(fe), "%s: field error %g", model, fe);
    cr_expect(p >= 0.0 && p <= 1.0, "%s: p %g", model, p);
    cr_expect(nfe >= 13.0, "%s: NFE %g", model, nfe);
  }
  cr_expect_str_eq(json_string_value(json_object_get(root, "verdict")), "ADOPT");
  json_decref(root);
  fm_vdir_clean(&t);
}
