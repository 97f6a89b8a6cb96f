/* test_case_parse.c -- the case-file parser (cases/case.c, cases/README.md):
 * every built-in case loads (from any directory) and holds the data its
 * description promises; a hand-written case round-trips its numbers
 * exactly; defaults and weight normalisation behave as documented; and
 * every entry of the malformed-input table (bad_inputs.h) is rejected with
 * the right status and a message that names the file and the JSON path
 * (or line:column) of the fault.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bad_inputs.h"
#include "case.h"
#include "cond.h"
#include "fm_test_case.h"
#include "fm_test_gmm.h"

/* ------------------------------------------------------------- helpers */

static fm_case *fm_load_ok(const char *json)
{
  fm_case *c = NULL;
  fm_errmsg e = {""};
  int st = fm_case_load_string(&c, json, "good.json", NULL, &e);
  cr_assert_eq(st, FM_OK, "valid case rejected (status %d): %s", st, e.msg);
  return c;
}

static void fm_write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f, "cannot create %s", path);
  fputs(text, f);
  fclose(f);
}

/* --------------------------------------------------------- built-in cases */

Test(case_parse, every_builtin_loads_from_any_directory)
{
  /* Criterion runs each test in its own process: the chdir stays here. */
  cr_assert_eq(chdir("/"), 0);
  size_t n = fm_case_builtin_count();
  cr_assert_eq(n, 19, "expected the 18 built-in cases of the brief and ring8-table, found %zu",
               n);
  for (size_t i = 0; i < n; i++) {
    fm_case *c = NULL;
    fm_errmsg e = {""};
    const char *file = fm_case_builtin_file(i);
    int st = fm_case_builtin_load(&c, i, &e);
    cr_assert_eq(st, FM_OK, "built-in %s rejected: %s", file, e.msg);
    size_t stem = strlen(file) - strlen(".json");
    cr_expect(strncmp(c->name, file, stem) == 0 && c->name[stem] == '\0',
              "case name '%s' does not match file %s", c->name, file);
    cr_expect(c->description != NULL && strlen(c->description) > 20, "%s: no description", file);
    cr_expect(c->provenance != NULL && strstr(c->provenance, "constructed") != NULL,
              "%s: provenance must say how it was constructed", file);
    cr_expect_eq(c->renormalised, 0, "%s: weights had to be renormalised: %s", file, c->warning);
    cr_expect_str_eq(c->warning, "", "%s", file);
    char origin[128];
    snprintf(origin, sizeof origin, "builtin:%s", file);
    cr_expect_str_eq(c->origin, origin);
    /* The schedule is the one the file name promises. */
    const char *dash = strchr(file, '-');
    cr_assert_not_null(dash, "%s is not <data>-<schedule>.json", file);
    const char *type = fm_schedule_type_name(c->sched);
    cr_expect(strncmp(dash + 1, type, strlen(type)) == 0 && dash[1 + strlen(type)] == '.',
              "%s has schedule type %s", file, type);
    cr_expect_not_null(fm_case_builtin_json(i));
    fm_case_free(c);
  }
  fm_errmsg e = {""};
  fm_case *c = NULL;
  cr_expect_null(fm_case_builtin_file(n));
  cr_expect_null(fm_case_builtin_json(n));
  cr_expect_eq(fm_case_builtin_load(&c, n, &e), FM_EDOM, "out-of-range index accepted");
  cr_expect_null(c);
}

/* The numbers in the files are the ones the descriptions state (exact
 * decimal -> double round trips, so == is the right comparison). */
Test(case_parse, builtin_1d_cases_hold_the_stated_data)
{
  fm_case *g = fm_test_case_load("gauss1d-vp.json");
  cr_expect(g->gmm->d == 1 && g->gmm->K == 1);
  cr_expect_eq(g->gmm->mean[0], 0.7);
  cr_expect_eq(g->gmm->cov[0], 0.09);
  fm_case_free(g);
  fm_case *b = fm_test_case_load("bimodal1d-cond_ot.json");
  cr_assert(b->gmm->d == 1 && b->gmm->K == 2);
  cr_expect(b->gmm->w[0] == 0.3 && b->gmm->w[1] == 0.7, "weights %g %g", b->gmm->w[0],
            b->gmm->w[1]);
  cr_expect(b->gmm->mean[0] == -1.5 && b->gmm->mean[1] == 2.0);
  cr_expect(b->gmm->cov[0] == 0.04 && b->gmm->cov[1] == 0.25);
  double smin;
  cr_expect_eq(fm_schedule_param(&smin, b->sched, "sigma_min"), FM_OK);
  cr_expect_eq(smin, 1e-3);
  fm_case_free(b);
  fm_case *p = fm_test_case_load("gauss1d-polynomial.json");
  double n;
  cr_expect(fm_schedule_param(&n, p->sched, "n") == FM_OK && n == 2.0);
  fm_case_free(p);
}

