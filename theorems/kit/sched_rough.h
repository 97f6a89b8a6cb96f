/* sched_rough.h -- the power law of a schedule at t = 0 (theorems
 * `solver-order` and `pf-ode`).
 *
 * alpha = t^n with n not an integer (polynomial, user expressions) makes the
 * field C^n only at t = 0: its derivatives of order k > n grow like
 * t^(n-k).  A fixed-step method of order p then reaches order p uniformly
 * on [t_a, t_b] only when the (p+1)-th derivative of the flow, ~t^(n-p-1),
 * is integrable, n > p; otherwise its error is ~h^n for steps h >= t_a and
 * the claimed order appears only once h << t_a. */
#ifndef FM_SCHED_ROUGH_H
#define FM_SCHED_ROUGH_H

#include "schedule.h"

/* The smallest exponent n of alpha(t) - alpha(0) ~ t^n and sigma(t) -
 * sigma(0) ~ t^n at t -> 0 that is not an integer (as far as the
 * measurement can tell, sched_rough.c); INFINITY when both are (a schedule
 * smooth at 0) or cannot be measured. */
double fm_sched_rough_exponent(const fm_schedule *s);

#endif
