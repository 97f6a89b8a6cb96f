/* test_sample.c -- the samplers of cases/sample.h on the analytic field of
 * built-in cases (no training involved).
 *
 * 1. Orders.  For one Gaussian N(m, S) (the gauss1d cases) the flow of the
 *    marginal field is known exactly (solver_order.c): with c(t) =
 *    alpha_t^2 S + sigma_t^2,
 *        x_t = alpha_t m + sqrt(c(t)/c(t_a)) (x_{t_a} - alpha_{t_a} m),
 *    computed here from the schedule's values alone.  Every method of the
 *    fm_ode_methods table, run through fm_sample_run, must show the order
 *    its table entry claims: least-squares slope of log2 err against
 *    log2 N over five halvings, |slope - order| <= 0.3 (a method of the
 *    next lower order is short by ~1).  Known exception: the midpoint rule
 *    is third order on this field when c(t) is a quadratic polynomial in t
 *    (cond_ot, linear_vp; solver_order.c derives why), so there the bound
 *    is one-sided.  N0 = smallest power of two >= max(8, 8 L (t1 - t0)), L
 *    the largest |c'/2c| on the interval: every method in its asymptotic
 *    range.  Adaptive: the error must be within the controller's budget
 *    steps x tol x (1 + |x|).
 * 2. Distribution.  10^4 samples from N(0, I) noise, by RK4 (32 steps) and
 *    by adaptive rk8pd (rtol = atol = 1e-4), on ring8-cond_ot and
 *    bimodal1d-vp, pass fm_gmmtest_compare at alpha = 1e-3 against
 *    p_{t1} (t1 = 1, or 1 - 1e-6 for VP whose sigma' is infinite at 1).
 *    Why these step counts are not tuned to pass: the test first measures
 *    the sampler's rms displacement from a tight adaptive reference (1e-12)
 *    on 256 of the trajectories and requires it <= 1e-3 of the narrowest
 *    mode's standard deviation at t1; a displacement that small changes any
 *    variance by <= 2e-3 relative, 25x below the ~5% the log p KS test
 *    resolves at 10^4 samples (stattest.h).  VP's noise end is not exactly
 *    N(0, I) (alpha_0 = 0.0066): TV(p_0, N(0, 1)) = 2.5e-3 for bimodal1d-vp,
 *    which the flow map carries unchanged to t1 -- below the KS tests'
 *    resolution ~0.02 at this size.
 * 3. The seed note's sampler (theorems/README.md): Euler from noise at t = 1 toward
 *    t = 0 in the convention where t = 0 is noise.  compare-samples must
 *    reject it (p-values printed).
 * 4. SDE (eps = 1, eps_t = sigma_t) on bimodal1d-cond_ot: the number of
 *    Euler-Maruyama steps is derived, not tuned: the exact variance
 *    recursion of EM on each component (v_{k+1} = (1 + h b_k)^2 v_k +
 *    eps_k^2 h, b = c'/2c - eps_t^2/(2c), the within-mode linear SDE) must
 *    predict a variance error <= 2% at t = 1; 10^4 samples then pass.  The
 *    mutant without the score term in the drift must be rejected.
 * 5. Bookkeeping: NFE = stages x steps (fixed), steps (SDE); fixed-step and
 *    SDE results do not depend on the chunk size, bit for bit; the score
 *    conversion against the library's own score.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_test_smp.h"
#include "sample.h"
#include "sde.h"
#include "gmmtest.h"

#define SEED 20240621u
#define NSAMP 10000
#define ALPHA 1e-3
#define NTRAJ 16
#define NLEV 5
/* Mutants are judged by the tests against the exact law (mode occupancy,
 * KS on projections, log p KS): on an extreme statistic the sequential
 * permutation tests cannot stop early and run all ~6000 relabellings
 * (~6 s each here), which would only add p = 1/6001 to p-values already
 * below 1e-10.  Each mutant must also be rejected by a margin: smallest
 * Holm-adjusted p <= MUTANT_P. */
#define MUTANT_TESTS (FM_GMMTEST_T_CHISQ | FM_GMMTEST_T_KSPROJ | FM_GMMTEST_T_LOGP)
#define MUTANT_P 1e-10

/* ---------------------------------------------------------------- orders */

typedef struct {
  double m, S, t0, t1;
  const fm_schedule *s;
} fm_g1;

