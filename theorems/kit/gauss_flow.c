/* gauss_flow.c -- the exact affine flow of a Gaussian path (gauss_flow.h).
 *
 * Stiffness and step count.  L = max over a grid of 1024 times of
 * max_i |c_i'/(2 c_i)| (the eigenvalues of du/dx) and N0 the smallest power
 * of two >= max(8, 8 L (t_b - t_a)): h L <= 1/8 puts every fixed-step method
 * in its asymptotic range (the argument is in solver_order.c).  G, the
 * largest amplification of a local error by the flow, scales the tolerance
 * of an adaptive solver's global error.
 *
 * Starts.  x = alpha_ta m + A_ta z with A_ta = Q diag(sqrt(c_i(t_a))) Q' the
 * symmetric root of Cov p_ta, z standard normal: exact draws of p_ta.
 */
#include "gauss_flow.h"

#include <math.h>
#include <stdlib.h>

#define FM_GF_GRID 1024
#define FM_GF_HL 8.0

void fm_gauss_flow_free(fm_gauss_flow *w)
{
  fm_gmm_free(w->g1);
  fm_gmm_path_free(w->path);
  free(w->lam);
}

/* The eigenpairs of S (a single component), which must be positive. */
static int fm_gauss_flow_eigen(fm_gauss_flow *w)
{
  int st = fm_gmm_cov_eigvec(w->lam, w->Q, w->g1);
  for (size_t i = 0; i < w->d && st == FM_OK; i++)
    if (!(w->lam[i] > 0.0))
      st = FM_ENOTPD;
  return st;
}

void fm_gauss_flow_map(double *y, fm_gauss_flow *w, const fm_sched_val *va,
                       const fm_sched_val *vb, const double *x)
{
  size_t d = w->d;
  const double *m = w->g1->mean;
  double *r = w->tmp, *q = w->tmp + d;
  for (size_t i = 0; i < d; i++)
    r[i] = x[i] - va->alpha * m[i];
  for (size_t j = 0; j < d; j++) { /* q = Q' r, scaled */
    double s = 0.0;
    for (size_t i = 0; i < d; i++)
      s += w->Q[i * d + j] * r[i];
    double ca = va->alpha * va->alpha * w->lam[j] + va->sigma * va->sigma;
    double cb = vb->alpha * vb->alpha * w->lam[j] + vb->sigma * vb->sigma;
    q[j] = s * sqrt(cb / ca);
  }
  for (size_t i = 0; i < d; i++) {
    double s = 0.0;
    for (size_t j = 0; j < d; j++)
      s += w->Q[i * d + j] * q[j];
    y[i] = vb->alpha * m[i] + s;
  }
}

/* Stiffness L, amplification G and the coarsest step count N0. */
static int fm_gauss_flow_scales(fm_gauss_flow *w)
{
  fm_sched_val vb;
  int st = fm_schedule_eval(&vb, w->s, w->tb);
  w->L = 0.0;
  w->G = 1.0;
  for (int k = 0; k <= FM_GF_GRID && st == FM_OK; k++) {
    double t = w->ta + (w->tb - w->ta) * k / FM_GF_GRID;
    fm_sched_val v;
    st = fm_schedule_eval(&v, w->s, t);
    for (size_t i = 0; i < w->d && st == FM_OK; i++) {
      double c = v.alpha * v.alpha * w->lam[i] + v.sigma * v.sigma;
      double cb = vb.alpha * vb.alpha * w->lam[i] + vb.sigma * vb.sigma;
      w->L = fmax(w->L, fabs(v.alpha * v.dalpha * w->lam[i] + v.sigma * v.dsigma) / c);
      w->G = fmax(w->G, sqrt(cb / c));
    }
  }
  if (st == FM_OK && !isfinite(w->L))
    st = FM_ENONFIN;
  double need = fmax(8.0, FM_GF_HL * w->L * (w->tb - w->ta));
  w->N0 = 8;
  while ((double)w->N0 < need && w->N0 < ((size_t)1 << 20))
    w->N0 <<= 1;
  return st;
}

/* Starts: exact draws of p_ta and their exact images at t_b. */
static int fm_gauss_flow_starts(fm_gauss_flow *w, const fm_rng *r)
{
  size_t d = w->d;
  fm_sched_val va, vb;
  int st = fm_schedule_eval(&va, w->s, w->ta);
  st = st ? st : fm_schedule_eval(&vb, w->s, w->tb);
  if (st != FM_OK)
    return st;
  for (size_t p = 0; p < w->ntraj; p++) {
    double *x = w->xa + p * d, *z = w->tmp;
    fm_rng_normals(z, d, r, (uint64_t)(p * d));
    for (size_t i = 0; i < d; i++) {
      double s = 0.0;
      for (size_t j = 0; j < d; j++)
        s += w->Q[i * d + j] *
             sqrt(va.alpha * va.alpha * w->lam[j] + va.sigma * va.sigma) * z[j];
      x[i] = va.alpha * w->g1->mean[i] + s;
    }
    fm_gauss_flow_map(w->xe + p * d, w, &va, &vb, x);
  }
  return FM_OK;
}

int fm_gauss_flow_alloc(fm_gauss_flow *w, const fm_gmm *g, const fm_schedule *s, double ta,
                        double tb, size_t ntraj, const fm_rng *r)
{
  size_t d = g->d;
  *w = (fm_gauss_flow){.s = s, .ta = ta, .tb = tb, .ntraj = ntraj, .d = d, .n = ntraj * d};
  int st = fm_gmm_moment_match(&w->g1, g);
  st = st ? st : fm_gmm_path_alloc(&w->path, w->g1);
  /* lam d, Q d^2, xa, xe, x n each, tmp 3d */
  if (st == FM_OK && (w->lam = malloc((4 * d + d * d + 3 * w->n) * sizeof *w->lam)) == NULL)
    st = FM_ENOMEM;
  if (st == FM_OK) {
    w->Q = w->lam + d;
    w->xa = w->Q + d * d;
    w->xe = w->xa + w->n;
    w->x = w->xe + w->n;
    w->tmp = w->x + w->n;
    st = fm_gauss_flow_eigen(w);
  }
  st = st ? st : fm_gauss_flow_scales(w);
  st = st ? st : fm_gauss_flow_starts(w, r);
  if (st != FM_OK)
    fm_gauss_flow_free(w);
  return st;
}

int fm_gauss_flow_field(double *dx, double t, const double *x, void *ctx)
{
  fm_gauss_flow *w = ctx;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, w->s, t);
  st = st ? st : fm_gmm_path_set(w->path, &v);
  for (size_t p = 0; p < w->ntraj && st == FM_OK; p++)
    st = fm_gmm_path_eval(NULL, NULL, NULL, dx + p * w->d, w->path, x + p * w->d);
  return st;
}
