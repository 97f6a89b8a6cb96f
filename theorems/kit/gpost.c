/* gpost.c -- closed-form divergence and posterior covariances of the GMM
 * path (formulas and derivations in gmm_post.h).  Inputs are the posterior
 * weights and z_k of the last fm_gmm_path_eval (rounded to double); mu_k, E
 * and s are re-formed here from them so that every difference mu_k - E and
 * z_k + s is taken between numbers computed the same way. */
#include "gpost.h"

#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdlib.h>

struct fm_gpost {
  const fm_gmm *g;
  double *lambda;  /* K*d eigenvalues of S_k */
  double *mu;      /* K*d scratch: mu_k */
  double *E, *s;   /* d scratch each */
  double cond_S;
};

void fm_gpost_free(fm_gpost *pp)
{
  if (pp == NULL)
    return;
  free(pp->lambda);
  free(pp->mu);
  free(pp->E);
  free(pp);
}

/* The eigenvalues of every S_k (all positive) and their largest ratio. */
static int fm_gpost_eigen(fm_gpost *pp)
{
  const fm_gmm *g = pp->g;
  size_t d = g->d;
  int st = fm_gmm_cov_eigen(pp->lambda, NULL, NULL, g);
  pp->cond_S = 1.0;
  for (size_t k = 0; k < g->K && st == FM_OK; k++) {
    gsl_vector_const_view ev = gsl_vector_const_view_array(pp->lambda + k * d, d);
    if (!(gsl_vector_min(&ev.vector) > 0.0)) {
      st = FM_ECONV;
      break;
    }
    pp->cond_S = fmax(pp->cond_S, gsl_vector_max(&ev.vector) / gsl_vector_min(&ev.vector));
  }
  return st;
}

int fm_gpost_alloc(fm_gpost **pp, const fm_gmm *g)
{
  *pp = NULL;
  fm_gpost *n = calloc(1, sizeof *n);
  if (n == NULL)
    return FM_ENOMEM;
  n->g = g;
  n->lambda = malloc(g->K * g->d * sizeof *n->lambda);
  n->mu = malloc(g->K * g->d * sizeof *n->mu);
  n->E = malloc(2 * g->d * sizeof *n->E);
  if (n->lambda == NULL || n->mu == NULL || n->E == NULL) {
    fm_gpost_free(n);
    return FM_ENOMEM;
  }
  n->s = n->E + g->d;
  int st = fm_gpost_eigen(n);
  if (st != FM_OK) {
    fm_gpost_free(n);
    return st;
  }
  *pp = n;
  return FM_OK;
}

double fm_gpost_cond_S(const fm_gpost *pp)
{
  return pp->cond_S;
}

double fm_gpost_cmin(const fm_gpost *pp, const fm_sched_val *v)
{
  double c = INFINITY;
  for (size_t i = 0; i < pp->g->K * pp->g->d; i++)
    c = fmin(c, v->alpha * v->alpha * pp->lambda[i] + v->sigma * v->sigma);
  return c;
}

/* mu_k = m_k + alpha S_k z_k for every k; E and s from weights gam. */
static void fm_gpost_means(fm_gpost *pp, const double *gam, const double *z,
                              double alpha)
{
  const fm_gmm *g = pp->g;
  size_t d = g->d;
  for (size_t i = 0; i < d; i++)
    pp->E[i] = pp->s[i] = 0.0;
  for (size_t k = 0; k < g->K; k++) {
    const double *S = g->cov + k * d * d, *zk = z + k * d;
    double *mu = pp->mu + k * d;
    for (size_t i = 0; i < d; i++) {
      double Sz = 0.0;
      for (size_t j = 0; j < d; j++)
        Sz += S[i * d + j] * zk[j];
      mu[i] = g->mean[k * d + i] + alpha * Sz;
      pp->E[i] += gam[k] * mu[i];
      pp->s[i] -= gam[k] * zk[i];
    }
  }
}

/* tau0_k and tau1_k at schedule values v. */
static void fm_gpost_tau(double *tau0, double *tau1, const fm_gpost *pp, size_t k,
                            const fm_sched_val *v)
{
  size_t d = pp->g->d;
  double a2 = v->alpha * v->alpha, s2 = v->sigma * v->sigma;
  *tau0 = *tau1 = 0.0;
  for (size_t i = 0; i < d; i++) {
    double l = pp->lambda[k * d + i], c = a2 * l + s2;
    *tau0 += 1.0 / c;
    *tau1 += l / c;
  }
}

