/* test_stattest.c -- the goodness-of-fit and two-sample tests
 * (numerics/stattest.h).
 *
 * Distributions, each against an independent route:
 *  - the exact Kolmogorov distribution (Marsaglia-Tsang-Wang) against the
 *    value published with the algorithm and the closed forms at both ends
 *    of its support; the tail formula (Miller + Birnbaum-Tingey) against it;
 *  - the exact two-sample distribution for n = m (Gnedenko-Korolyuk) against
 *    a count of lattice paths by dynamic programming;
 *  - p-values of every test uniform (permutation tests: super-uniform) under
 *    the null, by simulation.
 * Power and size on the built-in mixtures, at fixed seeds:
 *  - exact draws pass every test at alpha = 1e-3 (Holm over the family);
 *  - a mean shift and a misweighted mixture are rejected;
 *  - a covariance scaled by 0.9 at 1e4 samples: the log p two-sample KS
 *    rejects it, and the table printed to stderr shows which others do.
 *
 * Statistical tolerances: simulated rejection frequencies are compared with
 * their nominal values by a binomial z-test at z = 4.42 (two-sided 1e-5 per
 * comparison; about 40 comparisons, family level < 4e-4); seeds are fixed,
 * so the file is deterministic. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "fm_status.h"
#include "rng.h"
#include "gmmtest.h"

#define FM_Z 4.42

/* ------------------------------------------------------------ helpers */

static fm_case *fm_load(const char *file)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    if (strcmp(fm_case_builtin_file(i), file) == 0) {
      fm_case *c;
      fm_errmsg e = {{0}};
      cr_assert_eq(fm_case_builtin_load(&c, i, &e), FM_OK, "%s: %s", file, e.msg);
      return c;
    }
  cr_assert_fail("built-in case %s not found", file);
  return NULL;
}

/* n draws of g from stream (seed, 77): never the stream compare-samples
 * uses for its own exact draws. */
static double *fm_draws(const fm_gmm *g, size_t n, uint64_t seed)
{
  double *X = malloc(n * g->d * sizeof *X);
  cr_assert_not_null(X);
  fm_rng r = fm_rng_make(seed, 77);
  for (size_t i = 0; i < n; i++)
    fm_gmm_sample(X + i * g->d, g, &r, i);
  return X;
}

/* g with every covariance times s (and its weights replaced by w if w). */
static fm_gmm *fm_perturbed(const fm_gmm *g, double s, const double *w)
{
  fm_gmm *h;
  cr_assert_eq(fm_gmm_copy(&h, g), FM_OK);
  for (size_t i = 0; i < g->K * g->d * g->d; i++)
    h->cov[i] *= s;
  if (w != NULL)
    memcpy(h->w, w, g->K * sizeof *w);
  cr_assert_eq(fm_gmm_finalize(h, NULL, NULL), FM_OK);
  return h;
}

static void fm_print_compare(const char *what, const char *cname, const fm_gmmtest_result *r)
{
  fprintf(stderr, "%-22s %-18s", what, cname);
  for (size_t i = 0; i < r->ntests; i++)
    fprintf(stderr, " %s p=%.2g%s", r->test[i].name, r->test[i].pvalue,
            r->reject[i] ? "*" : "");
  fprintf(stderr, " => %s\n", r->rejected ? "REJECT" : "pass");
}

static const fm_stat_result *fm_find(const fm_gmmtest_result *r, const char *name)
{
  for (size_t i = 0; i < r->ntests; i++)
    if (strcmp(r->test[i].name, name) == 0)
      return &r->test[i];
  cr_assert_fail("test %s missing from compare-samples", name);
  return NULL;
}

/* ------------------------------------------- the Kolmogorov distribution */

/* MTW (2003) print K(10, 0.274) = 0.6284796154565043.  Ends of the
 * support, closed forms (Ruben & Gambino 1982): for 1/(2n) <= d <= 1/n,
 * P(D_n < d) = n! (2d - 1/n)^n; for 1 - 1/n <= d < 1, 1 - 2 (1 - d)^n. */
