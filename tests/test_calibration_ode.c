/* test_calibration_ode.c -- slow suite: the statistical checks of the
 * ODE/SDE/statistics part over many seeds.
 *
 *  - sde-marginals on six built-in cases (1D, 1D bimodal VP, 1D VE, 2D ring,
 *    3D anisotropic, 16D) over 200 seeds: the family-wise decision rejects
 *    iff the smallest Holm-adjusted p-value is <= 1e-3.  Holm controls the
 *    family-wise error under any dependence, so P(min p_adj <= a) <= a at
 *    every a: the observed rates at a = 1e-3 (the stated level), 1e-2, 5e-2
 *    and 0.2 must not exceed a significantly (one-sided exact binomial test
 *    at 1e-3 per cell; rates at the larger a are where miscalibration, e.g.
 *    EM bias, would show).  The mutant must fail on every seed.
 *  - likelihood (its Hutchinson t-test is the statistical route) on three
 *    cases over 200 seeds: false alarms at the stated 1e-4 level, mutants
 *    fail on every seed.
 *  - every test of numerics/stattest.h on exact draws of aniso3d and ring8
 *    (n = 2000) over 200 seeds: rates at 1e-3, 1e-2, 5e-2, same binomial
 *    criterion; wrong samples rejected on every seed: mean shift 0.1 sd
 *    (compare-samples), covariance x 0.9 at 1e4 (log p KS), weights +- 0.04
 *    at 1e4 (chi-square).
 * Tables go to stderr.  FM_CALIB_SEEDS overrides the number of seeds. */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "fm_test_calib.h"
#include "fm_test_case.h"
#include "gmmtest.h"
#include "theorems.h"

#define FM_CAL_A 4
static const double fm_cal_levels[FM_CAL_A] = {1e-3, 1e-2, 5e-2, 0.2};

/* One-sided exact binomial: is `count` of n significantly above rate a? */
static int fm_cal_too_many(size_t count, size_t n, double a)
{
  if (count == 0)
    return 0;
  double tail = gsl_cdf_binomial_Q((unsigned)(count - 1), a, (unsigned)n); /* P(X >= count) */
  return tail < 1e-3;
}

static void fm_cal_row(const char *what, const char *cname, const size_t *cnt, size_t n,
                       const char *extra)
{
  fprintf(stderr, "%-16s %-20s %4zu", what, cname, n);
  for (int a = 0; a < FM_CAL_A; a++) {
    fprintf(stderr, "  %6.4f (%3zu)%s", (double)cnt[a] / (double)n, cnt[a],
            fm_cal_too_many(cnt[a], n, fm_cal_levels[a]) ? "!" : " ");
    cr_expect(!fm_cal_too_many(cnt[a], n, fm_cal_levels[a]),
              "%s %s: rate %.4f at level %g over %zu seeds is too high", what, cname,
              (double)cnt[a] / (double)n, fm_cal_levels[a], n);
  }
  fprintf(stderr, "  %s\n", extra);
}

static void fm_cal_header(const char *title)
{
  fprintf(stderr, "\n%s\n%-16s %-20s %4s", title, "check", "case", "n");
  for (int a = 0; a < FM_CAL_A; a++)
    fprintf(stderr, "  rate@%-8g", fm_cal_levels[a]);
  fprintf(stderr, "  mutants\n");
}

/* ------------------------------------------------------ sde-marginals */

Test(calibration_ode, sde_marginals_false_alarms_and_mutant, .timeout = 3600)
{
  const char *files[] = {"gauss1d-cond_ot.json", "bimodal1d-vp.json", "gauss1d-ve.json",
                         "ring8-cond_ot.json", "aniso3d-cond_ot.json", "mix16d-cond_ot.json"};
  size_t ns = fm_test_calib_seeds();
  fm_cal_header("sde-marginals: rate of min Holm-adjusted p <= a (decision at a = 1e-3)");
  for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
    fm_case *c = fm_test_case_load(files[f]);
    size_t cnt[FM_CAL_A] = {0}, mut_pass = 0;
    double mut_min = INFINITY;
    for (size_t s = 1; s <= ns; s++) {
      fm_check_opts o = fm_check_opts_default();
      o.seed = 1000 + s;
      fm_verdict v;
      cr_assert_eq(fm_theorem_run(&v, &fm_thm_sde_marginals, c, &o, 0), FM_OK);
      double pmin = pow(10.0, -v.value);
      for (int a = 0; a < FM_CAL_A; a++)
        cnt[a] += pmin <= fm_cal_levels[a];
      cr_assert_eq(fm_theorem_run(&v, &fm_thm_sde_marginals, c, &o, 1), FM_OK);
      mut_pass += v.outcome != FM_OUTCOME_FAIL;
      mut_min = fmin(mut_min, v.margin);
    }
    char extra[128];
    snprintf(extra, sizeof extra, "no-score mutant rejected %zu/%zu, min margin %.3g",
             ns - mut_pass, ns, mut_min);
    fm_cal_row("sde-marginals", c->name, cnt, ns, extra);
    cr_expect_eq(mut_pass, 0, "%s: mutant passed on %zu of %zu seeds", c->name, mut_pass, ns);
    fm_case_free(c);
  }
}

