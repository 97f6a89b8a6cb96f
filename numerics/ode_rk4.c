/* ode_rk4.c -- classical RK4 with fixed steps (see ode_rk4.h). */
#include "ode_rk4.h"
#include "fm_status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One step from (t, y) of size h; k is 4n scratch, y2 n scratch. */
static int fm_rk4_step(double *y, fm_ode_fn f, void *ctx, size_t n, double t, double h,
                       double *k, double *y2)
{
  double *k1 = k, *k2 = k + n, *k3 = k + 2 * n, *k4 = k + 3 * n;
  int st = f(k1, t, y, ctx);
  for (size_t i = 0; i < n && st == FM_OK; i++)
    y2[i] = y[i] + 0.5 * h * k1[i];
  if (st == FM_OK)
    st = f(k2, t + 0.5 * h, y2, ctx);
  for (size_t i = 0; i < n && st == FM_OK; i++)
    y2[i] = y[i] + 0.5 * h * k2[i];
  if (st == FM_OK)
    st = f(k3, t + 0.5 * h, y2, ctx);
  for (size_t i = 0; i < n && st == FM_OK; i++)
    y2[i] = y[i] + h * k3[i];
  if (st == FM_OK)
    st = f(k4, t + h, y2, ctx);
  if (st != FM_OK)
    return st;
  for (size_t i = 0; i < n; i++) {
    y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
    if (!isfinite(y[i]))
      return FM_ENONFIN;
  }
  return FM_OK;
}

int fm_ode_rk4(double *x, fm_ode_fn f, void *ctx, size_t n, double t0, double t1,
               size_t steps)
{
  if (steps == 0 || n == 0)
    return FM_EINVAL;
  double *w = malloc(6 * n * sizeof *w);
  if (w == NULL)
    return FM_ENOMEM;
  double *y = w, *y2 = w + n, *k = w + 2 * n;
  memcpy(y, x, n * sizeof *y);
  double h = (t1 - t0) / (double)steps;
  int st = FM_OK;
  /* node i is t0 + i h (not a running sum: no drift of the node times) */
  for (size_t i = 0; i < steps && st == FM_OK; i++)
    st = fm_rk4_step(y, f, ctx, n, t0 + (double)i * h, h, k, y2);
  if (st == FM_OK)
    memcpy(x, y, n * sizeof *x);
  free(w);
  return st;
}