Test(stattest, kolmogorov_exact_matches_published_value_and_closed_forms)
{
  double c;
  cr_assert_eq(fm_ks_cdf_mtw(&c, 10, 0.274), FM_OK);
  cr_expect(fabs(c - 0.6284796154565043) <= 4e-16,
            "K(10, .274) = %.17g, published 0.6284796154565043", c);
  size_t ns[] = {3, 7, 20, 61};
  for (int a = 0; a < 4; a++) {
    size_t n = ns[a];
    double nn = (double)n;
    for (int j = 1; j < 4; j++) {
      double d = (0.5 + 0.125 * j) / nn, want = exp(lgamma(nn + 1.0)) * pow(2 * d - 1 / nn, nn);
      cr_assert_eq(fm_ks_cdf_mtw(&c, n, d), FM_OK);
      cr_expect(fabs(c - want) <= 1e-12 * want + 1e-300,
                "n=%zu d=%g: MTW %.15g, closed form %.15g", n, d, c, want);
      double d2 = 1.0 - (0.25 * j) / nn, want2 = 1.0 - 2.0 * pow(1.0 - d2, nn);
      cr_assert_eq(fm_ks_cdf_mtw(&c, n, d2), FM_OK);
      cr_expect(fabs(c - want2) <= 1e-12, "n=%zu d=%g: MTW %.15g, closed form %.15g", n, d2,
                c, want2);
    }
  }
}

/* The decision regime p <= 0.05 uses Miller's 2 P(D^+ >= d); against the
 * exact distribution its relative error must stay below 1e-4 (the joint
 * exceedance is ~p^2/4 relative; measured <= 2e-5 at p = 0.05) down to
 * p = 1e-8 (beyond, the exact 1 - cdf loses digits to rounding).  For
 * p > 0.05 the exact route is used up to m = FM_KS_EXACT_M, then Stephens'
 * formula: absolute error <= 0.01 (measured 0.004 at n = 1000). */
Test(stattest, kolmogorov_pvalue_agrees_with_exact_distribution)
{
  size_t ns[] = {10, 50, 140, 400, 1000};
  for (int a = 0; a < 5; a++) {
    size_t n = ns[a];
    double worst = 0.0;
    for (double d = 0.6 / (double)n; d < 1.0; d *= 1.03) {
      double c;
      if (fm_ks_cdf_mtw(&c, n, d) != FM_OK)
        break;
      double p = 1.0 - c, pv = fm_ks_pvalue(n, d);
      if (p < 1e-8)
        break;
      double err = p <= 0.05 ? fabs(pv - p) / p : fabs(pv - p) / 100.0;
      worst = fmax(worst, err);
      cr_expect(err <= 1e-4, "n=%zu d=%.5g: p %.10g, exact %.10g (%s error %.3g)", n, d, pv,
                p, p <= 0.05 ? "relative" : "absolute/100", err);
    }
    fprintf(stderr, "KS p-value vs MTW, n=%4zu: worst error %.2g\n", n, worst);
  }
}

/* P(D_{n,n} < k/n) = #{lattice paths (0,0) -> (n,n) with |i - j| < k} /
 * C(2n, n), counted in long double (exact for n <= 30). */
static double fm_ks2_dp(size_t n, size_t k)
{
  long double row[64] = {0};
  for (size_t j = 0; j <= n; j++)
    row[j] = j < k ? 1.0L : 0.0L;
  for (size_t i = 1; i <= n; i++)
    for (size_t j = 0; j <= n; j++) {
      size_t diff = i > j ? i - j : j - i;
      row[j] = diff < k ? row[j] + (j > 0 ? row[j - 1] : 0.0L) : 0.0L;
    }
  long double total = expl(lgammal(2.0L * n + 1.0L) - 2.0L * lgammal((long double)n + 1.0L));
  return (double)(1.0L - row[n] / total);
}

Test(stattest, two_sample_exact_matches_lattice_path_count)
{
  size_t ns[] = {5, 12, 30};
  for (int a = 0; a < 3; a++)
    for (size_t k = 1; k <= ns[a]; k++) {
      double p = fm_ks2_pvalue(ns[a], ns[a], (double)k / (double)ns[a]);
      double want = fm_ks2_dp(ns[a], k);
      cr_expect(fabs(p - want) <= 1e-12 + 1e-9 * want, "n=%zu k=%zu: %.15g vs DP %.15g",
                ns[a], k, p, want);
    }
}

/* ------------------------------------------- null distributions (size) */

static double fm_std_normal_cdf(double x, void *ctx)
{
  (void)ctx;
  return 0.5 * erfc(-x / M_SQRT2);
}

/* Fraction of p <= a over reps must be a within binomial noise (z = 4.42);
 * `super` allows it to be smaller (permutation tests are exact but
 * conservative in steps of 1/(nperm + 1)). */
