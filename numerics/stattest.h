/* stattest.h -- goodness-of-fit and two-sample tests for samples that
 * should follow a Gaussian mixture (p_t of a case), and the combined
 * "compare-samples" decision (DESIGN §5).
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

#include "gmm.h"
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

/* CDF at s of the projection e.X, X ~ g: sum_k w_k Phi((s - e.mu_k) /
 * sqrt(e'S_k e)). */
double fm_gmm_proj_cdf(const fm_gmm *g, const double *e, double s);

/* KS of the projections e.X_i against fm_gmm_proj_cdf (e need not be a
 * unit vector).  For d = 1 and e = {1} this is the exact 1D mixture test. */
int fm_stat_ks_gmm_dir(fm_stat_result *r, const double *X, size_t n, const fm_gmm *g,
                       const double *e);

/* KS on nproj random directions (uniform on the sphere, from normals of
 * stream child(rng, 0); for d = 1 a single direction e = 1 is used whatever
 * nproj), Bonferroni: p = min(1, nproj min_j p_j); stat = max_j D_j. */
int fm_stat_ks_proj(fm_stat_result *r, const double *X, size_t n, const fm_gmm *g,
                    size_t nproj, const fm_rng *rng);

/* --- two-sample tests (X: n x d, Y: m x d, row-major) --- */

int fm_stat_ks2(fm_stat_result *r, const double *x, size_t n, const double *y, size_t m);

/* Two-sample KS of log g(X_i) against log g(Y_j); Y should be exact draws
 * from g.  FM_ENONFIN if a log density is not finite. */
int fm_stat_logp_ks(fm_stat_result *r, const double *X, size_t n, const double *Y, size_t m,
                    const fm_gmm *g);

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

/* --- mode occupancy --- */

/* Mode occupancy: the soft counts Nbar_k = (1/n) sum_i gamma_k(X_i)
 * (posterior weights under g) against the weights, using E gamma_k(X) = w_k
 * exactly when X ~ g.
 *  - Y (m exact draws of g) given: Wald statistic
 *      T = n (Nbar - w)' Sigma^{-1} (Nbar - w)   (first K - 1 components),
 *    Sigma the sample covariance of gamma(Y_j); chi-square(K - 1) up to the
 *    O(1/sqrt(m)) error of Sigma (1.4% of T at m = 1e4).  Calibrated and
 *    powerful whether or not the modes overlap.
 *  - Y = NULL: Pearson sum_k n (Nbar_k - w_k)^2 / w_k.  Cov(gamma) <=
 *    diag(w) - w w' (E[diag(gamma) - gamma gamma'] is PSD), so by Anderson's
 *    theorem the statistic is stochastically below the multinomial
 *    chi-square: conservative, exact when the modes do not overlap, and
 *    weak when they do.
    With Y, only the contrasts of the weights that the posteriors resolve
 *    enter: along the generalised eigenvectors of (Sigma, diag(w) - w w')
 *    with eigenvalue lambda (the fraction of a hard label's information the
 *    soft counts keep), contrast i is kept iff lambda_i n min_k w_k >= 5 (an
 *    effective expected count, Cochran's rule); T is the Wald statistic on
 *    the r kept contrasts, chi-square(r), r = K - 1 when the modes are
 *    separated (derivation in stattest_modes.c).  When none is kept (the
 *    modes coincide, as at t = 0 where every component of p_t is N(0, I)),
 *    FM_ENOTPD (the occupancy covariance is singular at the test's
 *    resolution) with r->na the reason, r->na_value = max lambda n, stat
 *    and pvalue NaN.
 * p from gsl_cdf_chisq_Q with r->df degrees of freedom.  FM_ENOTAVAIL for
 * K = 1 (r untouched); FM_EINVAL when some n w_k < 5 (chi-square
 * approximation). */
int fm_stat_chisq_modes(fm_stat_result *r, const double *X, size_t n, const double *Y,
                        size_t m, const fm_gmm *g);

/* --- multiple comparisons --- */

/* Holm's step-down procedure at family-wise level alpha: reject[i] (may be
 * NULL) and adjusted p-values padj[i] = max_{j <= rank(i)} min(1, (k - j)
 * p_(j)) (may be NULL); returns the number rejected.  NaN p-values count as
 * 0 (rejected): a test that could not compute must not pass silently. */
size_t fm_stat_holm(int *reject, double *padj, const double *p, size_t k, double alpha);

/* --- compare-samples: the combined decision --- */

enum {
  FM_STAT_T_CHISQ = 1u << 0,    /* mode occupancy (K >= 2 only) */
  FM_STAT_T_KSPROJ = 1u << 1,   /* KS on random projections (exact 1D in d = 1) */
  FM_STAT_T_LOGP = 1u << 2,     /* KS of log p(X) vs log p(exact draws) */
  FM_STAT_T_MMD = 1u << 3,
  FM_STAT_T_ENERGY = 1u << 4,
  FM_STAT_T_SW2 = 1u << 5,
  FM_STAT_T_ALL = (1u << 6) - 1
};
#define FM_STAT_NTESTS 6

typedef struct {
  double alpha;       /* family-wise level, Holm (default 1e-3) */
  unsigned tests;     /* FM_STAT_T_* mask (default FM_STAT_T_ALL) */
  size_t nproj;       /* KS / sliced-W2 projections (default 8) */
  size_t nperm;       /* at most this many permutations (default 0: ceil(ntests /
                         alpha), so that a permutation test can reach Holm's
                         first threshold; sequential, cheap on good samples) */
  size_t perm_max;    /* permutation tests use the first min(n, perm_max) rows
                         of X and as many exact draws (default 1000) */
  size_t nexact;      /* exact draws for logp-KS (0 = n) */
  uint64_t seed;      /* exact draws, directions and permutations */
} fm_stat_compare_opts;

fm_stat_compare_opts fm_stat_compare_opts_default(void);

typedef struct {
  size_t ntests;                 /* rows in test[], n/a ones included */
  size_t napplicable;            /* rows that entered Holm (test[i].na == NULL) */
  fm_stat_result test[FM_STAT_NTESTS];
  double padj[FM_STAT_NTESTS];   /* Holm-adjusted p-values (NaN for n/a rows) */
  int reject[FM_STAT_NTESTS];    /* 0 for n/a rows */
  int rejected;                  /* 1 if any test rejects at alpha */
  size_t nrejected;
} fm_stat_compare;

/* Test the sample X (n x g->d) against the law g.  Exact draws Y_i come
 * from fm_gmm_sample with stream fm_rng_make(seed, FM_RNG_STREAM(0x4353, 1))
 * ("CS"), directions and permutations from other streams of the same seed.
 * Mode occupancy is kept as an n/a row (test[i].na set, outside the Holm
 * family) when the posteriors do not separate the modes of g
 * (fm_stat_chisq_modes' FM_ENOTPD with r->na set): the remaining tests
 * decide. */
int fm_stat_compare_samples(fm_stat_compare *res, const double *X, size_t n,
                            const fm_gmm *g, const fm_stat_compare_opts *o);

#endif