/* ring8: the three covariance forms must all give exactly 0.01 I, and the
 * means lie on the circle of radius 2 (to the rounding of sqrt(2): the
 * squared radius 2 (sqrt2)^2 is within 4 ulp of 4). */
Test(case_parse, ring8_components_are_equal_isotropic_gaussians_on_the_circle)
{
  fm_case *c = fm_test_case_load("ring8-cond_ot.json");
  const fm_gmm *g = c->gmm;
  cr_assert(g->d == 2 && g->K == 8);
  for (size_t k = 0; k < 8; k++) {
    const double *S = g->cov + 4 * k, *m = g->mean + 2 * k;
    cr_expect(S[0] == 0.01 && S[1] == 0.0 && S[2] == 0.0 && S[3] == 0.01,
              "component %zu covariance [[%g, %g], [%g, %g]]", k, S[0], S[1], S[2], S[3]);
    double r2 = m[0] * m[0] + m[1] * m[1];
    cr_expect_leq(fabs(r2 - 4.0), 4 * 4.0 * DBL_EPSILON, "component %zu: |m|^2 = %.17g", k, r2);
    cr_expect_eq(g->w[k], 0.125);
  }
  double smin;
  cr_expect(fm_schedule_param(&smin, c->sched, "sigma_min") == FM_OK && smin == 1e-4);
  fm_case_free(c);
}

/* aniso3d promises condition number 100 per component; rounding the
 * entries to 17 digits perturbs eigenvalues by ~1e-16 |S| against a
 * smallest eigenvalue >= 0.005, so 100 must hold to 1e-9 relative. */
Test(case_parse, aniso3d_and_mix16d_covariances_have_the_stated_conditioning)
{
  fm_case *a = fm_test_case_load("aniso3d-vp.json");
  cr_assert(a->gmm->d == 3 && a->gmm->K == 3);
  for (size_t k = 0; k < 3; k++) {
    double kappa = fm_test_cond_spd(a->gmm->cov + 9 * k, 3);
    cr_expect_leq(fabs(kappa - 100.0), 1e-7, "aniso3d component %zu: condition %.12g", k,
                  kappa);
    cr_expect_neq(a->gmm->cov[9 * k + 1], 0.0, "component %zu is not correlated", k);
  }
  cr_expect(a->gmm->w[0] == 0.5 && a->gmm->w[1] == 0.3 && a->gmm->w[2] == 0.2);
  fm_case_free(a);
  /* mix16d: AR(1) with rho = 0.8 (condition 60.0 by Jacobi in the
   * provenance), equicorrelation 0.5 (condition 1 + 16 * 0.5/0.5 = 17). */
  fm_case *m = fm_test_case_load("mix16d-cond_ot.json");
  cr_assert(m->gmm->d == 16 && m->gmm->K == 4);
  double k1 = fm_test_cond_spd(m->gmm->cov + 256, 16);
  double k2 = fm_test_cond_spd(m->gmm->cov + 512, 16);
  cr_expect_leq(fabs(k1 - 59.975216280208), 1e-9, "AR(1) condition %.15g", k1);
  cr_expect_leq(fabs(k2 - 17.0), 1e-12, "equicorrelated condition %.15g", k2);
  fm_case_free(m);
}

/* The expr built-in claims alpha_dot, sigma_dot and a conditional field;
 * they must agree with the symbolic derivatives and with fm_cond_field.
 * Both sides are short double expressions of the same quantities: each
 * has a rounding error below 32 eps times the sum of the magnitudes of its
 * terms, so the difference is bounded by 64 eps * scale. */
