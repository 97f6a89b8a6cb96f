/* test_ode_rk4.c -- fm_ode_rk4 reaches order 4 and integrates backward.
 *
 * Reference: the damped rotation x' = A x, A = [[-a, w], [-w, -a]], whose
 * flow map exp(A t) = e^{-a t} [[cos wt, sin wt], [-sin wt, cos wt]] is
 * computed by a different route (closed form, libm) from the RK4 stages.
 * Non-round parameters (a = 0.3817, w = 2.385) so no factor can hide. */
#include <criterion/criterion.h>
#include <math.h>

#include "fm_status.h"
#include "ode_rk4.h"

static const double fm_a = 0.3817, fm_w = 2.385;

static int fm_rot(double *dx, double t, const double *x, void *ctx)
{
  (void)t;
  (void)ctx;
  dx[0] = -fm_a * x[0] + fm_w * x[1];
  dx[1] = -fm_w * x[0] - fm_a * x[1];
  return FM_OK;
}

static void fm_rot_exact(double *x, const double *x0, double t)
{
  double e = exp(-fm_a * t), c = cos(fm_w * t), s = sin(fm_w * t);
  x[0] = e * (c * x0[0] + s * x0[1]);
  x[1] = e * (-s * x0[0] + c * x0[1]);
}

static double fm_err(size_t steps)
{
  const double x0[2] = {1.25, -0.75};
  double x[2] = {x0[0], x0[1]}, ex[2];
  cr_assert_eq(fm_ode_rk4(x, fm_rot, NULL, 2, 0.0, 1.7, steps), FM_OK);
  fm_rot_exact(ex, x0, 1.7);
  return hypot(x[0] - ex[0], x[1] - ex[1]);
}

/* SUNDIALS-style: halve the step 5 times, fit the slope, demand |p - 4| <
 * 0.5 (a slope too good would mean a contaminated reference).  Steps 16..256:
 * h w <= 0.25, in the asymptotic range, and errors >= ~1e-12 stay far above
 * round-off (~1e-15). */
Test(ode_rk4, classical_rk4_reaches_order_four)
{
  double e[6];
  for (int k = 0; k < 6; k++)
    e[k] = fm_err((size_t)16 << k);
  for (int k = 1; k < 6; k++) {
    double p = log2(e[k - 1] / e[k]);
    cr_expect(fabs(p - 4.0) < 0.5, "observed order %.3f between %zu and %zu steps "
              "(errors %.3e, %.3e); expected 4 +- 0.5", p, (size_t)16 << (k - 1),
              (size_t)16 << k, e[k - 1], e[k]);
  }
}

/* Integrating forward then backward on the same nodes returns to the start
 * up to the method's error (2 x the forward error bound measured above,
 * at 64 steps ~ 1e-9) -- proves t1 < t0 is honoured. */
Test(ode_rk4, backward_integration_undoes_forward)
{
  double x[2] = {1.25, -0.75};
  cr_assert_eq(fm_ode_rk4(x, fm_rot, NULL, 2, 0.0, 1.7, 64), FM_OK);
  cr_assert_eq(fm_ode_rk4(x, fm_rot, NULL, 2, 1.7, 0.0, 64), FM_OK);
  double tol = 2.0 * (fm_err(64) * exp(fm_a * 1.7)) + 1e-14;
  double e = hypot(x[0] - 1.25, x[1] + 0.75);
  cr_expect(e <= tol, "round trip error %.3e > tol %.3e", e, tol);
}

static int fm_bad(double *dx, double t, const double *x, void *ctx)
{
  (void)x;
  (void)ctx;
  dx[0] = t > 0.5 ? NAN : 1.0;
  return FM_OK;
}

Test(ode_rk4, nonfinite_state_is_reported_and_input_kept)
{
  double x = 2.0;
  cr_expect_eq(fm_ode_rk4(&x, fm_bad, NULL, 1, 0.0, 1.0, 8), FM_ENONFIN);
  cr_expect_eq(x, 2.0, "x changed to %g on error", x);
  cr_expect_eq(fm_ode_rk4(&x, fm_rot, NULL, 1, 0.0, 1.0, 0), FM_EINVAL);
}
