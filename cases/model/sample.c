/* sample.c -- ODE (fixed-step and adaptive) and SDE samplers on a velocity
 * field (see sample.h for the choices at the ends of [0, 1]). */
#include "sample.h"
#include "sde.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void fm_sample_opts_default(fm_sample_opts *o)
{
  memset(o, 0, sizeof *o);
  o->kind = FM_SAMPLE_FIXED;
  o->method = &fm_ode_rk4;
  o->steps = 100;
  o->t0 = 0.0;
  o->t1 = 1.0;
  o->adaptive = (fm_ode_adaptive_opts){.rtol = 1e-6, .atol = 1e-8, .h0 = 0.0, .max_steps = 0};
  o->eps = 1.0;
  o->chunk = 256;
  o->seed = 1;
}

int fm_sample_opts_solver(fm_sample_opts *o, const char *name)
{
  if (strcmp(name, "adaptive") == 0) {
    o->kind = FM_SAMPLE_ADAPTIVE;
  } else if (strcmp(name, "sde") == 0) {
    o->kind = FM_SAMPLE_SDE;
  } else {
    const fm_ode_method *m = fm_ode_method_find(name);
    if (m == NULL)
      return FM_EINVAL;
    o->kind = FM_SAMPLE_FIXED;
    o->method = m;
  }
  return FM_OK;
}

void fm_sample_noise(double *X, size_t n, size_t d, uint64_t seed, uint64_t first)
{
  fm_rng r = fm_rng_make(seed, FM_RNG_STREAM(FM_SAMPLE_TAG, 0));
  fm_rng_normals(X, n * d, &r, first * (uint64_t)d);
}

int fm_sample_score_from_v(double *score, const double *v, const double *x, size_t d,
                           const fm_sched_val *sv)
{
  double W = sv->dalpha * sv->sigma - sv->alpha * sv->dsigma, den = sv->sigma * W;
  if (!(den > 0.0) || !isfinite(den))
    return FM_ESING;
  for (size_t i = 0; i < d; i++)
    score[i] = (sv->alpha * v[i] - sv->dalpha * x[i]) / den;
  return FM_OK;
}

int fm_sample_sde_coef(double *eps_t, double *k_t, double *alpha, double *dalpha,
                       const fm_schedule *s, double eps, double t)
{
  fm_sched_val v;
  int st = fm_schedule_eval(&v, s, t);
  *eps_t = *k_t = *alpha = *dalpha = 0.0;
  if (st == FM_ESING) /* an infinite derivative at this node: no noise here */
    return FM_OK;
  if (st != FM_OK)
    return st;
  double W = v.dalpha * v.sigma - v.alpha * v.dsigma;
  if (!(W > 0.0) || !isfinite(W) || !(v.sigma >= 0.0))
    return FM_OK;
  *eps_t = eps * v.sigma;
  *k_t = 0.5 * eps * eps * v.sigma / W; /* eps_t^2 / (2 sigma W) without 1/sigma */
  *alpha = v.alpha;
  *dalpha = v.dalpha;
  return FM_OK;
}

/* --- ODE: the chunk is one stacked system of rows x d unknowns --- */

typedef struct {
  fm_field *f;
  size_t rows;
} fm_smp_ode_ctx;

static int fm_smp_rhs(double *dxdt, double t, const double *x, void *ctx)
{
  fm_smp_ode_ctx *c = ctx;
  return fm_field_eval(c->f, dxdt, t, x, c->rows);
}

/* --- SDE --- */

typedef struct {
  fm_field *f;
  const fm_schedule *s;
  double eps;
} fm_smp_sde_ctx;

static int fm_smp_noise(double *eps, double t, void *ctx)
{
  fm_smp_sde_ctx *c = ctx;
  double k, a, da;
  return fm_sample_sde_coef(eps, &k, &a, &da, c->s, c->eps, t);
}

static int fm_smp_drift(double *B, double t, const double *X, size_t np, size_t n, void *ctx)
{
  fm_smp_sde_ctx *c = ctx;
  double e, k, a, da;
  int st = fm_sample_sde_coef(&e, &k, &a, &da, c->s, c->eps, t);
  st = st ? st : fm_field_eval(c->f, B, t, X, np);
  if (st != FM_OK || k == 0.0)
    return st;
  for (size_t i = 0; i < np * n; i++)
    B[i] += k * (a * B[i] - da * X[i]);
  return FM_OK;
}