static double fm_g1_c(const fm_g1 *g, double t, double *alpha)
{
  fm_sched_val v;
  cr_assert_eq(fm_schedule_eval(&v, g->s, t), FM_OK, "t = %g", t);
  *alpha = v.alpha;
  return v.alpha * v.alpha * g->S + v.sigma * v.sigma;
}

/* Largest |c'/(2c)| = |alpha alpha' S + sigma sigma'| / c on a grid. */
static double fm_g1_stiffness(const fm_g1 *g)
{
  double L = 0.0;
  for (int i = 0; i <= 1024; i++) {
    fm_sched_val v;
    double t = g->t0 + (g->t1 - g->t0) * i / 1024.0;
    cr_assert_eq(fm_schedule_eval(&v, g->s, t), FM_OK);
    double c = v.alpha * v.alpha * g->S + v.sigma * v.sigma;
    L = fmax(L, fabs(v.alpha * v.dalpha * g->S + v.sigma * v.dsigma) / c);
  }
  return L;
}

/* Worst relative error of NTRAJ trajectories after the sampler ran. */
static double fm_g1_error(const fm_g1 *g, const double *x0, const double *x1)
{
  double a0, a1, c0 = fm_g1_c(g, g->t0, &a0), c1 = fm_g1_c(g, g->t1, &a1), worst = 0.0;
  for (size_t i = 0; i < NTRAJ; i++) {
    double ex = a1 * g->m + sqrt(c1 / c0) * (x0[i] - a0 * g->m);
    worst = fmax(worst, fabs(x1[i] - ex) / fmax(1.0, fabs(ex)));
  }
  return worst;
}

/* Least-squares slope of -log2 err against log2 N, ignoring levels at the
 * round-off floor 100 N eps. */
