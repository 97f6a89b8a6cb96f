/* test_cli_model.c -- the model commands end to end: `fmcheck train`
 * writes a model, `sample` draws from it (exactly what the library
 * computes, bit for bit through %.17g), `loglik` and `compare-samples` run
 * on the result, `--resume` continues a run bit for bit; damaged or
 * mismatched model files (truncated, bit-flipped, newer version, wrong
 * dimension, another case) exit 2 with a message naming the file and the
 * field; `compare-field` passes the exact field (from `fmcheck field`) and
 * fails a perturbed one; `compare-samples` accepts exact draws and rejects
 * scaled ones; every command answers --help and refuses bad options. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>

#include "fm_test_cli.h"
#include "fm_test_fmm.h"
#include "fm_test_smp.h"
#include "model_file.h"
#include "sample.h"

#define SEED 20240623u

typedef struct {
  char dir[64];
  char path[8][128];
  size_t n;
} fm_tmpdir;

static void fm_test_tmpdir(fm_tmpdir *t)
{
  snprintf(t->dir, sizeof t->dir, "/tmp/fmcheck-cli-model-XXXXXX");
  cr_assert_not_null(mkdtemp(t->dir));
  t->n = 0;
}

static const char *fm_test_tmp_file(fm_tmpdir *t, const char *name)
{
  cr_assert_lt(t->n, 8u);
  char p[sizeof t->path[0]];
  snprintf(p, sizeof p, "%s/%s", t->dir, name);
  memcpy(t->path[t->n], p, sizeof p);
  return t->path[t->n++];
}

static void fm_test_tmp_clean(fm_tmpdir *t)
{
  for (size_t i = 0; i < t->n; i++)
    remove(t->path[i]);
  cr_expect_eq(rmdir(t->dir), 0, "%s not empty: temporary files left behind?", t->dir);
}

/* Run fmcheck; assert the exit status; return the result. */
static fm_cli_result fm_test_run(int status, const char *const *args)
{
  fm_cli_result r;
  cr_assert_eq(fm_cli_run(&r, args), 0, "cannot run $FMCHECK");
  cr_assert_eq(r.status, status, "fmcheck %s %s: exit %d (expected %d)\nstdout: %.600s\n"
               "stderr: %.600s", args[0], args[1] ? args[1] : "", r.status, status, r.out,
               r.err);
  return r;
}

static void fm_test_run_free(int status, const char *const *args)
{
  fm_cli_result r = fm_test_run(status, args);
  fm_cli_result_free(&r);
}

static unsigned char *fm_test_slurp(size_t *len, const char *path)
{
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(*len + 1);
  cr_assert_eq(fread(b, 1, *len, f), *len);
  fclose(f);
  return b;
}

static void fm_test_spit(const char *path, const unsigned char *b, size_t len)
{
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  cr_assert_eq(fwrite(b, 1, len, f), len);
  fclose(f);
}

/* A tiny model of ring8-cond_ot in dir/m.fmm. */
static const char *fm_test_train_tiny(fm_tmpdir *t)
{
  const char *m = fm_test_tmp_file(t, "m.fmm");
  const char *a[] = {"train", "--case", "ring8-cond_ot", "--steps", "200", "--width", "16",
                     "--depth", "2", "--batch", "64", "--log-every", "100", "--heldout",
                     "256", "--seed", "7", "--out", m, NULL};
  fm_cli_result r = fm_test_run(0, a);
  const char *hdr = "step,lr,loss,grad_norm,field_err,";
  cr_expect(strncmp(r.out, hdr, strlen(hdr)) == 0, "log: %.200s", r.out);
  size_t lines = 0;
  for (const char *p = r.out; *p; p++)
    lines += *p == '\n';
  cr_expect_eq(lines, 4u, "header + records at steps 0, 100, 200: %zu lines", lines);
  fm_cli_result_free(&r);
  return m;
}

/* Parse a CSV with a header into n x d doubles. */
static double *fm_test_parse_csv(const char *text, size_t n, size_t d)
{
  double *x = malloc(n * d * sizeof *x);
  const char *p = strchr(text, '\n');
  cr_assert_not_null(p);
  for (size_t i = 0; i < n * d; i++) {
    char *end;
    x[i] = strtod(p + 1, &end);
    cr_assert(end != p + 1, "value %zu missing", i);
    p = end;
  }
  return x;
}

