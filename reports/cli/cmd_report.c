/* cmd_report.c -- `fmcheck report`: the convergence report (README.md).
 *
 * Runs every theorem's check (with its negative controls) on every case,
 * and every sweep kind of reports/sweep.h on every case, then writes
 * report.md, report.json and plots/<kind>-<case>.{png,svg} into DIR.
 * With --from-check F the checks' rows and timings are read from F, written
 * by `check --json` (check_reuse.h), instead of computed again.
 *
 * Atomic output.  Everything is built in a fresh DIR.tmpXXXXXX next to DIR
 * (same file system), and published by rename: an existing DIR is first
 * renamed aside to DIR.oldXXXXXX, the new one renamed into place, the old
 * one then removed.  On any failure before the rename -- a bad option, a
 * library error, a full disk, SIGINT/SIGTERM -- the temporary directory is
 * removed and DIR is exactly as it was.  An existing DIR is replaced only
 * when it is empty or holds a previous report (report.json), so a mistyped
 * --out cannot wipe an unrelated directory.
 *
 * Progress (what is running, how far, elapsed time) goes to stderr once the
 * run has taken more than 1.5 s (cli_progress.h: a status line on a
 * terminal, a line every 10 s in a log). */
#include "cli.h"
#include "cli_opts.h"
#include "check_reuse.h"
#include "cli_progress.h"
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FM_REP_MAXARG 256
#define FM_REP_PATH 3072 /* longest --out accepted, with room for suffixes */

static const char *const fm_rep_default_cases[] = {"gauss1d-cond_ot", "bimodal1d-vp",
                                                   "ring8-cond_ot", "aniso3d-vp"};

typedef struct {
  char *cases[FM_REP_MAXARG];
  size_t ncases;
  const fm_sweep_kind *kinds[FM_REP_MAXARG];
  size_t nkinds;
  const char *out;
  const char *from_check;      /* --from-check: the rows of a check --json */
  int all, quick, train, no_check;
  unsigned long long train_steps;
  fm_check_opts opts;
} fm_rep_args;

static volatile sig_atomic_t fm_rep_signal = 0;

static void fm_rep_on_signal(int sig)
{
  fm_rep_signal = sig;
}

static void fm_rep_help(FILE *f)
{
  fprintf(f,
          "usage: fmcheck report --out DIR [--case F]... [--all] [--seed N] [--quick]\n"
          "                      [--train] [--train-steps N] [--sweep KIND]...\n"
          "                      [--no-check | --from-check F]\n\n"
          "Convergence report: every theorem's check on every case, and the sweeps\n"
          "behind the verdicts -- Monte Carlo and QMC error vs samples, quadrature\n"
          "error vs nodes, finite-difference residual vs h, ODE error vs steps per\n"
          "solver, Euler-Maruyama weak error vs steps (and the trainer's field error\n"
          "vs steps with --train) -- each with its fitted slope, 95%% band, expected\n"
          "slope and verdict.  Writes DIR/report.md, DIR/report.json and\n"
          "DIR/plots/*.png, *.svg, atomically: DIR is replaced only when the whole\n"
          "report has been written (an existing DIR must be empty or a previous\n"
          "report).\n\n"
          "  --out DIR       output directory (required)\n"
          "  --case F        a case file or built-in name (repeatable); default:\n"
          "                  gauss1d-cond_ot, bimodal1d-vp, ring8-cond_ot, aniso3d-vp\n"
          "  --all           every built-in case\n"
          "  --seed N        override the cases' seeds\n"
          "  --quick         smaller sweeps (seconds per case instead of tens)\n"
          "  --train         add the training sweep (slow: trains an MLP per case)\n"
          "  --train-steps N training steps of that sweep (default 2000, quick 300)\n"
          "  --sweep KIND    only these sweeps (repeatable):");
  for (size_t i = 0; fm_sweep_kinds[i] != NULL; i++)
    fprintf(f, " %s", fm_sweep_kinds[i]->name);
  fprintf(f, "\n  --no-check      sweeps only: skip the theorems' checks\n"
             "  --from-check F  take the checks' verdicts and timings from F, written by\n"
             "                  'fmcheck check --json F' with the same seed and options\n"
             "                  and a row for every theorem on every case of the report,\n"
             "                  instead of running them again (the report is the same)\n"
             "\nThe same inputs and seed give the same numbers (report.json differs only\n"
             "in its \"seconds\" and \"timings\").  Exit status: 0 every sweep and check\n"
             "passes, 1 something failed, 2 bad input, usage or I/O error.\n");
}

