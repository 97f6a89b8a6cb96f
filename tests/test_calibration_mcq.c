/* test_calibration_mcq.c (suite slow) -- calibration of the statistical
 * checks of marginal-field, marginal-score and cfm-minimizer over 200
 * seeds (theorems/README.md "Calibration"):
 *
 *  1. False alarms.  On correct inputs, each Monte Carlo route is one
 *     z-test family, Holm-corrected at the stated level 1e-4.  Its global
 *     p-value (Holm's smallest adjusted p = Bonferroni's m * 2Q(max|z|)) is
 *     recovered from the verdict's "max|z|/z_crit" as
 *         p = 1e-4 * Q(max|z|) / Q(z_crit)      (z_crit = Q^{-1}(1e-4 / 2m)),
 *     so the rejection rate can be read at any level alpha: the table gives
 *     it at 0.05, 0.01, 1e-3 and the stated 1e-4.  Requirement: the count
 *     of rejections among n families is at most n alpha + 4 sqrt(n alpha) + 2
 *     (a binomial/Poisson count exceeds that with probability < 1e-4 for
 *     every n alpha >= 0.05); Holm/Bonferroni is conservative when the
 *     comparisons in a family are dependent (the d components at one point
 *     are), so a rate below alpha is not a defect and is only reported.
 *  2. Deterministic routes never fail on correct inputs (the quadrature
 *     tolerances are error bounds, not statistics), and the whole verdict
 *     fails on at most the number of families a Poisson(n_fam 1e-4) count
 *     exceeds with probability < 1e-3.
 *  3. Every negative control fails on every seed and case; the table gives
 *     the smallest and median margin of each.
 *
 * Cases: one per dimension and the special VE schedule: gauss1d-ve,
 * bimodal1d-cond_ot, ring8-vp, aniso3d-cond_ot, mix16d-vp.  Seeds 1..200
 * (FM_CALIB_SEEDS overrides, for a quick look).
 */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_test_calib.h"
#include "case.h"
#include "theorems.h"

#define STATED 1e-4
#define NLEV 4
#define MAXROUTES 4
#define MAXMUT 4

static const double levels[NLEV] = {0.05, 0.01, 1e-3, 1e-4};
static const char *const files[] = {"gauss1d-ve.json", "bimodal1d-cond_ot.json",
                                    "ring8-vp.json", "aniso3d-cond_ot.json", "mix16d-vp.json"};
#define NCASES (sizeof files / sizeof files[0])

typedef struct {
  const char *id;
  fm_route_id routes[MAXROUTES]; /* FM_R_COUNT: none */
  fm_route_id quad;              /* deterministic route, or FM_R_COUNT */
} thm_spec;

#define NONE FM_R_COUNT
static const thm_spec thms[] = {
    {"marginal-field", {FM_R_POST_PLAIN, FM_R_POST_IS, NONE, NONE}, FM_R_POST_QUAD},
    {"marginal-score", {FM_R_POST_PLAIN, FM_R_POST_IS, NONE, NONE}, FM_R_POST_QUAD},
    {"cfm-minimizer", {FM_R_CM_MEAN, FM_R_CM_MIN, FM_R_CM_ID, FM_R_CM_EXCESS}, NONE},
};
#define NTHM (sizeof thms / sizeof thms[0])

/* value/tol of route id in the verdict; 0 if absent (route not decided). */
static int route_stat(double *val, double *tol, const fm_verdict *v, fm_route_id id)
{
  const fm_route *r = id != NONE ? fm_verdict_route_get(v, id, NULL) : NULL;
  if (r == NULL)
    return 0;
  *val = r->value;
  *tol = r->tol;
  return 1;
}

typedef struct {
  size_t fam, rej[NLEV];
} route_count;

typedef struct {
  route_count rc[MAXROUTES];
  size_t runs, verdict_fail, quad_fail;
  size_t mut_runs[MAXMUT], mut_fail[MAXMUT], mut_na[MAXMUT];
  double *mut_margin[MAXMUT];
} thm_count;