static void fm_check_uniform(const double *p, size_t reps, const char *what, int super)
{
  const double as[3] = {0.01, 0.05, 0.2};
  for (int i = 0; i < 3; i++) {
    size_t c = 0;
    for (size_t r = 0; r < reps; r++)
      c += p[r] <= as[i];
    double f = (double)c / (double)reps, se = sqrt(as[i] * (1 - as[i]) / (double)reps);
    cr_expect(f - as[i] <= FM_Z * se && (super || as[i] - f <= FM_Z * se),
              "%s: P(p <= %.2f) = %.4f over %zu reps (SE %.3f)", what, as[i], f, reps, se);
  }
}

Test(stattest, pvalues_are_uniform_under_the_null)
{
  enum { R = 2000, RP = 300 };
  double *p = malloc(R * sizeof *p), x[200], y[200];
  cr_assert_not_null(p);
  for (size_t r = 0; r < R; r++) { /* one-sample, n = 37 (exact regime) */
    fm_rng g = fm_rng_make(1000 + r, 1);
    fm_rng_normals(x, 37, &g, 0);
    fm_stat_result res;
    cr_assert_eq(fm_stat_ks1(&res, x, 37, fm_std_normal_cdf, NULL), FM_OK);
    p[r] = res.pvalue;
  }
  fm_check_uniform(p, R, "ks1 n=37", 0);
  for (size_t r = 0; r < R; r++) { /* two-sample, unequal sizes (asymptotic) */
    fm_rng g = fm_rng_make(5000 + r, 1);
    fm_rng_normals(x, 200, &g, 0);
    fm_rng_normals(y, 150, &g, 1000);
    fm_stat_result res;
    cr_assert_eq(fm_stat_ks2(&res, x, 200, y, 150), FM_OK);
    p[r] = res.pvalue;
  }
  /* discrete statistic + asymptotic p: conservative side allowed */
  fm_check_uniform(p, R, "ks2 200 vs 150", 1);
  for (size_t r = 0; r < RP; r++) { /* MMD, 3D, 25 + 35 */
    fm_rng g = fm_rng_make(9000 + r, 1);
    fm_rng_normals(x, 75, &g, 0);
    fm_rng_normals(y, 105, &g, 1000);
    fm_rng pr = fm_rng_make(9000 + r, 2);
    fm_stat_result a;
    cr_assert_eq(fm_stat_mmd(&a, NULL, x, 25, y, 35, 3, 99, &pr), FM_OK);
    p[r] = a.pvalue;
  }
  fm_check_uniform(p, RP, "mmd 25 vs 35", 1);
  free(p);
}

Test(stattest, permutation_pvalues_energy_and_sliced_w2_are_valid)
{
  enum { RP = 300 };
  double pe[RP], ps[RP], x[75], y[105];
  for (size_t r = 0; r < RP; r++) {
    fm_rng g = fm_rng_make(9000 + r, 1);
    fm_rng_normals(x, 75, &g, 0);
    fm_rng_normals(y, 105, &g, 1000);
    fm_rng pr = fm_rng_make(9000 + r, 2);
    fm_stat_result b, c;
    cr_assert_eq(fm_stat_energy(&b, x, 25, y, 35, 3, 99, &pr), FM_OK);
    cr_assert_eq(fm_stat_sliced_w2(&c, x, 25, y, 35, 3, 4, 99, &pr), FM_OK);
    pe[r] = b.pvalue;
    ps[r] = c.pvalue;
  }
  fm_check_uniform(pe, RP, "energy 25 vs 35", 1);
  fm_check_uniform(ps, RP, "sliced-w2 25 vs 35", 1);
}

/* ------------------------------------------------------ small pieces */

/* Worked by hand: p = (0.01, 0.04, 0.03, 0.005), alpha = 0.05: sorted
 * 0.005 x 4 = 0.02 (reject), 0.01 x 3 = 0.03 (reject), 0.03 x 2 = 0.06
 * (stop).  Adjusted: 0.03, 0.06, 0.06, 0.02. */
Test(stattest, holm_matches_hand_computation)
{
  const double p[4] = {0.01, 0.04, 0.03, 0.005}, want[4] = {0.03, 0.06, 0.06, 0.02};
  int rej[4];
  double padj[4];
  cr_expect_eq(fm_stat_holm(rej, padj, p, 4, 0.05), 2);
  cr_expect(rej[0] && !rej[1] && !rej[2] && rej[3], "rejections %d %d %d %d", rej[0], rej[1],
            rej[2], rej[3]);
  for (int i = 0; i < 4; i++)
    cr_expect(fabs(padj[i] - want[i]) < 1e-15, "padj[%d] = %g, want %g", i, padj[i], want[i]);
  const double q[2] = {NAN, 0.9};
  cr_expect_eq(fm_stat_holm(rej, NULL, q, 2, 0.05), 1, "a NaN p-value must reject");
}

