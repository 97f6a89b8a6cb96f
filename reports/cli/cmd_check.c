/* cmd_check.c -- `fmcheck check`: every selected theorem on every selected
 * case, with its negative controls, as a table (and optionally JSON).
 *
 * A row passes when the true statement passes (PASS or WARN) AND every
 * applicable negative control is rejected (FAIL).  A control that passes is
 * reported as a failure of the check itself: the check could not tell a
 * wrong statement from the right one.  Exit 1 if any row fails; rows whose
 * truth is UNDECIDED or n/a are counted apart and do not fail (with
 * --strict UNDECIDED ones do: a budget too small is then an error). */
#include "cli.h"
#include "cli_opts.h"
#include "cli_progress.h"
#include "check_json.h"
#include "check_reuse.h"
#include "theorem.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FM_MAXARG 256

typedef struct {
  char *cases[FM_MAXARG];
  size_t ncases;
  const fm_theorem *thms[FM_MAXARG];
  size_t nthms;
  const char *json;
  int verbose, controls, list, strict;
  fm_check_opts opts;
} fm_check_args;

static void fm_check_help(FILE *f)
{
  fprintf(f,
          "usage: fmcheck check [--case F]... [--theorem ID]... [--json F] [--seed N]\n"
          "                     [--points N] [--prec BITS] [--no-controls] [--verbose]\n"
          "                     [--list] [--strict]\n\n"
          "Run every theorem on every case (the built-in cases when no --case is\n"
          "given) and print one row per (theorem, case).  Each row also runs the\n"
          "theorem's negative controls (mutants that must be rejected) unless\n"
          "--no-controls is given.\n\n"
          "  --case F       a case file (JSON, see cases/README.md) or a built-in case name\n"
          "  --theorem ID   only this theorem (repeatable); see --list\n"
          "  --json F       also write every verdict as JSON to F (atomically; a\n"
          "                 character device or FIFO F is written into); 'fmcheck\n"
          "                 report --from-check F' reuses its rows\n"
          "  --seed N       override the cases' seeds (default: each case's own)\n"
          "  --points N     random points per pointwise check (default 48)\n"
          "  --prec BITS    MPFR reference precision (default 256, minimum 128)\n"
          "  --no-controls  skip the negative controls\n"
          "  --verbose      print every route of every verdict\n"
          "  --list         list theorems and built-in cases, then exit\n"
          "  --strict       an UNDECIDED row (the budget could not buy the stated\n"
          "                 power) makes the exit status 1\n\n"
          "The summary counts every row: passed (with warnings), failed, undecided,\n"
          "n/a.  Exit status: 0 no row failed (UNDECIDED and n/a rows do not fail;\n"
          "with --strict UNDECIDED ones do), 1 a theorem failed or a negative control\n"
          "was not rejected, 2 bad input, usage or a write error.\n");
}

static void fm_check_list(void)
{
  printf("theorems:\n");
  for (size_t i = 0; fm_theorems[i] != NULL; i++)
    printf("  %-16s %s\n", fm_theorems[i]->id, fm_theorems[i]->statement);
  printf("built-in cases:\n");
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    printf("  %s\n", fm_case_builtin_file(i));
}

static int fm_check_opt_case(void *ctx, const char *v)
{
  fm_check_args *a = ctx;
  if (a->ncases == FM_MAXARG)
    return fm_cli_error("too many --case options (at most %d)", FM_MAXARG);
  a->cases[a->ncases++] = (char *)v;
  return FM_EXIT_OK;
}

static int fm_check_opt_theorem(void *ctx, const char *v)
{
  fm_check_args *a = ctx;
  const fm_theorem *t = fm_theorem_find(v);
  if (t == NULL)
    return fm_cli_error("--theorem %s: no such theorem (see 'fmcheck check --list')", v);
  if (a->nthms == FM_MAXARG)
    return fm_cli_error("too many --theorem options");
  a->thms[a->nthms++] = t;
  return FM_EXIT_OK;
}

/* The integer value of option opt in [lo, hi], or the message "opt v:
 * expected <what>" and exit 2. */
static int fm_check_opt_int(unsigned long long *n, const char *opt, const char *v,
                            unsigned long long lo, unsigned long long hi, const char *what)
{
  if (fm_cli_parse_u64(n, v) != 0 || *n < lo || *n > hi)
    return fm_cli_error("%s %s: expected %s", opt, v, what);
  return FM_EXIT_OK;
}

