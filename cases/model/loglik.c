/* loglik.c -- the CNF log-likelihood by the augmented ODE, with the exact
 * divergence or Hutchinson's estimator (see loglik.h).
 *
 * A chunk of r trajectories is one stacked system: x (r x d) first, so the
 * field sees a contiguous batch, then the log-density parts (r x L, L = 1
 * exact, L = P Hutchinson).  For Hutchinson each row is repeated P times
 * and one batched Jacobian-vector product gives every probe's w' J w. */
#include "loglik.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void fm_loglik_opts_default(fm_loglik_opts *o)
{
  memset(o, 0, sizeof *o);
  o->kind = FM_SAMPLE_ADAPTIVE;
  o->method = &fm_ode_rk4;
  o->steps = 100;
  o->adaptive = (fm_ode_adaptive_opts){.rtol = 1e-8, .atol = 1e-8, .h0 = 0.0, .max_steps = 0};
  o->t0 = 0.0;
  o->t1 = 1.0;
  o->probes = 0;
  o->seed = 1;
  o->chunk = 64;
}

double fm_loglik_std_normal(const double *x, size_t d)
{
  double q = 0.0;
  for (size_t i = 0; i < d; i++)
    q += x[i] * x[i];
  return -0.5 * q - 0.5 * (double)d * log(2.0 * M_PI);
}

typedef struct {
  fm_field *f;
  size_t r, d, P;
  double *w;        /* r P d probes */
  double *xs, *vs, *jv; /* r P d each */
  uint64_t nrhs;
} fm_ll_ctx;

static int fm_ll_rhs_exact(double *dydt, double t, const double *y, void *ctx)
{
  fm_ll_ctx *c = ctx;
  c->nrhs++;
  return fm_field_div(c->f, dydt, dydt + c->r * c->d, t, y, c->r);
}

static int fm_ll_rhs_hutch(double *dydt, double t, const double *y, void *ctx)
{
  fm_ll_ctx *c = ctx;
  size_t r = c->r, d = c->d, P = c->P;
  c->nrhs++;
  for (size_t i = 0; i < r; i++)
    for (size_t p = 0; p < P; p++)
      memcpy(c->xs + (i * P + p) * d, y + i * d, d * sizeof *y);
  int st = fm_field_jvp(c->f, c->vs, c->jv, t, c->xs, c->w, r * P);
  if (st != FM_OK)
    return st;
  for (size_t i = 0; i < r; i++) {
    memcpy(dydt + i * d, c->vs + i * P * d, d * sizeof *dydt);
    for (size_t p = 0; p < P; p++) {
      const double *w = c->w + (i * P + p) * d, *j = c->jv + (i * P + p) * d;
      double q = 0.0;
      for (size_t k = 0; k < d; k++)
        q += w[k] * j[k];
      dydt[r * d + i * P + p] = q;
    }
  }
  return FM_OK;
}

/* Rademacher probes of rows first .. first + r - 1. */
static void fm_ll_probes(double *w, size_t r, size_t P, size_t d, uint64_t seed,
                         uint64_t first)
{
  fm_rng g = fm_rng_make(seed, FM_RNG_STREAM(FM_LOGLIK_TAG, 0));
  size_t m = r * P * d;
  fm_rng_uniforms(w, m, &g, first * (uint64_t)(P * d));
  for (size_t i = 0; i < m; i++)
    w[i] = w[i] >= 0.5 ? 1.0 : -1.0;
}

static int fm_ll_check(const fm_field *f, size_t n, const fm_loglik_opts *o, fm_errmsg *e)
{
  if (n == 0 || f->d == 0)
    return fm_errmsg_set(e, FM_EINVAL, "loglik: no points (n = %zu, d = %zu)", n, f->d);
  if (o->chunk == 0)
    return fm_errmsg_set(e, FM_EINVAL, "loglik: chunk must be positive");
  if (!isfinite(o->t0) || !isfinite(o->t1) || !(o->t0 < o->t1))
    return fm_errmsg_set(e, FM_EINVAL, "loglik: need t0 < t1, got [%g, %g]", o->t0, o->t1);
  if (o->kind == FM_SAMPLE_FIXED && (o->method == NULL || o->steps == 0))
    return fm_errmsg_set(e, FM_EINVAL, "loglik: fixed steps need a method and steps > 0");
  if (o->kind != FM_SAMPLE_FIXED && o->kind != FM_SAMPLE_ADAPTIVE)
    return fm_errmsg_set(e, FM_EINVAL, "loglik: the solver must be an ODE method or "
                                       "adaptive (the likelihood has no SDE form)");
  if (o->probes == 0 && f->div == NULL)
    return fm_errmsg_set(e, FM_ENOTAVAIL, "loglik: the field has no exact divergence");
  if (o->probes > 0 && f->jvp == NULL)
    return fm_errmsg_set(e, FM_ENOTAVAIL,
                         "loglik: the field has no Jacobian-vector product (Hutchinson)");
  return FM_OK;
}

