/* validate.h -- `fmcheck validate-schedule`: the adoption check of a new
 * path schedule (README.md, issue 5).  Five items, each with a verdict, and
 * an overall ADOPT or REJECT with named reasons:
 *   1 admissibility  theorem `schedule` (boundary breaks and their KL cost,
 *                    positivity, SNR monotonicity, claimed vs symbolic vs
 *                    finite-difference derivatives, a user cond_field) on
 *                    every standard case, plus the schedule's ends: where
 *                    sigma'/sigma and the parameterisation maps (convert.h)
 *                    are singular;
 *   2 battery        every other theorem of the registry, with its negative
 *                    controls, on the standard cases under the new schedule;
 *   3 conversions    theorem `conversions` (round trips, analytic quantities);
 *   4 transform      theorem `schedule-transform`: its route from-cond-ot
 *                    (CondOT -> new schedule: the analytic CondOT field
 *                    mapped to the new schedule against the new schedule's
 *                    closed form) as lines of its own
 *                    (validate_from_condot.c), and its other routes (new
 *                    schedule -> each built-in) as the item's rows;
 *   5 training       a small MLP trained at equal budget under the new
 *                    schedule and under cond_ot on bimodal1d and ring8: true
 *                    field error, compare-samples p-values, adaptive-solver
 *                    NFE at equal sampling error; informative (a reason to
 *                    reject only when training under the new schedule
 *                    produces non-finite numbers).
 * The standard cases are the data of the built-ins gauss1d, bimodal1d,
 * ring8, aniso3d (and mix16d with `all`) with their schedule replaced by
 * the new one; a case file given as input adds its own data.
 *
 * Why this module lives in reports/ (linked into the fmcheck executable, not
 * libfmcheck): it composes pieces of the command line -- fm_check_row_run
 * and fm_check_row_json (check_rows.c) run a theorem with its controls
 * exactly as `fmcheck check` does, and those live with the CLI.  It follows
 * the library's rules all the same: it never prints (progress goes through
 * a callback) and returns status codes; cmd_validate.c prints and writes.
 * Tests exercise it through the executable, which is also the contract the
 * user sees (exit code, final line, reasons).
 */
#ifndef FM_VALIDATE_H
#define FM_VALIDATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "case.h"
#include "check_row.h"
#include "gmmtest.h"
#include "theorem.h"

#define FM_VAL_NITEMS 5

typedef void (*fm_val_progress_fn)(const char *what, size_t k, size_t n, void *ctx);

typedef struct {
  const char *path;          /* the --schedule file */
  int quick;                 /* smaller budgets (tests): see validate.c */
  int train;                 /* run item 5 */
  int all;                   /* add mix16d to the standard cases */
  fm_check_opts check;       /* seed override, points (0: 48, quick 16), precision */
  fm_val_progress_fn progress; /* may be NULL */
  void *progress_ctx;
} fm_val_opts;

/* One line of an item's table. */
typedef struct {
  char name[128];            /* what is measured */
  char where[96];            /* case, t, or "" */
  double value, tol;         /* NaN when the line is not a number */
  fm_outcome outcome;        /* NA: informative */
  char detail[512];
} fm_val_line;

typedef struct {
  int id;                    /* 1..5 */
  const char *title;
  int ran;                   /* 0: skipped (detail in skip) */
  char skip[128];
  fm_outcome outcome;        /* PASS, WARN, FAIL, or NA (informative) */
  fm_val_line *lines;
  size_t nlines, lcap;
  fm_check_row *rows;        /* the theorem rows behind the item */
  size_t nrows, rcap;
  double seconds;
} fm_val_item;

/* A reason to reject, or a warning.  Equal keys are merged across cases. */
typedef struct {
  int item;
  char key[96];
  char text[512];
  double margin;             /* the worst case's margin (merging keeps it) */
  char cases[160];           /* cases it was seen on */
} fm_val_note;

/* Item 5: one trained model. */
typedef struct {
  char data[32];             /* bimodal1d, ring8 */
  char schedule[160];        /* "this schedule", "cond_ot(sigma_min=0)", or
                                "cond_ot model -> this schedule" */
  int is_new;                /* 1: the new schedule, 0: cond_ot (or transformed) */
  int transformed;           /* 1: the cond_ot model sampled under the new
                                schedule through the transform (item 4 in use) */
  uint64_t steps;
  double t_lo, t_hi;         /* training / sampling interval */
  double field_err, field_err_se, floor_c, loss;
  double seconds;
  double p_min;              /* smallest Holm-adjusted compare-samples p-value */
  int rejected;              /* compare-samples rejects at its level */
  const char *test_name[FM_GMMTEST_NTESTS]; /* compare-samples' tests (static names) */
  double test_padj[FM_GMMTEST_NTESTS];      /* and their Holm-adjusted p-values */
  size_t ntests;
  size_t nsamples;
  double nfe_tol;            /* adaptive NFE per sample at the stated rtol */
  double nfe_equal;          /* adaptive NFE per sample at the target sampling error */
  double err_at_tol;         /* RMS sampling error at the stated rtol */
  double sweep_rtol[12], sweep_err[12], sweep_nfe[12]; /* the NFE-vs-error sweep */
  size_t nsweep;
  int status;                /* FM_OK, or what failed */
  char note[256];
} fm_val_train_row;

