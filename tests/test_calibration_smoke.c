/* test_calibration_smoke.c -- a small calibration of the statistics
 * plumbing in the default suite (the full calibration, 200 seeds per route
 * and control, is the slow suite's test_calibration_*): 30 seeds, loose
 * levels, exact binomial bounds at 1e-3, so that a plumbing error that
 * moves a rate by a factor of 2 or more fails here on every run while a
 * correct build fails with probability < 1e-3 per bound.
 *
 *  - ks-proj (cases/gmmtest_proj.c): exact draws of ring8's data, n = 500,
 *    8 directions, Bonferroni over them.  Rate of p <= 0.2 and p <= 0.05 at
 *    most the binomial bound (dropping the Bonferroni factor gives a rate
 *    ~0.8 at 0.2).
 *  - Holm (fm_stat_holm and fm_mc_holm_adjust, the two implementations, on
 *    the same families): they agree exactly; over 30 families of m = 10
 *    independent uniform p-values, the family-wise rejection rate at 0.2 is
 *    at most the bound, and at 0.5 it is also *at least* the lower bound
 *    for its exact rate 1 - (1 - 0.5/10)^10 = 0.40 (an over-conservative
 *    step -- m^2 in place of m -- lands below it).
 *  - SNIS (fm_snis, the estimator of the marginal-field and marginal-score
 *    Monte Carlo routes): the posterior-like mean of N(mu, s^2) estimated
 *    with draws of N(0, 1), N = 2000, 10 targets x 30 seeds = 300 z-scores
 *    (est - exact)/se: the fraction with |z| > 1 and with |z| > 1.645 lies
 *    within the two-sided binomial bounds of 0.317 and 0.100, and mean z^2
 *    within [0.7, 1.4] (chi-square with 300 degrees of freedom: 1 +- 0.25
 *    at 3 standard deviations, the SNIS bias O(1/N) adding < 1%) -- an
 *    SE off by a factor sqrt(2) either way fails.
 * FM_TEST_SEED shifts every seed. */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_test_case.h"
#include "fm_test_gen.h"
#include "gmmtest.h"
#include "mc.h"
#include "rng.h"
#include "stattest.h"

#define NSEEDS 30

/* Binomial(n, a): the smallest k with P(X >= k) <= 1e-3, and the largest k
 * with P(X <= k) <= 1e-3 (-1 when none). */
static unsigned fm_smoke_hi(double a, unsigned n)
{
  unsigned k = 0;
  while (k <= n && (k == 0 ? 1.0 : gsl_cdf_binomial_Q(k - 1, a, n)) > 1e-3)
    k++;
  return k;
}

static int fm_smoke_lo(double a, unsigned n)
{
  int k = -1;
  while (k + 1 <= (int)n && gsl_cdf_binomial_P((unsigned)(k + 1), a, n) <= 1e-3)
    k++;
  return k;
}

static void fm_smoke_rate(const char *what, unsigned count, unsigned n, double a, int two_sided)
{
  unsigned hi = fm_smoke_hi(a, n);
  int lo = two_sided ? fm_smoke_lo(a, n) : -1;
  fprintf(stderr, "%-34s %4u of %4u (expected %.1f; allowed %d..%u)\n", what, count, n, a * n,
          lo + 1, hi - 1);
  cr_expect_lt(count, hi, "%s: %u of %u, a rate far above %g (bound %u)", what, count, n, a,
               hi);
  cr_expect_gt((int)count, lo, "%s: %u of %u, a rate far below %g (bound %d)", what, count, n,
               a, lo);
}

