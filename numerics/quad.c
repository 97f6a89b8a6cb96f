/* quad.c -- Gauss-Hermite, Gauss-Legendre and libcubature with error
 * estimates (see quad.h for the rules and the n-vs-2n convention). */
#include "quad.h"

#include <cubature.h>
#include <gsl/gsl_integration.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- 1D rules ---------------- */

static int fm_quad_rule_new(fm_quad_rule **r, size_t n)
{
  fm_quad_rule *q = malloc(sizeof *q);
  if (q == NULL)
    return FM_ENOMEM;
  q->n = n;
  q->x = malloc(2 * n * sizeof *q->x);
  if (q->x == NULL) {
    free(q);
    return FM_ENOMEM;
  }
  q->w = q->x + n;
  *r = q;
  return FM_OK;
}

void fm_quad_rule_free(fm_quad_rule *r)
{
  if (r == NULL)
    return;
  free(r->x);
  free(r);
}

/* Copy GSL's rule, mapping node y -> sx y and weight w -> sw w. */
static int fm_quad_rule_gsl(fm_quad_rule **r, const gsl_integration_fixed_type *T, size_t n,
                            double a, double b, double sx, double sw)
{
  fm_gsl_quiet();
  gsl_integration_fixed_workspace *ws = gsl_integration_fixed_alloc(T, n, a, b, 0.0, 0.0);
  if (ws == NULL)
    return FM_EINVAL;
  int st = fm_quad_rule_new(r, n);
  if (st == FM_OK) {
    const double *y = gsl_integration_fixed_nodes(ws), *w = gsl_integration_fixed_weights(ws);
    for (size_t i = 0; i < n; i++) {
      (*r)->x[i] = sx * y[i];
      (*r)->w[i] = sw * w[i];
    }
  }
  gsl_integration_fixed_free(ws);
  return st;
}

/* GSL's Hermite rule (a = 0, b = 1) is for the weight e^{-y^2}:
 * E_{N(0,1)} g = pi^{-1/2} int g(sqrt 2 y) e^{-y^2} dy. */
int fm_quad_rule_hermite(fm_quad_rule **r, size_t n)
{
  if (n == 0)
    return FM_EINVAL;
  return fm_quad_rule_gsl(r, gsl_integration_fixed_hermite, n, 0.0, 1.0, M_SQRT2,
                          1.0 / sqrt(M_PI));
}

int fm_quad_rule_legendre(fm_quad_rule **r, size_t n, double a, double b)
{
  if (n == 0 || !(isfinite(a) && isfinite(b) && a < b))
    return FM_EINVAL;
  return fm_quad_rule_gsl(r, gsl_integration_fixed_legendre, n, a, b, 1.0, 1.0);
}

/* ---------------- tensor Gauss-Hermite ---------------- */

static int fm_quad_tensor_size(size_t *total, size_t n, size_t d)
{
  size_t t = 1;
  for (size_t i = 0; i < d; i++) {
    if (t > FM_QUAD_MAX_TENSOR / n)
      return FM_EINVAL;
    t *= n;
  }
  *total = t;
  return FM_OK;
}

int fm_quad_gh_gauss_rule(double *val, fm_quad_fn f, void *ctx, size_t fdim,
                          const double *mu, const double *L, size_t d,
                          const fm_quad_rule *r)
{
  size_t total, n = r->n;
  if (d == 0 || fdim == 0 || fm_quad_tensor_size(&total, n, d) != FM_OK)
    return FM_EINVAL;
  size_t *idx = calloc(d, sizeof *idx);
  double *buf = malloc((2 * d + fdim) * sizeof *buf);
  if (idx == NULL || buf == NULL) {
    free(idx);
    free(buf);
    return FM_ENOMEM;
  }
  double *z = buf, *x = buf + d, *y = buf + 2 * d;
  int st = FM_OK;
  memset(val, 0, fdim * sizeof *val);
  for (size_t c = 0; c < total && st == FM_OK; c++) {
    double w = 1.0;
    for (size_t i = 0; i < d; i++) {
      z[i] = r->x[idx[i]];
      w *= r->w[idx[i]];
    }
    for (size_t i = 0; i < d; i++) {
      double s = mu ? mu[i] : 0.0;
      for (size_t j = 0; j < d; j++)
        s += L[i * d + j] * z[j];
      x[i] = s;
    }
    st = f(y, x, ctx);
    for (size_t k = 0; k < fdim; k++)
      val[k] += w * y[k];
    for (size_t i = 0; i < d && ++idx[i] == n; i++)  /* odometer */
      idx[i] = 0;
  }
  free(idx);
  free(buf);
  return st;
}

