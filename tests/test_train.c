/* test_train.c -- the CFM trainer: resuming from a model file continues bit
 * for bit; minibatches are the documented functions of (seed, step) with the
 * conditional targets and the OT coupling they claim; and a few hundred
 * steps drive the true field error E||v - u||^2 down by a stated factor on
 * the 1D bimodal and the 2D ring cases.  (The approach of L_CFM to its
 * floor C over long runs is in test_train_slow.c, suite slow.) */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "fm_test_case.h"
#include "model_file.h"
#include "train.h"

#define SEED 20240614u

/* ------------------------------------------------------------ resume */

typedef struct {
  fm_train_log rec[64];
  size_t n;
} fm_logbook;

static int fm_keep(const fm_train_log *r, void *ctx)
{
  fm_logbook *b = ctx;
  cr_assert_lt(b->n, 64);
  b->rec[b->n++] = *r;
  return 0;
}

/* Train 2N steps in one go, and N steps + save + load + N steps; the final
 * states (as model-file images) and the log records after the break must
 * be identical bytes.  The records have no padding (one u64, eight doubles). */
static void fm_test_resume_bit_for_bit(const char *file, const fm_train_config *cfg, uint64_t N)
{
  fm_case *c = fm_test_case_load(file);
  fm_errmsg e = {{0}};
  fm_logbook a = {.n = 0}, b = {.n = 0};
  fm_train *ta, *tb;
  cr_assert_eq(fm_train_alloc(&ta, c, cfg, &e), FM_OK, "%s", e.msg);
  cr_assert_eq(fm_train_run(ta, 2 * N, fm_keep, &a, &e), FM_OK, "%s", e.msg);

  cr_assert_eq(fm_train_alloc(&tb, c, cfg, &e), FM_OK, "%s", e.msg);
  cr_assert_eq(fm_train_run(tb, N, fm_keep, &b, &e), FM_OK, "%s", e.msg);
  char path[] = "/tmp/fm_train_resume_XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  close(fd);
  cr_assert_eq(fm_model_save(path, tb, &e), FM_OK, "%s", e.msg);
  fm_train_free(tb);
  fm_model *m;
  cr_assert_eq(fm_model_load(&m, path, &e), FM_OK, "%s", e.msg);
  cr_assert_eq(fm_model_resume(&tb, m, c, &e), FM_OK, "%s", e.msg);
  fm_model_free(m);
  unlink(path);
  cr_assert_eq(fm_train_run(tb, N, fm_keep, &b, &e), FM_OK, "%s", e.msg);

  unsigned char *ia, *ib;
  size_t la, lb;
  cr_assert_eq(fm_model_image(&ia, &la, ta, &e), FM_OK);
  cr_assert_eq(fm_model_image(&ib, &lb, tb, &e), FM_OK);
  cr_assert_eq(la, lb);
  size_t first = 0;
  while (first < la && ia[first] == ib[first])
    first++;
  cr_expect_eq(first, la, "%s: resumed run differs from the uninterrupted one from byte %zu",
               file, first);
  cr_assert_eq(a.n, b.n, "%s: %zu log records vs %zu", file, a.n, b.n);
  for (size_t i = 0; i < a.n; i++)
    cr_expect(memcmp(&a.rec[i], &b.rec[i], sizeof a.rec[i]) == 0,
              "%s: log record at step %llu differs (field error %.17g vs %.17g)", file,
              (unsigned long long)a.rec[i].step, a.rec[i].field_err, b.rec[i].field_err);
  free(ia);
  free(ib);
  fm_train_free(ta);
  fm_train_free(tb);
  fm_case_free(c);
}

static fm_train_config fm_small_config(size_t d)
{
  fm_train_config cfg;
  fm_train_config_default(&cfg, d, SEED);
  cfg.arch.width = 16;
  cfg.arch.depth = 2;
  cfg.batch = 32;
  cfg.heldout = 64;
  cfg.log_every = 10;
  cfg.steps = 60;
  return cfg;
}

/* Every option that carries state or randomness on: OT coupling (the
 * assignment), cosine decay (the step count), clipping, time features; the
 * break at step 27 is mid-way through a logging window (accumulator). */
