/* report_json.c -- report.json: every number of a report run, machine
 * readable (jansson), described by reports/cli/report.schema.json.
 *
 * Layout: fmcheck version, the command line, options, the cases (origin,
 * FNV-1a 64 hash of their JSON text, seed used), a summary, one entry per
 * theorem with its check rows (the objects of `fmcheck check --json`) and
 * its sweeps (setup, series: points, fit, expectation, verdict), and the
 * timings.  Wall-clock times appear only under keys named "seconds" (and the
 * "timings" object), so two runs with the same inputs and seed differ in
 * those and nowhere else.  JSON has no Inf/NaN: such numbers are null. */
#include "report.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

uint64_t fm_report_fnv1a64(const void *data, size_t n)
{
  const unsigned char *p = data;
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

void fm_report_count(fm_report_counts *k, const fm_report *r)
{
  memset(k, 0, sizeof *k);
  for (size_t i = 0; i < r->nsweeps; i++) {
    const fm_sweep_result *s = &r->sweeps[i];
    fm_outcome o = fm_sweep_outcome(s);
    k->sweeps++;
    k->sweep_pass += o == FM_OUTCOME_PASS;
    k->sweep_fail += o == FM_OUTCOME_FAIL;
    k->sweep_na += o == FM_OUTCOME_NA;
    for (size_t j = 0; j < s->nseries && s->na[0] == '\0'; j++) {
      k->series++;
      k->series_pass += s->s[j].outcome == FM_OUTCOME_PASS;
      k->series_fail += s->s[j].outcome == FM_OUTCOME_FAIL;
      k->series_na += s->s[j].outcome == FM_OUTCOME_NA;
    }
  }
  k->rows = r->nrows;
  for (size_t i = 0; i < k->rows; i++)
    k->rows_ok += r->rows[i].ok;
  fm_check_tally_rows(&k->tally, r->rows, r->nrows);
}

static json_t *fm_rj_num(double x)
{
  return isfinite(x) ? json_real(x) : json_null();
}

static json_t *fm_rj_series(const fm_sweep_series *s)
{
  json_t *pts = json_array();
  for (size_t i = 0; i < s->n; i++)
    json_array_append_new(pts, json_pack("{s:o, s:o, s:o, s:b}", "x", fm_rj_num(s->pt[i].x),
                                         "err", fm_rj_num(s->pt[i].err), "se",
                                         fm_rj_num(s->pt[i].se), "used", s->pt[i].used));
  json_t *fit = json_null();
  if (s->fitted)
    fit = json_pack("{s:o, s:o, s:o, s:o, s:o, s:I, s:f}", "slope", fm_rj_num(s->fit.slope),
                    "intercept", fm_rj_num(s->fit.intercept), "se", fm_rj_num(s->fit.se),
                    "lo", fm_rj_num(s->fit.lo), "hi", fm_rj_num(s->fit.hi), "n",
                    (json_int_t)s->fit.n, "level", FM_SWEEP_LEVEL);
  char rule[160];
  return json_pack("{s:s, s:o, s:f, s:s, s:s, s:o, s:o, s:s, s:s}", "label", s->label,
                   "expected_slope", fm_rj_num(s->expected), "tolerance", s->tol, "rule",
                   fm_sweep_rule_name(s->rule), "rule_text",
                   fm_sweep_rule_text(rule, sizeof rule, s), "points", pts, "fit", fit,
                   "verdict", fm_outcome_name(s->outcome), "note", s->note);
}

static json_t *fm_rj_sweep(const fm_report *r, size_t i)
{
  const fm_sweep_result *s = &r->sweeps[i];
  json_t *ser = json_array();
  for (size_t j = 0; j < s->nseries; j++)
    json_array_append_new(ser, fm_rj_series(&s->s[j]));
  json_t *plots = json_null();
  if (r->plot[i][0] != '\0')
    plots = json_pack("{s:s+, s:s+}", "png", r->plot[i], ".png", "svg", r->plot[i], ".svg");
  json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:o, s:o, s:f}",
                   "kind", s->kind->name, "theorem", s->kind->theorem, "case", s->case_name,
                   "title", s->kind->title, "xlabel", s->kind->xlabel, "ylabel",
                   s->kind->ylabel, "axes",
                   s->kind->axes == FM_SWEEP_LOGLOG ? "loglog" : "semilogy", "setup", s->setup,
                   "not_applicable", s->na[0] ? s->na : NULL, "verdict",
                   fm_outcome_name(fm_sweep_outcome(s)), "error",
                   s->status == FM_OK ? json_null() : json_string(fm_strerror(s->status)),
                   "series", ser, "seconds", r->sweep_seconds[i]);
  if (o != NULL)
    json_object_set_new(o, "plots", plots);
  else
    json_decref(plots);
  return o;
}

