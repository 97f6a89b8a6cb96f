/* test_mc.c -- Monte Carlo statistics (numerics/mc.h): each quantity against
 * an independent route (long-double two-pass sums, hand-derived closed forms,
 * replicated experiments), with tolerances derived in the comments. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "fm_status.h"
#include "mc.h"
#include "rng.h"

#define SEED 20240611u

/* Welford on data with a large offset (1e8 + N(0, 2.385^2)) against a
 * long-double two-pass: the naive sum-of-squares formula would lose all
 * digits here.  Each of the n updates rounds the running mean (relative
 * u = 1.1e-16), so its error is ~ sqrt(n) u = 3.5e-14 typically and n u =
 * 1.1e-11 at worst: tolerance 1e-12.  The variance: deviations are ~2.4
 * against an offset of 1e8, so each update loses ~ u 1e8 / 2.4 relative in
 * delta: ~ sqrt(n) 5e-9 / sqrt(n) on average -- 1e-9 leaves room. */
Test(mc, welford_matches_long_double_two_pass_with_large_offset)
{
  enum { N = 100000 };
  fm_rng r = fm_rng_make(SEED, 1);
  double *x = malloc(N * sizeof *x);
  cr_assert_not_null(x);
  fm_rng_normals(x, N, &r, 0);
  fm_welford w;
  fm_welford_init(&w);
  long double s = 0.0L;
  for (int i = 0; i < N; i++) {
    x[i] = 1e8 + 2.385 * x[i];
    fm_welford_add(&w, x[i]);
    s += x[i];
  }
  long double m = s / N, ss = 0.0L;
  for (int i = 0; i < N; i++)
    ss += (x[i] - m) * (x[i] - m);
  double var = (double)(ss / (N - 1));
  cr_expect_lt(fabs(w.mean - (double)m) / (double)m, 1e-12, "mean %.17g vs %.17Lg", w.mean, m);
  cr_expect_lt(fabs(fm_welford_var(&w) - var) / var, 1e-9, "var %.17g vs %.17g",
               fm_welford_var(&w), var);
  double mean2, se2;
  cr_assert_eq(fm_mc_mean_se(&mean2, &se2, x, N), FM_OK);
  cr_expect_lt(fabs(se2 - sqrt(var / N)) / se2, 1e-9, "two-pass se %.17g", se2);
  free(x);
}

/* The union of two accumulators equals the accumulator of the union: split
 * points at i = 1, 17, 4999 (uneven on purpose).  Rounding only: 1e-12. */
Test(mc, welford_merge_equals_single_pass)
{
  enum { N = 5000 };
  fm_rng r = fm_rng_make(SEED, 2);
  size_t splits[] = {1, 17, 4999};
  for (size_t s = 0; s < 3; s++) {
    fm_welford all, a, b;
    fm_welford_init(&all);
    fm_welford_init(&a);
    fm_welford_init(&b);
    for (size_t i = 0; i < N; i++) {
      double v = 3.7 + fm_rng_normal(&r, i) * 0.613;
      fm_welford_add(&all, v);
      fm_welford_add(i < splits[s] ? &a : &b, v);
    }
    fm_welford_merge(&a, &b);
    cr_expect_eq(a.n, all.n);
    cr_expect_lt(fabs(a.mean - all.mean) / all.mean, 1e-14, "split %zu mean", splits[s]);
    cr_expect_lt(fabs(a.m2 - all.m2) / all.m2, 1e-12, "split %zu m2 %.17g vs %.17g",
                 splits[s], a.m2, all.m2);
  }
  fm_welford e;
  fm_welford_init(&e);
  cr_expect(isnan(fm_welford_var(&e)), "variance of an empty sample must be NaN");
}

/* x = 1..n: mean (n+1)/2, variance n(n+1)/12 -- exact in double here. */
Test(mc, mean_se_of_integers_is_exact)
{
  enum { N = 1001 };
  double x[N], m, se;
  for (int i = 0; i < N; i++)
    x[i] = i + 1;
  cr_assert_eq(fm_mc_mean_se(&m, &se, x, N), FM_OK);
  cr_expect_eq(m, 501.0);
  double ref = sqrt(N * (N + 1.0) / 12.0 / N);
  cr_expect_lt(fabs(se - ref) / ref, 1e-14, "se %.17g vs %.17g", se, ref);
  cr_expect_eq(fm_mc_mean_se(&m, &se, x, 1), FM_EINVAL);
}

/* AR(1) x_i = phi x_{i-1} + e_i, e ~ N(0,1), phi = 0.9: the asymptotic
 * variance of the mean is 1/((1-phi)^2 n), 19x the naive iid value
 * 1/((1-phi^2) n) that ignores the correlation.  400 batches of 2500: the batch-means se has
 * relative sd ~ 1/sqrt(2*399) = 0.035 and a bias ~ 2 phi/((1-phi^2) b) ~
 * 0.4%; tolerance 15% (> 4 sd).  The naive se must be off by the factor
 * sqrt((1+phi)/(1-phi)) = 4.36 -- what batch means exist to fix. */
