/* transform.h -- the scale-time change between two Gaussian-path schedules
 * (theorems/README.md, theorem `schedule-transform`).
 *
 * Two schedules with the same signal-to-noise ratio at matched times describe
 * the same path up to a scale: if snr_A(t_r) = snr_B(r) then
 * alpha_B(r) = s_r alpha_A(t_r) and sigma_B(r) = s_r sigma_A(t_r) with
 *     t_r = snr_A^{-1}(snr_B(r)),   s_r = sigma_B(r)/sigma_A(t_r),
 * so X^B_r = s_r X^A_{t_r} and a velocity field u_A for schedule A (a trained
 * model, or the analytic field) gives B's field
 *     u_B(r, x) = (s_r'/s_r) x + s_r t_r' u_A(t_r, x/s_r).
 * This is how a model trained under one schedule (CondOT, say) is sampled
 * under another, and how `validate-schedule` compares a new schedule with
 * CondOT without training twice.
 *
 * Derivatives (L = log snr = log alpha - log sigma, ' = d/dr or d/dt):
 *     t_r' = L_B'(r) / L_A'(t_r),
 *     s_r'/s_r = f_B'(r)/f_B(r) - t_r' f_A'(t_r)/f_A(t_r)   for f = sigma or alpha,
 * (differentiate log s_r = log f_B(r) - log f_A(t_r); with equal SNRs, the
 * alpha and the sigma ratio are the same s_r).  fm_transform uses the ratio
 * whose log-derivative |f_A'/f_A| at t_r is smaller: an error dt in t_r then
 * moves s_r the least (alpha near t = 1, where 1/sigma_A blows up; sigma near
 * t = 0).
 *
 * Inversion of the SNR.  L_A is strictly increasing for an admissible
 * schedule (cases/README.md).  t_r solves L_A(t) = L_B(r) with GSL's Brent solver
 * (gsl_root_fsolver_brent) on a bracket [lo, hi] where L_A - L_B(r) has
 * finite values of opposite signs: one end is 1/2, the other the first of
 * 2^-2, 2^-4, ..., 2^-1024, 0 (or 1 - 2^-2, ..., 1 - 2^-32, 1 - 2^-53, 1)
 * across the root -- at most 11 evaluations, even for a root at 1e-300; the
 * candidate before it is the bracket's other end.  When the search reaches
 * t = 0 or 1 itself (the root lies beyond 2^-1024 or 1 - 2^-53, where the
 * end's residual is infinite: an expression schedule whose sigma_1 rounds to
 * 6e-17, not 0, mapped to CondOT), the infinite end is bisected away until
 * both residuals are finite or the ends are adjacent doubles -- GSL's Brent
 * refuses non-finite function values.
 * Brent stops when hi - lo <= 4 DBL_EPSILON min(|lo|, |hi|)
 * (gsl_root_test_interval), i.e. t_r is found to a few ulps -- relative to
 * t_r, so small t_r near the noise end are resolved as well as doubles allow
 * -- or when L_A(t) = L_B(r) exactly; of the bracket's ends and Brent's last
 * iterate, the one with the smallest residual is returned.  Near t = 1 the
 * bracket closes on two adjacent doubles (Brent's minimal step is one ulp).
 * The final bracket width is returned
 * (t_width); the root itself is further uncertain by the evaluation error of
 * L divided by L_A'(t_r) (the caller's schedule-accuracy model decides that).
 *
 * Range.  r must lie where snr_B(r) is strictly inside the range of snr_A on
 * [0, 1]; at a schedule's ends SNR -> 0 (alpha = 0) or infinity (sigma = 0)
 * and t_r' is a ratio of infinite log-derivatives, so those ends are
 * excluded.  fm_transform_range gives the closed interval [r_lo, r_hi]
 * (snr_B(r_lo) = snr_A(0) and snr_B(r_hi) = snr_A(1), or 0 and 1 where both
 * schedules share the end); fm_transform_eval returns FM_EDOM outside its
 * interior.
 */
#ifndef FM_TRANSFORM_H
#define FM_TRANSFORM_H

#include <stddef.h>

#include "fm_status.h"
#include "schedule.h"

/* A velocity field v(t, x) for n rows x (n x d, row-major) at one time --
 * the shape of fm_field_eval_fn (field.h), so f->eval, f->ctx of an fm_field
 * (analytic or a trained MLP) can be passed as is. */
typedef int (*fm_transform_field_fn)(double *v, double t, const double *x, size_t n,
                                     void *ctx);

typedef struct fm_transform fm_transform;

/* The transform from A to B (both borrowed; they must outlive *tr).
 * FM_EDOM with a message when the SNR ranges of A and B do not overlap, or
 * a schedule's status when it cannot be evaluated. */
int fm_transform_make(fm_transform **tr, const fm_schedule *A, const fm_schedule *B,
                      fm_errmsg *e);
void fm_transform_free(fm_transform *tr);

/* [r_lo, r_hi]: the B-times whose SNR A reaches (see above). */
void fm_transform_range(double *r_lo, double *r_hi, const fm_transform *tr);

typedef struct {
  double r;        /* B time */
  double t;        /* t_r */
  double s;        /* s_r */
  double dt;       /* t_r' */
  double ds;       /* s_r' */
  double dlogs;    /* s_r'/s_r (what the field uses) */
  double t_width;  /* width of Brent's final bracket around t (0 if exact) */
  int by_alpha;    /* 1: s_r = alpha_B/alpha_A, 0: sigma_B/sigma_A */
  int iterations;  /* Brent iterations (bracket search excluded) */
} fm_transform_val;

/* t_r, s_r and their derivatives at r.  FM_EDOM when snr_B(r) is not
 * strictly inside snr_A's range (or r is outside [0, 1]); FM_ECONV when
 * Brent fails to converge in 200 iterations; FM_ESING when L_A'(t_r) = 0; a
 * schedule's status otherwise. */
int fm_transform_eval(fm_transform_val *tv, const fm_transform *tr, double r);

/* The values of the transform from given schedule values, without the root
 * finding: vA at t (A's values), vB at r (B's values) -- the last step of
 * fm_transform_eval, exposed so a caller can propagate errors in t_r or in
 * the schedule values.  tv->t, tv->r, t_width and iterations are left to
 * the caller.  FM_ESING when L_A' = 0 or a ratio's denominator vanishes. */
int fm_transform_combine(fm_transform_val *tv, const fm_sched_val *vA,
                         const fm_sched_val *vB);

/* uB (n x d) = (s_r'/s_r) x + s_r t_r' uA(t_r, x/s_r) with tv from
 * fm_transform_eval.  work: n*d doubles (x/s_r); uB must not alias x.
 * Returns uA's status. */
int fm_transform_field(double *uB, const fm_transform_val *tv, fm_transform_field_fn uA,
                       void *ctx, const double *x, size_t n, size_t d, double *work);

/* A field for B in the same callback shape: fm_transform_field_cb(v, r, x, n,
 * bind) evaluates the transform at r and applies it (work allocated per
 * call).  bind points to an fm_transform_binding. */
typedef struct {
  const fm_transform *tr;
  fm_transform_field_fn uA;
  void *ctx;                 /* uA's context */
  size_t d;
} fm_transform_binding;

int fm_transform_field_cb(double *v, double r, const double *x, size_t n, void *bind);

#endif
