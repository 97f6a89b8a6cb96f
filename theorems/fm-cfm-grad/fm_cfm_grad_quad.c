/* fm_cfm_grad_quad.c -- route 1 of theorem `fm-cfm-grad` (fm_cfm_grad.c):
 * deterministic quadrature (d <= 3).  Gauss-Legendre in t (n and 2n
 * nodes); at each t the FM side's moments and C over each component of p_t
 * (adaptive cubature in d = 1, tensor Gauss-Hermite with n and 2n nodes per
 * axis in d = 2, 3) and the CFM side's moments by a 3-node tensor
 * Gauss-Hermite rule over (x0, x1), exact for its degree-2 integrand; then
 * the gradient and loss-gap statistics against their error-derived
 * tolerances.  The statement in fm_cfm_grad.c derives the rules and the
 * tolerance.  Also fm_fg_floor (fm_cfm_grad.h): C alone, for route 3.
 */
#include "fm_cfm_grad_impl.h"

#include <float.h>
#include <gsl/gsl_integration.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "linalg.h"

#define FM_FG_EPS DBL_EPSILON
#define FM_FG_CUB_Z 12.0
#define FM_FG_CUB_RTOL 1e-12
#define FM_FG_CUB_ATOL 1e-14
#define FM_FG_CUB_MAXEVAL 20000

/* Gauss-Hermite nodes per axis of the FM side, by dimension (d = 1 is
 * adaptive), and Gauss-Legendre nodes in t (n and 2n are used). */
static const size_t fm_fg_gh_fm[FM_FG_QUAD_MAXD + 1] = {0, 0, 8, 5};
static const size_t fm_fg_nt[FM_FG_QUAD_MAXD + 1] = {0, 20, 10, 10};

/* y = (phi phi^T, y phi^T, |y|^2) packed (ms values). */
static void fm_fg_pack_one(double *out, const double *phi, const double *y, size_t d,
                           size_t p)
{
  double yy = 0.0;
  for (size_t a = 0; a < p; a++)
    for (size_t b = 0; b < p; b++)
      out[a * p + b] = phi[a] * phi[b];
  for (size_t i = 0; i < d; i++) {
    for (size_t a = 0; a < p; a++)
      out[p * p + i * p + a] = y[i] * phi[a];
    yy += y[i] * y[i];
  }
  out[p * p + d * p] = yy;
}

/* FM side at node x: moments and tr Cov(u(x|x1)|x) (ms + 1 values). */
static int fm_fg_fm_node(double *y, const double *x, void *ctx)
{
  fm_fg_work *w = ctx;
  int st = fm_fg_fm_target(w->u, w, x);
  if (st != FM_OK)
    return st;
  fm_linfeat_eval(w->phi, w->t, x, w->d);
  fm_fg_pack_one(y, w->phi, w->u, w->d, w->p);
  fm_gpost_val pv;
  fm_gpost_eval(&pv, w->post, w->path, &w->v, FM_GPOST_POSTERIOR);
  y[w->ms] = pv.trcov_u;
  w->neval += 1.0;
  return FM_OK;
}

/* The same at z in the whitened coordinates of the current component, times
 * the standard normal density (d = 1 cubature). */
static int fm_fg_fm_node_z(double *y, const double *z, void *ctx)
{
  fm_fg_work *w = ctx;
  w->xc[0] = w->mu[0] + w->L[0] * z[0];
  int st = fm_fg_fm_node(y, w->xc, ctx);
  double g = exp(-0.5 * z[0] * z[0]) / sqrt(2.0 * M_PI);
  for (size_t i = 0; i <= w->ms; i++)
    y[i] *= g;
  return st;
}

/* CFM side at z in R^{2d}: x0 = z[0..d), x1 = m_k + chol(S_k) z[d..2d).
 * Outputs: moments of (phi(x_c), u(x_c|x1)) (ms), then the sigma'-direction
 * du = (sigma'/sigma)(x_c - alpha x1): du phi^T (dp), du.u_c, |du|^2. */
