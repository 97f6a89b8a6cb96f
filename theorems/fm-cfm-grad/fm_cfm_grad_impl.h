/* fm_cfm_grad_impl.h -- internal to theorem `fm-cfm-grad` (fm_cfm_grad.c):
 * the constants the linear-feature routes share, the workspace, route 1's
 * results, and the entry points of the files:
 *   fm_cfm_grad_work.c  the workspace: buffers, random Theta, schedule values
 *                       and FM target with the mutants applied;
 *   fm_cfm_grad_quad.c  route 1: quadrature moments and their statistics;
 *   fm_cfm_grad_mc.c    route 2: Monte Carlo with common random numbers;
 *   fm_cfm_grad.c       the statement, the mutants and the verdict.
 * (Route 3, the MLP, is fm_cfm_grad_mlp.c with its own header.)
 * Internal: nothing outside the theorem includes it. */
#ifndef FM_FM_CFM_GRAD_IMPL_H
#define FM_FM_CFM_GRAD_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "fm_cfm_grad.h"
#include "gpost.h"
#include "linfeat.h"
#include "quad.h"
#include "rng.h"

#define FM_FG_TMIN 1e-3
#define FM_FG_TMAX (1.0 - 1e-3)
#define FM_FG_NTHETA 3
#define FM_FG_GROUP 16
#define FM_FG_QUAD_MAXD 3
#define FM_FG_RNG_TAG 0x4647u /* "FG" */
#define FM_FG_SIGMA_EPS 1e-2 /* mutant 1's relative sigma' error (x 1.01) */

/* Streams of FM_FG_RNG_TAG under the check seed. */
enum { FM_FG_S_THETA = 0, FM_FG_S_T = 1, FM_FG_S_X0 = 2, FM_FG_S_X1 = 3 };

/* --- fm_cfm_grad_work.c --- */

typedef struct {
  const fm_case *c;
  int mutant;
  size_t d, p, K, ms, dp;    /* ms = moment vector size p^2 + dp + 1 */
  fm_gmm_path *path;
  fm_gpost *post;
  double *buf;
  double *phi, *phic, *u, *uc, *x, *xc, *x1, *mu, *L, *I2, *val, *err, *Theta;
  fm_sched_val v, vc;       /* true and CFM-candidate schedule values at t */
  double t;
  size_t k;                 /* current component */
  fm_quad_rule *gh3;
  double neval;
} fm_fg_work;

int fm_fg_work_alloc(fm_fg_work *w, const fm_case *c, int mutant);
void fm_fg_work_free(fm_fg_work *w);
/* Size of route 1's t-integrand output (see fm_fg_t_node). */
size_t fm_fg_nt_out(const fm_fg_work *w);
/* The three random Theta of seed. */
void fm_fg_theta(fm_fg_work *w, uint64_t seed);
/* Schedule values at t: true, and the CFM candidate's (sigma' x 1.01). */
int fm_fg_set_time(fm_fg_work *w, double t);
/* FM target at x (true path set at t): u, or the prior-weighted field. */
int fm_fg_fm_target(double *u, fm_fg_work *w, const double *x);

/* --- fm_cfm_grad_quad.c --- */

/* Route 1's integrals and their error estimates. */
typedef struct {
  fm_linfeat_mom F, C, eF, eC;   /* moments and error estimates */
  double Cgap, eCgap;            /* C and its error */
  double *Bd, c1, c2;            /* sigma'-direction (dp), du.u_c, |du|^2 */
  double neval;
} fm_fg_quad;

/* Route 1 statistics at sigma' error eps_s of the CFM target (0: as run),
 * using the quadratic dependence of the CFM moments on it. */
typedef struct {
  double grad, gap;        /* max |diff|/tol */
  size_t grad_at, gap_at;  /* gradient component (theta*dp + i*p + a), theta */
  double acc;              /* achieved accuracy: max tol/T */
  double lgap[FM_FG_NTHETA];
  /* mutant 1's predicted effect (sigma' error FM_FG_SIGMA_EPS, from the
   * sigma'-direction moments): on the loss gap at each Theta (the gradient's
   * is 2 eps Bd), and its largest ratio to route 1's tolerance */
  double eff_gap[FM_FG_NTHETA];
  double pgrad, pgap;
} fm_fg_qstat;

int fm_fg_quad_run(fm_fg_quad *q, fm_fg_work *w);
void fm_fg_quad_free(fm_fg_quad *q);
void fm_fg_qstat_all(fm_fg_qstat *s, const fm_fg_work *w, const fm_fg_quad *q, double es);

/* Mutant 1's effect in closed form (any d; see the function): eff[0..dp)
 * on the gradient at Theta_1's tests, eff[dp..dp+3) on the three gaps. */
int fm_fg_eff_closed(double *eff, const fm_fg_work *w);

/* --- fm_cfm_grad_mc.c --- */

/* The MC route on an allocated workspace (Theta already drawn). */
int fm_fg_mc_work(fm_fg_mc_result *r, fm_fg_work *w, uint64_t seed, size_t n, double alpha);
/* The same, also giving the largest |eff_i|/se_i over the gradient family
 * (*pz_grad) and the gap family (*pz_gap) of a predicted effect eff (dp + 3
 * values in the order of the tests), when eff is not NULL. */
int fm_fg_mc_work_pow(fm_fg_mc_result *r, fm_fg_work *w, uint64_t seed, size_t n, double alpha,
                      const double *eff, double *pz_grad, double *pz_gap);

#endif
