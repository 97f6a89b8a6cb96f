/* stattest.c -- goodness-of-fit and two-sample tests (see stattest.h).
 *
 * Sections: the Kolmogorov distribution; one-sample KS (mixture CDF,
 * projections); two-sample KS and log p KS; permutation tests over a packed
 * pairwise matrix (MMD, energy); sliced W2; mode occupancy; Holm; the
 * combined compare-samples decision.
 */
#include "stattest.h"
#include "fm_status.h"
#include "linalg.h"

#include <cblas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_statistics_float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ===================== the Kolmogorov distribution ===================== */

/* C = A B for m x m row-major matrices (OpenBLAS). */
static void fm_ks_mul(double *C, const double *A, const double *B, size_t m)
{
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)m, (int)m, 1.0, A,
              (int)m, B, (int)m, 0.0, C, (int)m);
}

/* Keep the entries of A (exponent *e, value A 2^e) below 2^256. */
static void fm_ks_rescale(double *A, int *e, size_t m)
{
  double mx = 0.0;
  for (size_t i = 0; i < m * m; i++)
    mx = fmax(mx, fabs(A[i]));
  if (mx > 0x1p256) {
    for (size_t i = 0; i < m * m; i++)
      A[i] = ldexp(A[i], -256);
    *e += 256;
  }
}

/* The MTW matrix H (Durbin's formulation). */
static void fm_ks_mtw_matrix(double *H, size_t m, double h)
{
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < m; j++)
      H[i * m + j] = i + 1 >= j ? 1.0 : 0.0;
  for (size_t i = 0; i < m; i++) {
    H[i * m] -= pow(h, (double)(i + 1));
    H[(m - 1) * m + i] -= pow(h, (double)(m - i));
  }
  H[(m - 1) * m] += 2.0 * h - 1.0 > 0.0 ? pow(2.0 * h - 1.0, (double)m) : 0.0;
  /* divide by (i - j + 1)!; beyond 170! the entry underflows to 0 */
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j <= i + 1 && j < m; j++)
      H[i * m + j] *= exp(-gsl_sf_lnfact((unsigned)(i + 1 - j)));
}

int fm_ks_cdf_mtw(double *cdf, size_t n, double d)
{
  fm_gsl_quiet();
  if (n == 0 || !(d >= 0.0))
    return FM_EINVAL;
  if (d >= 1.0) {
    *cdf = 1.0;
    return FM_OK;
  }
  double nd = (double)n * d;
  size_t k = (size_t)nd + 1, m = 2 * k - 1;
  if (m > 2000)
    return FM_EINVAL;
  double h = (double)k - nd;
  double *H = malloc(4 * m * m * sizeof *H);
  if (H == NULL)
    return FM_ENOMEM;
  double *R = H + m * m, *B = H + 2 * m * m, *T = H + 3 * m * m;
  fm_ks_mtw_matrix(H, m, h);
  /* R = H^n by binary powering; R 2^eR, B 2^eB */
  memset(R, 0, m * m * sizeof *R);
  for (size_t i = 0; i < m; i++)
    R[i * m + i] = 1.0;
  memcpy(B, H, m * m * sizeof *B);
  int eR = 0, eB = 0;
  for (size_t p = n; p > 0; p >>= 1) {
    if (p & 1u) {
      fm_ks_mul(T, R, B, m);
      memcpy(R, T, m * m * sizeof *R);
      eR += eB;
      fm_ks_rescale(R, &eR, m);
    }
    if (p > 1) {
      fm_ks_mul(T, B, B, m);
      memcpy(B, T, m * m * sizeof *B);
      eB *= 2;
      fm_ks_rescale(B, &eB, m);
    }
  }
  /* P(D_n < d) = n!/n^n (H^n)_{kk} */
  double s = R[(k - 1) * m + (k - 1)];
  for (size_t i = 1; i <= n; i++) {
    s *= (double)i / (double)n;
    if (s < 0x1p-256) {
      s = ldexp(s, 256);
      eR -= 256;
    }
  }
  *cdf = ldexp(s, eR);
  free(H);
  return FM_OK;
}

double fm_ks_onesided_p(size_t n, double d)
{
  fm_gsl_quiet();
  if (!(d > 0.0))
    return 1.0;
  if (d >= 1.0)
    return 0.0;
  double nn = (double)n, lfn = gsl_sf_lnfact((unsigned)n), s = 0.0;
  size_t J = (size_t)floor(nn * (1.0 - d));
  for (size_t j = 0; j <= J && j <= n; j++) {
    double a = (double)(n - j) / nn - d, b = d + (double)j / nn;
    if (!(a > 0.0))
      continue; /* a = 0 with n - j > 0: the term vanishes */
    double lt = lfn - gsl_sf_lnfact((unsigned)j) - gsl_sf_lnfact((unsigned)(n - j)) +
                (double)(n - j) * log(a) + ((double)j - 1.0) * log(b);
    s += exp(lt);
  }
  return fmin(1.0, d * s);
}