/* The projection of a GMM on a coordinate axis is its marginal: with the
 * diagonal bimodal 1D case and an aniso3d axis, compare with the mixture
 * of normal CDFs formed here from the means and covariance entries. */
Test(stattest, projection_cdf_is_the_marginal_mixture)
{
  const char *files[2] = {"bimodal1d-cond_ot.json", "aniso3d-cond_ot.json"};
  for (int f = 0; f < 2; f++) {
    fm_case *c = fm_load(files[f]);
    const fm_gmm *g = c->gmm;
    size_t d = g->d;
    double e[3] = {0.0, 0.0, 0.0};
    e[d - 1] = 1.0;
    for (double s = -4.0; s <= 4.0; s += 0.37) {
      double want = 0.0;
      for (size_t k = 0; k < g->K; k++) {
        double mu = g->mean[k * d + d - 1], sd = sqrt(g->cov[k * d * d + d * d - 1]);
        want += g->w[k] * 0.5 * erfc(-(s - mu) / (sd * M_SQRT2));
      }
      double got = fm_gmmtest_proj_cdf(g, e, s);
      cr_expect(fabs(got - want) <= 1e-14, "%s s=%g: %.16g vs %.16g", files[f], s, got, want);
    }
    fm_case_free(c);
  }
}

/* ------------------------------------- size and power on built-in cases */

static const char *const fm_cases[] = {"bimodal1d-cond_ot.json", "ring8-cond_ot.json",
                                       "aniso3d-cond_ot.json", "mix16d-cond_ot.json"};

static fm_gmmtest_opts fm_copts(size_t perm_max)
{
  fm_gmmtest_opts o = fm_gmmtest_opts_default();
  o.perm_max = perm_max;
  o.seed = 4242;
  return o;
}

Test(stattest, exact_draws_pass_every_test_at_1e_3)
{
  for (int i = 0; i < 4; i++) {
    fm_case *c = fm_load(fm_cases[i]);
    double *X = fm_draws(c->gmm, 10000, 31);
    fm_gmmtest_result r;
    fm_gmmtest_opts o = fm_copts(500);
    cr_assert_eq(fm_gmmtest_compare(&r, X, 10000, c->gmm, &o), FM_OK);
    fm_print_compare("exact draws", c->name, &r);
    cr_expect(!r.rejected, "%s: exact draws rejected", c->name);
    for (size_t j = 0; j < r.ntests; j++)
      cr_expect(r.test[j].pvalue > 1e-3, "%s: %s p = %.3g <= 1e-3", c->name, r.test[j].name,
                r.test[j].pvalue);
    free(X);
    fm_case_free(c);
  }
}

/* Every coordinate shifted by 0.1 standard deviations of its marginal. */
Test(stattest, mean_shift_is_rejected)
{
  for (int i = 0; i < 4; i++) {
    fm_case *c = fm_load(fm_cases[i]);
    const fm_gmm *g = c->gmm;
    size_t d = g->d, n = 10000;
    double *X = fm_draws(g, n, 32);
    for (size_t a = 0; a < d; a++) {
      double m1 = 0.0, v1 = 0.0;
      for (size_t k = 0; k < g->K; k++)
        m1 += g->w[k] * g->mean[k * d + a];
      for (size_t k = 0; k < g->K; k++)
        v1 += g->w[k] * (g->cov[k * d * d + a * d + a] + pow(g->mean[k * d + a] - m1, 2));
      for (size_t j = 0; j < n; j++)
        X[j * d + a] += 0.1 * sqrt(v1);
    }
    fm_gmmtest_result r;
    fm_gmmtest_opts o = fm_copts(500);
    /* the permutation tests would run all ceil(k/alpha) relabellings on a
     * statistic this extreme: their power is shown below at small n */
    o.tests = FM_GMMTEST_T_CHISQ | FM_GMMTEST_T_KSPROJ | FM_GMMTEST_T_LOGP;
    cr_assert_eq(fm_gmmtest_compare(&r, X, n, g, &o), FM_OK);
    fm_print_compare("shift 0.1 sd", c->name, &r);
    cr_expect(r.rejected, "%s: a 0.1 sd mean shift was not rejected", c->name);
    free(X);
    fm_case_free(c);
  }
}

