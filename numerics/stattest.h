/* stattest.h -- goodness-of-fit and two-sample tests for samples that
 * should follow a Gaussian mixture (p_t of a case), and the combined
 * "compare-samples" decision (README.md).
 *
 * Every test returns a p-value: the probability, under the null hypothesis
 * (the sample follows the target / both samples have one law), of a
 * statistic at least as extreme.  Decisions are the caller's, at a stated
 * level; fm_stat_holm corrects a family of tests.
 *
 *  - KS one-sample against a CDF; against the exact mixture CDF of a 1D GMM
 *    and on random projections (the projection e.X of a GMM is the 1D GMM
 *    sum_k w_k N(e.mu_k, e'C_k e)), Bonferroni over the projections.
 *  - KS two-sample; on the values of log p(X) against log p(Y) for exact
 *    draws Y -- the test that sees a covariance scaled by 0.9.  Measured at
 *    1e4 samples (tests/test_stattest.c, compare-samples defaults): log p KS
 *    p = 1e-12 (ring8), 1e-15 (aniso3d), 4e-23 (mix16d); every other test
 *    (KS on projections, occupancy, and MMD, energy, sliced W2 on 1000 +
 *    1000) p >= 0.24.  They compare 1D margins or kernel means, where a 5%
 *    change of scale is within noise; log p(X) is ~ -chi^2_d/2, whose
 *    scale shift adds up over the d coordinates.  In 1D (bimodal) log p KS
 *    gives p = 2e-4, just short of Holm's 1e-3/6.
 *  - MMD^2 (unbiased, Gaussian kernel, median-heuristic bandwidth) and the
 *    energy distance, each with a sequential permutation p-value.
 *  - Sliced W2 with a sequential permutation p-value.
 *  - Chi-square test of mode occupancy against the weights (posterior
 *    "soft" counts, see fm_stat_chisq_modes).
 *
 * Kolmogorov distribution (fm_ks_pvalue).  P(D_n >= d) is computed by
 *  (a) Miller's approximation 2 P(D_n^+ >= d), with the exact one-sided
 *      tail of Birnbaum & Tingey (1951), when that is <= 0.05 -- the regime
 *      of every decision at level <= 0.05.  Its error is the probability
 *      that both one-sided statistics exceed d: measured against (b) for
 *      n = 10 .. 2000 it is below 2e-5 relative at p = 0.05 and smaller
 *      further out (down to p = 1e-10, where (b)'s own rounding dominates);
 *  (b) otherwise the exact algorithm of Marsaglia, Tsang & Wang (2003,
 *      J. Stat. Softw. 8(18)) -- Durbin's matrix H^n, m x m with
 *      m = 2 floor(n d) + 1, powered with exponent scaling -- when
 *      m <= FM_KS_EXACT_M;
 *  (c) otherwise (p > 0.05 and n d > 80, i.e. n in the thousands) the
 *      Kolmogorov limit with Stephens' (1970) correction,
 *      Q_KS((sqrt(n) + 0.12 + 0.11/sqrt(n)) d); measured against (b) its
 *      absolute error for p > 0.05 is 0.004 at n = 1000 and 0.003 at
 *      n = 2000, falling with n (it only shifts p-values far above any
 *      level).
 * Two-sample: for n = m the exact lattice-path formula of Gnedenko &
 * Korolyuk, P(D >= k/n) = 2 sum_{j>=1} (-1)^(j-1) C(2n, n - jk)/C(2n, n);
 * otherwise (c) with the effective size n m/(n + m).
 */
#ifndef FM_STATTEST_H
#define FM_STATTEST_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* Matrices above this size fall back to the asymptotic formula (c). */
#define FM_KS_EXACT_M 161

typedef struct {
  const char *name;   /* test name, e.g. "ks-proj" (static string) */
  double stat;        /* the statistic (its meaning is the test's) */
  double pvalue;
  size_t n, m;        /* sample sizes used (m = 0 for one-sample tests) */
  size_t df;          /* chisq-modes: degrees of freedom used (0 elsewhere) */
  const char *na;     /* NULL, or why the test does not apply here (static
                         string); stat and pvalue are then NaN */
  double na_value;    /* chisq-modes n/a: the largest effective size lambda n */
} fm_stat_result;

/* --- Kolmogorov-Smirnov distribution --- */

