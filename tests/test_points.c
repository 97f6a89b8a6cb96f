/* test_points.c -- the shared pointwise-check utilities (theorems/points.h):
 * the seeded point sets (determinism, kinds and their time windows, points on
 * the conditional flow, tail points 50 std out, N(0,I) draws), fm_maxdiff,
 * fm_point_describe, the exact-abscissa step layout, the observed order, and
 * the candidate schedule of negative controls.  References are computed here
 * by independent arithmetic (long double, Cholesky factors instead of the
 * covariance, finite differences), never by the code under test. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "fm_test_case.h"
#include "points.h"

static int same_points(const fm_pointset *a, const fm_pointset *b, size_t n)
{
  size_t d = a->d;
  return memcmp(a->t, b->t, n * sizeof *a->t) == 0 &&
         memcmp(a->x0, b->x0, n * d * sizeof *a->x0) == 0 &&
         memcmp(a->x1, b->x1, n * d * sizeof *a->x1) == 0 &&
         memcmp(a->x, b->x, n * d * sizeof *a->x) == 0 &&
         memcmp(a->kind, b->kind, n * sizeof *a->kind) == 0;
}

/* The point set (seed, n) of the built-in case file, the case in *c. */
static fm_pointset *fm_points_of(fm_case **c, const char *file, uint64_t seed, size_t n)
{
  fm_pointset *ps;
  *c = fm_test_case_load(file);
  cr_assert_eq(fm_pointset_make(&ps, *c, seed, n), FM_OK, "%s: seed %llu, %zu points", file,
               (unsigned long long)seed, n);
  return ps;
}

static void fm_points_free(fm_pointset *ps, fm_case *c)
{
  fm_pointset_free(ps);
  fm_case_free(c);
}

Test(points, pointset_is_a_function_of_the_seed)
{
  fm_case *c = fm_test_case_load("ring8-vp.json");
  fm_pointset *a, *b, *other, *longer;
  cr_assert_eq(fm_pointset_make(&a, c, 2385, 48), FM_OK);
  cr_assert_eq(fm_pointset_make(&b, c, 2385, 48), FM_OK);
  cr_assert_eq(fm_pointset_make(&other, c, 2386, 48), FM_OK);
  cr_assert_eq(fm_pointset_make(&longer, c, 2385, 100), FM_OK);
  cr_expect(same_points(a, b, 48), "same seed must give the same points");
  cr_expect(!same_points(a, other, 48), "a different seed must give different points");
  cr_expect(same_points(a, longer, 48), "point i must not depend on n");
  fm_pointset_free(a);
  fm_pointset_free(b);
  fm_pointset_free(other);
  fm_pointset_free(longer);
  fm_case_free(c);
}

Test(points, pointset_has_every_kind_in_its_time_window)
{
  size_t n = 200, count[4] = {0, 0, 0, 0};
  fm_case *c;
  fm_pointset *ps = fm_points_of(&c, "mix16d-vp.json", 7, n);
  for (size_t i = 0; i < n; i++) {
    double t = ps->t[i];
    int k = ps->kind[i];
    cr_assert(k >= FM_PT_TYPICAL && k <= FM_PT_TAIL, "kind %d of point %zu", k, i);
    count[k]++;
    if (k == FM_PT_NEAR0)
      cr_expect(t >= 1e-6 && t <= 2e-6, "near0 point %zu at t = %.17g", i, t);
    else if (k == FM_PT_NEAR1)
      cr_expect(t >= 1.0 - 2e-6 && t <= 1.0 - 1e-6, "near1 point %zu at t = %.17g", i, t);
    else if (k == FM_PT_TAIL)
      cr_expect(t >= 1e-6 && t <= 1.0 - 1e-6, "tail point %zu at t = %.17g", i, t);
    else
      cr_expect(t > 0.0 && t < 1.0, "typical point %zu at t = %.17g", i, t);
  }
  /* 200 points, kinds by i mod 10: exactly 120/20/20/40 */
  cr_expect_eq(count[FM_PT_TYPICAL], 120, "typical: %zu", count[FM_PT_TYPICAL]);
  cr_expect_eq(count[FM_PT_NEAR0], 20, "near0: %zu", count[FM_PT_NEAR0]);
  cr_expect_eq(count[FM_PT_NEAR1], 20, "near1: %zu", count[FM_PT_NEAR1]);
  cr_expect_eq(count[FM_PT_TAIL], 40, "tail: %zu", count[FM_PT_TAIL]);
  fm_points_free(ps, c);
}

