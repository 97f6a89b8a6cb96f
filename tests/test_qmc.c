/* test_qmc.c -- randomly shifted Sobol (numerics/qmc.h): unbiased with an
 * honest error bar, converging faster than n^{-1/2}, points in the open cube,
 * reproducible from the seed. */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <math.h>

#include "fm_status.h"
#include "mc.h"
#include "qmc.h"

#define SEED 777001u

/* E exp(b.Z) = exp(|b|^2/2) for Z ~ N(0, I_3) */
static int fm_f_mgf3(double *y, const double *z, void *ctx)
{
  const double *b = ctx;
  y[0] = exp(b[0] * z[0] + b[1] * z[1] + b[2] * z[2]);
  return FM_OK;
}

/* prod_i (pi/2) sin(pi u_i) over (0,1)^2: integral 1 */
static int fm_f_sin2(double *y, const double *u, void *ctx)
{
  (void)ctx;
  y[0] = 0.25 * M_PI * M_PI * sin(M_PI * u[0]) * sin(M_PI * u[1]);
  return FM_OK;
}

/* One deterministic comparison at z = 5 (probability of a false alarm
 * < 1e-6 for a normal statistic; the t_{R-1} tail at R = 16 is 1.6e-4 --
 * still negligible for one fixed seed). */
Test(qmc, normal_estimate_within_its_error_bar)
{
  double b[3] = {0.41, -0.29, 0.613}, mean, se;
  fm_rng r = fm_rng_make(SEED, 1);
  cr_assert_eq(fm_qmc_estimate(&mean, &se, fm_f_mgf3, b, 3, 1, 4096, 16, FM_QMC_NORMAL, &r),
               FM_OK);
  double ref = exp(0.5 * (b[0] * b[0] + b[1] * b[1] + b[2] * b[2]));
  cr_expect_lt(fabs(mean - ref), 5.0 * se, "QMC %.12g vs %.12g, se %.3g", mean, ref, se);
  cr_expect_gt(se, 0.0, "an error bar of 0 would be dishonest");
}

/* The error bar converges faster than MC's n^{-1/2}: the fitted slope of se
 * against n = 2^8..2^14 must have its 95% band entirely below -0.6 (the
 * shifted-Sobol rate for this smooth 2-D integrand is ~ n^{-1} up to logs;
 * MC would give -0.5). */
Test(qmc, shifted_sobol_error_bar_falls_faster_than_mc)
{
  double N[7], se[7];
  for (int i = 0; i < 7; i++) {
    double m;
    N[i] = ldexp(1.0, 8 + i);
    fm_rng r = fm_rng_make(SEED, 2);
    cr_assert_eq(fm_qmc_estimate(&m, &se[i], fm_f_sin2, NULL, 2, 1, (size_t)N[i], 16,
                                 FM_QMC_UNIFORM, &r),
                 FM_OK);
  }
  fm_slope s;
  cr_assert_eq(fm_mc_loglog_slope(&s, N, se, 7, 0.95), FM_OK);
  cr_expect_lt(s.hi, -0.6, "QMC slope %.3f [%.3f, %.3f] not steeper than MC", s.slope, s.lo,
               s.hi);
}

/* Coverage of the t-interval mean +- t_{R-1,0.975} se over 200 shift seeds:
 * nominal 95%; binomial sd sqrt(200 .95 .05) = 3.1, accept >= 0.95*200 -
 * 4 sd = 178 (the replicate means are not exactly normal; an interval far
 * too narrow would show here). */
Test(qmc, error_bar_coverage_over_seeds)
{
  double b[3] = {0.41, -0.29, 0.613};
  double ref = exp(0.5 * (b[0] * b[0] + b[1] * b[1] + b[2] * b[2]));
  double tq = gsl_cdf_tdist_Pinv(0.975, 7.0);
  int cover = 0;
  for (int s = 0; s < 200; s++) {
    double mean, se;
    fm_rng r = fm_rng_make(SEED + (uint64_t)s, 3);
    cr_assert_eq(fm_qmc_estimate(&mean, &se, fm_f_mgf3, b, 3, 1, 256, 8, FM_QMC_NORMAL, &r),
                 FM_OK);
    cover += fabs(mean - ref) <= tq * se;
  }
  cr_expect_geq(cover, 178, "t-interval covered %d/200", cover);
}

/* Points stay in (0,1) (normals finite), the same seed gives the same
 * points, a different seed different shifts, and d > 40 is refused. */
Test(qmc, points_open_cube_reproducible_and_bounds)
{
  fm_rng r = fm_rng_make(SEED, 4), r2 = fm_rng_make(SEED + 1, 4);
  fm_qmc *a, *b, *c;
  cr_assert_eq(fm_qmc_alloc(&a, 40, 3, &r), FM_OK);
  cr_assert_eq(fm_qmc_alloc(&b, 40, 3, &r), FM_OK);
  cr_assert_eq(fm_qmc_alloc(&c, 40, 3, &r2), FM_OK);
  double u[40], v[40], w[40];
  int same = 1, differ = 0;
  for (int i = 0; i < 2000; i++) {
    fm_qmc_next(a);
    fm_qmc_next(b);
    fm_qmc_next(c);
    for (size_t rep = 0; rep < 3; rep++) {
      fm_qmc_point(u, a, rep, FM_QMC_NORMAL);
      fm_qmc_point(v, b, rep, FM_QMC_NORMAL);
      fm_qmc_point(w, c, rep, FM_QMC_UNIFORM);
      for (int k = 0; k < 40; k++) {
        cr_assert(isfinite(u[k]), "normal not finite at point %d", i);
        cr_assert(w[k] > 0.0 && w[k] < 1.0, "u = %.17g outside (0,1)", w[k]);
        same &= u[k] == v[k];
        differ |= gsl_cdf_ugaussian_Pinv(w[k]) != u[k];
      }
    }
  }
  cr_expect(same, "same seed must reproduce the points");
  cr_expect(differ, "another seed must shift differently");
  fm_qmc_free(a);
  fm_qmc_free(b);
  fm_qmc_free(c);
  fm_qmc *bad;
  cr_expect_eq(fm_qmc_alloc(&bad, 41, 3, &r), FM_EINVAL);
  double m;
  cr_expect_eq(fm_qmc_estimate(&m, NULL, fm_f_sin2, NULL, 2, 1, 16, 1, FM_QMC_UNIFORM, &r),
               FM_EINVAL, "R = 1 gives no error bar");
}
