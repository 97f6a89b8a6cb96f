/* case_schedule.c -- a case file's schedule object -> fm_schedule
 * (cases/README.md): {"type": T, ...parameters of T...}.
 *
 * The schedule types are a table (type name, parameter keys, which are
 * required, defaults, constructor adapter), so that key checking, defaults
 * and messages are written once.  The range checks belong to the
 * constructors in schedule*.c (one rule, one place); when a constructor
 * refuses, its message is re-addressed to the JSON path of the parameter it
 * names, e.g. "case.json: schedule.beta_max: beta_max must be in
 * [beta_min, 1e4] (got 5)".
 */
#include "case_json.h"
#include "fm_limits.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FM_CASE_SCHED_MAXKEY 5

typedef int (*fm_case_sched_make)(fm_schedule **s, const double *num, const char *const *str,
                                  const char *basedir, fm_errmsg *e);

typedef struct {
  const char *type;
  const char *keys[FM_CASE_SCHED_MAXKEY + 1];  /* NULL-terminated */
  int strings;       /* 1: the parameters are strings (expr, table) */
  unsigned required; /* bit i: keys[i] must be given */
  double defaults[FM_CASE_SCHED_MAXKEY];
  fm_case_sched_make make;
} fm_case_sched_spec;

static int fm_mk_cond_ot(fm_schedule **s, const double *p, const char *const *str,
                         const char *basedir, fm_errmsg *e)
{
  (void)str, (void)basedir;
  return fm_schedule_cond_ot(s, p[0], e);
}

static int fm_mk_vp(fm_schedule **s, const double *p, const char *const *str,
                    const char *basedir, fm_errmsg *e)
{
  (void)str, (void)basedir;
  return fm_schedule_vp(s, p[0], p[1], e);
}

static int fm_mk_ve(fm_schedule **s, const double *p, const char *const *str,
                    const char *basedir, fm_errmsg *e)
{
  (void)str, (void)basedir;
  return fm_schedule_ve(s, p[0], p[1], e);
}

static int fm_mk_cosine(fm_schedule **s, const double *p, const char *const *str,
                        const char *basedir, fm_errmsg *e)
{
  (void)p, (void)str, (void)basedir;
  return fm_schedule_cosine(s, e);
}

static int fm_mk_polynomial(fm_schedule **s, const double *p, const char *const *str,
                            const char *basedir, fm_errmsg *e)
{
  (void)str, (void)basedir;
  return fm_schedule_polynomial(s, p[0], e);
}

static int fm_mk_linear_vp(fm_schedule **s, const double *p, const char *const *str,
                           const char *basedir, fm_errmsg *e)
{
  (void)p, (void)str, (void)basedir;
  return fm_schedule_linear_vp(s, e);
}

static int fm_mk_expr(fm_schedule **s, const double *p, const char *const *str,
                      const char *basedir, fm_errmsg *e)
{
  (void)p, (void)basedir;
  return fm_schedule_expr(s, str[0], str[1], str[2], str[3], str[4], e);
}

/* cases/README.md: a relative table path is relative to the case file. */
static int fm_mk_table(fm_schedule **s, const double *p, const char *const *str,
                       const char *basedir, fm_errmsg *e)
{
  (void)p;
  const char *file = str[0];
  if (basedir == NULL || basedir[0] == '\0' || file[0] == '/')
    return fm_schedule_table_file(s, file, e);
  size_t nb = strlen(basedir), nf = strlen(file);
  char *path = malloc(nb + nf + 2);
  if (path == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "out of memory");
  memcpy(path, basedir, nb);
  path[nb] = '/';
  memcpy(path + nb + 1, file, nf + 1);
  int st = fm_schedule_table_file(s, path, e);
  free(path);
  return st;
}

/* Defaults as in cases/README.md and schedule.h; NAN marks a required parameter. */
static const fm_case_sched_spec fm_case_sched_specs[] = {
    {"cond_ot", {"sigma_min", NULL}, 0, 0u, {0.0}, fm_mk_cond_ot},
    {"vp", {"beta_min", "beta_max", NULL}, 0, 0u, {0.1, 20.0}, fm_mk_vp},
    {"ve", {"sigma_min", "sigma_max", NULL}, 0, 0u, {0.01, 50.0}, fm_mk_ve},
    {"cosine", {NULL}, 0, 0u, {0.0}, fm_mk_cosine},
    {"polynomial", {"n", NULL}, 0, 1u, {NAN}, fm_mk_polynomial},
    {"linear_vp", {NULL}, 0, 0u, {0.0}, fm_mk_linear_vp},
    {"expr", {"alpha", "sigma", "alpha_dot", "sigma_dot", "cond_field", NULL}, 1, 3u, {0.0},
     fm_mk_expr},
    {"table", {"file", NULL}, 1, 1u, {0.0}, fm_mk_table},
};

