/* test_adam.c -- Adam against a sequence computed by hand from the update
 * rule of Kingma & Ba (2015), Algorithm 1, in exact decimal arithmetic.
 *
 * theta0 = (1, -0.5), beta1 = 0.9, beta2 = 0.999, eps = 1e-8, gradients
 * g1 = (2, -0.1), g2 = (-1, 0.3), g3 = (0.5, 0), step sizes 0.1, 0.05, 0.1.
 * Step 1 by hand, first coordinate: m = 0.1 * 2 = 0.2, v = 0.001 * 4 =
 * 0.004, mhat = 0.2/0.1 = 2, vhat = 0.004/0.001 = 4, theta = 1 - 0.1 * 2 /
 * (2 + 1e-8) = 0.9000000004999999975; second coordinate: mhat = -0.1, vhat
 * = 0.01, theta = -0.5 + 0.01/(0.1 + 1e-8) = -0.40000000999999900.  Steps 2
 * and 3 were carried out the same way with Python's decimal module at 50
 * digits (no floating point), giving the literals below.
 *
 * Tolerance 1e-15 absolute on theta: a handful of double operations per
 * step on O(1) numbers (rounding ~1e-16 each); 1e-14 relative on m and v,
 * whose recursions cancel by at most a factor ~3 (0.18 - 0.1 = 0.08).  The "efficient" variant of the
 * paper's §2 (eps moved outside the bias correction) differs by ~1e-9 and
 * a missing bias correction by O(0.1): both fail.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "adam.h"

Test(adam, matches_hand_computed_sequence_of_algorithm_1)
{
  static const double g[3][2] = {{2.0, -0.1}, {-1.0, 0.3}, {0.5, 0.0}};
  static const double lr[3] = {0.1, 0.05, 0.1};
  static const double want_theta[3][2] = {
      {9.00000000499999997500e-1, -4.00000009999999000000e-1},
      {8.86683148601215677671e-1, -4.24709500560032392674e-1},
      {8.52640234037726791658e-1, -4.62910515813058274413e-1}};
  static const double want_m[3][2] = {{0.2, -0.01}, {0.08, 0.021}, {0.122, 0.0189}};
  static const double want_v[3][2] = {
      {0.004, 1e-5}, {4.996e-3, 9.999e-5}, {5.241004e-3, 9.989001e-5}};
  fm_adam *a;
  cr_assert_eq(fm_adam_alloc(&a, 2), FM_OK);
  fm_adam_param p = fm_adam_param_default();
  cr_assert(p.beta1 == 0.9 && p.beta2 == 0.999 && p.eps == 1e-8);
  double theta[2] = {1.0, -0.5};
  for (int k = 0; k < 3; k++) {
    fm_adam_step(a, theta, g[k], lr[k], &p);
    cr_assert_eq(a->k, (uint64_t)k + 1);
    for (int i = 0; i < 2; i++) {
      cr_expect_leq(fabs(theta[i] - want_theta[k][i]), 1e-15,
                    "step %d theta[%d] = %.17g, hand value %.17g", k + 1, i, theta[i],
                    want_theta[k][i]);
      cr_expect_leq(fabs(a->m[i] - want_m[k][i]), 1e-14 * fabs(want_m[k][i]),
                    "step %d m[%d] = %.17g vs %.17g", k + 1, i, a->m[i], want_m[k][i]);
      cr_expect_leq(fabs(a->v[i] - want_v[k][i]), 1e-14 * fabs(want_v[k][i]),
                    "step %d v[%d] = %.17g vs %.17g", k + 1, i, a->v[i], want_v[k][i]);
    }
  }
  fm_adam_free(a);
}

Test(adam, rejects_invalid_hyperparameters)
{
  fm_errmsg e = {{0}};
  fm_adam_param bad[] = {{1.0, 0.999, 1e-8}, {0.9, -0.1, 1e-8}, {0.9, 0.999, 0.0},
                         {NAN, 0.999, 1e-8}, {0.9, 0.999, INFINITY}};
  for (int i = 0; i < 5; i++)
    cr_expect_eq(fm_adam_param_check(&bad[i], &e), FM_EINVAL, "case %d accepted", i);
  fm_adam_param ok = fm_adam_param_default();
  cr_expect_eq(fm_adam_param_check(&ok, &e), FM_OK);
}