Test(cli_model, every_model_command_answers_help)
{
  const char *cmds[] = {"train", "sample", "loglik", "compare-field", "compare-samples"};
  for (size_t i = 0; i < 5; i++) {
    const char *a[] = {cmds[i], "--help", NULL};
    fm_cli_result r = fm_test_run(0, a);
    char want[64];
    snprintf(want, sizeof want, "usage: fmcheck %s", cmds[i]);
    cr_expect(strncmp(r.out, want, strlen(want)) == 0, "%s --help: %.100s", cmds[i], r.out);
    fm_cli_result_free(&r);
  }
}

Test(cli_model, train_then_sample_is_the_library_bit_for_bit_and_the_rest_runs)
{
  fm_tmpdir t;
  fm_test_tmpdir(&t);
  const char *m = fm_test_train_tiny(&t), *s = fm_test_tmp_file(&t, "s.csv");
  const char *a[] = {"sample", "--model", m, "--n", "300", "--solver", "rk4", "--steps", "20",
                     "--seed", "11", "--out", s, NULL};
  fm_cli_result r = fm_test_run(0, a);
  cr_expect(strstr(r.err, "NFE 80.0 per sample") != NULL, "stderr: %s", r.err);
  fm_cli_result_free(&r);
  /* the library on the same model, seed and options */
  fm_model *mod;
  cr_assert_eq(fm_model_load(&mod, m, NULL), FM_OK);
  fm_field *f;
  cr_assert_eq(fm_field_mlp_alloc(&f, mod->mlp, NULL, 256, NULL), FM_OK);
  double X[600];
  fm_sample_noise(X, 300, 2, 11, 0);
  fm_sample_opts o;
  fm_sample_opts_default(&o);
  o.steps = 20;
  cr_assert_eq(fm_sample_run(X, NULL, f, 300, &o, NULL), FM_OK);
  size_t len;
  unsigned char *txt = fm_test_slurp(&len, s);
  txt[len] = '\0';
  cr_expect(strncmp((char *)txt, "x[0],x[1]\n", 10) == 0);
  double *Y = fm_test_parse_csv((char *)txt, 300, 2);
  for (size_t i = 0; i < 600; i++)
    cr_expect_eq(X[i], Y[i], "sample value %zu: CLI %.17g, library %.17g", i, Y[i], X[i]);
  free(Y);
  free(txt);
  fm_field_free(f);
  fm_model_free(mod);
  /* compare-samples runs to a verdict (alpha 0.05 keeps a rejection cheap) */
  const char *b[] = {"compare-samples", "--case", "ring8-cond_ot", "--samples", s, "--alpha",
                     "0.05", NULL};
  cr_assert_eq(fm_cli_run(&r, b), 0);
  cr_expect(r.status == 0 || r.status == 1, "exit %d: %s", r.status, r.err);
  cr_expect(strstr(r.out, "chisq-modes") && strstr(r.out, "logp-ks") &&
                strstr(r.out, "verdict: "), "%s", r.out);
  fm_cli_result_free(&r);
  /* loglik with Hutchinson, and the SDE (schedule from the model's case) */
  const char *c[] = {"loglik", "--model", m, "--points", s, "--hutchinson", "4", "--solver",
                     "rk4", "--steps", "10", "--case", "ring8-cond_ot", NULL};
  r = fm_test_run(0, c);
  cr_expect(strncmp(r.out, "x[0],x[1],logp,logp_se,logp_exact,diff\n", 39) == 0, "%.80s",
            r.out);
  fm_cli_result_free(&r);
  const char *e[] = {"sample", "--model", m, "--n", "20", "--solver", "sde", "--steps", "30",
                     NULL};
  r = fm_test_run(0, e);
  cr_expect(strstr(r.err, "NFE 30.0") != NULL, "%s", r.err);
  fm_cli_result_free(&r);
  fm_test_tmp_clean(&t);
}