Test(points, every_kind_is_present_from_four_points)
{
  fm_case *c;
  fm_pointset *ps = fm_points_of(&c, "gauss1d-cond_ot.json", 1, 4);
  int seen[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < 4; i++)
    seen[ps->kind[i]] = 1;
  for (int k = 0; k < 4; k++)
    cr_expect(seen[k], "kind %s missing among 4 points", fm_point_kind_name(k));
  fm_points_free(ps, c);
}

/* x = sigma x0 + alpha x1 in long double; the double code rounds two
 * products and a sum (and the schedule values, 4 kappa eps each), so the
 * tolerance is (4 kappa + 3) eps (|sigma x0| + |alpha x1|). */
Test(points, typical_and_near_end_points_lie_on_the_conditional_flow)
{
  fm_case *c;
  fm_pointset *ps = fm_points_of(&c, "aniso3d-vp.json", 11, 60);
  for (size_t i = 0; i < ps->n; i++) {
    if (ps->kind[i] == FM_PT_TAIL)
      continue;
    fm_sched_val v;
    cr_assert_eq(fm_schedule_eval(&v, c->sched, ps->t[i]), FM_OK);
    double tol_rel = (4.0 * fm_sched_cond(&v) + 3.0) * DBL_EPSILON;
    for (size_t j = 0; j < ps->d; j++) {
      long double s = (long double)v.sigma * ps->x0[i * ps->d + j];
      long double a = (long double)v.alpha * ps->x1[i * ps->d + j];
      double err = (double)fabsl(ps->x[i * ps->d + j] - (s + a));
      double tol = tol_rel * (double)(fabsl(s) + fabsl(a));
      cr_expect(err <= tol, "point %zu coord %zu: |x - psi| = %.3g > %.3g", i, j, err, tol);
    }
  }
  fm_points_free(ps, c);
}

/* |x - alpha m_k| / sqrt(e' C_k e) = 50 for the component k of x1, with
 * e' C_k e = alpha^2 |L_k^T e|^2 + sigma^2 from the Cholesky factor (the
 * point set uses the covariance itself).  k is not exposed: some k must fit. */
Test(points, tail_points_are_fifty_component_std_out)
{
  fm_case *c;
  fm_pointset *ps = fm_points_of(&c, "ring8-vp.json", 3, 50);
  const fm_gmm *g = c->gmm;
  size_t d = g->d;
  for (size_t i = 0; i < ps->n; i++) {
    if (ps->kind[i] != FM_PT_TAIL)
      continue;
    fm_sched_val v;
    cr_assert_eq(fm_schedule_eval(&v, c->sched, ps->t[i]), FM_OK);
    double best = INFINITY;
    for (size_t k = 0; k < g->K; k++) {
      double r[64], nr = 0.0, q = 0.0;
      for (size_t j = 0; j < d; j++) {
        r[j] = ps->x[i * d + j] - v.alpha * g->mean[k * d + j];
        nr += r[j] * r[j];
      }
      nr = sqrt(nr);
      for (size_t a = 0; a < d; a++) { /* (L^T e)_a = sum_b L_ba e_b */
        double s = 0.0;
        for (size_t b = a; b < d; b++)
          s += g->chol[k * d * d + b * d + a] * r[b] / nr;
        q += s * s;
      }
      double R = nr / sqrt(v.alpha * v.alpha * q + v.sigma * v.sigma);
      best = fmin(best, fabs(R - FM_PT_TAIL_R));
    }
    /* R is a ratio of sums of a few dozen roundings: 1e-12 absolute on 50 */
    cr_expect(best < 1e-12, "tail point %zu: |R - 50| = %.3g for the best component", i,
              best);
  }
  fm_points_free(ps, c);
}