static int fm_fg_cfm_node(double *y, const double *z, void *ctx)
{
  fm_fg_work *w = ctx;
  size_t d = w->d, p = w->p;
  const fm_gmm *g = w->c->gmm;
  const double *x0 = z;
  fm_linalg_lower_mul(w->x1, g->chol + w->k * d * d, z + d, d);
  for (size_t i = 0; i < d; i++) {
    w->x1[i] += g->mean[w->k * d + i];
    w->xc[i] = w->mutant == FM_FG_CFM_NO_SIGMA ? w->v.alpha * w->x1[i] + x0[i]
                                               : w->v.sigma * x0[i] + w->v.alpha * w->x1[i];
  }
  fm_cond_field(w->uc, &w->vc, w->xc, w->x1, d);
  fm_linfeat_eval(w->phic, w->t, w->xc, d);
  fm_fg_pack_one(y, w->phic, w->uc, d, p);
  double *yd = y + w->ms, c1 = 0.0, c2 = 0.0, f = w->v.dsigma / w->v.sigma;
  for (size_t i = 0; i < d; i++) {
    double du = f * (w->xc[i] - w->v.alpha * w->x1[i]);
    for (size_t a = 0; a < p; a++)
      yd[i * p + a] = du * w->phic[a];
    c1 += du * w->uc[i];
    c2 += du * du;
  }
  yd[w->dp] = c1;
  yd[w->dp + 1] = c2;
  w->neval += 1.0;
  return FM_OK;
}

/* FM side of component k at the current t into val (ms + 1), err. */
static int fm_fg_fm_component(fm_fg_work *w, size_t k)
{
  size_t d = w->d;
  const fm_gmm *g = w->c->gmm;
  double a2 = w->v.alpha * w->v.alpha, s2 = w->v.sigma * w->v.sigma;
  for (size_t i = 0; i < d * d; i++)
    w->L[i] = a2 * g->cov[k * d * d + i];
  for (size_t i = 0; i < d; i++) {
    w->L[i * d + i] += s2;
    w->mu[i] = w->v.alpha * g->mean[k * d + i];
  }
  int st = fm_linalg_chol(w->L, w->L, d);
  if (st != FM_OK)
    return st;
  if (d > 1)
    return fm_quad_gh_gauss(w->val, w->err, fm_fg_fm_node, w, w->ms + 1, w->mu, w->L, d,
                            fm_fg_gh_fm[d]);
  /* absolute tolerance on the scale of the moments: |x|^2, |u||x|, |u|^2 with
   * |x| ~ |alpha m| + sqrt(C), |u| ~ |sigma'/sigma| |x| + |alpha' m| (moments
   * that vanish by symmetry cannot meet a relative tolerance) */
  double xs = fabs(w->mu[0]) + w->L[0];
  double us = fabs(w->v.dsigma / w->v.sigma) * xs + fabs(w->v.dalpha * g->mean[k]);
  double lo = -FM_FG_CUB_Z, hi = FM_FG_CUB_Z, atol = FM_FG_CUB_ATOL * (1.0 + xs * xs) *
                                                      (1.0 + us * us);
  st = fm_quad_cubature(w->val, w->err, fm_fg_fm_node_z, w, w->ms + 1, 1, &lo, &hi, atol,
                        FM_FG_CUB_RTOL, FM_FG_CUB_MAXEVAL, FM_CUBATURE_H);
  return st == FM_ECONV ? FM_OK : st; /* not converged: its error estimate says so */
}

/* The t-integrand: y = [FM moments (ms), C (1), their x-errors (ms + 1),
 * CFM moments (ms), sigma'-direction (dp + 2)]. */
