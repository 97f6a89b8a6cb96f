/* schedule_thm_impl.h -- internal to theorem `schedule` (schedule_thm.c):
 * the candidate schedule, the workspace, the error model of one double
 * evaluation, and the entry points of the route files:
 *   schedule_boundary.c  the ends t = 0 and t = 1 (thresholds, KL cost);
 *   schedule_grid.c      the grid: evaluability, positivity, SNR monotonicity
 *                        (double and MPFR twin), double vs MPFR twin;
 *   schedule_deriv.c     derivatives vs finite differences (closed form and
 *                        claims), the user's cond_field.
 * Internal: nothing outside the theorem includes it. */
#ifndef FM_SCHEDULE_THM_IMPL_H
#define FM_SCHEDULE_THM_IMPL_H

#include <float.h>
#include <stddef.h>
#include <stdint.h>

#include <mpfr.h>

#include "points.h"
#include "worst.h"

#define FM_SC_EPS DBL_EPSILON
#define FM_SC_TINY 0x1p-1074
#define FM_SC_BUMP_W 0.02 /* width of mutant 2's bump in alpha */

enum { FM_SC_TRUE, FM_SC_DSIGMA, FM_SC_BUMP, FM_SC_ALPHA1, FM_SC_DALPHA };
enum {
  FM_SC_R_EVAL, FM_SC_R_POS, FM_SC_R_SNR, FM_SC_R_SNR_MP, FM_SC_R_MP, FM_SC_R_FD,
  FM_SC_R_CLAIM, FM_SC_R_UF, FM_SC_R_UF_PATH, FM_SC_NR
};

/* The candidate schedule: the case's, wrapped by a mutant. */
typedef struct {
  const fm_schedule *s;
  int mutant;
  double bump_a;   /* bump amplitude (mutant 2) */
  mpfr_prec_t prec;
  double dsigma_factor; /* the perturbation scan's 1 + e on the reported
                           sigma' (closed form and claim; else 1) */
} fm_sc_cand;

typedef struct {
  const fm_case *c;
  fm_sc_cand k;
  size_t N;
  int has_twin, has_claim, has_uf;
  fm_worst w[FM_SC_NR];
  size_t n_eval_bad, n_nonpos;
  double eps_mp;
} fm_sc_work;

/* --- schedule_cand.c --- */
/* Candidate values and reported derivatives; on FM_ESING the values are
 * still returned (the infinite derivative as stored by the schedule). */
int fm_sc_eval(fm_sched_val *v, const fm_sc_cand *k, double t);
/* The user's claimed derivatives for the candidate (FM_ENOTAVAIL if none). */
int fm_sc_claimed(double *da, double *ds, const fm_sc_cand *k, double t);
/* The MPFR twin with the value mutations (not the derivative ones: the
 * twin is the truth the double code is checked against). */
int fm_sc_eval_mp(fm_sched_mp *m, const fm_sc_cand *k, double t);
/* Absolute error of alpha or sigma: 4 kappa eps (|alpha| + |sigma|). */
double fm_sc_err_val(const fm_sched_val *v);
/* Absolute error of alpha' or sigma': 4 kappa eps (|alpha'| + |sigma'|). */
double fm_sc_err_der(const fm_sched_val *v);
/* Offers (value, tol) at time t to route r. */
void fm_sc_offer(fm_sc_work *w, int r, double value, double tol, double t);

/* --- schedule_boundary.c --- */
int fm_sc_boundary(fm_verdict *vd, fm_sc_work *w);

/* --- schedule_grid.c --- */
/* Every grid route on t_i = i/N, and schedule_deriv.c's finite differences
 * at the interior nodes. */
int fm_sc_grid(fm_sc_work *w);
/* The derivative routes only (double vs twin, closed form and claim vs FD)
 * at the n - 1 interior nodes i/n: the perturbation scan's reduced rerun. */
int fm_sc_grid_derivs(fm_sc_work *w, size_t n);

/* --- schedule_deriv.c --- */
/* Finite differences at interior node t: closed form and claims. */
int fm_sc_fd_node(fm_sc_work *w, double t);
/* The user's cond_field at n seeded points. */
int fm_sc_uf(fm_sc_work *w, uint64_t seed, size_t n);

#endif
