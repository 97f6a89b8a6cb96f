/* ode_rk4.h -- the classical fixed-step fourth-order Runge-Kutta method.
 *
 * Used where a check integrates a trajectory and needs a known order (4) so
 * that a Richardson estimate of its error -- |x_h - x_{h/2}| / (2^4 - 1) --
 * can serve as a tolerance (pf-ode).  Fixed steps on purpose: the node times
 * t0 + i (t1 - t0)/steps are reproducible and the order is the textbook one.
 */
#ifndef FM_ODE_RK4_H
#define FM_ODE_RK4_H

#include <stddef.h>

/* dxdt[0..n-1] = f(t, x); returns FM_OK or an error code (propagated). */
typedef int (*fm_ode_fn)(double *dxdt, double t, const double *x, void *ctx);

/* Integrate dx/dt = f(t, x) from t0 to t1 in `steps` equal steps (t1 < t0
 * integrates backward).  x (length n) holds the initial value on entry and
 * the value at t1 on exit (unchanged on error).  FM_EINVAL for steps = 0 or
 * n = 0, FM_ENOMEM, FM_ENONFIN if the state stops being finite, or f's
 * status. */
int fm_ode_rk4(double *x, fm_ode_fn f, void *ctx, size_t n, double t0, double t1,
               size_t steps);

#endif