typedef struct {
  char schedule[256];        /* fm_schedule_describe of the new schedule */
  char label[128];           /* F's `name` (or its case's name), "" if none */
  char input[512];
  char **case_names;
  size_t ncases;
  fm_val_item item[FM_VAL_NITEMS];
  fm_val_note *reasons, *warnings;
  size_t nreasons, nwarnings, rcap, wcap;
  fm_val_train_row *train;
  size_t ntrain;
  double train_target_err, train_rtol; /* item 5's stated tolerances */
  int adopt;
  double seconds;
  fm_check_opts check;       /* as used */
  int quick, all;
} fm_val_result;

/* Run the adoption check.  Input errors (unreadable file, bad JSON, an
 * invalid schedule or case) return FM_EIO / FM_EPARSE / FM_EINVAL / ... with
 * a message naming the file (the CLI's exit 2); FM_ENOMEM.  Otherwise FM_OK
 * and res->adopt says the verdict.  Free with fm_val_result_clear (also
 * after an error). */
int fm_val_run(fm_val_result *res, const fm_val_opts *o, fm_errmsg *e);
void fm_val_result_clear(fm_val_result *res);

/* --- pieces (one file each) --- */

/* validate_input.c: the file F (a schedule object, or a case file whose
 * data joins the standard cases) and the cases carrying the new schedule. */
typedef struct fm_val_input fm_val_input;
int fm_val_input_open(fm_val_input **in, const char *path, fm_errmsg *e);
void fm_val_input_free(fm_val_input *in);
/* A fresh schedule object parsed from F (the caller owns it). */
int fm_val_input_schedule(fm_schedule **s, const fm_val_input *in, fm_errmsg *e);
/* F's label: its `name`, its case's name, or "" when none. */
const char *fm_val_input_label(const fm_val_input *in);
/* The standard cases with the new schedule, then F's own case: *n cases,
 * free with fm_val_cases_free. */
int fm_val_cases_make(fm_case ***cases, size_t *n, const fm_val_input *in, int all,
                      fm_errmsg *e);
/* The built-in case <data>-cond_ot.json, named `data`, with schedule s
 * (taken over: freed with the case, also on error). */
int fm_val_case_with(fm_case **c, const char *data, fm_schedule *s, fm_errmsg *e);
void fm_val_cases_free(fm_case **cases, size_t n);

/* validate_item.c: table lines, rows and notes. */
fm_val_line *fm_val_item_line(fm_val_item *it, const char *name, const char *where,
                              double value, double tol, fm_outcome outcome);
int fm_val_item_row(fm_val_item *it, const fm_theorem *t, const fm_case *c,
                    const fm_check_opts *o);
void fm_val_item_clear(fm_val_item *it);
/* Add (or merge into the note with the same key) a reason or warning. */
void fm_val_note_add(fm_val_result *res, int reason, int item, const char *key,
                     double margin, const char *case_name, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;

/* validate_admissible.c: item 1. */
int fm_val_item_admissible(fm_val_result *res, fm_case **cases, size_t n,
                           const fm_val_opts *o);
/* validate_ends.c: the schedule's ends (lines of item 1). */
int fm_val_ends(fm_val_item *it, const fm_schedule *s);
/* validate_battery.c: items 2 and 3; maps rows that are not ok to reasons
 * (fm_val_row_notes, also item 4's). */
int fm_val_item_theorems(fm_val_result *res, int item, const fm_theorem *const *thms,
                         size_t nthms, fm_case **cases, size_t n, const fm_val_opts *o);
void fm_val_row_notes(fm_val_result *res, int item, const fm_check_row *row);
/* validate_from_condot.c: item 4's CondOT -> new half, read from a
 * schedule-transform row (route from-cond-ot): a line for the row's case,
 * and reasons when it fails or a control it decides is not rejected. */
void fm_val_from_condot(fm_val_result *res, const fm_check_row *row);
/* validate_train.c: item 5. */
int fm_val_item_train(fm_val_result *res, const fm_val_input *in, const fm_val_opts *o);

/* --- output (cmd_validate.c) --- */
/* The terminal report: a table per item (theorem rows summarised per
 * theorem), warnings, reasons, and the final line "ADOPT" or
 * "REJECT: <reasons>". */
void fm_val_print(FILE *f, const fm_val_result *r);
/* "ADOPT", or "REJECT: " and the reasons joined by "; " (malloc'd). */
char *fm_val_verdict_line(const fm_val_result *r);
/* report.md (every theorem row) and validate.json, each written
 * atomically; FM_EXIT_OK or FM_EXIT_USAGE (message printed). */
int fm_val_write_md(const fm_val_result *r, const char *path);
int fm_val_write_json(const fm_val_result *r, const char *path);

#endif
