/* test_gmm_posterior.c -- fm_gmm_posterior: p(x1 | x_t = x) as a GMM
 * (information form, cases/gmm_posterior.c) against
 *  - the MPFR twin of the marginal path (gmm_mp.c, Gauss elimination at
 *    256 bits, fed the same double schedule values): posterior mean
 *    E[x1|x] = sum_k gamma_k mu_k and log p_t(x) = logsumexp(log w_k + log Z_k);
 *  - the defining identity of each component covariance,
 *    Sigma_k (S_k^{-1} + (alpha/sigma)^2 I) = I;
 *  - its exact limits: alpha = 0 gives the prior, sigma = 0 is refused;
 *  - samples: their mean is the posterior mean.
 * Points: fm_pointset (typical, within 2e-6 of t = 0 and 1, 50 sd tails). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "fm_test_case.h"
#include "fm_test_gmm.h"
#include "gmm.h"
#include "linalg.h"
#include "mc.h"
#include "mp.h"
#include "points.h"

#define EPS 0x1p-53
#define PREC 256

/* MPFR reference mean and log p at double schedule values v (exact inputs). */
static void mp_reference(double *mean, double *logp, const fm_gmm *g, const fm_sched_val *v,
                         const double *x)
{
  size_t d = g->d;
  fm_sched_mp vm;
  fm_sched_mp_init(&vm, PREC);
  fm_sched_mp_set_d(&vm, v);
  mpfr_t *xm, *mm, lp;
  cr_assert_eq(fm_mp_vec_alloc(&xm, d, PREC), FM_OK);
  cr_assert_eq(fm_mp_vec_alloc(&mm, d, PREC), FM_OK);
  mpfr_init2(lp, PREC);
  fm_mp_vec_set_d(xm, x, d);
  cr_assert_eq(fm_gmm_marginal_mpfr(lp, NULL, mm, NULL, g, &vm, xm, PREC), FM_OK);
  fm_mp_vec_get_d(mean, mm, d);
  *logp = mpfr_get_d(lp, MPFR_RNDN);
  mpfr_clear(lp);
  fm_mp_vec_free(xm, d);
  fm_mp_vec_free(mm, d);
  fm_sched_mp_clear(&vm);
}

/* Error bound of the information-form route (first order, eps = 2^-53).
 * Per component, N_k = I + c S_k (c = (alpha/sigma)^2) has condition
 * kappa_k = (1 + c lmax)/(1 + c lmin) <= cond S_k; the Cholesky solve
 * e = N^{-1} r is accurate to (d + 2) eps kappa_k relative, so each of the
 * non-negative terms of Q_k = (|e|^2 + c e'S e)/sigma^2 and log det N_k
 * carries a relative error <= 2 (d + 2) eps kappa_k, and log Z_k an absolute
 * error B_k = 2 (d + 2) eps kappa_k (Q_k + |log det N_k| + d |log sigma| + d).
 * A weight gamma_k moves by <= gamma_k 2 max_j B_j (j over components that
 * matter), mu_k = m_k + (alpha/sigma^2) S e by (d + 2) eps kappa_k (|m_k| +
 * |mu_k - m_k|).  Hence for E = sum gamma_k mu_k:
 *   tol_E = sum_k gamma_k [2 B |mu_k| + (d + 4) eps kappa_k (|m_k| + |mu_k - m_k|)]
 *           + eps |E|          (rounding the MPFR reference),
 * and tol_logp = max_k B_k + eps |log p|.  A factor 2 on both for
 * second-order terms. */
