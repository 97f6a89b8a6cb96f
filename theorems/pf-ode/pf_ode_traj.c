/* pf_ode_traj.c -- route 6 of theorem `pf-ode` (pf_ode.c): integrated
 * trajectories.  From x(t_a) = alpha x1 + sigma x0 (the first min(n, 4)
 * points' x0, x1), t_a = 1e-3: the FM ODE dx/dt = u_t(x) to t_b = 1 - 1e-3
 * with RK4 in N, 2N and 4N steps (N = 64), and the diffusion PF-ODE dx/ds =
 * fbar x - gbar^2/2 score_{1-s}(x) backward from s = 1 - t_a to 1 - t_b in
 * M, 2M, 4M steps (M = 96: a different grid, so the two truncation errors
 * are independent), with fbar, gbar^2 from Song (vp) or -f_{1-s},
 * -g^2_{1-s}.  Richardson with the observed ratio rho = |x_N - x_2N| /
 * |x_2N - x_4N| (16 in RK4's asymptotic range): the error of the 4N
 * solution is |x_2N - x_4N| / (max(rho, 2) - 1) -- halving the step once
 * more than the textbook estimate, because schedules with a singular
 * derivative at t = 0 (polynomial n < 1: alpha' ~ t^(n-1)) keep RK4 out of
 * its asymptotic range at t_a, where a ratio assumed to be 16 would
 * understate the error.  (The trajectories are integrated as one stacked
 * system, so each stage factorises C_k(t) once for all.)
 * A schedule going like t^n at t = 0 with n not an integer and n <= 4.3
 * (sched_rough.h) leaves RK4 short of order 4 uniformly: its error is ~h^n
 * near t_a, the observed ratio mixes regimes and is not the ratio of the
 * next doubling (seen: polynomial n = 2.59, ratio 13.9, endpoints 2x beyond
 * the estimate).  There the estimate assumes only what n > 1 gives, a ratio
 * >= 2: the error of the 4N solution is at most |x_2N - x_4N| (noted).
 * Endpoints must agree to
 *   tol = 2 (e_FM + e_PF) + 64 eps (N + M) max(1, |x|_inf),
 * e the largest estimate over the trajectories (fm_pf_route_traj says why)
 * (factor 2 for the remaining pre-asymptotic slack; the last term bounds
 * round-off accumulated over the 4(N + M) finest steps, a few eps |x| each).
 */
#include "pf_ode_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ode.h"
#include "sched_rough.h"

#define FM_PF_TA 1e-3
#define FM_PF_NTRAJ 4
#define FM_PF_ROUGH_SLACK 0.3 /* n <= 4.3: RK4 not uniformly of order 4 */
#define FM_PF_REFINE 1        /* refinements (x4 steps) at most */

/* The trajectories are integrated as one stacked system of w->ntraj blocks
 * of d: the path factorisation depends on t only, so each RK stage
 * factorises C_k(t) once for all of them. */
static int fm_pf_rhs_fm(double *dx, double t, const double *x, void *ctx)
{
  fm_pf_work *w = ctx;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, w->pw.c->sched, t);
  st = st ? st : fm_gmm_path_set(w->pw.path, &v);
  for (size_t i = 0; i < w->ntraj && st == FM_OK; i++)
    st = fm_gmm_path_eval(NULL, NULL, NULL, dx + i * w->pw.d, w->pw.path, x + i * w->pw.d);
  return st;
}

static int fm_pf_rhs_pf(double *dx, double s, const double *x, void *ctx)
{
  fm_pf_work *w = ctx;
  double fbar, gbar2;
  if (w->vp) {
    fm_pf_dcoef r;
    int st = fm_pf_dcoef_cand(&r, w, s);
    if (st != FM_OK)
      return st;
    fbar = r.fbar;
    gbar2 = r.gbar2;
  } else {
    double f, g2;
    fm_sched_val ve;
    int st = fm_pf_coef(&f, &g2, &ve, w, 1.0 - s);
    if (st != FM_OK)
      return st;
    fbar = -f;
    gbar2 = -g2;
  }
  fm_sched_val v;
  int st = fm_schedule_eval(&v, w->pw.c->sched, 1.0 - s);
  st = st ? st : fm_gmm_path_set(w->pw.path, &v);
  for (size_t i = 0; i < w->ntraj && st == FM_OK; i++) {
    const double *xi = x + i * w->pw.d;
    st = fm_gmm_path_eval(NULL, w->score, NULL, NULL, w->pw.path, xi);
    for (size_t j = 0; j < w->pw.d && st == FM_OK; j++)
      dx[i * w->pw.d + j] = fbar * xi[j] - w->cs * gbar2 * w->score[j];
  }
  return st;
}

