/* gmm_path.c -- the marginal probability path of a GMM at one time t, in
 * double precision (formulas in gmm.h).
 *
 * Numerical choices, and why:
 *  - log-sum-exp over components: densities 1e3 standard deviations out
 *    underflow (exp(-5e5)); their logs do not, and posterior weights stay
 *    exact ratios.
 *  - the Mahalanobis term r.C^{-1}r is formed as |L^{-1} r|^2 (a sum of
 *    squares, no cancellation), z = L^{-T} (L^{-1} r) reuses the same solve.
 *  - u = alpha' E + sigma sigma' sum_k gamma_k z_k has no 1/sigma, so it is
 *    accurate up to and including sigma = 0.
 *  - noise-dominated times (alpha^2 max_k tr S_k <= sigma^2, i.e. t near 0):
 *    far from the data every q_k = r_k.C_k^{-1} r_k is ~ |x|^2/sigma^2 while
 *    the differences q_k - q_j that decide gamma are small, so forming each
 *    q_k and subtracting loses ~eps |x|^2/sigma^2 in log gamma (1e-10 at 1e3
 *    standard deviations).  There we form the shifted
 *        q_k - |x|^2/sigma^2 = (-2 alpha m_k.x + alpha^2 |m_k|^2
 *                               - alpha^2 (S_k r_k).z_k) / sigma^2
 *    (from sigma^2 C^{-1} = I - alpha^2 S C^{-1}), whose terms are all small,
 *    and add the common -|x|^2/(2 sigma^2) back into log p only.  Elsewhere
 *    the shifted form would itself cancel, so the plain q_k is used.
 */
#include "gmm.h"
#include "linalg.h"

#include <gsl/gsl_blas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct fm_gmm_path {
  const fm_gmm *g;
  fm_sched_val v;
  double *L;       /* K*d*d Cholesky factors of C_k */
  double *lognorm; /* K: log w_k - d/2 log 2pi - 1/2 log det C_k */
  double *z;       /* K*d: C_k^{-1} r_k of the last eval */
  double *logn;    /* K: log w_k N_k(x) */
  double *gamma;   /* K */
  double *y;       /* d scratch */
  int shift;       /* use the shifted Mahalanobis form (see above) */
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
  n->z = malloc(K * d * sizeof *n->z);
  n->logn = malloc(K * sizeof *n->logn);
  n->gamma = malloc(K * sizeof *n->gamma);
  n->y = malloc(d * sizeof *n->y);
  if (!n->L || !n->lognorm || !n->z || !n->logn || !n->gamma || !n->y) {
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
  free(p->z);
  free(p->logn);
  free(p->gamma);
  free(p->y);
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
  double a2 = v->alpha * v->alpha, s2 = v->sigma * v->sigma, trmax = 0.0;
  for (size_t k = 0; k < g->K; k++) {
    double *L = p->L + k * d * d;
    const double *S = g->cov + k * d * d;
    for (size_t i = 0; i < d * d; i++)
      L[i] = a2 * S[i];
    for (size_t i = 0; i < d; i++)
      L[i * d + i] += s2;
    int st = fm_linalg_chol(L, L, d);
    if (st != FM_OK)
      return st;
    p->lognorm[k] = g->logw[k] - 0.5 * (double)d * log(2.0 * M_PI) -
                    0.5 * fm_linalg_chol_logdet(L, d);
    double tr = 0.0;
    for (size_t i = 0; i < d; i++)
      tr += S[i * d + i];
    trmax = fmax(trmax, tr);
  }
  p->shift = s2 > 0.0 && a2 * trmax <= s2;
  return FM_OK;
}

/* q_k - |x|^2/sigma^2 without forming either large term (shifted form). */
static double fm_gmm_path_qshift(const fm_gmm_path *p, size_t k, const double *x,
                                 const double *z)
{
  const fm_gmm *g = p->g;
  size_t d = g->d;
  const double *m = g->mean + k * d, *S = g->cov + k * d * d;
  double a = p->v.alpha, mx = 0.0, mm = 0.0, srz = 0.0;
  for (size_t i = 0; i < d; i++) {
    double Sr = 0.0;
    for (size_t j = 0; j < d; j++)
      Sr += S[i * d + j] * (x[j] - a * m[j]);
    srz += Sr * z[i];
    mx += m[i] * x[i];
    mm += m[i] * m[i];
  }
  return (-2.0 * a * mx + a * a * mm - a * a * srz) / (p->v.sigma * p->v.sigma);
}

