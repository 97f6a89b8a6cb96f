/* gmmtest.h -- statistical tests of a sample against a Gaussian mixture
 * (the law p_t of a case): KS of projections against the exact mixture CDF,
 * KS of log-densities against exact draws, mode occupancy, and the combined
 * decision of `compare-samples` (Holm over the generic two-sample tests of
 * numerics/stattest.h and these).  Files: gmmtest_proj.c, gmmtest_logp.c,
 * gmmtest_modes.c, gmmtest_compare.c.
 */
#ifndef FM_GMMTEST_H
#define FM_GMMTEST_H

#include <stddef.h>
#include <stdint.h>

#include "gmm.h"
#include "rng.h"
#include "stattest.h"

/* CDF at s of the projection e.X, X ~ g: sum_k w_k Phi((s - e.mu_k) /
 * sqrt(e'S_k e)). */
double fm_gmmtest_proj_cdf(const fm_gmm *g, const double *e, double s);

/* KS of the projections e.X_i against fm_gmmtest_proj_cdf (e need not be a
 * unit vector).  For d = 1 and e = {1} this is the exact 1D mixture test. */
int fm_gmmtest_ks_dir(fm_stat_result *r, const double *X, size_t n, const fm_gmm *g,
                       const double *e);

/* KS on nproj random directions (uniform on the sphere, from normals of
 * stream child(rng, 0); for d = 1 a single direction e = 1 is used whatever
 * nproj), Bonferroni: p = min(1, nproj min_j p_j); stat = max_j D_j. */
int fm_gmmtest_ks_proj(fm_stat_result *r, const double *X, size_t n, const fm_gmm *g,
                    size_t nproj, const fm_rng *rng);

/* Two-sample KS of log g(X_i) against log g(Y_j); Y should be exact draws
 * from g.  FM_ENONFIN if a log density is not finite. */
int fm_gmmtest_logp_ks(fm_stat_result *r, const double *X, size_t n, const double *Y, size_t m,
                    const fm_gmm *g);

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
int fm_gmmtest_chisq_modes(fm_stat_result *r, const double *X, size_t n, const double *Y,
                        size_t m, const fm_gmm *g);

/* --- compare-samples: the combined decision --- */

enum {
  FM_GMMTEST_T_CHISQ = 1u << 0,    /* mode occupancy (K >= 2 only) */
  FM_GMMTEST_T_KSPROJ = 1u << 1,   /* KS on random projections (exact 1D in d = 1) */
  FM_GMMTEST_T_LOGP = 1u << 2,     /* KS of log p(X) vs log p(exact draws) */
  FM_GMMTEST_T_MMD = 1u << 3,
  FM_GMMTEST_T_ENERGY = 1u << 4,
  FM_GMMTEST_T_SW2 = 1u << 5,
  FM_GMMTEST_T_ALL = (1u << 6) - 1
};
#define FM_GMMTEST_NTESTS 6

typedef struct {
  double alpha;       /* family-wise level, Holm (default 1e-3) */
  unsigned tests;     /* FM_GMMTEST_T_* mask (default FM_GMMTEST_T_ALL) */
  size_t nproj;       /* KS / sliced-W2 projections (default 8) */
  size_t nperm;       /* at most this many permutations (default 0: ceil(ntests /
                         alpha), so that a permutation test can reach Holm's
                         first threshold; sequential, cheap on good samples) */
  size_t perm_max;    /* permutation tests use the first min(n, perm_max) rows
                         of X and as many exact draws (default 1000) */
  size_t nexact;      /* exact draws for logp-KS (0 = n) */
  uint64_t seed;      /* exact draws, directions and permutations */
} fm_gmmtest_opts;

fm_gmmtest_opts fm_gmmtest_opts_default(void);

typedef struct {
  size_t ntests;                 /* rows in test[], n/a ones included */
  size_t napplicable;            /* rows that entered Holm (test[i].na == NULL) */
  fm_stat_result test[FM_GMMTEST_NTESTS];
  double padj[FM_GMMTEST_NTESTS];   /* Holm-adjusted p-values (NaN for n/a rows) */
  int reject[FM_GMMTEST_NTESTS];    /* 0 for n/a rows */
  int rejected;                  /* 1 if any test rejects at alpha */
  size_t nrejected;
} fm_gmmtest_result;

/* Test the sample X (n x g->d) against the law g.  Exact draws Y_i come
 * from fm_gmm_sample with stream fm_rng_make(seed, FM_RNG_STREAM(0x4353, 1))
 * ("CS"), directions and permutations from other streams of the same seed.
 * Mode occupancy is kept as an n/a row (test[i].na set, outside the Holm
 * family) when the posteriors do not separate the modes of g
 * (fm_gmmtest_chisq_modes' FM_ENOTPD with r->na set): the remaining tests
 * decide. */
int fm_gmmtest_compare(fm_gmmtest_result *res, const double *X, size_t n,
                            const fm_gmm *g, const fm_gmmtest_opts *o);

#endif
