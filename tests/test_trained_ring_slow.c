/* test_trained_ring_slow.c (suite slow) -- a model trained on
 * ring8-cond_ot generates the eight modes in the right proportions, and
 * its samples are close to the truth in MMD.
 *
 * Training (library, as `fmcheck train` runs it): width 128, depth 3,
 * batch 256, 10^4 Adam steps, lr 2e-3 with cosine decay, seed fixed
 * (~20-40 s).  Sampling: 10^4 samples, RK4 with 100 steps from N(0, I)
 * (the sampler's own error is ~1e-7 at that step count on the analytic
 * field: test_sample.c).
 *
 * Claims, each decided at level 1e-3:
 *  1. mode occupancy: the Wald chi-square of the posterior soft counts
 *     against exact draws (fm_gmmtest_chisq_modes) does not reject;
 *  2. MMD: the permutation test on 1000 + 1000 samples does not reject,
 *     and the measured MMD^2 is below that of a stated reference error --
 *     the true mixture with its radius scaled by 1.05, i.e. every mode
 *     moved by one standard deviation (0.1) -- measured the same way
 *     against the same exact draws.
 * Reported, not asserted (a trained MLP need not get them exactly; the
 * numbers say how close it is): the held-out field error at the end, the
 * log p KS test (the most sensitive to mode width), the within-mode
 * standard deviation of the samples against the true 0.1, and each test's
 * p-value.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fm_test_smp.h"
#include "sample.h"
#include "gmmtest.h"
#include "train.h"

#define SEED 20240624u
#define NS 10000
#define NPERM 2000
#define LEVEL 1e-3

static int fm_quiet_log(const fm_train_log *r, void *ctx)
{
  double *last = ctx;
  *last = r->field_err;
  if (r->step % 2000 == 0)
    fprintf(stderr, "trained_ring: step %5llu field error %.4f +- %.4f, held-out loss %.4f, "
            "floor %.4f\n", (unsigned long long)r->step, r->field_err, r->field_err_se,
            r->heldout_loss, r->floor_c);
  return 0;
}

/* Train and return the model's samples (NS x 2). */
static double *fm_test_trained_samples(const fm_case *c, double *field_err)
{
  fm_train_config cfg;
  fm_train_config_default(&cfg, 2, SEED);
  cfg.arch.width = 128;
  cfg.arch.depth = 3;
  cfg.steps = 10000;
  cfg.lr = 2e-3;
  cfg.log_every = 1000;
  fm_train *tr;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_train_alloc(&tr, c, &cfg, &e), FM_OK, "%s", e.msg);
  cr_assert_eq(fm_train_run(tr, cfg.steps, fm_quiet_log, field_err, &e), FM_OK, "%s", e.msg);
  fm_field *f;
  cr_assert_eq(fm_field_mlp_alloc(&f, fm_train_mlp_const(tr), c->sched, 256, &e), FM_OK);
  double *X = malloc(NS * 2 * sizeof *X);
  fm_sample_noise(X, NS, 2, SEED, 0);
  fm_sample_opts o;
  fm_sample_opts_default(&o);
  o.steps = 100;
  cr_assert_eq(fm_sample_run(X, NULL, f, NS, &o, &e), FM_OK, "%s", e.msg);
  fm_field_free(f);
  fm_train_free(tr);
  return X;
}

/* Standard deviation of the samples about their nearest mode (per axis). */
static double fm_within_mode_sd(const double *X, size_t n, const fm_gmm *g)
{
  double ss = 0.0;
  for (size_t i = 0; i < n; i++) {
    double best = INFINITY;
    for (size_t k = 0; k < g->K; k++) {
      double dx = X[2 * i] - g->mean[2 * k], dy = X[2 * i + 1] - g->mean[2 * k + 1];
      best = fmin(best, dx * dx + dy * dy);
    }
    ss += best;
  }
  return sqrt(ss / (2.0 * (double)n));
}

Test(trained_ring, samples_fill_the_modes_in_proportion_and_are_close_in_mmd)
{
  fm_case *c = fm_test_case("ring8-cond_ot");
  double ferr = NAN;
  double *X = fm_test_trained_samples(c, &ferr);
  fm_gmm *q = c->gmm;
  double *Y = malloc(NS * 2 * sizeof *Y), *Z = malloc(NS * 2 * sizeof *Z);
  fm_rng r = fm_rng_make(SEED, FM_RNG_STREAM(0x5452, 9));
  for (size_t i = 0; i < NS; i++) {
    fm_gmm_sample(Y + 2 * i, q, &r, i);
    Z[2 * i] = 1.05 * Y[2 * i]; /* the reference error: radius x 1.05 */
    Z[2 * i + 1] = 1.05 * Y[2 * i + 1];
  }
  fm_rng rz = fm_rng_make(SEED, FM_RNG_STREAM(0x5452, 10)); /* fresh exact draws */
  double *Y2 = malloc(NS * 2 * sizeof *Y2);
  for (size_t i = 0; i < NS; i++)
    fm_gmm_sample(Y2 + 2 * i, q, &rz, i);
  fm_stat_result occ, mmd, mmd_ref, lks;
  cr_assert_eq(fm_gmmtest_chisq_modes(&occ, X, NS, Y2, NS, q), FM_OK);
  fm_rng rp = fm_rng_make(SEED, FM_RNG_STREAM(0x5452, 11));
  double bw, bw_ref;
  cr_assert_eq(fm_stat_mmd(&mmd, &bw, X, 1000, Y, 1000, 2, NPERM, &rp), FM_OK);
  cr_assert_eq(fm_stat_mmd(&mmd_ref, &bw_ref, Z + 2000, 1000, Y, 1000, 2, NPERM, &rp), FM_OK);
  cr_assert_eq(fm_gmmtest_logp_ks(&lks, X, NS, Y2, NS, q), FM_OK);
  double sd = fm_within_mode_sd(X, NS, q);
  fprintf(stderr, "trained_ring: final held-out field error %.4f\n"
          "trained_ring: mode occupancy chi2 %.3f p = %.3g\n"
          "trained_ring: MMD^2 %.3g (bandwidth %.3g, p = %.3g); reference radius x1.05: "
          "MMD^2 %.3g (p = %.3g)\n"
          "trained_ring: log p KS D = %.4f p = %.3g; within-mode sd %.4f (truth 0.1)\n", ferr,
          occ.stat, occ.pvalue, mmd.stat, bw, mmd.pvalue, mmd_ref.stat, mmd_ref.pvalue,
          lks.stat, lks.pvalue, sd);
  cr_expect(occ.pvalue >= LEVEL, "mode occupancy rejected: chi2 %.3f, p %.3g", occ.stat,
            occ.pvalue);
  cr_expect(mmd.pvalue >= LEVEL, "MMD rejects the trained samples: p %.3g", mmd.pvalue);
  cr_expect(mmd.stat < mmd_ref.stat, "MMD^2 %.3g is not below the reference error's %.3g",
            mmd.stat, mmd_ref.stat);
  free(X);
  free(Y);
  free(Y2);
  free(Z);
  fm_case_free(c);
}
