/* path_err.c -- first-order rounding-error bounds for fm_gmm_path_eval.
 *
 * Notation: a = alpha_t, s = sigma_t, C_k = a^2 S_k + s^2 I with extreme
 * eigenvalues c_min = a^2 lmin_k + s^2, c_max = a^2 lmax_k + s^2,
 * kappa_k = c_max/c_min, rho_k = 1/c_min; r_k = x - a m_k, z_k = C_k^{-1} r_k,
 * q_k = r_k.z_k; R_k = |x| + |a| |m_k| (the scale r_k is rounded at); norms
 * are 2-norms; c = 3d + 3; eps is the relative precision (DBL_EPSILON = twice
 * the unit roundoff, a factor 2 of safety kept throughout).
 *
 *  - z_k: C_k is formed with relative error 2 eps, the Cholesky solve is
 *    backward stable with |dC| <= (3d+1) eps |L||L^T| (Higham, ASNA 2nd ed.,
 *    Thm 10.4), so |dz| <= c eps kappa |z| from C, plus rho |dr| with
 *    |dr| <= eps R from forming r:      dz = eps (c kappa |z| + rho R).
 *  - q_k: a perturbation dC moves q by z.dC.z <= c eps c_max |z|^2, dr by
 *    2 z.dr:                          dq = eps (c c_max |z|^2 + 2 |z| R).
 *  - log-normaliser log w - d/2 log 2pi - 1/2 log det C: each term rounded
 *    (eps times its size, |log det C| <= d max|log c|), and log det moved by
 *    tr(C^{-1} dC) <= d c eps kappa.
 *  - logn_k = lognorm_k - q_k/2, error delta_k (the above plus eps |logn_k|).
 *  - gamma_k = exp(logn_k - log p): relative error
 *        e_k = delta_k + sum_j gamma_j delta_j + eps (2 + |log gamma_k|)
 *    (the shift log p carries the gamma-average of the delta's; exp adds
 *    its argument's size).  Using |e_k| on the full |terms| rather than on
 *    deviations from the mean overestimates, never underestimates.
 *  - mean = sum_k gamma_k e_k with e_k = m_k + a S_k z_k: the weights' error,
 *    the propagated dz (|a| lmax dz), the rounding of m + a S z (d + 2 ops)
 *    and of the K-term sum:
 *        err_mean = sum gamma_k [e_k |e_k| + |a| lmax dz_k + (d+2) eps (|m_k| + |a| |S z_k|)]
 *                   + (K+1) eps sum gamma_k |e_k|.
 *  - score = -sum_k gamma_k z_k likewise with |z_k| and dz_k.
 *  - u = a' mean + s s' sum gamma z: the two errors times |a'|, |s s'|, plus
 *    3 eps of each term for the products and the sum.
 * First-order (products of two eps terms dropped): valid while every
 * relative error above is << 1, which the checks verify by comparing with
 * the bound rather than assuming it.
 */
#include "path_err.h"

#include <math.h>
#include <stdlib.h>

#include "fm_status.h"

struct fm_path_err {
  const fm_gmm *g;
  double *lmin, *lmax;  /* K extreme eigenvalues of S_k */
  double *delta;        /* K scratch */
  double *Sz;           /* d scratch */
};

void fm_path_err_free(fm_path_err *pe)
{
  if (pe == NULL)
    return;
  free(pe->lmin);
  free(pe->lmax);
  free(pe->delta);
  free(pe->Sz);
  free(pe);
}

int fm_path_err_alloc(fm_path_err **pe, const fm_gmm *g)
{
  fm_path_err *n = calloc(1, sizeof *n);
  if (n == NULL)
    return FM_ENOMEM;
  n->g = g;
  n->lmin = malloc(g->K * sizeof *n->lmin);
  n->lmax = malloc(g->K * sizeof *n->lmax);
  n->delta = malloc(g->K * sizeof *n->delta);
  n->Sz = malloc(g->d * sizeof *n->Sz);
  int st = (n->lmin && n->lmax && n->delta && n->Sz) ? fm_gmm_cov_eigen(NULL, n->lmin, n->lmax, g)
                                                      : FM_ENOMEM;
  if (st != FM_OK) {
    fm_path_err_free(n);
    return st;
  }
  *pe = n;
  return FM_OK;
}

