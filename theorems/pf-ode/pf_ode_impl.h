/* pf_ode_impl.h -- internal to theorem `pf-ode` (pf_ode.c): the workspace,
 * the candidate's coefficients, and the entry points of the route files:
 *   pf_ode.c            routes 1-3 at the points (u vs f x - g^2/2 score);
 *   pf_ode_coef.c       the coefficients every route shares: the candidate's
 *                       f, g^2, and fbar, gbar^2 computed without them;
 *   pf_ode_diffusion.c  route 4 (Song's VP-SDE on a grid) and route 5 (the
 *                       diffusion drift at the points);
 *   pf_ode_traj.c       route 6: FM ODE vs diffusion PF-ODE trajectories.
 * Internal: nothing outside the theorem includes it. */
#ifndef FM_PF_ODE_IMPL_H
#define FM_PF_ODE_IMPL_H

#include <float.h>
#include <stddef.h>

#include <mpfr.h>

#include "linalg.h"
#include "path_err.h"
#include "points.h"
#include "pointwise.h"
#include "worst.h"

#define FM_PF_EPS DBL_EPSILON
#define FM_PF_N 64 /* route 6: RK4 steps of the FM ODE (x 1, 2, 4) */
#define FM_PF_M 96 /* route 6: RK4 steps of the diffusion PF-ODE (x 1, 2, 4) */

enum { FM_PF_TRUE, FM_PF_G2_SIGN, FM_PF_NO_HALF, FM_PF_BACKWARDS };
enum {
  FM_PF_R_U, FM_PF_R_RHS, FM_PF_R_MP, FM_PF_R_VP, FM_PF_R_VP_MP, FM_PF_R_DRIFT, FM_PF_R_TRAJ,
  FM_PF_NR
};

typedef struct {
  fm_pointwise pw;     /* case, path, bounds, MPFR x and schedule (vm) */
  int mutant;
  double cs;           /* coefficient of the score term: 1/2, or 1 */
  double g2_factor;    /* the scan's 1 + e on the candidate's g^2, gbar^2 (else 1) */
  int vp;
  double bmin, bmax;
  double *score, *u, *rhs, *tmpd;   /* d each */
  mpfr_t *score_m, *u_m;            /* d each */
  mpfr_t f, g2, r, tmp;
  fm_sched_mp ve;                   /* the candidate's schedule values */
  fm_worst *w;                      /* the driver's worst point of each route */
  size_t skip_alpha0;
  double traj_eFM, traj_ePF, traj_rho;
  size_t traj_N, traj_M; /* route 6's coarsest steps, after refinement */
  int traj_table;        /* the schedule is a table (route 6 bounds as when rough) */
  double traj_rough; /* the schedule's t^n exponent at 0 when rough (route 6), else 0 */
  size_t ntraj;                     /* trajectories stacked in route 6 */
} fm_pf_work;

/* Reference diffusion-time coefficients at s, computed without f, g^2:
 * Song's beta (vp) or the definitions by finite differences; and their
 * error bounds. */
typedef struct {
  double fbar, gbar2, dfbar, dgbar2;
} fm_pf_dcoef;

/* --- pf_ode_coef.c --- */
/* fm_worst_add, returning whether the route's margin rose (routes not
 * located at a point write their where only then). */
int fm_pf_worst_rose(fm_worst *w, double value, double tol, size_t at);
/* Where the candidate evaluates the schedule for time t (or diffusion time
 * s): 1 - t when run backwards, else t. */
double fm_pf_cand_time(const fm_pf_work *w, double t);
/* FM time: f, g^2 of the candidate at t (values at 1 - t when run
 * backwards; g^2 negated for the sign mutant); *ve its schedule values. */
int fm_pf_coef(double *f, double *g2, fm_sched_val *ve, const fm_pf_work *w, double t);
/* The same in MPFR from MPFR schedule values ve: w->f, w->g2. */
void fm_pf_coef_mp(fm_pf_work *w, const fm_sched_mp *ve);

/* The candidate's diffusion coefficients at s. */
int fm_pf_dcoef_cand(fm_pf_dcoef *r, const fm_pf_work *w, double s);

/* --- pf_ode_diffusion.c --- */
/* Route 4 (vp only) on its grid of s. */
int fm_pf_route_vp(fm_pf_work *w);
/* Route 5 at point i (x, |x|_inf = xn, the double score and u in w, their
 * norms sn, U, and path_err's bounds b). */
int fm_pf_route_drift(fm_pf_work *w, double t, const double *x, double xn, double sn,
                      double U, const fm_path_errb *b, size_t i);

/* --- pf_ode_traj.c --- */
/* Route 6 from the first min(n, 4) points; fills w->traj_*. */
int fm_pf_route_traj(fm_pf_work *w, const fm_pointset *ps);
#endif
