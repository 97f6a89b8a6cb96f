/* check_json.c -- check rows for people and programs: the summary sentence
 * and the JSON of `check --json` (and of report.json's rows). */
#include "check_json.h"
#include "cli.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fm_check_tally_text(char *buf, size_t len, const fm_check_tally *t)
{
  snprintf(buf, len, "%zu passed (%zu with warnings), %zu failed, %zu undecided, %zu n/a",
           t->passed, t->warned, t->failed, t->undecided, t->na);
}

/* JSON has no Inf/NaN: such numbers become null. */
static json_t *fm_json_num(double x)
{
  return isfinite(x) ? json_real(x) : json_null();
}

static json_t *fm_json_routes(const fm_verdict *v)
{
  json_t *arr = json_array();
  for (size_t i = 0; i < v->nroutes; i++) {
    const fm_route *r = &v->routes[i];
    json_array_append_new(
        arr, json_pack("{s:s, s:s, s:o, s:o, s:o, s:b, s:s}", "key", r->key, "label",
                       r->label, "value", fm_json_num(r->value), "tol", fm_json_num(r->tol),
                       "err", fm_json_num(r->err), "decided", r->decided, "worst", r->worst));
  }
  return arr;
}

/* Facts as one object {key: value}; non-finite values as strings ("inf"),
 * since a detection level of "none on the grid" is information too. */
static json_t *fm_json_facts(const fm_verdict *v)
{
  json_t *obj = json_object();
  for (size_t i = 0; i < v->nfacts; i++) {
    double x = v->facts[i].value;
    json_object_set_new(obj, v->facts[i].key,
                        isfinite(x) ? json_real(x)
                                    : json_string(isnan(x) ? "nan" : (x > 0 ? "inf" : "-inf")));
  }
  return obj;
}

static json_t *fm_json_verdict(const fm_verdict *v)
{
  return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:s}", "theorem",
                   v->theorem ? v->theorem : "", "case", v->case_name, "outcome",
                   fm_outcome_key(v->outcome), "statistic", v->statistic, "value",
                   fm_json_num(v->value), "tol", fm_json_num(v->tol), "err",
                   fm_json_num(v->err), "margin", fm_json_num(v->margin), "worst", v->worst,
                   "routes", fm_json_routes(v), "facts", fm_json_facts(v), "summary",
                   v->note);
}

static json_t *fm_json_row(const fm_check_row *r)
{
  json_t *ctl = json_array();
  for (size_t m = 0; m < r->nctl; m++) {
    json_t *c = fm_json_verdict(&r->ctl[m]);
    json_object_set_new(c, "mutant", json_string(r->ctl[m].mutant));
    json_object_set_new(c, "rejected", json_boolean(r->ctl[m].outcome == FM_OUTCOME_FAIL));
    json_array_append_new(ctl, c);
  }
  json_t *row = fm_json_verdict(&r->truth);
  json_object_set_new(row, "ok", json_boolean(r->ok));
  json_object_set_new(row, "controls", ctl);
  return row;
}

json_t *fm_check_row_json(const fm_check_row *r)
{
  return fm_json_row(r);
}

/* What JSON's null hides in v: {"margin": "-inf", ...}; NULL when nothing. */
static json_t *fm_json_nonfinite(const fm_verdict *v)
{
  const char *const names[] = {"value", "tol", "err", "margin"};
  const double x[] = {v->value, v->tol, v->err, v->margin};
  json_t *obj = NULL;
  for (size_t i = 0; i < 4; i++) {
    if (isfinite(x[i]))
      continue;
    if (obj == NULL)
      obj = json_object();
    json_object_set_new(obj, names[i],
                        json_string(isnan(x[i]) ? "nan" : (x[i] > 0 ? "inf" : "-inf")));
  }
  return obj;
}

/* The extras of check's file on one verdict object (fm_report_json_check). */
static void fm_json_verdict_extras(json_t *obj, const fm_verdict *v)
{
  json_t *nf = fm_json_nonfinite(v);
  if (nf != NULL)
    json_object_set_new(obj, "nonfinite", nf);
  if (v->status != 0)
    json_object_set_new(obj, "status", json_integer(v->status));
}

int fm_report_json_check(const char *path, const fm_check_row *rows,
                         const fm_check_row_meta *meta, size_t n, const fm_check_opts *o,
                         int controls)
{
  json_t *arr = json_array();
  size_t failed = 0;
  for (size_t i = 0; i < n; i++) {
    json_t *row = fm_json_row(&rows[i]);
    fm_json_verdict_extras(row, &rows[i].truth);
    json_t *ctl = json_object_get(row, "controls");
    for (size_t m = 0; m < rows[i].nctl; m++)
      fm_json_verdict_extras(json_array_get(ctl, m), &rows[i].ctl[m]);
    if (meta != NULL) {
      json_object_set_new(row, "seconds", json_real(meta[i].seconds));
      json_object_set_new(row, "case_fnv1a64", json_string(meta[i].case_hash));
    }
    json_array_append_new(arr, row);
    failed += !rows[i].ok;
  }
  json_t *doc = json_pack("{s:s, s:I, s:i, s:i, s:b, s:I, s:I, s:o}", "fmcheck", FM_VERSION,
                          "seed_override", (json_int_t)o->seed, "points", o->npoints, "prec",
                          (int)o->prec, "controls", controls, "rows", (json_int_t)n, "failed",
                          (json_int_t)failed, "verdicts", arr);
  return fm_cli_json_write(doc, path);
}
