/* test_train_slow.c (suite slow) -- long CFM training runs approach the
 * analytic floor: L_CFM(theta) -> C = E||u_t(x|x1) - u_t(x)||^2, the value
 * no model can beat (cfm-minimizer), and the gap L_CFM - C equals the true
 * field error E||v - u||^2 (fm-cfm-grad's identity L_CFM = L_FM + C at the
 * trained network's own theta).
 *
 * After training (width 128, depth 3, batch 256, 10^4 steps, lr 2e-3 with
 * cosine decay) this file estimates, by its own Monte Carlo on N = 2^17
 * fresh triples (t ~ U[0,1], x0 ~ N(0,I), x1 ~ q; a stream the trainer
 * never uses), with the analytic u_t from fm_gmm_marginal:
 *   L = mean ||v - u(x|x1)||^2,  C = mean ||u(x) - u(x|x1)||^2,
 *   gap = mean D_i, D_i = ||v - u(x|x1)||^2 - ||u - u(x|x1)||^2 (common
 *   random numbers: the gap's standard error is far below C's),
 *   F = mean ||v - u||^2.
 * Claims, each with its stated bound:
 *   1. D_i - F_i = 2 (v - u).(u - u(x|x1)) has mean 0 (the cross term
 *      vanishes because E[u(x|x1) | x] = u(x)): |mean| <= 4 SE, z = 4
 *      two-sided (p ~ 6e-5 per case, 2 cases: Bonferroni level 1.3e-4).
 *   2. The floor is not beaten: gap >= -4 SE.
 *   3. Training gets close to it: gap <= 2% of C (a requirement on the
 *      trainer; measured gaps are printed and are ~0.2% and ~0.7%).
 *   4. The held-out field error falls at least 20-fold over the run.
 * The training curve (field error vs step) is printed.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "cond.h"
#include "gmm.h"
#include "train.h"

#define SEED 20240615u
#define NMC (1u << 17)
#define CHUNK 1024

static int fm_print(const fm_train_log *r, void *ctx)
{
  double *first_last = ctx;
  if (r->step == 0)
    first_last[0] = r->field_err;
  first_last[1] = r->field_err;
  fprintf(stderr, "train_slow:   step %6llu lr %.2e loss %.4f field error %.5f +- %.5f\n",
          (unsigned long long)r->step, r->lr, r->loss, r->field_err, r->field_err_se);
  return 0;
}

typedef struct {
  double mean, m2;
  size_t n;
} fm_welford;

static void fm_welford_add(fm_welford *w, double x)
{
  w->n++;
  double d = x - w->mean;
  w->mean += d / (double)w->n;
  w->m2 += d * (x - w->mean);
}

static double fm_welford_se(const fm_welford *w)
{
  return sqrt(w->m2 / (double)(w->n - 1) / (double)w->n);
}

static void fm_test_floor(const char *file)
{
  fm_case *c = NULL;
  fm_errmsg e = {{0}};
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    if (strcmp(fm_case_builtin_file(i), file) == 0)
      cr_assert_eq(fm_case_builtin_load(&c, i, &e), FM_OK, "%s", e.msg);
  cr_assert_not_null(c);
  size_t d = c->gmm->d;
  fm_train_config cfg;
  fm_train_config_default(&cfg, d, SEED);
  cfg.arch.width = 128;
  cfg.steps = 10000;
  cfg.lr = 2e-3;
  cfg.log_every = 1000;
  cfg.heldout = 4096;
  fm_train *tr;
  cr_assert_eq(fm_train_alloc(&tr, c, &cfg, &e), FM_OK, "%s", e.msg);
  fprintf(stderr, "train_slow: %s\n", file);
  double fl[2] = {NAN, NAN};
  cr_assert_eq(fm_train_run(tr, cfg.steps, fm_print, fl, &e), FM_OK, "%s", e.msg);

  /* Independent Monte Carlo at the trained theta. */
  const fm_mlp *m = fm_train_mlp_const(tr);
  fm_mlp_work *w;
  cr_assert_eq(fm_mlp_work_alloc(&w, &m->arch, CHUNK, &e), FM_OK);
  double *t = malloc(CHUNK * sizeof *t), *buf = malloc(4 * CHUNK * d * sizeof *buf);
  double *x = buf, *uc = x + CHUNK * d, *u = uc + CHUNK * d, *v = u + CHUNK * d;
  cr_assert_leq(d, 16);
  fm_rng r = fm_rng_make(SEED, FM_RNG_STREAM(0x534c, 1));
  fm_rng rt = fm_rng_child(&r, 0), r0 = fm_rng_child(&r, 1), r1 = fm_rng_child(&r, 2);
  fm_welford L = {0}, C = {0}, G = {0}, F = {0}, X = {0};
  for (size_t off = 0; off < NMC; off += CHUNK) {
    for (size_t i = 0; i < CHUNK; i++) {
      uint64_t k = off + i;
      fm_sched_val sv;
      double x0[16], x1[16];
      t[i] = fm_rng_uniform(&rt, k);
      fm_rng_normals(x0, d, &r0, k * d);
      fm_gmm_sample(x1, c->gmm, &r1, k);
      cr_assert_eq(fm_schedule_eval(&sv, c->sched, t[i]), FM_OK);
      fm_cond_flow(x + i * d, &sv, x0, x1, d);
      fm_cond_field(uc + i * d, &sv, x + i * d, x1, d);
      cr_assert_eq(fm_gmm_marginal(NULL, NULL, NULL, u + i * d, c->gmm, c->sched, t[i],
                                   x + i * d), FM_OK);
    }
    cr_assert_eq(fm_mlp_forward(v, w, m, t, x, CHUNK), FM_OK);
    for (size_t i = 0; i < CHUNK; i++) {
      double lv = 0.0, lc = 0.0, lf = 0.0;
      for (size_t j = 0; j < d; j++) {
        size_t q = i * d + j;
        lv += (v[q] - uc[q]) * (v[q] - uc[q]);
        lc += (u[q] - uc[q]) * (u[q] - uc[q]);
        lf += (v[q] - u[q]) * (v[q] - u[q]);
      }
      fm_welford_add(&L, lv);
      fm_welford_add(&C, lc);
      fm_welford_add(&G, lv - lc);
      fm_welford_add(&F, lf);
      fm_welford_add(&X, lv - lc - lf);
    }
  }
  fprintf(stderr,
          "train_slow: %s: L_CFM %.5f +- %.5f, C %.5f +- %.5f, gap %.5f +- %.5f "
          "(%.3f%% of C), field error %.5f +- %.5f, cross term %.2e +- %.2e\n",
          file, L.mean, fm_welford_se(&L), C.mean, fm_welford_se(&C), G.mean,
          fm_welford_se(&G), 100.0 * G.mean / C.mean, F.mean, fm_welford_se(&F), X.mean,
          fm_welford_se(&X));
  cr_expect_leq(fabs(X.mean), 4.0 * fm_welford_se(&X),
                "%s: L_CFM - C - L_FM = %.3g, more than 4 SE = %.3g from 0", file, X.mean,
                4.0 * fm_welford_se(&X));
  cr_expect_geq(G.mean, -4.0 * fm_welford_se(&G), "%s: gap %.3g below the floor by > 4 SE",
                file, G.mean);
  cr_expect_leq(G.mean, 0.02 * C.mean, "%s: gap %.4g is more than 2%% of C = %.4g", file,
                G.mean, C.mean);
  cr_expect_leq(fl[1], fl[0] / 20.0, "%s: held-out field error %.4g -> %.4g, less than "
                "20-fold", file, fl[0], fl[1]);
  free(t);
  free(buf);
  fm_mlp_work_free(w);
  fm_train_free(tr);
  fm_case_free(c);
}

Test(train_slow, cfm_loss_approaches_its_floor_on_bimodal1d, .timeout = 600)
{
  fm_test_floor("bimodal1d-cond_ot.json");
}

Test(train_slow, cfm_loss_approaches_its_floor_on_ring8, .timeout = 600)
{
  fm_test_floor("ring8-cond_ot.json");
}
