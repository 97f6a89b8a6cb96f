/* case_json.c -- the JSON helpers of the case-file parser (case_json.h):
 * error messages that name the file and the JSON path, typed getters, and
 * the check for unknown keys.  Shared by the data (case.c) and schedule
 * (case_schedule.c) parts of the parser. */
#include "case_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fm_status.h"

int fm_case_err(fm_errmsg *e, int status, const char *origin, const char *path,
                const char *fmt, ...)
{
  if (e == NULL)
    return status;
  char what[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (path == NULL || path[0] == '\0')
    return fm_errmsg_set(e, status, "%s: %s", origin, what);
  return fm_errmsg_set(e, status, "%s: %s: %s", origin, path, what);
}

void fm_case_path(char *out, const char *base, const char *key)
{
  if (base == NULL || base[0] == '\0')
    snprintf(out, FM_CASE_PATHLEN, "%s", key);
  else
    snprintf(out, FM_CASE_PATHLEN, "%s.%s", base, key);
}

void fm_case_path_index(char *out, const char *base, const char *key, size_t i)
{
  char head[FM_CASE_PATHLEN];
  if (key != NULL)
    fm_case_path(head, base, key);
  else
    snprintf(head, sizeof head, "%s", base);
  /* A path longer than the buffer (only with absurdly long keys) is cut
   * short: the message then says less, nothing overflows. */
  if (snprintf(out, FM_CASE_PATHLEN, "%s[%zu]", head, i) >= FM_CASE_PATHLEN)
    out[FM_CASE_PATHLEN - 1] = '\0';
}

const char *fm_case_json_kind(const json_t *j)
{
  switch (json_typeof(j)) {
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "an array";
  case JSON_STRING: return "a string";
  case JSON_INTEGER: return "an integer";
  case JSON_REAL: return "a number";
  case JSON_TRUE: return "true";
  case JSON_FALSE: return "false";
  case JSON_NULL: return "null";
  }
  return "an unknown JSON value";
}

int fm_case_check_keys(const json_t *obj, const char *const *allowed, const char *origin,
                       const char *path, fm_errmsg *e)
{
  const char *key;
  json_t *val;
  /* jansson's iteration API takes a non-const object; it does not modify it. */
  json_object_foreach((json_t *)obj, key, val) {
    int known = 0;
    for (size_t i = 0; allowed[i] != NULL && !known; i++)
      known = strcmp(key, allowed[i]) == 0;
    if (known)
      continue;
    char list[256] = "", kp[FM_CASE_PATHLEN];
    size_t len = 0;
    for (size_t i = 0; allowed[i] != NULL && len < sizeof list; i++)
      len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "",
                              allowed[i]);
    fm_case_path(kp, path, key);
    return fm_case_err(e, FM_EINVAL, origin, kp, "unknown key (allowed here: %s)", list);
  }
  return FM_OK;
}

int fm_case_get_number(double *v, const json_t *j, const char *origin, const char *path,
                       fm_errmsg *e)
{
  if (!json_is_number(j))
    return fm_case_err(e, FM_EINVAL, origin, path, "must be a number, not %s",
                       fm_case_json_kind(j));
  *v = json_number_value(j);
  /* jansson refuses NaN/Inf and overflowing literals at parse time; this is
   * the second line of defence for values built by other means. */
  if (!isfinite(*v))
    return fm_case_err(e, FM_ENONFIN, origin, path, "must be finite (got %g)", *v);
  return FM_OK;
}

int fm_case_get_integer(long long *v, const json_t *j, long long lo, long long hi,
                        const char *origin, const char *path, fm_errmsg *e)
{
  char range[96];
  if (hi == LLONG_MAX)
    snprintf(range, sizeof range, "an integer >= %lld", lo);
  else
    snprintf(range, sizeof range, "an integer in [%lld, %lld]", lo, hi);
  if (json_is_integer(j)) {
    *v = json_integer_value(j);
    if (*v >= lo && *v <= hi)
      return FM_OK;
    return fm_case_err(e, FM_EINVAL, origin, path, "must be %s (got %lld)", range, *v);
  }
  if (json_is_real(j)) {
    /* 2.0 is accepted as 2; 2.5 and 1e30 are not.  (double)LLONG_MAX
     * rounds up to 2^63, hence the explicit bound before the cast. */
    double x = json_real_value(j);
    if (x == floor(x) && x >= (double)lo && x <= (double)hi && x < 0x1p63) {
      *v = (long long)x;
      return FM_OK;
    }
    return fm_case_err(e, FM_EINVAL, origin, path, "must be %s (got %.17g)", range, x);
  }
  return fm_case_err(e, FM_EINVAL, origin, path, "must be %s, not %s", range,
                     fm_case_json_kind(j));
}

int fm_case_get_string(const char **v, const json_t *j, const char *origin,
                       const char *path, fm_errmsg *e)
{
  if (!json_is_string(j))
    return fm_case_err(e, FM_EINVAL, origin, path, "must be a string, not %s",
                       fm_case_json_kind(j));
  *v = json_string_value(j);
  return FM_OK;
}
