/* mc.h -- Monte Carlo statistics: running moments, standard errors, batch
 * means, self-normalised importance sampling, z-tests with a multiple-
 * comparison correction, and the log-log error slope with its confidence band
 * (theorems/README.md, "Integral identities (b)").
 *
 * Conventions.
 *  - Standard errors are of the *mean*: se = sqrt(s^2 / n) with the unbiased
 *    s^2 = sum (x - mean)^2 / (n - 1).
 *  - Welford's update (Knuth TAOCP 2, 4.2.2) for running mean/variance; two
 *    accumulators over disjoint samples merge exactly by Chan, Golub and
 *    LeVeque's formula (parallel runs, results independent of the split up to
 *    rounding).
 *  - Self-normalised importance sampling (SNIS), target E_p[f] with draws
 *    y_i ~ r and log-weights l_i = log p(y_i)/r(y_i) + const (the constant
 *    cancels):  mu = sum w_i f_i / sum w_i.  Delta-method standard error
 *    se^2 = sum w_i^2 (f_i - mu)^2 / (sum w_i)^2 (Owen, "Monte Carlo theory,
 *    methods and examples", §9.2), effective sample size
 *    ESS = (sum w)^2 / sum w^2 (Kish).  Weights are kept relative to the
 *    largest log-weight seen, so no weight under- or overflows.
 *  - z-tests: z_i = (est_i - exact_i) / se_i, two-sided p_i = 2 Q(|z_i|).
 *    Multiple comparisons by Holm's step-down procedure at family-wise level
 *    alpha.  For the *global* decision ("is any hypothesis rejected?") Holm
 *    and Bonferroni coincide -- both reject something iff min p <= alpha/m,
 *    i.e. iff max |z| >= z_crit = Phi^{-1}(1 - alpha/(2m)) -- so a check may
 *    report max |z| against z_crit and state "Holm (= Bonferroni for the
 *    global test)".
 *  - Slope: ordinary least squares of log err on log N; the band is
 *    slope +- t_{n-2, (1+level)/2} se(slope) (gsl_cdf_tdist_Pinv).
 */
#ifndef FM_MC_H
#define FM_MC_H

#include <stddef.h>

#include "fm_status.h"

/* ---- running mean and variance (scalar; use an array for vectors) ---- */
typedef struct {
  double n;     /* number of samples (double: merges of huge counts) */
  double mean;
  double m2;    /* sum of squared deviations from the mean */
} fm_welford;

void fm_welford_init(fm_welford *w);
void fm_welford_add(fm_welford *w, double x);
/* a <- a (+) b: the accumulator of the union of both samples. */
void fm_welford_merge(fm_welford *a, const fm_welford *b);
/* Unbiased variance (NAN for n < 2) and standard error of the mean. */
double fm_welford_var(const fm_welford *w);
double fm_welford_se(const fm_welford *w);

/* Two-pass mean and standard error of x[0..n-1] (n >= 2, else FM_EINVAL). */
int fm_mc_mean_se(double *mean, double *se, const double *x, size_t n);

/* Batch means for a correlated stream: split x[0..n-1] into nbatch
 * contiguous batches of floor(n/nbatch) (the remainder at the end is
 * dropped), se = sd(batch means)/sqrt(nbatch).  Valid when a batch is long
 * compared with the correlation time.  FM_EINVAL unless 2 <= nbatch <= n. */
int fm_mc_batch_means(double *mean, double *se, const double *x, size_t n, size_t nbatch);

/* ---- self-normalised importance sampling, streaming, vector f ---- */
typedef struct fm_snis fm_snis;

int fm_snis_alloc(fm_snis **s, size_t dim);
void fm_snis_free(fm_snis *s);
void fm_snis_reset(fm_snis *s);
/* Add one draw: log-weight logw (may be -INFINITY: weight 0) and f[0..dim-1].
 * FM_ENONFIN if logw is NaN or +Inf, or f is not finite with positive weight. */
int fm_snis_add(fm_snis *s, double logw, const double *f);
/* a <- a (+) b (same dim; FM_EDIM otherwise). */
int fm_snis_merge(fm_snis *a, const fm_snis *b);
/* mean, se (dim each; se may be NULL), ess, n (may be NULL).  FM_EDOM when
 * every weight is 0 (nothing to normalise). */
int fm_snis_result(double *mean, double *se, double *ess, const fm_snis *s);
/* Number of draws added, and log sum w (the log of the unnormalised
 * estimate of the normaliser times n). */
double fm_snis_count(const fm_snis *s);
double fm_snis_log_sumw(const fm_snis *s);

/* ---- z-tests with Holm's correction ---- */
/* Two-sided p-value 2 Q(|z|) of z = (est - exact)/se.  se = 0: p = 1 if
 * est == exact, else 0. */
double fm_mc_z(double est, double exact, double se);
double fm_mc_z_pvalue(double z);
/* Critical |z| of the global test of m hypotheses at family-wise level
 * alpha (Holm = Bonferroni for "any rejected"): Phi^{-1}(1 - alpha/(2m)). */
double fm_mc_z_crit(double alpha, size_t m);
/* Holm-adjusted p-values: adj_(i) = max_{j<=i} min(1, (m-j+1) p_(j)) in the
 * ascending order of p; reject hypothesis i iff adj[i] <= alpha.  adj may
 * alias p.  FM_ENOMEM possible (sort index). */
int fm_mc_holm_adjust(double *adj, const double *p, size_t m);

typedef struct {
  size_t m;          /* comparisons */
  double zmax;       /* max |z_i| */
  size_t imax;       /* its index */
  double zcrit;      /* fm_mc_z_crit(alpha, m) */
  double pmin_holm;  /* smallest Holm-adjusted p-value */
  size_t nreject;    /* hypotheses rejected by Holm at alpha */
} fm_ztest;

/* z-test of est[i] against exact[i] with standard errors se[i], i < m,
 * Holm-corrected at family-wise level alpha.  FM_EINVAL if m = 0 or alpha
 * not in (0,1). */
int fm_mc_ztest(fm_ztest *r, const double *est, const double *se, const double *exact,
                size_t m, double alpha);

/* ---- convergence slope of log err against log N ---- */
typedef struct {
  double slope, intercept;  /* log err ~ intercept + slope log N (natural logs) */
  double se;                /* standard error of the slope */
  double lo, hi;            /* slope -+ t_{n-2,(1+level)/2} se */
  size_t n;                 /* points used */
} fm_slope;

/* Fit over n >= 3 points with N_i > 0, err_i > 0 (else FM_EDOM);
 * level in (0,1), e.g. 0.95. */
int fm_mc_loglog_slope(fm_slope *s, const double *N, const double *err, size_t n,
                       double level);

#endif
