/* gmm_path.c -- the marginal probability path of a GMM at one time t
 * (formulas in gmm.h): inputs and outputs in double, the per-component
 * algebra in long double.
 *
 * Why extended precision.  The posterior weights are
 * gamma_k = exp(l_k - logsumexp_j l_j) with l_k = log w_k - 1/2 log det C_k
 * - 1/2 q_k, q_k = r_k.C_k^{-1} r_k.  Fifty standard deviations out q_k ~
 * 2500, so l_k ~ -1250, and an absolute error of eps |l_k| ~ 1.4e-13 in l_k is
 * a relative error of the same size in gamma_k -- the double result of an
 * otherwise backward-stable algorithm misses the 1e-13 that `fmcheck field`
 * promises wherever two components compete.  In long double (64-bit
 * significand on x86-64, 113-bit where long double is binary128) that error
 * is ~2^11 times smaller.  The Cholesky factors, solves, Mahalanobis terms,
 * log-sum-exp and the sums forming the score, mean and field are all kept in
 * long double; results are rounded to double once.  The MPFR twin
 * (gmm_mp.c) remains an independent algorithm (Gauss elimination, plain sums
 * of densities, DESIGN's literal field formula) at >= 256 bits.
 *
 * Other numerical choices:
 *  - log-sum-exp over components: densities 1e3 standard deviations out
 *    underflow (exp(-5e5)); their logs do not.
 *  - q_k = |L^{-1} r_k|^2, a sum of squares (no cancellation); z_k =
 *    L^{-T}(L^{-1} r_k) reuses the same solve.
 *  - u = alpha' E + sigma sigma' sum_k gamma_k z_k (no 1/sigma: accurate up
 *    to and including sigma = 0).
 *  - noise-dominated times (alpha^2 max_k tr S_k <= sigma^2, t near 0): every
 *    q_k is ~ |x|^2/sigma^2 while their differences are small; there the
 *    shifted q_k - |x|^2/sigma^2 = (-2 alpha m_k.x + alpha^2 |m_k|^2
 *    - alpha^2 (S_k r_k).z_k)/sigma^2 (from sigma^2 C^{-1} = I - alpha^2 S
 *    C^{-1}) is formed instead, and the common -|x|^2/(2 sigma^2) is added
 *    back into log p only.  Elsewhere the shifted form would itself cancel.
 */
#include "gmm.h"
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef long double fm_ld;

struct fm_gmm_path {
  const fm_gmm *g;
  fm_sched_val v;
  fm_ld *L;        /* K*d*d Cholesky factors of C_k */
  fm_ld *lognorm;  /* K: log w_k - d/2 log 2pi - 1/2 log det C_k */
  fm_ld *zl;       /* K*d: C_k^{-1} r_k of the last eval */
  fm_ld *logn;     /* K: log (w_k N_k(x)) (shifted form: times exp(|x|^2/2s^2)) */
  fm_ld *gl;       /* K: posterior weights */
  fm_ld *work;     /* 2d scratch, d*d for path_set */
  double *z;       /* K*d: z rounded, for fm_gmm_path_z */
  double *gamma;   /* K: posterior weights rounded, for fm_gmm_path_gamma */
  int shift;       /* shifted Mahalanobis form (see above) */
};

int fm_gmm_path_alloc(fm_gmm_path **p, const fm_gmm *g)
{
  size_t K = g->K, d = g->d;
  fm_gmm_path *n = calloc(1, sizeof *n);
  if (n == NULL)
    return FM_ENOMEM;
  n->g = g;
  n->L = malloc(K * d * d * sizeof *n->L);
  n->lognorm = malloc(K * sizeof *n->lognorm);
  n->zl = malloc(K * d * sizeof *n->zl);
  n->logn = malloc(K * sizeof *n->logn);
  n->gl = malloc(K * sizeof *n->gl);
  n->work = malloc((d * d + 2 * d) * sizeof *n->work);
  n->z = malloc(K * d * sizeof *n->z);
  n->gamma = malloc(K * sizeof *n->gamma);
  if (!n->L || !n->lognorm || !n->zl || !n->logn || !n->gl || !n->work || !n->z ||
      !n->gamma) {
    fm_gmm_path_free(n);
    return FM_ENOMEM;
  }
  *p = n;
  return FM_OK;
}