Test(cli_model, resume_continues_a_run_bit_for_bit)
{
  fm_tmpdir t;
  fm_test_tmpdir(&t);
  const char *a = fm_test_tmp_file(&t, "a.fmm"), *b = fm_test_tmp_file(&t, "b.fmm");
  const char *c = fm_test_tmp_file(&t, "c.fmm");
  const char *common[] = {"--case", "bimodal1d-cond_ot", "--width", "8", "--depth", "2",
                          "--batch", "32", "--log-every", "20", "--heldout", "64",
                          "--no-cosine", "--quiet"};
  const char *run1[20] = {"train", "--steps", "60", "--out", a};
  const char *run3[20] = {"train", "--steps", "120", "--out", c};
  for (size_t i = 0; i < 14; i++)
    run1[5 + i] = run3[5 + i] = common[i];
  fm_test_run_free(0, run1);
  fm_test_run_free(0, run3);
  const char *run2[] = {"train", "--case", "bimodal1d-cond_ot", "--resume", a, "--steps",
                        "120", "--out", b, "--quiet", NULL};
  fm_test_run_free(0, run2);
  size_t lb, lc;
  unsigned char *B = fm_test_slurp(&lb, b), *C = fm_test_slurp(&lc, c);
  cr_expect(lb == lc && memcmp(B, C, lb) == 0,
            "60 + 60 resumed steps differ from 120 steps in one run (%zu vs %zu bytes)", lb,
            lc);
  free(B);
  free(C);
  const char *bad[] = {"train", "--case", "bimodal1d-cond_ot", "--resume", a, "--width", "9",
                       "--out", b, NULL};
  fm_cli_result r = fm_test_run(2, bad);
  cr_expect(strstr(r.err, "--width cannot be combined with --resume") != NULL, "%s", r.err);
  fm_cli_result_free(&r);
  fm_test_tmp_clean(&t);
}

/* Each damaged file must make both sample and loglik exit 2, naming the
 * file and saying what is wrong. */
static void fm_test_damaged(const char *path, const char *points, const char *expect)
{
  const char *a[] = {"sample", "--model", path, "--n", "3", NULL};
  const char *b[] = {"loglik", "--model", path, "--points", points, NULL};
  const char *const *runs[] = {a, b};
  for (size_t k = 0; k < 2; k++) {
    fm_cli_result r = fm_test_run(2, runs[k]);
    cr_expect(strstr(r.err, path) != NULL && strstr(r.err, expect) != NULL,
              "%s: message '%s' lacks the file name or '%s'", runs[k][0], r.err, expect);
    cr_expect_eq(r.out[0], '\0', "%s printed output for a damaged model", runs[k][0]);
    fm_cli_result_free(&r);
  }
}

Test(cli_model, damaged_model_files_exit_2_naming_the_file_and_the_field)
{
  fm_tmpdir t;
  fm_test_tmpdir(&t);
  const char *m = fm_test_train_tiny(&t), *bad = fm_test_tmp_file(&t, "bad.fmm");
  const char *pts = fm_test_tmp_file(&t, "p.csv");
  fm_test_spit(pts, (const unsigned char *)"0.5,0.5\n", 8);
  size_t len;
  unsigned char *img = fm_test_slurp(&len, m), *w = malloc(len);
  /* truncated */
  fm_test_spit(bad, img, len - 100);
  fm_test_damaged(bad, pts, "truncated");
  /* one bit flipped in theta */
  memcpy(w, img, len);
  w[len / 2] ^= 0x10;
  fm_test_spit(bad, w, len);
  fm_test_damaged(bad, pts, "checksum mismatch");
  /* a newer version under a valid checksum */
  memcpy(w, img, len);
  fm_test_put_u32(w + 8, 2);
  fm_test_reseal(w, len);
  fm_test_spit(bad, w, len);
  fm_test_damaged(bad, pts, "field version = 2");
  /* the architecture's dimension changed under a valid checksum */
  memcpy(w, img, len);
  fm_test_put_u64(w + 24, 3);
  fm_test_reseal(w, len);
  fm_test_spit(bad, w, len);
  fm_test_damaged(bad, pts, "field n_params");
  /* not a model file at all */
  fm_test_spit(bad, (const unsigned char *)"0.5,0.5\n0.1,0.2\n# not a model, but long enough "
                                           "to pass the length test\n", 70);
  fm_test_damaged(bad, pts, "not an fmcheck model file");
  free(w);
  free(img);
  fm_test_tmp_clean(&t);
}

