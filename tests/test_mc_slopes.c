/* test_mc_slopes.c (suite slow) -- convergence of the marginal-field
 * estimators: the root-mean-square error of the Monte Carlo estimates of
 * u_t(x) = E[u_t(x|x1) | x_t = x] must fall as N^{-1/2} (fitted slope
 * -0.5 +- 0.1) over N = 1e3 .. 1e6, for the plain self-normalised estimator
 * (x1 ~ q) and the importance estimator (posterior components, prior
 * weights) of theorems/post_routes.h; the randomly shifted Sobol versions
 * of both are measured too, their slopes reported and required to be
 * steeper than Monte Carlo's.
 *
 * Reference: the closed form fm_gmm_marginal (an independent route; the
 * estimators use only q's density, the likelihood and u_t(x|x1)).
 * Error at each N: sqrt(mean over R replicates of |est - u|^2), R = 32
 * independent streams.  Its log has sd ~ 1/sqrt(2 R d) <= 0.125, so the
 * least-squares slope over 6 points spaced by log 4 has se ~ 0.125 /
 * (sd(log N) sqrt 6) = 0.022: the band -0.5 +- 0.1 is > 4 se wide.  The
 * fit's own 95% band (t quantile, fm_mc_loglog_slope) is printed.
 * Points: t = 0.6, x = alpha x1 + sigma x0 for a seeded draw, on one case
 * per dimension 1, 2, 3 (ESS is healthy there: this measures the rate, not
 * the collapse, which the theorem tests cover). */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "case.h"
#include "cond.h"
#include "fm_test_case.h"
#include "mc.h"
#include "post_routes.h"
#include "qmc.h"

#define R 32
#define NN 6
#define T 0.6
#define SEED 31337u

/* x = alpha x1 + sigma x0 from a seeded draw; u = closed form. */
static void point(double *x, double *u, fm_sched_val *v, const fm_case *c)
{
  size_t d = c->gmm->d;
  double x1[16], x0[16];
  fm_rng r = fm_rng_make(SEED, 1);
  fm_gmm_sample(x1, c->gmm, &r, 7);
  fm_rng_normals(x0, d, &r, 1000);
  cr_assert_eq(fm_schedule_eval(v, c->sched, T), FM_OK);
  fm_cond_flow(x, v, x0, x1, d);
  cr_assert_eq(fm_gmm_marginal(NULL, NULL, NULL, u, c->gmm, c->sched, T, x), FM_OK);
}