double fm_ks_limit_q(double lambda)
{
  if (!(lambda > 0.0))
    return 1.0;
  if (lambda < 1.18) {
    /* P(K <= l) = sqrt(2 pi)/l sum exp(-(2j-1)^2 pi^2 / (8 l^2)): converges
     * fast where the alternating series does not */
    double y = exp(-M_PI * M_PI / (8.0 * lambda * lambda)), s = 0.0, y8 = pow(y, 8.0);
    double term = y;
    for (int j = 1; j <= 8; j++) {
      s += term;
      term *= pow(y8, (double)j); /* y^{(2j+1)^2} = y^{(2j-1)^2} y^{8j} */
    }
    return 1.0 - sqrt(2.0 * M_PI) / lambda * s;
  }
  double s = 0.0, sign = 1.0;
  for (int j = 1; j <= 100; j++) {
    double t = exp(-2.0 * (double)j * j * lambda * lambda);
    s += sign * t;
    sign = -sign;
    if (t < 1e-300)
      break;
  }
  return fmin(1.0, fmax(0.0, 2.0 * s));
}

/* Stephens (1970): Q_KS((sqrt(n) + 0.12 + 0.11/sqrt(n)) d). */
static double fm_ks_stephens(double n, double d)
{
  double sn = sqrt(n);
  return fm_ks_limit_q((sn + 0.12 + 0.11 / sn) * d);
}

double fm_ks_pvalue(size_t n, double d)
{
  if (n == 0 || !(d > 0.0))
    return 1.0;
  if (d >= 1.0)
    return 0.0;
  if (d <= 0.5 / (double)n)
    return 1.0; /* D_n >= 1/(2n) always */
  double pm = 2.0 * fm_ks_onesided_p(n, d);
  if (pm <= 0.05)
    return pm;
  size_t m = 2 * ((size_t)((double)n * d) + 1) - 1;
  double cdf;
  if (m <= FM_KS_EXACT_M && fm_ks_cdf_mtw(&cdf, n, d) == FM_OK)
    return fmin(1.0, fmax(0.0, 1.0 - cdf));
  return fm_ks_stephens((double)n, d);
}

double fm_ks2_pvalue(size_t n, size_t m, double d)
{
  fm_gsl_quiet();
  if (n == 0 || m == 0 || !(d > 0.0))
    return 1.0;
  if (d > 1.0)
    return 0.0;
  if (n != m)
    return fm_ks_stephens((double)n * (double)m / ((double)n + (double)m), d);
  /* Gnedenko-Korolyuk: D is a multiple of 1/n */
  size_t k = (size_t)llround(d * (double)n);
  if (k == 0)
    return 1.0;
  double lc0 = gsl_sf_lnchoose((unsigned)(2 * n), (unsigned)n), s = 0.0, sign = 1.0;
  for (size_t j = 1; j * k <= n; j++) {
    s += sign * exp(gsl_sf_lnchoose((unsigned)(2 * n), (unsigned)(n - j * k)) - lc0);
    sign = -sign;
  }
  return fmin(1.0, fmax(0.0, 2.0 * s));
}

/* ============================ one-sample KS ============================ */

static int fm_cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* D of the sorted sample s against F. */
static double fm_ks1_sorted(const double *s, size_t n, fm_cdf_fn F, void *ctx)
{
  double D = 0.0, nn = (double)n;
  for (size_t i = 0; i < n; i++) {
    double f = F(s[i], ctx);
    D = fmax(D, fmax((double)(i + 1) / nn - f, f - (double)i / nn));
  }
  return D;
}

int fm_stat_ks1(fm_stat_result *r, const double *x, size_t n, fm_cdf_fn F, void *ctx)
{
  if (n == 0)
    return FM_EINVAL;
  double *s = malloc(n * sizeof *s);
  if (s == NULL)
    return FM_ENOMEM;
  memcpy(s, x, n * sizeof *s);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(s[i])) {
      free(s);
      return FM_ENONFIN;
    }
  qsort(s, n, sizeof *s, fm_cmp_double);
  double D = fm_ks1_sorted(s, n, F, ctx);
  free(s);
  *r = (fm_stat_result){"ks1", D, fm_ks_pvalue(n, D), n, 0};
  return FM_OK;
}

/* The 1D mixture of a projection: means, standard deviations, weights. */
typedef struct {
  size_t K;
  const double *w;
  double *mu, *sd;
} fm_mix1;

static double fm_mix1_cdf(double s, void *ctx)
{
  const fm_mix1 *q = ctx;
  double F = 0.0;
  for (size_t k = 0; k < q->K; k++)
    F += q->w[k] * gsl_cdf_ugaussian_P((s - q->mu[k]) / q->sd[k]);
  return fmin(1.0, F);
}

