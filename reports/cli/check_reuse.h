/* check_reuse.h -- check rows written by `fmcheck check --json` read back,
 * so that `fmcheck report --from-check F` reports the verdicts, rows and
 * timings of a check run instead of running every check a second time.
 *
 * A row is reused only when it is the row report would have computed: the
 * same theorem, a case of the same name whose JSON text has the same hash
 * (fm_cli_case_hash), the same seed override, points and precision, and
 * the negative controls run.  Anything else is an error that says what
 * differs, never a silent mix of two runs. */
#ifndef FM_CHECK_REUSE_H
#define FM_CHECK_REUSE_H

#include "check_json.h"

/* FNV-1a 64 of the JSON text a case was read from (its file, or the
 * built-in's text), as 16 hex digits: the "fnv1a64" of report.json and the
 * "case_fnv1a64" of each `check --json` row.  FM_EXIT_OK, or FM_EXIT_USAGE
 * with a message. */
int fm_cli_case_hash(char hex[17], const fm_case *c);

/* Fill rows[ti * ncases + ci] (theorem-major, nthms x ncases) from the
 * `check --json` file at path, and *seconds with the sum of their
 * "seconds".  hash[ci] is case ci's fm_cli_case_hash; o the options the
 * rows must have been computed with.  FM_EXIT_OK, or FM_EXIT_USAGE after a
 * message naming the file and what does not match (rows filled so far are
 * valid for fm_check_row_clear; the others are zero). */
int fm_check_json_load(fm_check_row *rows, double *seconds, const char *path,
                       const fm_theorem *const *thms, size_t nthms, fm_case *const *cases,
                       const char (*hash)[17], size_t ncases, const fm_check_opts *o);

#endif