Test(mc, batch_means_recover_ar1_asymptotic_variance)
{
  enum { N = 1000000, NB = 400 };
  const double phi = 0.9;
  fm_rng r = fm_rng_make(SEED, 3);
  double *x = malloc(N * sizeof *x);
  cr_assert_not_null(x);
  fm_rng_normals(x, N, &r, 0);
  x[0] /= sqrt(1.0 - phi * phi);  /* start in the stationary law */
  for (int i = 1; i < N; i++)
    x[i] += phi * x[i - 1];
  double m, se, m0, se0;
  cr_assert_eq(fm_mc_batch_means(&m, &se, x, N, NB), FM_OK);
  cr_assert_eq(fm_mc_mean_se(&m0, &se0, x, N), FM_OK);
  double ref = 1.0 / ((1.0 - phi) * sqrt((double)N));
  cr_expect_lt(fabs(se / ref - 1.0), 0.15, "batch-means se %.4g vs asymptotic %.4g", se, ref);
  cr_expect_gt(ref / se0, 3.5, "naive se %.4g should underestimate %.4g by ~4.36", se0, ref);
  cr_expect_eq(fm_mc_batch_means(&m, &se, x, 10, 11), FM_EINVAL);
  free(x);
}

/* Equal weights: SNIS is the plain mean, ESS = n, and the delta-method se
 * equals sqrt(sum (f - mean)^2)/n = plain se * sqrt((n-1)/n). */
Test(mc, snis_with_equal_weights_is_plain_mean)
{
  enum { N = 777 };
  fm_rng r = fm_rng_make(SEED, 4);
  fm_snis *s;
  cr_assert_eq(fm_snis_alloc(&s, 2), FM_OK);
  double x[N], y[N];
  for (int i = 0; i < N; i++) {
    x[i] = fm_rng_normal(&r, 2 * i);
    y[i] = 5.0 + 0.1 * fm_rng_normal(&r, 2 * i + 1);
    double f[2] = {x[i], y[i]};
    cr_assert_eq(fm_snis_add(s, -812.3, f), FM_OK);
  }
  double mean[2], se[2], ess, pm, pse;
  cr_assert_eq(fm_snis_result(mean, se, &ess, s), FM_OK);
  cr_expect_lt(fabs(ess - N) / N, 1e-13, "ess %.17g", ess);
  cr_assert_eq(fm_mc_mean_se(&pm, &pse, y, N), FM_OK);
  cr_expect_lt(fabs(mean[1] - pm), 1e-14 * 5.0, "mean %.17g vs %.17g", mean[1], pm);
  double ref = pse * sqrt((N - 1.0) / N);
  cr_expect_lt(fabs(se[1] - ref) / ref, 1e-10, "se %.17g vs %.17g", se[1], ref);
  cr_expect_eq(fm_snis_count(s), (double)N);
  fm_snis_free(s);
}

/* Target p = N(1, 1), proposal r = N(0, 4), f(y) = y (so E_p f = 1).
 * E_r[(p/r)^2] = int p^2/r = (4/sqrt 7) e^{1/7} (Gaussian integral
 * sqrt(8 pi)/(2 pi) int exp(-7x^2/8 + 2x - 1) dx, by hand), so
 * ESS/n -> sqrt(7)/4 e^{-1/7}.  At n = 1e5 the relative sd of ESS/n is
 * ~ sqrt(Var w^2)/(E w^2 sqrt n) < 1%: tolerance 5%.  The estimate must lie
 * within 5 of its own delta-method se (single comparison, deterministic
 * seed; a 5-sigma miss has probability 6e-7). */
Test(mc, snis_gaussian_target_mean_and_ess_match_closed_form)
{
  enum { N = 100000 };
  fm_rng r = fm_rng_make(SEED, 5);
  fm_snis *s;
  cr_assert_eq(fm_snis_alloc(&s, 1), FM_OK);
  for (int i = 0; i < N; i++) {
    double yv = 2.0 * fm_rng_normal(&r, i);
    double lw = -0.5 * (yv - 1.0) * (yv - 1.0) + 0.5 * yv * yv / 4.0 + log(2.0);
    cr_assert_eq(fm_snis_add(s, lw, &yv), FM_OK);
  }
  double mean, se, ess;
  cr_assert_eq(fm_snis_result(&mean, &se, &ess, s), FM_OK);
  double ess_ref = N * sqrt(7.0) / 4.0 * exp(-1.0 / 7.0);
  cr_expect_lt(fabs(ess / ess_ref - 1.0), 0.05, "ESS %.1f vs %.1f", ess, ess_ref);
  cr_expect_lt(fabs(mean - 1.0), 5.0 * se, "mean %.6f, se %.3g", mean, se);
  fm_snis_free(s);
}

