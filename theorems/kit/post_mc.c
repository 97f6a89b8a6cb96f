/* post_mc.c -- the Monte Carlo routes to E[f(x1) | x_t = x]
 * (post_routes.h: MC-plain, MC-IS and their ESS rules) and the mixture
 * log-densities they and the posterior-centred quadrature weight with. */
#include "post_routes_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "linalg.h"

#define FM_POST_LOG_2PI 1.8378770664093454836

/* ---------------- mixture log-densities in double ---------------- */

double fm_post_lognormal(const double *y, const double *m, const double *L, double logdet,
                         size_t d, double *tmp)
{
  double q = 0.0;
  for (size_t i = 0; i < d; i++) {
    double s = y[i] - m[i];
    for (size_t j = 0; j < i; j++)
      s -= L[i * d + j] * tmp[j];
    tmp[i] = s / L[i * d + i];
    q += tmp[i] * tmp[i];
  }
  return -0.5 * q - 0.5 * logdet - 0.5 * (double)d * FM_POST_LOG_2PI;
}

/* log sum_k exp(logw[k] + log N(y; mean_k, cov_k)) with precomputed logdets;
 * lk (K) receives the component terms. */
static double fm_post_logmix(const double *y, const fm_gmm *g, const double *logw,
                             const double *logdet, double *lk, double *tmp)
{
  size_t d = g->d;
  double mx = -INFINITY, s = 0.0;
  for (size_t k = 0; k < g->K; k++) {
    lk[k] = logw[k] + fm_post_lognormal(y, g->mean + k * d, g->chol + k * d * d, logdet[k], d,
                                        tmp);
    mx = fmax(mx, lk[k]);
  }
  if (mx == -INFINITY)
    return mx;
  for (size_t k = 0; k < g->K; k++)
    s += exp(lk[k] - mx);
  return mx + log(s);
}

void fm_post_logdets(double *ld, const fm_gmm *g)
{
  for (size_t k = 0; k < g->K; k++)
    ld[k] = fm_linalg_chol_logdet(g->chol + k * g->d * g->d, g->d);
}

/* ---------------- Monte Carlo estimators ---------------- */

int fm_post_scratch_alloc(fm_post_scratch *s, size_t d, size_t K, double **mem)
{
  double *b = malloc((3 * d + 3 * K) * sizeof *b);
  if (b == NULL)
    return FM_ENOMEM;
  *s = (fm_post_scratch){b, b + d, b + 2 * d, b + 3 * d, b + 3 * d + K, b + 3 * d + 2 * K};
  *mem = b;
  return FM_OK;
}

int fm_post_mc_plain(fm_snis *acc, const fm_gmm *g, const fm_sched_val *v, const double *x,
                     fm_post_fn f, size_t N, const fm_rng *r, fm_post_scratch *s)
{
  size_t d = g->d;
  for (size_t j = 0; j < N; j++) {
    fm_gmm_sample(s->x1, g, r, j);
    f(s->y, v, x, s->x1, d);
    int st = fm_snis_add(acc, fm_cond_logpdf(v, x, s->x1, d), s->y);
    if (st != FM_OK)
      return st;
  }
  return FM_OK;
}

/* prop: the component posteriors with the prior weights (see header). */
int fm_post_mc_is(fm_snis *acc, const fm_gmm *g, const fm_gmm *prop, const fm_sched_val *v,
                  const double *x, fm_post_fn f, size_t N, const fm_rng *r,
                  fm_post_scratch *s)
{
  size_t d = g->d;
  fm_post_logdets(s->ld_q, g);
  fm_post_logdets(s->ld_r, prop);
  for (size_t j = 0; j < N; j++) {
    fm_gmm_sample(s->x1, prop, r, j);
    double lq = fm_post_logmix(s->x1, g, g->logw, s->ld_q, s->lk, s->tmp);
    double lr = fm_post_logmix(s->x1, prop, prop->logw, s->ld_r, s->lk, s->tmp);
    f(s->y, v, x, s->x1, d);
    int st = fm_snis_add(acc, lq + fm_cond_logpdf(v, x, s->x1, d) - lr, s->y);
    if (st != FM_OK)
      return st;
  }
  return FM_OK;
}

int fm_post_proposal(fm_gmm **prop, const fm_gmm *post, const fm_gmm *g)
{
  int st = fm_gmm_copy(prop, post);
  if (st != FM_OK)
    return st;
  memcpy((*prop)->w, g->w, g->K * sizeof *g->w);
  memcpy((*prop)->logw, g->logw, g->K * sizeof *g->logw);
  return FM_OK;
}

int fm_post_mc_estimate(double *est, double *se, double *ess, const fm_gmm *g,
                        const fm_sched_val *v, const double *x, fm_post_fn f, int route,
                        size_t N, const fm_rng *r)
{
  if ((route != FM_POST_R_PLAIN && route != FM_POST_R_IS) || N < 2)
    return FM_EINVAL;
  fm_snis *acc = NULL;
  fm_gmm *post = NULL, *prop = NULL;
  double *mem = NULL;
  fm_post_scratch s;
  int st = fm_snis_alloc(&acc, g->d);
  st = st ? st : fm_post_scratch_alloc(&s, g->d, g->K, &mem);
  if (st == FM_OK && route == FM_POST_R_IS) {
    st = fm_gmm_posterior(&post, NULL, g, v, x);
    st = st ? st : fm_post_proposal(&prop, post, g);
    st = st ? st : fm_post_mc_is(acc, g, prop, v, x, f, N, r, &s);
  } else if (st == FM_OK)
    st = fm_post_mc_plain(acc, g, v, x, f, N, r, &s);
  st = st ? st : fm_snis_result(est, se, ess, acc);
  fm_snis_free(acc);
  fm_gmm_free(post);
  fm_gmm_free(prop);
  free(mem);
  return st;
}
