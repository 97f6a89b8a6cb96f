/* pf_ode_coef.c -- the coefficients theorem `pf-ode` compares, shared by its
 * routes (pf_ode.c: pointwise; pf_ode_diffusion.c: routes 4, 5;
 * pf_ode_traj.c: route 6): the candidate's f, g^2 in FM time (double and
 * MPFR), and the diffusion-time fbar, gbar^2 computed independently of them
 * (Song's beta for vp, else Richardson differences of log alpha and sigma^2;
 * the error model is derived in pf_ode_diffusion.c's header). */
#include "pf_ode_impl.h"

#include <math.h>
#include <string.h>

#include "fdiff.h"
#include "points.h"
#include "sched_fd.h"

#define FM_PF_FD_LEVELS 5


int fm_pf_worst_rose(fm_worst *w, double value, double tol, size_t at)
{
  double m0 = w->have ? w->margin : -INFINITY;
  fm_worst_add(w, value, tol, at);
  return w->margin > m0;
}

double fm_pf_cand_time(const fm_pf_work *w, double t)
{
  return w->mutant == FM_PF_BACKWARDS ? 1.0 - t : t;
}

int fm_pf_coef(double *f, double *g2, fm_sched_val *ve, const fm_pf_work *w, double t)
{
  int st = fm_schedule_eval(ve, w->pw.c->sched, fm_pf_cand_time(w, t));
  if (st != FM_OK)
    return st;
  *f = fm_sched_drift_f(ve);
  *g2 = fm_sched_diffusion_g2(ve) * w->g2_factor;
  if (w->mutant == FM_PF_G2_SIGN)
    *g2 = -*g2;
  return FM_OK;
}

void fm_pf_coef_mp(fm_pf_work *w, const fm_sched_mp *ve)
{
  mpfr_div(w->f, ve->dalpha, ve->alpha, MPFR_RNDN);
  mpfr_mul(w->g2, ve->sigma, ve->dsigma, MPFR_RNDN);
  mpfr_sqr(w->tmp, ve->sigma, MPFR_RNDN);
  mpfr_mul(w->tmp, w->tmp, w->f, MPFR_RNDN);
  mpfr_sub(w->g2, w->g2, w->tmp, MPFR_RNDN);
  mpfr_mul_2ui(w->g2, w->g2, 1, MPFR_RNDN);
  if (w->mutant == FM_PF_G2_SIGN)
    mpfr_neg(w->g2, w->g2, MPFR_RNDN);
  if (w->g2_factor != 1.0)
    mpfr_mul_d(w->g2, w->g2, w->g2_factor, MPFR_RNDN);
}

static int fm_pf_fd_fn(double *y, double t, void *ctx)
{
  const fm_schedule *s = ctx;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, s, t);
  if (st != FM_OK && st != FM_ESING)
    return st;
  if (!(v.alpha > 0.0))
    return FM_ENONFIN; /* log alpha undefined: no finite-difference route here */
  y[0] = log(v.alpha);
  y[1] = v.sigma * v.sigma;
  return FM_OK;
}

static int fm_pf_dcoef_ref(fm_pf_dcoef *r, const fm_pf_work *w, double s)
{
  if (w->vp) {
    double beta = w->bmin + s * (w->bmax - w->bmin);
    *r = (fm_pf_dcoef){-0.5 * beta, beta, FM_PF_EPS * beta, 2.0 * FM_PF_EPS * beta};
    return FM_OK;
  }
  double t = 1.0 - s, h0 = fmin(fm_sched_fd_hmax(w->pw.c->sched), 0.25 * fmin(t, s));
  if (!(h0 > 0.0))
    return FM_EDOM;
  double D[2], err[2];
  fm_fdiff_info info;
  int st = fm_fdiff_central(D, err, &info, fm_pf_fd_fn, (void *)w->pw.c->sched, 2, t, h0,
                            FM_PF_FD_LEVELS);
  if (st != FM_OK)
    return st;
  fm_sched_val v;
  st = fm_schedule_eval(&v, w->pw.c->sched, t);
  if (st != FM_OK)
    return st;
  double kappa = fm_sched_cond(&v), s2 = v.sigma * v.sigma;
  r->fbar = -D[0];
  r->gbar2 = -D[1] - 2.0 * r->fbar * s2;
  double ev = 4.0 * kappa * FM_PF_EPS * (fabs(v.alpha) + fabs(v.sigma));
  double ela = 4.0 * kappa * FM_PF_EPS; /* absolute error of log alpha */
  /* a user's expression may round worse than that (sqrt(1 - exp(-T)) near
   * t = 1: sigma off by a relative 5e-6): its measured component-wise
   * errors (points.h) where the schedule has no a priori accuracy */
  const char *type = fm_schedule_type_name(w->pw.c->sched);
  if (strcmp(type, "expr") == 0 || strcmp(type, "table") == 0) {
    double e[4];
    if (fm_sched_value_errs(e, w->pw.c->sched, t, &v, 0) == FM_OK) {
      ev = fmax(ev, e[1]);
      ela = fmax(ela, e[0] / fabs(v.alpha));
    }
  }
  r->dfbar = err[0] + 2.0 * ela / info.h_used;
  r->dgbar2 = err[1] + 4.0 * fabs(v.sigma) * ev / info.h_used + 2.0 * s2 * r->dfbar +
              FM_PF_EPS * fabs(r->gbar2);
  return FM_OK;
}

int fm_pf_dcoef_cand(fm_pf_dcoef *r, const fm_pf_work *w, double s)
{
  int st = fm_pf_dcoef_ref(r, w, fm_pf_cand_time(w, s));
  if (st == FM_OK && w->mutant == FM_PF_G2_SIGN)
    r->gbar2 = -r->gbar2;
  if (st == FM_OK)
    r->gbar2 *= w->g2_factor;
  return st;
}
