/* mp.c -- MPFR vectors, matrices, sums, dot products and Gaussian
 * elimination for the high-precision twins; see mp.h. */
#include "mp.h"

#include <stdlib.h>

#include "fm_status.h"

int fm_mp_vec_alloc(mpfr_t **v, size_t n, mpfr_prec_t prec)
{
  *v = NULL;
  if (n == 0)
    return FM_OK;
  mpfr_t *a = malloc(n * sizeof *a);
  if (a == NULL)
    return FM_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    mpfr_init2(a[i], prec);
    mpfr_set_zero(a[i], 1);
  }
  *v = a;
  return FM_OK;
}

void fm_mp_vec_free(mpfr_t *v, size_t n)
{
  if (v == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    mpfr_clear(v[i]);
  free(v);
}

int fm_mp_mat_alloc(mpfr_t **A, size_t n, mpfr_prec_t prec)
{
  if (n != 0 && n > ((size_t)-1) / sizeof(mpfr_t) / n) {
    *A = NULL;
    return FM_ENOMEM;
  }
  return fm_mp_vec_alloc(A, n * n, prec);
}

void fm_mp_mat_free(mpfr_t *A, size_t n)
{
  fm_mp_vec_free(A, n * n);
}

void fm_mp_vec_set_d(mpfr_t *v, const double *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    mpfr_set_d(v[i], x[i], MPFR_RNDN);
}

void fm_mp_vec_get_d(double *x, mpfr_t *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    x[i] = mpfr_get_d(v[i], MPFR_RNDN);
}

void fm_mp_sum(mpfr_t s, mpfr_t *a, size_t n)
{
  mpfr_set_zero(s, 1);
  for (size_t i = 0; i < n; i++)
    mpfr_add(s, s, a[i], MPFR_RNDN);
}

void fm_mp_dot(mpfr_t r, mpfr_t *a, mpfr_t *b, size_t n)
{
  mpfr_t p;
  mpfr_init2(p, mpfr_get_prec(r));
  mpfr_set_zero(r, 1);
  for (size_t i = 0; i < n; i++) {
    mpfr_mul(p, a[i], b[i], MPFR_RNDN);
    mpfr_add(r, r, p, MPFR_RNDN);
  }
  mpfr_clear(p);
}

void fm_mp_matvec(mpfr_t *y, mpfr_t *A, mpfr_t *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    fm_mp_dot(y[i], A + i * n, x, n);
}

/* Index of the largest |A(i, k)|, i >= k. */
static size_t fm_mp_pivot_row(mpfr_t *A, size_t n, size_t k)
{
  size_t p = k;
  for (size_t i = k + 1; i < n; i++)
    if (mpfr_cmpabs(A[i * n + k], A[p * n + k]) > 0)
      p = i;
  return p;
}

static void fm_mp_swap_rows(mpfr_t *A, mpfr_t *y, size_t n, size_t i, size_t j)
{
  for (size_t c = 0; c < n; c++)
    mpfr_swap(A[i * n + c], A[j * n + c]);
  mpfr_swap(y[i], y[j]);
}

/* Forward elimination on [A | y]: A becomes upper triangular, det its
 * determinant. */
static int fm_mp_eliminate(mpfr_t *A, mpfr_t *y, mpfr_t det, size_t n, mpfr_t inv,
                           mpfr_t l, mpfr_t tmp)
{
  mpfr_set_ui(det, 1, MPFR_RNDN);
  for (size_t k = 0; k < n; k++) {
    size_t p = fm_mp_pivot_row(A, n, k);
    if (mpfr_zero_p(A[p * n + k])) {
      mpfr_set_zero(det, 1);
      return FM_ESING;
    }
    if (p != k) {
      fm_mp_swap_rows(A, y, n, p, k);
      mpfr_neg(det, det, MPFR_RNDN);
    }
    mpfr_mul(det, det, A[k * n + k], MPFR_RNDN);
    mpfr_ui_div(inv, 1, A[k * n + k], MPFR_RNDN);
    for (size_t i = k + 1; i < n; i++) {
      if (mpfr_zero_p(A[i * n + k]))
        continue;
      mpfr_mul(l, A[i * n + k], inv, MPFR_RNDN);
      for (size_t j = k + 1; j < n; j++) {
        mpfr_mul(tmp, l, A[k * n + j], MPFR_RNDN);
        mpfr_sub(A[i * n + j], A[i * n + j], tmp, MPFR_RNDN);
      }
      mpfr_mul(tmp, l, y[k], MPFR_RNDN);
      mpfr_sub(y[i], y[i], tmp, MPFR_RNDN);
    }
  }
  return FM_OK;
}

/* y = U^{-1} y for the upper triangle U of A. */
static void fm_mp_back_substitute(mpfr_t *y, mpfr_t *A, size_t n, mpfr_t tmp)
{
  for (size_t k = n; k-- > 0;) {
    for (size_t j = k + 1; j < n; j++) {
      mpfr_mul(tmp, A[k * n + j], y[j], MPFR_RNDN);
      mpfr_sub(y[k], y[k], tmp, MPFR_RNDN);
    }
    mpfr_div(y[k], y[k], A[k * n + k], MPFR_RNDN);
  }
}

int fm_mp_gauss_solve(mpfr_t *y, mpfr_t det, mpfr_t *A, mpfr_t *b, size_t n)
{
  if (n == 0) {
    mpfr_set_ui(det, 1, MPFR_RNDN);
    return FM_OK;
  }
  if (y != b)
    for (size_t i = 0; i < n; i++)
      mpfr_set(y[i], b[i], MPFR_RNDN);
  mpfr_t inv, l, tmp;
  mpfr_inits2(mpfr_get_prec(A[0]), inv, l, tmp, (mpfr_ptr)0);
  int st = fm_mp_eliminate(A, y, det, n, inv, l, tmp);
  if (st == FM_OK)
    fm_mp_back_substitute(y, A, n, tmp);
  mpfr_clears(inv, l, tmp, (mpfr_ptr)0);
  return st;
}

void fm_mp_erange_widen(fm_mp_erange *saved)
{
  saved->emin = mpfr_get_emin();
  saved->emax = mpfr_get_emax();
  mpfr_set_emin(mpfr_get_emin_min());
  mpfr_set_emax(mpfr_get_emax_max());
}

void fm_mp_erange_restore(const fm_mp_erange *saved)
{
  mpfr_set_emin(saved->emin);
  mpfr_set_emax(saved->emax);
}
