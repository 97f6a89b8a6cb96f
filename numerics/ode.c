/* ode.c -- explicit Runge-Kutta method table, fixed-step and adaptive
 * integration (see ode.h). */
#include "ode.h"
#include "fm_status.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- the tableaux --- */

static const double fm_euler_a[1] = {0.0}, fm_euler_b[1] = {1.0}, fm_euler_c[1] = {0.0};
static const fm_ode_tableau fm_euler_tab = {fm_euler_a, fm_euler_b, fm_euler_c};

static const double fm_mid_a[4] = {0.0, 0.0, 0.5, 0.0};
static const double fm_mid_b[2] = {0.0, 1.0}, fm_mid_c[2] = {0.0, 0.5};
static const fm_ode_tableau fm_mid_tab = {fm_mid_a, fm_mid_b, fm_mid_c};

static const double fm_rk4_a[16] = {0.0, 0.0, 0.0, 0.0,
                                    0.5, 0.0, 0.0, 0.0,
                                    0.0, 0.5, 0.0, 0.0,
                                    0.0, 0.0, 1.0, 0.0};
static const double fm_rk4_b[4] = {1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0};
static const double fm_rk4_c[4] = {0.0, 0.5, 0.5, 1.0};
static const fm_ode_tableau fm_rk4_tab = {fm_rk4_a, fm_rk4_b, fm_rk4_c};

const fm_ode_method fm_ode_euler = {"euler", 1, 1, fm_ode_erk_step, &fm_euler_tab};
const fm_ode_method fm_ode_midpoint = {"midpoint", 2, 2, fm_ode_erk_step, &fm_mid_tab};
const fm_ode_method fm_ode_rk4 = {"rk4", 4, 4, fm_ode_erk_step, &fm_rk4_tab};

const fm_ode_method *const fm_ode_methods[] = {&fm_ode_euler, &fm_ode_midpoint, &fm_ode_rk4,
                                               NULL};

const fm_ode_method *fm_ode_method_find(const char *name)
{
  for (size_t i = 0; name != NULL && fm_ode_methods[i] != NULL; i++)
    if (strcmp(fm_ode_methods[i]->name, name) == 0)
      return fm_ode_methods[i];
  return NULL;
}

size_t fm_ode_work_size(const fm_ode_method *m, size_t n)
{
  return ((size_t)m->stages + 1) * n;
}

/* work = k_1..k_s (s n) then the stage state (n).  Stage i's state is
 * x + h sum_{j<i} a_ij k_j, skipping zero coefficients (exact for the
 * built-ins: their nonzero a_ij are 1/2 and 1). */
int fm_ode_erk_step(double *x, const fm_ode_method *m, fm_ode_fn f, void *ctx, size_t n,
                    double t, double h, double *work)
{
  const fm_ode_tableau *tb = m->tab;
  size_t s = (size_t)m->stages;
  double *y = work + s * n;
  for (size_t i = 0; i < s; i++) {
    memcpy(y, x, n * sizeof *y);
    for (size_t j = 0; j < i; j++) {
      double a = tb->a[i * s + j];
      if (a == 0.0)
        continue;
      const double *kj = work + j * n;
      for (size_t l = 0; l < n; l++)
        y[l] += h * a * kj[l];
    }
    int st = f(work + i * n, t + tb->c[i] * h, y, ctx);
    if (st != FM_OK)
      return st;
  }
  for (size_t i = 0; i < s; i++) {
    double b = tb->b[i];
    const double *ki = work + i * n;
    for (size_t l = 0; b != 0.0 && l < n; l++)
      x[l] += h * b * ki[l];
  }
  return FM_OK;
}

