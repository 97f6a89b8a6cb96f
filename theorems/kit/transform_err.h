/* transform_err.h -- the first-order rounding model of the scale-time
 * change (cases/transform.h) at one point, shared by theorem
 * `schedule-transform` and item 4 of `validate-schedule`, which bound the
 * same computation (the library's fm_transform_combine and
 * fm_transform_field) from opposite directions.
 *
 * fm_transform_combine forms t_r' = L_B'/L_A' and s_r'/s_r = g_B - t_r' g_A
 * (g the log-derivative of the ratio s_r uses, alpha or sigma).  Each
 * L' = alpha'/alpha - sigma'/sigma cancels by kL = (|alpha'/alpha| +
 * |sigma'/sigma|)/|L'|, so with eps = DBL_EPSILON
 *   t_r'     is within dt_rel = (2 (kL_A + kL_B) + 1) eps relative,
 *   s_r'/s_r is within ddlogs = 2 eps (|g_B| + |t' g_A|) + |t' g_A| dt_rel.
 * The field rounds y = x/s_r: eps |y_j| per component, carried through the
 * column sensitivities of u_A, measured by forward differences of step
 * 2^-20 |y_j| (fm_fdiff_step).
 */
#ifndef FM_TRANSFORM_ERR_H
#define FM_TRANSFORM_ERR_H

#include <stddef.h>

#include "gmm.h"
#include "transform.h"

/* Relative step of the forward differences that measure sensitivities:
 * truncation a relative 2^-20, round-off eps 2^20 relative to the step. */
#define FM_TRANSFORM_ERR_PROBE 0x1p-20

typedef struct {
  double kLA, kLB;  /* cancellation in L_A'(t_r), L_B'(r) */
  double gA, gB;    /* log-derivatives of the ratio s_r uses, at t_r and r */
  double dt_rel;    /* relative rounding bound of t_r' */
  double ddlogs;    /* absolute rounding bound of s_r'/s_r */
} fm_transform_err;

/* The model above for tv (from fm_transform_eval or _combine) with A's
 * values vA at t_r and B's vB at r. */
void fm_transform_err_combine(fm_transform_err *e, const fm_transform_val *tv,
                              const fm_sched_val *vA, const fm_sched_val *vB);

/* *acc += |s_r t_r'| |du_A/dy_j| eps |y_j| for each component j with
 * y_j != 0, in order: the rounding of y = x/s_r.  pA is u_A's path, already
 * set at t_r; uA = u_A(y); ys, du: d doubles of scratch.  Returns
 * fm_gmm_path_eval's status (the first failure ends the sum). */
int fm_transform_err_rescale(double *acc, fm_gmm_path *pA, const double *y,
                             const double *uA, double sdt, size_t d, double *ys, double *du);

#endif