static int fm_fg_t_node(double *y, const double *tp, void *ctx)
{
  fm_fg_work *w = ctx;
  size_t ms = w->ms, nout = fm_fg_nt_out(w);
  const fm_gmm *g = w->c->gmm;
  int st = fm_fg_set_time(w, *tp);
  memset(y, 0, nout * sizeof *y);
  for (size_t k = 0; k < w->K && st == FM_OK; k++) {
    st = fm_fg_fm_component(w, k);
    for (size_t i = 0; i <= ms && st == FM_OK; i++) {
      y[i] += g->w[k] * w->val[i];
      y[ms + 1 + i] += g->w[k] * w->err[i];
    }
    w->k = k;
    st = st ? st : fm_quad_gh_gauss_rule(w->val, fm_fg_cfm_node, w, ms + w->dp + 2, NULL,
                                         w->I2, 2 * w->d, w->gh3);
    for (size_t i = 0; i < ms + w->dp + 2 && st == FM_OK; i++)
      y[2 * ms + 2 + i] += g->w[k] * w->val[i];
  }
  return st;
}

void fm_fg_quad_free(fm_fg_quad *q)
{
  fm_linfeat_mom_free(&q->F);
  fm_linfeat_mom_free(&q->C);
  fm_linfeat_mom_free(&q->eF);
  fm_linfeat_mom_free(&q->eC);
  free(q->Bd);
}

int fm_fg_quad_run(fm_fg_quad *q, fm_fg_work *w)
{
  size_t nout = fm_fg_nt_out(w), ms = w->ms;
  memset(q, 0, sizeof *q);
  double *val = malloc(2 * nout * sizeof *val);
  int st = val ? FM_OK : FM_ENOMEM;
  st = st ? st : fm_linfeat_mom_alloc(&q->F, w->d);
  st = st ? st : fm_linfeat_mom_alloc(&q->C, w->d);
  st = st ? st : fm_linfeat_mom_alloc(&q->eF, w->d);
  st = st ? st : fm_linfeat_mom_alloc(&q->eC, w->d);
  if (st == FM_OK && (q->Bd = malloc(w->dp * sizeof *q->Bd)) == NULL)
    st = FM_ENOMEM;
  w->neval = 0.0;
  st = st ? st : fm_quad_legendre(val, val + nout, fm_fg_t_node, w, nout, FM_FG_TMIN,
                                  FM_FG_TMAX, fm_fg_nt[w->d]);
  if (st == FM_OK) {
    double s = 1.0 / (FM_FG_TMAX - FM_FG_TMIN), *e = val + nout;
    for (size_t i = 0; i < nout; i++) {
      val[i] *= s;
      e[i] *= s;
    }
    /* FM error = t-rule error + t-integral of the x-rule's error */
    for (size_t i = 0; i <= ms; i++)
      e[i] += val[ms + 1 + i];
    fm_linfeat_mom_unpack(&q->F, val);
    fm_linfeat_mom_unpack(&q->eF, e);
    q->Cgap = val[ms];
    q->eCgap = e[ms];
    fm_linfeat_mom_unpack(&q->C, val + 2 * ms + 2);
    fm_linfeat_mom_unpack(&q->eC, e + 2 * ms + 2);
    memcpy(q->Bd, val + 3 * ms + 2, w->dp * sizeof *q->Bd);
    q->c1 = val[3 * ms + 2 + w->dp];
    q->c2 = val[3 * ms + 3 + w->dp];
    q->neval = w->neval;
  }
  free(val);
  if (st != FM_OK)
    fm_fg_quad_free(q);
  return st;
}