#define FM_CASE_NSPEC (sizeof fm_case_sched_specs / sizeof fm_case_sched_specs[0])

/* "cond_ot, vp, ..." for messages. */
static void fm_case_type_list(char *out, size_t n)
{
  size_t len = 0;
  out[0] = '\0';
  for (size_t i = 0; i < FM_CASE_NSPEC && len < n; i++)
    len += (size_t)snprintf(out + len, n - len, "%s%s", i ? ", " : "",
                            fm_case_sched_specs[i].type);
}

static int fm_case_sched_type(const fm_case_sched_spec **spec, const json_t *obj,
                              const char *origin, const char *where, fm_errmsg *e)
{
  char tp[FM_CASE_PATHLEN], list[128];
  const char *type;
  fm_case_path(tp, where, "type");
  fm_case_type_list(list, sizeof list);
  const json_t *t = json_object_get(obj, "type");
  if (t == NULL)
    return fm_case_err(e, FM_EINVAL, origin, tp, "required key missing (one of %s)", list);
  int st = fm_case_get_string(&type, t, origin, tp, e);
  if (st != FM_OK)
    return st;
  for (size_t i = 0; i < FM_CASE_NSPEC; i++)
    if (strcmp(type, fm_case_sched_specs[i].type) == 0) {
      *spec = &fm_case_sched_specs[i];
      return FM_OK;
    }
  return fm_case_err(e, FM_EINVAL, origin, tp, "unknown schedule type \"%.64s\" (one of %s)",
                     type, list);
}

/* The parameters of spec from obj, with defaults for those not given. */
static int fm_case_sched_params(double *num, const char **str, const fm_case_sched_spec *spec,
                                const json_t *obj, const char *origin, const char *where,
                                fm_errmsg *e)
{
  const char *allowed[FM_CASE_SCHED_MAXKEY + 2] = {"type"};
  for (size_t i = 0; spec->keys[i] != NULL; i++)
    allowed[i + 1] = spec->keys[i];
  int st = fm_case_check_keys(obj, allowed, origin, where, e);
  for (size_t i = 0; st == FM_OK && spec->keys[i] != NULL; i++) {
    char kp[FM_CASE_PATHLEN];
    fm_case_path(kp, where, spec->keys[i]);
    const json_t *j = json_object_get(obj, spec->keys[i]);
    num[i] = spec->defaults[i];
    str[i] = NULL;
    if (j == NULL && (spec->required >> i & 1u))
      st = fm_case_err(e, FM_EINVAL, origin, kp, "required for schedule type %s",
                       spec->type);
    else if (j != NULL && spec->strings)
      st = fm_case_get_string(&str[i], j, origin, kp, e);
    else if (j != NULL)
      st = fm_case_get_number(&num[i], j, origin, kp, e);
  }
  return st;
}

/* Position of key in msg as a whole word (names may contain '_'), or NULL. */
static const char *fm_case_find_word(const char *msg, const char *key)
{
  size_t n = strlen(key);
  for (const char *p = strstr(msg, key); p != NULL; p = strstr(p + 1, key)) {
    int before = p > msg && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z'));
    int after = p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z');
    if (!before && !after)
      return p;
  }
  return NULL;
}

/* A constructor's message "schedule T: ..." becomes "ORIGIN: WHERE.KEY: ...",
 * KEY being the parameter the message mentions first (or just WHERE). */
static void fm_case_sched_readdress(fm_errmsg *e, const fm_case_sched_spec *spec,
                                    const char *origin, const char *where)
{
  if (e == NULL)
    return;
  char head[64], msg[sizeof e->msg], path[FM_CASE_PATHLEN];
  snprintf(head, sizeof head, "schedule %s: ", spec->type);
  size_t nh = strlen(head);
  snprintf(msg, sizeof msg, "%s", strncmp(e->msg, head, nh) == 0 ? e->msg + nh : e->msg);
  const char *first = NULL, *key = NULL;
  for (size_t i = 0; spec->keys[i] != NULL; i++) {
    const char *p = fm_case_find_word(msg, spec->keys[i]);
    if (p != NULL && (first == NULL || p < first)) {
      first = p;
      key = spec->keys[i];
    }
  }
  if (key == NULL && spec->keys[0] != NULL && spec->keys[1] == NULL)
    key = spec->keys[0];  /* a one-parameter type can only fail on it */
  if (key != NULL)
    fm_case_path(path, where, key);
  else
    snprintf(path, sizeof path, "%s", where);
  fm_case_err(e, 0, origin, path, "%s", msg);
}

