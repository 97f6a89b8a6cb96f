/* test_fm_cfm_grad_mlp.c -- theorem `fm-cfm-grad` at the trainer's own
 * network (theorems/fm_cfm_grad_mlp.c), suite trainer: on bimodal1d-cond_ot,
 * ring8-vp and aniso3d-cond_ot, at the network's random initialisation and
 * after 200 CFM training steps,
 *  - the true statement is not rejected at the route's stated family-wise
 *    level 1e-3 (Hotelling on 8 random projections of the gradient
 *    difference; loss gap against the per-draw closed-form tr Cov and against
 *    C from the linear route's quadrature);
 *  - both negative controls are rejected: prior weights in the FM target at
 *    the default size, the 1% sigma' error in the CFM target with the draws
 *    its size calls for (derived below);
 *  - the scan's statistic at a 1% sigma' error is the mutant's statistic;
 *  - cfm-minimizer along training: L_CFM - C, with C from the quadrature
 *    (not Monte Carlo), equals the true field error L_FM and is never below
 *    0, while training drives it down.
 * Every statistic is printed. */
#include <criterion/criterion.h>
#include <float.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "case.h"
#include "fm_cfm_grad.h"
#include "fm_cfm_grad_mlp.h"
#include "fm_test_case.h"
#include "mc.h"

#define SEED 20240701u

static const char *const fm_cases[] = {"bimodal1d-cond_ot.json", "ring8-vp.json",
                                       "aniso3d-cond_ot.json", NULL};
static const uint64_t fm_steps[] = {0, 200};

/* The route on case c after K steps (n = 0: default size); C from route 1. */
static void fm_test_route(fm_fgm_result *r, const fm_case *c, uint64_t K, size_t n, int scan,
                          int mutant)
{
  double C, eC, lo, hi;
  int st = fm_fg_floor(&C, &eC, &lo, &hi, c);
  cr_assert_eq(st, FM_OK, "%s: quadrature C: %s", c->name, fm_strerror(st));
  fm_fgm_opts o;
  fm_fgm_opts_default(&o, c->gmm->d);
  cr_assert(o.t_lo == lo && o.t_hi == hi, "route and quadrature t-measures differ");
  o.train_steps = K;
  o.scan = scan;
  if (n > 0)
    o.n = n;
  fm_mlp *m;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_fgm_network(&m, c, &o, SEED, &e), FM_OK, "%s: %s", c->name, e.msg);
  st = fm_fgm_mc(r, c, m, SEED, &o, C, eC, mutant);
  fm_mlp_free(m);
  cr_assert_eq(st, FM_OK, "%s: route failed: %s", c->name, fm_strerror(st));
  fprintf(stderr,
          "fgm %-18s K=%3llu mutant %d n=%7zu p=%3zu |gF| %.4f |gC| %.4f |diff| %.4f  "
          "F %7.3f (crit %.2f, p %.2g)  gap %.4f +- %.4f  C %.4f (err %.1e)  z(gap-trCov) "
          "%7.2f  z(gap-C) %7.2f (crit %.2f)  p_adj %.3g  margin %.3g  eps_detect %.0e\n",
          c->name, (unsigned long long)K, mutant, r->n, r->p, r->grad_fm, r->grad_cfm,
          r->grad_diff, r->fstat, r->fcrit, r->p_grad, r->gap, r->gap_se, r->c_ref,
          r->c_ref_err, r->z_gapc, r->z_gapq, r->zcrit_gap, r->p_adj, r->margin,
          r->eps_detect);
}

/* The route decides at family-wise level 1e-3: 6 true configurations give a
 * false alarm with probability <= 6e-3 (the calibration in suite slow
 * measures the actual rate).  margin <= 1 is the same decision as
 * p_adj > 1e-3; both are asserted, so a disagreement between the two
 * bookkeepings is caught as well. */
