/* ode.h -- ODE integrators used by the checks: explicit Runge-Kutta methods
 * as a GSL-style method table, fixed-step integration forward or backward in
 * t, and an adaptive integrator (GSL odeiv2, Prince-Dormand 8(9) "rk8pd").
 *
 * A method is a const object {name, order, stages, step, tableau}; code and
 * tests loop over the NULL-terminated fm_ode_methods[] and read the claimed
 * order from the table (GSL's gsl_odeiv2_step_type idea), so every method
 * meets every check and a new method is one table entry.  The built-ins are
 * explicit Runge-Kutta methods given by their Butcher tableau and share one
 * step routine (fm_ode_erk_step); a deliberately wrong method (a negative
 * control: RK4 with the weights of Euler, a midpoint rule evaluated at the
 * wrong time) is built from the same routine with a different tableau, so
 * the mutant differs from the real method only in the coefficients.
 *
 * Fixed steps on purpose: node i is exactly t0 + i (t1 - t0)/steps (no
 * running sum), so results are reproducible and the textbook order is what
 * is measured.  Adaptive integration is for references at tight tolerance
 * (a check that needs a trajectory to 1e-10 without choosing a step).
 */
#ifndef FM_ODE_H
#define FM_ODE_H

#include <stddef.h>

/* dxdt[0..n-1] = f(t, x); returns FM_OK or an error code (propagated). */
typedef int (*fm_ode_fn)(double *dxdt, double t, const double *x, void *ctx);

/* Butcher tableau of an explicit RK method with s stages:
 *   k_i = f(t + c_i h, x + h sum_{j<i} a_ij k_j),  x_new = x + h sum_i b_i k_i;
 * a is s x s row-major (only the strictly lower triangle is read). */
typedef struct {
  const double *a, *b, *c;
} fm_ode_tableau;

typedef struct fm_ode_method fm_ode_method;

/* One step of size h (h < 0 steps backward) from (t, x), in place: x holds
 * x(t) on entry and the new value on exit.  work has at least
 * fm_ode_work_size(m, n) doubles.  Returns f's status (x may then be
 * partially updated -- callers keep their own copy). */
typedef int (*fm_ode_step_fn)(double *x, const fm_ode_method *m, fm_ode_fn f, void *ctx,
                              size_t n, double t, double h, double *work);

struct fm_ode_method {
  const char *name;          /* "euler", "midpoint", "rk4" */
  int order;                 /* claimed order of the global error */
  int stages;                /* function evaluations per step */
  fm_ode_step_fn step;
  const fm_ode_tableau *tab; /* read by fm_ode_erk_step; NULL for other steppers */
};

/* Forward Euler (order 1), the explicit midpoint rule (order 2,
 * k2 = f(t + h/2, x + h/2 k1)), classical RK4 (order 4). */
extern const fm_ode_method fm_ode_euler, fm_ode_midpoint, fm_ode_rk4;
/* {&fm_ode_euler, &fm_ode_midpoint, &fm_ode_rk4, NULL} */
extern const fm_ode_method *const fm_ode_methods[];

/* The method with this name, or NULL. */
const fm_ode_method *fm_ode_method_find(const char *name);

/* Scratch doubles one step of m needs for a system of size n. */
size_t fm_ode_work_size(const fm_ode_method *m, size_t n);

/* The explicit-RK step from m->tab (the built-ins' `step`). */
int fm_ode_erk_step(double *x, const fm_ode_method *m, fm_ode_fn f, void *ctx, size_t n,
                    double t, double h, double *work);

/* Integrate dx/dt = f(t, x) from t0 to t1 in `steps` equal steps with
 * method m (t1 < t0 integrates backward).  x (length n) holds the initial
 * value on entry and the value at t1 on exit (unchanged on error).
 * FM_EINVAL for steps = 0, n = 0 or t0, t1 not finite; FM_ENOMEM;
 * FM_ENONFIN if the state stops being finite; or f's status. */
int fm_ode_integrate(double *x, const fm_ode_method *m, fm_ode_fn f, void *ctx, size_t n,
                     double t0, double t1, size_t steps);

/* --- adaptive integration (GSL odeiv2: rk8pd stepper, standard y-control
 * D_i = atol + rtol |x_i| on the local error estimate, evolve loop) --- */
typedef struct {
  double rtol, atol;   /* local error tolerances (GSL's eps_rel, eps_abs) */
  double h0;           /* first step size (magnitude; 0 = |t1 - t0| / 100) */
  size_t max_steps;    /* 0 = 100000 */
} fm_ode_adaptive_opts;

typedef struct {
  size_t nfe;          /* function evaluations (counted in the wrapper) */
  size_t steps;        /* accepted steps */
  size_t rejected;     /* rejected step attempts */
} fm_ode_adaptive_stats;

/* Integrate from t0 to t1 (either direction) to the tolerances in o; x as in
 * fm_ode_integrate (unchanged on error); stats may be NULL.  FM_EINVAL for
 * bad arguments (n = 0, non-positive tolerances), FM_ECONV when max_steps is
 * reached or GSL gives up (step size underflow), FM_ENONFIN, or f's status. */
int fm_ode_adaptive(double *x, fm_ode_adaptive_stats *stats, fm_ode_fn f, void *ctx,
                    size_t n, double t0, double t1, const fm_ode_adaptive_opts *o);

#endif
