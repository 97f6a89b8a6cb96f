/* cmd_compare_samples.c -- `fmcheck compare-samples`: are these samples
 * drawn from p_T of a case?  The battery of numerics/stattest.h
 * (fm_gmmtest_compare): mode occupancy (chi-square on posterior soft
 * counts, K >= 2), KS on random projections against the exact mixture CDF,
 * KS of log p_T(X) against log p_T of exact draws (sees a covariance off by
 * 10%), MMD, energy distance and sliced W2 with permutation p-values --
 * Holm-corrected at family-wise level alpha.  Prints each test's statistic,
 * raw and adjusted p-value and decision, then the verdict; exit 1 on
 * REJECT.  Near t = 0 the components of p_t coincide and mode occupancy
 * cannot tell them apart: that row is printed n/a with the reason and the
 * other tests decide.  Every input row is validated first (exit 2 naming the line). */
#include "cli.h"
#include "cli_model.h"
#include "cli_opts.h"
#include "cli_array.h"
#include "gmmtest.h"

#include <jansson.h>
#include <stdlib.h>

static void fm_csamp_help(FILE *f)
{
  fprintf(f,
          "usage: fmcheck compare-samples --case F --samples S [--t T] [--alpha A]\n"
          "                               [--seed N] [--json FILE]\n\n"
          "Test whether the rows of S (d coordinates each: CSV separated by commas, tabs\n"
          "or blanks, with an optional header line and '#' comments, or .npy float64 of\n"
          "shape (n, d); '-' reads standard input) are samples of p_T of case F: mode occupancy,\n"
          "KS on random projections against the exact mixture CDF, KS of log p_T(X)\n"
          "against exact draws, MMD, energy and sliced W2 with permutation p-values,\n"
          "Holm-corrected.  Where the mixture's modes cannot be told apart (t near 0,\n"
          "where p_t is close to N(0, I)) mode occupancy is reported n/a and the other\n"
          "tests decide.\n"
          "  --t T       the time of the law (default 1: the data)\n"
          "  --alpha A   family-wise level (default 1e-3)\n"
          "  --seed N    exact draws, directions and permutations (default 1)\n"
          "  --json FILE also write the results as JSON (atomically)\n"
          "Exit status: 0 ACCEPT, 1 REJECT, 2 bad input or usage.\n");
}

static void fm_csamp_print(const fm_gmmtest_result *r, const fm_case *c, double t, size_t n,
                           double alpha)
{
  printf("compare-samples: case %s (%s), t = %.17g, n = %zu, alpha = %g (Holm over %zu "
         "tests)\n", c->name, c->origin, t, n, alpha, r->napplicable);
  printf("%-12s %7s %7s %13s %11s %11s  %s\n", "test", "n", "m", "statistic", "p-value",
         "p (Holm)", "decision");
  for (size_t i = 0; i < r->ntests; i++) {
    const fm_stat_result *x = &r->test[i];
    if (x->na != NULL)
      printf("%-12s %7zu %7zu %13s %11s %11s  n/a: %s (largest lambda n = %.3g)\n", x->name,
             x->n, x->m, "-", "-", "-", x->na, x->na_value);
    else
      printf("%-12s %7zu %7zu %13.6g %11.4g %11.4g  %s\n", x->name, x->n, x->m, x->stat,
             x->pvalue, r->padj[i], r->reject[i] ? "REJECT" : "ACCEPT");
  }
  printf("verdict: %s\n", r->rejected ? "REJECT" : "ACCEPT");
}

/* One test as JSON; an n/a row has null numbers and its reason under "na". */
static json_t *fm_csamp_json_test(const fm_gmmtest_result *r, size_t i)
{
  const fm_stat_result *x = &r->test[i];
  if (x->na != NULL)
    return json_pack("{s:s, s:I, s:I, s:n, s:n, s:n, s:b, s:s, s:f}", "name", x->name, "n",
                     (json_int_t)x->n, "m", (json_int_t)x->m, "statistic", "pvalue",
                     "p_holm", "reject", 0, "na", x->na, "na_lambda_n", x->na_value);
  return json_pack("{s:s, s:I, s:I, s:f, s:f, s:f, s:b}", "name", x->name, "n",
                   (json_int_t)x->n, "m", (json_int_t)x->m, "statistic", x->stat, "pvalue",
                   x->pvalue, "p_holm", r->padj[i], "reject", r->reject[i]);
}

