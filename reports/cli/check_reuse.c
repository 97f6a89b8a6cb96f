/* check_reuse.c -- `check --json` rows read back for `report --from-check`
 * (check_reuse.h).
 *
 * The JSON of a row carries every field report.md and report.json print:
 * the verdict's outcome, statistic, numbers, worst point, routes, facts and
 * summary, the controls, and `ok`.  JSON has no Inf/NaN, so check's file
 * adds "nonfinite" ({"margin": "-inf", ...}) where a number was written as
 * null, and "status" where a check could not run; with them the rows read
 * back print exactly as the rows computed. */
#include "check_reuse.h"
#include "cli.h"
#include "report.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "fm_limits.h"
#include "fm_status.h"

int fm_cli_case_hash(char hex[17], const fm_case *c)
{
  const char *origin = c->origin, *text = NULL;
  char *buf = NULL;
  size_t len = 0;
  if (strncmp(origin, "builtin:", 8) == 0) {
    for (size_t b = 0; b < fm_case_builtin_count(); b++)
      if (strcmp(fm_case_builtin_file(b), origin + 8) == 0)
        text = fm_case_builtin_json(b);
    len = text ? strlen(text) : 0;
  } else {
    fm_errmsg e = {""};
    if (fm_file_read_all(&buf, &len, origin, FM_LIMIT_CASE_BYTES, "case file", &e) != FM_OK)
      return fm_cli_error("cannot re-read the case to hash it: %s", e.msg);
    text = buf;
  }
  if (text == NULL)
    return fm_cli_error("%s: cannot re-read the case to hash it", origin);
  snprintf(hex, 17, "%016llx", (unsigned long long)fm_report_fnv1a64(text, len));
  free(buf);
  return FM_EXIT_OK;
}

/* ---------------- one verdict ---------------- */

static void fm_cr_str(char *dst, size_t len, const json_t *obj, const char *key)
{
  const char *s = json_string_value(json_object_get(obj, key));
  snprintf(dst, len, "%s", s ? s : "");
}

/* A number written by check: a real, or null with its kind in "nonfinite"
 * (NaN when not said). */
static double fm_cr_num(const json_t *obj, const char *key, const json_t *nonfinite)
{
  const json_t *x = json_object_get(obj, key);
  if (json_is_number(x))
    return json_number_value(x);
  const char *k = json_string_value(json_object_get(nonfinite, key));
  if (k != NULL && strcmp(k, "inf") == 0)
    return INFINITY;
  if (k != NULL && strcmp(k, "-inf") == 0)
    return -INFINITY;
  return NAN;
}

static int fm_cr_outcome(fm_outcome *o, const json_t *obj)
{
  const char *k = json_string_value(json_object_get(obj, "outcome"));
  for (int i = FM_OUTCOME_PASS; k != NULL && i <= FM_OUTCOME_UNDECIDED; i++)
    if (strcmp(k, fm_outcome_key((fm_outcome)i)) == 0) {
      *o = (fm_outcome)i;
      return 0;
    }
  return -1;
}

static int fm_cr_verdict(fm_verdict *v, const json_t *obj, const fm_theorem *t)
{
  const json_t *nf = json_object_get(obj, "nonfinite");
  memset(v, 0, sizeof *v);
  v->theorem = t->id;
  v->decider = -1;
  if (!json_is_object(obj) || fm_cr_outcome(&v->outcome, obj) != 0)
    return -1;
  fm_cr_str(v->case_name, sizeof v->case_name, obj, "case");
  fm_cr_str(v->mutant, sizeof v->mutant, obj, "mutant");
  fm_cr_str(v->statistic, sizeof v->statistic, obj, "statistic");
  fm_cr_str(v->worst, sizeof v->worst, obj, "worst");
  fm_cr_str(v->note, sizeof v->note, obj, "summary");
  v->status = (int)json_integer_value(json_object_get(obj, "status")); /* absent: FM_OK */
  v->value = fm_cr_num(obj, "value", nf);
  v->tol = fm_cr_num(obj, "tol", nf);
  v->err = fm_cr_num(obj, "err", nf);
  v->margin = fm_cr_num(obj, "margin", nf);
  const json_t *routes = json_object_get(obj, "routes");
  for (size_t i = 0; i < json_array_size(routes) && i < FM_VERDICT_MAX_ROUTES; i++) {
    const json_t *ro = json_array_get(routes, i);
    fm_route *r = &v->routes[v->nroutes++];
    fm_cr_str(r->key, sizeof r->key, ro, "key");
    fm_cr_str(r->label, sizeof r->label, ro, "label");
    fm_cr_str(r->worst, sizeof r->worst, ro, "worst");
    /* a route's non-finite numbers are null in report.json too */
    r->value = fm_cr_num(ro, "value", NULL);
    r->tol = fm_cr_num(ro, "tol", NULL);
    r->err = fm_cr_num(ro, "err", NULL);
    r->decided = json_is_true(json_object_get(ro, "decided"));
  }
  const char *key;
  json_t *val;
  json_object_foreach((json_t *)json_object_get(obj, "facts"), key, val)
  {
    if (v->nfacts == FM_VERDICT_MAX_FACTS)
      break;
    fm_fact *f = &v->facts[v->nfacts++];
    snprintf(f->key, sizeof f->key, "%s", key);
    const char *s = json_string_value(val);
    f->value = json_is_number(val)           ? json_number_value(val)
               : s && strcmp(s, "inf") == 0  ? INFINITY
               : s && strcmp(s, "-inf") == 0 ? -INFINITY
                                             : NAN;
  }
  return 0;
}