/* logn[k] and z_k for every component; returns max_k logn[k].  In the
 * shifted form logn omits the common factor exp(-|x|^2 / (2 sigma^2)). */
static double fm_gmm_path_components(fm_gmm_path *p, const double *x)
{
  const fm_gmm *g = p->g;
  size_t d = g->d;
  double lmax = -INFINITY;
  for (size_t k = 0; k < g->K; k++) {
    const double *m = g->mean + k * d;
    for (size_t i = 0; i < d; i++)
      p->y[i] = x[i] - p->v.alpha * m[i];
    gsl_matrix_const_view Lv = gsl_matrix_const_view_array(p->L + k * d * d, d, d);
    gsl_vector_view yv = gsl_vector_view_array(p->y, d);
    gsl_blas_dtrsv(CblasLower, CblasNoTrans, CblasNonUnit, &Lv.matrix, &yv.vector);
    double q = 0.0;
    for (size_t i = 0; i < d; i++)
      q += p->y[i] * p->y[i];
    gsl_blas_dtrsv(CblasLower, CblasTrans, CblasNonUnit, &Lv.matrix, &yv.vector);
    memcpy(p->z + k * d, p->y, d * sizeof *p->y);
    if (p->shift)
      q = fm_gmm_path_qshift(p, k, x, p->z + k * d);
    p->logn[k] = p->lognorm[k] - 0.5 * q;
    if (p->logn[k] > lmax)
      lmax = p->logn[k];
  }
  return lmax;
}

int fm_gmm_path_eval(double *logp, double *score, double *mean, double *u,
                     fm_gmm_path *p, const double *x)
{
  const fm_gmm *g = p->g;
  size_t d = g->d, K = g->K;
  for (size_t i = 0; i < d; i++)
    if (!isfinite(x[i]))
      return FM_ENONFIN;
  double lmax = fm_gmm_path_components(p, x), s = 0.0;
  for (size_t k = 0; k < K; k++)
    s += exp(p->logn[k] - lmax);
  double lp = lmax + log(s);
  for (size_t k = 0; k < K; k++)
    p->gamma[k] = exp(p->logn[k] - lp);
  if (logp != NULL) {
    double xx = 0.0;
    for (size_t i = 0; p->shift && i < d; i++)
      xx += x[i] * x[i];
    *logp = p->shift ? lp - 0.5 * xx / (p->v.sigma * p->v.sigma) : lp;
  }
  if (score == NULL && mean == NULL && u == NULL)
    return FM_OK;
  /* sz = sum_k gamma_k z_k; E = sum_k gamma_k (m_k + alpha S_k z_k) */
  double *sz = p->y;
  memset(sz, 0, d * sizeof *sz);
  for (size_t k = 0; k < K; k++)
    for (size_t i = 0; i < d; i++)
      sz[i] += p->gamma[k] * p->z[k * d + i];
  if (score != NULL)
    for (size_t i = 0; i < d; i++)
      score[i] = -sz[i];
  if (mean == NULL && u == NULL)
    return FM_OK;
  double ebuf[64], *E = mean != NULL ? mean : (d <= 64 ? ebuf : malloc(d * sizeof *E));
  if (E == NULL)
    return FM_ENOMEM;
  for (size_t i = 0; i < d; i++) {
    double acc = 0.0;
    for (size_t k = 0; k < K; k++) {
      const double *S = g->cov + k * d * d + i * d, *z = p->z + k * d;
      double Sz = 0.0;
      for (size_t j = 0; j < d; j++)
        Sz += S[j] * z[j];
      acc += p->gamma[k] * (g->mean[k * d + i] + p->v.alpha * Sz);
    }
    E[i] = acc;
  }
  if (u != NULL)
    for (size_t i = 0; i < d; i++)
      u[i] = p->v.dalpha * E[i] + p->v.sigma * p->v.dsigma * sz[i];
  if (E != mean && E != ebuf)
    free(E);
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