static void fm_fg_qstat_theta(fm_fg_qstat *s, const fm_fg_work *w, const fm_fg_quad *q,
                              size_t j, double es)
{
  size_t d = w->d, p = w->p;
  const double *th = w->Theta + j * w->dp;
  double rnd = 2.0 * q->neval * FM_FG_EPS, cmax = fmax(q->F.c, q->C.c);
  double LF = fm_linfeat_loss(NULL, &q->F, th), LC = fm_linfeat_loss(NULL, &q->C, th);
  double dL = 0.0, tolL = q->eF.c + q->eC.c + q->eCgap, TL = q->F.c + q->C.c + q->Cgap;
  for (size_t i = 0; i < d; i++)
    for (size_t a = 0; a < p; a++) {
      double tg = 0.0, eg = 0.0, Tg = 0.0;
      for (size_t b = 0; b < p; b++) {
        double th_b = th[i * p + b];
        tg += th_b * (q->F.G[b * p + a] - q->C.G[b * p + a]);
        eg += fabs(th_b) * (q->eF.G[b * p + a] + q->eC.G[b * p + a]);
        Tg += fabs(th_b) * sqrt(fabs(q->F.G[a * p + a] * q->F.G[b * p + b]));
      }
      double bd = q->Bd[i * p + a];
      double diff = 2.0 * (tg - q->F.B[i * p + a] + q->C.B[i * p + a] + es * bd);
      double T = 2.0 * Tg + 2.0 * sqrt(cmax * fabs(q->F.G[a * p + a]));
      double tol = 2.0 * eg + 2.0 * (q->eF.B[i * p + a] + q->eC.B[i * p + a]) + rnd * T;
      double r = isnan(diff) ? INFINITY : fabs(diff) / tol;
      if (r > s->grad) {
        s->grad = r;
        s->grad_at = j * w->dp + i * p + a;
      }
      s->acc = fmax(s->acc, tol / T);
      s->pgrad = fmax(s->pgrad, 2.0 * FM_FG_SIGMA_EPS * fabs(bd) / tol);
      /* L = tr(Theta G Theta^T) - 2 tr(Theta B^T) + c: errors and terms */
      double ath = fabs(th[i * p + a]);
      dL += th[i * p + a] * bd;
      tolL += ath * eg + 2.0 * ath * (q->eF.B[i * p + a] + q->eC.B[i * p + a]);
      TL += ath * Tg + 2.0 * ath * sqrt(cmax * fabs(q->F.G[a * p + a]));
    }
  /* L_C(es) = L_C - 2 es tr(Theta Bd^T) + 2 es c1 + es^2 c2 */
  double gap = (LC - 2.0 * es * dL + 2.0 * es * q->c1 + es * es * q->c2) - LF - q->Cgap;
  double r = isnan(gap) ? INFINITY : fabs(gap) / (tolL + rnd * TL);
  s->lgap[j] = LC - LF;
  /* mutant 1 adds e du to u_c: L_C moves by -2 e tr(Theta Bd^T) + 2 e c1 + e^2 c2
   * with the true target's c1, i.e. by ... - e^2 c2 with the mutant's (c1 =
   * E du.u_c carries + e c2 there) */
  double e = FM_FG_SIGMA_EPS, e2 = w->mutant == FM_FG_CFM_SIGMA_OFF ? -e * e : e * e;
  s->eff_gap[j] = 2.0 * e * (q->c1 - dL) + e2 * q->c2;
  s->pgap = fmax(s->pgap, fabs(s->eff_gap[j]) / (tolL + rnd * TL));
  if (r > s->gap) {
    s->gap = r;
    s->gap_at = j;
  }
}

void fm_fg_qstat_all(fm_fg_qstat *s, const fm_fg_work *w, const fm_fg_quad *q, double es)
{
  memset(s, 0, sizeof *s);
  for (size_t j = 0; j < FM_FG_NTHETA; j++)
    fm_fg_qstat_theta(s, w, q, j, es);
}

int fm_fg_floor(double *C, double *err, double *t_lo, double *t_hi, const fm_case *c)
{
  *t_lo = FM_FG_TMIN;
  *t_hi = FM_FG_TMAX;
  if (c->gmm->d > FM_FG_QUAD_MAXD)
    return FM_ENOTAVAIL;
  fm_fg_work w;
  int st = fm_fg_work_alloc(&w, c, FM_FG_TRUE);
  if (st != FM_OK)
    return st;
  fm_fg_quad q;
  st = fm_fg_quad_run(&q, &w);
  if (st == FM_OK) {
    *C = q.Cgap;
    *err = q.eCgap;
    fm_fg_quad_free(&q);
  }
  fm_fg_work_free(&w);
  return st;
}

