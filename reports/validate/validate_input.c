/* validate_input.c -- the input of `fmcheck validate-schedule`: the file F
 * and the cases the battery runs on (README.md).
 *
 * F's top-level object is either a schedule object (it has `type`; optional
 * `name` and `description` strings label it) or a case file (it has
 * `schedule`; its data is then added to the standard cases).  Relative
 * `table` paths resolve against F's directory, as in a case file.
 *
 * The standard cases are the built-in case files <data>-cond_ot.json for
 * gauss1d, bimodal1d, ring8, aniso3d (and mix16d with `all`), loaded as
 * they are -- data, seed, name -- and then given the new schedule: each case
 * owns a schedule object parsed afresh from F, so the cases can be freed
 * independently (fm_case_free frees its schedule). */
#include "validate.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "fm_limits.h"

static const char *const fm_val_std_data[] = {"gauss1d", "bimodal1d", "ring8", "aniso3d",
                                              "mix16d"};
#define FM_VAL_NSTD 4 /* without mix16d */

struct fm_val_input {
  char *path, *basedir;
  json_t *sched;     /* the schedule object (borrowed from root, or a copy) */
  json_t *root;
  fm_case *own;      /* F's own case when F is a case file */
  char label[128];
};

static char *fm_val_dirname(const char *path)
{
  const char *slash = strrchr(path, '/');
  if (slash == NULL)
    return strdup(".");
  size_t n = slash == path ? 1 : (size_t)(slash - path);
  char *d = malloc(n + 1);
  if (d != NULL) {
    memcpy(d, path, n);
    d[n] = '\0';
  }
  return d;
}

/* A schedule file may carry `name` and `description` strings; the schedule
 * parser knows neither, so they are checked here and removed from a copy. */
static int fm_val_schedule_object(fm_val_input *in, fm_errmsg *e)
{
  in->sched = json_deep_copy(in->root);
  if (in->sched == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "out of memory copying %s", in->path);
  static const char *const labels[] = {"name", "description"};
  for (size_t i = 0; i < 2; i++) {
    json_t *v = json_object_get(in->sched, labels[i]);
    if (v == NULL)
      continue;
    if (!json_is_string(v))
      return fm_errmsg_set(e, FM_EINVAL, "%s: %s: expected a string", in->path, labels[i]);
    if (i == 0)
      snprintf(in->label, sizeof in->label, "%s", json_string_value(v));
    json_object_del(in->sched, labels[i]);
  }
  return FM_OK;
}

int fm_val_input_open(fm_val_input **out, const char *path, fm_errmsg *e)
{
  *out = NULL;
  fm_val_input *in = calloc(1, sizeof *in);
  if (in == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "out of memory");
  in->path = strdup(path);
  in->basedir = fm_val_dirname(path);
  if (in->path == NULL || in->basedir == NULL) {
    fm_val_input_free(in);
    return fm_errmsg_set(e, FM_ENOMEM, "out of memory");
  }
  json_error_t je;
  char *text = NULL;
  size_t len = 0;
  /* fileio, not json_load_file: a FIFO or /dev/zero is refused, not read */
  int st = fm_file_read_all(&text, &len, path, FM_LIMIT_CASE_BYTES, "schedule or case file", e);
  if (st != FM_OK) {
    fm_val_input_free(in);
    return st;
  }
  in->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  free(text);
  if (in->root == NULL) {
    st = fm_errmsg_set(e, FM_EPARSE, "%s:%d:%d: %s", path, je.line, je.column, je.text);
  } else if (!json_is_object(in->root)) {
    st = fm_errmsg_set(e, FM_EINVAL, "%s: the top level must be an object (a schedule "
                       "with \"type\", or a case file with \"schedule\")", path);
  } else if (json_object_get(in->root, "type") != NULL) {
    st = fm_val_schedule_object(in, e);
  } else if (json_object_get(in->root, "schedule") != NULL) {
    st = fm_case_load_file(&in->own, path, e);
    if (st == FM_OK) {
      in->sched = json_incref(json_object_get(in->root, "schedule"));
      snprintf(in->label, sizeof in->label, "%s", in->own->name);
    }
  } else {
    st = fm_errmsg_set(e, FM_EINVAL, "%s: the top-level object has neither \"type\" (a "
                       "schedule object) nor \"schedule\" (a case file)", path);
  }
  if (st == FM_OK) {
    /* parse once now, so a bad schedule is reported before any work */
    fm_schedule *s = NULL;
    st = fm_val_input_schedule(&s, in, e);
    fm_schedule_free(s);
  }
  if (st != FM_OK) {
    fm_val_input_free(in);
    return st;
  }
  *out = in;
  return FM_OK;
}