/* The sequential permutation p-values can reach Holm's first threshold:
 * 100 + 100 points of N(0, I_3) against the same shifted by 1 along every
 * axis (|shift| = 1.7 sd) -- each permutation test must give
 * p <= 1/(1 + nperm) ~ 1/6001 with nperm = ceil(6/1e-3), below
 * 1e-3/6, while on unshifted samples they stop early (p >= H/L). */
Test(stattest, permutation_tests_reach_holm_threshold_on_gross_shift)
{
  double x[300], y[300];
  fm_rng g = fm_rng_make(77, 1);
  fm_rng_normals(x, 300, &g, 0);
  fm_rng_normals(y, 300, &g, 1000);
  for (int i = 0; i < 300; i++)
    y[i] += 1.0;
  size_t nperm = (size_t)ceil(6.0 / 1e-3);
  fm_rng pr = fm_rng_make(78, 1);
  fm_stat_result r[3];
  cr_assert_eq(fm_stat_mmd(&r[0], NULL, x, 100, y, 100, 3, nperm, &pr), FM_OK);
  cr_assert_eq(fm_stat_energy(&r[1], x, 100, y, 100, 3, nperm, &pr), FM_OK);
  cr_assert_eq(fm_stat_sliced_w2(&r[2], x, 100, y, 100, 3, 4, nperm, &pr), FM_OK);
  for (int i = 0; i < 3; i++)
    cr_expect(r[i].pvalue <= 1e-3 / 6.0, "%s: p = %.3g on a 1.7 sd shift (threshold %.3g)",
              r[i].name, r[i].pvalue, 1e-3 / 6.0);
}

/* Weights moved by 0.04 (first component up, second down) at n = 1e4: the
 * Wald chi-square of the soft counts (covariance from 1e4 exact draws)
 * rejects at 1e-3.  Why 0.04: for separated modes T is noncentral
 * chi-square(K - 1) with lambda = n sum dw^2/w = 85 (aniso3d), 76
 * (bimodal1d), 93 (mix16d), mean ~ lambda, sd sqrt(2(K - 1 + 2 lambda))
 * ~ 19, so the 1e-3 critical value (<= 16.3) is >= 3.5 sd below: the
 * rejection does not hinge on the seed (at 0.02, lambda ~ 21, it would:
 * power ~ 0.8).  The Pearson form (no exact draws) is printed: it is
 * conservative and loses power where the modes overlap. */
Test(stattest, misweighted_mixture_fails_chisq)
{
  const char *files[3] = {"bimodal1d-cond_ot.json", "aniso3d-cond_ot.json",
                          "mix16d-cond_ot.json"};
  for (int i = 0; i < 3; i++) {
    fm_case *c = fm_load(files[i]);
    const fm_gmm *g = c->gmm;
    double w[16];
    memcpy(w, g->w, g->K * sizeof *w);
    w[0] += 0.04;
    w[1] -= 0.04;
    fm_gmm *h = fm_perturbed(g, 1.0, w);
    double *X = fm_draws(h, 10000, 33);
    double *Y = fm_draws(g, 10000, 34), *Z = fm_draws(g, 10000, 36);
    fm_stat_result r, r0, rp;
    cr_assert_eq(fm_gmmtest_chisq_modes(&r, X, 10000, Y, 10000, g), FM_OK);
    cr_expect(r.pvalue < 1e-3, "%s: misweighted (w0 + 0.04) chisq p = %.3g", c->name,
              r.pvalue);
    cr_assert_eq(fm_gmmtest_chisq_modes(&r0, Z, 10000, Y, 10000, g), FM_OK);
    cr_expect(r0.pvalue > 1e-3, "%s: exact draws chisq p = %.3g", c->name, r0.pvalue);
    cr_assert_eq(fm_gmmtest_chisq_modes(&rp, X, 10000, NULL, 0, g), FM_OK);
    fprintf(stderr, "chisq %-18s misweighted p=%.3g (Pearson %.3g), exact p=%.3g\n", c->name,
            r.pvalue, rp.pvalue, r0.pvalue);
    free(X);
    free(Y);
    free(Z);
    fm_gmm_free(h);
    fm_case_free(c);
  }
}