Test(case_parse, bimodal1d_expr_claims_agree_with_the_path)
{
  fm_case *c = fm_test_case_load("bimodal1d-expr.json");
  const double x = 0.8125, x1 = -1.375;
  for (int i = 0; i <= 20; i++) {
    double t = i / 20.0, da, ds, u_user, u_ref;
    fm_sched_val v;
    cr_assert_eq(fm_schedule_eval(&v, c->sched, t), FM_OK, "t = %g", t);
    cr_assert_eq(fm_schedule_claimed_deriv(&da, &ds, c->sched, t), FM_OK);
    cr_expect_leq(fabs(da - v.dalpha), 64 * DBL_EPSILON * 2.0, "t=%g alpha_dot %.17g vs %.17g",
                  t, da, v.dalpha);
    cr_expect_leq(fabs(ds - v.dsigma), 64 * DBL_EPSILON * 2.0, "t=%g sigma_dot %.17g vs %.17g",
                  t, ds, v.dsigma);
    cr_assert_eq(fm_schedule_user_cond_field(&u_user, c->sched, t, x, x1), FM_OK);
    fm_cond_field(&u_ref, &v, &x, &x1, 1);
    double scale = fabs(v.dsigma / v.sigma) * (fabs(x) + fabs(v.alpha * x1)) +
                   fabs(v.dalpha * x1);
    cr_expect_leq(fabs(u_user - u_ref), 64 * DBL_EPSILON * scale,
                  "t=%g cond_field %.17g vs %.17g (scale %g)", t, u_user, u_ref, scale);
  }
  fm_case_free(c);
}

/* ------------------------------------------------------------ good input */

Test(case_parse, good_case_round_trips_every_number)
{
  fm_case *c = fm_load_ok(
      "{\"name\": \"mixed\", \"description\": \"d\", \"provenance\": \"p\", \"seed\": 123457,"
      " \"data\": {\"type\": \"gmm\", \"dim\": 2, \"components\": ["
      "  {\"weight\": 0.25, \"mean\": [2.385, -0.125], \"cov\": [[1.5, 0.3], [0.3, 0.7]]},"
      "  {\"weight\": 0.5, \"mean\": [-1e-7, 3], \"var\": 0.0123456789012345678},"
      "  {\"weight\": 0.25, \"mean\": [0, 1.25e3], \"diag\": [2.5, 1e-6]}]},"
      " \"schedule\": {\"type\": \"vp\", \"beta_min\": 0.5, \"beta_max\": 12.5}}");
  const fm_gmm *g = c->gmm;
  cr_assert(g->d == 2 && g->K == 3);
  cr_expect_str_eq(c->name, "mixed");
  cr_expect_str_eq(c->description, "d");
  cr_expect_str_eq(c->provenance, "p");
  cr_expect_eq(c->seed, 123457u);
  cr_expect_eq(c->renormalised, 0);
  const double w[3] = {0.25, 0.5, 0.25};
  const double m[6] = {2.385, -0.125, -1e-7, 3, 0, 1.25e3};
  const double S[12] = {1.5, 0.3, 0.3, 0.7, 0.0123456789012345678, 0, 0, 0.0123456789012345678,
                        2.5, 0, 0, 1e-6};
  for (int k = 0; k < 3; k++)
    cr_expect_eq(g->w[k], w[k], "w[%d] = %.17g", k, g->w[k]);
  for (int i = 0; i < 6; i++)
    cr_expect_eq(g->mean[i], m[i], "mean entry %d = %.17g", i, g->mean[i]);
  for (int i = 0; i < 12; i++)
    cr_expect_eq(g->cov[i], S[i], "cov entry %d = %.17g", i, g->cov[i]);
  double bmin, bmax;
  cr_expect(fm_schedule_param(&bmin, c->sched, "beta_min") == FM_OK && bmin == 0.5);
  cr_expect(fm_schedule_param(&bmax, c->sched, "beta_max") == FM_OK && bmax == 12.5);
  fm_case_free(c);
}

/* cases/README.md defaults: seed 1, cond_ot sigma_min 0, vp 0.1/20, ve 0.01/50;
 * dim 2.0 is the integer 2; seed 0 is allowed. */
