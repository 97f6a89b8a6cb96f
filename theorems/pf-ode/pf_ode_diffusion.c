/* pf_ode_diffusion.c -- routes 4 and 5 of theorem `pf-ode` (pf_ode.c): the
 * diffusion-time coefficients fbar, gbar^2 computed independently of f, g^2,
 * against the candidate's -f_{1-s}, -g^2_{1-s}.
 *
 * Route 4 (vp schedules only) -- Song's VP-SDE: fbar(s) = -beta(s)/2,
 * gbar^2(s) = beta(s), beta(s) = beta_min + s (beta_max - beta_min) with
 * beta_min/max read by fm_schedule_param, against -f_{1-s}, -g^2_{1-s} from
 * the schedule's alpha, sigma by the formulas of theorems/README.md, on s = j/256, j =
 * 1..256 (s = 0 is t = 1, where sigma' is infinite).  Double: each schedule
 * value is accurate to 4 kappa eps (kappa = fm_sched_cond); f inherits two
 * and its division, g^2 three per term and its four operations:
 *   tol_f = (8 kappa + 1) eps |f| + eps beta,
 *   tol_g = (12 kappa + 4) eps (|2 sigma sigma'| + |2 f sigma^2|) + eps beta.
 * MPFR (the twin): the same with kappa-free eps_mp, 4 (terms + beta).
 * Statistic relative to beta.
 *
 * Route 5 -- the diffusion drift at the points, with fbar, gbar^2 computed
 * independently of f, g^2: Song's beta for vp, otherwise the definitions
 * fbar = d log abar/ds = -d/dt log alpha, gbar^2 = d sbar^2/ds - 2 fbar
 * sbar^2 = -d/dt sigma^2 - 2 fbar sigma^2 by Richardson central differences
 * in t (fm_fdiff_central, 5 levels, h0 = min(fm_sched_fd_hmax, t/4,
 * (1-t)/4): 2^-7, or 2^-17 for the C^2 splines of table schedules;
 * sigma^2 is smooth even where sigma has a square-root end).  Compared:
 * fbar x - gbar^2/2 score (double) with -u (double).  Tolerance:
 *   |x| dfbar + c (|score| dgbar2 + |gbar^2| B_score) + B_u
 *   + 2 eps (|fbar x| + c |gbar^2 score|) + eps |u|,
 * dfbar = err_0 + 8 kappa eps / h_fin (fm_fdiff's estimate plus the
 * round-off of log alpha, absolute 4 kappa eps -- alpha is accurate
 * relative to itself near its zero at t = 0 for every schedule form we
 * know -- through the finest step, Richardson combination <= 2x),
 * dgbar2 = err_1 + 4 |sigma| e_v / h_fin + 2 sigma^2 dfbar + eps |gbar^2|
 * with e_v = 4 kappa eps (|alpha| + |sigma|) the *absolute* error of sigma
 * (an expression like cos(pi t/2) is only absolutely accurate near its
 * zero at t = 1; see schedule_thm.c); for expr and table schedules e_v and
 * the error of log alpha are at least the measured ones of
 * fm_sched_value_errs (points.h: an expression that cancels near t = 1
 * rounds far worse than 4 kappa eps -- gen case: 1.17x over before);
 * vp: dfbar = eps beta, dgbar2 = 2 eps beta.
 */
#include "pf_ode_impl.h"

#include <math.h>
#include <stdio.h>


#define FM_PF_VP_GRID 256

/* --- route 5: fbar x - c gbar^2 score vs -u, both double --- */

int fm_pf_route_drift(fm_pf_work *w, double t, const double *x, double xn, double sn,
                      double U, const fm_path_errb *b, size_t i)
{
  fm_pf_dcoef r;
  int st = fm_pf_dcoef_cand(&r, w, 1.0 - t);
  if (st != FM_OK)
    return st;
  for (size_t j = 0; j < w->pw.d; j++)
    w->tmpd[j] = r.fbar * x[j] - w->cs * r.gbar2 * w->score[j] + w->u[j];
  double err = fm_linalg_maxabs(w->tmpd, w->pw.d);
  double g = fabs(r.gbar2), un = fm_linalg_maxabs(w->u, w->pw.d);
  double tol = xn * r.dfbar + w->cs * (sn * r.dgbar2 + g * b->score) + b->u +
               2.0 * FM_PF_EPS * (fabs(r.fbar) * xn + w->cs * g * sn) + FM_PF_EPS * un;
  fm_worst_add(&w->w[FM_PF_R_DRIFT], err / U, tol / U, i);
  return FM_OK;
}