/* ------------------------------------------------------- likelihood */

Test(calibration_ode, likelihood_false_alarms_and_mutants, .timeout = 3600)
{
  const char *files[] = {"ring8-cond_ot.json", "aniso3d-vp.json", "mix16d-cond_ot.json"};
  size_t ns = fm_test_calib_seeds(), nm = fm_theorem_mutant_count(&fm_thm_likelihood);
  fprintf(stderr, "\nlikelihood: false alarms of the whole check (Hutchinson t-test at 1e-4 "
          "is its statistical route)\n");
  for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
    fm_case *c = fm_test_case_load(files[f]);
    size_t fa = 0, mut_pass = 0;
    double mut_min = INFINITY;
    for (size_t s = 1; s <= ns; s++) {
      fm_check_opts o = fm_check_opts_default();
      o.seed = 2000 + s;
      fm_verdict v;
      cr_assert_eq(fm_theorem_run(&v, &fm_thm_likelihood, c, &o, 0), FM_OK);
      fa += v.outcome == FM_OUTCOME_FAIL;
      for (int m = 1; m <= (int)nm; m++) {
        cr_assert_eq(fm_theorem_run(&v, &fm_thm_likelihood, c, &o, m), FM_OK);
        mut_pass += v.outcome != FM_OUTCOME_FAIL;
        mut_min = fmin(mut_min, v.margin);
      }
    }
    fprintf(stderr, "likelihood       %-20s %4zu  false alarms %zu (rate %.4f; level 1e-4)  "
            "mutants rejected %zu/%zu, min margin %.3g\n", c->name, ns, fa,
            (double)fa / (double)ns, ns * nm - mut_pass, ns * nm, mut_min);
    cr_expect(!fm_cal_too_many(fa, ns, 1e-4), "%s: %zu false alarms in %zu seeds", c->name,
              fa, ns);
    cr_expect_eq(mut_pass, 0, "%s: a mutant passed %zu times", c->name, mut_pass);
    fm_case_free(c);
  }
}

/* -------------------------------------------------------- stattests */

static double *fm_cal_draws(const fm_gmm *g, size_t n, uint64_t seed)
{
  double *X = malloc(n * g->d * sizeof *X);
  cr_assert_not_null(X);
  fm_rng r = fm_rng_make(seed, 99);
  for (size_t i = 0; i < n; i++)
    fm_gmm_sample(X + i * g->d, g, &r, i);
  return X;
}

static fm_gmm *fm_cal_perturbed(const fm_gmm *g, double s, double dw)
{
  fm_gmm *h;
  cr_assert_eq(fm_gmm_copy(&h, g), FM_OK);
  for (size_t i = 0; i < g->K * g->d * g->d; i++)
    h->cov[i] *= s;
  h->w[0] += dw;
  h->w[1] -= dw;
  cr_assert_eq(fm_gmm_finalize(h, NULL, NULL), FM_OK);
  return h;
}

enum { FM_CT_KSPROJ, FM_CT_LOGP, FM_CT_WALD, FM_CT_PEARSON, FM_CT_MMD, FM_CT_ENERGY,
       FM_CT_SW2, FM_CT_COMPARE, FM_CT_N };
static const char *const fm_ct_names[FM_CT_N] = {"ks-proj", "logp-ks", "chisq-wald",
                                                 "chisq-pearson", "mmd", "energy",
                                                 "sliced-w2", "compare(Holm)"};

