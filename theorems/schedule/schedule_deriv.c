/* schedule_deriv.c -- the derivative routes of theorem `schedule`
 * (schedule_thm.c; error model e_v, e_d there):
 *  - finite differences: at interior nodes, Richardson central differences
 *    (fm_fdiff_central, 5 levels, on fm_fdiff_grid's exact steps, h0 <=
 *    fm_sched_fd_hmax: 2^-7, or 2^-17 for the C^2 splines of table
 *    schedules) of alpha and sigma against the closed-form/symbolic
 *    derivatives (and the user's claimed ones, expr only):
 *        tol = 2 err + 2 (e_v / h_fin + e_d)
 *    err is fm_fdiff's estimate (the difference of the last two
 *    extrapolations, itself a bound on the less accurate one; x2 for the
 *    pre-asymptotic range); a value's round-off e_v enters a difference
 *    quotient divided by the finest step and is amplified by the Richardson
 *    weights by < 2; the derivative's own rounding e_d.
 *  - user cond_field (expr): at seeded (t, x, x1) against (sigma'/sigma)(x -
 *    alpha x1) + alpha' x1.  With c = sigma'/sigma, r = |x| + |alpha x1|, T =
 *    |c| r + |alpha' x1|: tol = dc r + |c| e_v |x1| + e_d |x1| + 64 eps T,
 *    dc = (e_d + |c| e_v)/|sigma| (the schedule errors through each term;
 *    64 eps T for the two evaluations' own operations, <= 16 nodes each at
 *    <= 2 eps).  And against the path: d/dt psi_t(x0) (Richardson, as above)
 *    = cond_field(t, psi_t(x0), x1) with tol 2 err + 2 delta / h_fin + the
 *    formula tol, delta = e_v (|x0| + |x1|) + 2 eps (|sigma x0| + |alpha x1|)
 *    the round-off of one psi value.
 */
#include "schedule_thm_impl.h"

#include <math.h>

#include "fdiff.h"
#include "rng.h"
#include "sched_fd.h"

#define FM_SC_FD_LEVELS 5
#define FM_SC_RNG_TAG 0x5343u /* "SC" */

/* Bound on |field - formula| for u = c (x - alpha x1) + alpha' x1, c =
 * sigma'/sigma, evaluated twice in double (the user's expression and the
 * formula): the schedule errors through each term, plus 64 eps of the term
 * sizes for the two evaluations' own operations. *T = the term sizes. */
static double fm_sc_uf_tol(double *T, const fm_sched_val *v, double x, double x1)
{
  double ev = fm_sc_err_val(v), ed = fm_sc_err_der(v), c = v->dsigma / v->sigma;
  double r = fabs(x) + fabs(v->alpha * x1);
  *T = fabs(c) * r + fabs(v->dalpha * x1);
  double dc = (ed + fabs(c) * ev) / fabs(v->sigma);
  return dc * r + fabs(c) * ev * fabs(x1) + ed * fabs(x1) + 64.0 * FM_SC_EPS * *T +
         FM_SC_TINY;
}

static int fm_sc_fd_fn(double *y, double t, void *ctx)
{
  const fm_sc_cand *k = ctx;
  fm_sched_val v;
  int st = fm_sc_eval(&v, k, t);
  if (st != FM_OK && st != FM_ESING)
    return st;
  y[0] = v.alpha;
  y[1] = v.sigma;
  return FM_OK;
}

/* max over (alpha, sigma) of |d_j - D_j| / tol_j; *val and *tol at that j. */
static double fm_sc_fd_margin(double *val, double *tol, const double *d, const double *D,
                              const double *err, const fm_sched_val *v, double h)
{
  double m = -INFINITY, ev = fm_sc_err_val(v), ed = fm_sc_err_der(v);
  for (int j = 0; j < 2; j++) {
    double tj = 2.0 * err[j] + 2.0 * (ev / h + ed);
    double e = fabs(d[j] - D[j]), mj = isnan(e) ? INFINITY : e / tj;
    if (mj > m) {
      m = mj;
      *val = e;
      *tol = tj;
    }
  }
  return m;
}