Test(cli_model, a_model_for_another_dimension_or_case_is_refused)
{
  fm_tmpdir t;
  fm_test_tmpdir(&t);
  const char *m = fm_test_train_tiny(&t), *pts = fm_test_tmp_file(&t, "p.csv");
  fm_test_spit(pts, (const unsigned char *)"0.5,0.5\n", 8);
  const char *a[] = {"loglik", "--model", m, "--points", pts, "--case", "bimodal1d-cond_ot",
                     NULL};
  fm_cli_result r = fm_test_run(2, a);
  cr_expect(strstr(r.err, m) && strstr(r.err, "dimension 2") && strstr(r.err, "dimension 1"),
            "%s", r.err);
  fm_cli_result_free(&r);
  const char *b[] = {"sample", "--model", m, "--n", "3", "--case", "ring8-vp", NULL};
  r = fm_test_run(2, b);
  cr_expect(strstr(r.err, "trained on case 'ring8-cond_ot'") != NULL, "%s", r.err);
  fm_cli_result_free(&r);
  /* points of the wrong width name the file and line */
  fm_test_spit(pts, (const unsigned char *)"0.5,0.5\n1,2,3\n", 14);
  const char *c[] = {"loglik", "--model", m, "--points", pts, NULL};
  r = fm_test_run(2, c);
  cr_expect(strstr(r.err, ":2: expected 2 fields, got 3") != NULL, "%s", r.err);
  fm_cli_result_free(&r);
  fm_test_tmp_clean(&t);
}

Test(cli_model, compare_field_passes_the_exact_field_and_fails_a_perturbed_one)
{
  fm_tmpdir t;
  fm_test_tmpdir(&t);
  const char *pts = fm_test_tmp_file(&t, "p.csv"), *v = fm_test_tmp_file(&t, "v.csv");
  const char *json = fm_test_tmp_file(&t, "r.json");
  const char *ptxt = "t,x0,x1\n0,0.3,-0.2\n0.25,0.5,-1.5\n0.5,1,2\n0.9,1.9,0.1\n1,2,0\n";
  fm_test_spit(pts, (const unsigned char *)ptxt, strlen(ptxt));
  const char *a[] = {"field", "--case", "ring8-cond_ot", "--points", pts, NULL};
  fm_cli_result r = fm_test_run(0, a);
  /* keep t, x, u: the first five columns */
  char buf[4096] = "", *line = r.out;
  for (int row = 0; row < 6; row++) {
    char *p = line;
    for (int comma = 0; comma < 5; p++)
      comma += *p == ',';
    strncat(buf, line, (size_t)(p - 1 - line));
    strcat(buf, "\n");
    line = strchr(line, '\n') + 1;
  }
  fm_cli_result_free(&r);
  fm_test_spit(v, (const unsigned char *)buf, strlen(buf));
  const char *b[] = {"compare-field", "--case", "ring8-cond_ot", "--field", v, "--json", json,
                     NULL};
  r = fm_test_run(0, b);
  cr_expect(strstr(r.out, "relative L2 error  0 ") && strstr(r.out, "PASS"), "%s", r.out);
  fm_cli_result_free(&r);
  size_t jl;
  unsigned char *j = fm_test_slurp(&jl, json);
  j[jl] = '\0';
  cr_expect(strstr((char *)j, "\"pass\": true") != NULL, "%s", j);
  free(j);
  /* perturb u[0] of data row 3 (t = 0.5) by 1e-4 relative: the relative L2
   * error is then ~1e-4 x |u_3| / ||u|| ~ 4e-5, far above 1e-6 */
  char *row3 = strstr(buf, "\n0.5,");
  cr_assert_not_null(row3);
  char *u0 = row3 + 1;
  for (int comma = 0; comma < 3; u0++)
    comma += *u0 == ',';
  double val = strtod(u0, NULL);
  char rest[4096];
  strcpy(rest, strchr(u0, ','));
  sprintf(u0, "%.17g%s", val * (1.0 + 1e-4), rest);
  fm_test_spit(v, (const unsigned char *)buf, strlen(buf));
  r = fm_test_run(1, b);
  cr_expect(strstr(r.out, "worst row          3 (t = 0.5)") && strstr(r.out, "FAIL"), "%s",
            r.out);
  fm_cli_result_free(&r);
  /* a row outside [0, 1] and a short row: exit 2 naming the row / line */
  fm_test_spit(v, (const unsigned char *)"1.5,0,0,0,0\n", 12);
  r = fm_test_run(2, b);
  cr_expect(strstr(r.err, ":1: t = 1.5 is outside [0, 1]") != NULL, "%s", r.err);
  fm_cli_result_free(&r);
  fm_test_spit(v, (const unsigned char *)"0.5,0,0,0\n", 10);
  r = fm_test_run(2, b);
  cr_expect(strstr(r.err, ":1: expected 5 fields, got 4") != NULL, "%s", r.err);
  fm_cli_result_free(&r);
  fm_test_tmp_clean(&t);
}

