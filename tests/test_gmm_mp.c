/* test_gmm_mp.c -- the double GMM marginal path (gmm_path.c: Cholesky,
 * log-sum-exp, u = alpha' E + sigma sigma' sum gamma z) against its MPFR
 * twin (gmm_mp.c: Gauss elimination, direct densities and plain sums,
 * u = (sigma'/sigma) x + (alpha' - sigma' alpha/sigma) E) at 256 bits.
 *
 * Inputs: three mixtures built here (1-D bimodal, 2-D anisotropic with full
 * covariances, 16-D with 4 components), every built-in schedule, t on a grid
 * that includes points within 1e-6 of 0 and of 1 plus seeded uniforms, and
 * points x = alpha m_k + L_k y with L_k L_k^T = C_k(t) and |y| in
 * {0.3, 1, 2.385, 10, 50} (Mahalanobis radius of component k: up to 50
 * standard deviations into the tails) plus one point 1e3 standard deviations
 * out.
 *
 * Metric: for the vectors u, score, mean, max_i |double_i - ref_i| / max_i
 * |ref_i| (error relative to the vector's scale); for log p, |double - ref|
 * / (|ref| + 1).  Tolerance TOL = 1e-13 for all four.  Why that is the right
 * size: the double route solves with Cholesky (backward error ~ d eps |C|),
 * so its forward error in z is ~ d eps kappa(C); the test mixtures keep
 * kappa(C_k(t)) <= 40 for all t, so d eps kappa <= 16 * 1.1e-16 * 40 =
 * 7e-14 < TOL.  The quadratic forms r.z at 50 standard deviations are 2500
 * with absolute error ~ 2500 d eps kappa ~ 2e-10, which moves the posterior
 * weights only where two components are comparable -- the measured worst
 * cases are logged so that regime is visible.  A reference that were
 * wrong at 1e-10 (negative control below) must exceed TOL.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fm_status.h"
#include "gmm.h"
#include "linalg.h"
#include "rng.h"
#include "schedule.h"

#define PREC 256
#define TOL 1e-13
#define DMAX 16
#define KMAX 4
#define SEED 20240611u

/* --- the three mixtures --- */

static fm_gmm *finalize_or_die(fm_gmm *g)
{
  fm_errmsg e;
  int st = fm_gmm_finalize(g, NULL, &e);
  cr_assert_eq(st, FM_OK, "fm_gmm_finalize: %s", e.msg);
  return g;
}

/* 0.3 N(-2.385, 0.09) + 0.7 N(1.7, 0.49): two well separated modes. */
static fm_gmm *gmm_bimodal_1d(void)
{
  fm_gmm *g;
  cr_assert_eq(fm_gmm_alloc(&g, 1, 2), FM_OK);
  g->w[0] = 0.3;
  g->w[1] = 0.7;
  g->mean[0] = -2.385;
  g->mean[1] = 1.7;
  g->cov[0] = 0.09;
  g->cov[1] = 0.49;
  return finalize_or_die(g);
}

/* Three components with rotated covariances R diag(l1, l2) R^T, l1/l2 up to
 * 3.0/0.1 = 30 (so kappa(C_k(t)) <= 30 for every t). */
static fm_gmm *gmm_anisotropic_2d(void)
{
  const double w[3] = {0.25, 0.45, 0.3};
  const double m[3][2] = {{1.5, -0.7}, {-1.1, 0.9}, {0.2, 2.3}};
  const double ang[3] = {0.3, 1.9, -0.8};
  const double l[3][2] = {{3.0, 0.1}, {0.5, 0.05}, {1.2, 0.4}};
  fm_gmm *g;
  cr_assert_eq(fm_gmm_alloc(&g, 2, 3), FM_OK);
  for (int k = 0; k < 3; k++) {
    double c = cos(ang[k]), s = sin(ang[k]);
    double *S = g->cov + 4 * k;
    g->w[k] = w[k];
    g->mean[2 * k] = m[k][0];
    g->mean[2 * k + 1] = m[k][1];
    S[0] = c * c * l[k][0] + s * s * l[k][1];
    S[3] = s * s * l[k][0] + c * c * l[k][1];
    S[1] = S[2] = c * s * (l[k][0] - l[k][1]);
  }
  return finalize_or_die(g);
}

/* 16-D, 4 components: means 3 N(0, I); S_k = B B^T / (2d) + 0.1 I with B
 * standard normal (eigenvalues in ~[0.1, 3.5]: kappa <= 40). */