/* One row [t, alpha, sigma] of an inline table into t[i], a[i], g[i]. */
static int fm_case_table_row(double *t, double *a, double *g, size_t i, const json_t *row,
                             const char *origin, const char *rp, fm_errmsg *e)
{
  char ip[FM_CASE_PATHLEN];
  fm_case_path_index(ip, rp, NULL, i);
  if (!json_is_array(row) || json_array_size(row) != 3)
    return fm_case_err(e, FM_EINVAL, origin, ip, "a row must be [t, alpha, sigma]");
  double *dst[3] = {t + i, a + i, g + i};
  int st = FM_OK;
  for (size_t k = 0; k < 3 && st == FM_OK; k++) {
    char kp[FM_CASE_PATHLEN];
    fm_case_path_index(kp, ip, NULL, k);
    st = fm_case_get_number(dst[k], json_array_get(row, k), origin, kp, e);
  }
  return st;
}

/* {"type": "table", "rows": [[t, alpha, sigma], ...]}: the table inline
 * (cases/README.md), so a case file -- and a built-in -- needs no CSV
 * beside it; the rows obey fm_schedule_table's rules. */
static int fm_case_table_inline(fm_schedule **s, const json_t *obj, const char *origin,
                                const char *where, fm_errmsg *e)
{
  static const char *const allowed[] = {"type", "rows", NULL};
  char rp[FM_CASE_PATHLEN];
  fm_case_path(rp, where, "rows");
  int st = fm_case_check_keys(obj, allowed, origin, where, e);
  const json_t *rows = json_object_get(obj, "rows");
  size_t n = json_array_size(rows);
  if (st == FM_OK && (!json_is_array(rows) || n < 4 || n > FM_LIMIT_TABLE_ROWS))
    st = fm_case_err(e, FM_EINVAL, origin, rp,
                     "must be an array of 4 to %d rows [t, alpha, sigma]", FM_LIMIT_TABLE_ROWS);
  double *buf = st == FM_OK ? malloc(3 * n * sizeof *buf) : NULL;
  if (st == FM_OK && buf == NULL)
    st = fm_errmsg_set(e, FM_ENOMEM, "out of memory");
  for (size_t i = 0; st == FM_OK && i < n; i++)
    st = fm_case_table_row(buf, buf + n, buf + 2 * n, i, json_array_get(rows, i), origin, rp,
                           e);
  if (st == FM_OK) {
    st = fm_schedule_table(s, buf, buf + n, buf + 2 * n, n, e);
    if (st != FM_OK)
      fm_case_err(e, 0, origin, rp, "%s", e != NULL ? e->msg : "");
  }
  free(buf);
  return st;
}

int fm_case_parse_schedule(fm_schedule **s, const struct json_t *obj, const char *origin,
                           const char *where, const char *basedir, fm_errmsg *e)
{
  const fm_case_sched_spec *spec = NULL;
  double num[FM_CASE_SCHED_MAXKEY];
  const char *str[FM_CASE_SCHED_MAXKEY];
  if (origin == NULL)
    origin = "<string>";
  if (where == NULL)
    where = "";
  if (!json_is_object(obj))
    return fm_case_err(e, FM_EINVAL, origin, where,
                       "a schedule must be an object {\"type\": ..., ...}, not %s",
                       fm_case_json_kind(obj));
  int st = fm_case_sched_type(&spec, obj, origin, where, e);
  if (st == FM_OK && strcmp(spec->type, "table") == 0 && json_object_get(obj, "rows") != NULL)
    return fm_case_table_inline(s, obj, origin, where, e);
  if (st == FM_OK)
    st = fm_case_sched_params(num, str, spec, obj, origin, where, e);
  if (st != FM_OK)
    return st;
  fm_schedule *made = NULL;
  st = spec->make(&made, num, str, basedir, e);
  if (st != FM_OK) {
    fm_schedule_free(made);
    fm_case_sched_readdress(e, spec, origin, where);
    return st;
  }
  *s = made;
  return FM_OK;
}