/* --- route 4: Song's VP-SDE coefficients on a grid (vp only) --- */

/* MPFR twin of the comparison at s: *rel = max(|fbar - (-beta/2)|,
 * |gbar^2 - beta|) / beta and *tol; FM_ENOTAVAIL without a twin. */
static int fm_pf_vp_mp(double *rel, double *tol, fm_pf_work *w, double s, double beta)
{
  int exact = 0;
  double te = w->mutant == FM_PF_BACKWARDS ? s : 1.0 - s;
  int st = fm_schedule_eval_mp_or_double(&w->ve, &exact, w->pw.c->sched, te);
  if (st != FM_OK)
    return st;
  if (!exact)
    return FM_ENOTAVAIL;
  fm_pf_coef_mp(w, &w->ve);
  mpfr_set_d(w->r, w->bmax, MPFR_RNDN);
  mpfr_sub_d(w->r, w->r, w->bmin, MPFR_RNDN);
  mpfr_mul_d(w->r, w->r, s, MPFR_RNDN);
  mpfr_add_d(w->r, w->r, w->bmin, MPFR_RNDN);      /* beta(s) */
  mpfr_mul_2si(w->tmp, w->r, -1, MPFR_RNDN);
  mpfr_sub(w->tmp, w->tmp, w->f, MPFR_RNDN);       /* fbar - (-beta/2) = beta/2 - f */
  double ef = fabs(mpfr_get_d(w->tmp, MPFR_RNDU));
  mpfr_add(w->tmp, w->r, w->g2, MPFR_RNDN);        /* beta - gbar^2 = beta + g^2 */
  double eg = fabs(mpfr_get_d(w->tmp, MPFR_RNDU));
  double g2 = fabs(mpfr_get_d(w->g2, MPFR_RNDN)), f = fabs(mpfr_get_d(w->f, MPFR_RNDN));
  *rel = fmax(ef, eg) / beta;
  *tol = 4.0 * w->pw.eps_mp * (g2 + 2.0 * f + beta) / beta;
  return FM_OK;
}

/* Offers (value, tol) at diffusion time s to route x. */
static void fm_pf_worst_at_s(fm_worst *x, double value, double tol, double s)
{
  if (fm_pf_worst_rose(x, value, tol, 0))
    snprintf(x->where, sizeof x->where, "s=%.6g (t=%.6g)", s, 1.0 - s);
}

int fm_pf_route_vp(fm_pf_work *w)
{
  fm_worst *wd = &w->w[FM_PF_R_VP], *wm = &w->w[FM_PF_R_VP_MP];
  for (int j = 1; j <= FM_PF_VP_GRID; j++) {
    double s = (double)j / FM_PF_VP_GRID, beta = w->bmin + s * (w->bmax - w->bmin);
    double f, g2;
    fm_sched_val ve;
    int st = fm_pf_coef(&f, &g2, &ve, w, 1.0 - s);
    if (st == FM_ESING)
      continue; /* only the run-backwards candidate reaches t = 1 */
    if (st != FM_OK)
      return st;
    double kappa = fm_sched_cond(&ve);
    double rel = fmax(fabs(-f + 0.5 * beta), fabs(-g2 - beta)) / beta;
    double tf = (8.0 * kappa + 1.0) * FM_PF_EPS * fabs(f) + FM_PF_EPS * beta;
    double tg = (12.0 * kappa + 4.0) * FM_PF_EPS *
                    (fabs(2.0 * ve.sigma * ve.dsigma) + fabs(2.0 * f * ve.sigma * ve.sigma)) +
                FM_PF_EPS * beta;
    /* one route: the worse of the two coefficients at each s */
    double tol = fabs(-f + 0.5 * beta) / tf > fabs(-g2 - beta) / tg ? tf : tg;
    fm_pf_worst_at_s(wd, rel, tol / beta, s);
    double mrel, mtol;
    st = fm_pf_vp_mp(&mrel, &mtol, w, s, beta);
    if (st == FM_ENOTAVAIL || st == FM_ESING)
      continue;
    if (st != FM_OK)
      return st;
    fm_pf_worst_at_s(wm, mrel, mtol, s);
  }
  return FM_OK;
}
