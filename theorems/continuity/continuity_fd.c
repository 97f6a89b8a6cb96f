/* continuity_fd.c -- routes 1 and 2 of theorem `continuity` (continuity.c):
 * d/dt log p_t(x) and d/dt p_t(x)/p_tc(x) by Richardson central differences
 * in t, each with its tolerance tol_fd; the residual adds u.s + div u and
 * its tol_an (continuity_field.c).
 *
 * Step policy.  t is moved onto the 2^-40 grid (tc) and
 * h0 = the largest power of two <= min(1e-2, tc/4, (1-tc)/4, rho/4)
 * (fm_fdiff_grid, then rho): the stencil tc +- h0 never leaves (0,1) -- at
 * t = 1e-6 the steps are <= 2.5e-7 -- every abscissa is an exact double, and
 * h0 stays a quarter of the radius of analyticity, both of schedules singular
 * at an end and of log p itself, whose log-sum-exp switches between
 * components within rho of tc far in the tails (fm_ct_switch_radius).  Five
 * Richardson levels (h0 .. h0/16).
 *
 * Route 1 -- log form.  D = d/dt log p_t(x) by Richardson central
 * differences at tc; residual R = D + u.s + div u.  tol = err + 2 delta/h_fin
 * + tol_an:
 *   - err: fm_fdiff's estimate |T[k][k] - T[k][k-1]|;
 *   - delta bounds the error of one evaluation of log p.  With the schedule
 *     values alpha, sigma relatively wrong by e_s (fm_sched_value_err: the a
 *     priori 4 kappa eps of points.h or 8x the measured rounding noise),
 *     dC = 2 alpha dalpha S + 2 sigma dsigma I gives |tr C^{-1} dC|/2 <= e_s d
 *     and |z.dC.z|/2 <= e_s q_k, and alpha m_k in r_k moves q_k/2 by
 *     <= e_s |alpha m_k.z_k|, so |d log p| <= e_s sum_k gamma_k (d + q_k +
 *     |alpha m_k.z_k|); the algebra (long double inside the path) and the
 *     final rounding are covered by (d + 8) eps on the same sum plus |log p|:
 *         delta = (e_s + (d + 8) eps) M_g,
 *         M_g = sum_k gamma_k (d + q_k + |alpha m_k.z_k|) + |log p|,
 *     maximised over the stencil.  A raw difference quotient turns delta into
 *     delta/h; the Richardson weights amplify it by < 2 (prod (4^j+1)/(4^j-1)),
 *     at worst on the finest step h_fin = h0/16.
 *   The observed order of the raw central differences
 *   (fm_fdiff_observed_order, noise delta) is kept per point for the note.
 *
 * Route 2 -- density form.  The same with f(t) = p_t(x)/p_tc(x) (the
 * constant p_tc(x) keeps f ~ 1: p itself underflows 50 std out):
 * R = D_f + div u + u.s (f(tc) = 1).  Steps h0' = the largest power of two
 * <= min(h0, 1/(8|D|)) so that f varies by a factor < e^(1/8) over the
 * stencil (far in the tails |D| ~ 1e4: f = exp(l - l0) is then resolved
 * on the scale where l is nearly linear).
 *     tol = err + 2 (delta + 2 eps) f_max / h_fin + delta |D_f| + tol_an
 * (f carries the relative error delta of log p, and so does its derivative).
 */
#include "continuity_impl.h"

#include <math.h>
#include <stdlib.h>

#include "fdiff.h"
#include "sched_fd.h"

#define FM_CT_FD_HMAX 1e-2

/* sum_k gamma_k (d + q_k + |alpha m_k.z_k|) at the last evaluated point. */
static double fm_ct_logp_sens(const fm_gmm_path *p, const fm_gmm *g, double alpha,
                              const double *x)
{
  size_t d = g->d;
  const double *gam = fm_gmm_path_gamma(p), *z = fm_gmm_path_z(p);
  double m = 0.0;
  for (size_t k = 0; k < g->K; k++) {
    double q = 0.0, mz = 0.0;
    for (size_t j = 0; j < d; j++) {
      q += (x[j] - alpha * g->mean[k * d + j]) * z[k * d + j];
      mz += alpha * g->mean[k * d + j] * z[k * d + j];
    }
    m += gam[k] * ((double)d + fabs(q) + fabs(mz));
  }
  return m;
}

/* *lp = log p_t(w->x) of the true path, set at time t (schedule values *v). */
static int fm_ct_logp_eval(double *lp, fm_sched_val *v, fm_ct_work *w, double t)
{
  int st = fm_schedule_eval(v, w->c->sched, t);
  st = st ? st : fm_gmm_path_set(w->pt, v);
  return st ? st : fm_gmm_path_eval(lp, NULL, NULL, NULL, w->pt, w->x);
}

/* log p_t(x) (or p_t(x)/p_tc(x)) of the true path, for fm_fdiff_central. */
static int fm_ct_logp_at(double *y, double t, void *vctx)
{
  fm_ct_work *w = vctx;
  fm_sched_val v;
  double lp;
  int st = fm_ct_logp_eval(&lp, &v, w, t);
  if (st != FM_OK)
    return st;
  w->kappa = fmax(w->kappa, fm_sched_cond(&v));
  w->Mg = fmax(w->Mg, fm_ct_logp_sens(w->pt, w->c->gmm, v.alpha, w->x) + fabs(lp));
  *y = w->density ? exp(lp - w->l0) : lp;
  w->fmax = fmax(w->fmax, fabs(*y));
  return FM_OK;
}