/* The stacked solution at b with steps*2^j (j = 0, 1, 2) into x[j*n ..],
 * n = ntraj d, and per trajectory i the Richardson estimate err[i] of the
 * finest one's error with the observed ratio rho[i] = |x_0 - x_1| /
 * |x_1 - x_2| (16 for RK4 in its asymptotic range): |x_1 - x_2| /
 * (max(rho, 2) - 1) -- at worst (rho <= 2, far from asymptotic) the last
 * difference itself.  A state that stops being finite (a mutant can blow
 * up) is reported as infinite, not as an error. */
static int fm_pf_integrate(double *x, double *err, double *rho, fm_ode_fn f, fm_pf_work *w,
                           const double *x0, double a, double b, size_t steps, int rough)
{
  size_t d = w->pw.d, n = w->ntraj * d;
  int st = FM_OK;
  for (int j = 0; j < 3 && st == FM_OK; j++) {
    memcpy(x + j * n, x0, n * sizeof *x);
    st = fm_ode_integrate(x + j * n, &fm_ode_rk4, f, w, n, a, b, steps << j);
  }
  if (st == FM_ENONFIN) {
    for (size_t j = 0; j < 3 * n; j++)
      x[j] = INFINITY;
    for (size_t i = 0; i < w->ntraj; i++)
      err[i] = rho[i] = INFINITY;
    return FM_OK;
  }
  for (size_t i = 0; i < w->ntraj && st == FM_OK; i++) {
    double d01 = 0.0, d12 = 0.0;
    for (size_t j = i * d; j < (i + 1) * d; j++) {
      d01 = fmax(d01, fabs(x[j] - x[n + j]));
      d12 = fmax(d12, fabs(x[n + j] - x[2 * n + j]));
    }
    rho[i] = d12 > 0.0 ? d01 / d12 : INFINITY;
    err[i] = rough ? d12 : d12 / (fmax(rho[i], 2.0) - 1.0);
  }
  return st;
}

/* fm_pf_integrate, refined while not in RK4's asymptotic range: a
 * trajectory whose observed ratio is not within sqrt(2) of 16 has steps
 * too coarse for its field -- thin components make it stiff near t = 1 --
 * and Richardson's geometric extrapolation from such a ratio is no bound
 * (seen: cosine path, components of variance 2.4e-5, ratio 2.97, endpoints
 * 1.8x their tolerance; a VP case, ratio ~10, its FM estimate 6x short once
 * the PF side was accurate); the steps then grow 4x, once (a second refinement cost 16x more
 * for little), and a
 * trajectory still outside gets the bound that assumes a ratio >= 2 only,
 * |x_2N - x_4N|.  A rough schedule is not refined: its bound is that one
 * already.  *steps: in, the coarsest; out, the one used. */
/* RK4's asymptotic ratio is 16: Richardson's estimate is trusted only when
 * every trajectory's observed ratio is within a factor sqrt(2) of it. */
static int fm_pf_asymptotic(double rho)
{
  return fabs(log2(rho) - 4.0) <= 0.5;
}

static int fm_pf_refined(double *x, double *err, double *rho, fm_ode_fn f, fm_pf_work *w,
                         const double *x0, double a, double b, size_t *steps, int rough)
{
  int st = fm_pf_integrate(x, err, rho, f, w, x0, a, b, *steps, rough);
  for (int k = 0; k < FM_PF_REFINE && st == FM_OK && !rough; k++) {
    int all = 1;
    for (size_t i = 0; i < w->ntraj; i++)
      all &= fm_pf_asymptotic(rho[i]);
    if (all || isinf(err[0]))
      break;
    *steps *= 4;
    st = fm_pf_integrate(x, err, rho, f, w, x0, a, b, *steps, rough);
  }
  /* still outside: the bound that assumes a ratio >= 2 only, |x_2N - x_4N| */
  for (size_t i = 0; i < w->ntraj && st == FM_OK && !rough; i++)
    if (!fm_pf_asymptotic(rho[i]) && isfinite(err[i]))
      err[i] *= fmax(rho[i], 2.0) - 1.0;
  return st;
}