/* x0 entries are N(0,1): over N = 4000 x 3 draws the mean is within 5 SE =
 * 5/sqrt(N) of 0 and the variance within 5 SE = 5 sqrt(2/N) of 1. */
Test(points, noise_draws_have_unit_normal_moments)
{
  fm_case *c;
  fm_pointset *ps = fm_points_of(&c, "aniso3d-cond_ot.json", 99, 4000);
  size_t N = ps->n * ps->d;
  double m = 0.0, s2 = 0.0;
  for (size_t i = 0; i < N; i++)
    m += ps->x0[i];
  m /= (double)N;
  for (size_t i = 0; i < N; i++)
    s2 += (ps->x0[i] - m) * (ps->x0[i] - m);
  s2 /= (double)(N - 1);
  cr_expect(fabs(m) < 5.0 / sqrt((double)N), "mean %.4g", m);
  cr_expect(fabs(s2 - 1.0) < 5.0 * sqrt(2.0 / (double)N), "variance %.4g", s2);
  fm_points_free(ps, c);
}

Test(points, maxdiff_reports_the_largest_scaled_difference_and_nan)
{
  double a[4] = {1.0, 2.5, -3.0, 4.0}, ref[4] = {1.0, 2.0, -3.75, 4.25};
  size_t w = 99;
  double m = fm_maxdiff(a, ref, 4, 0.5, &w);
  cr_expect(m == 1.5 && w == 2, "maxdiff %.17g at %zu, expected 1.5 at 2", m, w);
  a[1] = NAN;
  m = fm_maxdiff(a, ref, 4, 1.0, &w);
  cr_expect(isnan(m) && w == 1, "NaN must propagate: got %.17g at %zu", m, w);
}

Test(points, describe_fits_the_buffer_and_keeps_the_kind)
{
  fm_case *c;
  fm_pointset *ps = fm_points_of(&c, "mix16d-cond_ot.json", 5, 10);
  size_t lens[] = {256, 80, 48};
  for (size_t l = 0; l < 3; l++)
    for (size_t i = 0; i < ps->n; i++) {
      char buf[256];
      memset(buf, 'Z', sizeof buf);
      fm_point_describe(buf, lens[l], ps, i);
      size_t n = strnlen(buf, sizeof buf);
      char kind[24];
      snprintf(kind, sizeof kind, "(%s)", fm_point_kind_name(ps->kind[i]));
      cr_expect(n < lens[l], "length %zu does not fit %zu", n, lens[l]);
      cr_expect(strncmp(buf, "t=", 2) == 0, "starts with t=: %s", buf);
      cr_expect(n >= strlen(kind) && strcmp(buf + n - strlen(kind), kind) == 0,
                "ends with %s: %s", kind, buf);
    }
  fm_points_free(ps, c);
}

Test(points, fdiff_grid_gives_exact_abscissae_inside_the_interval)
{
  double ts[] = {1e-6, 1.5e-6, 0.123456789, 0.5, 0.987654321, 1.0 - 2e-6, 1.0 - 1e-6};
  for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) {
    double tc, h0;
    cr_assert_eq(fm_fdiff_grid(&tc, &h0, ts[i], 1e-2), FM_OK);
    double lim = fmin(1e-2, fmin(tc / 4, (1.0 - tc) / 4));
    int e;
    cr_expect(fabs(tc - ts[i]) <= 0x1p-41, "t moved by %.3g", fabs(tc - ts[i]));
    cr_expect(h0 <= lim && 2.0 * h0 > lim, "h0 %.17g not the largest power of 2 <= %.17g",
              h0, lim);
    cr_expect(frexp(h0, &e) == 0.5, "h0 %.17g is not a power of two", h0);
    for (double h = h0; h >= h0 / 16; h *= 0.5) {
      /* exact iff subtracting back recovers h (Sterbenz does not apply) */
      cr_expect((tc + h) - tc == h && tc - (tc - h) == h, "t %.17g +- %.17g not exact", tc,
                h);
    }
  }
  double tc, h0;
  cr_expect_eq(fm_fdiff_grid(&tc, &h0, 0.0, 1e-2), FM_EDOM);
  cr_expect_eq(fm_fdiff_grid(&tc, &h0, 1.0, 1e-2), FM_EDOM);
}