void fm_gmm_path_free(fm_gmm_path *p)
{
  if (p == NULL)
    return;
  free(p->L);
  free(p->lognorm);
  free(p->zl);
  free(p->logn);
  free(p->gl);
  free(p->work);
  free(p->z);
  free(p->gamma);
  free(p);
}

int fm_gmm_path_set(fm_gmm_path *p, const fm_sched_val *v)
{
  const fm_gmm *g = p->g;
  size_t d = g->d;
  if (!isfinite(v->alpha) || !isfinite(v->sigma) || !isfinite(v->dalpha) ||
      !isfinite(v->dsigma))
    return FM_ENONFIN;
  p->v = *v;
  fm_ld a2 = (fm_ld)v->alpha * v->alpha, s2 = (fm_ld)v->sigma * v->sigma, trmax = 0.0L;
  fm_ld *C = p->work;
  for (size_t k = 0; k < g->K; k++) {
    const double *S = g->cov + k * d * d;
    fm_ld *L = p->L + k * d * d, logdet = 0.0L, tr = 0.0L;
    for (size_t i = 0; i < d * d; i++)
      C[i] = a2 * S[i];
    for (size_t i = 0; i < d; i++) {
      C[i * d + i] += s2;
      tr += S[i * d + i];
    }
    if (fm_linalg_chol_ld(L, C, d) != FM_OK)
      return FM_ENOTPD;
    for (size_t i = 0; i < d; i++)
      logdet += 2.0L * logl(L[i * d + i]);
    p->lognorm[k] = logl((fm_ld)g->w[k]) - 0.5L * (fm_ld)d * logl(2.0L * M_PI) - 0.5L * logdet;
    trmax = fmaxl(trmax, tr);
  }
  p->shift = s2 > 0.0L && a2 * trmax <= s2;
  return FM_OK;
}

/* q_k - |x|^2/sigma^2 without forming either large term (shifted form). */
static fm_ld fm_gmm_path_qshift(const fm_gmm_path *p, size_t k, const fm_ld *r,
                                const fm_ld *z, const double *x)
{
  const fm_gmm *g = p->g;
  size_t d = g->d;
  const double *m = g->mean + k * d, *S = g->cov + k * d * d;
  fm_ld a = p->v.alpha, mx = 0.0L, mm = 0.0L, srz = 0.0L;
  for (size_t i = 0; i < d; i++) {
    fm_ld Sr = 0.0L;
    for (size_t j = 0; j < d; j++)
      Sr += S[i * d + j] * r[j];
    srz += Sr * z[i];
    mx += m[i] * (fm_ld)x[i];
    mm += (fm_ld)m[i] * m[i];
  }
  return (-2.0L * a * mx + a * a * mm - a * a * srz) / ((fm_ld)p->v.sigma * p->v.sigma);
}

/* logn[k] and z_k for every component; returns max_k logn[k]. */
static fm_ld fm_gmm_path_components(fm_gmm_path *p, const double *x)
{
  const fm_gmm *g = p->g;
  size_t d = g->d;
  fm_ld lmax = -INFINITY, *r = p->work, *y = p->work + d;
  for (size_t k = 0; k < g->K; k++) {
    const double *m = g->mean + k * d;
    const fm_ld *L = p->L + k * d * d;
    fm_ld *z = p->zl + k * d, q = 0.0L;
    for (size_t i = 0; i < d; i++)
      r[i] = (fm_ld)x[i] - (fm_ld)p->v.alpha * m[i];
    fm_linalg_lower_solve_ld(y, L, r, d);
    for (size_t i = 0; i < d; i++)
      q += y[i] * y[i];
    fm_linalg_upper_t_solve_ld(z, L, y, d);
    if (p->shift)
      q = fm_gmm_path_qshift(p, k, r, z, x);
    p->logn[k] = p->lognorm[k] - 0.5L * q;
    lmax = fmaxl(lmax, p->logn[k]);
  }
  return lmax;
}

