/* qmc.c -- randomly shifted Sobol rules (see qmc.h). */
#include "qmc.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_qrng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mc.h"

struct fm_qmc {
  size_t d, R;
  gsl_qrng *q;
  double *shift;  /* R*d */
  double *s;      /* d: the current Sobol point */
};

int fm_qmc_alloc(fm_qmc **q, size_t d, size_t R, const fm_rng *r)
{
  if (d == 0 || d > FM_QMC_MAX_DIM || R == 0)
    return FM_EINVAL;
  fm_gsl_quiet();
  fm_qmc *n = calloc(1, sizeof *n);
  if (n == NULL)
    return FM_ENOMEM;
  n->d = d;
  n->R = R;
  n->q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)d);
  n->shift = malloc((R + 1) * d * sizeof *n->shift);
  if (n->q == NULL || n->shift == NULL) {
    fm_qmc_free(n);
    return FM_ENOMEM;
  }
  n->s = n->shift + R * d;
  fm_rng_uniforms(n->shift, R * d, r, 0);
  memset(n->s, 0, d * sizeof *n->s);
  *q = n;
  return FM_OK;
}

void fm_qmc_free(fm_qmc *q)
{
  if (q == NULL)
    return;
  if (q->q)
    gsl_qrng_free(q->q);
  free(q->shift);
  free(q);
}

void fm_qmc_reset(fm_qmc *q) { gsl_qrng_init(q->q); }

int fm_qmc_next(fm_qmc *q) { return gsl_qrng_get(q->q, q->s) == 0 ? FM_OK : FM_EDOM; }

void fm_qmc_point(double *u, const fm_qmc *q, size_t rep, fm_qmc_transform tr)
{
  /* Keep u in the open interval: a sum that rounds to exactly 1 (or a
   * coordinate at 0) would make Phi^{-1} infinite. */
  const double lo = 0x1p-53, hi = 1.0 - 0x1p-53;
  const double *U = q->shift + rep * q->d;
  for (size_t i = 0; i < q->d; i++) {
    double v = q->s[i] + U[i];
    v = v >= 1.0 ? v - 1.0 : v;
    v = fmin(fmax(v, lo), hi);
    u[i] = tr == FM_QMC_NORMAL ? gsl_cdf_ugaussian_Pinv(v) : v;
  }
}

/* Replicate sums into acc[rep*fdim + k]. */
static int fm_qmc_accumulate(double *acc, fm_qmc *q, fm_qmc_fn f, void *ctx, size_t fdim,
                             size_t n, fm_qmc_transform tr, double *u, double *y)
{
  for (size_t i = 0; i < n; i++) {
    int st = fm_qmc_next(q);
    for (size_t rep = 0; rep < q->R && st == FM_OK; rep++) {
      fm_qmc_point(u, q, rep, tr);
      st = f(y, u, ctx);
      for (size_t k = 0; k < fdim && st == FM_OK; k++)
        acc[rep * fdim + k] += y[k];
    }
    if (st != FM_OK)
      return st;
  }
  return FM_OK;
}

int fm_qmc_estimate(double *mean, double *se, fm_qmc_fn f, void *ctx, size_t d, size_t fdim,
                    size_t n, size_t R, fm_qmc_transform tr, const fm_rng *r)
{
  if (n == 0 || R < 2 || fdim == 0)
    return FM_EINVAL;
  fm_qmc *q = NULL;
  int st = fm_qmc_alloc(&q, d, R, r);
  if (st != FM_OK)
    return st;
  double *acc = calloc(R * fdim + d + fdim + R, sizeof *acc);
  if (acc == NULL) {
    fm_qmc_free(q);
    return FM_ENOMEM;
  }
  double *u = acc + R * fdim, *y = u + d, *col = y + fdim;
  st = fm_qmc_accumulate(acc, q, f, ctx, fdim, n, tr, u, y);
  for (size_t k = 0; k < fdim && st == FM_OK; k++) {
    for (size_t rep = 0; rep < R; rep++)
      col[rep] = acc[rep * fdim + k] / (double)n;
    double s;
    st = fm_mc_mean_se(&mean[k], &s, col, R);
    if (se)
      se[k] = s;
  }
  free(acc);
  fm_qmc_free(q);
  return st;
}
