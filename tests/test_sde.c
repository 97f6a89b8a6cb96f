/* test_sde.c -- Euler-Maruyama (numerics/sde.h) on the Ornstein-Uhlenbeck
 * process dX = -theta X dt + s dW, X_0 = x0, whose law is known twice:
 *  - exactly: X_T ~ N(x0 e^{-theta T}, s^2 (1 - e^{-2 theta T}) / (2 theta));
 *  - for EM with N steps of h = T/N, exactly too (a linear recursion with
 *    Gaussian increments stays Gaussian): mean x0 (1 - theta h)^N, variance
 *    v_{k+1} = (1 - theta h)^2 v_k + s^2 h.
 * The EM ensemble must match the second in distribution (z-tests on mean
 * and variance), and its error against the first must fall at weak order 1.
 *
 * z-tests: 4 comparisons in this file, each at two-sided level 1e-5
 * (z = 4.42), family level <= 4e-5 (Bonferroni); seeds are fixed.  Sample variance of n
 * Gaussian draws has standard error v sqrt(2/(n-1)). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_status.h"
#include "rng.h"
#include "sde.h"

#define FM_Z 4.42

static const double fm_theta = 1.7, fm_s = 0.83, fm_x0 = 2.385, fm_T = 1.3;

static int fm_ou_drift(double *B, double t, const double *X, size_t np, size_t n, void *ctx)
{
  (void)t;
  (void)ctx;
  for (size_t i = 0; i < np * n; i++)
    B[i] = -fm_theta * X[i];
  return FM_OK;
}

static int fm_ou_noise(double *eps, double t, void *ctx)
{
  (void)t;
  (void)ctx;
  *eps = fm_s;
  return FM_OK;
}

static const fm_sde fm_ou = {fm_ou_drift, fm_ou_noise, NULL, 1};

/* Sample mean and variance of npaths EM paths with N steps. */
static void fm_ou_run(double *mean, double *var, size_t npaths, size_t N, uint64_t seed)
{
  double *X = malloc(npaths * sizeof *X);
  cr_assert_not_null(X);
  for (size_t p = 0; p < npaths; p++)
    X[p] = fm_x0;
  fm_rng r = fm_rng_make(seed, 7);
  cr_assert_eq(fm_sde_em(X, npaths, &fm_ou, 0.0, fm_T / (double)N, 0, N, &r, 0), FM_OK);
  double m = 0.0, q = 0.0;
  for (size_t p = 0; p < npaths; p++)
    m += X[p];
  m /= (double)npaths;
  for (size_t p = 0; p < npaths; p++)
    q += (X[p] - m) * (X[p] - m);
  *mean = m;
  *var = q / (double)(npaths - 1);
  free(X);
}

static void fm_ou_em_moments(double *mean, double *var, size_t N)
{
  double h = fm_T / (double)N, a = 1.0 - fm_theta * h, v = 0.0;
  for (size_t k = 0; k < N; k++)
    v = a * a * v + fm_s * fm_s * h;
  *mean = fm_x0 * pow(a, (double)N);
  *var = v;
}

static void fm_ou_exact(double *mean, double *var)
{
  *mean = fm_x0 * exp(-fm_theta * fm_T);
  *var = fm_s * fm_s * -expm1(-2.0 * fm_theta * fm_T) / (2.0 * fm_theta);
}

/* At N = 8 (theta h = 0.28: EM far from exact) the ensemble follows EM's
 * own law, and that law is distinguishable from the exact one -- so the
 * test would notice an exact sampler or wrongly scaled increments. */