int fm_ode_integrate(double *x, const fm_ode_method *m, fm_ode_fn f, void *ctx, size_t n,
                     double t0, double t1, size_t steps)
{
  if (steps == 0 || n == 0 || m == NULL || !isfinite(t0) || !isfinite(t1))
    return FM_EINVAL;
  size_t nw = fm_ode_work_size(m, n);
  double *y = malloc((nw + n) * sizeof *y);
  if (y == NULL)
    return FM_ENOMEM;
  double *work = y + n;
  memcpy(y, x, n * sizeof *y);
  double h = (t1 - t0) / (double)steps;
  int st = FM_OK;
  /* node i is t0 + i h (not a running sum: no drift of the node times) */
  for (size_t i = 0; i < steps && st == FM_OK; i++) {
    st = m->step(y, m, f, ctx, n, t0 + (double)i * h, h, work);
    for (size_t l = 0; l < n && st == FM_OK; l++)
      if (!isfinite(y[l]))
        st = FM_ENONFIN;
  }
  if (st == FM_OK)
    memcpy(x, y, n * sizeof *x);
  free(y);
  return st;
}

/* --- adaptive: GSL odeiv2 --- */

typedef struct {
  fm_ode_fn f;
  void *ctx;
  size_t nfe;
  int status; /* first non-OK status of f (FM_OK if none) */
} fm_ode_gsl_ctx;

/* GSL's system function.  A failing f returns GSL_EBADFUNC, which makes
 * gsl_odeiv2_evolve_apply return at once (any other code would make it
 * shrink the step and retry); the fmcheck status is kept aside. */
static int fm_ode_gsl_fn(double t, const double y[], double dydt[], void *params)
{
  fm_ode_gsl_ctx *c = params;
  c->nfe++;
  int st = c->f(dydt, t, y, c->ctx);
  if (st != FM_OK) {
    if (c->status == FM_OK)
      c->status = st;
    return GSL_EBADFUNC;
  }
  return GSL_SUCCESS;
}

int fm_ode_adaptive(double *x, fm_ode_adaptive_stats *stats, fm_ode_fn f, void *ctx,
                    size_t n, double t0, double t1, const fm_ode_adaptive_opts *o)
{
  if (n == 0 || o == NULL || !(o->rtol >= 0.0) || !(o->atol >= 0.0) ||
      !(o->rtol + o->atol > 0.0) || !isfinite(t0) || !isfinite(t1))
    return FM_EINVAL;
  fm_gsl_quiet();
  if (stats != NULL)
    *stats = (fm_ode_adaptive_stats){0, 0, 0};
  if (t0 == t1)
    return FM_OK;
  double *y = malloc(n * sizeof *y);
  gsl_odeiv2_step *s = gsl_odeiv2_step_alloc(gsl_odeiv2_step_rk8pd, n);
  gsl_odeiv2_control *c = gsl_odeiv2_control_y_new(o->atol, o->rtol);
  gsl_odeiv2_evolve *e = gsl_odeiv2_evolve_alloc(n);
  int st = FM_OK;
  if (y == NULL || s == NULL || c == NULL || e == NULL)
    st = FM_ENOMEM;
  fm_ode_gsl_ctx gc = {f, ctx, 0, FM_OK};
  gsl_odeiv2_system sys = {fm_ode_gsl_fn, NULL, n, &gc};
  size_t max_steps = o->max_steps > 0 ? o->max_steps : 100000;
  double t = t0, dir = t1 > t0 ? 1.0 : -1.0;
  /* GSL requires the step's sign to match the direction of integration */
  double h = dir * (o->h0 > 0.0 ? o->h0 : fabs(t1 - t0) / 100.0);
  if (st == FM_OK)
    memcpy(y, x, n * sizeof *y);
  while (st == FM_OK && t != t1) {
    if (e->count >= max_steps) {
      st = FM_ECONV;
      break;
    }
    int gs = gsl_odeiv2_evolve_apply(e, c, s, &sys, &t, t1, &h, y);
    if (gs != GSL_SUCCESS)
      st = gc.status != FM_OK ? gc.status : FM_ECONV;
    for (size_t i = 0; i < n && st == FM_OK; i++)
      if (!isfinite(y[i]))
        st = FM_ENONFIN;
  }
  if (stats != NULL && e != NULL)
    *stats = (fm_ode_adaptive_stats){gc.nfe, e->count, e->failed_steps};
  if (st == FM_OK)
    memcpy(x, y, n * sizeof *x);
  free(y);
  if (e != NULL)
    gsl_odeiv2_evolve_free(e);
  if (c != NULL)
    gsl_odeiv2_control_free(c);
  if (s != NULL)
    gsl_odeiv2_step_free(s);
  return st;
}
