/* fm_test_schema.h -- a JSON Schema (draft-07) validator for the subset of
 * keywords reports/cli/report.schema.json uses: type (a name or a list of
 * names), required, properties, items (one schema for every element), enum
 * and minimum.  Debian ships no C validator, so the tests carry this one.
 *
 * Semantics follow draft-07: "integer" also accepts a real with an integral
 * value; object keywords (required, properties) apply only to objects, items
 * only to arrays, minimum only to numbers -- so {"type": ["object", "null"],
 * "required": [...]} accepts null.  Annotation keywords ($schema, $id, title,
 * description) are ignored; any OTHER keyword is an error of the schema
 * itself, so a schema can never lean on a keyword this validator would
 * silently skip.
 *
 * fm_schema_validate returns 0 when inst is valid, else -1 with one message
 * naming the JSON path of the first violation. */
#ifndef FM_TEST_SCHEMA_H
#define FM_TEST_SCHEMA_H

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  char msg[1536]; /* a path (< 1024) and a reason (< 256) */
} fm_schema_err;

static inline int fm_schema_fail(fm_schema_err *e, const char *path, const char *what)
{
  snprintf(e->msg, sizeof e->msg, "%.1023s: %.255s", path[0] ? path : "(root)", what);
  return -1;
}

static inline int fm_schema_type_is(const json_t *v, const char *t)
{
  if (strcmp(t, "object") == 0) return json_is_object(v);
  if (strcmp(t, "array") == 0) return json_is_array(v);
  if (strcmp(t, "string") == 0) return json_is_string(v);
  if (strcmp(t, "boolean") == 0) return json_is_boolean(v);
  if (strcmp(t, "null") == 0) return json_is_null(v);
  if (strcmp(t, "number") == 0) return json_is_number(v);
  if (strcmp(t, "integer") == 0)
    return json_is_integer(v) || (json_is_real(v) && floor(json_real_value(v)) ==
                                                         json_real_value(v));
  return -1; /* unknown type name: a schema error */
}

static inline int fm_schema_validate_at(const json_t *s, const json_t *v, const char *path,
                                        fm_schema_err *e);

static inline int fm_schema_check_type(const json_t *t, const json_t *v, const char *path,
                                       fm_schema_err *e)
{
  size_t n = json_is_array(t) ? json_array_size(t) : 1;
  for (size_t i = 0; i < n; i++) {
    const json_t *ti = json_is_array(t) ? json_array_get(t, i) : t;
    if (!json_is_string(ti))
      return fm_schema_fail(e, path, "schema error: type is not a string");
    int r = fm_schema_type_is(v, json_string_value(ti));
    if (r < 0)
      return fm_schema_fail(e, path, "schema error: unknown type name");
    if (r)
      return 0;
  }
  return fm_schema_fail(e, path, "wrong type");
}

static inline int fm_schema_check_object(const json_t *s, const json_t *v, const char *path,
                                         fm_schema_err *e)
{
  const json_t *req = json_object_get(s, "required"), *props = json_object_get(s, "properties");
  char sub[1024];
  for (size_t i = 0; req != NULL && i < json_array_size(req); i++) {
    const char *k = json_string_value(json_array_get(req, i));
    if (k == NULL)
      return fm_schema_fail(e, path, "schema error: required entry is not a string");
    if (json_object_get(v, k) == NULL) {
      char m[256];
      snprintf(m, sizeof m, "missing required key \"%.200s\"", k);
      return fm_schema_fail(e, path, m);
    }
  }
  const char *k;
  const json_t *ps;
  json_object_foreach((json_t *)props, k, ps)
  {
    const json_t *pv = json_object_get(v, k);
    snprintf(sub, sizeof sub, "%.800s.%.200s", path, k);
    if (pv != NULL && fm_schema_validate_at(ps, pv, sub, e) != 0)
      return -1;
  }
  return 0;
}

static inline int fm_schema_validate_at(const json_t *s, const json_t *v, const char *path,
                                        fm_schema_err *e)
{
  static const char *const known[] = {"type",    "required", "properties", "items",
                                      "enum",    "minimum",  "$schema",    "$id",
                                      "title",   "description"};
  if (!json_is_object(s))
    return fm_schema_fail(e, path, "schema error: a schema must be an object");
  const char *key;
  const json_t *val;
  json_object_foreach((json_t *)s, key, val)
  {
    size_t i = 0;
    while (i < sizeof known / sizeof *known && strcmp(known[i], key) != 0)
      i++;
    if (i == sizeof known / sizeof *known) {
      char m[256];
      snprintf(m, sizeof m, "schema error: keyword \"%.180s\" is not supported", key);
      return fm_schema_fail(e, path, m);
    }
  }
  const json_t *t = json_object_get(s, "type");
  if (t != NULL && fm_schema_check_type(t, v, path, e) != 0)
    return -1;
  const json_t *en = json_object_get(s, "enum");
  if (en != NULL) {
    int found = 0;
    for (size_t i = 0; i < json_array_size(en) && !found; i++)
      found = json_equal(json_array_get(en, i), (json_t *)v);
    if (!found)
      return fm_schema_fail(e, path, "value not in enum");
  }
  const json_t *mn = json_object_get(s, "minimum");
  if (mn != NULL && json_is_number(v) && json_number_value(v) < json_number_value(mn))
    return fm_schema_fail(e, path, "below minimum");
  if (json_is_object(v) && fm_schema_check_object(s, v, path, e) != 0)
    return -1;
  const json_t *it = json_object_get(s, "items");
  if (it != NULL && json_is_array(v)) {
    char sub[1024];
    for (size_t i = 0; i < json_array_size(v); i++) {
      snprintf(sub, sizeof sub, "%.1000s[%zu]", path, i);
      if (fm_schema_validate_at(it, json_array_get(v, i), sub, e) != 0)
        return -1;
    }
  }
  return 0;
}

static inline int fm_schema_validate(const json_t *schema, const json_t *inst, fm_schema_err *e)
{
  e->msg[0] = '\0';
  return fm_schema_validate_at(schema, inst, "", e);
}

#endif