Test(sde, em_ensemble_follows_the_em_recursion)
{
  size_t n = 200000, N = 8;
  double m, v, me, ve, mx, vx;
  fm_ou_run(&m, &v, n, N, 11);
  fm_ou_em_moments(&me, &ve, N);
  fm_ou_exact(&mx, &vx);
  double se_m = sqrt(ve / (double)n), se_v = ve * sqrt(2.0 / (double)(n - 1));
  cr_expect(fabs(m - me) <= FM_Z * se_m, "mean %.6f vs EM %.6f: |diff| %.3g > %.2f SE %.3g",
            m, me, fabs(m - me), FM_Z, se_m);
  cr_expect(fabs(v - ve) <= FM_Z * se_v, "var %.6f vs EM %.6f: |diff| %.3g > %.2f SE %.3g",
            v, ve, fabs(v - ve), FM_Z, se_v);
  cr_expect(fabs(m - mx) > FM_Z * se_m && fabs(v - vx) > FM_Z * se_v,
            "at N = 8 EM (mean %.5f, var %.5f) should differ from the exact OU law "
            "(%.5f, %.5f) by more than %.2f SE", m, v, mx, vx, FM_Z);
}

/* Weak order 1: the errors of E X_T and Var X_T against the exact OU law at
 * N = 4 .. 64; fitted slope of log|err| vs log h within 0.3 of 1.  MC
 * noise: 1e5 paths give SE 1.4e-3 on the mean, 9e-4 on the variance; the
 * smallest biases (N = 64) are 1e-2 and 3e-3 (7 and 3.5 SE), so noise moves
 * the last log by <= 0.3 and the fitted slope (5 levels, span log 16) by
 * <= 0.1. */
Test(sde, em_weak_order_one_on_ou)
{
  size_t n = 100000;
  double mx, vx, lx[5], lm[5], lv[5];
  fm_ou_exact(&mx, &vx);
  for (int k = 0; k < 5; k++) {
    size_t N = (size_t)4 << k;
    double m, v;
    fm_ou_run(&m, &v, n, N, 100 + (uint64_t)k);
    lx[k] = log(fm_T / (double)N);
    lm[k] = log(fabs(m - mx));
    lv[k] = log(fabs(v - vx));
    fprintf(stderr, "EM N=%4zu: mean err %.3e, var err %.3e\n", N, m - mx, v - vx);
  }
  double sx = 0, sxx = 0, sm = 0, sxm = 0, sv = 0, sxv = 0;
  for (int k = 0; k < 5; k++) {
    sx += lx[k];
    sxx += lx[k] * lx[k];
    sm += lm[k];
    sxm += lx[k] * lm[k];
    sv += lv[k];
    sxv += lx[k] * lv[k];
  }
  double den = 5.0 * sxx - sx * sx;
  double pm = (5.0 * sxm - sx * sm) / den, pv = (5.0 * sxv - sx * sv) / den;
  cr_expect(fabs(pm - 1.0) <= 0.3, "weak order of E X_T: %.3f, expected 1 +- 0.3", pm);
  cr_expect(fabs(pv - 1.0) <= 0.3, "weak order of Var X_T: %.3f, expected 1 +- 0.3", pv);
  fprintf(stderr, "EM weak order: mean %.3f, variance %.3f\n", pm, pv);
}

/* Increments keyed by (path, step): the same ensemble in one call, in two
 * legs, or as a sub-range of paths gives bitwise the same states. */
Test(sde, paths_do_not_depend_on_legs_or_ensemble_layout)
{
  enum { NP = 16, N = 20 };
  double A[NP], B[NP], C[5];
  for (int p = 0; p < NP; p++)
    A[p] = B[p] = fm_x0 + 0.1 * p;
  for (int p = 0; p < 5; p++)
    C[p] = A[5 + p];
  fm_rng r = fm_rng_make(3, 9);
  double h = fm_T / N;
  cr_assert_eq(fm_sde_em(A, NP, &fm_ou, 0.0, h, 0, N, &r, 0), FM_OK);
  cr_assert_eq(fm_sde_em(B, NP, &fm_ou, 0.0, h, 0, 7, &r, 0), FM_OK);
  cr_assert_eq(fm_sde_em(B, NP, &fm_ou, 0.0, h, 7, N - 7, &r, 0), FM_OK);
  cr_assert_eq(fm_sde_em(C, 5, &fm_ou, 0.0, h, 0, N, &r, 5), FM_OK);
  for (int p = 0; p < NP; p++)
    cr_expect_eq(A[p], B[p], "path %d: one call %.17g, two legs %.17g", p, A[p], B[p]);
  for (int p = 0; p < 5; p++)
    cr_expect_eq(A[5 + p], C[p], "path %d: in ensemble %.17g, alone %.17g", 5 + p, A[5 + p],
                 C[p]);
  /* and the increments are the documented normals */
  double z;
  fm_sde_normals(&z, 1, &r, 3, 0);
  double x = fm_x0 + 0.3;
  cr_assert_eq(fm_sde_em(&x, 1, &fm_ou, 0.0, h, 0, 1, &r, 3), FM_OK);
  double want = fm_x0 + 0.3 + h * (-fm_theta * (fm_x0 + 0.3)) + fm_s * sqrt(h) * z;
  cr_expect(fabs(x - want) <= 1e-15 * fabs(want), "one step %.17g, by hand %.17g", x, want);
}