Test(calibration_smoke, ks_proj_false_alarm_rate)
{
  fm_case *c = fm_test_case_load("ring8-cond_ot.json");
  const fm_gmm *g = c->gmm;
  size_t n = 500;
  double *X = malloc(n * g->d * sizeof *X);
  cr_assert_not_null(X);
  unsigned a20 = 0, a05 = 0;
  for (unsigned s = 0; s < NSEEDS; s++) {
    fm_rng r = fm_rng_make(fm_gen_seed() + s, 0x5a);
    for (size_t i = 0; i < n; i++)
      fm_gmm_sample(X + i * g->d, g, &r, i);
    fm_rng rd = fm_rng_make(fm_gen_seed() + s, 0x5b);
    fm_stat_result res;
    cr_assert_eq(fm_gmmtest_ks_proj(&res, X, n, g, 8, &rd), FM_OK);
    a20 += res.pvalue <= 0.2;
    a05 += res.pvalue <= 0.05;
  }
  fm_smoke_rate("ks-proj p <= 0.2", a20, NSEEDS, 0.2, 0);
  fm_smoke_rate("ks-proj p <= 0.05", a05, NSEEDS, 0.05, 0);
  free(X);
  fm_case_free(c);
}

Test(calibration_smoke, holm_family_wise_rate_and_the_two_implementations_agree)
{
  enum { M = 10 };
  unsigned r20 = 0, r50 = 0;
  for (unsigned s = 0; s < NSEEDS; s++) {
    fm_rng r = fm_rng_make(fm_gen_seed() + s, 0x401);
    double p[M], adj1[M], adj2[M];
    int rej[M];
    fm_rng_uniforms(p, M, &r, 0);
    fm_stat_holm(rej, adj1, p, M, 0.2);
    cr_assert_eq(fm_mc_holm_adjust(adj2, p, M), FM_OK);
    double mn = 1.0;
    for (int i = 0; i < M; i++) {
      cr_expect_eq(adj1[i], adj2[i], "family %u test %d: %.17g vs %.17g", s, i, adj1[i],
                   adj2[i]);
      mn = fmin(mn, adj1[i]);
    }
    r20 += mn <= 0.2;
    r50 += mn <= 0.5;
  }
  fm_smoke_rate("Holm family-wise at 0.2", r20, NSEEDS, 0.2, 0);
  fm_smoke_rate("Holm family-wise at 0.5", r50, NSEEDS, 1.0 - pow(1.0 - 0.05, M), 1);
}

Test(calibration_smoke, snis_standard_error_is_calibrated)
{
  enum { NT = 10, N = 2000 };
  unsigned n = 0, over1 = 0, over1645 = 0;
  double sz2 = 0.0;
  fm_snis *sn;
  cr_assert_eq(fm_snis_alloc(&sn, 1), FM_OK);
  for (unsigned s = 0; s < NSEEDS; s++)
    for (unsigned k = 0; k < NT; k++) {
      double mu = 0.08 * k, sd = 0.6 + 0.04 * k;
      fm_rng r = fm_rng_make(fm_gen_seed() + s, 0x5100 + k);
      fm_snis_reset(sn);
      for (uint64_t i = 0; i < N; i++) {
        double x = fm_rng_normal(&r, i);
        double lw = -0.5 * pow((x - mu) / sd, 2) - log(sd) + 0.5 * x * x;
        cr_assert_eq(fm_snis_add(sn, lw, &x), FM_OK);
      }
      double mean, se, ess;
      cr_assert_eq(fm_snis_result(&mean, &se, &ess, sn), FM_OK);
      double z = (mean - mu) / se;
      n++;
      over1 += fabs(z) > 1.0;
      over1645 += fabs(z) > 1.6448536269514722;
      sz2 += z * z;
    }
  fm_snis_free(sn);
  fm_smoke_rate("SNIS |z| > 1", over1, n, 2.0 * gsl_cdf_ugaussian_Q(1.0), 1);
  fm_smoke_rate("SNIS |z| > 1.645", over1645, n, 0.1, 1);
  double mz2 = sz2 / n;
  fprintf(stderr, "%-34s %.3f (allowed 0.7..1.4)\n", "SNIS mean z^2", mz2);
  cr_expect(mz2 >= 0.7 && mz2 <= 1.4, "SNIS mean z^2 = %.3f over %u estimates", mz2, n);
}