static int fm_smp_check(const fm_field *f, size_t n, const fm_sample_opts *o, fm_errmsg *e)
{
  if (n == 0 || f->d == 0)
    return fm_errmsg_set(e, FM_EINVAL, "sample: nothing to sample (n = %zu, d = %zu)", n,
                         f->d);
  if (o->chunk == 0)
    return fm_errmsg_set(e, FM_EINVAL, "sample: chunk must be positive");
  if (!isfinite(o->t0) || !isfinite(o->t1) || o->t0 == o->t1)
    return fm_errmsg_set(e, FM_EINVAL, "sample: bad time interval [%g, %g]", o->t0, o->t1);
  if (o->kind == FM_SAMPLE_FIXED && o->method == NULL)
    return fm_errmsg_set(e, FM_EINVAL, "sample: fixed-step solver without a method");
  if (o->kind != FM_SAMPLE_ADAPTIVE && o->steps == 0)
    return fm_errmsg_set(e, FM_EINVAL, "sample: steps must be positive");
  if (o->kind == FM_SAMPLE_SDE && f->sched == NULL)
    return fm_errmsg_set(e, FM_EINVAL, "sample: the SDE sampler needs the schedule of the "
                                       "field's path (to convert v to a score)");
  if (o->kind == FM_SAMPLE_SDE && !(o->eps >= 0.0 && isfinite(o->eps)))
    return fm_errmsg_set(e, FM_EINVAL, "sample: eps = %g must be finite and >= 0", o->eps);
  if (o->kind > FM_SAMPLE_SDE)
    return fm_errmsg_set(e, FM_EINVAL, "sample: unknown solver kind %d", (int)o->kind);
  return FM_OK;
}

static int fm_smp_chunk(double *Y, fm_sample_stats *acc, fm_field *f, size_t rows,
                        uint64_t first, const fm_sample_opts *o)
{
  size_t d = f->d;
  if (o->kind == FM_SAMPLE_FIXED) {
    fm_smp_ode_ctx c = {f, rows};
    return fm_ode_integrate(Y, o->method, fm_smp_rhs, &c, rows * d, o->t0, o->t1, o->steps);
  }
  if (o->kind == FM_SAMPLE_ADAPTIVE) {
    fm_smp_ode_ctx c = {f, rows};
    fm_ode_adaptive_stats as;
    int st = fm_ode_adaptive(Y, &as, fm_smp_rhs, &c, rows * d, o->t0, o->t1, &o->adaptive);
    acc->steps += as.steps;
    acc->rejected += as.rejected;
    return st;
  }
  fm_smp_sde_ctx c = {f, f->sched, o->eps};
  fm_sde sde = {fm_smp_drift, fm_smp_noise, &c, d};
  fm_rng r = fm_rng_make(o->seed, FM_RNG_STREAM(FM_SAMPLE_TAG, 1));
  double h = (o->t1 - o->t0) / (double)o->steps;
  return fm_sde_em(Y, rows, &sde, o->t0, h, 0, o->steps, &r, first);
}

int fm_sample_run(double *X, fm_sample_stats *stats, fm_field *f, size_t n,
                  const fm_sample_opts *o, fm_errmsg *e)
{
  int st = fm_smp_check(f, n, o, e);
  if (st != FM_OK)
    return st;
  size_t d = f->d, ch = o->chunk < n ? o->chunk : n;
  double *Y = malloc(n * d * sizeof *Y);
  if (Y == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "sample: out of memory for %zu x %zu samples", n, d);
  memcpy(Y, X, n * d * sizeof *Y);
  fm_sample_stats acc = {0.0, 0, 0, 0};
  uint64_t rows0 = f->rows, calls0 = f->calls;
  size_t r = 0;
  for (; r < n && st == FM_OK; r += ch) {
    size_t rows = n - r < ch ? n - r : ch;
    st = fm_smp_chunk(Y + r * d, &acc, f, rows, r, o);
  }
  if (st != FM_OK) {
    free(Y);
    size_t bad = r - ch, last = bad + ch < n ? bad + ch - 1 : n - 1;
    if (st == FM_ECONV)
      return fm_errmsg_set(e, st, "sample: the adaptive integrator gave up on samples "
                                  "%zu..%zu (rtol %g, atol %g, max steps %zu)", bad, last,
                           o->adaptive.rtol, o->adaptive.atol, o->adaptive.max_steps);
    return fm_errmsg_set(e, st, "sample: integrating samples %zu..%zu from t = %g to %g: %s",
                         bad, last, o->t0, o->t1, fm_strerror(st));
  }
  memcpy(X, Y, n * d * sizeof *X);
  free(Y);
  acc.nfe = (double)(f->rows - rows0) / (double)n;
  acc.calls = f->calls - calls0;
  if (o->kind != FM_SAMPLE_ADAPTIVE)
    acc.steps = o->steps;
  if (stats != NULL)
    *stats = acc;
  return FM_OK;
}