static int f_sin(double *y, double t, void *ctx)
{
  (void)ctx;
  y[0] = sin(3.0 * t);
  y[1] = 2.0 * t + 1.0; /* affine: no information, must be skipped */
  return FM_OK;
}

Test(points, observed_order_is_two_for_smooth_and_absent_for_affine)
{
  double o;
  cr_assert_eq(fm_fdiff_observed_order(&o, f_sin, NULL, 2, 0.4, 0x1p-6, DBL_EPSILON), FM_OK);
  /* (D0 - D1)/(D1 - D2) = 4 (1 + O(h^2)): log2 within 0.05 of 2 for h0 = 1/64 */
  cr_expect(fabs(o - 2.0) < 0.05, "observed order %.4f", o);
  cr_assert_eq(fm_fdiff_observed_order(&o, f_sin, NULL, 1, 0.4, 0x1p-6, 1.0), FM_OK);
  cr_expect(isnan(o), "a difference below the stated noise must give NaN, got %.4f", o);
}

/* The candidate's derivatives are checked against central differences of
 * its own values (h = 1e-5: error ~ h^2 f''' ~ 1e-9 relative, round-off
 * eps/h ~ 2e-11), tolerance 1e-7 relative. */
Test(points, candidate_schedule_derivatives_match_its_values)
{
  fm_case *c = fm_test_case_load("gauss1d-cosine.json");
  double ts[] = {0.2385, 0.5, 0.77};
  for (size_t i = 0; i < 3; i++)
    for (int rev = 0; rev <= 1; rev++) {
      double t = ts[i], h = 1e-5;
      fm_sched_val v, p, m;
      cr_assert_eq(fm_sched_eval_candidate(&v, c->sched, t, 1.01, rev), FM_OK);
      cr_assert_eq(fm_sched_eval_candidate(&p, c->sched, t + h, 1.0, rev), FM_OK);
      cr_assert_eq(fm_sched_eval_candidate(&m, c->sched, t - h, 1.0, rev), FM_OK);
      double da = (p.alpha - m.alpha) / (2 * h), ds = (p.sigma - m.sigma) / (2 * h);
      cr_expect(fabs(v.dalpha - da) <= 1e-7 * fabs(da), "t %g rev %d: alpha' %.10g vs FD %.10g",
                t, rev, v.dalpha, da);
      cr_expect(fabs(v.dsigma - 1.01 * ds) <= 1e-7 * fabs(ds),
                "t %g rev %d: sigma' %.10g vs 1.01 x FD %.10g", t, rev, v.dsigma, 1.01 * ds);
    }
  fm_case_free(c);
}

Test(points, schedule_condition_is_one_plus_the_largest_log)
{
  fm_sched_val v = {exp(-3.0), 1.0, 0.0, -exp(5.5)};
  double k = fm_sched_cond(&v);
  cr_expect(fabs(k - 6.5) < 1e-14, "kappa %.17g, expected 1 + 5.5", k);
}

/* A VP written as an expression, sigma = sqrt(1 - exp(-T)), at t = 1 -
 * 5.5e-11 (T ~ 3e-12): 1 - exp(-T) keeps only ~4 significant digits, so
 * sigma is relatively wrong by ~6e-6 while alpha is accurate.  The
 * component-wise bound must cover sigma's true error (the reference
 * sqrt(-expm1(-T)) is accurate to a few eps) and must not pass that noise on
 * to alpha (sigma's 8x noise is ~5e-11 at the first point, alpha's a priori
 * 4 kappa eps (|alpha| + |sigma|) ~ 2e-14: 1e-12 separates them).  The
 * noise grid of fm_sched_noise must not collapse below ulp(t) there:
 * sigma's relative noise must read ~1e-6, not ~eps. */