/* sum_k gamma_k |z_k + s|^2 (zs), sum_k gamma_k |mu_k - E|^2 (mus), and the
 * sizes of their terms: sum gamma |z_k + s| (|z_k| + |s|) and likewise. */
static void fm_gpost_spread(double *zs, double *zs_mag, double *mus, double *mus_mag,
                               const fm_gpost *pp, const double *gam, const double *z)
{
  size_t d = pp->g->d;
  *zs = *zs_mag = *mus = *mus_mag = 0.0;
  for (size_t k = 0; k < pp->g->K; k++) {
    double a = 0.0, b = 0.0, za = 0.0, ma = 0.0, sa = 0.0, ea = 0.0;
    for (size_t i = 0; i < d; i++) {
      double dz = z[k * d + i] + pp->s[i], dm = pp->mu[k * d + i] - pp->E[i];
      a += dz * dz;
      b += dm * dm;
      za += z[k * d + i] * z[k * d + i];
      sa += pp->s[i] * pp->s[i];
      ma += pp->mu[k * d + i] * pp->mu[k * d + i];
      ea += pp->E[i] * pp->E[i];
    }
    *zs += gam[k] * a;
    *mus += gam[k] * b;
    *zs_mag += gam[k] * sqrt(a) * (sqrt(za) + sqrt(sa));
    *mus_mag += gam[k] * sqrt(b) * (sqrt(ma) + sqrt(ea));
  }
}

void fm_gpost_eval(fm_gpost_val *r, fm_gpost *pp, const fm_gmm_path *p,
                      const fm_sched_val *v, int weights)
{
  const fm_gmm *g = pp->g;
  const double *gam = fm_gmm_path_gamma(p), *z = fm_gmm_path_z(p);
  double a = v->alpha, sg = v->sigma, W = v->dalpha * sg - a * v->dsigma;
  fm_gpost_means(pp, gam, z, a);
  double t0 = 0.0, t1 = 0.0, w0 = 0.0, w1 = 0.0;
  for (size_t k = 0; k < g->K; k++) {
    double tau0, tau1;
    fm_gpost_tau(&tau0, &tau1, pp, k, v);
    t0 += gam[k] * tau0;
    t1 += gam[k] * tau1;
    w0 += g->w[k] * tau0;
    w1 += g->w[k] * tau1;
  }
  double zs, zs_mag, mus, mus_mag;
  fm_gpost_spread(&zs, &zs_mag, &mus, &mus_mag, pp, gam, z);
  int zform = sg <= fabs(a);
  double r2 = zform ? (sg * sg / a) * (sg * sg / a) : 1.0;
  r->between = zform ? r2 * zs : mus;
  r->trcov = sg * sg * t1 + r->between;
  /* (W/sigma)^2 B: z-form (W sigma/alpha)^2 zs, finite at sigma = 0 */
  r->trcov_u = W * W * t1 + (zform ? (W * sg / a) * (W * sg / a) * zs
                                   : (W / sg) * (W / sg) * mus);
  double A1 = v->dalpha * a, A3 = sg * v->dsigma;
  if (weights == FM_GPOST_PRIOR) {
    r->div = A1 * w1 + A3 * w0;
    r->div_mag = fabs(A1) * w1 + fabs(A3) * w0;
    return;
  }
  /* V = (sigma W/alpha) zs = (alpha W/sigma^3) mus */
  double V = zform ? (sg * W / a) * zs : (a * W / (sg * sg * sg)) * mus;
  double Vmag = zform ? fabs(sg * W / a) * zs_mag : fabs(a * W / (sg * sg * sg)) * mus_mag;
  r->div = A1 * t1 + A3 * t0 + V;
  r->div_mag = fabs(A1) * t1 + fabs(A3) * t0 + Vmag;
}

void fm_gpost_prior_field(double *u, fm_gpost *pp, const fm_gmm_path *p,
                             const fm_sched_val *v)
{
  const fm_gmm *g = pp->g;
  size_t d = g->d;
  const double *z = fm_gmm_path_z(p);
  fm_gpost_means(pp, fm_gmm_path_gamma(p), z, v->alpha);
  double ss = v->sigma * v->dsigma;
  for (size_t i = 0; i < d; i++) {
    double acc = 0.0;
    for (size_t k = 0; k < g->K; k++)
      acc += g->w[k] * (v->dalpha * pp->mu[k * d + i] + ss * z[k * d + i]);
    u[i] = acc;
  }
}