static int fm_rep_opt_case(void *ctx, const char *v)
{
  fm_rep_args *a = ctx;
  if (a->ncases == FM_REP_MAXARG)
    return fm_cli_error("too many --case options (at most %d)", FM_REP_MAXARG);
  a->cases[a->ncases++] = (char *)v;
  return FM_EXIT_OK;
}

static int fm_rep_opt_sweep(void *ctx, const char *v)
{
  fm_rep_args *a = ctx;
  size_t k = 0;
  while (fm_sweep_kinds[k] != NULL && strcmp(fm_sweep_kinds[k]->name, v) != 0)
    k++;
  if (fm_sweep_kinds[k] == NULL)
    return fm_cli_error("--sweep %s: no such sweep (see 'fmcheck report --help')", v);
  if (a->nkinds == FM_REP_MAXARG)
    return fm_cli_error("too many --sweep options");
  a->kinds[a->nkinds++] = fm_sweep_kinds[k];
  return FM_EXIT_OK;
}

static int fm_rep_opt_seed(void *ctx, const char *v)
{
  fm_rep_args *a = ctx;
  unsigned long long n;
  if (fm_cli_parse_u64(&n, v) != 0 || n == 0)
    return fm_cli_error("--seed %s: expected a positive integer", v);
  a->opts.seed = n;
  return FM_EXIT_OK;
}

static int fm_rep_opt_train_steps(void *ctx, const char *v)
{
  fm_rep_args *a = ctx;
  unsigned long long n;
  if (fm_cli_parse_u64(&n, v) != 0 || n < 8 || n > 100000000ull)
    return fm_cli_error("--train-steps %s: expected an integer in [8, 1e8]", v);
  a->train_steps = n;
  return FM_EXIT_OK;
}

/* Returns FM_EXIT_OK, -1 after --help, or FM_EXIT_USAGE. */
static int fm_rep_parse(fm_rep_args *a, int argc, char **argv)
{
  memset(a, 0, sizeof *a);
  a->opts = fm_check_opts_default();
  fm_cli_optfn f_case = {fm_rep_opt_case, a}, f_sweep = {fm_rep_opt_sweep, a},
               f_seed = {fm_rep_opt_seed, a}, f_steps = {fm_rep_opt_train_steps, a};
  fm_cli_opt opts[] = {
      {"--all", FM_OPT_FLAG, &a->all, 1, 0, 0, 0, 0},
      {"--quick", FM_OPT_FLAG, &a->quick, 1, 0, 0, 0, 0},
      {"--train", FM_OPT_FLAG, &a->train, 1, 0, 0, 0, 0},
      {"--no-check", FM_OPT_FLAG, &a->no_check, 1, 0, 0, 0, 0},
      {"--out", FM_OPT_STR, &a->out, 0, 0, 0, 0, 0},
      {"--from-check", FM_OPT_STR, &a->from_check, 0, 0, 0, 0, 0},
      {"--case", FM_OPT_FN, &f_case, 0, 0, 0, 0, 0},
      {"--sweep", FM_OPT_FN, &f_sweep, 0, 0, 0, 0, 0},
      {"--seed", FM_OPT_FN, &f_seed, 0, 0, 0, 0, 0},
      {"--train-steps", FM_OPT_FN, &f_steps, 0, 0, 0, 0, 0},
      {NULL, FM_OPT_FLAG, NULL, 0, 0, 0, 0, 0},
  };
  int rc = fm_cli_opts_parse_ex(opts, argc, argv, "report", fm_rep_help,
                                FM_OPTS_UNKNOWN_SHOWS_HELP);
  if (rc != 0)
    return rc == 1 ? -1 : rc;
  if (a->out == NULL || a->out[0] == '\0')
    return fm_cli_error("report: --out DIR is required");
  if (a->all && a->ncases > 0)
    return fm_cli_error("report: --all and --case exclude each other");
  if (a->no_check && a->from_check != NULL)
    return fm_cli_error("report: --no-check and --from-check exclude each other");
  if (a->nkinds == 0)
    for (size_t k = 0; fm_sweep_kinds[k] != NULL; k++)
      if (!fm_sweep_kinds[k]->on_request || a->train)
        a->kinds[a->nkinds++] = fm_sweep_kinds[k];
  return FM_EXIT_OK;
}