static fm_gmm *gmm_16d(void)
{
  const size_t d = 16, K = 4;
  const double w[4] = {0.1, 0.2, 0.3, 0.4};
  fm_gmm *g;
  cr_assert_eq(fm_gmm_alloc(&g, d, K), FM_OK);
  fm_rng r = fm_rng_make(SEED, FM_RNG_STREAM(0x61, 0));
  double B[DMAX * DMAX];
  for (size_t k = 0; k < K; k++) {
    g->w[k] = w[k];
    fm_rng_normals(g->mean + k * d, d, &r, 1000 * k);
    for (size_t i = 0; i < d; i++)
      g->mean[k * d + i] *= 3.0;
    fm_rng_normals(B, d * d, &r, 1000 * k + 100);
    double *S = g->cov + k * d * d;
    for (size_t i = 0; i < d; i++)
      for (size_t j = 0; j < d; j++) {
        double s = 0.0;
        for (size_t c = 0; c < d; c++)
          s += B[i * d + c] * B[j * d + c];
        S[i * d + j] = s / (2.0 * (double)d) + (i == j ? 0.1 : 0.0);
      }
  }
  return finalize_or_die(g);
}

/* --- schedules --- */

#define NSCHED 7
static fm_schedule *make_schedule(int i)
{
  fm_schedule *s = NULL;
  int st = FM_EINVAL;
  switch (i) {
  case 0: st = fm_schedule_cond_ot(&s, 0.0, NULL); break;
  case 1: st = fm_schedule_cond_ot(&s, 1e-4, NULL); break;
  case 2: st = fm_schedule_vp(&s, 0.1, 20.0, NULL); break;
  case 3: st = fm_schedule_ve(&s, 0.01, 50.0, NULL); break;
  case 4: st = fm_schedule_cosine(&s, NULL); break;
  case 5: st = fm_schedule_polynomial(&s, 2.385, NULL); break;
  default: st = fm_schedule_linear_vp(&s, NULL); break;
  }
  cr_assert_eq(st, FM_OK);
  return s;
}

/* --- the comparison --- */

#define NOUT 4
static const char *const out_name[NOUT] = {"u", "score", "mean", "logp"};

typedef struct {
  double err[NOUT];
  double t[NOUT], radius[NOUT];
  const char *sched[NOUT];
  int ncalls, status_mismatch;
  double mismatch_t;
} worst;

static double vec_err(const double *a, const double *ref, size_t d)
{
  double scale = 0.0, e = 0.0;
  for (size_t i = 0; i < d; i++) {
    scale = fmax(scale, fabs(ref[i]));
    e = fmax(e, fabs(a[i] - ref[i]));
  }
  return scale > 0.0 ? e / scale : (e > 0.0 ? INFINITY : 0.0);
}

static void record(worst *w, int o, double e, double t, double radius, const char *sched)
{
  if (e > w->err[o] || isnan(e)) {
    w->err[o] = isnan(e) ? INFINITY : e;
    w->t[o] = t;
    w->radius[o] = radius;
    w->sched[o] = sched;
  }
}

/* x = alpha m_k + L_k (radius y/|y|), L_k the Cholesky factor of C_k(t). */
static void make_point(double *x, const fm_gmm *g, const fm_sched_val *v, size_t k,
                       double radius, const fm_rng *r, uint64_t idx)
{
  size_t d = g->d;
  double C[DMAX * DMAX], y[DMAX], Ly[DMAX], n2 = 0.0;
  for (size_t i = 0; i < d * d; i++)
    C[i] = v->alpha * v->alpha * g->cov[k * d * d + i];
  for (size_t i = 0; i < d; i++)
    C[i * d + i] += v->sigma * v->sigma;
  cr_assert_eq(fm_linalg_chol(C, C, d), FM_OK);
  fm_rng_normals(y, d, r, idx * DMAX);
  for (size_t i = 0; i < d; i++)
    n2 += y[i] * y[i];
  for (size_t i = 0; i < d; i++)
    y[i] *= radius / sqrt(n2);
  fm_linalg_lower_mul(Ly, C, y, d);
  for (size_t i = 0; i < d; i++)
    x[i] = v->alpha * g->mean[k * d + i] + Ly[i];
}

#define NFIXED_T 9
#define NRANDOM_T 4
#define NRADII 6
static const double radii[NRADII] = {0.3, 1.0, 2.385, 10.0, 50.0, 1e3};

static void make_times(double *t)
{
  const double fixed[NFIXED_T] = {0.0, 3e-7, 1e-6, 0.2385, 0.5, 0.77,
                                  1.0 - 1e-6, 1.0 - 3e-7, 1.0};
  memcpy(t, fixed, sizeof fixed);
  fm_rng r = fm_rng_make(SEED, FM_RNG_STREAM(0x62, 0));
  fm_rng_uniforms(t + NFIXED_T, NRANDOM_T, &r, 0);
}