int fm_sc_fd_node(fm_sc_work *w, double t)
{
  double tc, h0;
  if (fm_fdiff_grid(&tc, &h0, t, fm_sched_fd_hmax(w->c->sched)) != FM_OK)
    return FM_OK; /* within 2^-30 of an end: no room for a central difference */
  double D[2], err[2];
  fm_fdiff_info info;
  int st = fm_fdiff_central(D, err, &info, fm_sc_fd_fn, &w->k, 2, tc, h0, FM_SC_FD_LEVELS);
  if (st != FM_OK)
    return st;
  fm_sched_val v;
  st = fm_sc_eval(&v, &w->k, tc);
  if (st != FM_OK)
    return st == FM_ESING ? FM_OK : st; /* counted by the grid route */
  double d[2] = {v.dalpha, v.dsigma};
  double scale = fmax(fabs(v.dalpha) + fabs(v.dsigma), DBL_MIN), val, tol;
  fm_sc_fd_margin(&val, &tol, d, D, err, &v, info.h_used);
  fm_sc_offer(w, FM_SC_R_FD, val / scale, tol / scale, tc);
  if (w->has_claim) {
    st = fm_sc_claimed(&d[0], &d[1], &w->k, tc);
    if (st != FM_OK)
      return st;
    fm_sc_fd_margin(&val, &tol, d, D, err, &v, info.h_used);
    fm_sc_offer(w, FM_SC_R_CLAIM, val / scale, tol / scale, tc);
  }
  return FM_OK;
}

static int fm_sc_uf_point(fm_sc_work *w, double t, double x0, double x1, double xoff)
{
  fm_sched_val v;
  int st = fm_sc_eval(&v, &w->k, t);
  if (st != FM_OK)
    return st;
  /* against the formula, off the path */
  double u, T;
  st = fm_schedule_user_cond_field(&u, w->c->sched, t, xoff, x1);
  if (st != FM_OK)
    return st;
  double uf = v.dsigma / v.sigma * (xoff - v.alpha * x1) + v.dalpha * x1;
  double tol = fm_sc_uf_tol(&T, &v, xoff, x1), sc = fmax(T, DBL_MIN);
  fm_sc_offer(w, FM_SC_R_UF, fabs(u - uf) / sc, tol / sc, t);
  /* against the path: d/dt psi_t(x0) = cond_field(t, psi_t(x0), x1) */
  double tc, h0;
  if (fm_fdiff_grid(&tc, &h0, t, fm_sched_fd_hmax(w->c->sched)) != FM_OK)
    return FM_OK;
  st = fm_sc_eval(&v, &w->k, tc);
  if (st != FM_OK)
    return st;
  double D[2], err[2];
  fm_fdiff_info info;
  st = fm_fdiff_central(D, err, &info, fm_sc_fd_fn, &w->k, 2, tc, h0, FM_SC_FD_LEVELS);
  if (st != FM_OK)
    return st;
  double x = v.sigma * x0 + v.alpha * x1;
  st = fm_schedule_user_cond_field(&u, w->c->sched, tc, x, x1);
  if (st != FM_OK)
    return st;
  double dpsi = D[1] * x0 + D[0] * x1, e_fd = err[1] * fabs(x0) + err[0] * fabs(x1);
  double delta = fm_sc_err_val(&v) * (fabs(x0) + fabs(x1)) +
                 2.0 * FM_SC_EPS * (fabs(v.sigma * x0) + fabs(v.alpha * x1));
  tol = 2.0 * e_fd + 2.0 * delta / info.h_used + fm_sc_uf_tol(&T, &v, x, x1);
  sc = fmax(fabs(dpsi), fmax(T, DBL_MIN));
  fm_sc_offer(w, FM_SC_R_UF_PATH, fabs(u - dpsi) / sc, tol / sc, tc);
  return FM_OK;
}

/* Seeded points: t near either end for 1 in 4, else uniform; x0, x1 ~ N(0,
 * 2.385^2) (high-entropy scale), x off the path by another such normal. */
int fm_sc_uf(fm_sc_work *w, uint64_t seed, size_t n)
{
  fm_rng ru = fm_rng_make(seed, FM_RNG_STREAM(FM_SC_RNG_TAG, 0));
  fm_rng rn = fm_rng_make(seed, FM_RNG_STREAM(FM_SC_RNG_TAG, 1));
  int st = FM_OK;
  for (size_t i = 0; i < n && st == FM_OK; i++) {
    double u = fm_rng_uniform(&ru, i), z[3];
    double t = i % 4 == 0 ? 1e-6 * (1.0 + u) : (i % 4 == 1 ? 1.0 - 1e-6 * (1.0 + u) : u);
    fm_rng_normals(z, 3, &rn, 3 * (uint64_t)i);
    st = fm_sc_uf_point(w, t, 2.385 * z[0], 2.385 * z[1], 2.385 * z[2]);
  }
  return st;
}