void fm_val_input_free(fm_val_input *in)
{
  if (in == NULL)
    return;
  json_decref(in->sched);
  json_decref(in->root);
  fm_case_free(in->own);
  free(in->path);
  free(in->basedir);
  free(in);
}

int fm_val_input_schedule(fm_schedule **s, const fm_val_input *in, fm_errmsg *e)
{
  const char *where = in->own != NULL ? "schedule" : "";
  return fm_case_parse_schedule(s, in->sched, in->path, where, in->basedir, e);
}

const char *fm_val_input_label(const fm_val_input *in)
{
  return in->label;
}

static int fm_val_builtin_index(size_t *idx, const char *data)
{
  char file[64];
  snprintf(file, sizeof file, "%s-cond_ot.json", data);
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    if (strcmp(fm_case_builtin_file(i), file) == 0) {
      *idx = i;
      return FM_OK;
    }
  return FM_ENOTAVAIL;
}

int fm_val_case_with(fm_case **c, const char *data, fm_schedule *s, fm_errmsg *e)
{
  size_t idx;
  *c = NULL;
  int st = fm_val_builtin_index(&idx, data);
  if (st != FM_OK) {
    fm_schedule_free(s);
    return fm_errmsg_set(e, st, "no built-in case %s-cond_ot.json", data);
  }
  fm_case *k = NULL;
  st = fm_case_builtin_load(&k, idx, e);
  char *name = st == FM_OK ? strdup(data) : NULL;
  if (st == FM_OK && name == NULL)
    st = fm_errmsg_set(e, FM_ENOMEM, "out of memory");
  if (st != FM_OK) {
    fm_case_free(k);
    fm_schedule_free(s);
    return st;
  }
  fm_schedule_free(k->sched);
  k->sched = s;
  free(k->name);
  k->name = name;
  *c = k;
  return FM_OK;
}

/* F's own case, again with a fresh schedule and its data. */
static int fm_val_own_case(fm_case **c, const fm_val_input *in, fm_errmsg *e)
{
  fm_case *k = calloc(1, sizeof *k);
  if (k == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "out of memory");
  const fm_case *own = in->own;
  k->name = strdup(own->name);
  k->origin = strdup(own->origin);
  k->seed = own->seed;
  int st = k->name && k->origin ? fm_gmm_copy(&k->gmm, own->gmm) : FM_ENOMEM;
  if (st == FM_OK)
    st = fm_val_input_schedule(&k->sched, in, e);
  if (st != FM_OK) {
    fm_case_free(k);
    return st == FM_ENOMEM ? fm_errmsg_set(e, st, "out of memory") : st;
  }
  *c = k;
  return FM_OK;
}

int fm_val_cases_make(fm_case ***cases, size_t *n, const fm_val_input *in, int all,
                      fm_errmsg *e)
{
  size_t nstd = all ? FM_VAL_NSTD + 1 : FM_VAL_NSTD, total = nstd + (in->own != NULL);
  fm_case **cs = calloc(total, sizeof *cs);
  if (cs == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "out of memory");
  int st = FM_OK;
  size_t k = 0;
  for (; k < nstd && st == FM_OK; k++) {
    fm_schedule *s = NULL;
    st = fm_val_input_schedule(&s, in, e);
    if (st == FM_OK)
      st = fm_val_case_with(&cs[k], fm_val_std_data[k], s, e);
  }
  if (st == FM_OK && in->own != NULL)
    st = fm_val_own_case(&cs[k++], in, e);
  if (st != FM_OK) {
    fm_val_cases_free(cs, total);
    return st;
  }
  *cases = cs;
  *n = total;
  return FM_OK;
}

void fm_val_cases_free(fm_case **cases, size_t n)
{
  if (cases == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    fm_case_free(cases[i]);
  free(cases);
}