static void bounds(double *tol_E, double *tol_lp, const fm_gmm *g, const fm_gmm *post,
                   const double *logZ, const fm_sched_val *v, const double *E, double logp)
{
  size_t d = g->d;
  double c = (v->alpha / v->sigma) * (v->alpha / v->sigma), B = 0.0, tE = 0.0;
  double *kap = malloc(g->K * sizeof *kap);
  for (size_t k = 0; k < g->K; k++) {
    const double *S = g->cov + k * d * d;
    double lo, hi;
    fm_test_eig_range(&lo, &hi, S, d);
    kap[k] = (1.0 + c * hi) / (1.0 + c * lo);
    if (post->w[k] < 1e-300)
      continue;
    /* Q_k from log Z_k = -d/2 log 2pi - d log sigma - logdet/2 - Q/2 */
    double q = fabs(2.0 * logZ[k]) + 2.0 * (double)d * (2.0 + fabs(log(v->sigma)));
    B = fmax(B, 2.0 * (double)(d + 2) * EPS * kap[k] * (q + (double)d));
  }
  for (size_t k = 0; k < g->K; k++) {
    double mu = 0.0, m = 0.0, dm = 0.0;
    for (size_t i = 0; i < d; i++) {
      mu = fmax(mu, fabs(post->mean[k * d + i]));
      m = fmax(m, fabs(g->mean[k * d + i]));
      dm = fmax(dm, fabs(post->mean[k * d + i] - g->mean[k * d + i]));
    }
    tE += post->w[k] * (2.0 * B * mu + (double)(d + 4) * EPS * kap[k] * (m + dm));
  }
  double en = 0.0;
  for (size_t i = 0; i < d; i++)
    en = fmax(en, fabs(E[i]));
  *tol_E = 2.0 * (tE + EPS * en);
  *tol_lp = 2.0 * (B + EPS * fabs(logp));
  free(kap);
}

Test(gmm_posterior, mean_and_evidence_match_mpfr_twin_on_every_case)
{
  for (size_t ci = 0; ci < fm_case_builtin_count(); ci++) {
    fm_case *c;
    cr_assert_eq(fm_case_builtin_load(&c, ci, NULL), FM_OK);
    const fm_gmm *g = c->gmm;
    size_t d = g->d, K = g->K;
    fm_pointset *ps;
    cr_assert_eq(fm_pointset_make(&ps, c, 7, 20), FM_OK);
    double *E = malloc(2 * d * sizeof *E), *Eref = E + d, *logZ = malloc(K * sizeof *logZ);
    for (size_t p = 0; p < ps->n; p++) {
      fm_sched_val v;
      cr_assert_eq(fm_schedule_eval(&v, c->sched, ps->t[p]), FM_OK);
      const double *x = ps->x + p * d;
      fm_gmm *post;
      cr_assert_eq(fm_gmm_posterior(&post, logZ, g, &v, x), FM_OK, "%s point %zu", c->name, p);
      double lref, mx = -INFINITY, s = 0.0;
      mp_reference(Eref, &lref, g, &v, x);
      for (size_t i = 0; i < d; i++) {
        E[i] = 0.0;
        for (size_t k = 0; k < K; k++)
          E[i] += post->w[k] * post->mean[k * d + i];
      }
      for (size_t k = 0; k < K; k++)
        mx = fmax(mx, g->logw[k] + logZ[k]);
      for (size_t k = 0; k < K; k++)
        s += exp(g->logw[k] + logZ[k] - mx);
      double lp = mx + log(s), tE, tl;
      bounds(&tE, &tl, g, post, logZ, &v, Eref, lref);
      double eE = 0.0;
      for (size_t i = 0; i < d; i++)
        eE = fmax(eE, fabs(E[i] - Eref[i]));
      cr_expect_leq(eE, tE, "%s point %zu (t=%.10g, %s): |E - E_mp| = %.3g > %.3g", c->name, p,
                    ps->t[p], fm_point_kind_name(ps->kind[p]), eE, tE);
      cr_expect_leq(fabs(lp - lref), tl, "%s point %zu (t=%.10g): log p %.17g vs %.17g (tol %.3g)",
                    c->name, p, ps->t[p], lp, lref, tl);
      fm_gmm_free(post);
    }
    free(E);
    free(logZ);
    fm_pointset_free(ps);
    fm_case_free(c);
  }
}

/* Sigma_k P_k = I with P_k = S_k^{-1} + c I (S_k^{-1} from GSL Cholesky
 * inversion in the test): for a backward-stable inverse the residual is
 * <= (d + 2) eps kappa(P_k) (times 2 for the two inversions and 2 more for
 * second order: 4 (d + 2) eps kappa). */
