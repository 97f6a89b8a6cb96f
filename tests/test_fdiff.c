/* test_fdiff.c -- Richardson-extrapolated central differences: accurate,
 * honest about their error, and reporting the observed order 2. */
#include <criterion/criterion.h>
#include <math.h>

#include "fdiff.h"
#include "fm_status.h"

static int fm_f_sincos(double *y, double t, void *ctx)
{
  (void)ctx;
  y[0] = sin(3.1 * t);
  y[1] = exp(-1.7 * t) * t;
  return FM_OK;
}

Test(fdiff, derivative_of_smooth_function_to_1e_12_with_honest_error)
{
  double d[2], err[2], t = 0.613;
  fm_fdiff_info info;
  cr_assert_eq(fm_fdiff_central(d, err, &info, fm_f_sincos, NULL, 2, t, 0.1, 6), FM_OK);
  double ref[2] = {3.1 * cos(3.1 * t), exp(-1.7 * t) * (1.0 - 1.7 * t)};
  for (int i = 0; i < 2; i++) {
    double e = fabs(d[i] - ref[i]);
    cr_assert_lt(e, 1e-12, "component %d error %.3g", i, e);
    /* the estimate must bound the true error (up to round-off 1e-14) */
    cr_assert_leq(e, 10 * err[i] + 1e-14, "error %.3g above estimate %.3g", e, err[i]);
  }
  cr_assert(fabs(info.order - 2.0) < 0.2, "observed order %.3f, expected 2", info.order);
}

/* A function that is only C^1 at t = a (t + (t-a)_+^1.5) has central
 * differences D(h) = 1 + h^0.5 / 2: observed order 0.5, which the order
 * report must reveal rather than hide. */
static int fm_f_rough(double *y, double t, void *ctx)
{
  double a = *(double *)ctx;
  y[0] = t + (t > a ? pow(t - a, 1.5) : 0.0);
  return FM_OK;
}

Test(fdiff, observed_order_reveals_nonsmooth_function)
{
  double a = 0.5, d, t = 0.5;
  fm_fdiff_info info;
  cr_assert_eq(fm_fdiff_central(&d, NULL, &info, fm_f_rough, &a, 1, t, 0.1, 5), FM_OK);
  cr_assert(fabs(info.order - 0.5) < 0.1, "observed order %.3f, expected 0.5", info.order);
}

Test(fdiff, rejects_bad_arguments)
{
  double d[2];
  cr_assert_eq(fm_fdiff_central(d, NULL, NULL, fm_f_sincos, NULL, 2, 0.5, 0.1, 2), FM_EINVAL);
  cr_assert_eq(fm_fdiff_central(d, NULL, NULL, fm_f_sincos, NULL, 2, 0.5, -0.1, 4), FM_EINVAL);
}