/* Ito: eps is taken at the left node.  dX = t dW from 0 with N = 4 steps on
 * [0, 1]: Var = h^3 sum_{k<N} k^2 = 14/64 (left) vs 30/64 (right node) --
 * 2e5 paths separate them by > 100 SE. */
static int fm_zero_drift(double *B, double t, const double *X, size_t np, size_t n,
                         void *ctx)
{
  (void)t;
  (void)X;
  (void)ctx;
  memset(B, 0, np * n * sizeof *B);
  return FM_OK;
}

static int fm_noise_t(double *eps, double t, void *ctx)
{
  (void)ctx;
  *eps = t;
  return FM_OK;
}

Test(sde, noise_is_evaluated_at_the_left_node)
{
  size_t n = 200000;
  double *X = calloc(2 * n, sizeof *X);
  cr_assert_not_null(X);
  fm_sde s = {fm_zero_drift, fm_noise_t, NULL, 2};
  fm_rng r = fm_rng_make(5, 1);
  cr_assert_eq(fm_sde_em(X, n, &s, 0.0, 0.25, 0, 4, &r, 0), FM_OK);
  for (int j = 0; j < 2; j++) {
    double q = 0.0;
    for (size_t p = 0; p < n; p++)
      q += X[2 * p + j] * X[2 * p + j];
    double v = q / (double)n, ve = 14.0 / 64.0, se = ve * sqrt(2.0 / (double)n);
    cr_expect(fabs(v - ve) <= FM_Z * se, "coordinate %d: var %.5f vs left-node %.5f "
              "(SE %.2g)", j, v, ve, se);
  }
  free(X);
}

static int fm_failing_drift(double *B, double t, const double *X, size_t np, size_t n,
                            void *ctx)
{
  (void)X;
  (void)ctx;
  memset(B, 0, np * n * sizeof *B);
  return t > 0.5 ? FM_EDOM : FM_OK;
}

static int fm_negative_noise(double *eps, double t, void *ctx)
{
  (void)t;
  (void)ctx;
  *eps = -1.0;
  return FM_OK;
}

Test(sde, errors_are_reported_and_the_ensemble_kept)
{
  double X[3] = {1.0, 2.0, 3.0};
  fm_rng r = fm_rng_make(1, 1);
  fm_sde bad = {fm_failing_drift, NULL, NULL, 1};
  cr_expect_eq(fm_sde_em(X, 3, &bad, 0.0, 0.1, 0, 10, &r, 0), FM_EDOM);
  fm_sde neg = {fm_ou_drift, fm_negative_noise, NULL, 1};
  cr_expect_eq(fm_sde_em(X, 3, &neg, 0.0, 0.1, 0, 10, &r, 0), FM_EINVAL);
  cr_expect(X[0] == 1.0 && X[1] == 2.0 && X[2] == 3.0, "ensemble changed on error");
  cr_expect_eq(fm_sde_em(X, 3, &fm_ou, 0.0, 0.0, 0, 10, &r, 0), FM_EINVAL);
  cr_expect_eq(fm_sde_em(X, 0, &fm_ou, 0.0, 0.1, 0, 10, &r, 0), FM_EINVAL);
}