Test(train, resume_is_bit_for_bit_with_ot_cosine_and_clipping)
{
  fm_train_config cfg = fm_small_config(2);
  cfg.ot = 1;
  cfg.cosine = 1;
  cfg.clip = 0.3;
  cfg.arch.n_freq = 2;
  fm_test_resume_bit_for_bit("ring8-cond_ot.json", &cfg, 27);
}

/* The other branches: logit-normal t, constant rate, an expr schedule. */
Test(train, resume_is_bit_for_bit_with_logit_normal_t_on_an_expr_schedule)
{
  fm_train_config cfg = fm_small_config(1);
  cfg.tdist = FM_TRAIN_T_LOGIT_NORMAL;
  cfg.ln_mean = -0.3;
  cfg.ln_std = 1.2;
  cfg.cosine = 0;
  fm_test_resume_bit_for_bit("bimodal1d-expr.json", &cfg, 30);
}

/* ------------------------------------------------------------ minibatches */

/* For cond_ot, u_t(psi_t(x0)|x1) = sigma' x0 + alpha' x1 exactly; the
 * trainer's target goes through x and fm_cond_field, whose rounding is at
 * most a few ulps of (|sigma'|/sigma)(|alpha x1| + |sigma x0|) + |alpha' x1|
 * (the difference x - alpha x1 is formed in double): tolerance 8 eps times
 * that scale.  This also proves that x0 and x1 are paired as claimed after
 * the OT permutation. */
Test(train, targets_are_the_conditional_velocity_of_the_paired_rows)
{
  fm_case *c = fm_test_case_load("ring8-cond_ot.json");
  fm_train_config cfg = fm_small_config(2);
  cfg.ot = 1;
  fm_train *tr;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_train_alloc(&tr, c, &cfg, &e), FM_OK, "%s", e.msg);
  size_t B = cfg.batch, d = 2;
  double *t = malloc(B * sizeof *t), *buf = malloc(8 * B * d * sizeof *buf);
  double *x = buf, *u = buf + B * d, *x0 = buf + 2 * B * d, *x1 = buf + 3 * B * d;
  double *x0b = buf + 4 * B * d, *x1b = buf + 5 * B * d, *ub = buf + 6 * B * d;
  for (uint64_t k = 0; k < 5; k++) {
    cr_assert_eq(fm_train_batch(t, x, u, x0, x1, tr, k, &e), FM_OK, "%s", e.msg);
    /* a pure function of k: ask again after other steps */
    cr_assert_eq(fm_train_step(tr, NULL, &e), FM_OK, "%s", e.msg);
    cr_assert_eq(fm_train_batch(t, x, ub, x0b, x1b, tr, k, &e), FM_OK);
    cr_assert(memcmp(u, ub, B * d * sizeof *u) == 0 && memcmp(x1, x1b, B * d * sizeof *u) == 0);
    for (size_t i = 0; i < B; i++) {
      fm_sched_val v;
      cr_assert_eq(fm_schedule_eval(&v, c->sched, t[i]), FM_OK);
      for (size_t j = 0; j < d; j++) {
        double a = fabs(v.alpha * x1[i * d + j]), s = fabs(v.sigma * x0[i * d + j]);
        double ref = v.dsigma * x0[i * d + j] + v.dalpha * x1[i * d + j];
        double tol = 8 * DBL_EPSILON *
                     (fabs(v.dsigma) / v.sigma * (a + s) + fabs(v.dalpha * x1[i * d + j]));
        cr_expect_leq(fabs(u[i * d + j] - ref), tol,
                      "step %llu row %zu: target %.17g, sigma' x0 + alpha' x1 = %.17g",
                      (unsigned long long)k, i, u[i * d + j], ref);
        cr_expect_eq(x[i * d + j], v.sigma * x0[i * d + j] + v.alpha * x1[i * d + j]);
      }
    }
  }
  free(t);
  free(buf);
  fm_train_free(tr);
  fm_case_free(c);
}

static int fm_cmp_row2(const void *a, const void *b)
{
  const double *p = a, *q = b;
  return p[0] != q[0] ? (p[0] > q[0]) - (p[0] < q[0]) : (p[1] > q[1]) - (p[1] < q[1]);
}

/* The OT coupling permutes x1 within the batch (same rows, sorted equal),
 * never raises the transport cost sum ||x0 - x1||^2 (the identity is
 * feasible) and, in 1D, gives the monotone matching of 1D optimal
 * transport: sorting by x0 sorts x1. */
