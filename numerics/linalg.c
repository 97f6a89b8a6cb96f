/* linalg.c -- Cholesky through GSL; triangular solves through GSL BLAS. */
#include "linalg.h"
#include "fm_status.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <string.h>

int fm_linalg_chol(double *L, const double *A, size_t n)
{
  fm_gsl_quiet();
  for (size_t i = 0; i < n * n; i++)
    if (!isfinite(A[i]))
      return FM_ENONFIN;
  if (L != A)
    memmove(L, A, n * n * sizeof *L);
  gsl_matrix_view m = gsl_matrix_view_array(L, n, n);
  if (gsl_linalg_cholesky_decomp1(&m.matrix) != GSL_SUCCESS)
    return FM_ENOTPD;
  for (size_t i = 0; i < n; i++) {
    if (!(L[i * n + i] > 0.0))
      return FM_ENOTPD;
    for (size_t j = i + 1; j < n; j++)
      L[i * n + j] = 0.0;
  }
  return FM_OK;
}

double fm_linalg_chol_logdet(const double *L, size_t n)
{
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += log(L[i * n + i]);
  return 2.0 * s;
}

void fm_linalg_chol_solve(double *x, const double *L, const double *b, size_t n)
{
  if (x != b)
    memmove(x, b, n * sizeof *x);
  gsl_matrix_const_view m = gsl_matrix_const_view_array(L, n, n);
  gsl_vector_view v = gsl_vector_view_array(x, n);
  gsl_blas_dtrsv(CblasLower, CblasNoTrans, CblasNonUnit, &m.matrix, &v.vector);
  gsl_blas_dtrsv(CblasLower, CblasTrans, CblasNonUnit, &m.matrix, &v.vector);
}

void fm_linalg_lower_mul(double *y, const double *L, const double *z, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    double s = 0.0;
    for (size_t j = 0; j <= i; j++)
      s += L[i * n + j] * z[j];
    y[i] = s;
  }
}

void fm_linalg_mul(double *y, const double *A, const double *z, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    double s = 0.0;
    for (size_t j = 0; j < n; j++)
      s += A[i * n + j] * z[j];
    y[i] = s;
  }
}

double fm_linalg_maxabs(const double *a, size_t n)
{
  double m = 0.0;
  for (size_t i = 0; i < n; i++)
    m = fmax(m, fabs(a[i]));
  return m;
}

double fm_linalg_maxdiff(const double *a, const double *b, size_t n)
{
  double m = 0.0;
  for (size_t i = 0; i < n; i++) {
    double e = fabs(a[i] - b[i]);
    if (isnan(e))
      return NAN;
    m = fmax(m, e);
  }
  return m;
}

double fm_linalg_asymmetry(const double *A, size_t n)
{
  double big = 0.0, diff = 0.0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      big = fmax(big, fabs(A[i * n + j]));
      diff = fmax(diff, fabs(A[i * n + j] - A[j * n + i]));
    }
  return big > 0.0 ? diff / big : 0.0;
}

int fm_linalg_chol_ld(long double *L, const long double *A, size_t n)
{
  for (size_t j = 0; j < n; j++) {
    long double s = A[j * n + j];
    for (size_t k = 0; k < j; k++)
      s -= L[j * n + k] * L[j * n + k];
    if (!(s > 0.0L) || !isfinite((double)s))
      return FM_ENOTPD;
    L[j * n + j] = sqrtl(s);
    for (size_t i = j + 1; i < n; i++) {
      long double a = A[i * n + j];
      for (size_t k = 0; k < j; k++)
        a -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = a / L[j * n + j];
    }
    for (size_t i = 0; i < j; i++)
      L[i * n + j] = 0.0L;
  }
  return FM_OK;
}

void fm_linalg_lower_solve_ld(long double *y, const long double *L, const long double *b,
                              size_t n)
{
  for (size_t i = 0; i < n; i++) {
    long double s = b[i];
    for (size_t k = 0; k < i; k++)
      s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
}

void fm_linalg_upper_t_solve_ld(long double *x, const long double *L, const long double *y,
                                size_t n)
{
  for (size_t i = n; i-- > 0;) {
    long double s = y[i];
    for (size_t k = i + 1; k < n; k++)
      s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
}