static int fm_check_opt_seed(void *ctx, const char *v)
{
  unsigned long long n;
  int rc = fm_check_opt_int(&n, "--seed", v, 1, ULLONG_MAX, "a positive integer");
  if (rc == FM_EXIT_OK)
    ((fm_check_args *)ctx)->opts.seed = n;
  return rc;
}

static int fm_check_opt_points(void *ctx, const char *v)
{
  unsigned long long n;
  int rc = fm_check_opt_int(&n, "--points", v, 4, 1000000, "an integer in [4, 1e6]");
  if (rc == FM_EXIT_OK)
    ((fm_check_args *)ctx)->opts.npoints = (int)n;
  return rc;
}

static int fm_check_opt_prec(void *ctx, const char *v)
{
  unsigned long long n;
  int rc = fm_check_opt_int(&n, "--prec", v, 128, 65536, "an integer in [128, 65536]");
  if (rc == FM_EXIT_OK)
    ((fm_check_args *)ctx)->opts.prec = (unsigned)n;
  return rc;
}

/* Returns FM_EXIT_OK, -1 after --help, or FM_EXIT_USAGE. */
static int fm_check_parse(fm_check_args *a, int argc, char **argv)
{
  memset(a, 0, sizeof *a);
  a->opts = fm_check_opts_default();
  a->controls = 1;
  fm_cli_optfn f_case = {fm_check_opt_case, a}, f_thm = {fm_check_opt_theorem, a},
               f_seed = {fm_check_opt_seed, a}, f_points = {fm_check_opt_points, a},
               f_prec = {fm_check_opt_prec, a};
  fm_cli_opt opts[] = {
      {"--verbose", FM_OPT_FLAG, &a->verbose, 1, 0, 0, 0, 0},
      {"--no-controls", FM_OPT_FLAG, &a->controls, 0, 0, 0, 0, 0},
      {"--list", FM_OPT_FLAG, &a->list, 1, 0, 0, 0, 0},
      {"--strict", FM_OPT_FLAG, &a->strict, 1, 0, 0, 0, 0},
      {"--case", FM_OPT_FN, &f_case, 0, 0, 0, 0, 0},
      {"--theorem", FM_OPT_FN, &f_thm, 0, 0, 0, 0, 0},
      {"--json", FM_OPT_STR, &a->json, 0, 0, 0, 0, 0},
      {"--seed", FM_OPT_FN, &f_seed, 0, 0, 0, 0, 0},
      {"--points", FM_OPT_FN, &f_points, 0, 0, 0, 0, 0},
      {"--prec", FM_OPT_FN, &f_prec, 0, 0, 0, 0, 0},
      {NULL, FM_OPT_FLAG, NULL, 0, 0, 0, 0, 0},
  };
  int rc = fm_cli_opts_parse_ex(opts, argc, argv, "check", fm_check_help,
                                FM_OPTS_UNKNOWN_SHOWS_HELP);
  if (rc != 0)
    return rc == 1 ? -1 : rc;
  if (a->nthms == 0)
    for (size_t i = 0; fm_theorems[i] != NULL && i < FM_MAXARG; i++)
      a->thms[a->nthms++] = fm_theorems[i];
  return FM_EXIT_OK;
}

static void fm_check_row_print(const fm_check_row *r, int verbose)
{
  char ctl[64] = "-";
  if (r->applicable > 0)
    snprintf(ctl, sizeof ctl, "%zu/%zu (min %.2g)", r->rejected, r->applicable, r->min_margin);
  const char *word = !r->ok                    ? "FAIL"
                     : r->undecided_controls > 0 ? fm_outcome_name(FM_OUTCOME_UNDECIDED)
                                                 : fm_outcome_name(r->truth.outcome);
  printf("%-14s %-24s %-4s %9.2e %9.2e %9.2e  %-18s %s\n", r->truth.theorem,
         r->truth.case_name, word,
         r->truth.value, r->truth.tol, r->truth.margin, ctl, r->truth.statistic);
  if (verbose || !r->ok || r->truth.outcome == FM_OUTCOME_WARN ||
      r->truth.outcome == FM_OUTCOME_UNDECIDED || r->undecided_controls > 0) {
    printf("    routes: %s\n", r->truth.note);
    if (r->truth.worst[0])
      printf("    worst:  %s\n", r->truth.worst);
  }
  for (size_t m = 0; m < r->nctl; m++) {
    const fm_verdict *c = &r->ctl[m];
    int bad = c->outcome != FM_OUTCOME_FAIL && c->outcome != FM_OUTCOME_NA &&
              c->outcome != FM_OUTCOME_UNDECIDED;
    if (verbose || bad || c->outcome == FM_OUTCOME_UNDECIDED)
      printf("    control %-48s %-4s margin %.3g%s\n", c->mutant,
             bad ? "NOT REJECTED" : fm_outcome_name(c->outcome), c->margin,
             bad ? "  <-- the check cannot tell this mutant from the truth" : "");
  }
}