/* n draws of ring8-cond_ot's data, scaled about the origin by s, as CSV. */
static void fm_test_ring_draws(const char *path, size_t n, double s)
{
  fm_case *c = fm_test_case("ring8-cond_ot");
  fm_rng r = fm_rng_make(SEED, FM_RNG_STREAM(0x434d, 0));
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fprintf(f, "x,y\n");
  for (size_t i = 0; i < n; i++) {
    double x[2];
    fm_gmm_sample(x, c->gmm, &r, i);
    fprintf(f, "%.17g,%.17g\n", s * x[0], s * x[1]);
  }
  fclose(f);
  fm_case_free(c);
}

Test(cli_model, compare_samples_accepts_exact_draws_and_rejects_scaled_ones)
{
  fm_tmpdir t;
  fm_test_tmpdir(&t);
  const char *s = fm_test_tmp_file(&t, "s.csv");
  fm_test_ring_draws(s, 2000, 1.0);
  const char *a[] = {"compare-samples", "--case", "ring8-cond_ot", "--samples", s, "--seed",
                     "3", NULL};
  fm_cli_result r = fm_test_run(0, a);
  cr_expect(strstr(r.out, "verdict: ACCEPT") != NULL, "%s", r.out);
  fm_cli_result_free(&r);
  /* 5% larger radius: the modes move by 0.1 = one standard deviation */
  fm_test_ring_draws(s, 1000, 1.05);
  const char *b[] = {"compare-samples", "--case", "ring8-cond_ot", "--samples", s, "--alpha",
                     "0.01", NULL};
  r = fm_test_run(1, b);
  cr_expect(strstr(r.out, "REJECT") && strstr(r.out, "verdict: REJECT"), "%s", r.out);
  fm_cli_result_free(&r);
  /* too few samples for the mode-occupancy test; rows of the wrong width */
  fm_test_ring_draws(s, 12, 1.0);
  r = fm_test_run(2, a);
  cr_expect(strstr(r.err, "too few") != NULL, "%s", r.err);
  fm_cli_result_free(&r);
  fm_test_spit(s, (const unsigned char *)"1,2\n3\n", 6);
  r = fm_test_run(2, a);
  cr_expect(strstr(r.err, ":2: expected 2 fields, got 1") != NULL, "%s", r.err);
  fm_cli_result_free(&r);
  fm_test_tmp_clean(&t);
}

Test(cli_model, bad_options_exit_2)
{
  const char *const bad[][12] = {
      {"sample", "--n", "5", NULL},
      {"sample", "--model", "/nonexistent.fmm", "--n", "5", NULL},
      {"sample", "--model", "x", "--n", "-3", NULL},
      {"sample", "--model", "x", "--n", "5", "--solver", "rk5", NULL},
      {"train", "--case", "ring8-cond_ot", "--out", "/tmp/x.fmm", NULL},
      {"train", "--case", "ring8-cond_ot", "--steps", "10", "--out", "/tmp/x.fmm", "--lr",
       "abc", NULL},
      {"loglik", "--case", "ring8-cond_ot", NULL},
      {"compare-field", "--case", "ring8-cond_ot", "--field", "x.csv", "--tol", "-1", NULL},
      {"compare-samples", "--case", "ring8-cond_ot", "--samples", "x.csv", "--t", "2", NULL},
      {"compare-samples", "--case", "ring8-cond_ot", "--bogus", NULL},
  };
  const char *expect[] = {"required", "/nonexistent.fmm", "--n", "unknown solver",
                          "required", "--lr", "required", "--tol", "--t", "unknown argument"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    fm_cli_result r = fm_test_run(2, bad[i]);
    cr_expect(strstr(r.err, expect[i]) != NULL, "case %zu: '%s' lacks '%s'", i, r.err,
              expect[i]);
    fm_cli_result_free(&r);
  }
  cr_expect_eq(access("/tmp/x.fmm", F_OK), -1, "a failed train wrote its output");
}

