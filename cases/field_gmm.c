/* field_gmm.c -- the analytic marginal field u_t of a GMM path as an
 * fm_field (field.h), with its divergence and Jacobian-vector product in
 * closed form.
 *
 * Write u as a posterior average of the component fields (gmm.h):
 *   u_k(x) = alpha' E_k + sigma sigma' z_k,  E_k = m_k + alpha S_k z_k,
 *   z_k = C_k^{-1}(x - alpha m_k),  u = sum_k gamma_k u_k.
 * Each u_k is affine with dz_k/dx = C_k^{-1}, so
 *   J_k = du_k/dx = alpha' alpha S_k C_k^{-1} + sigma sigma' C_k^{-1}
 *       = Q_k diag(r_k) Q_k',  r_ki = (alpha alpha' lambda_ki + sigma sigma') / c_ki,
 * with S_k = Q_k diag(lambda_k) Q_k' and c_ki = alpha^2 lambda_ki + sigma^2
 * (r = c'/(2c): the log-rate of the component's standard deviation).  The
 * posterior weights have grad gamma_k = -gamma_k (z_k - zbar), zbar =
 * sum_k gamma_k z_k (= -grad log p_t), hence
 *   du/dx = sum_k gamma_k J_k - sum_k gamma_k (u_k - u)(z_k - zbar)',
 *   div u = sum_k gamma_k sum_i r_ki - sum_k gamma_k (u_k - u).(z_k - zbar).
 * No 1/sigma appears (c_ki >= alpha^2 lambda_min > 0 at t = 1, = sigma^2 at
 * t = 0), so both are accurate on the whole interval where the schedule and
 * its derivatives are finite.  The eigen-decompositions of the S_k (GSL,
 * once at allocation) make the per-time work O(K d); the per-row work is
 * O(K d^2).  gamma_k, z_k and E = sum gamma_k E_k come from the same
 * fm_gmm_path_eval that gives u (long double inside, rounded once).
 */
#include "field.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const fm_gmm *g;
  const fm_schedule *s;
  fm_gmm_path *path;
  double t;        /* time of the cached schedule values (NaN: none) */
  fm_sched_val v;
  double *lam;     /* K d eigenvalues of S_k */
  double *Q;       /* K d d eigenvectors, Q_k[r * d + i] = component r of vector i */
  double *rate;    /* K d: r_ki at time t */
  double *trJ;     /* K: sum_i r_ki */
  double *uk;      /* K d: u_k - u of the current row */
  double *zk;      /* K d: z_k - zbar of the current row */
  double *E;       /* d: posterior mean */
  double *y;       /* d scratch */
} fm_field_gmm_ctx;

static void fm_field_gmm_destroy(fm_field *f)
{
  fm_field_gmm_ctx *c = f->ctx;
  fm_gmm_path_free(c->path);
  free(c->lam);
  free(c);
  free(f);
}

/* Schedule, path factorisation and the rates r_ki at t (once per call). */
static int fm_field_gmm_set_time(fm_field_gmm_ctx *c, double t)
{
  if (t == c->t)
    return FM_OK;
  c->t = NAN;
  int st = fm_schedule_eval(&c->v, c->s, t);
  st = st ? st : fm_gmm_path_set(c->path, &c->v);
  if (st != FM_OK)
    return st;
  size_t d = c->g->d;
  double a = c->v.alpha, s = c->v.sigma, num0 = s * c->v.dsigma, aa = a * c->v.dalpha;
  for (size_t k = 0; k < c->g->K; k++) {
    c->trJ[k] = 0.0;
    for (size_t i = 0; i < d; i++) {
      double lam = c->lam[k * d + i], r = (aa * lam + num0) / (a * a * lam + s * s);
      c->rate[k * d + i] = r;
      c->trJ[k] += r;
    }
  }
  c->t = t;
  return FM_OK;
}

/* u of one row, and (when want_k) the differences u_k - u and z_k - zbar. */
static int fm_field_gmm_row(fm_field_gmm_ctx *c, double *u, const double *x, int want_k)
{
  size_t d = c->g->d, K = c->g->K;
  int st = fm_gmm_path_eval(NULL, NULL, want_k ? c->E : NULL, u, c->path, x);
  if (st != FM_OK || !want_k)
    return st;
  const double *gam = fm_gmm_path_gamma(c->path), *z = fm_gmm_path_z(c->path);
  double *zb = c->y;
  for (size_t i = 0; i < d; i++) {
    zb[i] = 0.0;
    for (size_t k = 0; k < K; k++)
      zb[i] += gam[k] * z[k * d + i];
  }
  double a = c->v.alpha, da = c->v.dalpha, ss = c->v.sigma * c->v.dsigma;
  for (size_t k = 0; k < K; k++) {
    const double *S = c->g->cov + k * d * d, *zk = z + k * d, *m = c->g->mean + k * d;
    for (size_t i = 0; i < d; i++) {
      double Sz = 0.0;
      for (size_t j = 0; j < d; j++)
        Sz += S[i * d + j] * zk[j];
      double Ek = m[i] + a * Sz;
      c->uk[k * d + i] = da * (Ek - c->E[i]) + ss * (zk[i] - zb[i]);
      c->zk[k * d + i] = zk[i] - zb[i];
    }
  }
  return FM_OK;
}