static double fm_norm2(const double *v, size_t n)
{
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += v[i] * v[i];
  return sqrt(s);
}

/* Per component k: dz, |z|, |e_k|, the error of e_k, and delta_k (into
 * pe->delta[k]); returns q_k. */
typedef struct {
  double dz, Z, En, de, q, kappa;
} fm_path_comp;

static fm_path_comp fm_path_err_comp(fm_path_err *pe, const fm_gmm_path *p,
                                     const fm_sched_val *v, const double *x, size_t k,
                                     double eps)
{
  const fm_gmm *g = pe->g;
  size_t d = g->d;
  double a = v->alpha, s2 = v->sigma * v->sigma, c = 3.0 * (double)d + 3.0;
  const double *m = g->mean + k * d, *S = g->cov + k * d * d;
  const double *z = fm_gmm_path_z(p) + k * d;
  double cmin = a * a * pe->lmin[k] + s2, cmax = a * a * pe->lmax[k] + s2;
  fm_path_comp r = {0};
  r.kappa = cmax / cmin;
  double mk = fm_norm2(m, d), R = fm_norm2(x, d) + fabs(a) * mk;
  r.Z = fm_norm2(z, d);
  r.q = 0.0;
  for (size_t i = 0; i < d; i++) {
    r.q += (x[i] - a * m[i]) * z[i];
    double acc = 0.0;
    for (size_t j = 0; j < d; j++)
      acc += S[i * d + j] * z[j];
    pe->Sz[i] = acc;
  }
  r.q = fabs(r.q);
  r.dz = eps * (c * r.kappa * r.Z + R / cmin);
  double dq = eps * (c * cmax * r.Z * r.Z + 2.0 * r.Z * R);
  double lognorm = fabs(g->logw[k]) + 0.5 * (double)d * log(2.0 * M_PI) +
                   0.5 * (double)d * fmax(fabs(log(cmin)), fabs(log(cmax)));
  double dlognorm = eps * (lognorm + 0.5 * (double)d * c * r.kappa);
  pe->delta[k] = dlognorm + 0.5 * dq + eps * (lognorm + 0.5 * r.q);
  double Szn = fm_norm2(pe->Sz, d), En = 0.0;
  for (size_t i = 0; i < d; i++)
    En += (m[i] + a * pe->Sz[i]) * (m[i] + a * pe->Sz[i]);
  r.En = sqrt(En);
  r.de = fabs(a) * pe->lmax[k] * r.dz + eps * ((double)d + 2.0) * (mk + fabs(a) * Szn);
  return r;
}

void fm_path_err_bound(fm_path_errb *b, fm_path_err *pe, const fm_gmm_path *p,
                       const fm_sched_val *v, const double *x, double eps)
{
  const fm_gmm *g = pe->g;
  size_t K = g->K;
  const double *gam = fm_gmm_path_gamma(p);
  double avg = 0.0;
  *b = (fm_path_errb){0};
  for (size_t k = 0; k < K; k++)
    if (gam[k] > 0.0) {
      fm_path_comp c = fm_path_err_comp(pe, p, v, x, k, eps);
      avg += gam[k] * pe->delta[k];
      b->q_max = fmax(b->q_max, c.q);
      b->kappa_max = fmax(b->kappa_max, c.kappa);
    }
  double errE = 0.0, errS = 0.0;
  for (size_t k = 0; k < K; k++) {
    if (!(gam[k] > 0.0))
      continue;
    /* recomputed rather than stored: K is small and this keeps no K*d state */
    fm_path_comp c = fm_path_err_comp(pe, p, v, x, k, eps);
    double ek = pe->delta[k] + avg + eps * (2.0 + fabs(log(gam[k])));
    errE += gam[k] * (ek * c.En + c.de);
    errS += gam[k] * (ek * c.Z + c.dz);
    b->mean_scale += gam[k] * c.En;
    b->score_scale += gam[k] * c.Z;
  }
  b->mean = errE + eps * (double)(K + 1) * b->mean_scale;
  b->score = errS + eps * (double)(K + 1) * b->score_scale;
  double ss = fabs(v->sigma * v->dsigma), ad = fabs(v->dalpha);
  b->u = ad * b->mean + ss * b->score + 3.0 * eps * (ad * b->mean_scale + ss * b->score_scale);
}
