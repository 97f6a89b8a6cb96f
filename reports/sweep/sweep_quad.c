/* sweep_quad.c -- sweep `quad` (theorem marginal-field): the error of the
 * Gauss-Hermite quadrature of u_t(x) = E[u_t(x|x1) | x_t = x] against the
 * closed form, vs the number of nodes n per axis.
 *
 * The rule is the prior-centred tensor rule of the marginal-field check's
 * Q-GH route: per component k, x1 = m_k + L_k z, z ~ N(0, I), n nodes per
 * axis (fm_quad_gh_gauss_rule); the integrand returns (l, l u_t(x|x1)) with
 * l = p_t(x|x1) / p_t(x) (the constant p_t(x) only keeps l near 1), and the
 * estimate is sum_k w_k Q_k[u] / sum_k w_k Q_k[l].
 *
 * What theory says, honestly.  In z the integrand is a Gaussian bump (the
 * posterior of one component, width tau = (1 + (alpha/sigma)^2 lambda)^{-1/2}
 * along an eigen-direction lambda of S_k) times an affine function; Gauss-
 * Hermite converges geometrically -- faster than any power of n -- with a
 * rate that shrinks with tau (as t -> 1 the bump narrows to a spike the rule
 * cannot resolve; post_routes.h).  So there is no "expected slope": the
 * sweep fits log err against n itself (semi-log) and checks only that the
 * error falls geometrically (the whole 95% band of d log err / dn below 0);
 * the fitted slope is -(rate per node).  Where the convergence is faster
 * than geometric the semi-log plot bends down and the fit is an average.
 *
 * Resolution.  The bump has width tau >= (1 + (alpha/sigma)^2 tr S_k)^{-1/2}
 * (post_routes.h) in prior units; the n-node rule starts to resolve it once
 * n tau^2 >= 1 (its nodes are ~ 1/sqrt(n) apart near the centre).  Levels
 * with n tau^2 < 1 are pre-asymptotic -- there the error wanders, not
 * falling monotonically -- and are shown and left out.
 *
 * The time: the largest of t = 0.9, 0.8, ..., 0.3 with tau^2 >= 1/4 (every
 * level from n = 4 on resolved): late enough that the posterior is narrower
 * than the prior, so the convergence is visible before round-off (at
 * t = 0.6 most cases reach round-off in a handful of nodes), early enough
 * that the sweep's nodes resolve it (at t = 0.9 VE and the narrow 3D cases
 * would need n ~ 100).  x from a seeded draw as in sweep `mc`.
 *
 * Points under the round-off floor 1e-13 (1 + |u|) are shown and left out:
 * a sum of up to 40^3 positive terms carries ~ sqrt(40^3) eps ~ 6e-14
 * relative rounding.  Tensor rules: d <= 3 only.
 */
#include "sweep.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "quad.h"

#define FM_SQ_TAU2 0.25
#define FM_SQ_FLOOR 1e-13
#define FM_SQ_MAXD 3

typedef struct {
  const fm_sched_val *v;
  const double *x;
  double shift;   /* log p_t(x) */
  size_t d;
} fm_sq_ctx;

static int fm_sq_f(double *y, const double *x1, void *p)
{
  const fm_sq_ctx *c = p;
  double l = exp(fm_cond_logpdf(c->v, c->x, x1, c->d) - c->shift);
  fm_cond_field(y + 1, c->v, c->x, x1, c->d);
  y[0] = l;
  for (size_t i = 0; i < c->d; i++)
    y[1 + i] *= l;
  return FM_OK;
}

/* Error |Q_n - u| of the n-node rule. */
static int fm_sq_level(double *err, const fm_case *c, fm_sq_ctx *q, const double *u, size_t n,
                       double *acc, double *val)
{
  size_t d = c->gmm->d;
  fm_quad_rule *rule = NULL;
  int st = fm_quad_rule_hermite(&rule, n);
  memset(acc, 0, (d + 1) * sizeof *acc);
  for (size_t k = 0; k < c->gmm->K && st == FM_OK; k++) {
    st = fm_quad_gh_gauss_rule(val, fm_sq_f, q, d + 1, c->gmm->mean + k * d,
                               c->gmm->chol + k * d * d, d, rule);
    for (size_t i = 0; i <= d && st == FM_OK; i++)
      acc[i] += c->gmm->w[k] * val[i];
  }
  fm_quad_rule_free(rule);
  if (st != FM_OK)
    return st;
  double s = 0.0;
  for (size_t i = 0; i < d; i++) {
    double e = acc[1 + i] / acc[0] - u[i];
    s += e * e;
  }
  *err = sqrt(s);
  return isfinite(*err) ? FM_OK : FM_ENONFIN;
}