Test(fm_cfm_grad_mlp, fm_and_cfm_gradients_agree_at_random_and_trained_theta)
{
  for (const char *const *f = fm_cases; *f != NULL; f++) {
    fm_case *c = fm_test_case_load(*f);
    for (size_t k = 0; k < 2; k++) {
      fm_fgm_result r;
      fm_test_route(&r, c, fm_steps[k], 0, 1, FM_FG_TRUE);
      cr_expect(r.margin <= 1.0 && r.p_adj > 1e-3,
                "%s K=%llu: true statement rejected: margin %.3g, p_adj %.3g (F %.3g, "
                "z %.3g, %.3g)", c->name, (unsigned long long)fm_steps[k], r.margin, r.p_adj,
                r.fstat, r.z_gapc, r.z_gapq);
      cr_expect_eq(r.n, 32768u, "%s: default draws %zu", c->name, r.n);
      /* the route inverts the F tail itself (GSL's inverse fails for large
       * G): it must agree with GSL's where GSL's works */
      double fq = gsl_cdf_fdist_Qinv(5e-4, (double)r.nproj, (double)(r.groups - r.nproj));
      cr_expect_leq(fabs(r.fcrit - fq), 1e-9 * fq, "critical F %.17g, GSL %.17g", r.fcrit, fq);
    }
    fm_case_free(c);
  }
}

Test(fm_cfm_grad_mlp, prior_weighted_fm_target_is_rejected_at_both_thetas)
{
  double worst = INFINITY;
  for (const char *const *f = fm_cases; *f != NULL; f++) {
    fm_case *c = fm_test_case_load(*f);
    for (size_t k = 0; k < 2; k++) {
      fm_fgm_result r;
      fm_test_route(&r, c, fm_steps[k], 0, 0, FM_FG_FM_PRIOR_W);
      cr_expect(r.margin > 1.0 && r.p_adj <= 1e-3,
                "%s K=%llu: prior-weighted FM target not rejected: margin %.3g, p_adj %.3g",
                c->name, (unsigned long long)fm_steps[k], r.margin, r.p_adj);
      worst = fmin(worst, r.margin);
    }
    fm_case_free(c);
  }
  fprintf(stderr, "fgm: prior weights, smallest margin %.3g\n", worst);
}

/* Size for the 1% sigma' control.  Its effect on every statistic is about
 * 1% of the CFM noise per draw (fm_cfm_grad_mlp.c), so the shift it gives
 * the gap z-test grows like s sqrt(n).  s measured as the difference of
 * mutant and truth z on the same draws (4 seeds, 32768 draws, K = 200):
 * 0.0050 .. 0.0058 on bimodal1d-cond_ot, 0.0100 .. 0.0109 on ring8-vp and
 * aniso3d-cond_ot.  n = 2^21 in 1D and 2^19 in 2D, 3D give s sqrt(n) >= 7.2:
 * the critical |z| 3.66 plus 3.5 standard deviations of the noise of z. */
static size_t fm_sigma_draws(size_t d)
{
  return d == 1 ? (size_t)1 << 21 : (size_t)1 << 19;
}

Test(fm_cfm_grad_mlp, one_percent_sigma_dot_error_is_rejected_at_the_trained_theta)
{
  double worst = INFINITY;
  for (const char *const *f = fm_cases; *f != NULL; f++) {
    fm_case *c = fm_test_case_load(*f);
    fm_fgm_result r;
    fm_test_route(&r, c, 200, fm_sigma_draws(c->gmm->d), 0, FM_FG_CFM_SIGMA_OFF);
    cr_expect(r.margin > 1.0 && r.p_adj <= 1e-3,
              "%s: 1%% sigma' error not rejected with %zu draws: margin %.3g, p_adj %.3g",
              c->name, r.n, r.margin, r.p_adj);
    worst = fmin(worst, r.margin);
    /* F(8, G - 8) critical values fall with G towards chi2_8 / 8 */
    double lo = gsl_cdf_chisq_Qinv(5e-4, 8.0) / 8.0, hi = gsl_cdf_fdist_Qinv(5e-4, 8.0, 2040.0);
    cr_expect(r.fcrit > lo && r.fcrit < hi, "%s: critical F %.17g outside (%.17g, %.17g)",
              c->name, r.fcrit, lo, hi);
    fm_case_free(c);
  }
  fprintf(stderr, "fgm: sigma' off by 1%%, smallest margin %.3g\n", worst);
}

/* The scan evaluates the statistics as polynomials in the sigma' error eps;
 * at eps = 1e-2 they are mutant 1's statistics on the same draws, up to
 * rounding: per draw the mutant's target (1.01 sigma'/sigma)(x - alpha x1) +
 * alpha' x1 differs from u + 0.01 delta by a few ulps of |u| + |delta|, and
 * the margin is a ratio of means and standard errors of n such terms, whose
 * relative rounding is at most ~ n eps_mach times the ratio of the terms'
 * magnitude to the mean gap (~ C / gap_se ~ 1e2): tolerance 1e2 n eps. */