Test(case_parse, omitted_parameters_take_the_documented_defaults)
{
#define FM_T_CASE(sched, extra)                                                              \
  "{\"name\": \"n\", \"data\": {\"type\": \"gmm\", \"dim\": 2.0, \"components\": "          \
  "[{\"weight\": 1, \"mean\": [0, 0], \"var\": 1}]}, \"schedule\": " sched extra "}"
  static const struct {
    const char *json, *param;
    double value;
  } want[] = {
      {FM_T_CASE("{\"type\": \"cond_ot\"}", ""), "sigma_min", 0.0},
      {FM_T_CASE("{\"type\": \"vp\"}", ""), "beta_min", 0.1},
      {FM_T_CASE("{\"type\": \"vp\"}", ""), "beta_max", 20.0},
      {FM_T_CASE("{\"type\": \"ve\"}", ""), "sigma_min", 0.01},
      {FM_T_CASE("{\"type\": \"ve\"}", ""), "sigma_max", 50.0},
      {FM_T_CASE("{\"type\": \"vp\", \"beta_max\": 7}", ""), "beta_min", 0.1},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    fm_case *c = fm_load_ok(want[i].json);
    double v;
    cr_expect_eq(c->seed, 1u);
    cr_expect_eq(c->gmm->d, 2u);
    cr_expect(fm_schedule_param(&v, c->sched, want[i].param) == FM_OK && v == want[i].value,
              "%s %s = %.17g, expected %.17g", fm_schedule_type_name(c->sched), want[i].param, v,
              want[i].value);
    fm_case_free(c);
  }
  fm_case *c = fm_load_ok(FM_T_CASE("{\"type\": \"cosine\"}", ", \"seed\": 0"));
  cr_expect_eq(c->seed, 0u);
  fm_case_free(c);
#undef FM_T_CASE
}

/* Weights 1 and 3 are normalised to 1/4 and 3/4 (exact in binary) with a
 * warning; 0.3 + 0.7, which is 1 to within an ulp, is not flagged. */
Test(case_parse, unnormalised_weights_are_normalised_with_a_warning)
{
  fm_case *c = fm_load_ok(
      "{\"name\": \"w\", \"data\": {\"type\": \"gmm\", \"dim\": 1, \"components\": ["
      " {\"weight\": 1, \"mean\": [0], \"var\": 1}, {\"weight\": 3, \"mean\": [1], \"var\": 1}]},"
      " \"schedule\": {\"type\": \"cosine\"}}");
  cr_expect_eq(c->renormalised, 1);
  cr_expect(c->gmm->w[0] == 0.25 && c->gmm->w[1] == 0.75, "weights %.17g %.17g", c->gmm->w[0],
            c->gmm->w[1]);
  cr_expect(strstr(c->warning, "good.json: data.components") != NULL &&
                strstr(c->warning, "sum to 4") != NULL,
            "warning: '%s'", c->warning);
  fm_case_free(c);
  c = fm_load_ok("{\"name\": \"w\", \"data\": {\"type\": \"gmm\", \"dim\": 1, \"components\": ["
                 " {\"weight\": 0.3, \"mean\": [0], \"var\": 1},"
                 " {\"weight\": 0.7, \"mean\": [1], \"var\": 1}]},"
                 " \"schedule\": {\"type\": \"cosine\"}}");
  cr_expect_eq(c->renormalised, 0, "warning: %s", c->warning);
  cr_expect_str_eq(c->warning, "");
  fm_case_free(c);
}

/* The symmetry threshold is relative asymmetry 1e-12 (fm_gmm_finalize's):
 * 2e-13 off is forgiven and the stored matrix is the symmetric part
 * (to the rounding of one average); 2e-12 off is refused. */
