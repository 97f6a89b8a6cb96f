/* test_cli_compare_samples.c -- `fmcheck compare-samples --t T` at every
 * time of the path, t = 0 included.  At t = 0 every component of p_t is
 * N(0, I) (cond_ot: alpha_0 = 0, sigma_0 = 1) and near it they nearly
 * coincide: mode occupancy cannot tell the modes apart there, and must be
 * reported n/a (not exit 2 on a singular occupancy covariance, not a
 * rejection on its rounding noise) while the other tests decide.
 *
 * Exact draws of p_T (fm_gmm_at_time + fm_gmm_sample, fixed seeds, a stream
 * of their own) must be ACCEPTED on ring8-cond_ot and bimodal1d-cond_ot at
 * T = 0, 1e-3, 0.5 and 1; draws of a wrong law must still be REJECTED:
 * N(0, 1.3^2 I) at T = 0 (p_0 scaled by 1.3), and bimodal1d's data with
 * its weights 0.3/0.7 swapped at T = 1.  Each run's table is copied to
 * stderr (the test log) with its p-values. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_test_case.h"
#include "fm_test_cli.h"
#include "gmm.h"

#define FM_TCS_SEED 2385u
#define FM_TCS_TAG 0x5443u /* "TC": not compare-samples' own "CS" streams */
#define FM_TCS_N 4000

/* n exact draws of p_t of the built-in case `file`, every coordinate times
 * scale, weights replaced by w when w != NULL; written as CSV to a fresh
 * temporary file (returned, malloc'd). */
static char *fm_tcs_draws(const char *file, double t, double scale, const double *w, size_t n)
{
  fm_case *c = fm_test_case_load(file);
  fm_sched_val v;
  fm_gmm *pt = NULL;
  cr_assert_eq(fm_schedule_eval(&v, c->sched, t), FM_OK);
  cr_assert_eq(fm_gmm_at_time(&pt, c->gmm, &v), FM_OK);
  if (w != NULL) {
    memcpy(pt->w, w, pt->K * sizeof *w);
    cr_assert_eq(fm_gmm_finalize(pt, NULL, NULL), FM_OK);
  }
  size_t d = pt->d, cap = n * d * 26 + 64, len = 0;
  char *text = malloc(cap);
  cr_assert_not_null(text);
  fm_rng r = fm_rng_make(FM_TCS_SEED, FM_RNG_STREAM(FM_TCS_TAG, (uint64_t)(t * 1e6)));
  for (size_t i = 0; i < n; i++) {
    double x[8];
    fm_gmm_sample(x, pt, &r, i);
    for (size_t j = 0; j < d; j++)
      len += (size_t)snprintf(text + len, cap - len, "%.17g%c", scale * x[j],
                              j + 1 < d ? ',' : '\n');
  }
  char *path = fm_cli_tempfile(text, ".csv");
  cr_assert_not_null(path);
  free(text);
  fm_gmm_free(pt);
  fm_case_free(c);
  return path;
}

/* compare-samples on `samples` at time t and level alpha; the table goes to
 * the log.  Rejections run at alpha = 0.01: a permutation test that rejects
 * draws all ceil(ntests/alpha) relabellings, 10x cheaper than at 1e-3 (the
 * KS and log p p-values of the wrong laws are below 1e-20 either way). */
static fm_cli_result fm_tcs_run(const char *casename, const char *samples, double t,
                                const char *alpha)
{
  char tt[32];
  snprintf(tt, sizeof tt, "%.17g", t);
  const char *a[] = {"compare-samples", "--case", casename, "--samples", samples, "--t", tt,
                     "--alpha", alpha, NULL};
  fm_cli_result r;
  cr_assert_eq(fm_cli_run(&r, a), 0, "cannot run fmcheck (FMCHECK unset?)");
  fprintf(stderr, "--- %s --t %s: exit %d\n%s%s", casename, tt, r.status, r.out, r.err);
  return r;
}