Test(fm_cfm_grad_mlp, scan_at_one_percent_reproduces_the_sigma_dot_mutant)
{
  size_t i1 = 0;
  while (i1 < FM_FGM_NSCAN && fm_fgm_scan_eps[i1] != 1e-2)
    i1++;
  cr_assert_lt(i1, FM_FGM_NSCAN, "1e-2 is not on the scan's grid");
  for (const char *const *f = fm_cases; *f != NULL; f++) {
    fm_case *c = fm_test_case_load(*f);
    fm_fgm_result r0, r1;
    fm_test_route(&r0, c, 200, 0, 1, FM_FG_TRUE);
    fm_test_route(&r1, c, 200, 0, 0, FM_FG_CFM_SIGMA_OFF);
    double tol = 1e2 * (double)r0.n * DBL_EPSILON;
    double rel = fabs(r0.scan_margin[i1] - r1.margin) / r1.margin;
    cr_expect_leq(rel, tol, "%s: scan margin at 1%% %.17g, mutant margin %.17g (rel %.2g > %.2g)",
                  c->name, r0.scan_margin[i1], r1.margin, rel, tol);
    fprintf(stderr, "fgm %s: scan margin at 1%% %.15g, mutant %.15g, rel diff %.2g\n", c->name,
            r0.scan_margin[i1], r1.margin, rel);
    fm_case_free(c);
  }
}

/* cfm-minimizer along training, with the floor C from the linear route's
 * quadrature (fm_fg_floor) instead of a Monte Carlo estimate: at K = 0, 200,
 * 1000 steps on the 1D bimodal and the 2D ring cases,
 *   (a) L_CFM - C = L_FM (the excess over the floor is the true field error):
 *       |(L_CFM - L_FM) - C| <= z gap_se + err, common random numbers;
 *   (b) the floor is not beaten: L_CFM - C >= -(z se(L_CFM) + err);
 *   (c) training lowers the excess: L_FM(1000) < L_FM(0) by more than
 *       z (se_0 + se_1000).
 * z = Phi^-1(1 - 1e-3 / (2 * 18)) over the 18 comparisons (Bonferroni). */
Test(fm_cfm_grad_mlp, cfm_loss_minus_quadrature_floor_is_the_field_error_during_training)
{
  const char *files[] = {"bimodal1d-cond_ot.json", "ring8-cond_ot.json"};
  const uint64_t K[] = {0, 200, 1000};
  double z = fm_mc_z_crit(1e-3, 18);
  for (int f = 0; f < 2; f++) {
    fm_case *c = fm_test_case_load(files[f]);
    fm_fgm_result r[3];
    for (int k = 0; k < 3; k++) {
      fm_test_route(&r[k], c, K[k], 0, 0, FM_FG_TRUE);
      double ex = r[k].loss_cfm - r[k].c_ref;
      fprintf(stderr, "fgm %s K=%4llu: L_CFM - C = %.5f +- %.5f, L_FM = %.5f +- %.5f\n",
              c->name, (unsigned long long)K[k], ex, r[k].loss_cfm_se, r[k].loss_fm,
              r[k].loss_fm_se);
      double d = fabs(r[k].gap - r[k].c_ref), tol = z * r[k].gap_se + r[k].c_ref_err;
      cr_expect_leq(d, tol, "%s K=%llu: |L_CFM - L_FM - C| = %.4g > %.4g", c->name,
                    (unsigned long long)K[k], d, tol);
      tol = z * r[k].loss_cfm_se + r[k].c_ref_err;
      cr_expect_geq(ex, -tol, "%s K=%llu: L_CFM - C = %.4g below the floor by > %.4g",
                    c->name, (unsigned long long)K[k], ex, tol);
    }
    double drop = r[0].loss_fm - r[2].loss_fm, tol = z * (r[0].loss_fm_se + r[2].loss_fm_se);
    cr_expect_gt(drop, tol, "%s: field error %.4g -> %.4g, drop %.3g not above %.3g", c->name,
                 r[0].loss_fm, r[2].loss_fm, drop, tol);
    fm_case_free(c);
  }
}