/* out[i] = sum_k gamma_k (m_k + alpha S_k z_k)_i */
static void fm_gmm_path_mean(fm_ld *out, const fm_gmm_path *p)
{
  const fm_gmm *g = p->g;
  size_t d = g->d;
  for (size_t i = 0; i < d; i++) {
    fm_ld acc = 0.0L;
    for (size_t k = 0; k < g->K; k++) {
      const double *S = g->cov + k * d * d + i * d;
      const fm_ld *z = p->zl + k * d;
      fm_ld Sz = 0.0L;
      for (size_t j = 0; j < d; j++)
        Sz += S[j] * z[j];
      acc += p->gl[k] * (g->mean[k * d + i] + (fm_ld)p->v.alpha * Sz);
    }
    out[i] = acc;
  }
}

int fm_gmm_path_eval(double *logp, double *score, double *mean, double *u,
                     fm_gmm_path *p, const double *x)
{
  const fm_gmm *g = p->g;
  size_t d = g->d, K = g->K;
  for (size_t i = 0; i < d; i++)
    if (!isfinite(x[i]))
      return FM_ENONFIN;
  fm_ld lmax = fm_gmm_path_components(p, x), s = 0.0L;
  for (size_t k = 0; k < K; k++)
    s += expl(p->logn[k] - lmax);
  fm_ld lp = lmax + logl(s);
  /* exp(l_k - lmax) / s, not exp(l_k - lp): the latter carries the rounding
   * of lp (~eps |lp|, large far in the tails) into every weight. */
  for (size_t k = 0; k < K; k++) {
    p->gl[k] = expl(p->logn[k] - lmax) / s;
    p->gamma[k] = (double)p->gl[k];
  }
  for (size_t i = 0; i < K * d; i++)
    p->z[i] = (double)p->zl[i];
  if (logp != NULL) {
    fm_ld xx = 0.0L;
    for (size_t i = 0; p->shift && i < d; i++)
      xx += (fm_ld)x[i] * x[i];
    *logp = (double)(p->shift ? lp - 0.5L * xx / ((fm_ld)p->v.sigma * p->v.sigma) : lp);
  }
  if (score == NULL && mean == NULL && u == NULL)
    return FM_OK;
  fm_ld *sz = p->work, *E = p->work + d; /* sum_k gamma_k z_k; posterior mean */
  for (size_t i = 0; i < d; i++) {
    sz[i] = 0.0L;
    for (size_t k = 0; k < K; k++)
      sz[i] += p->gl[k] * p->zl[k * d + i];
  }
  if (mean != NULL || u != NULL)
    fm_gmm_path_mean(E, p);
  for (size_t i = 0; i < d; i++) {
    if (score != NULL)
      score[i] = (double)-sz[i];
    if (mean != NULL)
      mean[i] = (double)E[i];
    if (u != NULL)
      u[i] = (double)((fm_ld)p->v.dalpha * E[i] + (fm_ld)p->v.sigma * p->v.dsigma * sz[i]);
  }
  return FM_OK;
}

const double *fm_gmm_path_gamma(const fm_gmm_path *p)
{
  return p->gamma;
}

const double *fm_gmm_path_z(const fm_gmm_path *p)
{
  return p->z;
}

int fm_gmm_marginal(double *logp, double *score, double *mean, double *u,
                    const fm_gmm *g, const fm_schedule *s, double t, const double *x)
{
  fm_sched_val v;
  int st = fm_schedule_eval(&v, s, t);
  if (st != FM_OK)
    return st;
  fm_gmm_path *p;
  st = fm_gmm_path_alloc(&p, g);
  if (st != FM_OK)
    return st;
  st = fm_gmm_path_set(p, &v);
  if (st == FM_OK)
    st = fm_gmm_path_eval(logp, score, mean, u, p, x);
  fm_gmm_path_free(p);
  return st;
}