double fm_ct_pow2_below(double a)
{
  int e;
  frexp(a, &e); /* a = m 2^e, m in [1/2, 1) */
  return ldexp(1.0, e - 1);
}

double fm_ct_pole_radius(double y, double slope)
{
  return sqrt(y * y + M_PI * M_PI) / slope;
}

/* delta of the header, given the bookkeeping of one FD run. */
static double fm_ct_delta(const fm_ct_work *w, double es)
{
  return (es + ((double)w->d + 8.0) * FM_CT_EPS) * w->Mg;
}

/* l_k = log(w_k N_k(x)) = log gamma_k + log p at time t (-inf where gamma_k
 * underflows). */
static int fm_ct_logn_at(double *l, fm_ct_work *w, double t)
{
  fm_sched_val v;
  double lp;
  int st = fm_ct_logp_eval(&lp, &v, w, t);
  const double *gam = fm_gmm_path_gamma(w->pt);
  for (size_t k = 0; st == FM_OK && k < w->c->gmm->K; k++)
    l[k] = gam[k] > 0.0 ? log(gam[k]) + lp : -INFINITY;
  return st;
}

/* Distance in t from tc to the nearest complex pole of a posterior weight,
 * linearised: log p = logsumexp_k l_k(t) switches from component j to k
 * where l_k - l_j crosses 0, and 1/(1 + e^-y) has poles at y = +-i pi, so
 * the radius for the pair is sqrt((l_k - l_j)^2 + pi^2) / |l_k' - l_j'|
 * (slopes by a central difference at step delta: only a step size is
 * chosen from it).  Far in the tails at fixed x the components' l_k are
 * steep in t and cross within ~1e-3 of tc: steps of 1e-2 would straddle the
 * switch and Richardson's error estimate would not know it. */
static int fm_ct_switch_radius(double *rho, fm_ct_work *w, double tc, double delta)
{
  size_t K = w->c->gmm->K;
  *rho = INFINITY;
  if (K == 1)
    return FM_OK;
  double *l = malloc(3 * K * sizeof *l);
  if (l == NULL)
    return FM_ENOMEM;
  int st = fm_ct_logn_at(l, w, tc);
  st = st ? st : fm_ct_logn_at(l + K, w, tc + delta);
  st = st ? st : fm_ct_logn_at(l + 2 * K, w, tc - delta);
  for (size_t a = 0; st == FM_OK && a < K; a++)
    for (size_t b = a + 1; b < K; b++) {
      double y = l[a] - l[b];
      double dy = (l[K + a] - l[K + b] - l[2 * K + a] + l[2 * K + b]) / (2.0 * delta);
      if (isfinite(y) && isfinite(dy) && dy != 0.0)
        *rho = fmin(*rho, fm_ct_pole_radius(y, fabs(dy)));
    }
  free(l);
  return st;
}

int fm_ct_ref_fd(fm_ct_ref *r, fm_ct_work *w, const fm_pointset *ps, size_t i)
{
  double h0, err, rho;
  fm_fdiff_info info;
  int st = fm_fdiff_grid(&r->tc, &h0, ps->t[i], fm_sched_fd_cap(w->c->sched, FM_CT_FD_HMAX));
  if (st != FM_OK)
    return st;
  w->x = ps->x + i * w->d;
  st = fm_ct_switch_radius(&rho, w, r->tc, ldexp(h0, -6));
  if (st != FM_OK)
    return st;
  if (0.25 * rho < h0)
    h0 = fm_ct_pow2_below(0.25 * rho);
  w->density = 0;
  w->kappa = w->Mg = w->fmax = 0.0;
  st = fm_fdiff_central(&r->D, &err, &info, fm_ct_logp_at, w, 1, r->tc, h0,
                        FM_CT_FD_LEVELS);
  if (st != FM_OK)
    return st;
  r->es = fm_sched_value_err(w->c->sched, r->tc, w->kappa);
  double delta = fm_ct_delta(w, r->es);
  r->tol_fd = err + 2.0 * delta / info.h_used;
  st = fm_fdiff_observed_order(&r->order, fm_ct_logp_at, w, 1, r->tc, h0, delta);
  if (st != FM_OK)
    return st;
  /* density form: f = exp(log p - l0), steps with |D| h0' <= 1/8 */
  double h0d = fabs(r->D) > 0.0 ? fmin(h0, fm_ct_pow2_below(0.125 / fabs(r->D))) : h0;
  st = fm_ct_logp_at(&w->l0, r->tc, w);
  if (st != FM_OK)
    return st;
  w->density = 1;
  w->Mg = w->fmax = 0.0;
  st = fm_fdiff_central(&r->Dd, &err, &info, fm_ct_logp_at, w, 1, r->tc, h0d,
                        FM_CT_FD_LEVELS);
  if (st != FM_OK)
    return st;
  delta = fm_ct_delta(w, r->es);
  r->tol_fdd = err + 2.0 * (delta + 2.0 * FM_CT_EPS) * w->fmax / info.h_used +
               delta * fabs(r->Dd);
  return FM_OK;
}
