/* schedule_grid.c -- the grid routes of theorem `schedule`
 * (schedule_thm.c; error model e_v, e_d there), on t_i = i/N, N = 4096 x
 * multiplier:
 *  - positivity: the number of t < 1 with sigma <= 0 (and t = 1 with
 *    sigma < 0), and of interior t where a derivative is infinite
 *    (not differentiable) or the schedule fails to evaluate; tol 0.5 each.
 *  - SNR: the worst relative decrease (snr_{i-1} - snr_i) / max|snr| over
 *    consecutive nodes (sigma = 0 gives snr = +inf, the largest), against
 *    the rounding of the ratio: tol = 2 max over the two nodes of
 *    (e_v/|alpha| + e_v/|sigma| + eps).  The statistic is signed: a negative
 *    value says how strictly the worst step still increases.  With an MPFR
 *    twin, the same on the twin's values with tol 4 eps_mp, eps_mp =
 *    2^(20 - prec).
 *  - MPFR twin (built-ins): alpha, sigma, alpha', sigma' in double against
 *    fm_schedule_eval_mp at o->prec bits: values within 4 kappa eps (|alpha|
 *    + |sigma|), derivatives within 4 kappa eps (|alpha'| + |sigma'|) (twin
 *    sizes; + 2^-1074, a subnormal's resolution): the error model, with
 *    the twin's exact sizes; infinite derivatives (t = 0 or 1) compared only
 *    as infinities.
 * The finite-difference routes run at the interior nodes too
 * (schedule_deriv.c).
 */
#include "schedule_thm_impl.h"

#include <math.h>
#include <stdio.h>

static double fm_sc_snr(double a, double s)
{
  return s != 0.0 ? a / s : (a > 0.0 ? INFINITY : NAN);
}

/* Relative decrease from snr0 to snr1 (<= 0 when increasing). */
static double fm_sc_decrease(double snr0, double snr1)
{
  if (isinf(snr0) || isinf(snr1)) /* sigma = 0: +inf is the largest SNR */
    return snr0 == snr1 ? 0.0 : (snr1 > snr0 ? -1.0 : 1.0);
  double den = fmax(fabs(snr0), fabs(snr1));
  return den > 0.0 ? (snr0 - snr1) / den : 0.0;
}

/* Double vs twin at one node: max over the four values of err/tol. */
static void fm_sc_twin_node(fm_sc_work *w, const fm_sched_val *v, const fm_sched_mp *m,
                            double t)
{
  double kappa = fm_sched_cond(v);
  const double dv[4] = {v->alpha, v->sigma, v->dalpha, v->dsigma};
  mpfr_srcptr mv[4] = {m->alpha, m->sigma, m->dalpha, m->dsigma};
  double ref[4];
  for (int j = 0; j < 4; j++)
    ref[j] = mpfr_get_d(mv[j], MPFR_RNDN);
  /* values relative to |alpha| + |sigma|, derivatives to |alpha'| + |sigma'| */
  double sv = fabs(ref[0]) + fabs(ref[1]), sd = fabs(ref[2]) + fabs(ref[3]);
  for (int j = 0; j < 4; j++) {
    double e, tol, s = j < 2 ? sv : sd;
    if (isinf(ref[j]) || isinf(dv[j]) || isinf(s)) {
      e = isinf(ref[j]) || isinf(dv[j]) ? (ref[j] == dv[j] ? 0.0 : INFINITY) : 0.0;
      tol = s = 1.0;
    } else {
      e = fabs(dv[j] - ref[j]);
      tol = 4.0 * kappa * FM_SC_EPS * s + FM_SC_TINY;
      s = fmax(s, DBL_MIN);
    }
    fm_sc_offer(w, FM_SC_R_MP, e / s, tol / s, t);
  }
}

int fm_sc_grid_derivs(fm_sc_work *w, size_t n)
{
  fm_sched_mp m;
  fm_sched_mp_init(&m, w->k.prec);
  int st = FM_OK;
  for (size_t i = 1; i < n && st == FM_OK; i++) {
    double t = (double)i / (double)n;
    fm_sched_val v;
    if (fm_sc_eval(&v, &w->k, t) != FM_OK)
      continue; /* the grid route's business */
    if (w->has_twin) {
      int sm = fm_sc_eval_mp(&m, &w->k, t);
      if (sm != FM_OK && sm != FM_ESING) {
        st = sm;
        break;
      }
      fm_sc_twin_node(w, &v, &m, t);
    }
    st = fm_sc_fd_node(w, t);
  }
  fm_sched_mp_clear(&m);
  return st;
}

int fm_sc_grid(fm_sc_work *w)
{
  size_t N = w->N;
  double snr_prev = NAN, kap_prev = 0.0, snrm_prev = NAN;
  fm_sched_mp m;
  fm_sched_mp_init(&m, w->k.prec);
  mpfr_t q;
  mpfr_init2(q, w->k.prec);
  int st = FM_OK;
  for (size_t i = 0; i <= N && st == FM_OK; i++) {
    double t = (double)i / (double)N;
    fm_sched_val v;
    int se = fm_sc_eval(&v, &w->k, t);
    int interior = i > 0 && i < N;
    if ((se != FM_OK && se != FM_ESING) || (se == FM_ESING && interior)) {
      if (w->n_eval_bad++ == 0)
        snprintf(w->w[FM_SC_R_EVAL].where, sizeof w->w[FM_SC_R_EVAL].where,
                 "t=%.10g: %s", t, fm_strerror(se));
      if (se != FM_ESING)
        continue;
    }
    if ((i < N && !(v.sigma > 0.0)) || (i == N && v.sigma < 0.0)) {
      if (w->n_nonpos++ == 0)
        snprintf(w->w[FM_SC_R_POS].where, sizeof w->w[FM_SC_R_POS].where,
                 "t=%.10g: sigma=%.6g", t, v.sigma);
    }
    /* relative error of the ratio: the absolute value errors over each value */
    double ev = fm_sc_err_val(&v), snr = fm_sc_snr(v.alpha, v.sigma);
    double kap = (v.alpha != 0.0 ? ev / fabs(v.alpha) : 0.0) +
                 (v.sigma != 0.0 ? ev / fabs(v.sigma) : 0.0) + FM_SC_EPS;
    if (i > 0) {
      double dec = fm_sc_decrease(snr_prev, snr);
      double tol = 2.0 * fmax(kap, kap_prev);
      fm_sc_offer(w, FM_SC_R_SNR, dec, tol, t);
    }
    snr_prev = snr;
    kap_prev = kap;
    if (w->has_twin) {
      int sm = fm_sc_eval_mp(&m, &w->k, t);
      if (sm != FM_OK && sm != FM_ESING) {
        st = sm;
        break;
      }
      fm_sc_twin_node(w, &v, &m, t);
      double snrm;
      if (mpfr_zero_p(m.sigma))
        snrm = mpfr_sgn(m.alpha) > 0 ? INFINITY : NAN;
      else {
        mpfr_div(q, m.alpha, m.sigma, MPFR_RNDN);
        snrm = mpfr_get_d(q, MPFR_RNDN);
      }
      if (i > 0) {
        double dec = fm_sc_decrease(snrm_prev, snrm);
        fm_sc_offer(w, FM_SC_R_SNR_MP, dec, 4.0 * w->eps_mp, t);
      }
      snrm_prev = snrm;
    }
    if (interior && se == FM_OK)
      st = fm_sc_fd_node(w, t);
  }
  mpfr_clear(q);
  fm_sched_mp_clear(&m);
  return st;
}