Test(gmm_posterior, component_covariances_invert_posterior_precision)
{
  for (size_t ci = 0; ci < fm_case_builtin_count(); ci++) {
    fm_case *c;
    cr_assert_eq(fm_case_builtin_load(&c, ci, NULL), FM_OK);
    const fm_gmm *g = c->gmm;
    size_t d = g->d;
    const double ts[] = {1e-6, 0.3, 0.8, 1.0 - 1e-6};
    double *P = malloc(3 * d * d * sizeof *P), *col = P + d * d, *x = col + d * d;
    for (int it = 0; it < 4; it++) {
      fm_sched_val v;
      cr_assert_eq(fm_schedule_eval(&v, c->sched, ts[it]), FM_OK);
      for (size_t i = 0; i < d; i++)
        x[i] = 0.613 * (double)(i + 1);
      fm_gmm *post;
      cr_assert_eq(fm_gmm_posterior(&post, NULL, g, &v, x), FM_OK);
      double cc = (v.alpha / v.sigma) * (v.alpha / v.sigma);
      for (size_t k = 0; k < g->K; k++) {
        const double *L = g->chol + k * d * d, *Sig = post->cov + k * d * d;
        for (size_t j = 0; j < d; j++) {  /* P column j = S^{-1} e_j + c e_j */
          for (size_t i = 0; i < d; i++)
            col[i] = i == j ? 1.0 : 0.0;
          fm_linalg_chol_solve(col, L, col, d);
          for (size_t i = 0; i < d; i++)
            P[i * d + j] = col[i] + (i == j ? cc : 0.0);
        }
        double kap = fm_test_cond_spd(P, d), res = 0.0;
        for (size_t i = 0; i < d; i++)
          for (size_t j = 0; j < d; j++) {
            double s = 0.0;
            for (size_t l = 0; l < d; l++)
              s += Sig[i * d + l] * P[l * d + j];
            res = fmax(res, fabs(s - (i == j ? 1.0 : 0.0)));
          }
        double tol = 4.0 * (double)(d + 2) * EPS * kap;
        cr_expect_leq(res, tol, "%s t=%g k=%zu: |Sigma P - I| = %.3g > %.3g", c->name, ts[it],
                      k, res, tol);
      }
      fm_gmm_free(post);
    }
    free(P);
    fm_case_free(c);
  }
}

Test(gmm_posterior, alpha_zero_gives_prior_and_sigma_zero_is_refused)
{
  fm_case *c;
  cr_assert_eq(fm_case_builtin_load(&c, 0, NULL), FM_OK);
  const fm_gmm *g = c->gmm;
  size_t d = g->d;
  double x[16] = {2.385, -1.5, 0.7};
  fm_sched_val v0 = {0.0, 0.8, 1.0, -1.0}, vs = {1.0, 0.0, 1.0, -1.0};
  fm_gmm *post = NULL;
  cr_assert_eq(fm_gmm_posterior(&post, NULL, g, &v0, x), FM_OK);
  for (size_t k = 0; k < g->K; k++) {
    cr_expect_lt(fabs(post->w[k] - g->w[k]), 4 * EPS, "gamma_%zu %.17g vs w %.17g", k,
                 post->w[k], g->w[k]);
    for (size_t i = 0; i < d; i++)
      cr_expect_eq(post->mean[k * d + i], g->mean[k * d + i]);
    for (size_t i = 0; i < d * d; i++)
      cr_expect_lt(fabs(post->cov[k * d * d + i] - g->cov[k * d * d + i]),
                   4 * EPS * fabs(g->cov[k * d * d + i]) + 1e-300);
  }
  fm_gmm_free(post);
  post = NULL;
  cr_expect_eq(fm_gmm_posterior(&post, NULL, g, &vs, x), FM_ESING);
  cr_expect_null(post);
  fm_case_free(c);
}

/* 20000 draws from the posterior of ring8-cond_ot at t = 0.7, x between two
 * modes: the sample mean is within 5 standard errors of the MPFR posterior
 * mean in each coordinate (fixed seed, 2 comparisons). */
Test(gmm_posterior, samples_have_the_posterior_mean)
{
  fm_case *c = fm_test_case_load("ring8-cond_ot.json");
  fm_sched_val v;
  cr_assert_eq(fm_schedule_eval(&v, c->sched, 0.7), FM_OK);
  double x[2] = {1.2, 0.5}, Eref[2], lref;
  mp_reference(Eref, &lref, c->gmm, &v, x);
  fm_gmm *post;
  cr_assert_eq(fm_gmm_posterior(&post, NULL, c->gmm, &v, x), FM_OK);
  fm_welford w[2];
  fm_rng r = fm_rng_make(99, 3);
  fm_test_sample_means(w, post, &r, 20000);
  for (int j = 0; j < 2; j++)
    cr_expect_lt(fabs(w[j].mean - Eref[j]), 5.0 * fm_welford_se(&w[j]),
                 "coord %d: %.6g vs %.6g (se %.3g)", j, w[j].mean, Eref[j],
                 fm_welford_se(&w[j]));
  fm_gmm_free(post);
  fm_case_free(c);
}