/* Q_n and Q_2n by one routine, err = |Q_2n - Q_n|. */
static void fm_quad_pair_err(double *val, double *err, const double *qn, size_t fdim)
{
  if (err)
    for (size_t k = 0; k < fdim; k++)
      err[k] = fabs(val[k] - qn[k]);
}

int fm_quad_gh_gauss(double *val, double *err, fm_quad_fn f, void *ctx, size_t fdim,
                     const double *mu, const double *L, size_t d, size_t n)
{
  size_t total;
  if (n == 0 || d == 0 || fdim == 0 || fm_quad_tensor_size(&total, 2 * n, d) != FM_OK)
    return FM_EINVAL;
  fm_quad_rule *r1 = NULL, *r2 = NULL;
  double *qn = malloc(fdim * sizeof *qn);
  int st = qn ? FM_OK : FM_ENOMEM;
  st = st ? st : fm_quad_rule_hermite(&r1, n);
  st = st ? st : fm_quad_rule_hermite(&r2, 2 * n);
  st = st ? st : fm_quad_gh_gauss_rule(qn, f, ctx, fdim, mu, L, d, r1);
  st = st ? st : fm_quad_gh_gauss_rule(val, f, ctx, fdim, mu, L, d, r2);
  if (st == FM_OK)
    fm_quad_pair_err(val, err, qn, fdim);
  fm_quad_rule_free(r1);
  fm_quad_rule_free(r2);
  free(qn);
  return st;
}

/* ---------------- Gauss-Legendre ---------------- */

static int fm_quad_legendre_rule(double *val, fm_quad_fn f, void *ctx, size_t fdim,
                                 const fm_quad_rule *r, double *y)
{
  memset(val, 0, fdim * sizeof *val);
  for (size_t i = 0; i < r->n; i++) {
    int st = f(y, &r->x[i], ctx);
    if (st != FM_OK)
      return st;
    for (size_t k = 0; k < fdim; k++)
      val[k] += r->w[i] * y[k];
  }
  return FM_OK;
}

int fm_quad_legendre(double *val, double *err, fm_quad_fn f, void *ctx, size_t fdim,
                     double a, double b, size_t n)
{
  if (n == 0 || fdim == 0)
    return FM_EINVAL;
  fm_quad_rule *r1 = NULL, *r2 = NULL;
  double *qn = malloc(2 * fdim * sizeof *qn);
  int st = qn ? FM_OK : FM_ENOMEM;
  st = st ? st : fm_quad_rule_legendre(&r1, n, a, b);
  st = st ? st : fm_quad_rule_legendre(&r2, 2 * n, a, b);
  st = st ? st : fm_quad_legendre_rule(qn, f, ctx, fdim, r1, qn + fdim);
  st = st ? st : fm_quad_legendre_rule(val, f, ctx, fdim, r2, qn + fdim);
  if (st == FM_OK)
    fm_quad_pair_err(val, err, qn, fdim);
  fm_quad_rule_free(r1);
  fm_quad_rule_free(r2);
  free(qn);
  return st;
}

/* ---------------- libcubature ---------------- */

typedef struct {
  fm_quad_fn f;
  void *ctx;
  int status;
} fm_cub_ctx;

static int fm_cub_integrand(unsigned ndim, const double *x, void *data, unsigned fdim,
                            double *fval)
{
  (void)ndim;
  (void)fdim;
  fm_cub_ctx *c = data;
  c->status = c->f(fval, x, c->ctx);
  return c->status == FM_OK ? 0 : 1;  /* nonzero stops libcubature */
}

int fm_quad_cubature(double *val, double *err, fm_quad_fn f, void *ctx, size_t fdim,
                     size_t d, const double *lo, const double *hi, double abs_tol,
                     double rel_tol, size_t maxeval, fm_cubature_method method)
{
  if (fdim == 0 || d == 0 || fdim > 65535 || d > 65535)
    return FM_EINVAL;
  for (size_t i = 0; i < d; i++)
    if (!(isfinite(lo[i]) && isfinite(hi[i]) && lo[i] < hi[i]))
      return FM_EINVAL;
  double *e = err ? err : malloc(fdim * sizeof *e);
  if (e == NULL)
    return FM_ENOMEM;
  fm_cub_ctx c = {f, ctx, FM_OK};
  int rc = (method == FM_CUBATURE_P ? pcubature : hcubature)(
      (unsigned)fdim, fm_cub_integrand, &c, (unsigned)d, lo, hi, maxeval, abs_tol, rel_tol,
      ERROR_INDIVIDUAL, val, e);
  int st = c.status != FM_OK ? c.status : (rc != 0 ? FM_ECONV : FM_OK);
  if (st == FM_OK)
    for (size_t k = 0; k < fdim; k++)
      if (!(e[k] <= abs_tol || e[k] <= rel_tol * fabs(val[k])))
        st = FM_ECONV;
  if (e != err)
    free(e);
  return st;
}