/* Compare double `g` with the twin on `gref` (the same mixture, except in
 * the negative control) over every schedule, time, component and radius. */
static worst compare(const fm_gmm *g, const fm_gmm *gref, size_t max_radius)
{
  worst w = {.status_mismatch = 0};
  double ts[NFIXED_T + NRANDOM_T];
  make_times(ts);
  fm_rng r = fm_rng_make(SEED, FM_RNG_STREAM(0x63, g->d));
  uint64_t idx = 0;
  size_t d = g->d;
  for (int si = 0; si < NSCHED; si++) {
    fm_schedule *s = make_schedule(si);
    for (size_t it = 0; it < NFIXED_T + NRANDOM_T; it++) {
      double t = ts[it];
      fm_sched_val v;
      if (fm_schedule_eval(&v, s, t) != FM_OK)
        v = (fm_sched_val){.alpha = 1.0, .sigma = 0.0};   /* points at the limit */
      for (size_t k = 0; k < g->K; k++)
        for (size_t ir = 0; ir < max_radius; ir++, idx++) {
          double x[DMAX], a[NOUT][DMAX], b[NOUT][DMAX];
          make_point(x, g, &v, k, radii[ir], &r, idx);
          int sd = fm_gmm_marginal(&a[3][0], a[1], a[2], a[0], g, s, t, x);
          int sm = fm_gmm_marginal_mp(&b[3][0], b[1], b[2], b[0], NULL, gref, s, t, x,
                                      PREC);
          w.ncalls++;
          if (sd != sm) {
            w.status_mismatch++;
            w.mismatch_t = t;
          }
          if (sd != FM_OK || sm != FM_OK)
            continue;
          for (int o = 0; o < 3; o++)
            record(&w, o, vec_err(a[o], b[o], d), t, radii[ir], fm_schedule_describe(s));
          record(&w, 3, fabs(a[3][0] - b[3][0]) / (fabs(b[3][0]) + 1.0), t, radii[ir],
                 fm_schedule_describe(s));
        }
    }
    fm_schedule_free(s);
  }
  return w;
}

static void check_mixture(fm_gmm *g, const char *label)
{
  worst w = compare(g, g, NRADII);
  cr_expect_eq(w.status_mismatch, 0,
               "%s: double and MPFR statuses differ in %d calls (e.g. t = %.17g)", label,
               w.status_mismatch, w.mismatch_t);
  for (int o = 0; o < NOUT; o++) {
    cr_log_info("%s: %-5s worst error %.3g at t = %.17g, radius %g, %s (%d calls)", label,
                out_name[o], w.err[o], w.t[o], w.radius[o],
                w.sched[o] ? w.sched[o] : "-", w.ncalls);
    cr_expect_leq(w.err[o], TOL,
                  "%s: %s error %.3g (relative to scale) at t = %.17g, %g standard "
                  "deviations, %s exceeds %.3g", label, out_name[o], w.err[o], w.t[o],
                  w.radius[o], w.sched[o] ? w.sched[o] : "-", TOL);
  }
  fm_gmm_free(g);
}

Test(gmm_mp, bimodal_1d_marginal_matches_mpfr_twin)
{
  check_mixture(gmm_bimodal_1d(), "1-D bimodal");
}

Test(gmm_mp, anisotropic_2d_marginal_matches_mpfr_twin)
{
  check_mixture(gmm_anisotropic_2d(), "2-D anisotropic");
}

Test(gmm_mp, d16_k4_marginal_matches_mpfr_twin)
{
  check_mixture(gmm_16d(), "16-D, 4 components");
}

/* Negative control: a twin fed a mixture whose first covariance entry and
 * first mean coordinate are off by 1e-10 (relative) must exceed TOL for u,
 * score and mean somewhere on the grid (radii up to 50). */
Test(gmm_mp, twin_of_mixture_off_by_1e10_is_detected)
{
  fm_gmm *g = gmm_anisotropic_2d(), *h;
  cr_assert_eq(fm_gmm_copy(&h, g), FM_OK);
  h->cov[0] *= 1.0 + 1e-10;
  h->mean[0] *= 1.0 + 1e-10;
  worst w = compare(g, h, NRADII - 1);
  for (int o = 0; o < 3; o++) {
    cr_log_info("perturbed 2-D mixture: %-5s worst error %.3g", out_name[o], w.err[o]);
    cr_expect_gt(w.err[o], TOL, "%s: a 1e-10 perturbation of the mixture was NOT "
                 "detected (worst error %.3g <= %.3g)", out_name[o], w.err[o], TOL);
  }
  fm_gmm_free(g);
  fm_gmm_free(h);
}