/* Integrate one chunk of r rows (Y: r (d + L) state) from t1 to t0. */
static int fm_ll_integrate(double *Y, fm_loglik_stats *acc, fm_ll_ctx *c,
                           const fm_loglik_opts *o)
{
  size_t len = c->r * (c->d + (c->P > 0 ? c->P : 1));
  fm_ode_fn rhs = c->P > 0 ? fm_ll_rhs_hutch : fm_ll_rhs_exact;
  if (o->kind == FM_SAMPLE_FIXED) {
    acc->steps = o->steps;
    return fm_ode_integrate(Y, o->method, rhs, c, len, o->t1, o->t0, o->steps);
  }
  fm_ode_adaptive_stats as;
  int st = fm_ode_adaptive(Y, &as, rhs, c, len, o->t1, o->t0, &o->adaptive);
  acc->steps += as.steps;
  acc->rejected += as.rejected;
  return st;
}

static void fm_ll_store(double *logp, double *se, double *dl, double *x0, const double *Y,
                        size_t r, size_t d, size_t P)
{
  size_t L = P > 0 ? P : 1;
  for (size_t i = 0; i < r; i++) {
    const double *l = Y + r * d + i * L;
    double m = 0.0, ss = 0.0;
    for (size_t p = 0; p < L; p++)
      m += l[p];
    m /= (double)L;
    for (size_t p = 0; p < L; p++)
      ss += (l[p] - m) * (l[p] - m);
    if (dl != NULL)
      dl[i] = m;
    if (se != NULL)
      se[i] = P == 0 ? 0.0 : (P > 1 ? sqrt(ss / (double)(P - 1) / (double)P) : NAN);
    if (logp != NULL)
      logp[i] = fm_loglik_std_normal(Y + i * d, d) + m;
    if (x0 != NULL)
      memcpy(x0 + i * d, Y + i * d, d * sizeof *x0);
  }
}

int fm_loglik_run(double *logp, double *se, double *dl, double *x0, fm_loglik_stats *stats,
                  fm_field *f, const double *X, size_t n, const fm_loglik_opts *o,
                  fm_errmsg *e)
{
  int st = fm_ll_check(f, n, o, e);
  if (st != FM_OK)
    return st;
  size_t d = f->d, P = o->probes, L = P > 0 ? P : 1, ch = o->chunk < n ? o->chunk : n;
  size_t hl = P > 0 ? ch * P * d : 0;
  double *Y = malloc((ch * (d + L) + 4 * hl) * sizeof *Y);
  if (Y == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "loglik: out of memory");
  fm_ll_ctx c = {f, 0, d, P, Y + ch * (d + L), NULL, NULL, NULL, 0};
  c.xs = c.w + hl;
  c.vs = c.xs + hl;
  c.jv = c.vs + hl;
  fm_loglik_stats acc = {0.0, 0, 0};
  double rowsum = 0.0;
  for (size_t r0 = 0; r0 < n && st == FM_OK; r0 += ch) {
    size_t r = n - r0 < ch ? n - r0 : ch;
    c.r = r;
    memcpy(Y, X + r0 * d, r * d * sizeof *Y);
    memset(Y + r * d, 0, r * L * sizeof *Y);
    if (P > 0)
      fm_ll_probes(c.w, r, P, d, o->seed, r0);
    uint64_t before = c.nrhs;
    st = fm_ll_integrate(Y, &acc, &c, o);
    rowsum += (double)(c.nrhs - before) * (double)r;
    if (st == FM_OK)
      fm_ll_store(logp ? logp + r0 : NULL, se ? se + r0 : NULL, dl ? dl + r0 : NULL,
                  x0 ? x0 + r0 * d : NULL, Y, r, d, P);
    else
      fm_errmsg_set(e, st, "loglik: integrating points %zu..%zu back from t = %g to %g: %s",
                    r0, r0 + r - 1, o->t1, o->t0, fm_strerror(st));
  }
  free(Y);
  acc.nfe = rowsum / (double)n;
  if (stats != NULL && st == FM_OK)
    *stats = acc;
  return st;
}
