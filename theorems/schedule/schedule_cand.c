/* schedule_cand.c -- the candidate schedule of theorem `schedule`
 * (schedule_thm.c states the theorem and the error model): the case's
 * schedule with a control's change applied (sigma' off by 1%, a bump in
 * alpha, alpha_1 = 0.99, a claimed alpha' off by 1e-3), in double and in
 * MPFR; the error model of one evaluation; and the worst-point bookkeeping
 * every route of the theorem shares (schedule_grid.c, schedule_deriv.c,
 * schedule_boundary.c). */
#include "schedule_thm_impl.h"

#include <math.h>
#include <stdio.h>

/* Value mutations: factor on alpha and its t-derivative, at t. */
static void fm_sc_alpha_factor(double *fac, double *dfac, const fm_sc_cand *k, double t)
{
  *fac = 1.0;
  *dfac = 0.0;
  if (k->mutant == FM_SC_BUMP) {
    double z = (t - 0.5) / FM_SC_BUMP_W, B = k->bump_a * exp(-0.5 * z * z);
    *fac = exp(B);
    *dfac = *fac * (-B * z / FM_SC_BUMP_W);
  } else if (k->mutant == FM_SC_ALPHA1) {
    *fac = 1.0 - 0.01 * t;
    *dfac = -0.01;
  }
}

static void fm_sc_apply(fm_sched_val *v, const fm_sc_cand *k, double t)
{
  double fac, dfac;
  fm_sc_alpha_factor(&fac, &dfac, k, t);
  v->dalpha = v->dalpha * fac + v->alpha * dfac;
  v->alpha *= fac;
  if (k->mutant == FM_SC_DSIGMA)
    v->dsigma *= 1.01;
  v->dsigma *= k->dsigma_factor;
  if (k->mutant == FM_SC_DALPHA)
    v->dalpha *= 1.0 + 1e-3;
}

int fm_sc_eval(fm_sched_val *v, const fm_sc_cand *k, double t)
{
  *v = (fm_sched_val){NAN, NAN, NAN, NAN};
  int st = fm_schedule_eval(v, k->s, t);
  if (st != FM_OK && st != FM_ESING)
    return st;
  if (!isfinite(v->alpha) || !isfinite(v->sigma))
    return st == FM_OK ? FM_ENONFIN : st;
  fm_sc_apply(v, k, t);
  return st;
}

int fm_sc_claimed(double *da, double *ds, const fm_sc_cand *k, double t)
{
  int st = fm_schedule_claimed_deriv(da, ds, k->s, t);
  if (st != FM_OK)
    return st;
  fm_sched_val v;
  st = fm_schedule_eval(&v, k->s, t);
  if (st != FM_OK && st != FM_ESING)
    return st;
  v.dalpha = *da;
  v.dsigma = *ds;
  fm_sc_apply(&v, k, t);
  *da = v.dalpha;
  *ds = v.dsigma;
  return FM_OK;
}

int fm_sc_eval_mp(fm_sched_mp *m, const fm_sc_cand *k, double t)
{
  mpfr_t tt, fac;
  mpfr_init2(tt, 64);
  mpfr_set_d(tt, t, MPFR_RNDN);
  int st = fm_schedule_eval_mp(m, k->s, tt);
  mpfr_clear(tt);
  if ((st != FM_OK && st != FM_ESING) || (k->mutant != FM_SC_BUMP && k->mutant != FM_SC_ALPHA1))
    return st;
  mpfr_init2(fac, k->prec);
  if (k->mutant == FM_SC_BUMP) {
    /* values only (the SNR route): alpha exp(A exp(-z^2/2)) */
    mpfr_set_d(fac, t, MPFR_RNDN);
    mpfr_sub_d(fac, fac, 0.5, MPFR_RNDN);
    mpfr_div_d(fac, fac, FM_SC_BUMP_W, MPFR_RNDN);
    mpfr_sqr(fac, fac, MPFR_RNDN);
    mpfr_mul_d(fac, fac, -0.5, MPFR_RNDN);
    mpfr_exp(fac, fac, MPFR_RNDN);
    mpfr_mul_d(fac, fac, k->bump_a, MPFR_RNDN);
    mpfr_exp(fac, fac, MPFR_RNDN);
  } else {
    mpfr_set_d(fac, t, MPFR_RNDN);
    mpfr_mul_d(fac, fac, -0.01, MPFR_RNDN);
    mpfr_add_ui(fac, fac, 1, MPFR_RNDN);
  }
  double f, df;
  fm_sc_alpha_factor(&f, &df, k, t);
  /* alpha' fac + alpha fac' (fac' in double: only the value routes use it) */
  mpfr_mul(m->dalpha, m->dalpha, fac, MPFR_RNDN);
  mpfr_t tmp;
  mpfr_init2(tmp, k->prec);
  mpfr_mul_d(tmp, m->alpha, df, MPFR_RNDN);
  mpfr_add(m->dalpha, m->dalpha, tmp, MPFR_RNDN);
  mpfr_mul(m->alpha, m->alpha, fac, MPFR_RNDN);
  mpfr_clears(fac, tmp, (mpfr_ptr)0);
  return st;
}

double fm_sc_err_val(const fm_sched_val *v)
{
  return 4.0 * fm_sched_cond(v) * FM_SC_EPS * (fabs(v->alpha) + fabs(v->sigma));
}

double fm_sc_err_der(const fm_sched_val *v)
{
  return 4.0 * fm_sched_cond(v) * FM_SC_EPS * (fabs(v->dalpha) + fabs(v->dsigma));
}

void fm_sc_offer(fm_sc_work *w, int r, double value, double tol, double t)
{
  if (fm_worst_add(&w->w[r], value, tol, 0))
    snprintf(w->w[r].where, sizeof w->w[r].where, "t=%.10g", t);
}
