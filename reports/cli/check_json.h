/* check_json.h -- check rows for people (the summary sentence) and as JSON. */
#ifndef FM_CHECK_JSON_H
#define FM_CHECK_JSON_H

#include "check_row.h"

/* "P passed (W with warnings), F failed, U undecided, A n/a" into buf (every
 * count printed, zeros too). */
void fm_check_tally_text(char *buf, size_t len, const fm_check_tally *t);

/* One row as a JSON object -- the element of fm_report_json_check's
 * "verdicts" array (used by `fmcheck report` too).  New reference; NULL on
 * allocation failure. */
struct json_t;
struct json_t *fm_check_row_json(const fm_check_row *r);

/* What `check --json` writes beside each row so that `report --from-check`
 * can reuse it (check_reuse.h): the row's wall-clock seconds and the hash
 * of its case's JSON text. */
typedef struct {
  double seconds;
  char case_hash[17];
} fm_check_row_meta;

/* Write rows as JSON to path (atomically); returns an FM_EXIT_* code.  Each
 * row is fm_check_row_json's object plus "seconds" and "case_fnv1a64" from
 * meta[i], "status" on a verdict whose check could not run, and
 * "nonfinite" naming the kind ("inf", "-inf", "nan") of each of value, tol,
 * err, margin written as null; `controls` says whether the negative
 * controls were run. */
int fm_report_json_check(const char *path, const fm_check_row *rows,
                         const fm_check_row_meta *meta, size_t n, const fm_check_opts *o,
                         int controls);

#endif
