/* check_rows.h -- one (theorem, case) row of `fmcheck check`: the verdict on
 * the true statement and the verdicts on its negative controls. */
#ifndef FM_CHECK_ROWS_H
#define FM_CHECK_ROWS_H

#include "theorem.h"

typedef struct {
  fm_verdict truth;
  fm_verdict *ctl;      /* nctl controls */
  size_t nctl;
  size_t rejected, applicable;
  double min_margin;    /* smallest margin among applicable controls */
  int ok;               /* truth is not FAIL (PASS, WARN, n/a or UNDECIDED) and
                           every applicable control fails */
} fm_check_row;

/* How rows count in every summary (check, report, report.md): failed when
 * !ok; otherwise undecided or n/a by the truth's outcome; passed else, of
 * which `warned` are WARN.  passed + failed + undecided + na == rows. */
typedef struct {
  size_t rows, passed, warned, failed, undecided, na;
} fm_check_tally;

void fm_check_tally_rows(fm_check_tally *t, const fm_check_row *rows, size_t n);

/* "P passed (W with warnings), F failed, U undecided, A n/a" into buf (every
 * count printed, zeros too). */
void fm_check_tally_text(char *buf, size_t len, const fm_check_tally *t);

void fm_check_row_run(fm_check_row *r, const fm_theorem *t, const fm_case *c,
                      const fm_check_opts *o, int controls);
void fm_check_row_clear(fm_check_row *r);

/* One row as a JSON object -- the element of fm_report_json_check's
 * "verdicts" array (used by `fmcheck report` too).  New reference; NULL on
 * allocation failure. */
struct json_t;
struct json_t *fm_check_row_json(const fm_check_row *r);

/* Write rows as JSON to path (atomically); returns an FM_EXIT_* code. */
int fm_report_json_check(const char *path, const fm_check_row *rows, size_t n,
                         const fm_check_opts *o);

#endif