int fm_cli_check(int argc, char **argv)
{
  fm_check_args a;
  int rc = fm_check_parse(&a, argc, argv);
  if (rc != FM_EXIT_OK)
    return rc < 0 ? FM_EXIT_OK : rc;
  if (a.list) {
    fm_check_list();
    return FM_EXIT_OK;
  }
  fm_case **cases;
  size_t ncases;
  rc = fm_cli_cases_load(&cases, &ncases, a.cases, a.ncases);
  if (rc != FM_EXIT_OK)
    return rc;
  size_t nrows = a.nthms * ncases, k = 0;
  fm_cli_progress prog;
  char what[160];
  fm_cli_progress_init(&prog, "check");
  fm_check_row *rows = calloc(nrows ? nrows : 1, sizeof *rows);
  fm_check_row_meta *meta = calloc(nrows ? nrows : 1, sizeof *meta);
  if (rows == NULL || meta == NULL) {
    free(rows);
    free(meta);
    fm_cli_cases_free(cases, ncases);
    return fm_cli_error("out of memory");
  }
  /* the case hashes of --json (report --from-check matches cases by them) */
  for (size_t ci = 0; ci < ncases && a.json != NULL && rc == FM_EXIT_OK; ci++)
    rc = fm_cli_case_hash(meta[ci].case_hash, cases[ci]);
  for (size_t i = ncases; i < nrows && rc == FM_EXIT_OK; i++)
    memcpy(meta[i].case_hash, meta[i % ncases].case_hash, sizeof meta[i].case_hash);
  if (rc == FM_EXIT_OK)
    printf("%-14s %-24s %-4s %9s %9s %9s  %-18s %s\n", "theorem", "case", "verdict", "value",
           "tol", "margin", "controls rejected", "deciding route");
  /* a row that cannot be written stops the run: the rest would be lost too */
  for (size_t ti = 0; ti < a.nthms && rc == FM_EXIT_OK; ti++)
    for (size_t ci = 0; ci < ncases && rc == FM_EXIT_OK; ci++, k++) {
      snprintf(what, sizeof what, "%s on %s", a.thms[ti]->id, cases[ci]->name);
      fm_cli_progress_show(&prog, k, nrows, what, -1.0);
      double t0 = fm_cli_now();
      fm_check_row_run(&rows[k], a.thms[ti], cases[ci], &a.opts, a.controls);
      meta[k].seconds = fm_cli_now() - t0;
      fm_cli_progress_done(&prog); /* the row goes where the status line was */
      fm_check_row_print(&rows[k], a.verbose);
      rc = fm_cli_stdout_flush();
    }
  fm_check_tally tally;
  char sum[160];
  fm_check_tally_rows(&tally, rows, nrows);
  fm_check_tally_text(sum, sizeof sum, &tally);
  if (rc == FM_EXIT_OK)
    printf("\n%zu rows: %s\n", nrows, sum);
  if (rc == FM_EXIT_OK && a.json != NULL)
    rc = fm_report_json_check(a.json, rows, meta, nrows, &a.opts, a.controls);
  for (size_t i = 0; i < nrows; i++)
    fm_check_row_clear(&rows[i]);
  free(rows);
  free(meta);
  fm_cli_cases_free(cases, ncases);
  if (rc != FM_EXIT_OK)
    return rc;
  if (tally.failed > 0 || (a.strict && tally.undecided > 0))
    return FM_EXIT_FAIL;
  return FM_EXIT_OK;
}