Test(train, ot_coupling_permutes_the_batch_to_the_optimal_matching)
{
  fm_errmsg e = {{0}};
  const char *files[] = {"ring8-cond_ot.json", "bimodal1d-cond_ot.json"};
  for (int f = 0; f < 2; f++) {
    fm_case *c = fm_test_case_load(files[f]);
    size_t d = c->gmm->d, B = 64;
    fm_train_config cfg = fm_small_config(d);
    cfg.batch = B;
    fm_train *plain, *ot;
    cr_assert_eq(fm_train_alloc(&plain, c, &cfg, &e), FM_OK, "%s", e.msg);
    cfg.ot = 1;
    cr_assert_eq(fm_train_alloc(&ot, c, &cfg, &e), FM_OK, "%s", e.msg);
    double t[64], x[128], u[128], x0a[128], x1a[128], x0b[128], x1b[128];
    cr_assert_eq(fm_train_batch(t, x, u, x0a, x1a, plain, 3, &e), FM_OK);
    cr_assert_eq(fm_train_batch(t, x, u, x0b, x1b, ot, 3, &e), FM_OK);
    cr_assert(memcmp(x0a, x0b, B * d * sizeof(double)) == 0, "x0 must not move");
    double ca = 0.0, cb = 0.0;
    for (size_t k = 0; k < B * d; k++) {
      ca += (x0a[k] - x1a[k]) * (x0a[k] - x1a[k]);
      cb += (x0b[k] - x1b[k]) * (x0b[k] - x1b[k]);
    }
    cr_expect_lt(cb, ca, "%s: OT cost %.6g not below independent %.6g", files[f], cb, ca);
    fprintf(stderr, "train: %s batch %zu: transport cost independent %.4g, OT %.4g\n",
            files[f], B, ca / (double)B, cb / (double)B);
    if (d == 2) {
      qsort(x1a, B, 2 * sizeof(double), fm_cmp_row2);
      qsort(x1b, B, 2 * sizeof(double), fm_cmp_row2);
      cr_expect(memcmp(x1a, x1b, B * d * sizeof(double)) == 0, "x1 rows are not a permutation");
    } else {
      for (size_t i = 0; i < B; i++)
        for (size_t j = 0; j < B; j++)
          if (x0b[i] < x0b[j])
            cr_expect_leq(x1b[i], x1b[j], "1D OT not monotone at rows %zu, %zu", i, j);
    }
    fm_train_free(plain);
    fm_train_free(ot);
    fm_case_free(c);
  }
}

Test(train, uniform_t_stays_in_its_range)
{
  fm_case *c = fm_test_case_load("bimodal1d-cond_ot.json");
  fm_train_config cfg = fm_small_config(1);
  cfg.t_lo = 0.2;
  cfg.t_hi = 0.3;
  fm_train *tr;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_train_alloc(&tr, c, &cfg, &e), FM_OK, "%s", e.msg);
  double t[32], x[32], u[32], lo = 1.0, hi = 0.0;
  for (uint64_t k = 0; k < 20; k++) {
    cr_assert_eq(fm_train_batch(t, x, u, NULL, NULL, tr, k, &e), FM_OK);
    for (size_t i = 0; i < 32; i++) {
      lo = fmin(lo, t[i]);
      hi = fmax(hi, t[i]);
    }
  }
  /* 640 uniform draws: the extremes are within 0.1 * 5/640 of the ends
   * except with probability ~e^-5 each. */
  cr_expect(lo >= 0.2 && hi <= 0.3 && lo < 0.2 + 0.1 * 5 / 640.0 && hi > 0.3 - 0.1 * 5 / 640.0,
            "t range [%.6g, %.6g]", lo, hi);
  fm_train_free(tr);
  fm_case_free(c);
}