Test(case_parse, near_symmetric_cov_is_symmetrised_and_asymmetric_refused)
{
  fm_case *c = fm_load_ok(
      "{\"name\": \"s\", \"data\": {\"type\": \"gmm\", \"dim\": 2, \"components\": ["
      "{\"weight\": 1, \"mean\": [0, 0], \"cov\": [[1, 0.3], [0.3000000000002, 1]]}]},"
      " \"schedule\": {\"type\": \"cosine\"}}");
  const double *S = c->gmm->cov;
  cr_expect_eq(S[1], S[2], "stored cov not symmetric: %.17g vs %.17g", S[1], S[2]);
  cr_expect_leq(fabs(S[1] - 0.3000000000001), 2 * DBL_EPSILON, "average %.17g", S[1]);
  fm_case_free(c);
  c = NULL;
  fm_errmsg e = {""};
  int st = fm_case_load_string(
      &c,
      "{\"name\": \"s\", \"data\": {\"type\": \"gmm\", \"dim\": 2, \"components\": ["
      "{\"weight\": 1, \"mean\": [0, 0], \"cov\": [[1, 0.3], [0.300000000002, 1]]}]},"
      " \"schedule\": {\"type\": \"cosine\"}}",
      "s.json", NULL, &e);
  cr_expect_eq(st, FM_ENOTPD, "%s", e.msg);
  cr_expect(strstr(e.msg, "s.json: data.components[0].cov: not symmetric") != NULL, "%s",
            e.msg);
}

/* Component 2 of a three-component 2D case with the given covariance
 * member ("\"cov\": ..." or "\"diag\": ..."); returns the status, message in e. */
static int fm_load_third_cov(fm_case **c, const char *member, fm_errmsg *e)
{
  char json[768];
  snprintf(json, sizeof json,
           "{\"name\": \"sing\", \"data\": {\"type\": \"gmm\", \"dim\": 2, \"components\": ["
           "{\"weight\": 1, \"mean\": [0, 0], \"var\": 1},"
           "{\"weight\": 1, \"mean\": [1, 0], \"var\": 1},"
           "{\"weight\": 1, \"mean\": [0, 1], %s}]},"
           " \"schedule\": {\"type\": \"cond_ot\"}}", member);
  *c = NULL;
  return fm_case_load_string(c, json, "sing.json", NULL, e);
}

/* cases/README.md: symmetric positive definite, numerically.  The threshold is
 * relative, smallest eigenvalue > 1e-12 times the largest: [[0.1, 0.1],
 * [0.1, 0.1]] (eigenvalues 0 and 0.2) factorises on rounding noise and
 * used to be accepted; eigenvalues 1 and 1e-13 (the 45-degree rotation
 * of diag(1, 1e-13); the decimal entries round so that the smallest
 * becomes 9.99364e-14) are refused, 1 and 1e-9 accepted; the diag form is
 * held to the same ratio.  The message names file, JSON path and the
 * eigenvalues. */