/* P(D_n < d) by Marsaglia-Tsang-Wang without their tail shortcut (exact up
 * to rounding; O(m^3 log n) with m = 2 floor(n d) + 1).  FM_EINVAL if the
 * matrix would exceed 2000 x 2000. */
int fm_ks_cdf_mtw(double *cdf, size_t n, double d);
/* P(D_n^+ >= d), the one-sided tail, exactly (Birnbaum-Tingey sum). */
double fm_ks_onesided_p(size_t n, double d);
/* P(D_n >= d) as described above. */
double fm_ks_pvalue(size_t n, double d);
/* Q_KS(lambda) = 2 sum (-1)^(j-1) exp(-2 j^2 lambda^2) (1 for lambda <= 0). */
double fm_ks_limit_q(double lambda);
/* Two-sample: P(D_{n,m} >= d). */
double fm_ks2_pvalue(size_t n, size_t m, double d);

/* --- one-sample KS --- */

typedef double (*fm_cdf_fn)(double x, void *ctx);

/* KS test of x[0..n-1] against the continuous CDF F. */
int fm_stat_ks1(fm_stat_result *r, const double *x, size_t n, fm_cdf_fn F, void *ctx);

/* --- projections (rows of X: n x d, row-major) --- */

/* qsort comparator: ascending doubles. */
int fm_stat_cmp_double(const void *a, const void *b);
/* proj[i] = e.X_i for the n rows of X (n x d). */
void fm_stat_project(double *proj, const double *X, size_t n, size_t d, const double *e);
/* Direction j: normalised normals j d .. j d + d - 1 of stream child(rng, 0). */
void fm_stat_direction(double *e, size_t d, const fm_rng *rng, size_t j);

/* --- two-sample tests (X: n x d, Y: m x d, row-major) --- */

int fm_stat_ks2(fm_stat_result *r, const double *x, size_t n, const double *y, size_t m);

/* Largest pooled size n + m the permutation tests accept (their pairwise
 * matrix has (n + m)^2 / 2 doubles); subsample larger samples. */
#define FM_STAT_PERM_MAX 4096
/* Besag-Clifford stopping count of the sequential permutation p-values. */
#define FM_STAT_PERM_H 10

/* Unbiased MMD^2 with k(x, y) = exp(-|x - y|^2 / (2 l^2)), l = the median
 * pairwise distance of the pooled sample (returned in *bandwidth, may be
 * NULL); permutation p-value over at most nperm random relabellings
 * (permutation b from uniforms of stream child(rng, b)), sequential after
 * Besag & Clifford (1991): stop once FM_STAT_PERM_H relabellings reach the
 * observed statistic (p = H/L after L draws), else p = (1 + g)/(1 + nperm).
 * Valid at every nperm; the smallest p is 1/(1 + nperm), so a decision at
 * level a needs nperm >= 1/a - 1, but only an extreme statistic costs
 * that many draws. */
int fm_stat_mmd(fm_stat_result *r, double *bandwidth, const double *X, size_t n,
                const double *Y, size_t m, size_t d, size_t nperm, const fm_rng *rng);

/* Energy distance 2 E|X - Y| - E|X - X'| - E|Y - Y'| (U-statistics),
 * sequential permutation p-value as for MMD. */
int fm_stat_energy(fm_stat_result *r, const double *X, size_t n, const double *Y, size_t m,
                   size_t d, size_t nperm, const fm_rng *rng);

/* Sliced W2: sqrt of the mean over nproj random directions (stream
 * child(rng, 0)) of the squared 1D W2 distance between the projected
 * empirical laws; sequential permutation p-value as for MMD over at most
 * nperm relabellings (streams child(child(rng, 1), b)).
 * Pooled size <= FM_STAT_PERM_MAX. */
int fm_stat_sliced_w2(fm_stat_result *r, const double *X, size_t n, const double *Y,
                      size_t m, size_t d, size_t nproj, size_t nperm, const fm_rng *rng);

/* --- multiple comparisons --- */

/* Holm's step-down procedure at family-wise level alpha: reject[i] (may be
 * NULL) and adjusted p-values padj[i] = max_{j <= rank(i)} min(1, (k - j)
 * p_(j)) (may be NULL); returns the number rejected.  NaN p-values count as
 * 0 (rejected): a test that could not compute must not pass silently. */
size_t fm_stat_holm(int *reject, double *padj, const double *p, size_t k, double alpha);

#endif