/* `fmcheck sample` with its defaults (rk4, 100 steps, seed 1, t from 0 to
 * 1) against an exact answer.  The model: the tiny ring8 model with its
 * output layer replaced by W_o = 0, b_o = c, so v_theta(t, x) = c exactly
 * (mlp.h: v = W_o z + b_o) and the flow of x0 is x0 + c (t1 - t0).  Hence
 *  (a) deterministic start: the CLI's noise is fm_sample_noise(seed 1,
 *      offset 0) (the bit-for-bit test above), so each sample must be
 *      x0 + c to rounding -- RK4 on a constant field adds h c per step,
 *      100 additions: |error| <= 100 eps (|x0| + |c|) ~ 2.2e-14 (|x0| +
 *      |c|); the tolerance 1e-12 (|x0| + |c|) is 45x that, and a default
 *      end time off by more than ~1e-12 (e.g. 1 - 1e-6) fails;
 *  (b) the analytic law p_1 = N(c, I): over n = 2000 samples each
 *      coordinate's mean is within 5 standard errors 5/sqrt(n) = 0.112 of
 *      c and its variance within 5 sqrt(2/(n - 1)) = 0.158 of 1 (the
 *      normal-theory sd of a sample variance; 5 sigma: level ~6e-7 per
 *      comparison), with c = (2.385, -1.17) ("high-entropy", so a missing
 *      t1 factor cannot hide: a t1 of 0.95 moves the mean by 0.12);
 *  (c) the cost: rk4 evaluates the field 4 times per step, 100 steps:
 *      NFE 400 per sample on stderr. */
Test(cli_model, sample_defaults_reach_the_exact_endpoint_of_a_constant_field)
{
  fm_tmpdir t;
  fm_test_tmpdir(&t);
  const char *m = fm_test_train_tiny(&t), *k = fm_test_tmp_file(&t, "k.fmm");
  const double c[2] = {2.385, -1.17};
  fm_model *mod;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_model_load(&mod, m, &e), FM_OK, "%s", e.msg);
  fm_case *cs = fm_test_case("ring8-cond_ot");
  fm_train *tr;
  cr_assert_eq(fm_model_resume(&tr, mod, cs, &e), FM_OK, "%s", e.msg);
  fm_mlp *mlp = fm_train_mlp(tr);
  size_t nb = fm_mlp_arch_nblocks(&mlp->arch);
  for (size_t i = 0; i < nb; i++) {
    fm_mlp_block b;
    fm_mlp_arch_block(&b, &mlp->arch, i);
    if (b.layer != mlp->arch.depth)
      continue;
    for (size_t j = 0; j < b.rows * b.cols; j++)
      mlp->theta[b.offset + j] = b.is_bias ? c[j] : 0.0;
  }
  cr_assert_eq(fm_model_save(k, tr, &e), FM_OK, "%s", e.msg);
  fm_train_free(tr);
  fm_model_free(mod);
  fm_case_free(cs);
  const size_t n = 2000;
  const char *a[] = {"sample", "--model", k, "--n", "2000", NULL};
  fm_cli_result r = fm_test_run(0, a);
  cr_expect(strstr(r.err, "NFE 400.0 per sample") != NULL, "defaults rk4 x 100 steps: %s",
            r.err);
  cr_assert(strncmp(r.out, "x[0],x[1]\n", 10) == 0, "%.40s", r.out);
  double *Y = fm_test_parse_csv(r.out, n, 2), *X0 = malloc(2 * n * sizeof *X0);
  fm_cli_result_free(&r);
  fm_sample_noise(X0, n, 2, 1, 0);
  double worst = 0.0, mean[2] = {0, 0}, var[2] = {0, 0};
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < 2; j++) {
      double ex = X0[i * 2 + j] + c[j], y = Y[i * 2 + j];
      worst = fmax(worst, fabs(y - ex) / (fabs(X0[i * 2 + j]) + fabs(c[j])));
      mean[j] += y / (double)n;
    }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < 2; j++)
      var[j] += (Y[i * 2 + j] - mean[j]) * (Y[i * 2 + j] - mean[j]) / (double)(n - 1);
  fprintf(stderr, "cli_model: sample defaults, v = c: max |x1 - (x0 + c)| / (|x0| + |c|) = "
          "%.3g; mean (%.4f, %.4f) vs (%.4f, %.4f); var (%.4f, %.4f) vs 1\n", worst, mean[0],
          mean[1], c[0], c[1], var[0], var[1]);
  cr_expect(worst <= 1e-12, "endpoint off the exact flow x0 + c: %.3g relative", worst);
  for (size_t j = 0; j < 2; j++) {
    cr_expect(fabs(mean[j] - c[j]) <= 5.0 / sqrt((double)n), "mean[%zu] %.4f vs %.4f", j,
              mean[j], c[j]);
    cr_expect(fabs(var[j] - 1.0) <= 5.0 * sqrt(2.0 / (double)(n - 1)), "var[%zu] %.4f vs 1",
              j, var[j]);
  }
  free(Y);
  free(X0);
  fm_test_tmp_clean(&t);
}
