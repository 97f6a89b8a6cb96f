/* validate_md.c -- report.md of `validate-schedule`: the same items as the
 * terminal report, with every theorem row (truth and controls) instead of
 * the per-theorem summary, written atomically. */
#include "validate.h"
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Markdown table cells: '|' would end the cell. */
static void fm_vm_cell(FILE *f, const char *s)
{
  for (; *s; s++) {
    if (*s == '|')
      fputs("\\|", f);
    else
      fputc(*s, f);
  }
}

static void fm_vm_num(FILE *f, double x)
{
  if (isnan(x))
    fputs("-", f);
  else
    fprintf(f, "%.3g", x);
}

static void fm_vm_lines(FILE *f, const fm_val_item *it)
{
  if (it->nlines == 0)
    return;
  fputs("| check | where | value | tol | verdict | detail |\n|---|---|---|---|---|---|\n", f);
  for (size_t i = 0; i < it->nlines; i++) {
    const fm_val_line *l = &it->lines[i];
    fputs("| ", f);
    fm_vm_cell(f, l->name);
    fputs(" | ", f);
    fm_vm_cell(f, l->where);
    fputs(" | ", f);
    fm_vm_num(f, l->value);
    fputs(" | ", f);
    fm_vm_num(f, l->tol);
    fprintf(f, " | %s | ", fm_outcome_name(l->outcome));
    fm_vm_cell(f, l->detail);
    fputs(" |\n", f);
  }
  fputc('\n', f);
}

static void fm_vm_rows(FILE *f, const fm_val_item *it)
{
  if (it->nrows == 0)
    return;
  fputs("| theorem | case | verdict | value | tol | margin | controls rejected | deciding "
        "route |\n|---|---|---|---|---|---|---|---|\n", f);
  for (size_t i = 0; i < it->nrows; i++) {
    const fm_check_row *r = &it->rows[i];
    const fm_verdict *v = &r->truth;
    fprintf(f, "| %s | %s | %s | ", v->theorem, v->case_name,
            r->ok ? fm_outcome_name(v->outcome) : "FAIL");
    fm_vm_num(f, v->value);
    fputs(" | ", f);
    fm_vm_num(f, v->tol);
    fputs(" | ", f);
    fm_vm_num(f, v->margin);
    fprintf(f, " | %zu/%zu | ", r->rejected, r->applicable);
    fm_vm_cell(f, v->statistic);
    fputs(" |\n", f);
  }
  fputc('\n', f);
}

static void fm_vm_train(FILE *f, const fm_val_result *r)
{
  if (r->ntrain == 0)
    return;
  fprintf(f, "Samples at t = %g; NFE@rtol: adaptive rk8pd at rtol = atol = %g; NFE@err: "
          "interpolated at RMS sampling error %g.\n\n", r->train[0].t_hi, r->train_rtol,
          r->train_target_err);
  fputs("| data | model | steps | field err | +- se | floor C | p min (Holm) | test | "
        "NFE@rtol | NFE@err | s |\n|---|---|---|---|---|---|---|---|---|---|---|\n", f);
  for (size_t i = 0; i < r->ntrain; i++) {
    const fm_val_train_row *t = &r->train[i];
    fprintf(f, "| %s | ", t->data);
    fm_vm_cell(f, t->schedule);
    if (t->status != FM_OK) {
      fputs(" | failed: ", f);
      fm_vm_cell(f, t->note);
      fputs(" | | | | | | | | |\n", f);
      continue;
    }
    fprintf(f, " | %llu | ", (unsigned long long)t->steps);
    const double v[] = {t->field_err, t->field_err_se, t->floor_c, t->p_min};
    for (int k = 0; k < 4; k++) {
      fm_vm_num(f, t->transformed && k < 3 ? NAN : v[k]);
      fputs(" | ", f);
    }
    fprintf(f, "%s | %.0f | %.0f | %.1f |\n", t->rejected ? "reject" : "pass", t->nfe_tol,
            t->nfe_equal, t->seconds);
  }
  fputc('\n', f);
}

static void fm_vm_notes(FILE *f, const char *title, const fm_val_note *n, size_t k)
{
  if (k == 0)
    return;
  fprintf(f, "## %s\n\n", title);
  for (size_t i = 0; i < k; i++) {
    fprintf(f, "- (item %d) ", n[i].item);
    fm_vm_cell(f, n[i].text);
    if (n[i].cases[0])
      fprintf(f, " [%s]", n[i].cases);
    fputc('\n', f);
  }
  fputc('\n', f);
}

static void fm_vm_write(FILE *f, const fm_val_result *r)
{
  fprintf(f, "# validate-schedule: %s%s`%s`\n\n", r->label, r->label[0] ? " = " : "",
          r->schedule);
  fprintf(f, "Input `%s`; cases:", r->input);
  for (size_t i = 0; i < r->ncases; i++)
    fprintf(f, "%s %s", i ? "," : "", r->case_names[i]);
  fprintf(f, " (built-in data with this schedule%s; %d points per pointwise check; "
          "fmcheck %s; %.1f s).\n\n", r->quick ? ", quick" : "", r->check.npoints,
          FM_VERSION, r->seconds);
  fputs("| item | verdict | seconds |\n|---|---|---|\n", f);
  for (int i = 0; i < FM_VAL_NITEMS; i++)
    fprintf(f, "| %d. %s | %s | %.1f |\n", i + 1, r->item[i].title,
            r->item[i].ran ? fm_outcome_name(r->item[i].outcome) : "skipped",
            r->item[i].seconds);
  char *line = fm_val_verdict_line(r);
  fputs("\n**", f);
  fm_vm_cell(f, line != NULL ? line : (r->adopt ? "ADOPT" : "REJECT"));
  fputs("**\n\n", f);
  free(line);
  fm_vm_notes(f, "Reasons to reject", r->reasons, r->nreasons);
  fm_vm_notes(f, "Warnings", r->warnings, r->nwarnings);
  for (int i = 0; i < FM_VAL_NITEMS; i++) {
    const fm_val_item *it = &r->item[i];
    fprintf(f, "## %d. %s: %s\n\n", it->id, it->title,
            it->ran ? fm_outcome_name(it->outcome) : "skipped");
    if (it->skip[0])
      fprintf(f, "%s\n\n", it->skip);
    fm_vm_lines(f, it);
    fm_vm_rows(f, it);
    if (i == 4)
      fm_vm_train(f, r);
  }
}

int fm_val_write_md(const fm_val_result *r, const char *path)
{
  fm_cli_atomic out;
  int rc = fm_cli_atomic_open(&out, path);
  if (rc != FM_EXIT_OK)
    return rc;
  fm_vm_write(out.f, r);
  return fm_cli_atomic_commit(&out, 1);
}