/* ---------------- progress ---------------- */

typedef struct {
  fm_cli_progress base;
  size_t k, n;          /* unit k of n */
  char what[128];
} fm_rep_progress;

static void fm_rep_progress_show(double frac, void *ctx)
{
  fm_rep_progress *p = ctx;
  fm_cli_progress_show(&p->base, p->k, p->n, p->what, frac);
}

/* ---------------- output directory ---------------- */

static int fm_rep_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void fm_rep_rmtree(const char *path)
{
  nftw(path, fm_rep_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* DIR may be replaced: it does not exist, or it is a directory that is
 * empty or holds report.json. */
static int fm_rep_check_out(const char *dir)
{
  struct stat sb;
  if (stat(dir, &sb) != 0)
    return errno == ENOENT ? FM_EXIT_OK
                           : fm_cli_error("--out %s: %s", dir, strerror(errno));
  if (!S_ISDIR(sb.st_mode))
    return fm_cli_error("--out %s: exists and is not a directory", dir);
  char path[FM_REP_PATH + 64];
  snprintf(path, sizeof path, "%s/report.json", dir);
  if (access(path, F_OK) == 0)
    return FM_EXIT_OK;
  DIR *d = opendir(dir);
  if (d == NULL)
    return fm_cli_error("--out %s: %s", dir, strerror(errno));
  size_t entries = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    entries += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  closedir(d);
  if (entries == 0)
    return FM_EXIT_OK;
  return fm_cli_error("--out %s: exists and is not a previous fmcheck report (no report.json); "
                      "refusing to replace it", dir);
}

/* Replace dir by tmp: dir aside, tmp in, old removed (or put back). */
static int fm_rep_publish(const char *tmp, const char *dir)
{
  char old[FM_REP_PATH + 64];
  int had = access(dir, F_OK) == 0;
  if (had) {
    snprintf(old, sizeof old, "%s.oldXXXXXX", dir);
    if (mkdtemp(old) == NULL)
      return fm_cli_error("%s: cannot reserve a name to move the previous report aside: %s",
                          dir, strerror(errno));
    if (rename(dir, old) != 0) {
      int err = errno;
      rmdir(old);
      return fm_cli_error("%s: cannot move the previous report aside: %s", dir,
                          strerror(err));
    }
  }
  if (rename(tmp, dir) != 0) {
    int err = errno;
    if (had)
      rename(old, dir);
    return fm_cli_error("%s: cannot rename %s into place: %s", dir, tmp, strerror(err));
  }
  if (had)
    fm_rep_rmtree(old);
  return FM_EXIT_OK;
}

/* ---------------- the run ---------------- */

static int fm_rep_hashes(fm_report *r)
{
  r->hash = calloc(r->ncases, sizeof *r->hash);
  if (r->hash == NULL)
    return fm_cli_error("out of memory");
  int rc = FM_EXIT_OK;
  for (size_t i = 0; i < r->ncases && rc == FM_EXIT_OK; i++)
    rc = fm_cli_case_hash(r->hash[i], r->cases[i]);
  return rc;
}

static int fm_rep_interrupted(void)
{
  if (fm_rep_signal != 0)
    fm_cli_error("interrupted (signal %d)", (int)fm_rep_signal);
  return fm_rep_signal != 0;
}

static int fm_rep_checks(fm_report *r, fm_rep_progress *p)
{
  double t0 = fm_cli_now();
  size_t n = r->nthms * r->ncases;
  r->rows = calloc(n ? n : 1, sizeof *r->rows);
  if (r->rows == NULL)
    return fm_cli_error("out of memory");
  r->nrows = n;
  for (size_t ti = 0; ti < r->nthms; ti++)
    for (size_t ci = 0; ci < r->ncases; ci++, p->k++) {
      if (fm_rep_interrupted())
        return FM_EXIT_USAGE;
      snprintf(p->what, sizeof p->what, "check %s on %s", r->thms[ti]->id,
               r->cases[ci]->name);
      fm_rep_progress_show(-1.0, p);
      fm_check_row_run(&r->rows[ti * r->ncases + ci], r->thms[ti], r->cases[ci], &r->opts, 1);
    }
  r->check_seconds = fm_cli_now() - t0;
  return FM_EXIT_OK;
}

/* The rows of fm_rep_checks read from a check --json file instead. */
static int fm_rep_checks_from(fm_report *r, const char *path)
{
  size_t n = r->nthms * r->ncases;
  r->rows = calloc(n ? n : 1, sizeof *r->rows);
  if (r->rows == NULL)
    return fm_cli_error("out of memory");
  r->nrows = n;
  return fm_check_json_load(r->rows, &r->check_seconds, path, r->thms, r->nthms, r->cases,
                            (const char(*)[17])r->hash, r->ncases, &r->opts);
}

static int fm_rep_sweeps(fm_report *r, const fm_rep_args *a, fm_rep_progress *p)
{
  r->nsweeps = a->nkinds * r->ncases;
  r->sweeps = calloc(r->nsweeps ? r->nsweeps : 1, sizeof *r->sweeps);
  r->sweep_seconds = calloc(r->nsweeps ? r->nsweeps : 1, sizeof *r->sweep_seconds);
  r->plot = calloc(r->nsweeps ? r->nsweeps : 1, sizeof *r->plot);
  if (r->sweeps == NULL || r->sweep_seconds == NULL || r->plot == NULL)
    return fm_cli_error("out of memory");
  fm_sweep_opts so = {a->opts.seed, a->quick, a->train_steps, fm_rep_progress_show, p};
  for (size_t ki = 0; ki < a->nkinds; ki++)
    for (size_t ci = 0; ci < r->ncases; ci++, p->k++) {
      if (fm_rep_interrupted())
        return FM_EXIT_USAGE;
      size_t i = ki * r->ncases + ci;
      snprintf(p->what, sizeof p->what, "sweep %s on %s", a->kinds[ki]->name,
               r->cases[ci]->name);
      fm_rep_progress_show(0.0, p);
      double t0 = fm_cli_now();
      fm_sweep_run(&r->sweeps[i], a->kinds[ki], r->cases[ci], &so);
      r->sweep_seconds[i] = fm_cli_now() - t0;
    }
  return FM_EXIT_OK;
}

/* File-name part for case ci: [A-Za-z0-9._-] kept, others '_'; an index
 * appended when an earlier case has the same name. */
static void fm_rep_slug(char *buf, size_t len, const fm_report *r, size_t ci)
{
  snprintf(buf, len, "%s", r->cases[ci]->name);
  for (char *c = buf; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
          *c == '.' || *c == '-' || *c == '_'))
      *c = '_';
  for (size_t j = 0; j < ci; j++)
    if (strcmp(r->cases[j]->name, r->cases[ci]->name) == 0) {
      size_t k = strlen(buf);
      snprintf(buf + k, len - k, "-%zu", ci);
      break;
    }
}

static int fm_rep_plots(fm_report *r, const char *tmp, fm_rep_progress *p)
{
  char dir[FM_REP_PATH + 128];
  snprintf(dir, sizeof dir, "%s/plots", tmp);
  if (mkdir(dir, 0755) != 0)
    return fm_cli_error("%s: %s", dir, strerror(errno));
  for (size_t i = 0; i < r->nsweeps; i++, p->k++) {
    const fm_sweep_result *s = &r->sweeps[i];
    size_t npts = 0;
    for (size_t j = 0; j < s->nseries; j++)
      npts += s->s[j].n;
    if (fm_rep_interrupted())
      return FM_EXIT_USAGE;
    if (s->na[0] != '\0' || npts == 0)
      continue;
    char slug[100], base[FM_REP_PATH + 256];
    fm_rep_slug(slug, sizeof slug, r, i % r->ncases);
    snprintf(r->plot[i], sizeof r->plot[i], "plots/%s-%s", s->kind->name, slug);
    snprintf(base, sizeof base, "%s/%s", tmp, r->plot[i]);
    snprintf(p->what, sizeof p->what, "plot %s", r->plot[i]);
    fm_rep_progress_show(-1.0, p);
    int rc = fm_report_plot(s, base);
    if (rc != FM_EXIT_OK)
      return rc;
  }
  return FM_EXIT_OK;
}

static void fm_rep_print_summary(const fm_report *r, const char *dir)
{
  printf("%-14s %-6s %-18s %-42s %-10s %8s  %-18s %s\n", "theorem", "sweep", "case", "series",
         "expected", "slope", "95% band", "verdict");
  for (size_t i = 0; i < r->nsweeps; i++) {
    const fm_sweep_result *s = &r->sweeps[i];
    if (s->na[0] != '\0' || s->status != FM_OK) {
      printf("%-14s %-6s %-18s %-42s %-10s %8s  %-18s %s: %s\n", s->kind->theorem,
             s->kind->name, s->case_name, "-", "-", "-", "-",
             s->status != FM_OK ? "FAIL" : "n/a",
             s->status != FM_OK ? fm_strerror(s->status) : s->na);
      continue;
    }
    for (size_t j = 0; j < s->nseries; j++) {
      const fm_sweep_series *se = &s->s[j];
      char e[32], band[48] = "-", sl[16] = "-";
      switch (se->rule) {
      case FM_SWEEP_BAND: snprintf(e, sizeof e, "%g+-%g", se->expected, se->tol); break;
      case FM_SWEEP_AT_LEAST: snprintf(e, sizeof e, "<=%g+%g", se->expected, se->tol); break;
      case FM_SWEEP_STEEPER: snprintf(e, sizeof e, "<%g", se->expected); break;
      default: snprintf(e, sizeof e, "<0"); break;
      }
      if (se->fitted) {
        snprintf(sl, sizeof sl, "%.3f", se->fit.slope);
        snprintf(band, sizeof band, "[%.3f, %.3f]", se->fit.lo, se->fit.hi);
      }
      printf("%-14s %-6s %-18s %-42s %-10s %8s  %-18s %s\n", s->kind->theorem, s->kind->name,
             s->case_name, se->label, e, sl, band,
             se->outcome == FM_OUTCOME_NA ? "n/a" : fm_outcome_name(se->outcome));
    }
  }
  fm_report_counts k;
  fm_report_count(&k, r);
  printf("\nsweep series: %zu passed, %zu failed, %zu not decided; ", k.series_pass,
         k.series_fail, k.series_na);
  char rows[160];
  fm_check_tally_text(rows, sizeof rows, &k.tally);
  if (k.rows > 0)
    printf("check rows: %zu: %s\n", k.rows, rows);
  else
    printf("checks not run\n");
  printf("report written to %s (report.md, report.json, plots/)\n", dir);
}

static void fm_rep_free(fm_report *r)
{
  if (r->rows != NULL)
    for (size_t i = 0; i < r->nrows; i++)
      fm_check_row_clear(&r->rows[i]);
  free(r->rows);
  free(r->sweeps);
  free(r->sweep_seconds);
  free(r->plot);
  free(r->hash);
}

/* Build the whole report in tmp. */
static int fm_rep_build(fm_report *r, const fm_rep_args *a, const char *tmp)
{
  fm_rep_progress p = {.k = 0};
  fm_cli_progress_init(&p.base, "report");
  size_t nplots = a->nkinds * r->ncases;
  p.n = (a->no_check || a->from_check ? 0 : r->nthms * r->ncases) + a->nkinds * r->ncases +
        nplots;
  double t0 = fm_cli_now();
  int rc = fm_rep_hashes(r);
  if (a->from_check != NULL)
    rc = rc ? rc : fm_rep_checks_from(r, a->from_check);
  else if (!a->no_check)
    rc = rc ? rc : fm_rep_checks(r, &p);
  rc = rc ? rc : fm_rep_sweeps(r, a, &p);
  rc = rc ? rc : fm_rep_plots(r, tmp, &p);
  fm_cli_progress_done(&p.base);
  r->total_seconds = fm_cli_now() - t0;
  if (a->from_check != NULL) /* the checks' time is part of the report's */
    r->total_seconds += r->check_seconds;
  char path[FM_REP_PATH + 128];
  snprintf(path, sizeof path, "%s/report.json", tmp);
  rc = rc ? rc : fm_report_write_json(r, path);
  snprintf(path, sizeof path, "%s/report.md", tmp);
  rc = rc ? rc : fm_report_write_md(r, path);
  if (rc == FM_EXIT_OK && fm_rep_interrupted())
    rc = FM_EXIT_USAGE;
  return rc;
}

static int fm_rep_load(fm_case ***cases, size_t *n, fm_rep_args *a)
{
  if (a->ncases == 0 && !a->all) {
    for (size_t i = 0; i < sizeof fm_rep_default_cases / sizeof *fm_rep_default_cases; i++)
      a->cases[a->ncases++] = (char *)fm_rep_default_cases[i];
  }
  return fm_cli_cases_load(cases, n, a->cases, a->ncases);
}

int fm_cli_report(int argc, char **argv)
{
  fm_rep_args a;
  int rc = fm_rep_parse(&a, argc, argv);
  if (rc != FM_EXIT_OK)
    return rc < 0 ? FM_EXIT_OK : rc;
  char dir[FM_REP_PATH];
  if (strlen(a.out) >= FM_REP_PATH - 16)
    return fm_cli_error("--out: path too long");
  snprintf(dir, sizeof dir, "%s", a.out);
  for (size_t len = strlen(dir); len > 1 && dir[len - 1] == '/'; len--)
    dir[len - 1] = '\0';
  const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
  if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strcmp(dir, "/") == 0)
    return fm_cli_error("--out %s: name a directory to create or replace, not . or ..", a.out);
  fm_report r = {.argc = argc, .argv = argv, .quick = a.quick, .train = a.train,
                 .opts = a.opts, .thms = fm_theorems};
  while (fm_theorems[r.nthms] != NULL)
    r.nthms++;
  rc = fm_rep_load(&r.cases, &r.ncases, &a);
  rc = rc ? rc : fm_rep_check_out(dir);
  if (rc != FM_EXIT_OK) {
    fm_cli_cases_free(r.cases, r.ncases);
    return rc;
  }
  char tmp[FM_REP_PATH + 16];
  snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", dir);
  if (mkdtemp(tmp) == NULL) {
    fm_cli_cases_free(r.cases, r.ncases);
    return fm_cli_error("--out %s: cannot create a temporary directory next to it: %s", a.out,
                        strerror(errno));
  }
  /* mkdtemp makes the directory 0700; a report is as readable as any
   * directory the user creates */
  (void)chmod(tmp, 0755);
  struct sigaction sa, old_int, old_term, old_hup;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = fm_rep_on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sigaction(SIGHUP, &sa, &old_hup);
  rc = fm_rep_build(&r, &a, tmp);
  rc = rc ? rc : fm_rep_publish(tmp, dir);
  if (rc != FM_EXIT_OK) {
    fm_rep_rmtree(tmp);
    fprintf(stderr, "fmcheck: report not written; %s left as it was\n", a.out);
  } else {
    fm_rep_print_summary(&r, dir);
    fm_report_counts k;
    fm_report_count(&k, &r);
    rc = k.sweep_fail == 0 && k.rows_ok == k.rows ? FM_EXIT_OK : FM_EXIT_FAIL;
  }
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  sigaction(SIGHUP, &old_hup, NULL);
  int sig = fm_rep_signal;
  fm_rep_free(&r);
  fm_cli_cases_free(r.cases, r.ncases);
  if (sig != 0 && rc == FM_EXIT_USAGE)
    raise(sig); /* die by the signal, as an interrupted program should */
  return rc;
}