static const char *const fm_tcs_cases[] = {"ring8-cond_ot", "bimodal1d-cond_ot"};

Test(cli_compare_samples, exact_draws_are_accepted_at_every_time_including_0)
{
  static const double times[] = {0.0, 1e-3, 0.5, 1.0};
  for (size_t c = 0; c < 2; c++) {
    char file[64];
    snprintf(file, sizeof file, "%s.json", fm_tcs_cases[c]);
    for (size_t k = 0; k < sizeof times / sizeof times[0]; k++) {
      char *s = fm_tcs_draws(file, times[k], 1.0, NULL, FM_TCS_N);
      fm_cli_result r = fm_tcs_run(fm_tcs_cases[c], s, times[k], "0.001");
      cr_expect_eq(r.status, 0, "%s at t = %g: exit %d\n%s%s", fm_tcs_cases[c], times[k],
                   r.status, r.out, r.err);
      cr_expect(strstr(r.out, "verdict: ACCEPT") != NULL, "%s at t = %g:\n%s",
                fm_tcs_cases[c], times[k], r.out);
      /* The modes coincide at t = 0 and are 1e-3 of their data distance
       * apart at t = 1e-3: occupancy is n/a there, and applies (a p-value,
       * no n/a) once they separate. */
      int na = strstr(r.out, "n/a: the posteriors do not separate the modes") != NULL;
      if (times[k] <= 1e-3)
        cr_expect(na, "%s at t = %g: mode occupancy not reported n/a:\n%s", fm_tcs_cases[c],
                  times[k], r.out);
      else
        cr_expect(!na && strstr(r.out, "chisq-modes") != NULL,
                  "%s at t = %g: mode occupancy should apply:\n%s", fm_tcs_cases[c], times[k],
                  r.out);
      fm_cli_result_free(&r);
      remove(s);
      free(s);
    }
  }
}

/* At t = 0 the occupancy test is out, so the other tests must carry the
 * decision: N(0, 1.3^2 I) is rejected (by KS and log p). */
Test(cli_compare_samples, scaled_noise_is_rejected_at_t_0)
{
  for (size_t c = 0; c < 2; c++) {
    char file[64];
    snprintf(file, sizeof file, "%s.json", fm_tcs_cases[c]);
    char *s = fm_tcs_draws(file, 0.0, 1.3, NULL, FM_TCS_N);
    fm_cli_result r = fm_tcs_run(fm_tcs_cases[c], s, 0.0, "0.01");
    cr_expect_eq(r.status, 1, "%s: N(0, 1.3^2 I) at t = 0: exit %d\n%s%s", fm_tcs_cases[c],
                 r.status, r.out, r.err);
    cr_expect(strstr(r.out, "verdict: REJECT") != NULL, "%s:\n%s", fm_tcs_cases[c], r.out);
    fm_cli_result_free(&r);
    remove(s);
    free(s);
  }
}

/* At t = 1 the modes are far apart and occupancy applies: weights 0.7/0.3
 * instead of 0.3/0.7 must be rejected, by chisq-modes among others. */
Test(cli_compare_samples, swapped_weights_are_rejected_at_t_1)
{
  static const double swapped[2] = {0.7, 0.3};
  char *s = fm_tcs_draws("bimodal1d-cond_ot.json", 1.0, 1.0, swapped, FM_TCS_N);
  fm_cli_result r = fm_tcs_run("bimodal1d-cond_ot", s, 1.0, "0.01");
  cr_expect_eq(r.status, 1, "swapped weights: exit %d\n%s%s", r.status, r.out, r.err);
  const char *row = strstr(r.out, "chisq-modes");
  cr_expect(row != NULL && strstr(row, "REJECT") != NULL &&
                strstr(row, "REJECT") < strchr(row, '\n'),
            "mode occupancy does not reject swapped weights:\n%s", r.out);
  fm_cli_result_free(&r);
  remove(s);
  free(s);
}