static double sqdist(const double *a, const double *b, size_t d)
{
  double s = 0.0;
  for (size_t i = 0; i < d; i++)
    s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

static void fm_test_mc_slope(const char *file, int route)
{
  fm_case *c = fm_test_case_load(file);
  size_t d = c->gmm->d;
  double x[16], u[16], est[16], N[NN], err[NN];
  fm_sched_val v;
  point(x, u, &v, c);
  for (int k = 0; k < NN; k++) {
    N[k] = 1000.0 * pow(4.0, k);
    double ms = 0.0;
    for (int rep = 0; rep < R; rep++) {
      fm_rng r = fm_rng_make(SEED + (uint64_t)rep, 100 + (uint64_t)k);
      cr_assert_eq(fm_post_mc_estimate(est, NULL, NULL, c->gmm, &v, x, fm_cond_field, route,
                                       (size_t)N[k], &r),
                   FM_OK);
      ms += sqdist(est, u, d);
    }
    err[k] = sqrt(ms / R);
  }
  fm_slope s;
  cr_assert_eq(fm_mc_loglog_slope(&s, N, err, NN, 0.95), FM_OK);
  fprintf(stderr, "MC slope %-24s %-5s: %.3f  (95%% band %.3f .. %.3f; rms err %.3g -> %.3g)\n",
          c->name, route == FM_POST_R_PLAIN ? "plain" : "IS", s.slope, s.lo, s.hi, err[0],
          err[NN - 1]);
  cr_expect(fabs(s.slope + 0.5) <= 0.1, "%s %s: slope %.3f outside -0.5 +- 0.1", c->name,
            route == FM_POST_R_PLAIN ? "plain" : "IS", s.slope);
  fm_case_free(c);
}

Test(mc_slopes, plain_estimator_converges_at_rate_one_half, .timeout = 1800)
{
  fm_test_mc_slope("bimodal1d-cond_ot.json", FM_POST_R_PLAIN);
  fm_test_mc_slope("ring8-vp.json", FM_POST_R_PLAIN);
  fm_test_mc_slope("aniso3d-cond_ot.json", FM_POST_R_PLAIN);
}

Test(mc_slopes, importance_estimator_converges_at_rate_one_half, .timeout = 1800)
{
  fm_test_mc_slope("bimodal1d-cond_ot.json", FM_POST_R_IS);
  fm_test_mc_slope("ring8-vp.json", FM_POST_R_IS);
  fm_test_mc_slope("aniso3d-cond_ot.json", FM_POST_R_IS);
}

/* ---- QMC: the same two estimators driven by shifted Sobol points ----
 * u_0 picks the component by inverse CDF of the (prior) weights, u_1..d
 * give z = Phi^{-1}(u) and x1 = centre_k + B_k z; the integrand returns
 * (w, w f) with w the self-normalising weight scaled by exp(-log p_t(x))
 * (a constant: the ratio does not depend on it, it only keeps w near 1). */
typedef struct {
  const fm_gmm *g, *prop; /* prop = NULL: plain (centres and factors of q) */
  const fm_sched_val *v;
  const double *x;
  double shift;
  size_t d;
} qctx;

static double logmix(const fm_gmm *g, const double *y)
{
  double mx = -INFINITY, l[16], s = 0.0;
  size_t d = g->d;
  for (size_t k = 0; k < g->K; k++) {
    double q = 0.0, tmp[16];
    const double *L = g->chol + k * d * d;
    double ld = 0.0;
    for (size_t i = 0; i < d; i++) {
      double t = y[i] - g->mean[k * d + i];
      for (size_t j = 0; j < i; j++)
        t -= L[i * d + j] * tmp[j];
      tmp[i] = t / L[i * d + i];
      q += tmp[i] * tmp[i];
      ld += log(L[i * d + i]);
    }
    l[k] = g->logw[k] - 0.5 * q - ld;
    mx = fmax(mx, l[k]);
  }
  for (size_t k = 0; k < g->K; k++)
    s += exp(l[k] - mx);
  return mx + log(s);
}

static int qmc_f(double *y, const double *u, void *p)
{
  const qctx *c = p;
  const fm_gmm *src = c->prop ? c->prop : c->g;
  size_t d = c->d, k = 0;
  double cum = src->w[0], x1[16];
  while (k + 1 < src->K && u[0] >= cum)
    cum += src->w[++k];
  for (size_t i = 0; i < d; i++) {
    double s = src->mean[k * d + i];
    for (size_t j = 0; j <= i; j++)
      s += src->chol[k * d * d + i * d + j] * gsl_cdf_ugaussian_Pinv(u[1 + j]);
    x1[i] = s;
  }
  double lw = fm_cond_logpdf(c->v, c->x, x1, d) - c->shift;
  if (c->prop)
    lw += logmix(c->g, x1) - logmix(c->prop, x1);
  double w = exp(lw);
  fm_cond_field(y + 1, c->v, c->x, x1, d);
  y[0] = w;
  for (size_t i = 0; i < d; i++)
    y[1 + i] *= w;
  return FM_OK;
}

static void fm_test_qmc_slope(const char *file, int is)
{
  fm_case *c = fm_test_case_load(file);
  size_t d = c->gmm->d;
  double x[16], u[16], N[NN], err[NN], logp, mean[17];
  fm_sched_val v;
  point(x, u, &v, c);
  cr_assert_eq(fm_gmm_marginal(&logp, NULL, NULL, NULL, c->gmm, c->sched, T, x), FM_OK);
  fm_gmm *post = NULL, *prop = NULL;
  if (is) {
    cr_assert_eq(fm_gmm_posterior(&post, NULL, c->gmm, &v, x), FM_OK);
    cr_assert_eq(fm_gmm_copy(&prop, post), FM_OK);
    memcpy(prop->w, c->gmm->w, c->gmm->K * sizeof(double));
    memcpy(prop->logw, c->gmm->logw, c->gmm->K * sizeof(double));
  }
  qctx q = {c->gmm, prop, &v, x, logp, d};
  for (int k = 0; k < NN; k++) {
    /* N = 8 shifts x n Sobol points, n = 128 .. 131072 (N = 1024 .. 1.05e6) */
    size_t n = (size_t)128 << (2 * k);
    N[k] = 8.0 * (double)n;
    double ms = 0.0;
    for (int rep = 0; rep < 8; rep++) {
      fm_rng r = fm_rng_make(SEED + (uint64_t)rep, 200 + (uint64_t)k);
      cr_assert_eq(fm_qmc_estimate(mean, NULL, qmc_f, &q, d + 1, d + 1, n, 8, FM_QMC_UNIFORM,
                                   &r),
                   FM_OK);
      for (size_t i = 0; i < d; i++)
        ms += (mean[1 + i] / mean[0] - u[i]) * (mean[1 + i] / mean[0] - u[i]);
    }
    err[k] = sqrt(ms / 8);
  }
  fm_slope s;
  cr_assert_eq(fm_mc_loglog_slope(&s, N, err, NN, 0.95), FM_OK);
  fprintf(stderr, "QMC slope %-24s %-5s: %.3f  (95%% band %.3f .. %.3f; rms err %.3g -> %.3g)\n",
          c->name, is ? "IS" : "plain", s.slope, s.lo, s.hi, err[0], err[NN - 1]);
  /* steeper than Monte Carlo: the whole band below -0.5 */
  cr_expect_lt(s.hi, -0.5, "%s %s: QMC slope %.3f [%.3f, %.3f] not steeper than MC", c->name,
               is ? "IS" : "plain", s.slope, s.lo, s.hi);
  fm_gmm_free(post);
  fm_gmm_free(prop);
  fm_case_free(c);
}

Test(mc_slopes, shifted_sobol_estimators_converge_faster_than_mc, .timeout = 1800)
{
  const char *files[] = {"bimodal1d-cond_ot.json", "ring8-vp.json", "aniso3d-cond_ot.json"};
  for (int i = 0; i < 3; i++) {
    fm_test_qmc_slope(files[i], 0);
    fm_test_qmc_slope(files[i], 1);
  }
}
