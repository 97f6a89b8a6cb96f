/* report.h -- `fmcheck report`: the results of one run (check verdicts for
 * every theorem x case, the convergence sweeps with their fits) and the
 * writers that turn them into report.md, report.json and the plots.
 *
 * The writers only format: every number is computed before they run (in
 * cmd_report.c), so the Markdown, the JSON and the plots show the same
 * numbers.  They write into the run's temporary directory; the directory as
 * a whole is what is published atomically. */
#ifndef FM_REPORT_H
#define FM_REPORT_H

#include <stdint.h>

#include "check_json.h"
#include "sweep.h"

typedef struct {
  int argc;
  char **argv;                 /* the command line (argv[0] = "report") */
  int quick, train;
  fm_check_opts opts;          /* opts.seed: the override (0 = case seeds) */
  fm_case **cases;
  size_t ncases;
  char (*hash)[17];            /* per case: FNV-1a 64 of its JSON text, hex */
  const fm_theorem *const *thms;
  size_t nthms;
  fm_check_row *rows;          /* nrows = nthms x ncases, theorem-major */
  size_t nrows;                /* 0 when the checks were not run (--no-check) */
  fm_sweep_result *sweeps;     /* nsweeps, kind-major */
  size_t nsweeps;
  double *sweep_seconds;       /* per sweep */
  char (*plot)[160];           /* per sweep: "plots/<name>" (no extension), "" if none */
  double check_seconds, total_seconds;
} fm_report;

/* FNV-1a, 64 bits (offset basis 14695981039346656037, prime 1099511628211). */
uint64_t fm_report_fnv1a64(const void *data, size_t n);

/* Counts for the summary: sweeps passed/failed/not applicable; check rows
 * (rows_ok: not failed; tally: every outcome, as `fmcheck check` counts). */
typedef struct {
  size_t sweeps, sweep_pass, sweep_fail, sweep_na;
  size_t series, series_pass, series_fail, series_na;
  size_t rows, rows_ok;
  fm_check_tally tally;
} fm_report_counts;
void fm_report_count(fm_report_counts *k, const fm_report *r);

/* Write report.json / report.md at path; FM_EXIT_OK or FM_EXIT_USAGE (I/O
 * error, message printed). */
int fm_report_write_json(const fm_report *r, const char *path);
int fm_report_write_md(const fm_report *r, const char *path);

/* Plot one sweep to base.png and base.svg (PLplot, cairo devices): log-log
 * (or semi-log) axes, the points with error bars, the fitted lines and the
 * reference slopes.  FM_EXIT_OK or FM_EXIT_USAGE (message printed). */
int fm_report_plot(const fm_sweep_result *s, const char *base);

#endif