/* Mutant 1's predicted effect where route 1 does not run (d > 3), in
 * closed form.  The sigma'-direction moments need no quadrature over x:
 * du = sigma' x0 with x0 ~ N(0, I) independent of x1, and x = sigma x0 +
 * alpha x1, so per t E[du_i x_j] = sigma sigma' delta_ij, E[du_i] = 0,
 * E[du . u_c] = E[sigma' x0 . (alpha' x1 + sigma' x0)] = d sigma'^2 = E|du|^2,
 * whatever the data.  Hence Bd[i, x_j] = delta_ij <sigma sigma'>, Bd[i,
 * t x_j] = delta_ij <t sigma sigma'>, c1 = c2 = d <sigma'^2> (<.> the mean
 * over t ~ U[t_min, t_max]), and the effects are those of fm_fg_qstat:
 * 2 eps Bd on the gradient, 2 eps (c1 - tr(Theta Bd^T)) + eps^2 c2 on each
 * gap.  The three t-means by GSL's adaptive qags (relative 1e-8): sigma'
 * may be singular at t = 1 (VP: ~ 1/sqrt(1 - t)), and a fixed rule would
 * misjudge sigma'^2 near t_max.  Status FM_ECONV when they fail. */
typedef struct {
  const fm_schedule *s;
  int kind; /* 0: sigma sigma', 1: t sigma sigma', 2: sigma'^2 */
  int st;
} fm_fg_tmean;

static double fm_fg_tmean_f(double t, void *ctx)
{
  fm_fg_tmean *m = ctx;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, m->s, t);
  if (st != FM_OK) {
    m->st = st;
    return 0.0;
  }
  double ss = v.sigma * v.dsigma;
  return m->kind == 0 ? ss : (m->kind == 1 ? t * ss : v.dsigma * v.dsigma);
}

int fm_fg_eff_closed(double *eff, const fm_fg_work *w)
{
  double mean[3];
  gsl_integration_workspace *ws = gsl_integration_workspace_alloc(200);
  if (ws == NULL)
    return FM_ENOMEM;
  int st = FM_OK;
  for (int k = 0; k < 3 && st == FM_OK; k++) {
    fm_fg_tmean m = {w->c->sched, k, FM_OK};
    gsl_function F = {fm_fg_tmean_f, &m};
    double err;
    int gs = gsl_integration_qags(&F, FM_FG_TMIN, FM_FG_TMAX, 0.0, 1e-8, 200, ws, &mean[k],
                                  &err);
    st = m.st != FM_OK ? m.st : (gs != 0 ? FM_ECONV : FM_OK);
    mean[k] /= FM_FG_TMAX - FM_FG_TMIN;
  }
  gsl_integration_workspace_free(ws);
  if (st != FM_OK)
    return st;
  size_t d = w->d, p = w->p;
  double e = FM_FG_SIGMA_EPS, c = (double)d * mean[2];
  for (size_t i = 0; i < w->dp; i++)
    eff[i] = 0.0;
  for (size_t i = 0; i < d; i++) {
    eff[i * p + 3 + i] = 2.0 * e * mean[0];
    eff[i * p + 3 + d + i] = 2.0 * e * mean[1];
  }
  for (size_t j = 0; j < FM_FG_NTHETA; j++) {
    const double *th = w->Theta + j * w->dp;
    double dL = 0.0;
    for (size_t i = 0; i < d; i++)
      dL += th[i * p + 3 + i] * mean[0] + th[i * p + 3 + d + i] * mean[1];
    eff[w->dp + j] = 2.0 * e * (c - dL) + e * e * c;
  }
  return FM_OK;
}
