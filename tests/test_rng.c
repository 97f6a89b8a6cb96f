/* test_rng.c -- counter-based streams: reproducible, order-independent, and
 * N(0,1) / U(0,1) to within statistical error (5 standard errors, GSL
 * practice: a correct generator fails with probability < 1e-6 per
 * assertion, and at this fixed seed the result is deterministic). */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

#include "rng.h"

#define N 400000

Test(rng, any_variate_regenerates_alone_in_any_order)
{
  fm_rng r = fm_rng_make(12345, FM_RNG_STREAM(7, 3));
  double *z = malloc(1003 * sizeof *z);
  fm_rng_normals(z, 1003, &r, 17);
  for (long i = 1002; i >= 0; i--)
    cr_assert_eq(z[i], fm_rng_normal(&r, 17 + (uint64_t)i), "normal %ld differs", i);
  double u[9];
  fm_rng_uniforms(u, 9, &r, 5);
  for (int i = 0; i < 9; i++)
    cr_assert_eq(u[i], fm_rng_uniform(&r, 5 + (uint64_t)i));
  free(z);
}

Test(rng, seeds_and_streams_give_different_sequences)
{
  fm_rng a = fm_rng_make(1, 0), b = fm_rng_make(2, 0), c = fm_rng_make(1, 1);
  fm_rng ca = fm_rng_child(&a, 0), cb = fm_rng_child(&a, 1);
  cr_assert_neq(fm_rng_uniform(&a, 0), fm_rng_uniform(&b, 0));
  cr_assert_neq(fm_rng_uniform(&a, 0), fm_rng_uniform(&c, 0));
  cr_assert_neq(fm_rng_uniform(&ca, 0), fm_rng_uniform(&cb, 0));
  cr_assert_neq(ca.stream, a.stream);
}

Test(rng, uniforms_lie_strictly_inside_unit_interval_with_mean_half)
{
  fm_rng r = fm_rng_make(99, 0);
  double *u = malloc(N * sizeof *u), s = 0.0;
  fm_rng_uniforms(u, N, &r, 0);
  for (int i = 0; i < N; i++) {
    cr_assert(u[i] > 0.0 && u[i] < 1.0);
    s += u[i];
  }
  double se = sqrt(1.0 / 12.0 / N);
  cr_assert_lt(fabs(s / N - 0.5), 5 * se, "mean %.6f, 5 SE = %.2g", s / N, 5 * se);
  free(u);
}

static int fm_cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Moments and a Kolmogorov-Smirnov statistic; the KS critical value
 * 1.95/sqrt(n) is the asymptotic 0.1% point. */
static void fm_normal_stats(double *mean, double *var, double *ks, const double *z, int n)
{
  double s = 0.0, s2 = 0.0;
  for (int i = 0; i < n; i++)
    s += z[i];
  *mean = s / n;
  for (int i = 0; i < n; i++)
    s2 += (z[i] - *mean) * (z[i] - *mean);
  *var = s2 / (n - 1);
  double *c = malloc((size_t)n * sizeof *c);
  for (int i = 0; i < n; i++)
    c[i] = z[i];
  qsort(c, (size_t)n, sizeof *c, fm_cmp_double);
  double d = 0.0;
  for (int i = 0; i < n; i++) {
    double F = gsl_cdf_ugaussian_P(c[i]);
    d = fmax(d, fmax(fabs(F - (double)i / n), fabs(F - (double)(i + 1) / n)));
  }
  *ks = d;
  free(c);
}

Test(rng, normals_have_unit_variance_and_pass_ks)
{
  fm_rng r = fm_rng_make(2024, FM_RNG_STREAM(1, 0));
  double *z = malloc(N * sizeof *z), m, v, ks;
  fm_rng_normals(z, N, &r, 0);
  fm_normal_stats(&m, &v, &ks, z, N);
  double se_m = sqrt(1.0 / N), se_v = sqrt(2.0 / N);
  cr_assert_lt(fabs(m), 5 * se_m, "mean %.3g", m);
  cr_assert_lt(fabs(v - 1.0), 5 * se_v, "variance %.6f (5 SE = %.3g)", v, 5 * se_v);
  cr_assert_lt(ks, 1.95 / sqrt(N), "KS %.3g", ks);
  free(z);
}

/* Negative control: the same checks must reject normals scaled by 1.01 --
 * variance 1.0201 is 9 standard errors away at n = 4e5. */
Test(rng, variance_check_rejects_normals_scaled_by_one_percent)
{
  fm_rng r = fm_rng_make(2024, FM_RNG_STREAM(1, 0));
  double *z = malloc(N * sizeof *z), m, v, ks;
  fm_rng_normals(z, N, &r, 0);
  for (int i = 0; i < N; i++)
    z[i] *= 1.01;
  fm_normal_stats(&m, &v, &ks, z, N);
  cr_assert_gt(fabs(v - 1.0), 5 * sqrt(2.0 / N), "scaled variance %.6f not detected", v);
  free(z);
}

Test(rng, streams_are_uncorrelated)
{
  fm_rng a = fm_rng_make(5, 0), b = fm_rng_child(&a, 1);
  double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), s = 0.0;
  fm_rng_normals(x, N, &a, 0);
  fm_rng_normals(y, N, &b, 0);
  for (int i = 0; i < N; i++)
    s += x[i] * y[i];
  cr_assert_lt(fabs(s / N), 5 / sqrt((double)N), "correlation %.3g", s / N);
  free(x);
  free(y);
}