/* The delta-method se is the sd of the SNIS estimator: 400 independent runs
 * of n = 2000 (same target/proposal as above).  The sd of 400 means has
 * relative sd 1/sqrt(798) = 3.5%; the delta method is exact to O(1/n) and
 * the average se scatters by < 1%: tolerance 15% (> 4 sd). */
Test(mc, snis_delta_method_se_matches_replicate_spread)
{
  enum { R = 400, N = 2000 };
  fm_welford means, ses;
  fm_welford_init(&means);
  fm_welford_init(&ses);
  fm_snis *s;
  cr_assert_eq(fm_snis_alloc(&s, 1), FM_OK);
  for (int rep = 0; rep < R; rep++) {
    fm_rng r = fm_rng_make(SEED, 100 + (uint64_t)rep);
    fm_snis_reset(s);
    for (int i = 0; i < N; i++) {
      double yv = 2.0 * fm_rng_normal(&r, i);
      double lw = -0.5 * (yv - 1.0) * (yv - 1.0) + yv * yv / 8.0;
      fm_snis_add(s, lw, &yv);
    }
    double m, se;
    cr_assert_eq(fm_snis_result(&m, &se, NULL, s), FM_OK);
    fm_welford_add(&means, m);
    fm_welford_add(&ses, se);
  }
  double sd = sqrt(fm_welford_var(&means));
  cr_expect_lt(fabs(ses.mean / sd - 1.0), 0.15, "mean se %.4g vs replicate sd %.4g", ses.mean,
               sd);
  fm_snis_free(s);
}

/* Merging two halves (uneven split, huge log-weight offsets in one half) gives
 * the single-pass result; shifting all log-weights by 1e4 changes nothing
 * (no overflow: weights are kept relative to the largest). */
Test(mc, snis_merge_and_logweight_shift_invariance)
{
  enum { N = 3000 };
  fm_rng r = fm_rng_make(SEED, 6);
  fm_snis *all, *a, *b, *sh;
  cr_assert_eq(fm_snis_alloc(&all, 2), FM_OK);
  cr_assert_eq(fm_snis_alloc(&a, 2), FM_OK);
  cr_assert_eq(fm_snis_alloc(&b, 2), FM_OK);
  cr_assert_eq(fm_snis_alloc(&sh, 2), FM_OK);
  for (int i = 0; i < N; i++) {
    double f[2] = {fm_rng_normal(&r, 3 * i), 10.0 + fm_rng_normal(&r, 3 * i + 1)};
    double lw = 3.0 * fm_rng_normal(&r, 3 * i + 2);
    fm_snis_add(all, lw, f);
    fm_snis_add(i < 1234 ? a : b, lw, f);
    fm_snis_add(sh, lw + 1e4, f);
  }
  cr_assert_eq(fm_snis_merge(a, b), FM_OK);
  double m0[2], s0[2], e0, m1[2], s1[2], e1, m2[2], s2[2], e2;
  fm_snis_result(m0, s0, &e0, all);
  fm_snis_result(m1, s1, &e1, a);
  fm_snis_result(m2, s2, &e2, sh);
  for (int j = 0; j < 2; j++) {
    cr_expect_lt(fabs(m1[j] - m0[j]), 1e-12 * (1 + fabs(m0[j])), "merged mean %d", j);
    cr_expect_lt(fabs(s1[j] - s0[j]) / s0[j], 1e-9, "merged se %d: %.17g vs %.17g", j, s1[j],
                 s0[j]);
    cr_expect_lt(fabs(m2[j] - m0[j]), 1e-12 * (1 + fabs(m0[j])), "shifted mean %d", j);
  }
  cr_expect_lt(fabs(e1 - e0) / e0, 1e-12, "merged ESS");
  cr_expect_lt(fabs(e2 - e0) / e0, 1e-12, "shifted ESS");
  cr_expect_lt(fabs(fm_snis_log_sumw(sh) - fm_snis_log_sumw(all) - 1e4), 1e-9, "log sum w");
  fm_snis *other;
  cr_assert_eq(fm_snis_alloc(&other, 3), FM_OK);
  cr_expect_eq(fm_snis_merge(a, other), FM_EDIM);
  double zero[2] = {0, 0};
  cr_expect_eq(fm_snis_add(other, NAN, zero), FM_ENONFIN);
  fm_snis_reset(other);
  cr_expect_eq(fm_snis_result(zero, NULL, NULL, other), FM_EDOM);
  fm_snis_free(all);
  fm_snis_free(a);
  fm_snis_free(b);
  fm_snis_free(sh);
  fm_snis_free(other);
}

