/* test_gmm_time.c -- fm_gmm_at_time: p_t as a GMM of its own,
 * sum_k w_k N(alpha m_k, alpha^2 S_k + sigma^2 I).  Its density must be the
 * marginal density of the path (gmm_path.c, a different code path: long-
 * double Cholesky of C_k formed internally), and its samples must have the
 * mean of x_t = alpha x1 + sigma x0. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "fm_test_case.h"
#include "fm_test_gmm.h"
#include "gmm.h"
#include "mc.h"

#define EPS 0x1p-53

/* log p_t(x) two ways at t in {1e-3, 0.37, 0.9, 0.999} and x = alpha m_k +
 * (2.385, -1.5, ...) on every built-in case.  Each route forms the
 * Mahalanobis term Q = r' C^{-1} r through a Cholesky factor, with relative
 * error <= (d + 2) eps kappa(C) (backward error of Cholesky and of the two
 * triangular solves), and log det C with absolute error <= d (d + 2) eps
 * kappa(C); two routes, a factor 2 for second-order terms:
 *   tol = 4 (d + 2) eps kappa_max (Q_max + d + 1) + eps |log p|. */
Test(gmm_time, density_of_pt_gmm_equals_path_marginal)
{
  const double ts[] = {1e-3, 0.37, 0.9, 0.999};
  for (size_t ci = 0; ci < fm_case_builtin_count(); ci++) {
    fm_case *c;
    cr_assert_eq(fm_case_builtin_load(&c, ci, NULL), FM_OK);
    const fm_gmm *g = c->gmm;
    size_t d = g->d;
    double *x = malloc(d * sizeof *x);
    for (int it = 0; it < 4; it++) {
      fm_sched_val v;
      cr_assert_eq(fm_schedule_eval(&v, c->sched, ts[it]), FM_OK);
      fm_gmm *pt;
      cr_assert_eq(fm_gmm_at_time(&pt, g, &v), FM_OK, "%s t=%g", c->name, ts[it]);
      double kappa = 1.0;
      for (size_t k = 0; k < g->K; k++)
        kappa = fmax(kappa, fm_test_cond_spd(pt->cov + k * d * d, d));
      for (size_t k = 0; k < g->K; k++) {
        for (size_t i = 0; i < d; i++)
          x[i] = pt->mean[k * d + i] + (i % 2 ? -1.5 : 2.385);
        double lp_path, lp_gmm = fm_gmm_logpdf(pt, x);
        cr_assert_eq(fm_gmm_marginal(&lp_path, NULL, NULL, NULL, g, c->sched, ts[it], x),
                     FM_OK);
        /* Q_max: the largest Mahalanobis term, bounded by |r|^2 / lambda_min
         * <= |r|^2 kappa / (tr C / d) */
        double qmax = 0.0;
        for (size_t j = 0; j < g->K; j++) {
          double r2 = 0.0, tr = 0.0;
          for (size_t i = 0; i < d; i++) {
            double r = x[i] - pt->mean[j * d + i];
            r2 += r * r;
            tr += pt->cov[j * d * d + i * d + i];
          }
          qmax = fmax(qmax, r2 * kappa * (double)d / tr);
        }
        double tol = 4.0 * (double)(d + 2) * EPS * kappa * (qmax + (double)d + 1.0) +
                     EPS * fabs(lp_path);
        cr_expect_leq(fabs(lp_gmm - lp_path), tol, "%s t=%g k=%zu: %.17g vs %.17g (tol %.3g)",
                      c->name, ts[it], k, lp_gmm, lp_path, tol);
      }
      fm_gmm_free(pt);
    }
    free(x);
    fm_case_free(c);
  }
}

/* 20000 exact draws of p_t for ring8-vp at t = 0.613: each coordinate's
 * mean within 5 standard errors of alpha sum_k w_k m_k (one fixed seed, d = 2
 * comparisons: a 5-sigma miss has probability 1e-6). */
Test(gmm_time, samples_have_the_mean_of_x_t)
{
  fm_case *c = fm_test_case_load("ring8-vp.json");
  fm_sched_val v;
  cr_assert_eq(fm_schedule_eval(&v, c->sched, 0.613), FM_OK);
  fm_gmm *pt;
  cr_assert_eq(fm_gmm_at_time(&pt, c->gmm, &v), FM_OK);
  fm_welford w[2];
  fm_rng r = fm_rng_make(4242, 1);
  fm_test_sample_means(w, pt, &r, 20000);
  for (size_t j = 0; j < 2; j++) {
    double m = 0.0;
    for (size_t k = 0; k < c->gmm->K; k++)
      m += c->gmm->w[k] * v.alpha * c->gmm->mean[k * 2 + j];
    double se = fm_welford_se(&w[j]);
    cr_expect_lt(fabs(w[j].mean - m), 5.0 * se, "coord %zu: %.5g vs %.5g (se %.3g)", j,
                 w[j].mean, m, se);
  }
  fm_gmm_free(pt);
  fm_case_free(c);
}

Test(gmm_time, rejects_degenerate_and_nonfinite_schedules)
{
  fm_case *c;
  cr_assert_eq(fm_case_builtin_load(&c, 0, NULL), FM_OK);
  fm_gmm *pt = NULL;
  fm_sched_val zero = {0.0, 0.0, 0.0, 0.0}, bad = {NAN, 1.0, 0.0, 0.0};
  cr_expect_eq(fm_gmm_at_time(&pt, c->gmm, &zero), FM_ENOTPD);
  cr_expect_eq(fm_gmm_at_time(&pt, c->gmm, &bad), FM_ENONFIN);
  cr_expect_null(pt);
  fm_case_free(c);
}
