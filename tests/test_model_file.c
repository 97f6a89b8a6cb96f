/* test_model_file.c -- the model file: an exact round trip, and every kind of
 * damage (truncation at every 64th byte, single bit flips, a newer version,
 * fields out of range under a valid checksum, the wrong case) rejected with
 * a clear message naming the file -- never a crash, never a silent load. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "fm_test_case.h"
#include "fm_test_fmm.h"
#include "fm_test_tmp.h"
#include "model_file.h"
#include "train.h"

#define SEED 20240613u

/* A small trainer on ring8-cond_ot after 7 steps (so that the loss
 * accumulator is mid-window: 7 mod 5 = 2). */
static fm_train *fm_small_run(const fm_case *c)
{
  fm_train_config cfg;
  fm_train_config_default(&cfg, c->gmm->d, SEED);
  cfg.arch.width = 8;
  cfg.arch.depth = 2;
  cfg.arch.n_freq = 1;
  cfg.batch = 16;
  cfg.heldout = 16;
  cfg.log_every = 5;
  cfg.steps = 20;
  cfg.ot = 1;
  cfg.clip = 0.5;
  fm_train *tr;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_train_alloc(&tr, c, &cfg, &e), FM_OK, "%s", e.msg);
  cr_assert_eq(fm_train_run(tr, 7, NULL, NULL, &e), FM_OK, "%s", e.msg);
  return tr;
}

/* The trainer above and its image: what every damage test starts from. */
typedef struct {
  fm_case *c;
  fm_train *tr;
  unsigned char *buf;
  size_t len;
} fm_image;

static fm_image fm_image_make(void)
{
  fm_image im;
  fm_errmsg e = {{0}};
  im.c = fm_test_case_load("ring8-cond_ot.json");
  im.tr = fm_small_run(im.c);
  cr_assert_eq(fm_model_image(&im.buf, &im.len, im.tr, &e), FM_OK, "%s", e.msg);
  return im;
}

static void fm_image_free(fm_image *im)
{
  free(im->buf);
  fm_train_free(im->tr);
  fm_case_free(im->c);
}

/* Parse a (damaged) image; it must fail with a message naming the file. */
static int fm_expect_reject(const unsigned char *buf, size_t len, const char *what,
                            fm_errmsg *e)
{
  fm_model *m = NULL;
  int st = fm_model_parse(&m, buf, len, "damaged.fmm", e);
  cr_expect_neq(st, FM_OK, "%s: a damaged image was accepted", what);
  cr_expect_null(m);
  cr_expect(strncmp(e->msg, "damaged.fmm: ", 13) == 0, "%s: message does not name the "
            "file: %s", what, e->msg);
  fm_model_free(m);
  return st;
}

/* Offset of the first occurrence of the little-endian bytes of x. */
static size_t fm_find_f64(const unsigned char *buf, size_t len, double x)
{
  uint64_t u;
  unsigned char b[8];
  memcpy(&u, &x, 8);
  fm_test_put_u64(b, u);
  for (size_t i = 0; i + 8 <= len; i++)
    if (memcmp(buf + i, b, 8) == 0)
      return i;
  cr_assert_fail("value not found in image");
  return 0;
}

Test(model_file, round_trip_is_bit_for_bit)
{
  fm_case *c = fm_test_case_load("ring8-cond_ot.json");
  fm_train *tr = fm_small_run(c);
  char dir[64], path[96];
  fm_test_tmpdir(dir, sizeof dir, "model");
  fm_test_tmppath(path, sizeof path, dir, "m.fmm");
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_model_save(path, tr, &e), FM_OK, "%s", e.msg);
  fm_model *m;
  cr_assert_eq(fm_model_load(&m, path, &e), FM_OK, "%s", e.msg);
  const fm_mlp *a = fm_train_mlp_const(tr);
  cr_assert_eq(m->mlp->n_params, a->n_params);
  cr_assert(memcmp(m->mlp->theta, a->theta, a->n_params * sizeof(double)) == 0);
  cr_assert(memcmp(m->adam->m, fm_train_adam(tr)->m, a->n_params * sizeof(double)) == 0);
  cr_assert(memcmp(m->adam->v, fm_train_adam(tr)->v, a->n_params * sizeof(double)) == 0);
  cr_assert_eq(m->adam->k, 7);
  cr_assert_eq(m->progress.step, 7);
  cr_assert_eq(m->progress.loss_count, 2);
  cr_assert_eq(m->config.clip, 0.5);
  cr_assert_eq(m->config.ot, 1);
  cr_assert_eq(m->config.arch.n_freq, 1);
  cr_assert_str_eq(m->case_name, "ring8-cond_ot");
  cr_assert_eq(m->case_hash, fm_model_case_hash(c));
  cr_assert_eq(fm_model_check_case(m, c, &e), FM_OK, "%s", e.msg);
  /* The image of the resumed trainer is byte-identical to the file. */
  fm_train *tr2;
  cr_assert_eq(fm_model_resume(&tr2, m, c, &e), FM_OK, "%s", e.msg);
  unsigned char *b1, *b2;
  size_t l1, l2;
  cr_assert_eq(fm_model_image(&b1, &l1, tr, &e), FM_OK);
  cr_assert_eq(fm_model_image(&b2, &l2, tr2, &e), FM_OK);
  cr_assert_eq(l1, l2);
  cr_assert(memcmp(b1, b2, l1) == 0, "resumed state differs from the saved one");
  /* Saving again replaces the file atomically and leaves no temporary. */
  cr_assert_eq(fm_model_save(path, tr2, &e), FM_OK, "%s", e.msg);
  const char *keep[] = {"m.fmm", NULL};
  cr_expect_eq(fm_test_tmpdir_extra(dir, keep), 0, "a temporary file was left in %s", dir);
  cr_expect_eq(access(path, F_OK), 0, "%s is gone", path);
  free(b1);
  free(b2);
  fm_train_free(tr2);
  fm_model_free(m);
  fm_train_free(tr);
  fm_case_free(c);
  fm_test_tmpdir_remove(dir);
}

