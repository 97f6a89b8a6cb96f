/* case_json.h -- private: the JSON helpers shared by the case-file parser
 * (case.c) and its schedule-object half (case_schedule.c).
 *
 * Every helper that can fail writes one sentence of the form
 *   "ORIGIN: JSON.PATH: what is wrong"
 * into the fm_errmsg, so that a user can go straight to the offending value
 * (cases/README.md).  Paths are built with fm_case_path ("data" + "dim" ->
 * "data.dim"; an empty base gives just the key).
 */
#ifndef FM_CASE_JSON_H
#define FM_CASE_JSON_H

#include <jansson.h>

#include "case.h"

/* Long enough for any path the parser builds itself; a pathological key is
 * truncated in the message, never overflowed. */
#define FM_CASE_PATHLEN 256

/* "ORIGIN: PATH: <fmt...>"; returns status. */
int fm_case_err(fm_errmsg *e, int status, const char *origin, const char *path,
                const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* out = base.key (or key when base is NULL or empty). */
void fm_case_path(char *out, const char *base, const char *key);

/* out = base[i] (key NULL) or base.key[i]. */
void fm_case_path_index(char *out, const char *base, const char *key, size_t i);

/* FM_EINVAL naming the first key of obj that is not in the NULL-terminated
 * list `allowed`, and listing the allowed ones. */
int fm_case_check_keys(const json_t *obj, const char *const *allowed, const char *origin,
                       const char *path, fm_errmsg *e);

/* A finite JSON number (integer or real). */
int fm_case_get_number(double *v, const json_t *j, const char *origin, const char *path,
                       fm_errmsg *e);

/* A JSON integer (or a real with an integral value) in [lo, hi]. */
int fm_case_get_integer(long long *v, const json_t *j, long long lo, long long hi,
                        const char *origin, const char *path, fm_errmsg *e);

/* A JSON string (borrowed: valid while j lives). */
int fm_case_get_string(const char **v, const json_t *j, const char *origin,
                       const char *path, fm_errmsg *e);

/* The JSON type of j in words ("a string", "an array", ...), for messages. */
const char *fm_case_json_kind(const json_t *j);

#endif