/* mu_k = e.m_k, sd_k = sqrt(e' S_k e). */
static int fm_mix1_make(fm_mix1 *q, const fm_gmm *g, const double *e)
{
  size_t d = g->d, K = g->K;
  q->K = K;
  q->w = g->w;
  q->mu = malloc(2 * K * sizeof *q->mu);
  if (q->mu == NULL)
    return FM_ENOMEM;
  q->sd = q->mu + K;
  for (size_t k = 0; k < K; k++) {
    const double *m = g->mean + k * d, *S = g->cov + k * d * d;
    double mu = 0.0, v = 0.0;
    for (size_t i = 0; i < d; i++) {
      mu += e[i] * m[i];
      for (size_t j = 0; j < d; j++)
        v += e[i] * S[i * d + j] * e[j];
    }
    q->mu[k] = mu;
    q->sd[k] = sqrt(v);
    if (!(q->sd[k] > 0.0)) {
      free(q->mu);
      return FM_EINVAL;
    }
  }
  return FM_OK;
}

double fm_gmm_proj_cdf(const fm_gmm *g, const double *e, double s)
{
  fm_gsl_quiet();
  fm_mix1 q;
  if (fm_mix1_make(&q, g, e) != FM_OK)
    return NAN;
  double F = fm_mix1_cdf(s, &q);
  free(q.mu);
  return F;
}

/* proj[i] = e.X_i */
static void fm_project(double *proj, const double *X, size_t n, size_t d, const double *e)
{
  for (size_t i = 0; i < n; i++) {
    double s = 0.0;
    for (size_t j = 0; j < d; j++)
      s += e[j] * X[i * d + j];
    proj[i] = s;
  }
}

int fm_stat_ks_gmm_dir(fm_stat_result *r, const double *X, size_t n, const fm_gmm *g,
                       const double *e)
{
  fm_gsl_quiet();
  if (n == 0)
    return FM_EINVAL;
  fm_mix1 q;
  int st = fm_mix1_make(&q, g, e);
  if (st != FM_OK)
    return st;
  double *proj = malloc(n * sizeof *proj);
  if (proj == NULL) {
    free(q.mu);
    return FM_ENOMEM;
  }
  fm_project(proj, X, n, g->d, e);
  st = fm_stat_ks1(r, proj, n, fm_mix1_cdf, &q);
  if (st == FM_OK)
    r->name = "ks-dir";
  free(proj);
  free(q.mu);
  return st;
}

/* Direction j: normalised normals j d .. j d + d - 1 of stream child(rng, 0). */
static void fm_direction(double *e, size_t d, const fm_rng *rng, size_t j)
{
  fm_rng rd = fm_rng_child(rng, 0);
  double nrm = 0.0;
  fm_rng_normals(e, d, &rd, (uint64_t)(j * d));
  for (size_t i = 0; i < d; i++)
    nrm += e[i] * e[i];
  nrm = sqrt(nrm);
  for (size_t i = 0; i < d; i++)
    e[i] /= nrm;
}

int fm_stat_ks_proj(fm_stat_result *r, const double *X, size_t n, const fm_gmm *g,
                    size_t nproj, const fm_rng *rng)
{
  size_t d = g->d;
  if (n == 0 || nproj == 0)
    return FM_EINVAL;
  if (d == 1)
    nproj = 1;
  double *e = malloc(d * sizeof *e);
  if (e == NULL)
    return FM_ENOMEM;
  double Dmax = 0.0, pmin = 1.0;
  int st = FM_OK;
  for (size_t j = 0; j < nproj && st == FM_OK; j++) {
    if (d == 1)
      e[0] = 1.0;
    else
      fm_direction(e, d, rng, j);
    fm_stat_result rj;
    st = fm_stat_ks_gmm_dir(&rj, X, n, g, e);
    if (st == FM_OK) {
      Dmax = fmax(Dmax, rj.stat);
      pmin = fmin(pmin, rj.pvalue);
    }
  }
  free(e);
  if (st == FM_OK)
    *r = (fm_stat_result){"ks-proj", Dmax, fmin(1.0, (double)nproj * pmin), n, 0};
  return st;
}

/* ============================ two-sample KS ============================ */

/* D of two sorted samples (ties advance both: correct for repeated values). */
static double fm_ks2_sorted(const double *a, size_t n, const double *b, size_t m)
{
  size_t i = 0, j = 0;
  double D = 0.0;
  while (i < n && j < m) {
    double v = fmin(a[i], b[j]);
    while (i < n && a[i] <= v)
      i++;
    while (j < m && b[j] <= v)
      j++;
    D = fmax(D, fabs((double)i / (double)n - (double)j / (double)m));
  }
  return D;
}