Test(model_file, truncation_at_every_64th_byte_is_a_clear_error)
{
  fm_image im = fm_image_make();
  fm_errmsg e = {{0}};
  const size_t n = im.len;
  for (size_t cut = 0; cut < n; cut = cut + 64 < n || cut == n - 1 ? cut + 64 : n - 1) {
    char what[64];
    snprintf(what, sizeof what, "truncated to %zu of %zu bytes", cut, n);
    cr_expect_eq(fm_expect_reject(im.buf, cut, what, &e), FM_EPARSE);
    cr_expect(strstr(e.msg, "truncated") != NULL, "%s: message %s", what, e.msg);
  }
  fm_image_free(&im);
}

Test(model_file, single_bit_flips_are_detected)
{
  fm_image im = fm_image_make();
  fm_errmsg e = {{0}};
  fm_rng r = fm_rng_make(SEED, 9);
  /* 300 random flips, plus every bit of the frozen 20-byte prefix. */
  for (size_t k = 0; k < 300 + 160; k++) {
    size_t bit = k < 160 ? k : (size_t)(fm_rng_uniform(&r, k) * (double)(im.len * 8));
    im.buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    char what[64];
    snprintf(what, sizeof what, "bit %zu of byte %zu flipped", bit % 8, bit / 8);
    fm_expect_reject(im.buf, im.len, what, &e);
    im.buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
  }
  fm_model *m;
  cr_assert_eq(fm_model_parse(&m, im.buf, im.len, "intact", &e), FM_OK, "%s", e.msg);
  fm_model_free(m);
  fm_image_free(&im);
}

Test(model_file, newer_version_and_bad_fields_under_a_valid_checksum_are_named)
{
  fm_image im = fm_image_make();
  fm_train *tr = im.tr;
  unsigned char *buf = im.buf, *w;
  size_t len = im.len;
  fm_errmsg e = {{0}};
  w = malloc(len);
  const fm_mlp *mlp = fm_train_mlp_const(tr);
  struct {
    size_t off; /* where to write */
    int width;  /* 4 or 8 bytes */
    uint64_t value;
    const char *expect; /* in the message */
  } edits[] = {
      {8, 4, 2, "version = 2 is not supported"},
      {20, 4, 1, "flags"},
      {24, 8, 3, "n_params"},         /* d = 3: the sizes no longer agree */
      {32, 8, 0, "arch.width = 0"},
      {40, 8, 1000, "arch.depth = 1000"},
      {56, 8, 12345, "n_params = 12345"},
  };
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
    memcpy(w, buf, len);
    if (edits[i].width == 4)
      fm_test_put_u32(w + edits[i].off, (uint32_t)edits[i].value);
    else
      fm_test_put_u64(w + edits[i].off, edits[i].value);
    fm_test_reseal(w, len);
    cr_expect_eq(fm_expect_reject(w, len, edits[i].expect, &e), FM_EPARSE);
    cr_expect(strstr(e.msg, edits[i].expect) != NULL, "expected \"%s\" in: %s",
              edits[i].expect, e.msg);
  }
  /* A non-finite parameter, and a negative second moment. */
  memcpy(w, buf, len);
  size_t off = fm_find_f64(w, len, mlp->theta[0]);
  double nan = NAN;
  uint64_t u;
  memcpy(&u, &nan, 8);
  fm_test_put_u64(w + off, u);
  fm_test_reseal(w, len);
  fm_expect_reject(w, len, "NaN parameter", &e);
  cr_expect(strstr(e.msg, "theta[0] is not finite") != NULL, "message: %s", e.msg);
  memcpy(w, buf, len);
  double neg = -fm_train_adam(tr)->v[3];
  off = fm_find_f64(w, len, fm_train_adam(tr)->v[3]);
  memcpy(&u, &neg, 8);
  fm_test_put_u64(w + off, u);
  fm_test_reseal(w, len);
  fm_expect_reject(w, len, "negative second moment", &e);
  cr_expect(strstr(e.msg, "adam.v[3]") != NULL, "message: %s", e.msg);
  /* Bytes appended after the data (length field and CRC made consistent). */
  unsigned char *big = malloc(len + 8);
  memcpy(big, buf, len - 4);
  memset(big + len - 4, 0, 8);
  fm_test_put_u64(big + 12, len + 8);
  fm_test_reseal(big, len + 8);
  fm_expect_reject(big, len + 8, "trailing bytes", &e);
  cr_expect(strstr(e.msg, "bytes remain") != NULL, "message: %s", e.msg);
  free(big);
  free(w);
  fm_image_free(&im);
}