/* Holm by hand: p = {0.01, 0.04, 0.03, 0.005}, m = 4.  Sorted: 0.005*4 =
 * 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> running max 0.06. */
Test(mc, holm_adjustment_matches_hand_computation)
{
  double p[4] = {0.01, 0.04, 0.03, 0.005}, adj[4];
  double ref[4] = {0.03, 0.06, 0.06, 0.02};
  cr_assert_eq(fm_mc_holm_adjust(adj, p, 4), FM_OK);
  for (int i = 0; i < 4; i++)
    cr_expect_lt(fabs(adj[i] - ref[i]), 1e-15, "adj[%d] = %.17g, want %g", i, adj[i], ref[i]);
}

/* Normal quantiles from tables: z_{0.975} = 1.959963984540054,
 * Q^{-1}(0.0005) = 3.290526731491926.  And the global Holm decision equals
 * the Bonferroni one (max |z| >= z_crit) on 2000 random families. */
Test(mc, ztest_critical_values_and_global_holm_equals_bonferroni)
{
  cr_expect_lt(fabs(fm_mc_z_crit(0.05, 1) - 1.959963984540054), 1e-12);
  cr_expect_lt(fabs(fm_mc_z_crit(0.01, 10) - 3.290526731491926), 1e-12);
  cr_expect_lt(fabs(fm_mc_z_pvalue(1.959963984540054) - 0.05), 1e-14);
  fm_rng r = fm_rng_make(SEED, 7);
  enum { M = 7 };
  int disagree = 0;
  for (int fam = 0; fam < 2000; fam++) {
    double est[M], se[M], ex[M];
    for (int i = 0; i < M; i++) {
      est[i] = 1.4 * fm_rng_normal(&r, (uint64_t)(fam * M + i));
      se[i] = 1.0;
      ex[i] = 0.0;
    }
    fm_ztest zt;
    cr_assert_eq(fm_mc_ztest(&zt, est, se, ex, M, 0.05), FM_OK);
    disagree += (zt.nreject > 0) != (zt.zmax >= zt.zcrit);
  }
  cr_expect_eq(disagree, 0, "%d families where Holm and the max-|z| rule disagree", disagree);
  double e1 = 1.0, s0 = 0.0, x1 = 1.0, x2 = 2.0;
  fm_ztest zt;
  cr_assert_eq(fm_mc_ztest(&zt, &e1, &s0, &x1, 1, 0.05), FM_OK);
  cr_expect_eq(zt.zmax, 0.0, "se 0 and exact agreement: z = 0");
  cr_assert_eq(fm_mc_ztest(&zt, &e1, &s0, &x2, 1, 0.05), FM_OK);
  cr_expect_eq(zt.nreject, 1u, "se 0 and disagreement must reject");
  cr_expect_eq(fm_mc_ztest(&zt, &e1, &s0, &x2, 0, 0.05), FM_EINVAL);
}

/* An exact power law gives its exponent with se ~ 0; with lognormal noise
 * (sd 0.1) the 95% band covers the true slope in 95% of 400 fits: binomial
 * sd sqrt(400 .95 .05) = 4.4, accept [362, 398] (4 sd below, and 398 since
 * a band that is too wide would cover ~always). */
Test(mc, loglog_slope_exact_and_band_coverage)
{
  double N[8], err[8];
  for (int i = 0; i < 8; i++) {
    N[i] = 1000.0 * pow(2.7, i);
    err[i] = 3.3 / sqrt(N[i]);
  }
  fm_slope s;
  cr_assert_eq(fm_mc_loglog_slope(&s, N, err, 8, 0.95), FM_OK);
  cr_expect_lt(fabs(s.slope + 0.5), 1e-13, "slope %.17g", s.slope);
  cr_expect_lt(s.se, 1e-13);
  fm_rng r = fm_rng_make(SEED, 8);
  int cover = 0;
  for (int rep = 0; rep < 400; rep++) {
    for (int i = 0; i < 8; i++)
      err[i] = 3.3 / sqrt(N[i]) * exp(0.1 * fm_rng_normal(&r, (uint64_t)(rep * 8 + i)));
    cr_assert_eq(fm_mc_loglog_slope(&s, N, err, 8, 0.95), FM_OK);
    cover += s.lo <= -0.5 && -0.5 <= s.hi;
  }
  cr_expect(cover >= 362 && cover <= 398, "95%% band covered the slope %d/400 times", cover);
  err[2] = -1.0;
  cr_expect_eq(fm_mc_loglog_slope(&s, N, err, 8, 0.95), FM_EDOM);
  cr_expect_eq(fm_mc_loglog_slope(&s, N, err, 2, 0.95), FM_EINVAL);
}
