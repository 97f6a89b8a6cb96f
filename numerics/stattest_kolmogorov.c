/* stattest_kolmogorov.c -- the Kolmogorov distribution: P(D_n >= d) of the
 * one-sample KS statistic (Miller's one-sided tail, the exact
 * Marsaglia-Tsang-Wang matrix power, or the Kolmogorov limit with Stephens'
 * correction, whichever stattest.h says is accurate there) and of the
 * two-sample statistic (Gnedenko-Korolyuk lattice paths for n = m).  Kept
 * apart from the tests that use it because it is pure distribution theory:
 * tests/test_stattest.c checks it against published values on its own.
 */
#include "stattest.h"
#include "fm_status.h"

#include <cblas.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
