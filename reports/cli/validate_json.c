/* validate_json.c -- validate.json of `validate-schedule`: every number of
 * the terminal report and every theorem row (fm_check_row_json, the same
 * objects as `fmcheck check --json`), written atomically.  JSON has no
 * Inf/NaN: such numbers are null. */
#include "validate.h"
#include "check_json.h"
#include "cli.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

static json_t *fm_vj_num(double x)
{
  return isfinite(x) ? json_real(x) : json_null();
}

static json_t *fm_vj_item(const fm_val_item *it)
{
  json_t *lines = json_array(), *rows = json_array();
  for (size_t i = 0; i < it->nlines; i++) {
    const fm_val_line *l = &it->lines[i];
    json_array_append_new(lines, json_pack("{s:s, s:s, s:o, s:o, s:s, s:s}", "name", l->name,
                                           "where", l->where, "value", fm_vj_num(l->value),
                                           "tol", fm_vj_num(l->tol), "outcome",
                                           fm_outcome_name(l->outcome), "detail", l->detail));
  }
  for (size_t i = 0; i < it->nrows; i++)
    json_array_append_new(rows, fm_check_row_json(&it->rows[i]));
  return json_pack("{s:i, s:s, s:b, s:s, s:s, s:o, s:o, s:o}", "id", it->id, "title",
                   it->title, "ran", it->ran, "outcome",
                   it->ran ? fm_outcome_name(it->outcome) : "skipped", "skip", it->skip,
                   "seconds", fm_vj_num(it->seconds), "lines", lines, "rows", rows);
}

static json_t *fm_vj_train(const fm_val_result *r)
{
  json_t *rows = json_array();
  for (size_t i = 0; i < r->ntrain; i++) {
    const fm_val_train_row *t = &r->train[i];
    json_t *o = json_pack("{s:s, s:s, s:b, s:b, s:I, s:o, s:o, s:s}", "data", t->data,
                          "model", t->schedule, "new_schedule", t->is_new, "transformed",
                          t->transformed, "steps", (json_int_t)t->steps, "t0",
                          fm_vj_num(t->t_lo), "t1", fm_vj_num(t->t_hi), "status",
                          fm_strerror(t->status));
    json_object_set_new(o, "field_err", fm_vj_num(t->field_err));
    json_object_set_new(o, "field_err_se", fm_vj_num(t->field_err_se));
    json_object_set_new(o, "floor_c", fm_vj_num(t->floor_c));
    json_object_set_new(o, "heldout_loss", fm_vj_num(t->loss));
    json_object_set_new(o, "samples", json_integer((json_int_t)t->nsamples));
    json_object_set_new(o, "p_min_holm", fm_vj_num(t->p_min));
    json_object_set_new(o, "rejected", json_boolean(t->rejected));
    json_t *tests = json_object();
    for (size_t k = 0; k < t->ntests; k++)
      json_object_set_new(tests, t->test_name[k], fm_vj_num(t->test_padj[k]));
    json_object_set_new(o, "p_holm", tests);
    json_object_set_new(o, "nfe_at_rtol", fm_vj_num(t->nfe_tol));
    json_object_set_new(o, "err_at_rtol", fm_vj_num(t->err_at_tol));
    json_object_set_new(o, "nfe_at_target_err", fm_vj_num(t->nfe_equal));
    json_object_set_new(o, "seconds", fm_vj_num(t->seconds));
    json_t *sw = json_array();
    for (size_t k = 0; k < t->nsweep; k++)
      json_array_append_new(sw, json_pack("{s:o, s:o, s:o}", "rtol", fm_vj_num(t->sweep_rtol[k]),
                                          "rms_err", fm_vj_num(t->sweep_err[k]), "nfe",
                                          fm_vj_num(t->sweep_nfe[k])));
    json_object_set_new(o, "nfe_sweep", sw);
    json_object_set_new(o, "note", json_string(t->note));
    json_array_append_new(rows, o);
  }
  return json_pack("{s:o, s:o, s:o}", "rtol", fm_vj_num(r->train_rtol), "target_error",
                   fm_vj_num(r->train_target_err), "rows", rows);
}

static json_t *fm_vj_notes(const fm_val_note *n, size_t k)
{
  json_t *a = json_array();
  for (size_t i = 0; i < k; i++)
    json_array_append_new(a, json_pack("{s:i, s:s, s:s, s:o, s:s}", "item", n[i].item, "key",
                                       n[i].key, "text", n[i].text, "margin",
                                       fm_vj_num(n[i].margin), "cases", n[i].cases));
  return a;
}

int fm_val_write_json(const fm_val_result *r, const char *path)
{
  json_t *items = json_array(), *cases = json_array();
  for (int i = 0; i < FM_VAL_NITEMS; i++)
    json_array_append_new(items, fm_vj_item(&r->item[i]));
  for (size_t i = 0; i < r->ncases; i++)
    json_array_append_new(cases, json_string(r->case_names[i]));
  char *line = fm_val_verdict_line(r);
  json_t *doc = json_pack(
      "{s:s, s:s, s:s, s:s, s:o, s:b, s:I, s:i, s:i, s:o, s:o, s:o, s:o, s:s, s:s, s:o}",
      "fmcheck", FM_VERSION, "command", "validate-schedule", "input", r->input, "schedule",
      r->schedule, "cases", cases, "quick", r->quick, "seed_override",
      (json_int_t)r->check.seed, "points", r->check.npoints, "prec", (int)r->check.prec,
      "items", items, "training", fm_vj_train(r), "warnings",
      fm_vj_notes(r->warnings, r->nwarnings), "reasons", fm_vj_notes(r->reasons, r->nreasons),
      "verdict", r->adopt ? "ADOPT" : "REJECT", "verdict_line", line ? line : "", "seconds",
      fm_vj_num(r->seconds));
  free(line);
  if (doc != NULL)
    json_object_set_new(doc, "name", json_string(r->label));
  if (doc == NULL)
    return fm_cli_error("%s: cannot build the JSON document", path);
  return fm_cli_json_write(doc, path);
}