Test(case_parse, singular_and_near_singular_covariances_are_refused)
{
  static const struct {
    const char *member, *path, *eig;
  } bad[] = {
      {"\"cov\": [[0.1, 0.1], [0.1, 0.1]]", "sing.json: data.components[2].cov: ", "0.2"},
      {"\"cov\": [[0.50000000000005, 0.49999999999995], [0.49999999999995, 0.50000000000005]]",
       "sing.json: data.components[2].cov: ", "9.99364e-14, 1"},
      {"\"diag\": [1, 1e-13]", "sing.json: data.components[2].diag: ", "1e-13, 1"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    fm_case *c;
    fm_errmsg e = {""};
    int st = fm_load_third_cov(&c, bad[i].member, &e);
    cr_expect_eq(st, FM_ENOTPD, "%s: status %d: %s", bad[i].member, st, e.msg);
    cr_expect_null(c);
    cr_expect(strncmp(e.msg, bad[i].path, strlen(bad[i].path)) == 0, "%s: got: %s",
              bad[i].member, e.msg);
    cr_expect(strstr(e.msg, "not positive definite (component 2)") != NULL, "got: %s", e.msg);
    cr_expect(strstr(e.msg, "eigenvalues") != NULL && strstr(e.msg, bad[i].eig) != NULL,
              "%s: eigenvalue %s not named: %s", bad[i].member, bad[i].eig, e.msg);
    cr_expect(strstr(e.msg, "1e-12") != NULL, "threshold not stated: %s", e.msg);
  }
  static const char *const good[] = {
      "\"cov\": [[0.5000000005, 0.4999999995], [0.4999999995, 0.5000000005]]",
      "\"diag\": [1, 1e-9]",
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    fm_case *c;
    fm_errmsg e = {""};
    int st = fm_load_third_cov(&c, good[i], &e);
    cr_expect_eq(st, FM_OK, "%s (eigenvalue ratio 1e-9) refused: %s", good[i], e.msg);
    fm_case_free(c);
  }
}

/* The upper limit on dim is inclusive. */
Test(case_parse, dimension_1024_is_accepted)
{
  size_t cap = 1024 * 3 + 256;
  char *json = malloc(cap), *p = json;
  p += sprintf(p, "{\"name\": \"big\", \"data\": {\"type\": \"gmm\", \"dim\": 1024, "
                  "\"components\": [{\"weight\": 1, \"var\": 2, \"mean\": [0");
  for (int i = 1; i < 1024; i++)
    p += sprintf(p, ",0");
  sprintf(p, "]}]}, \"schedule\": {\"type\": \"cosine\"}}");
  fm_case *c = fm_load_ok(json);
  cr_expect(c->gmm->d == 1024 && c->gmm->cov[1024 * 1024 - 1] == 2.0);
  fm_case_free(c);
  free(json);
}

/* ------------------------------------------------------------- bad input */

Test(case_parse, malformed_inputs_are_rejected_naming_the_fault)
{
  cr_assert_geq(FM_BAD_INPUT_COUNT, 35, "the table must have >= 35 entries");
  for (size_t i = 0; i < FM_BAD_INPUT_COUNT; i++) {
    const fm_bad_input *b = &fm_bad_inputs[i];
    char *json = fm_bad_input_text(b);
    fm_case *c = NULL;
    fm_errmsg e = {""};
    int st = fm_case_load_string(&c, json, "bad.json", NULL, &e);
    cr_expect_eq(st, b->status,
                 "entry %zu: status %d (%s), expected %d (%s)\n  input: %s\n  msg: %s", i, st,
                 fm_strerror(st), b->status, fm_strerror(b->status), json, e.msg);
    cr_expect_null(c, "entry %zu: a case was returned on error", i);
    cr_expect(strncmp(e.msg, "bad.json", 8) == 0, "entry %zu: message does not start with the "
              "file name: %s", i, e.msg);
    cr_expect(strstr(e.msg, b->where) != NULL, "entry %zu: message lacks '%s': %s", i, b->where,
              e.msg);
    cr_expect(b->why == NULL || strstr(e.msg, b->why) != NULL,
              "entry %zu: message lacks '%s': %s", i, b->why, e.msg);
    /* No errmsg: the status alone, and no crash. */
    cr_expect_eq(fm_case_load_string(&c, json, "bad.json", NULL, NULL), b->status);
    free(json);
  }
}

/* Content errors read exactly "FILE: PATH: message" (cases/README.md). */
Test(case_parse, content_error_format_is_file_path_message)
{
  fm_case *c = NULL;
  fm_errmsg e = {""};
  int st = fm_case_load_string(
      &c,
      "{\"name\": \"r\", \"data\": {\"type\": \"gmm\", \"dim\": 2, \"components\": ["
      "{\"weight\": 1, \"mean\": [0, 0], \"var\": 1},"
      "{\"weight\": 1, \"mean\": [0, 0], \"var\": 1},"
      "{\"weight\": 1, \"mean\": [0, 0], \"cov\": [[1, 2], [2, 1]]}]},"
      " \"schedule\": {\"type\": \"cosine\"}}",
      "ring.json", NULL, &e);
  cr_expect_eq(st, FM_ENOTPD);
  const char *want = "ring.json: data.components[2].cov: not positive definite (component 2)";
  cr_expect(strncmp(e.msg, want, strlen(want)) == 0, "got: %s", e.msg);
}

Test(case_parse, files_report_io_and_syntax_errors_with_their_path)
{
  char dir[] = "/tmp/fmcheck-case-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char path[256], missing[256];
  snprintf(path, sizeof path, "%s/syntax.json", dir);
  snprintf(missing, sizeof missing, "%s/missing.json", dir);
  fm_write_file(path, "{\n  \"name\": \"s\",\n  \"seed\": 1,,\n}\n");
  fm_case *c = NULL;
  fm_errmsg e = {""};
  cr_expect_eq(fm_case_load_file(&c, missing, &e), FM_EIO);
  cr_expect(strstr(e.msg, missing) != NULL, "%s", e.msg);
  cr_expect_eq(fm_case_load_file(&c, dir, &e), FM_EIO, "a directory: %s", e.msg);
  cr_expect(strstr(e.msg, dir) != NULL, "%s", e.msg);
  char want[300];
  snprintf(want, sizeof want, "%s:3:13:", path);
  cr_expect_eq(fm_case_load_file(&c, path, &e), FM_EPARSE);
  cr_expect(strncmp(e.msg, want, strlen(want)) == 0, "expected '%s...', got: %s", want, e.msg);
  cr_expect_null(c);
  remove(path);
  rmdir(dir);
}

/* A relative `table` file resolves against the case file's directory, not
 * the working directory: the same text fails when read as a string with no
 * base directory from elsewhere. */
Test(case_parse, table_file_resolves_against_the_case_directory)
{
  char dir[] = "/tmp/fmcheck-case-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char csv[256], json[256], text[4096] = "t,alpha,sigma\n";
  snprintf(csv, sizeof csv, "%s/sched.csv", dir);
  snprintf(json, sizeof json, "%s/case.json", dir);
  for (int i = 0; i <= 10; i++) {
    char row[96];
    snprintf(row, sizeof row, "%.17g,%.17g,%.17g\n", i / 10.0, i / 10.0, 1.0 - 0.999 * i / 10.0);
    strcat(text, row);
  }
  fm_write_file(csv, text);
  const char *case_text =
      "{\"name\": \"tab\", \"data\": {\"type\": \"gmm\", \"dim\": 1, \"components\": "
      "[{\"weight\": 1, \"mean\": [0], \"var\": 1}]}, "
      "\"schedule\": {\"type\": \"table\", \"file\": \"sched.csv\"}}";
  fm_write_file(json, case_text);
  cr_assert_eq(chdir("/"), 0);
  fm_case *c = NULL;
  fm_errmsg e = {""};
  cr_expect_eq(fm_case_load_file(&c, json, &e), FM_OK, "%s", e.msg);
  if (c != NULL)
    cr_expect_str_eq(fm_schedule_type_name(c->sched), "table");
  fm_case_free(c);
  c = NULL;
  cr_expect_eq(fm_case_load_string(&c, case_text, "str.json", NULL, &e), FM_EIO,
               "resolved against the working directory? %s", e.msg);
  cr_expect(strstr(e.msg, "str.json: schedule.file:") != NULL, "%s", e.msg);
  remove(csv);
  remove(json);
  rmdir(dir);
}

/* fm_case_parse_schedule alone (what `validate-schedule` uses): a top-level
 * schedule object (empty `where`) names bare keys. */
Test(case_parse, schedule_object_parses_alone_with_its_own_paths)
{
  json_error_t je;
  json_t *ok = json_loads("{\"type\": \"vp\", \"beta_max\": 10}", 0, &je);
  json_t *bad = json_loads("{\"type\": \"vp\", \"beta_mx\": 10}", 0, &je);
  cr_assert(ok != NULL && bad != NULL);
  fm_schedule *s = NULL;
  fm_errmsg e = {""};
  cr_assert_eq(fm_case_parse_schedule(&s, ok, "s.json", "", NULL, &e), FM_OK, "%s", e.msg);
  double bmin, bmax;
  cr_expect(fm_schedule_param(&bmin, s, "beta_min") == FM_OK && bmin == 0.1);
  cr_expect(fm_schedule_param(&bmax, s, "beta_max") == FM_OK && bmax == 10.0);
  fm_schedule_free(s);
  s = NULL;
  cr_expect_eq(fm_case_parse_schedule(&s, bad, "s.json", "", NULL, &e), FM_EINVAL);
  cr_expect(strncmp(e.msg, "s.json: beta_mx: unknown key", 28) == 0, "%s", e.msg);
  cr_expect_eq(fm_case_parse_schedule(&s, bad, "s.json", "schedule", NULL, &e), FM_EINVAL);
  cr_expect(strncmp(e.msg, "s.json: schedule.beta_mx: unknown key", 37) == 0, "%s", e.msg);
  cr_expect_null(s);
  json_decref(ok);
  json_decref(bad);
}