/* rejected, applicable, undecided_controls, min_margin and ok by the rule
 * of check_row.h (fm_check_row_run decides computed rows the same way) */
static void fm_cr_decide(fm_check_row *r)
{
  r->min_margin = INFINITY;
  r->rejected = r->applicable = r->undecided_controls = 0;
  for (size_t m = 0; m < r->nctl; m++) {
    if (r->ctl[m].outcome == FM_OUTCOME_NA)
      continue;
    if (r->ctl[m].outcome == FM_OUTCOME_UNDECIDED) {
      r->undecided_controls++;
      continue;
    }
    r->applicable++;
    r->rejected += fm_check_control_rejected(&r->ctl[m]) != 0;
    if (r->ctl[m].margin < r->min_margin)
      r->min_margin = r->ctl[m].margin;
  }
  r->ok = !fm_check_truth_refuted(&r->truth) && r->rejected == r->applicable;
}

/* Row obj as r; -1 when it is not a well-formed check row. */
static int fm_cr_row(fm_check_row *r, const json_t *obj, const fm_theorem *t)
{
  if (fm_cr_verdict(&r->truth, obj, t) != 0)
    return -1;
  const json_t *ctl = json_object_get(obj, "controls");
  if (!json_is_array(ctl))
    return -1;
  r->nctl = json_array_size(ctl);
  r->ctl = r->nctl ? calloc(r->nctl, sizeof *r->ctl) : NULL;
  if (r->nctl && r->ctl == NULL) {
    r->nctl = 0;
    return -1;
  }
  for (size_t m = 0; m < r->nctl; m++)
    if (fm_cr_verdict(&r->ctl[m], json_array_get(ctl, m), t) != 0)
      return -1;
  fm_cr_decide(r);
  /* the row as written says the same */
  return json_is_boolean(json_object_get(obj, "ok")) &&
                 json_is_true(json_object_get(obj, "ok")) == (r->ok != 0)
             ? 0
             : -1;
}

/* ---------------- the file ---------------- */

static int fm_cr_options(const json_t *doc, const char *path, const fm_check_opts *o)
{
  json_int_t seed = json_integer_value(json_object_get(doc, "seed_override"));
  json_int_t points = json_integer_value(json_object_get(doc, "points"));
  json_int_t prec = json_integer_value(json_object_get(doc, "prec"));
  if (!json_is_true(json_object_get(doc, "controls")))
    return fm_cli_error("%s: the negative controls were not run (check --no-controls) or "
                        "the file predates --from-check; run check without --no-controls",
                        path);
  if ((unsigned long long)seed != (unsigned long long)o->seed)
    return fm_cli_error("%s: checked with seed override %lld, the report asks for %llu "
                        "(0: the cases' own seeds)", path, (long long)seed,
                        (unsigned long long)o->seed);
  if (points != o->npoints || prec != (json_int_t)o->prec)
    return fm_cli_error("%s: checked with --points %lld --prec %lld; the report's checks use "
                        "%d points at %u bits", path, (long long)points, (long long)prec,
                        o->npoints, o->prec);
  return FM_EXIT_OK;
}

int fm_check_json_load(fm_check_row *rows, double *seconds, const char *path,
                       const fm_theorem *const *thms, size_t nthms, fm_case *const *cases,
                       const char (*hash)[17], size_t ncases, const fm_check_opts *o)
{
  json_error_t e;
  json_t *doc = json_load_file(path, 0, &e);
  if (doc == NULL)
    return fm_cli_error("%s:%d:%d: %s", path, e.line, e.column, e.text);
  const json_t *verdicts = json_object_get(doc, "verdicts");
  int rc = FM_EXIT_OK;
  if (!json_is_object(doc) || json_string_value(json_object_get(doc, "fmcheck")) == NULL ||
      !json_is_array(verdicts))
    rc = fm_cli_error("%s: not the JSON of 'fmcheck check --json'", path);
  rc = rc ? rc : fm_cr_options(doc, path, o);
  *seconds = 0.0;
  for (size_t ti = 0; ti < nthms && rc == FM_EXIT_OK; ti++)
    for (size_t ci = 0; ci < ncases && rc == FM_EXIT_OK; ci++) {
      const json_t *row = NULL, *named = NULL;
      for (size_t i = 0; i < json_array_size(verdicts) && row == NULL; i++) {
        const json_t *v = json_array_get(verdicts, i);
        const char *th = json_string_value(json_object_get(v, "theorem"));
        const char *cn = json_string_value(json_object_get(v, "case"));
        const char *h = json_string_value(json_object_get(v, "case_fnv1a64"));
        if (th == NULL || cn == NULL || strcmp(th, thms[ti]->id) != 0 ||
            strcmp(cn, cases[ci]->name) != 0)
          continue;
        named = v;
        if (h != NULL && strcmp(h, hash[ci]) == 0)
          row = v;
      }
      if (row == NULL && named != NULL)
        rc = fm_cli_error("%s: case %s was checked with a different text (another file of "
                          "that name, or edited since); run check on this case again",
                          path, cases[ci]->name);
      else if (row == NULL)
        rc = fm_cli_error("%s: no row for theorem %s on case %s; run check with --case %s "
                          "(or drop --from-check)", path, thms[ti]->id, cases[ci]->name,
                          cases[ci]->name);
      else if (fm_cr_row(&rows[ti * ncases + ci], row, thms[ti]) != 0)
        rc = fm_cli_error("%s: the row of theorem %s on case %s is not a well-formed check row",
                          path, thms[ti]->id, cases[ci]->name);
      else
        *seconds += json_number_value(json_object_get(row, "seconds"));
    }
  json_decref(doc);
  return rc;
}