Test(calibration_ode, stattests_false_alarms_and_wrong_samples, .timeout = 3600)
{
  const char *files[] = {"aniso3d-cond_ot.json", "ring8-cond_ot.json"};
  size_t ns = fm_test_calib_seeds(), n = 2000;
  fm_cal_header("stattest: rate of p <= a on exact draws (n = 2000; permutation tests "
                "500 + 500, at most 100 sequential permutations)");
  for (size_t f = 0; f < 2; f++) {
    fm_case *c = fm_test_case_load(files[f]);
    const fm_gmm *g = c->gmm;
    size_t cnt[FM_CT_N][FM_CAL_A] = {{0}};
    size_t miss_shift = 0, miss_cov = 0, miss_w = 0;
    double worst_cov = 0.0, worst_w = 0.0;
    fm_gmm *hc = fm_cal_perturbed(g, 0.9, 0.0), *hw = fm_cal_perturbed(g, 1.0, 0.04);
    for (size_t s = 1; s <= ns; s++) {
      double *X = fm_cal_draws(g, n, 3000 + s), *Y = fm_cal_draws(g, n, 5000 + s);
      fm_rng r = fm_rng_make(7000 + s, 1);
      double p[FM_CT_N];
      fm_stat_result res;
      cr_assert_eq(fm_gmmtest_ks_proj(&res, X, n, g, 8, &r), FM_OK);
      p[FM_CT_KSPROJ] = res.pvalue;
      cr_assert_eq(fm_gmmtest_logp_ks(&res, X, n, Y, n, g), FM_OK);
      p[FM_CT_LOGP] = res.pvalue;
      cr_assert_eq(fm_gmmtest_chisq_modes(&res, X, n, Y, n, g), FM_OK);
      p[FM_CT_WALD] = res.pvalue;
      cr_assert_eq(fm_gmmtest_chisq_modes(&res, X, n, NULL, 0, g), FM_OK);
      p[FM_CT_PEARSON] = res.pvalue;
      cr_assert_eq(fm_stat_mmd(&res, NULL, X, 500, Y, 500, g->d, 100, &r), FM_OK);
      p[FM_CT_MMD] = res.pvalue;
      cr_assert_eq(fm_stat_energy(&res, X, 500, Y, 500, g->d, 100, &r), FM_OK);
      p[FM_CT_ENERGY] = res.pvalue;
      cr_assert_eq(fm_stat_sliced_w2(&res, X, 500, Y, 500, g->d, 8, 100, &r), FM_OK);
      p[FM_CT_SW2] = res.pvalue;
      fm_gmmtest_result cmp;
      fm_gmmtest_opts o = fm_gmmtest_opts_default();
      o.seed = 9000 + s;
      o.perm_max = 500;
      o.nperm = 100;
      cr_assert_eq(fm_gmmtest_compare(&cmp, X, n, g, &o), FM_OK);
      p[FM_CT_COMPARE] = 1.0;
      for (size_t i = 0; i < cmp.ntests; i++)
        p[FM_CT_COMPARE] = fmin(p[FM_CT_COMPARE], cmp.padj[i]);
      for (int t = 0; t < FM_CT_N; t++)
        for (int a = 0; a < FM_CAL_A; a++)
          cnt[t][a] += p[t] <= fm_cal_levels[a];
      /* wrong samples: shift 0.1 sd per coordinate through compare-samples */
      for (size_t j = 0; j < g->d; j++) {
        double m1 = 0.0, v1 = 0.0;
        for (size_t k = 0; k < g->K; k++)
          m1 += g->w[k] * g->mean[k * g->d + j];
        for (size_t k = 0; k < g->K; k++)
          v1 += g->w[k] * (g->cov[k * g->d * g->d + j * g->d + j] +
                           pow(g->mean[k * g->d + j] - m1, 2));
        for (size_t i = 0; i < n; i++)
          X[i * g->d + j] += 0.1 * sqrt(v1);
      }
      o.tests = FM_GMMTEST_T_ALL & ~(FM_GMMTEST_T_MMD | FM_GMMTEST_T_ENERGY | FM_GMMTEST_T_SW2);
      cr_assert_eq(fm_gmmtest_compare(&cmp, X, n, g, &o), FM_OK);
      miss_shift += !cmp.rejected;
      free(X);
      /* covariance x 0.9 and weights +- 0.04, 1e4 samples */
      double *Z = fm_cal_draws(hc, 10000, 11000 + s), *W = fm_cal_draws(g, 10000, 13000 + s);
      cr_assert_eq(fm_gmmtest_logp_ks(&res, Z, 10000, W, 10000, g), FM_OK);
      miss_cov += res.pvalue > 1e-3;
      worst_cov = fmax(worst_cov, res.pvalue);
      free(Z);
      Z = fm_cal_draws(hw, 10000, 15000 + s);
      cr_assert_eq(fm_gmmtest_chisq_modes(&res, Z, 10000, W, 10000, g), FM_OK);
      miss_w += res.pvalue > 1e-3;
      worst_w = fmax(worst_w, res.pvalue);
      free(Z);
      free(W);
      free(Y);
    }
    for (int t = 0; t < FM_CT_N; t++)
      fm_cal_row(fm_ct_names[t], c->name, cnt[t], ns, "");
    fprintf(stderr, "wrong samples    %-20s %4zu  shift 0.1 sd missed %zu; cov x 0.9 (logp-ks, "
            "1e4) missed %zu, largest p %.3g; weights +-0.04 (chisq, 1e4) missed %zu, "
            "largest p %.3g\n", c->name, ns, miss_shift, miss_cov, worst_cov, miss_w, worst_w);
    cr_expect_eq(miss_shift, 0, "%s: shift missed on %zu seeds", c->name, miss_shift);
    cr_expect_eq(miss_cov, 0, "%s: cov x 0.9 missed on %zu seeds", c->name, miss_cov);
    cr_expect_eq(miss_w, 0, "%s: misweighting missed on %zu seeds", c->name, miss_w);
    fm_gmm_free(hc);
    fm_gmm_free(hw);
    fm_case_free(c);
  }
}