/* Endpoint comparison of trajectory i (finest solutions a, b). */
static void fm_pf_traj_compare(fm_pf_work *w, const fm_pointset *ps, size_t i,
                               const double *a, const double *b, double eFM, double ePF)
{
  size_t d = w->pw.d;
  double diff = 0.0, xn = 1.0;
  for (size_t j = 0; j < d; j++) {
    diff = fmax(diff, fabs(a[j] - b[j]));
    xn = fmax(xn, fabs(a[j]));
  }
  double tol = 16.0 * FM_PF_EPS * 4.0 * (FM_PF_N + FM_PF_M) * xn;
  if (!isfinite(diff) || !isfinite(xn)) {
    /* a trajectory left the finite numbers: no estimate can excuse that
     * (and inf/inf must not become a NaN margin that passes) */
    diff = INFINITY;
    tol = 1.0;
  } else {
    tol += 2.0 * (eFM + ePF);
  }
  fm_worst *wt = &w->w[FM_PF_R_TRAJ];
  if (fm_pf_worst_rose(wt, diff, tol, i))
    snprintf(wt->where, sizeof wt->where, "trajectory %zu from t=%g, x0[0]=%.6g, x1[0]=%.6g",
             i, FM_PF_TA, ps->x0[i * d], ps->x1[i * d]);
}

int fm_pf_route_traj(fm_pf_work *w, const fm_pointset *ps)
{
  size_t d = w->pw.d, nt = ps->n < FM_PF_NTRAJ ? ps->n : FM_PF_NTRAJ, n = nt * d;
  double ta = FM_PF_TA, tb = 1.0 - FM_PF_TA;
  double *buf = malloc((7 * n + 4 * nt) * sizeof *buf);
  if (buf == NULL)
    return FM_ENOMEM;
  double *xs = buf, *a = buf + n, *b = buf + 4 * n, *eFM = buf + 7 * n, *ePF = eFM + nt;
  double *rFM = ePF + nt, *rPF = rFM + nt;
  w->ntraj = nt;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, w->pw.c->sched, ta);
  for (size_t j = 0; j < n && st == FM_OK; j++)
    xs[j] = v.alpha * ps->x1[j] + v.sigma * ps->x0[j];
  double rn = fm_sched_rough_exponent(w->pw.c->sched);
  /* a table is a cubic spline, C^2 in t: RK4 is not of order 4 on its field
   * either (solver-order says so too), and refining does not make it so */
  w->traj_table = strcmp(fm_schedule_type_name(w->pw.c->sched), "table") == 0;
  int rough = !(rn > 4.0 + FM_PF_ROUGH_SLACK) || w->traj_table;
  if (rough && !w->traj_table)
    w->traj_rough = rn;
  w->traj_N = FM_PF_N, w->traj_M = FM_PF_M;
  if (st == FM_OK)
    st = fm_pf_refined(a, eFM, rFM, fm_pf_rhs_fm, w, xs, ta, tb, &w->traj_N, rough);
  if (st == FM_OK)
    st = fm_pf_refined(b, ePF, rPF, fm_pf_rhs_pf, w, xs, 1.0 - ta, 1.0 - tb, &w->traj_M,
                       rough);
  /* one estimate for all trajectories, the largest: a trajectory's
   * endpoint differences can be small by accident (its error changing sign
   * between levels while still pre-asymptotic: seen 40x under its own
   * estimate), and the trajectories see the same field */
  for (size_t i = 0; i < nt && st == FM_OK; i++) {
    w->traj_eFM = fmax(w->traj_eFM, eFM[i]);
    w->traj_ePF = fmax(w->traj_ePF, ePF[i]);
    w->traj_rho = fmin(w->traj_rho, fmin(rFM[i], rPF[i]));
  }
  for (size_t i = 0; i < nt && st == FM_OK; i++)
    fm_pf_traj_compare(w, ps, i, a + 2 * n + i * d, b + 2 * n + i * d, w->traj_eFM,
                       w->traj_ePF);
  free(buf);
  return st;
}
