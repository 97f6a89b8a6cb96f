/* test_calibration_fmg.c -- calibration of the statistical check of theorem
 * `fm-cfm-grad` (suite slow): over FM_CALIB_SEEDS seeds (default 200),
 *  1. on correct inputs, the false-alarm rate of the Monte Carlo route (the
 *     z-tests with common random numbers, two Holm families Bonferroni-
 *     combined) at family levels 0.2, 0.05, 0.01 and the stated 1e-3 must be
 *     consistent with the level: the number of alarms must stay below the
 *     binomial critical count of Bin(n, alpha) at 1e-3 (a rate above the
 *     level is what a broken standard error or a biased estimator produces;
 *     rates below it are expected -- Holm is conservative for the strongly
 *     correlated gradient components -- and are reported, not failed);
 *  2. every negative control fails on every seed: the full verdict (the
 *     quadrature route for d <= 3, which depends on the seed through the
 *     three random Theta, and the MC route) must be FAIL each time; the
 *     smallest margin over the seeds is reported.
 * The stated level 1e-3 alone could not be calibrated with 200 seeds (0.2
 * expected alarms); the larger levels make the test informative.  Tables go
 * to stderr. */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_cfm_grad.h"
#include "fm_test_calib.h"
#include "fm_test_case.h"
#include "theorems.h"

#define NLEV 4
static const double fm_levels[NLEV] = {0.2, 0.05, 0.01, 1e-3};

/* One case of each kind: K = 1 (and VE's wide noise end), bimodal 1D, 2D
 * ring, anisotropic 3D, 16D with both a CondOT and a VP path. */
static const char *const fm_cases[] = {
    "gauss1d-cond_ot.json", "gauss1d-ve.json",     "bimodal1d-vp.json", "ring8-cosine.json",
    "aniso3d-vp.json",      "mix16d-cond_ot.json", "mix16d-vp.json",    NULL,
};

/* The controls, on the cases where each route decides: d <= 3 by the
 * quadrature route (seed-dependent through Theta only), d = 16 by Monte
 * Carlo alone -- the VP path, whose 1% sigma' control is the weakest. */
static const char *const fm_mutant_cases[] = {
    "gauss1d-cond_ot.json", "bimodal1d-vp.json", "ring8-cosine.json",
    "aniso3d-vp.json",      "mix16d-vp.json",    NULL,
};

Test(calibration_fmg, false_alarm_rate_of_the_mc_route_matches_its_level, .timeout = 3600)
{
  size_t n = fm_test_calib_seeds();
  fprintf(stderr, "fm-cfm-grad MC route on correct inputs, %zu seeds: alarms (rate) "
                  "[critical count at 1e-3]\n%-22s", n, "case");
  for (int l = 0; l < NLEV; l++)
    fprintf(stderr, "   alpha=%-6g          ", fm_levels[l]);
  fprintf(stderr, "\n");
  size_t total[NLEV] = {0}, runs = 0;
  for (const char *const *f = fm_cases; *f != NULL; f++) {
    fm_case *c = fm_test_case_load(*f);
    size_t alarms[NLEV] = {0};
    for (size_t s = 1; s <= n; s++) {
      fm_fg_mc_result r;
      size_t draws = c->gmm->d > 3 ? 50000 : 20000; /* the check's defaults */
      cr_assert_eq(fm_fg_mc(&r, c, s, draws, 1e-3, FM_FG_TRUE), FM_OK);
      for (int l = 0; l < NLEV; l++)
        alarms[l] += r.p_adj <= fm_levels[l];
    }
    fprintf(stderr, "%-22s", c->name);
    for (int l = 0; l < NLEV; l++) {
      unsigned k = fm_test_calib_binom_crit(fm_levels[l], n);
      fprintf(stderr, "   %3zu (%.4f) [%3u]     ", alarms[l], (double)alarms[l] / n, k);
      cr_expect(alarms[l] < k, "%s: %zu alarms in %zu seeds at level %g (critical %u)",
                c->name, alarms[l], n, fm_levels[l], k);
      total[l] += alarms[l];
    }
    fprintf(stderr, "\n");
    runs += n;
    fm_case_free(c);
  }
  fprintf(stderr, "%-22s", "pooled");
  for (int l = 0; l < NLEV; l++) {
    unsigned k = fm_test_calib_binom_crit(fm_levels[l], runs);
    fprintf(stderr, "   %3zu (%.4f) [%3u]     ", total[l], (double)total[l] / runs, k);
    cr_expect(total[l] < k, "pooled: %zu alarms in %zu runs at level %g (critical %u)",
              total[l], runs, fm_levels[l], k);
  }
  fprintf(stderr, "\n");
}

Test(calibration_fmg, every_negative_control_fails_on_every_seed, .timeout = 3600)
{
  size_t n = fm_test_calib_seeds();
  const fm_theorem *t = &fm_thm_fm_cfm_grad;
  fprintf(stderr, "fm-cfm-grad negative controls, %zu seeds: failed / applicable, smallest "
                  "margin (deciding route at that seed)\n", n);
  for (const char *const *f = fm_mutant_cases; *f != NULL; f++) {
    fm_case *c = fm_test_case_load(*f);
    for (int m = 1; m <= (int)fm_theorem_mutant_count(t); m++) {
      size_t failed = 0, applicable = 0;
      double worst = INFINITY;
      char route[128] = "";
      for (size_t s = 1; s <= n; s++) {
        fm_check_opts o = fm_check_opts_default();
        o.seed = s;
        fm_verdict v;
        cr_assert_eq(fm_theorem_run(&v, t, c, &o, m), FM_OK, "%s seed %zu", c->name, s);
        if (v.outcome == FM_OUTCOME_NA)
          break;
        applicable++;
        failed += v.outcome == FM_OUTCOME_FAIL && v.margin > 1.0;
        if (v.margin < worst) {
          worst = v.margin;
          snprintf(route, sizeof route, "%s", v.statistic);
        }
        cr_expect(v.outcome == FM_OUTCOME_FAIL && v.margin > 1.0,
                  "%s seed %zu: mutant '%s' not rejected (%s, margin %.3g): %s", c->name, s,
                  t->mutants[m - 1], fm_outcome_name(v.outcome), v.margin, v.note);
      }
      if (applicable == 0)
        fprintf(stderr, "  %-20s %-50s n/a\n", c->name, t->mutants[m - 1]);
      else
        fprintf(stderr, "  %-20s %-50s %3zu/%-3zu min margin %8.3g (%s)\n", c->name,
                t->mutants[m - 1], failed, applicable, worst, route);
    }
    fm_case_free(c);
  }
}