Test(train, rejects_a_bad_configuration_naming_the_field)
{
  fm_case *c = fm_test_case_load("ring8-cond_ot.json");
  fm_errmsg e = {{0}};
  fm_train *tr;
  fm_train_config cfg = fm_small_config(3);
  cr_expect_eq(fm_train_alloc(&tr, c, &cfg, &e), FM_EDIM);
  cr_expect(strstr(e.msg, "dimension 3") != NULL, "%s", e.msg);
  const char *expect[] = {"batch", "batch", "lr_min", "t range", "clip"};
  for (int i = 0; i < 5; i++) {
    cfg = fm_small_config(2);
    switch (i) {
    case 0: cfg.batch = 0; break;
    case 1: cfg.ot = 1; cfg.batch = FM_TRAIN_MAXBATCH_OT + 1; break;
    case 2: cfg.lr_min = 2 * cfg.lr; break;
    case 3: cfg.t_lo = 0.5; cfg.t_hi = 0.5; break;
    default: cfg.clip = -1.0; break;
    }
    cr_expect_eq(fm_train_alloc(&tr, c, &cfg, &e), FM_EINVAL, "case %d accepted", i);
    cr_expect(strstr(e.msg, expect[i]) != NULL, "expected '%s' in: %s", expect[i], e.msg);
  }
  fm_case_free(c);
}

/* ------------------------------------------------------------ learning */

/* 1000 steps (width 32, depth 3, batch 128, lr 5e-3 with cosine decay;
 * small so that the valgrind setup stays affordable): the held-out true
 * field error must fall at least 5-fold.  Measured values are printed
 * (at this seed 66x on bimodal1d and 8.1x on ring8, standard errors ~5% of
 * the values).  A sign error in the gradient diverges and targets paired
 * with the wrong x1 leave the error at O(100): both fail by orders of
 * magnitude (tried as mutants). */
static void fm_test_learns(const char *file)
{
  fm_case *c = fm_test_case_load(file);
  fm_train_config cfg;
  fm_train_config_default(&cfg, c->gmm->d, SEED);
  cfg.arch.width = 32;
  cfg.batch = 128;
  cfg.steps = 1000;
  cfg.lr = 5e-3;
  cfg.log_every = 250;
  cfg.heldout = 2048;
  fm_logbook b = {.n = 0};
  fm_train *tr;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_train_alloc(&tr, c, &cfg, &e), FM_OK, "%s", e.msg);
  cr_assert_eq(fm_train_run(tr, cfg.steps, fm_keep, &b, &e), FM_OK, "%s", e.msg);
  cr_assert_eq(b.n, 5);
  for (size_t i = 0; i < b.n; i++)
    fprintf(stderr, "train: %s step %5llu loss %.4f field error %.5f +- %.5f (C %.4f)\n", file,
            (unsigned long long)b.rec[i].step, b.rec[i].loss, b.rec[i].field_err,
            b.rec[i].field_err_se, b.rec[i].floor_c);
  double e0 = b.rec[0].field_err, e1 = b.rec[b.n - 1].field_err;
  cr_expect_leq(e1, e0 / 5.0, "%s: field error %.4g -> %.4g, less than the 5-fold drop", file,
                e0, e1);
  fm_train_free(tr);
  fm_case_free(c);
}

Test(train, field_error_falls_fivefold_on_bimodal1d)
{
  fm_test_learns("bimodal1d-cond_ot.json");
}

Test(train, field_error_falls_fivefold_on_ring8)
{
  fm_test_learns("ring8-cond_ot.json");
}

/* A schedule with sigma = 0 makes the conditional target 0/0: the trainer
 * must stop with a message naming the step, row and t -- not train on NaN. */
Test(train, non_finite_targets_stop_training_with_a_message)
{
  const char *json =
      "{\"name\": \"degenerate\", \"data\": {\"type\": \"gmm\", \"dim\": 1, \"components\": "
      "[{\"weight\": 1, \"mean\": [0.5], \"var\": 0.25}]}, \"schedule\": {\"type\": "
      "\"expr\", \"alpha\": \"t\", \"sigma\": \"0 * t\"}}";
  fm_case *c;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_case_load_string(&c, json, "inline", NULL, &e), FM_OK, "%s", e.msg);
  fm_train_config cfg = fm_small_config(1);
  fm_train *tr;
  cr_expect_eq(fm_train_alloc(&tr, c, &cfg, &e), FM_ENONFIN);
  cr_expect(strstr(e.msg, "held-out set, row 0") != NULL, "%s", e.msg);
  cfg.log_every = 0;
  cr_assert_eq(fm_train_alloc(&tr, c, &cfg, &e), FM_OK, "%s", e.msg);
  cr_expect_eq(fm_train_step(tr, NULL, &e), FM_ENONFIN);
  cr_expect(strstr(e.msg, "step 0, row 0") && strstr(e.msg, "not finite"), "%s", e.msg);
  fm_train_free(tr);
  fm_case_free(c);
}
