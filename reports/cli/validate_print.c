/* validate_print.c -- the terminal report of `validate-schedule`: a table
 * per item, warnings, reasons and the final verdict line.  Theorem rows are
 * summarised one line per theorem (cases ok, worst margin and where,
 * controls rejected); report.md lists every row. */
#include "validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fm_val_num(char *buf, size_t n, double x)
{
  if (isnan(x))
    snprintf(buf, n, "-");
  else
    snprintf(buf, n, "%.2e", x);
}

static void fm_val_print_lines(FILE *f, const fm_val_item *it)
{
  if (it->nlines == 0)
    return;
  fprintf(f, "   %-52s %-12s %9s %9s  %-7s %s\n", "check", "where", "value", "tol", "verdict",
          "detail");
  for (size_t i = 0; i < it->nlines; i++) {
    const fm_val_line *l = &it->lines[i];
    char v[32], t[32];
    fm_val_num(v, sizeof v, l->value);
    fm_val_num(t, sizeof t, l->tol);
    fprintf(f, "   %-52.52s %-12.12s %9s %9s  %-7s %s\n", l->name, l->where, v, t,
            fm_outcome_name(l->outcome), l->detail);
  }
}

/* One line per theorem: rows [i0, i1) share the theorem. */
static void fm_val_print_theorem(FILE *f, const fm_check_row *rows, size_t i0, size_t i1)
{
  size_t ok = 0, rej = 0, app = 0, worst = i0;
  double cmin = INFINITY;
  int warn = 0;
  for (size_t i = i0; i < i1; i++) {
    ok += rows[i].ok;
    rej += rows[i].rejected;
    app += rows[i].applicable;
    cmin = fmin(cmin, rows[i].min_margin);
    warn |= rows[i].truth.outcome == FM_OUTCOME_WARN;
    if (!rows[i].ok && rows[worst].ok)
      worst = i;
    else if (rows[i].ok == rows[worst].ok && !(rows[i].truth.margin <= rows[worst].truth.margin))
      worst = i;
  }
  const fm_verdict *v = &rows[worst].truth;
  char ctl[48] = "-";
  if (app > 0)
    snprintf(ctl, sizeof ctl, "%zu/%zu (min %.2g)", rej, app, cmin);
  const char *out = ok < i1 - i0 ? "FAIL" : (warn ? "WARN" : "PASS");
  fprintf(f, "   %-18s %-4s %zu/%zu cases ok  worst margin %9.2e on %-10s controls %-18s %s\n",
          v->theorem, out, ok, i1 - i0, v->margin, v->case_name, ctl, v->statistic);
}

static void fm_val_print_rows(FILE *f, const fm_val_item *it)
{
  size_t i0 = 0;
  for (size_t i = 1; i <= it->nrows; i++)
    if (i == it->nrows || strcmp(it->rows[i].truth.theorem, it->rows[i0].truth.theorem) != 0) {
      fm_val_print_theorem(f, it->rows, i0, i);
      i0 = i;
    }
}

static void fm_val_print_train(FILE *f, const fm_val_result *r)
{
  if (r->ntrain == 0)
    return;
  fprintf(f, "   %-10s %-30s %-19s %9s %9s %-6s %9s %9s %7s\n", "data", "model",
          "field err +- se", "floor C", "p min", "test", "NFE@rtol", "NFE@err", "seconds");
  for (size_t i = 0; i < r->ntrain; i++) {
    const fm_val_train_row *t = &r->train[i];
    if (t->status != FM_OK) {
      fprintf(f, "   %-10s %-30.30s failed: %s\n", t->data, t->schedule, t->note);
      continue;
    }
    char fe[40] = "-", fc[24] = "-";
    if (!t->transformed) {
      snprintf(fe, sizeof fe, "%.3g +- %.2g", t->field_err, t->field_err_se);
      snprintf(fc, sizeof fc, "%.3g", t->floor_c);
    }
    fprintf(f, "   %-10s %-30.30s %-19s %9s %9.2g %-6s %9.0f %9.0f %7.1f\n", t->data,
            t->schedule, fe, fc, t->p_min, t->rejected ? "reject" : "pass", t->nfe_tol,
            t->nfe_equal, t->seconds);
  }
  fprintf(f, "   (field err: E|v - u_t|^2 on held-out t ~ U[0, %g]; p min: smallest Holm-adjusted "
          "compare-samples p-value of %zu samples at t = %g, level 1e-3; NFE@rtol: adaptive "
          "rk8pd at rtol = atol = %g; NFE@err: at RMS sampling error %g)\n", r->train[0].t_hi,
          r->train[0].nsamples, r->train[0].t_hi, r->train_rtol, r->train_target_err);
}

static void fm_val_print_notes(FILE *f, const char *title, const fm_val_note *n, size_t k)
{
  if (k == 0)
    return;
  fprintf(f, "%s:\n", title);
  for (size_t i = 0; i < k; i++)
    fprintf(f, "  - [item %d] %s%s%s%s\n", n[i].item, n[i].text, n[i].cases[0] ? " [" : "",
            n[i].cases, n[i].cases[0] ? "]" : "");
}

char *fm_val_verdict_line(const fm_val_result *r)
{
  size_t len = 16;
  for (size_t i = 0; i < r->nreasons; i++)
    len += strlen(r->reasons[i].text) + 2;
  char *s = malloc(len);
  if (s == NULL)
    return NULL;
  if (r->adopt) {
    snprintf(s, len, "ADOPT");
    return s;
  }
  size_t k = (size_t)snprintf(s, len, "REJECT: ");
  for (size_t i = 0; i < r->nreasons && k < len; i++)
    k += (size_t)snprintf(s + k, len - k, "%s%s", i ? "; " : "", r->reasons[i].text);
  return s;
}

void fm_val_print(FILE *f, const fm_val_result *r)
{
  fprintf(f, "validate-schedule: %s%s%s%s\n", r->label[0] ? "\"" : "", r->label,
          r->label[0] ? "\" = " : "", r->schedule);
  fprintf(f, "input: %s\ncases:", r->input);
  for (size_t i = 0; i < r->ncases; i++)
    fprintf(f, "%s %s", i ? "," : "", r->case_names[i]);
  fprintf(f, "  (built-in data with this schedule%s; %d points per pointwise check)\n",
          r->quick ? ", quick" : "", r->check.npoints);
  for (int i = 0; i < FM_VAL_NITEMS; i++) {
    const fm_val_item *it = &r->item[i];
    fprintf(f, "\n%d. %-66s %s  (%.1f s)\n", it->id, it->title,
            it->ran ? fm_outcome_name(it->outcome) : "skipped", it->seconds);
    if (it->skip[0])
      fprintf(f, "   %s\n", it->skip);
    fm_val_print_lines(f, it);
    fm_val_print_rows(f, it);
    if (i == 4)
      fm_val_print_train(f, r);
  }
  fprintf(f, "\n");
  fm_val_print_notes(f, "warnings", r->warnings, r->nwarnings);
  fm_val_print_notes(f, "reasons to reject", r->reasons, r->nreasons);
  fprintf(f, "verdicts:");
  for (int i = 0; i < FM_VAL_NITEMS; i++)
    fprintf(f, " %d %s%s", i + 1,
            r->item[i].ran ? fm_outcome_name(r->item[i].outcome) : "skipped",
            i + 1 < FM_VAL_NITEMS ? "," : "");
  fprintf(f, "  (%.1f s)\n", r->seconds);
  char *line = fm_val_verdict_line(r);
  fprintf(f, "%s\n", line != NULL ? line : (r->adopt ? "ADOPT" : "REJECT"));
  free(line);
}