Test(points, expression_value_bounds_are_componentwise_and_cover_cancellation)
{
  fm_schedule *s;
  cr_assert_eq(fm_schedule_expr(&s, "exp(-(0.0552*(1-t) + 11.92*(1-t)^2)/2)",
                                "sqrt(1 - exp(-(0.0552*(1-t) + 11.92*(1-t)^2)))", NULL, NULL,
                                NULL, NULL),
               FM_OK);
  const double ts[] = {0.99999999994535105, 0.9999982632, 0.2385};
  for (size_t i = 0; i < 3; i++) {
    double t = ts[i], u = 1.0 - t, T = 0.0552 * u + 11.92 * u * u;
    double sig = sqrt(-expm1(-T)), e[4];
    fm_sched_val v;
    cr_assert_eq(fm_schedule_eval(&v, s, t), FM_OK);
    cr_assert_eq(fm_sched_value_errs(e, s, t, &v, 0), FM_OK);
    double err = fabs(v.sigma - sig) + 4.0 * DBL_EPSILON * sig;
    fprintf(stderr, "t = %.17g: sigma error %.3g, bound %.3g; alpha bound/|alpha| %.3g\n", t,
            err, e[1], e[0] / fabs(v.alpha));
    cr_expect(err <= e[1], "t = %.17g: sigma error %.3g above its bound %.3g", t, err, e[1]);
    cr_expect(e[0] <= 1e-12, "t = %.17g: alpha's bound %.3g of %.3g", t, e[0], v.alpha);
  }
  double n[4];
  fm_sched_val v;
  cr_assert_eq(fm_schedule_eval(&v, s, ts[0]), FM_OK);
  cr_assert_eq(fm_sched_noise(n, s, ts[0]), FM_OK);
  cr_expect(n[1] > 1e-7 * v.sigma, "sigma's noise %.3g of %.3g at t = 1 - 5.5e-11 (collapsed?)",
            n[1], v.sigma);
  fm_schedule_free(s);
}

/* For a built-in (twin != 0) the bounds stay fm_sched_value_err |f|. */
Test(points, builtin_value_bounds_are_the_relative_bound_times_each_value)
{
  fm_case *c = fm_test_case_load("gauss1d-vp.json");
  const double ts[] = {1e-6, 0.2385, 0.99999999994535105};
  for (size_t i = 0; i < 3; i++) {
    fm_sched_val v;
    double e[4];
    cr_assert_eq(fm_schedule_eval(&v, c->sched, ts[i]), FM_OK);
    cr_assert_eq(fm_sched_value_errs(e, c->sched, ts[i], &v, 1), FM_OK);
    double r = fm_sched_value_err(c->sched, ts[i], fm_sched_cond(&v));
    const double f[4] = {v.alpha, v.sigma, v.dalpha, v.dsigma};
    for (int k = 0; k < 4; k++)
      cr_expect(e[k] == r * fabs(f[k]), "t %g, k %d: %.17g vs %.17g", ts[i], k, e[k],
                r * fabs(f[k]));
  }
  fm_case_free(c);
}

Test(points, check_options_scale_points_and_override_the_seed)
{
  fm_case *c = fm_test_case_load("gauss1d-vp.json");
  fm_check_opts o = fm_check_opts_default();
  cr_expect_eq(fm_check_seed(&o, c), c->seed);
  o.seed = 77;
  o.npoints = 12;
  o.multiplier = 3;
  cr_expect_eq(fm_check_seed(&o, c), 77);
  cr_expect_eq(fm_check_npoints(&o), 36);
  fm_case_free(c);
}
