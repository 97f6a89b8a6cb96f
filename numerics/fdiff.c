/* fdiff.c -- Richardson-extrapolated central differences, and the exact step
 * of a forward difference (see fdiff.h). */
#include "fdiff.h"
#include "fm_status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One level of raw differences; fmag[i] accumulates max |f_i| seen (for the
 * round-off floor of the error estimate). */
static int fm_fdiff_level(double *D, double *fmag, fm_fdiff_fn f, void *ctx, size_t n,
                          double t, double h, double *yp, double *ym)
{
  int st = f(yp, t + h, ctx);
  if (st == FM_OK)
    st = f(ym, t - h, ctx);
  if (st != FM_OK)
    return st;
  for (size_t i = 0; i < n; i++) {
    D[i] = (yp[i] - ym[i]) / (2.0 * h);
    fmag[i] = fmax(fmag[i], fmax(fabs(yp[i]), fabs(ym[i])));
  }
  return FM_OK;
}

/* Observed order from three consecutive raw differences of one component;
 * NAN when the differences are not clearly above the round-off of the raw
 * differences themselves (~eps |f| / h each): then they carry no
 * information about the truncation error (e.g. an affine f). */
static double fm_fdiff_order(double d0, double d1, double d2, double fmag, double h2)
{
  double a = fabs(d0 - d1), b = fabs(d1 - d2), noise = 2.2e-16 * fmag / h2;
  if (!(b > 64.0 * noise) || !(a > 0.0))
    return NAN;
  return log2(a / b);
}

int fm_fdiff_central(double *d, double *err, fm_fdiff_info *info, fm_fdiff_fn f,
                     void *ctx, size_t n, double t, double h0, int levels)
{
  if (levels < 3 || levels > FM_FDIFF_MAXLEV || !(h0 > 0.0) || n == 0)
    return FM_EINVAL;
  size_t L = (size_t)levels;
  double *T = malloc(L * L * n * sizeof *T); /* T[(k*L + j)*n + i] */
  double *yp = calloc(3 * n, sizeof *yp);
  if (T == NULL || yp == NULL) {
    free(T);
    free(yp);
    return FM_ENOMEM;
  }
  double *ym = yp + n, *fmag = yp + 2 * n;
  int st = FM_OK;
  double h = h0;
  for (size_t k = 0; k < L && st == FM_OK; k++, h *= 0.5) {
    st = fm_fdiff_level(&T[(k * L) * n], fmag, f, ctx, n, t, h, yp, ym);
    double p4 = 4.0;
    for (size_t j = 1; j <= k && st == FM_OK; j++, p4 *= 4.0)
      for (size_t i = 0; i < n; i++) {
        double a = T[(k * L + j - 1) * n + i], b = T[((k - 1) * L + j - 1) * n + i];
        T[(k * L + j) * n + i] = a + (a - b) / (p4 - 1.0);
      }
  }
  if (st == FM_OK) {
    double order = NAN;
    for (size_t i = 0; i < n; i++) {
      /* best diagonal entry: smallest |T[k][k] - T[k][k-1]| */
      double best = INFINITY, val = T[i];
      for (size_t k = 1; k < L; k++) {
        double e = fabs(T[(k * L + k) * n + i] - T[(k * L + k - 1) * n + i]);
        if (e < best) {
          best = e;
          val = T[(k * L + k) * n + i];
        }
      }
      /* Round-off floor: each raw difference carries ~eps |f| / h; the
       * extrapolation weights (sum |w| < 2 per level) amplify it at most
       * 2^levels times.  An estimate below that floor is not credible. */
      double hmin = h0 / ldexp(1.0, levels - 1);
      double floor = 2.2e-16 * fmag[i] / hmin * ldexp(1.0, levels);
      d[i] = val;
      if (err != NULL)
        err[i] = fmax(best, floor);
      double o = fm_fdiff_order(T[i], T[L * n + i], T[2 * L * n + i], fmag[i], h0 / 4.0);
      if (isfinite(o) && (!isfinite(order) || o < order))
        order = o;
    }
    if (info != NULL) {
      info->order = order;
      info->h_used = h0 / ldexp(1.0, levels - 1);
      info->levels = levels;
    }
  }
  free(T);
  free(yp);
  return st;
}

double fm_fdiff_step(double p, double delta)
{
  double ulp = nextafter(fabs(p), INFINITY) - fabs(p);
  double q = p + fmax(delta, 4.0 * ulp);
  return q - p;
}