/* Covariances times 0.9, 1e4 samples, every test (permutation tests on
 * 1000 + 1000 rows, compare-samples' default).  The log p two-sample KS must
 * reject in d >= 2, and so must the combined decision; the rest is printed
 * (see the report).  In 1D the effect on log p is a 5% change in the scale
 * of a chi-square(1) variable, D ~ 0.025 against a 1e-3 critical value of
 * 0.028: out of reach at this n for any of the tests. */
Test(stattest, covariance_scaled_by_0_9_is_caught_by_logp_ks)
{
  for (int i = 0; i < 4; i++) {
    fm_case *c = fm_load(fm_cases[i]);
    fm_gmm *h = fm_perturbed(c->gmm, 0.9, NULL);
    double *X = fm_draws(h, 10000, 35);
    fm_gmmtest_result r;
    fm_gmmtest_opts o = fm_copts(1000);
    cr_assert_eq(fm_gmmtest_compare(&r, X, 10000, c->gmm, &o), FM_OK);
    fm_print_compare("cov x 0.9", c->name, &r);
    if (c->gmm->d >= 2) {
      const fm_stat_result *lp = fm_find(&r, "logp-ks");
      cr_expect(lp->pvalue < 1e-3 / (double)r.ntests,
                "%s: logp-ks p = %.3g does not reject cov x 0.9 at Holm's first threshold",
                c->name, lp->pvalue);
      cr_expect(r.rejected, "%s: compare-samples passes cov x 0.9", c->name);
    }
    free(X);
    fm_gmm_free(h);
    fm_case_free(c);
  }
}

Test(stattest, bad_arguments_are_refused)
{
  fm_case *c = fm_load("gauss1d-cond_ot.json");
  double x[10] = {0};
  fm_stat_result r;
  cr_expect_eq(fm_gmmtest_chisq_modes(&r, x, 10, NULL, 0, c->gmm), FM_ENOTAVAIL);
  cr_expect_eq(fm_stat_ks1(&r, x, 0, fm_std_normal_cdf, NULL), FM_EINVAL);
  fm_rng g = fm_rng_make(1, 1);
  cr_expect_eq(fm_stat_mmd(&r, NULL, x, 1, x, 5, 1, 10, &g), FM_EINVAL);
  double nanx[2] = {NAN, 1.0};
  cr_expect_eq(fm_stat_ks2(&r, nanx, 2, x, 3), FM_ENONFIN);
  fm_case_free(c);
}

/* Mode occupancy at t = 0 of ring8-cond_ot: every component of p_0 is
 * N(0, I), gamma = w everywhere, the occupancy covariance is 0 -- the test
 * is n/a with its reason (FM_ENOTPD, r.na set; compare-samples used to exit
 * on it) and compare-samples leaves it out of Holm.  At t = 1 the modes are
 * separated: every contrast is kept (df = K - 1). */
Test(stattest, chisq_modes_is_na_where_the_modes_coincide_and_full_where_separated)
{
  fm_case *c = fm_load("ring8-cond_ot.json");
  for (int end = 0; end < 2; end++) {
    fm_sched_val v;
    fm_gmm *pt;
    cr_assert_eq(fm_schedule_eval(&v, c->sched, end ? 1.0 : 0.0), FM_OK);
    cr_assert_eq(fm_gmm_at_time(&pt, c->gmm, &v), FM_OK);
    double *X = fm_draws(pt, 2000, 41), *Y = fm_draws(pt, 2000, 43);
    fm_stat_result r;
    int st = fm_gmmtest_chisq_modes(&r, X, 2000, Y, 2000, pt);
    if (end) {
      cr_expect_eq(st, FM_OK);
      cr_expect_eq(r.df, pt->K - 1, "df %zu", r.df);
      cr_expect(r.na == NULL && r.pvalue > 1e-3, "p = %g", r.pvalue);
    } else {
      cr_expect_eq(st, FM_ENOTPD);
      cr_expect(r.na != NULL && isnan(r.pvalue) && r.df == 0, "na %s p %g", r.na, r.pvalue);
      fm_gmmtest_result cmp;
      fm_gmmtest_opts o = fm_copts(500);
      cr_assert_eq(fm_gmmtest_compare(&cmp, X, 2000, pt, &o), FM_OK);
      cr_expect(cmp.ntests == cmp.napplicable + 1 && cmp.test[0].na != NULL &&
                    !cmp.reject[0] && !cmp.rejected,
                "ntests %zu napplicable %zu rejected %d", cmp.ntests, cmp.napplicable,
                cmp.rejected);
    }
    free(X);
    free(Y);
    fm_gmm_free(pt);
  }
  fm_case_free(c);
}