/* Lower bound of the posterior width tau at schedule values v. */
static double fm_sq_tau(const fm_gmm *g, const fm_sched_val *v)
{
  double tau = INFINITY, c2 = (v->alpha / v->sigma) * (v->alpha / v->sigma);
  size_t d = g->d;
  for (size_t k = 0; k < g->K; k++) {
    double tr = 0.0;
    for (size_t i = 0; i < d; i++)
      tr += g->cov[k * d * d + i * d + i];
    tau = fmin(tau, 1.0 / sqrt(1.0 + c2 * tr));
  }
  return tau;
}

/* The largest t in 0.9, 0.8, .., 0.3 with tau^2 >= FM_SQ_TAU2. */
static int fm_sq_time(double *t, const fm_case *c)
{
  for (int k = 9; k >= 3; k--) {
    fm_sched_val v;
    *t = k / 10.0;
    int st = fm_schedule_eval(&v, c->sched, *t);
    if (st != FM_OK)
      return st;
    double tau = fm_sq_tau(c->gmm, &v);
    if (tau * tau >= FM_SQ_TAU2)
      return FM_OK;
  }
  return FM_OK;
}

static int fm_sq_run(fm_sweep_result *r, const fm_case *c, const fm_sweep_opts *o)
{
  size_t d = c->gmm->d;
  if (d > FM_SQ_MAXD) {
    snprintf(r->na, sizeof r->na, "dimension %zu: tensor Gauss-Hermite only for d <= %d", d,
             FM_SQ_MAXD);
    return FM_OK;
  }
  size_t nmax = o->quick ? 20 : 40;
  double *x = malloc((4 * d + 2) * sizeof *x);
  if (x == NULL)
    return FM_ENOMEM;
  double *u = x + d, *acc = u + d, *val = acc + d + 1;
  fm_sched_val v;
  double logp = 0.0, t = 0.9;
  int st = fm_sq_time(&t, c);
  st = st ? st : fm_sweep_marginal_point(x, u, &v, c, fm_sweep_seed(o, c), t);
  st = st ? st : fm_gmm_marginal(&logp, NULL, NULL, NULL, c->gmm, c->sched, t, x);
  double tau = st == FM_OK ? fm_sq_tau(c->gmm, &v) : NAN;
  fm_sweep_setupf(r, "t = %g, x = alpha x1 + sigma x0 for one seeded draw; prior-centred "
                  "tensor Gauss-Hermite, n = 2 .. %zu nodes per axis (n^%zu per component); "
                  "posterior width tau >= %.3g prior sd (resolved once n tau^2 >~ 1)",
                  t, nmax, d, tau);
  fm_sweep_series *s = fm_sweep_series_add(r, "Gauss-Hermite (prior-centred)", NAN, 0.0,
                                           FM_SWEEP_DECREASING);
  fm_sq_ctx q = {&v, x, logp, d};
  double unorm = 0.0;
  for (size_t i = 0; i < d; i++)
    unorm += u[i] * u[i];
  double floor = FM_SQ_FLOOR * (1.0 + sqrt(unorm));
  size_t below = 0, first_below = 0, unres = 0;
  for (size_t n = 2; n <= nmax && st == FM_OK; n += 2) {
    double err;
    st = fm_sq_level(&err, c, &q, u, n, acc, val);
    if (st != FM_OK)
      break;
    int resolved = (double)n * tau * tau >= 1.0;
    unres += !resolved;
    int ok = err > floor && resolved;
    if (resolved && !(err > floor) && below++ == 0)
      first_below = n;
    fm_sweep_point_add(s, (double)n, err, 0.0, ok);
    fm_sweep_progress(o, (double)n / (double)nmax);
  }
  if (st == FM_OK && unres > 0)
    fm_sweep_notef(s, "%zu level%s left out: n tau^2 < 1 (the rule does not resolve the "
                   "posterior bump yet)", unres, unres == 1 ? "" : "s");
  if (st == FM_OK && below > 0)
    fm_sweep_notef(s, "round-off floor %.2g reached at n = %zu (%zu level%s left out)", floor,
                   first_below, below, below == 1 ? "" : "s");
  free(x);
  return st;
}

const fm_sweep_kind fm_sweep_quad = {
    "quad",
    "marginal-field",
    "Gauss-Hermite error of E[u_t(x|x1) | x_t = x] against the closed form, vs nodes per axis "
    "(semi-log: geometric convergence)",
    "nodes per axis n",
    "error |Q_n - u_t(x)|",
    FM_SWEEP_SEMILOGY,
    0,
    fm_sq_run,
};