static int cmp_d(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

Test(calibration_mcq, false_alarm_rates_and_mutant_detection_over_seeds, .timeout = 7200)
{
  int nseeds = (int)fm_test_calib_seeds();
  thm_count cnt[NTHM];
  memset(cnt, 0, sizeof cnt);
  for (size_t k = 0; k < NTHM; k++)
    for (int m = 0; m < MAXMUT; m++)
      cnt[k].mut_margin[m] = malloc((size_t)nseeds * NCASES * sizeof(double));
  fm_case *cases[NCASES];
  for (size_t i = 0; i < NCASES; i++) {
    cases[i] = NULL;
    for (size_t b = 0; b < fm_case_builtin_count(); b++)
      if (strcmp(fm_case_builtin_file(b), files[i]) == 0)
        cr_assert_eq(fm_case_builtin_load(&cases[i], b, NULL), FM_OK);
    cr_assert_not_null(cases[i], "missing built-in %s", files[i]);
  }
  for (int s = 1; s <= nseeds; s++)
    for (size_t i = 0; i < NCASES; i++)
      for (size_t k = 0; k < NTHM; k++) {
        const fm_theorem *t = fm_theorem_find(thms[k].id);
        cr_assert_not_null(t);
        fm_check_opts o = fm_check_opts_default();
        o.seed = (uint64_t)s;
        fm_verdict v;
        cr_assert_eq(fm_theorem_run(&v, t, cases[i], &o, 0), FM_OK);
        thm_count *c = &cnt[k];
        c->runs++;
        c->verdict_fail += v.outcome == FM_OUTCOME_FAIL;
        if (v.outcome == FM_OUTCOME_FAIL)
          fprintf(stderr, "TRUTH FAIL %s %s seed %d: %s %.3g/%.3g at %s\n", t->id, v.case_name,
                  s, v.statistic, v.value, v.tol, v.worst);
        double val, tol;
        if (route_stat(&val, &tol, &v, thms[k].quad) && !(val <= tol)) {
          c->quad_fail++;
          fprintf(stderr, "QUAD FAIL %s %s seed %d: %.3g/%.3g at %s\n", t->id, v.case_name, s,
                  val, tol, v.worst);
        }
        for (int r = 0; r < MAXROUTES && thms[k].routes[r] != NONE; r++) {
          if (!route_stat(&val, &tol, &v, thms[k].routes[r]))
            continue;
          route_count *rc = &c->rc[r];
          rc->fam++;
          double p = STATED * gsl_cdf_ugaussian_Q(val) / gsl_cdf_ugaussian_Q(tol);
          for (int l = 0; l < NLEV; l++)
            rc->rej[l] += p <= levels[l];
        }
        for (int m = 1; m <= (int)fm_theorem_mutant_count(t); m++) {
          fm_verdict vm;
          cr_assert_eq(fm_theorem_run(&vm, t, cases[i], &o, m), FM_OK);
          if (vm.outcome == FM_OUTCOME_NA) {
            c->mut_na[m - 1]++;
            continue;
          }
          c->mut_margin[m - 1][c->mut_runs[m - 1]++] = vm.margin;
          if (vm.outcome == FM_OUTCOME_FAIL && vm.margin > 1.0)
            c->mut_fail[m - 1]++;
          else
            fprintf(stderr, "MUTANT PASSED %s '%s' %s seed %d: margin %.3g\n", t->id,
                    t->mutants[m - 1], vm.case_name, s, vm.margin);
        }
      }

  fprintf(stderr, "\nCalibration over %d seeds x %zu cases (stated family level %g, Holm)\n",
          nseeds, NCASES, STATED);
  fprintf(stderr, "%-15s %-44s %6s  %-17s %-17s %-17s %-17s\n", "theorem", "route", "fams",
          "a=0.05 (exp)", "a=0.01 (exp)", "a=1e-3 (exp)", "a=1e-4 (exp)");
  for (size_t k = 0; k < NTHM; k++)
    for (int r = 0; r < MAXROUTES && thms[k].routes[r] != NONE; r++) {
      route_count *rc = &cnt[k].rc[r];
      const char *label = fm_route_label(thms[k].routes[r]);
      fprintf(stderr, "%-15s %-44.44s %6zu ", thms[k].id, label, rc->fam);
      for (int l = 0; l < NLEV; l++) {
        double ex = (double)rc->fam * levels[l];
        fprintf(stderr, " %5zu (%7.2f)    ", rc->rej[l], ex);
        double cap = ex + 4.0 * sqrt(ex) + 2.0;
        cr_expect_leq((double)rc->rej[l], cap,
                      "%s %s: %zu rejections of %zu at alpha %g (expected %.2f, cap %.1f)",
                      thms[k].id, label, rc->rej[l], rc->fam, levels[l], ex, cap);
      }
      fprintf(stderr, "\n");
      cr_expect_gt(rc->fam, (size_t)0, "%s %s never decided", thms[k].id, label);
    }
  fprintf(stderr, "\n%-15s %6s %12s %10s\n", "theorem", "runs", "verdict FAIL", "quad FAIL");
  for (size_t k = 0; k < NTHM; k++) {
    thm_count *c = &cnt[k];
    size_t fams = 0;
    for (int r = 0; r < MAXROUTES; r++)
      fams += c->rc[r].fam;
    /* Poisson(lambda = fams 1e-4): allow k with P(X > k) < 1e-3 */
    double lam = (double)fams * STATED, cdf = exp(-lam), term = cdf;
    size_t kmax = 0;
    while (1.0 - cdf >= 1e-3) {
      kmax++;
      term *= lam / (double)kmax;
      cdf += term;
    }
    fprintf(stderr, "%-15s %6zu %12zu %10zu   (allowed verdict FAIL <= %zu, lambda %.3f)\n",
            thms[k].id, c->runs, c->verdict_fail, c->quad_fail, kmax, lam);
    cr_expect_eq(c->quad_fail, (size_t)0, "%s: deterministic route failed on correct input",
                 thms[k].id);
    cr_expect_leq(c->verdict_fail, kmax, "%s: %zu verdicts failed on correct input",
                  thms[k].id, c->verdict_fail);
  }
  fprintf(stderr, "\n%-15s %-62s %6s %6s %5s %10s %10s\n", "theorem", "negative control", "runs",
          "failed", "n/a", "min margin", "median");
  for (size_t k = 0; k < NTHM; k++) {
    const fm_theorem *t = fm_theorem_find(thms[k].id);
    for (int m = 0; m < (int)fm_theorem_mutant_count(t); m++) {
      thm_count *c = &cnt[k];
      size_t n = c->mut_runs[m];
      qsort(c->mut_margin[m], n, sizeof(double), cmp_d);
      fprintf(stderr, "%-15s %-62.62s %6zu %6zu %5zu %10.3g %10.3g\n", t->id, t->mutants[m], n,
              c->mut_fail[m], c->mut_na[m], n ? c->mut_margin[m][0] : NAN,
              n ? c->mut_margin[m][n / 2] : NAN);
      cr_expect_eq(c->mut_fail[m], n, "%s mutant '%s' passed on %zu of %zu runs", t->id,
                   t->mutants[m], n - c->mut_fail[m], n);
    }
  }
  for (size_t k = 0; k < NTHM; k++)
    for (int m = 0; m < MAXMUT; m++)
      free(cnt[k].mut_margin[m]);
  for (size_t i = 0; i < NCASES; i++)
    fm_case_free(cases[i]);
}
