/* post_quad.c -- the quadrature routes to E[f(x1) | x_t = x]
 * (post_routes.h: Q-GH for d <= 3, Q-post above) and the a priori
 * resolution test of the Gauss-Hermite rule. */
#include "post_routes_impl.h"

#include <math.h>

#include "cond.h"

#define FM_POST_GAMMA_MIN 1e-14

int fm_post_gh_rule(double *Q, fm_snis *acc, const fm_gmm *g, const fm_sched_val *v,
                    const double *x, fm_post_fn f, const fm_quad_rule *r, const double *lw,
                    fm_post_scratch *s)
{
  size_t d = g->d, n = r->n, total = 1, idx[3] = {0, 0, 0};
  double z[3];
  for (size_t i = 0; i < d; i++)
    total *= n;
  fm_snis_reset(acc);
  for (size_t k = 0; k < g->K; k++) {
    const double *L = g->chol + k * d * d, *m = g->mean + k * d;
    for (size_t c = 0; c < total; c++) {
      double l = g->logw[k];
      for (size_t i = 0; i < d; i++) {
        z[i] = r->x[idx[i]];
        l += lw[idx[i]];
      }
      for (size_t i = 0; i < d; i++) {
        double t = m[i];
        for (size_t j = 0; j <= i; j++)
          t += L[i * d + j] * z[j];
        s->x1[i] = t;
      }
      for (size_t i = 0; i < d && ++idx[i] == n; i++)
        idx[i] = 0;
      if (l == -INFINITY)
        continue;
      /* log N(x; alpha x1, sigma^2 I) up to its constant, which cancels in
       * the self-normalised average (fm_cond_logpdf's two logs per node
       * would double the cost of this loop) */
      double q = 0.0;
      for (size_t i = 0; i < d; i++) {
        double r = (x[i] - v->alpha * s->x1[i]) / v->sigma;
        q += r * r;
      }
      f(s->y, v, x, s->x1, d);
      int st = fm_snis_add(acc, l - 0.5 * q, s->y);
      if (st != FM_OK)
        return st;
    }
  }
  return fm_snis_result(Q, NULL, NULL, acc);
}

/* Posterior-centred rule: nn = 1 (the mean) or 2d + 1 nodes (the mean with
 * weight 0 and +-sqrt(d) along each axis of B_k with weight 1/2d). */
int fm_post_prule(double *Q, fm_snis *acc, const fm_gmm *g, const fm_gmm *post,
                  const fm_sched_val *v, const double *x, fm_post_fn f, int wide,
                  fm_post_scratch *s)
{
  size_t d = g->d, nn = wide ? 2 * d : 1;
  double rd = sqrt((double)d), lw = wide ? -log(2.0 * (double)d) : 0.0;
  fm_snis_reset(acc);
  fm_post_logdets(s->ld_q, g);
  fm_post_logdets(s->ld_r, post);
  for (size_t k = 0; k < g->K; k++) {
    const double *B = post->chol + k * d * d, *mu = post->mean + k * d;
    for (size_t node = 0; node < nn; node++) {
      size_t ax = node / 2;
      double sgn = node % 2 ? -rd : rd;
      for (size_t i = 0; i < d; i++)
        s->x1[i] = mu[i] + (wide && i >= ax ? B[i * d + ax] * sgn : 0.0);
      double l = g->logw[k] + lw +
                 fm_post_lognormal(s->x1, g->mean + k * d, g->chol + k * d * d, s->ld_q[k], d,
                                   s->tmp) +
                 fm_cond_logpdf(v, x, s->x1, d) -
                 fm_post_lognormal(s->x1, mu, B, s->ld_r[k], d, s->tmp);
      f(s->y, v, x, s->x1, d);
      int st = fm_snis_add(acc, l, s->y);
      if (st != FM_OK)
        return st;
    }
  }
  return fm_snis_result(Q, NULL, NULL, acc);
}

/* A priori resolution of the GH rule with base n (see header). */
int fm_post_gh_resolved(const fm_gmm *g, const fm_gmm *post, const fm_sched_val *v, size_t n,
                        double *tmp)
{
  size_t d = g->d;
  double c = (v->alpha / v->sigma) * (v->alpha / v->sigma), half = sqrt(2.0 * (double)n);
  for (size_t k = 0; k < g->K; k++) {
    if (post->w[k] < FM_POST_GAMMA_MIN)
      continue;
    double tr = 0.0, zmax = 0.0;
    for (size_t i = 0; i < d; i++)
      tr += g->cov[k * d * d + i * d + i];
    if ((double)n / (1.0 + c * tr) < 1.0)
      return 0;
    fm_post_lognormal(post->mean + k * d, g->mean + k * d, g->chol + k * d * d, 0.0, d, tmp);
    for (size_t i = 0; i < d; i++)
      zmax = fmax(zmax, fabs(tmp[i]));
    if (zmax + 3.0 > half)
      return 0;
  }
  return 1;
}