static double fm_slope(const double *err, const size_t *N, int n)
{
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int k = 0;
  for (int i = 0; i < n; i++) {
    if (err[i] <= 100.0 * (double)N[i] * 2.2e-16)
      continue;
    double x = log2((double)N[i]), y = -log2(err[i]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    k++;
  }
  cr_assert_geq(k, 3, "fewer than 3 levels above round-off");
  return (k * sxy - sx * sy) / (k * sxx - sx * sx);
}

static void fm_test_orders_on(const char *name)
{
  fm_case *c = fm_test_case(name);
  cr_assert_eq(c->gmm->d, 1u);
  cr_assert_eq(c->gmm->K, 1u);
  fm_field *f = fm_test_gmm_field(c);
  fm_g1 g = {c->gmm->mean[0], c->gmm->cov[0], 0, 0, c->sched};
  cr_assert_eq(fm_field_gmm_interval(&g.t0, &g.t1, c->sched), FM_OK);
  double a0, sd0 = sqrt(fm_g1_c(&g, g.t0, &a0)), x0[NTRAJ], x[NTRAJ];
  fm_rng r = fm_rng_make(SEED, FM_RNG_STREAM(0x5331, 0));
  for (size_t i = 0; i < NTRAJ; i++) /* exact draws of p_{t0}, and two 3 sd out */
    x0[i] = a0 * g.m + sd0 * (i < 2 ? (i ? -3.0 : 3.0) : fm_rng_normal(&r, i));
  double L = fm_g1_stiffness(&g);
  size_t N0 = 8;
  while ((double)N0 < 8.0 * L * (g.t1 - g.t0))
    N0 *= 2;
  int quadratic_c = strstr(name, "cond_ot") != NULL || strstr(name, "linear_vp") != NULL;
  for (size_t mi = 0; fm_ode_methods[mi] != NULL; mi++) {
    const fm_ode_method *m = fm_ode_methods[mi];
    double err[NLEV];
    size_t N[NLEV];
    for (int k = 0; k < NLEV; k++) {
      fm_sample_opts o;
      fm_sample_opts_default(&o);
      cr_assert_eq(fm_sample_opts_solver(&o, m->name), FM_OK);
      o.t0 = g.t0;
      o.t1 = g.t1;
      o.steps = N[k] = N0 << k;
      memcpy(x, x0, sizeof x);
      fm_errmsg e = {{0}};
      fm_sample_stats st;
      cr_assert_eq(fm_sample_run(x, &st, f, NTRAJ, &o, &e), FM_OK, "%s", e.msg);
      cr_expect_eq(st.nfe, (double)(m->stages * N[k]), "%s: NFE %g", m->name, st.nfe);
      err[k] = fm_g1_error(&g, x0, x);
    }
    double p = fm_slope(err, N, NLEV);
    fprintf(stderr, "sample: %-18s %-8s N0 %4zu errors %.2e .. %.2e  order %.3f (claimed %d)\n",
            name, m->name, N0, err[0], err[NLEV - 1], p, m->order);
    int super = quadratic_c && m->order == 2;
    cr_expect(p >= m->order - 0.3 && (super || p <= m->order + 0.3),
              "%s %s: observed order %.3f, claimed %d (band 0.3%s)", name, m->name, p,
              m->order, super ? ", one-sided: superconvergent here" : "");
  }
  /* adaptive: within the controller's own budget */
  fm_sample_opts o;
  fm_sample_opts_default(&o);
  cr_assert_eq(fm_sample_opts_solver(&o, "adaptive"), FM_OK);
  o.t0 = g.t0;
  o.t1 = g.t1;
  o.chunk = 1;
  o.adaptive.rtol = o.adaptive.atol = 1e-10;
  memcpy(x, x0, sizeof x);
  fm_sample_stats st;
  cr_assert_eq(fm_sample_run(x, &st, f, NTRAJ, &o, NULL), FM_OK);
  double aerr = fm_g1_error(&g, x0, x), xmax = 0.0;
  for (size_t i = 0; i < NTRAJ; i++)
    xmax = fmax(xmax, fabs(x[i]));
  double budget = (double)st.steps / NTRAJ * 1e-10 * (1.0 + xmax);
  fprintf(stderr, "sample: %-18s adaptive error %.2e (budget %.2e, NFE %.0f)\n", name, aerr,
          budget, st.nfe);
  cr_expect(aerr <= budget, "%s adaptive: error %.3g > budget %.3g", name, aerr, budget);
  fm_field_free(f);
  fm_case_free(c);
}

Test(sample, fixed_step_samplers_reach_their_orders_on_single_gaussian_flows)
{
  const char *cases[] = {"gauss1d-cosine", "gauss1d-polynomial", "gauss1d-vp",
                         "gauss1d-cond_ot", "gauss1d-linear_vp", "gauss1d-ve"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    fm_test_orders_on(cases[i]);
}

/* ---------------------------------------------------------- distribution */

/* The law p_t of case c as a GMM. */
static fm_gmm *fm_test_pt(const fm_case *c, double t)
{
  fm_sched_val v;
  cr_assert_eq(fm_schedule_eval(&v, c->sched, t), FM_OK);
  fm_gmm *pt;
  cr_assert_eq(fm_gmm_at_time(&pt, c->gmm, &v), FM_OK);
  return pt;
}

/* compare-samples of X against p_t with the tests in mask; returns the
 * smallest Holm-adjusted p. */
static double fm_test_compare(fm_gmmtest_result *res, const double *X, size_t n,
                              const fm_case *c, double t, const char *label, unsigned mask)
{
  fm_gmm *pt = fm_test_pt(c, t);
  fm_gmmtest_opts co = fm_gmmtest_opts_default();
  co.alpha = ALPHA;
  co.seed = SEED;
  co.tests = mask;
  cr_assert_eq(fm_gmmtest_compare(res, X, n, pt, &co), FM_OK);
  double pmin = 1.0;
  fprintf(stderr, "sample: %-18s %-26s", c->name, label);
  for (size_t i = 0; i < res->ntests; i++) {
    fprintf(stderr, " %s p=%.2g", res->test[i].name, res->test[i].pvalue);
    pmin = fmin(pmin, res->padj[i]);
  }
  fprintf(stderr, " -> %s\n", res->rejected ? "REJECT" : "ACCEPT");
  fm_gmm_free(pt);
  return pmin;
}

/* Smallest standard deviation of any component of p_t: the smallest
 * Cholesky diagonal entry, which is exact for the isotropic (ring8) and 1D
 * (bimodal1d) components used here (in general it bounds sqrt(lambda_min)
 * from above). */
static double fm_test_sd_min(const fm_case *c, double t)
{
  fm_gmm *pt = fm_test_pt(c, t);
  size_t d = pt->d;
  double m = INFINITY;
  for (size_t k = 0; k < pt->K; k++)
    for (size_t i = 0; i < d; i++)
      m = fmin(m, pt->chol[k * d * d + i * d + i]);
  fm_gmm_free(pt);
  return m;
}

static void fm_test_sampler_passes(const char *name, const char *solver)
{
  fm_case *c = fm_test_case(name);
  fm_field *f = fm_test_gmm_field(c);
  size_t d = c->gmm->d, nref = 256;
  fm_sample_opts o;
  fm_sample_opts_default(&o);
  cr_assert_eq(fm_sample_opts_solver(&o, solver), FM_OK);
  cr_assert_eq(fm_field_gmm_interval(&o.t0, &o.t1, c->sched), FM_OK);
  o.steps = 32;
  o.adaptive.rtol = o.adaptive.atol = 1e-4;
  if (o.kind == FM_SAMPLE_ADAPTIVE)
    o.chunk = 1; /* per-trajectory step control: ~40% fewer evaluations here */
  double *X = malloc(NSAMP * d * sizeof *X), *R = malloc(nref * d * sizeof *R);
  fm_sample_noise(X, NSAMP, d, SEED, 0);
  memcpy(R, X, nref * d * sizeof *R);
  fm_errmsg e = {{0}};
  fm_sample_stats st;
  cr_assert_eq(fm_sample_run(X, &st, f, NSAMP, &o, &e), FM_OK, "%s", e.msg);
  /* the integrator's own error, against a tight reference */
  fm_sample_opts ro = o;
  cr_assert_eq(fm_sample_opts_solver(&ro, "adaptive"), FM_OK);
  ro.adaptive.rtol = ro.adaptive.atol = 1e-12;
  ro.chunk = 1;
  cr_assert_eq(fm_sample_run(R, NULL, f, nref, &ro, &e), FM_OK, "%s", e.msg);
  double ss = 0.0, sd = fm_test_sd_min(c, o.t1);
  for (size_t i = 0; i < nref * d; i++)
    ss += (X[i] - R[i]) * (X[i] - R[i]);
  double rms = sqrt(ss / (double)nref);
  fprintf(stderr, "sample: %-18s %-8s NFE %.1f, rms displacement %.2e = %.2e sd_min\n", name,
          solver, st.nfe, rms, rms / sd);
  cr_expect(rms <= 1e-3 * sd, "%s %s: rms displacement %.3g > 1e-3 x sd_min %.3g", name,
            solver, rms, sd);
  fm_gmmtest_result res;
  char label[64];
  snprintf(label, sizeof label, "%s (t1 = %.7g)", solver, o.t1);
  double p = fm_test_compare(&res, X, NSAMP, c, o.t1, label, FM_GMMTEST_T_ALL);
  cr_expect(!res.rejected, "%s %s: compare-samples rejects (smallest Holm-adjusted p %.3g)",
            name, solver, p);
  free(X);
  free(R);
  fm_field_free(f);
  fm_case_free(c);
}

Test(sample, rk4_samples_of_ring8_and_bimodal_vp_pass_compare_samples)
{
  fm_test_sampler_passes("ring8-cond_ot", "rk4");
  fm_test_sampler_passes("bimodal1d-vp", "rk4");
}

Test(sample, adaptive_samples_of_ring8_and_bimodal_vp_pass_compare_samples)
{
  fm_test_sampler_passes("ring8-cond_ot", "adaptive");
  fm_test_sampler_passes("bimodal1d-vp", "adaptive");
}

Test(sample, seed_note_backward_in_time_euler_is_rejected)
{
  const char *names[] = {"ring8-cond_ot", "bimodal1d-vp"};
  for (size_t k = 0; k < 2; k++) {
    fm_case *c = fm_test_case(names[k]);
    fm_field *f = fm_test_gmm_field(c);
    size_t d = c->gmm->d;
    double t0, t1;
    cr_assert_eq(fm_field_gmm_interval(&t0, &t1, c->sched), FM_OK);
    fm_sample_opts o;
    fm_sample_opts_default(&o);
    cr_assert_eq(fm_sample_opts_solver(&o, "euler"), FM_OK);
    o.t0 = t1; /* noise placed at the data end, stepping toward t = 0 */
    o.t1 = t0;
    o.steps = 32;
    double *X = malloc(NSAMP * d * sizeof *X);
    fm_sample_noise(X, NSAMP, d, SEED, 0);
    cr_assert_eq(fm_sample_run(X, NULL, f, NSAMP, &o, NULL), FM_OK);
    fm_gmmtest_result res;
    double p = fm_test_compare(&res, X, NSAMP, c, t1, "euler t: 1 -> 0 (mutant)", MUTANT_TESTS);
    cr_expect(res.rejected && p <= MUTANT_P, "%s: the backward-in-time Euler sampler was "
              "not rejected by a margin (smallest Holm-adjusted p %.3g > %g)", names[k], p,
              MUTANT_P);
    free(X);
    fm_field_free(f);
    fm_case_free(c);
  }
}

/* ------------------------------------------------------------------- SDE */

/* EM's predicted relative variance error at t = 1 for eigenvalue lambda of a
 * component (eps_t = eps sigma_t, the profile of sample.h). */
static double fm_em_variance_error(const fm_schedule *s, double lambda, double eps, size_t N)
{
  double h = 1.0 / (double)N, v = 1.0, c = 1.0;
  for (size_t k = 0; k <= N; k++) {
    fm_sched_val sv;
    cr_assert_eq(fm_schedule_eval(&sv, s, (double)k * h), FM_OK);
    c = sv.alpha * sv.alpha * lambda + sv.sigma * sv.sigma;
    if (k == 0)
      v = c;
    if (k == N)
      break;
    double et = eps * sv.sigma;
    double b = (sv.alpha * sv.dalpha * lambda + sv.sigma * sv.dsigma) / c - et * et / (2 * c);
    v = (1.0 + h * b) * (1.0 + h * b) * v + et * et * h;
  }
  return fabs(v / c - 1.0);
}

typedef struct {
  fm_field *f;
  const fm_schedule *s;
} fm_mut_ctx;

static int fm_mut_drift(double *B, double t, const double *X, size_t np, size_t n, void *ctx)
{
  fm_mut_ctx *c = ctx;
  (void)n;
  return fm_field_eval(c->f, B, t, X, np); /* u only: the score term is missing */
}

static int fm_mut_noise(double *eps, double t, void *ctx)
{
  fm_mut_ctx *c = ctx;
  double k, a, da;
  return fm_sample_sde_coef(eps, &k, &a, &da, c->s, 1.0, t);
}

Test(sample, sde_sampler_passes_and_its_no_score_mutant_is_rejected)
{
  fm_case *c = fm_test_case("bimodal1d-cond_ot");
  fm_field *f = fm_test_gmm_field(c);
  size_t N = 16;
  for (;; N *= 2) {
    double worst = 0.0;
    for (size_t k = 0; k < c->gmm->K; k++)
      worst = fmax(worst, fm_em_variance_error(c->sched, c->gmm->cov[k], 1.0, N));
    if (worst <= 0.02)
      break;
    cr_assert_lt(N, 4096u, "EM needs more than 4096 steps");
  }
  fm_sample_opts o;
  fm_sample_opts_default(&o);
  cr_assert_eq(fm_sample_opts_solver(&o, "sde"), FM_OK);
  o.steps = N;
  o.eps = 1.0;
  o.seed = SEED;
  double *X = malloc(NSAMP * sizeof *X), *Y = malloc(NSAMP * sizeof *Y);
  fm_sample_noise(X, NSAMP, 1, SEED, 0);
  memcpy(Y, X, NSAMP * sizeof *Y);
  fm_sample_stats st;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_sample_run(X, &st, f, NSAMP, &o, &e), FM_OK, "%s", e.msg);
  cr_expect_eq(st.nfe, (double)N);
  fm_gmmtest_result res;
  char label[64];
  snprintf(label, sizeof label, "sde eps=1, %zu steps", N);
  double p = fm_test_compare(&res, X, NSAMP, c, 1.0, label, FM_GMMTEST_T_ALL);
  cr_expect(!res.rejected, "SDE samples rejected (smallest Holm-adjusted p %.3g)", p);
  fm_mut_ctx mc = {f, c->sched};
  fm_sde sde = {fm_mut_drift, fm_mut_noise, &mc, 1};
  fm_rng r = fm_rng_make(o.seed, FM_RNG_STREAM(FM_SAMPLE_TAG, 1));
  cr_assert_eq(fm_sde_em(Y, NSAMP, &sde, 0.0, 1.0 / (double)N, 0, N, &r, 0), FM_OK);
  p = fm_test_compare(&res, Y, NSAMP, c, 1.0, "sde without score (mutant)", MUTANT_TESTS);
  cr_expect(res.rejected && p <= MUTANT_P, "the SDE without its score term was not "
            "rejected by a margin (p %.3g > %g)", p, MUTANT_P);
  free(X);
  free(Y);
  fm_field_free(f);
  fm_case_free(c);
}

/* ----------------------------------------------------------- bookkeeping */

Test(sample, fixed_step_and_sde_results_do_not_depend_on_the_chunk_size)
{
  fm_case *c = fm_test_case("ring8-cosine");
  fm_field *f = fm_test_gmm_field(c);
  const size_t n = 50;
  const char *solvers[] = {"midpoint", "sde"};
  for (size_t s = 0; s < 2; s++) {
    double A[100], B[100];
    fm_sample_noise(A, n, 2, SEED, 0);
    memcpy(B, A, sizeof A);
    fm_sample_opts o;
    fm_sample_opts_default(&o);
    cr_assert_eq(fm_sample_opts_solver(&o, solvers[s]), FM_OK);
    o.steps = 20;
    o.chunk = 256;
    cr_assert_eq(fm_sample_run(A, NULL, f, n, &o, NULL), FM_OK);
    o.chunk = 7;
    cr_assert_eq(fm_sample_run(B, NULL, f, n, &o, NULL), FM_OK);
    cr_expect(memcmp(A, B, sizeof A) == 0, "%s: chunk 7 and 256 differ", solvers[s]);
  }
  /* the noise of row i does not depend on how many rows are drawn */
  double a[20], b[6];
  fm_sample_noise(a, 10, 2, SEED, 0);
  fm_sample_noise(b, 3, 2, SEED, 7);
  cr_expect(memcmp(a + 14, b, sizeof b) == 0);
  fm_field_free(f);
  fm_case_free(c);
}

Test(sample, score_from_velocity_matches_the_library_score)
{
  const char *names[] = {"ring8-vp", "aniso3d-cond_ot", "bimodal1d-cosine", "gauss1d-ve",
                         "gauss1d-polynomial"};
  const double ts[] = {0.05, 0.5, 0.95};
  double worst = 0.0;
  for (size_t k = 0; k < 5; k++) {
    fm_case *c = fm_test_case(names[k]);
    size_t d = c->gmm->d;
    for (size_t j = 0; j < 3; j++) {
      double x[3], u[3], s[3], s2[3];
      fm_rng r = fm_rng_make(SEED, FM_RNG_STREAM(0x5332, k * 3 + j));
      fm_rng_normals(x, d, &r, 0);
      fm_sched_val v;
      cr_assert_eq(fm_schedule_eval(&v, c->sched, ts[j]), FM_OK);
      cr_assert_eq(fm_gmm_marginal(NULL, s, NULL, u, c->gmm, c->sched, ts[j], x), FM_OK);
      cr_assert_eq(fm_sample_score_from_v(s2, u, x, d, &v), FM_OK);
      double W = v.dalpha * v.sigma - v.alpha * v.dsigma;
      for (size_t i = 0; i < d; i++) {
        /* rounding of alpha u - alpha' x (and of u, ~1e-13 relative), over sigma W */
        double tol = 1e-13 * ((fabs(v.alpha * u[i]) + fabs(v.dalpha * x[i])) /
                              (v.sigma * W) + fabs(s[i]));
        cr_expect(fabs(s2[i] - s[i]) <= tol, "%s t=%g: score %.17g vs %.17g", c->name,
                  ts[j], s2[i], s[i]);
        worst = fmax(worst, fabs(s2[i] - s[i]) / tol);
      }
    }
    fm_case_free(c);
  }
  fprintf(stderr, "sample: score conversion worst error/tol %.3g\n", worst);
  /* singular ends: sigma = 0 (cond_ot sigma_min = 0 at t = 1); W = 0
   * (polynomial n = 2 at t = 0), where the SDE switches its noise off */
  fm_case *c = fm_test_case("gauss1d-cond_ot");
  fm_sched_val v;
  double x = 0.3, u = 0.1, s;
  cr_assert_eq(fm_schedule_eval(&v, c->sched, 1.0), FM_OK);
  cr_expect_eq(fm_sample_score_from_v(&s, &u, &x, 1, &v), FM_ESING);
  fm_case_free(c);
  c = fm_test_case("gauss1d-polynomial");
  double et, kt, a, da;
  cr_assert_eq(fm_sample_sde_coef(&et, &kt, &a, &da, c->sched, 1.0, 0.0), FM_OK);
  cr_expect(et == 0.0 && kt == 0.0, "polynomial n=2 at t=0: eps_t %g k_t %g", et, kt);
  cr_assert_eq(fm_sample_sde_coef(&et, &kt, &a, &da, c->sched, 1.0, 0.5), FM_OK);
  cr_assert_eq(fm_schedule_eval(&v, c->sched, 0.5), FM_OK);
  cr_expect(fabs(et - v.sigma) <= 1e-15, "eps_t %.17g vs sigma %.17g", et, v.sigma);
  fm_case_free(c);
}