Test(model_file, wrong_case_is_refused_naming_both)
{
  fm_image im = fm_image_make();
  fm_errmsg e = {{0}};
  fm_model *m;
  cr_assert_eq(fm_model_parse(&m, im.buf, im.len, "ring.fmm", &e), FM_OK, "%s", e.msg);
  fm_case *c1 = fm_test_case_load("bimodal1d-cond_ot.json");
  cr_expect_eq(fm_model_check_case(m, c1, &e), FM_EDIM);
  cr_expect(strstr(e.msg, "dimension 2") && strstr(e.msg, "dimension 1"), "%s", e.msg);
  fm_train *bad;
  cr_expect_eq(fm_model_resume(&bad, m, c1, &e), FM_EDIM);
  cr_expect_null(bad);
  /* Same dimension, same data, another schedule. */
  fm_case *c2 = fm_test_case_load("ring8-cosine.json");
  cr_expect_eq(fm_model_check_case(m, c2, &e), FM_EINVAL);
  cr_expect(strstr(e.msg, "ring8-cond_ot") && strstr(e.msg, "ring8-cosine"), "%s", e.msg);
  /* The same content in other words (reformatted, renamed) is the same case. */
  const char *json =
      "{\"name\": \"renamed\", \"data\": {\"type\": \"gmm\", \"dim\": 2, \"components\": ["
      "{\"weight\": 1, \"mean\": [2.0, 0.0], \"var\": 0.01},"
      "{\"weight\": 1, \"mean\": [1.4142135623730951, 1.4142135623730951], \"var\": 0.01},"
      "{\"weight\": 1, \"mean\": [0.0, 2.0], \"var\": 0.01},"
      "{\"weight\": 1, \"mean\": [-1.4142135623730951, 1.4142135623730951], \"var\": 0.01},"
      "{\"weight\": 1, \"mean\": [-2.0, 0.0], \"var\": 0.01},"
      "{\"weight\": 1, \"mean\": [-1.4142135623730951, -1.4142135623730951], \"var\": 0.01},"
      "{\"weight\": 1, \"mean\": [0.0, -2.0], \"var\": 0.01},"
      "{\"weight\": 1, \"mean\": [1.4142135623730951, -1.4142135623730951], \"var\": 0.01}"
      "]}, \"schedule\": {\"type\": \"cond_ot\", \"sigma_min\": 1e-4}}";
  fm_case *c3;
  cr_assert_eq(fm_case_load_string(&c3, json, "inline", NULL, &e), FM_OK, "%s", e.msg);
  cr_expect_eq(fm_model_check_case(m, c3, &e), FM_OK, "%s", e.msg);
  fm_case_free(c3);
  fm_case_free(c2);
  fm_case_free(c1);
  fm_model_free(m);
  fm_image_free(&im);
}

Test(model_file, unreadable_or_foreign_files_are_clear_errors)
{
  fm_errmsg e = {{0}};
  fm_model *m;
  cr_expect_eq(fm_model_load(&m, "/nonexistent/dir/m.fmm", &e), FM_EIO);
  cr_expect(strstr(e.msg, "/nonexistent/dir/m.fmm") != NULL, "%s", e.msg);
  cr_expect_eq(fm_model_load(&m, "/tmp", &e), FM_EIO);
  cr_expect(strstr(e.msg, "not a regular file") != NULL, "%s", e.msg);
  unsigned char junk[200];
  fm_rng r = fm_rng_make(SEED, 10);
  for (size_t i = 0; i < sizeof junk; i++)
    junk[i] = (unsigned char)(256.0 * fm_rng_uniform(&r, i));
  fm_expect_reject(junk, sizeof junk, "random bytes", &e);
  cr_expect(strstr(e.msg, "not an fmcheck model file") != NULL, "%s", e.msg);
  /* Saving into a directory that does not exist. */
  fm_case *c = fm_test_case_load("ring8-cond_ot.json");
  fm_train *tr = fm_small_run(c);
  cr_expect_eq(fm_model_save("/nonexistent/dir/m.fmm", tr, &e), FM_EIO);
  cr_expect(strstr(e.msg, "/nonexistent/dir/m.fmm") != NULL, "%s", e.msg);
  fm_train_free(tr);
  fm_case_free(c);
}