static int fm_field_gmm_eval(double *v, double t, const double *x, size_t n, void *ctx)
{
  fm_field_gmm_ctx *c = ctx;
  size_t d = c->g->d;
  int st = fm_field_gmm_set_time(c, t);
  for (size_t r = 0; r < n && st == FM_OK; r++)
    st = fm_field_gmm_row(c, v + r * d, x + r * d, 0);
  return st;
}

static int fm_field_gmm_div(double *v, double *div, double t, const double *x, size_t n, void *ctx)
{
  fm_field_gmm_ctx *c = ctx;
  size_t d = c->g->d, K = c->g->K;
  int st = fm_field_gmm_set_time(c, t);
  for (size_t r = 0; r < n && st == FM_OK; r++) {
    st = fm_field_gmm_row(c, v + r * d, x + r * d, 1);
    const double *gam = fm_gmm_path_gamma(c->path);
    double lin = 0.0, cov = 0.0;
    for (size_t k = 0; k < K && st == FM_OK; k++) {
      double dot = 0.0;
      for (size_t i = 0; i < d; i++)
        dot += c->uk[k * d + i] * c->zk[k * d + i];
      lin += gam[k] * c->trJ[k];
      cov += gam[k] * dot;
    }
    div[r] = lin - cov;
  }
  return st;
}

static int fm_field_gmm_jvp(double *v, double *jv, double t, const double *x, const double *w,
                     size_t n, void *ctx)
{
  fm_field_gmm_ctx *c = ctx;
  size_t d = c->g->d, K = c->g->K;
  int st = fm_field_gmm_set_time(c, t);
  for (size_t r = 0; r < n && st == FM_OK; r++) {
    const double *wr = w + r * d;
    double *out = jv + r * d;
    st = fm_field_gmm_row(c, v + r * d, x + r * d, 1);
    const double *gam = fm_gmm_path_gamma(c->path);
    for (size_t i = 0; i < d; i++)
      out[i] = 0.0;
    for (size_t k = 0; k < K && st == FM_OK; k++) {
      const double *Q = c->Q + k * d * d, *rt = c->rate + k * d;
      double dot = 0.0;
      for (size_t i = 0; i < d; i++) { /* y = diag(r_k) Q_k' w */
        double q = 0.0;
        for (size_t j = 0; j < d; j++)
          q += Q[j * d + i] * wr[j];
        c->y[i] = rt[i] * q;
        dot += c->zk[k * d + i] * wr[i];
      }
      for (size_t i = 0; i < d; i++) {
        double q = 0.0;
        for (size_t j = 0; j < d; j++)
          q += Q[i * d + j] * c->y[j];
        out[i] += gam[k] * (q - c->uk[k * d + i] * dot);
      }
    }
  }
  return st;
}

int fm_field_gmm_alloc(fm_field **fp, const fm_gmm *g, const fm_schedule *s, fm_errmsg *e)
{
  *fp = NULL;
  size_t d = g->d, K = g->K;
  fm_field *f = calloc(1, sizeof *f);
  fm_field_gmm_ctx *c = calloc(1, sizeof *c);
  int st = (f && c) ? FM_OK : FM_ENOMEM;
  if (st == FM_OK) {
    *c = (fm_field_gmm_ctx){.g = g, .s = s, .t = NAN};
    c->lam = malloc((K * d + K * d * d + K * d + K + 2 * K * d + 2 * d) * sizeof *c->lam);
    st = c->lam ? fm_gmm_path_alloc(&c->path, g) : FM_ENOMEM;
  }
  if (st == FM_OK) {
    c->Q = c->lam + K * d;
    c->rate = c->Q + K * d * d;
    c->trJ = c->rate + K * d;
    c->uk = c->trJ + K;
    c->zk = c->uk + K * d;
    c->E = c->zk + K * d;
    c->y = c->E + d;
    st = fm_gmm_cov_eigvec(c->lam, c->Q, c->g);
  }
  if (st != FM_OK) {
    if (c != NULL) {
      fm_gmm_path_free(c->path);
      free(c->lam);
    }
    free(c);
    free(f);
    return fm_errmsg_set(e, st, "analytic field: %s", fm_strerror(st));
  }
  *f = (fm_field){.d = d, .eval = fm_field_gmm_eval, .div = fm_field_gmm_div, .jvp = fm_field_gmm_jvp, .ctx = c,
                  .sched = s, .destroy = fm_field_gmm_destroy};
  *fp = f;
  return FM_OK;
}