int fm_stat_ks2(fm_stat_result *r, const double *x, size_t n, const double *y, size_t m)
{
  if (n == 0 || m == 0)
    return FM_EINVAL;
  double *a = malloc((n + m) * sizeof *a);
  if (a == NULL)
    return FM_ENOMEM;
  double *b = a + n;
  memcpy(a, x, n * sizeof *a);
  memcpy(b, y, m * sizeof *b);
  for (size_t i = 0; i < n + m; i++)
    if (!isfinite(a[i])) {
      free(a);
      return FM_ENONFIN;
    }
  qsort(a, n, sizeof *a, fm_cmp_double);
  qsort(b, m, sizeof *b, fm_cmp_double);
  double D = fm_ks2_sorted(a, n, b, m);
  free(a);
  *r = (fm_stat_result){"ks2", D, fm_ks2_pvalue(n, m, D), n, m};
  return FM_OK;
}

/* lp[i] = log g(X_i) through one path object at alpha = 1, sigma = 0. */
static int fm_gmm_logpdfs(double *lp, const double *X, size_t n, const fm_gmm *g)
{
  fm_gmm_path *p;
  fm_sched_val v = {1.0, 0.0, 0.0, 0.0};
  int st = fm_gmm_path_alloc(&p, g);
  if (st != FM_OK)
    return st;
  st = fm_gmm_path_set(p, &v);
  for (size_t i = 0; i < n && st == FM_OK; i++) {
    st = fm_gmm_path_eval(lp + i, NULL, NULL, NULL, p, X + i * g->d);
    if (st == FM_OK && !isfinite(lp[i]))
      st = FM_ENONFIN;
  }
  fm_gmm_path_free(p);
  return st;
}

int fm_stat_logp_ks(fm_stat_result *r, const double *X, size_t n, const double *Y, size_t m,
                    const fm_gmm *g)
{
  if (n == 0 || m == 0)
    return FM_EINVAL;
  double *lx = malloc((n + m) * sizeof *lx);
  if (lx == NULL)
    return FM_ENOMEM;
  int st = fm_gmm_logpdfs(lx, X, n, g);
  st = st ? st : fm_gmm_logpdfs(lx + n, Y, m, g);
  st = st ? st : fm_stat_ks2(r, lx, n, lx + n, m);
  if (st == FM_OK)
    r->name = "logp-ks";
  free(lx);
  return st;
}

/* ========================= permutation tests ========================= */

/* Pairwise values P_ij (i < j) of the pooled sample Z (N rows), packed by
 * rows: row i holds j = i+1 .. N-1 at offset fm_pk_off(i, N). */
static size_t fm_pk_off(size_t i, size_t N)
{
  return i * N - i * (i + 1) / 2;
}

typedef struct {
  size_t N, n, m;
  double *P;      /* packed pairwise values */
  double *rowall; /* sum of row i of P */
  double *lab;    /* 1 for "X", 0 for "Y" */
  size_t *perm;
} fm_perm;

static void fm_perm_free(fm_perm *q)
{
  free(q->P);
  free(q->rowall);
  free(q->lab);
  free(q->perm);
}

static int fm_perm_alloc(fm_perm *q, size_t n, size_t m)
{
  size_t N = n + m;
  *q = (fm_perm){.N = N, .n = n, .m = m};
  if (n < 2 || m < 2 || N > FM_STAT_PERM_MAX)
    return FM_EINVAL;
  q->P = malloc(N * (N - 1) / 2 * sizeof *q->P);
  q->rowall = malloc(N * sizeof *q->rowall);
  q->lab = malloc(N * sizeof *q->lab);
  q->perm = malloc(N * sizeof *q->perm);
  if (!q->P || !q->rowall || !q->lab || !q->perm) {
    fm_perm_free(q);
    return FM_ENOMEM;
  }
  return FM_OK;
}

