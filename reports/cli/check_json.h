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

/* Write rows as JSON to path (atomically); returns an FM_EXIT_* code. */
int fm_report_json_check(const char *path, const fm_check_row *rows, size_t n,
                         const fm_check_opts *o);

#endif