static json_t *fm_rj_theorems(const fm_report *r)
{
  json_t *arr = json_array();
  for (size_t ti = 0; ti < r->nthms; ti++) {
    const fm_theorem *t = r->thms[ti];
    json_t *rows = json_array(), *sw = json_array();
    for (size_t ci = 0; ci < r->ncases && r->nrows > 0; ci++)
      json_array_append_new(rows, fm_check_row_json(&r->rows[ti * r->ncases + ci]));
    for (size_t i = 0; i < r->nsweeps; i++)
      if (strcmp(r->sweeps[i].kind->theorem, t->id) == 0)
        json_array_append_new(sw, fm_rj_sweep(r, i));
    json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:o}", "id", t->id, "statement",
                                         t->statement, "check", rows, "sweeps", sw));
  }
  return arr;
}

static json_t *fm_rj_cases(const fm_report *r)
{
  json_t *arr = json_array();
  for (size_t i = 0; i < r->ncases; i++) {
    const fm_case *c = r->cases[i];
    json_array_append_new(
        arr, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "name", c->name, "origin",
                       c->origin, "fnv1a64", r->hash[i], "seed",
                       (json_int_t)(r->opts.seed ? r->opts.seed : c->seed), "dim",
                       (json_int_t)c->gmm->d, "components", (json_int_t)c->gmm->K, "schedule",
                       fm_schedule_describe(c->sched)));
  }
  return arr;
}

static json_t *fm_rj_doc(const fm_report *r)
{
  fm_report_counts k;
  fm_report_count(&k, r);
  json_t *argv = json_array();
  for (int i = 0; i < r->argc; i++)
    json_array_append_new(argv, json_string(r->argv[i]));
  json_t *opts = json_pack("{s:b, s:b, s:b, s:I, s:i, s:i}", "quick", r->quick, "train",
                           r->train, "checks", r->nrows > 0,
                           "seed_override", (json_int_t)r->opts.seed, "points",
                           r->opts.npoints, "prec", (int)r->opts.prec);
  json_t *sum = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "ok",
                          k.sweep_fail == 0 && k.rows_ok == k.rows, "sweeps",
                          (json_int_t)k.sweeps, "sweeps_passed", (json_int_t)k.sweep_pass,
                          "sweeps_failed", (json_int_t)k.sweep_fail, "sweeps_not_applicable",
                          (json_int_t)k.sweep_na, "series", (json_int_t)k.series,
                          "series_passed", (json_int_t)k.series_pass, "series_failed",
                          (json_int_t)k.series_fail, "series_not_decided",
                          (json_int_t)k.series_na, "check_rows", (json_int_t)k.rows,
                          "check_rows_passed", (json_int_t)k.tally.passed);
  json_t *tim = json_pack("{s:f, s:f}", "check_seconds", r->check_seconds, "total_seconds",
                          r->total_seconds);
  return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "schema",
                   "fmcheck-report-2", "fmcheck", FM_VERSION, "argv", argv, "options", opts,
                   "cases", fm_rj_cases(r), "summary", sum, "theorems", fm_rj_theorems(r),
                   "timings", tim);
}

int fm_report_write_json(const fm_report *r, const char *path)
{
  json_t *doc = fm_rj_doc(r);
  if (doc == NULL)
    return fm_cli_error("report.json: out of memory (or a string that is not UTF-8)");
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    json_decref(doc);
    return fm_cli_error("%s: cannot create", path);
  }
  int ok = json_dumpf(doc, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) == 0;
  ok &= fputc('\n', f) != EOF;
  ok &= !ferror(f);
  ok &= fclose(f) == 0;
  json_decref(doc);
  return ok ? FM_EXIT_OK : fm_cli_error("%s: write error", path);
}