static int fm_csamp_json(const char *path, const fm_gmmtest_result *r, const fm_case *c,
                         double t, size_t n, double alpha)
{
  json_t *tests = json_array(), *j;
  for (size_t i = 0; tests != NULL && i < r->ntests; i++)
    json_array_append_new(tests, fm_csamp_json_test(r, i));
  j = json_pack("{s:s, s:s, s:f, s:I, s:f, s:o, s:s}", "case", c->name, "origin", c->origin,
                "t", t, "n", (json_int_t)n, "alpha", alpha, "tests", tests, "verdict",
                r->rejected ? "REJECT" : "ACCEPT");
  if (j == NULL)
    return fm_cli_error("compare-samples: out of memory");
  return fm_cli_json_write(j, path);
}

static int fm_csamp_run(const fm_case *c, const double *X, size_t n, double t, double alpha,
                        unsigned long long seed, const char *json, const char *path)
{
  fm_gmm *pt;
  int rc = fm_cli_case_at(&pt, c, t);
  if (rc != FM_EXIT_OK)
    return rc;
  fm_gmmtest_opts o = fm_gmmtest_opts_default();
  o.alpha = alpha;
  o.seed = seed;
  fm_gmmtest_result r;
  int st = fm_gmmtest_compare(&r, X, n, pt, &o);
  fm_gmm_free(pt);
  if (st == FM_EINVAL)
    return fm_cli_error("%s: %zu samples are too few for the tests (the mode-occupancy test "
                        "needs n w_k >= 5 for every component of case %s)", path, n, c->name);
  if (st != FM_OK)
    return fm_cli_error("%s: the tests could not be computed: %s", path, fm_strerror(st));
  fm_csamp_print(&r, c, t, n, alpha);
  if (json != NULL && (rc = fm_csamp_json(json, &r, c, t, n, alpha)) != FM_EXIT_OK)
    return rc;
  if (fm_cli_stdout_flush() != FM_EXIT_OK)
    return FM_EXIT_USAGE;
  return r.rejected ? FM_EXIT_FAIL : FM_EXIT_OK;
}

int fm_cli_compare_samples(int argc, char **argv)
{
  const char *casef = NULL, *samples = NULL, *json = NULL;
  double t = 1.0, alpha = 1e-3;
  unsigned long long seed = 1;
  fm_cli_opt opts[] = {
      {"--case", FM_OPT_STR, &casef, 0, 0, 0, 0, 0},
      {"--samples", FM_OPT_STR, &samples, 0, 0, 0, 0, 0},
      {"--t", FM_OPT_DBL, &t, 0, 0, 0.0, 1.0, 0},
      {"--alpha", FM_OPT_DBL, &alpha, 0, 0, 1e-300, 0.5, 0},
      {"--seed", FM_OPT_U64, &seed, 0, 0, 0, 0, 0},
      {"--json", FM_OPT_STR, &json, 0, 0, 0, 0, 0},
      {NULL, FM_OPT_FLAG, NULL, 0, 0, 0, 0, 0},
  };
  int rc = fm_cli_opts_parse(opts, argc, argv, "compare-samples", fm_csamp_help);
  if (rc != 0)
    return rc == 1 ? FM_EXIT_OK : rc;
  if (casef == NULL || samples == NULL)
    return fm_cli_opts_missing(fm_csamp_help, "compare-samples",
                               "--case and --samples are required");
  fm_case *c;
  if ((rc = fm_cli_case_load(&c, casef)) != FM_EXIT_OK)
    return rc;
  size_t d = c->gmm->d;
  fm_array X = {0};
  char what[96];
  snprintf(what, sizeof what, "case %s has dimension %zu, so rows are %zu coordinates",
           c->name, d, d);
  rc = fm_cli_array_read(&X, samples, d, what);
  if (rc == FM_EXIT_OK)
    rc = fm_csamp_run(c, X.data, X.rows, t, alpha, seed, json, samples);
  fm_array_free(&X);
  fm_case_free(c);
  return rc;
}