static double fm_dist2(const double *a, const double *b, size_t d)
{
  double s = 0.0;
  for (size_t j = 0; j < d; j++)
    s += (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

static const double *fm_pooled_row(const double *X, size_t n, const double *Y, size_t d,
                                   size_t i)
{
  return i < n ? X + i * d : Y + (i - n) * d;
}

/* P_ij = |z_i - z_j|^2 */
static void fm_perm_fill_d2(fm_perm *q, const double *X, const double *Y, size_t d)
{
  for (size_t i = 0; i < q->N; i++) {
    const double *zi = fm_pooled_row(X, q->n, Y, d, i);
    double *row = q->P + fm_pk_off(i, q->N);
    for (size_t j = i + 1; j < q->N; j++)
      row[j - i - 1] = fm_dist2(zi, fm_pooled_row(X, q->n, Y, d, j), d);
  }
}

static void fm_perm_rowsums(fm_perm *q)
{
  for (size_t i = 0; i < q->N; i++) {
    const double *row = q->P + fm_pk_off(i, q->N);
    double s = 0.0;
    for (size_t j = 0; j + i + 1 < q->N; j++)
      s += row[j];
    q->rowall[i] = s;
  }
}

/* 2 Sxx/(n(n-1)) + 2 Syy/(m(m-1)) - 2 Sxy/(n m) for the labels q->lab:
 * one dot product per row (row sums of P fixed in rowall). */
static double fm_perm_stat(const fm_perm *q)
{
  double sxx = 0.0, syy = 0.0, sxy = 0.0;
  for (size_t i = 0; i + 1 < q->N; i++) {
    const double *row = q->P + fm_pk_off(i, q->N), *lab = q->lab + i + 1;
    size_t len = q->N - i - 1;
    double rx = 0.0;
    for (size_t j = 0; j < len; j++)
      rx += row[j] * lab[j];
    double ry = q->rowall[i] - rx;
    if (q->lab[i] != 0.0) {
      sxx += rx;
      sxy += ry;
    } else {
      sxy += rx;
      syy += ry;
    }
  }
  double n = (double)q->n, m = (double)q->m;
  return 2.0 * sxx / (n * (n - 1.0)) + 2.0 * syy / (m * (m - 1.0)) - 2.0 * sxy / (n * m);
}

/* Labels of relabelling b: Fisher-Yates on 0..N-1 with uniforms of stream
 * child(rng, b); the first n positions are "X". */
static void fm_perm_labels(fm_perm *q, const fm_rng *rng, uint64_t b)
{
  fm_rng rb = fm_rng_child(rng, b);
  for (size_t i = 0; i < q->N; i++)
    q->perm[i] = i;
  for (size_t i = q->N - 1; i > 0; i--) {
    size_t j = (size_t)(fm_rng_uniform(&rb, i) * (double)(i + 1));
    if (j > i)
      j = i;
    size_t t = q->perm[i];
    q->perm[i] = q->perm[j];
    q->perm[j] = t;
  }
  for (size_t i = 0; i < q->N; i++)
    q->lab[q->perm[i]] = i < q->n ? 1.0 : 0.0;
}

static void fm_perm_labels_identity(fm_perm *q)
{
  for (size_t i = 0; i < q->N; i++)
    q->lab[i] = i < q->n ? 1.0 : 0.0;
}

/* Besag & Clifford's (1991) sequential permutation p-value: draw
 * relabellings until FM_STAT_PERM_H of them reach the observed statistic
 * (p = H / L after L draws) or nperm have been drawn (p = (1 + g)/(1 +
 * nperm), g of them reaching it).  Valid (P(p <= a) <= a) at every nperm;
 * a sample that fits stops after ~H/p draws, and only an extreme
 * statistic costs all nperm -- which is what lets a caller ask for enough
 * draws to reach a Holm threshold like 1e-3/6 without paying for it on
 * good samples.  *ge counts reaching draws, *L draws made; returns p. */
static double fm_perm_pvalue(size_t ge, size_t L, size_t nperm)
{
  if (ge >= FM_STAT_PERM_H)
    return (double)ge / (double)L;
  return (1.0 + (double)ge) / (1.0 + (double)nperm);
}

/* sign * stat for the data labels and up to nperm relabellings. */
static void fm_perm_test(double *stat, double *p, fm_perm *q, double sign, size_t nperm,
                         const fm_rng *rng)
{
  fm_perm_labels_identity(q);
  double t0 = sign * fm_perm_stat(q);
  size_t ge = 0, b = 0;
  while (b < nperm && ge < FM_STAT_PERM_H) {
    fm_perm_labels(q, rng, b++);
    if (sign * fm_perm_stat(q) >= t0)
      ge++;
  }
  *stat = t0;
  *p = fm_perm_pvalue(ge, b, nperm);
}

/* Median of the packed squared distances (float copy: a bandwidth needs no
 * more; the median is a symmetric function of the pooled sample, so the
 * permutation test stays exact). */
static int fm_perm_median_d2(double *med, const fm_perm *q)
{
  size_t M = q->N * (q->N - 1) / 2;
  float *c = malloc(M * sizeof *c);
  if (c == NULL)
    return FM_ENOMEM;
  for (size_t i = 0; i < M; i++)
    c[i] = (float)q->P[i];
  *med = gsl_stats_float_median(c, 1, M);
  free(c);
  return FM_OK;
}

int fm_stat_mmd(fm_stat_result *r, double *bandwidth, const double *X, size_t n,
                const double *Y, size_t m, size_t d, size_t nperm, const fm_rng *rng)
{
  fm_perm q;
  int st = fm_perm_alloc(&q, n, m);
  if (st != FM_OK)
    return st;
  fm_perm_fill_d2(&q, X, Y, d);
  double med;
  st = fm_perm_median_d2(&med, &q);
  if (st == FM_OK && !(med > 0.0))
    st = FM_EINVAL; /* more than half the pairs coincide */
  if (st == FM_OK) {
    size_t M = q.N * (q.N - 1) / 2;
    for (size_t i = 0; i < M; i++)
      q.P[i] = exp(-0.5 * q.P[i] / med); /* l^2 = med: l = median distance */
    fm_perm_rowsums(&q);
    double T, p;
    fm_perm_test(&T, &p, &q, 1.0, nperm, rng);
    *r = (fm_stat_result){"mmd", T, p, n, m};
    if (bandwidth != NULL)
      *bandwidth = sqrt(med);
  }
  fm_perm_free(&q);
  return st;
}

int fm_stat_energy(fm_stat_result *r, const double *X, size_t n, const double *Y, size_t m,
                   size_t d, size_t nperm, const fm_rng *rng)
{
  fm_perm q;
  int st = fm_perm_alloc(&q, n, m);
  if (st != FM_OK)
    return st;
  fm_perm_fill_d2(&q, X, Y, d);
  size_t M = q.N * (q.N - 1) / 2;
  for (size_t i = 0; i < M; i++)
    q.P[i] = sqrt(q.P[i]);
  fm_perm_rowsums(&q);
  double T, p;
  /* energy = -(MMD^2 form with k = |x - y|) */
  fm_perm_test(&T, &p, &q, -1.0, nperm, rng);
  *r = (fm_stat_result){"energy", T, p, n, m};
  fm_perm_free(&q);
  return FM_OK;
}

/* ============================== sliced W2 ============================== */

/* Squared W2 between the empirical laws of sorted a (n) and b (m): the
 * quantile functions are steps at i/n and j/m; integrate their squared
 * difference over the merged breakpoints (integer comparisons, exact). */
static double fm_w2sq_sorted(const double *a, size_t n, const double *b, size_t m)
{
  size_t i = 0, j = 0;
  double u = 0.0, acc = 0.0;
  while (i < n && j < m) {
    /* next breakpoint: min((i+1)/n, (j+1)/m) */
    int ai = (i + 1) * m <= (j + 1) * n, bj = (j + 1) * n <= (i + 1) * m;
    double next = ai ? (double)(i + 1) / (double)n : (double)(j + 1) / (double)m;
    double dlt = a[i] - b[j];
    acc += (next - u) * dlt * dlt;
    u = next;
    i += (size_t)ai;
    j += (size_t)bj;
  }
  return acc;
}

/* mean over directions of W2^2 for labels lab (1 = X) of the pooled
 * projections Pj (nproj x N); a, b scratch of N. */
static double fm_sw2_stat(const double *Pj, size_t nproj, size_t N, const double *lab,
                          double *a, double *b)
{
  double acc = 0.0;
  for (size_t k = 0; k < nproj; k++) {
    size_t na = 0, nb = 0;
    const double *p = Pj + k * N;
    for (size_t i = 0; i < N; i++) {
      if (lab[i] != 0.0)
        a[na++] = p[i];
      else
        b[nb++] = p[i];
    }
    qsort(a, na, sizeof *a, fm_cmp_double);
    qsort(b, nb, sizeof *b, fm_cmp_double);
    acc += fm_w2sq_sorted(a, na, b, nb);
  }
  return acc / (double)nproj;
}

int fm_stat_sliced_w2(fm_stat_result *r, const double *X, size_t n, const double *Y,
                      size_t m, size_t d, size_t nproj, size_t nperm, const fm_rng *rng)
{
  size_t N = n + m;
  if (n == 0 || m == 0 || nproj == 0 || N > FM_STAT_PERM_MAX)
    return FM_EINVAL;
  double *Pj = malloc((nproj * N + 2 * N + d) * sizeof *Pj);
  fm_perm q = {.N = N, .n = n, .m = m};
  q.lab = malloc(N * sizeof *q.lab);
  q.perm = malloc(N * sizeof *q.perm);
  if (Pj == NULL || q.lab == NULL || q.perm == NULL) {
    free(Pj);
    fm_perm_free(&q);
    return FM_ENOMEM;
  }
  double *a = Pj + nproj * N, *b = a + N, *e = b + N;
  for (size_t k = 0; k < nproj; k++) {
    fm_direction(e, d, rng, k);
    fm_project(Pj + k * N, X, n, d, e);
    fm_project(Pj + k * N + n, Y, m, d, e);
  }
  fm_perm_labels_identity(&q);
  double T = fm_sw2_stat(Pj, nproj, N, q.lab, a, b);
  size_t ge = 0, bb = 0;
  fm_rng rp = fm_rng_child(rng, 1);
  while (bb < nperm && ge < FM_STAT_PERM_H) {
    fm_perm_labels(&q, &rp, bb++);
    if (fm_sw2_stat(Pj, nproj, N, q.lab, a, b) >= T)
      ge++;
  }
  *r = (fm_stat_result){"sliced-w2", sqrt(T), fm_perm_pvalue(ge, bb, nperm), n, m};
  free(Pj);
  fm_perm_free(&q);
  return FM_OK;
}

/* =========================== mode occupancy =========================== */

/* Column means of gamma over the n rows of X (mean[K]), and if cov is not
 * NULL their sample covariance restricted to the first K - 1 components
 * ((K-1)^2, row-major). */
static int fm_gamma_moments(double *mean, double *cov, const double *X, size_t n,
                            const fm_gmm *g)
{
  size_t K = g->K, q = K - 1;
  fm_gmm_path *p = NULL;
  fm_sched_val v = {1.0, 0.0, 0.0, 0.0};
  double *G = malloc(n * K * sizeof *G);
  if (G == NULL)
    return FM_ENOMEM;
  int st = fm_gmm_path_alloc(&p, g);
  st = st ? st : fm_gmm_path_set(p, &v);
  for (size_t i = 0; i < n && st == FM_OK; i++) {
    st = fm_gmm_path_eval(NULL, NULL, NULL, NULL, p, X + i * g->d);
    if (st == FM_OK)
      memcpy(G + i * K, fm_gmm_path_gamma(p), K * sizeof *G);
  }
  fm_gmm_path_free(p);
  for (size_t k = 0; k < K && st == FM_OK; k++) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
      s += G[i * K + k];
    mean[k] = s / (double)n;
  }
  for (size_t a = 0; cov != NULL && a < q && st == FM_OK; a++)
    for (size_t b = 0; b < q; b++) {
      double s = 0.0;
      for (size_t i = 0; i < n; i++)
        s += (G[i * K + a] - mean[a]) * (G[i * K + b] - mean[b]);
      cov[a * q + b] = s / (double)(n - 1);
    }
  free(G);
  return st;
}

int fm_stat_chisq_modes(fm_stat_result *r, const double *X, size_t n, const double *Y,
                        size_t m, const fm_gmm *g)
{
  size_t K = g->K, q = K - 1;
  fm_gsl_quiet();
  if (K < 2)
    return FM_ENOTAVAIL;
  if (n == 0 || (Y != NULL && m < 2))
    return FM_EINVAL;
  for (size_t k = 0; k < K; k++)
    if ((double)n * g->w[k] < 5.0)
      return FM_EINVAL;
  double *buf = malloc((2 * K + 2 * q * q + q) * sizeof *buf);
  if (buf == NULL)
    return FM_ENOMEM;
  double *Nb = buf, *My = buf + K, *S = My + K, *L = S + q * q, *z = L + q * q;
  int st = fm_gamma_moments(Nb, NULL, X, n, g);
  if (st == FM_OK && Y != NULL)
    st = fm_gamma_moments(My, S, Y, m, g);
  double T = 0.0;
  if (st == FM_OK && Y != NULL) {
    st = fm_linalg_chol(L, S, q);
    for (size_t k = 0; k < q && st == FM_OK; k++)
      z[k] = Nb[k] - g->w[k];
    if (st == FM_OK) {
      fm_linalg_chol_solve(My, L, z, q); /* My reused: Sigma^{-1} z */
      for (size_t k = 0; k < q; k++)
        T += (double)n * z[k] * My[k];
    }
  } else if (st == FM_OK) {
    for (size_t k = 0; k < K; k++)
      T += (double)n * (Nb[k] - g->w[k]) * (Nb[k] - g->w[k]) / g->w[k];
  }
  if (st == FM_OK)
    *r = (fm_stat_result){"chisq-modes", T, gsl_cdf_chisq_Q(T, (double)q), n,
                          Y != NULL ? m : 0};
  free(buf);
  return st;
}

/* ================================ Holm ================================ */

size_t fm_stat_holm(int *reject, double *padj, const double *p, size_t k, double alpha)
{
  if (k == 0)
    return 0;
  size_t idx[64], *ord = k <= 64 ? idx : malloc(k * sizeof *ord);
  if (ord == NULL)
    return 0;
  for (size_t i = 0; i < k; i++)
    ord[i] = i;
  /* insertion sort by p (NaN first): k is a small family, and qsort would
   * need the p array in a file-scope variable (not reentrant) */
  for (size_t i = 1; i < k; i++) {
    size_t t = ord[i], j = i;
    double pt = isnan(p[t]) ? -1.0 : p[t];
    while (j > 0 && (isnan(p[ord[j - 1]]) ? -1.0 : p[ord[j - 1]]) > pt) {
      ord[j] = ord[j - 1];
      j--;
    }
    ord[j] = t;
  }
  size_t nrej = 0;
  int going = 1;
  double run = 0.0;
  for (size_t r = 0; r < k; r++) {
    size_t i = ord[r];
    double pi = isnan(p[i]) ? 0.0 : p[i];
    run = fmax(run, fmin(1.0, (double)(k - r) * pi));
    if (padj != NULL)
      padj[i] = run;
    int rej = going && pi <= alpha / (double)(k - r);
    if (!rej)
      going = 0;
    if (reject != NULL)
      reject[i] = rej;
    nrej += (size_t)rej;
  }
  if (ord != idx)
    free(ord);
  return nrej;
}

/* =========================== compare-samples =========================== */

fm_stat_compare_opts fm_stat_compare_opts_default(void)
{
  return (fm_stat_compare_opts){.alpha = 1e-3, .tests = FM_STAT_T_ALL, .nproj = 8,
                                .nperm = 0, .perm_max = 1000, .nexact = 0, .seed = 1};
}

#define FM_CS_TAG 0x4353u /* "CS" */

typedef struct {
  const double *X;
  size_t n, d;
  const fm_gmm *g;
  const fm_stat_compare_opts *o;
  double *Y;   /* exact draws */
  size_t ny;
  size_t nperm; /* o->nperm, or enough to reach alpha / ntests */
} fm_cs_ctx;

/* Test number b (bit b of the mask); its directions and permutations come
 * from stream (seed, CS, 2 + b). */
static int fm_cs_run(fm_stat_result *r, const fm_cs_ctx *c, unsigned b)
{
  unsigned t = 1u << b;
  fm_rng rr = fm_rng_make(c->o->seed, FM_RNG_STREAM(FM_CS_TAG, 2u + b));
  size_t np = c->n < c->o->perm_max ? c->n : c->o->perm_max;
  np = np < c->ny ? np : c->ny;
  switch (t) {
  case FM_STAT_T_CHISQ:
    return fm_stat_chisq_modes(r, c->X, c->n, c->Y, c->ny, c->g);
  case FM_STAT_T_KSPROJ:
    return fm_stat_ks_proj(r, c->X, c->n, c->g, c->o->nproj, &rr);
  case FM_STAT_T_LOGP:
    return fm_stat_logp_ks(r, c->X, c->n, c->Y, c->ny, c->g);
  case FM_STAT_T_MMD:
    return fm_stat_mmd(r, NULL, c->X, np, c->Y, np, c->d, c->nperm, &rr);
  case FM_STAT_T_ENERGY:
    return fm_stat_energy(r, c->X, np, c->Y, np, c->d, c->nperm, &rr);
  case FM_STAT_T_SW2:
    return fm_stat_sliced_w2(r, c->X, np, c->Y, np, c->d, c->o->nproj, c->nperm, &rr);
  default:
    return FM_EINVAL;
  }
}

int fm_stat_compare_samples(fm_stat_compare *res, const double *X, size_t n,
                            const fm_gmm *g, const fm_stat_compare_opts *o)
{
  if (n == 0 || o == NULL || !(o->alpha > 0.0 && o->alpha < 1.0))
    return FM_EINVAL;
  memset(res, 0, sizeof *res);
  fm_cs_ctx c = {X, n, g->d, g, o, NULL, o->nexact > 0 ? o->nexact : n, o->nperm};
  if (c.nperm == 0) { /* smallest p reachable <= Holm's first threshold */
    size_t k = 0;
    for (unsigned b = 0; b < FM_STAT_NTESTS; b++)
      k += (o->tests & (1u << b)) && !((1u << b) == FM_STAT_T_CHISQ && g->K < 2);
    c.nperm = (size_t)ceil((double)(k > 0 ? k : 1) / o->alpha);
  }
  c.Y = malloc(c.ny * g->d * sizeof *c.Y);
  if (c.Y == NULL)
    return FM_ENOMEM;
  fm_rng ry = fm_rng_make(o->seed, FM_RNG_STREAM(FM_CS_TAG, 1));
  for (size_t i = 0; i < c.ny; i++)
    fm_gmm_sample(c.Y + i * g->d, g, &ry, i);
  int st = FM_OK;
  double p[FM_STAT_NTESTS];
  for (unsigned b = 0; b < FM_STAT_NTESTS && st == FM_OK; b++) {
    unsigned t = 1u << b;
    if (!(o->tests & t) || (t == FM_STAT_T_CHISQ && g->K < 2))
      continue;
    st = fm_cs_run(&res->test[res->ntests], &c, b);
    if (st == FM_OK)
      p[res->ntests] = res->test[res->ntests].pvalue;
    res->ntests++;
  }
  free(c.Y);
  if (st != FM_OK)
    return st;
  res->nrejected = fm_stat_holm(res->reject, res->padj, p, res->ntests, o->alpha);
  res->rejected = res->nrejected > 0;
  return FM_OK;
}
