/* case.h -- a verification case: GMM data + schedule + seed (cases/README.md).
 *
 * Case files are JSON parsed with jansson.  Every rejection fills fm_errmsg
 * with one sentence naming the file, and either line:column (syntax errors)
 * or the JSON path of the offending value (e.g. data.components[2].cov[0][1]),
 * and returns a status (FM_EPARSE for syntax, FM_EINVAL for content, FM_EIO
 * for unreadable files, FM_ENOTPD for a covariance that is not SPD, FM_EDIM
 * for wrong dimensions, FM_ENONFIN for NaN/Inf).  The CLI maps all of these
 * to exit code 2.
 */
#ifndef FM_CASE_H
#define FM_CASE_H

#include <stdint.h>

#include "fm_status.h"
#include "gmm.h"
#include "schedule.h"

typedef struct {
  char *name;
  char *description;  /* may be NULL */
  char *provenance;   /* may be NULL */
  char *origin;       /* file path, or "builtin:<file>" */
  fm_gmm *gmm;
  fm_schedule *sched;
  uint64_t seed;      /* default 1 */
  int renormalised;   /* weights did not sum to 1 and were normalised */
  char warning[256];  /* non-fatal remarks from parsing ("" if none) */
} fm_case;

/* Parse a case from a file.  Relative `table` paths are resolved against the
 * directory of the file. */
int fm_case_load_file(fm_case **c, const char *path, fm_errmsg *e);
/* Parse from a string; origin names it in messages; basedir resolves
 * relative table paths (NULL = current directory). */
int fm_case_load_string(fm_case **c, const char *json, const char *origin,
                        const char *basedir, fm_errmsg *e);
/* Parse only a schedule object ({"type": ..., ...}); `where` is the JSON path
 * used in messages (e.g. "schedule"). */
struct json_t;
int fm_case_parse_schedule(fm_schedule **s, const struct json_t *obj, const char *origin,
                           const char *where, const char *basedir, fm_errmsg *e);
void fm_case_free(fm_case *c);

/* The built-in cases (the JSON files in cases/builtin, embedded at build time). */
size_t fm_case_builtin_count(void);
const char *fm_case_builtin_file(size_t i);  /* e.g. "ring8-cond_ot.json" */
const char *fm_case_builtin_json(size_t i);  /* the file's text */
int fm_case_builtin_load(fm_case **c, size_t i, fm_errmsg *e);

#endif
