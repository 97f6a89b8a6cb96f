/* report_md.c -- report.md: readable on its own.  A summary table first
 * (every sweep series: expected slope, fitted slope and band, verdict) and
 * the check verdicts (theorem x case), then one section per theorem with
 * its statement, its check rows, and each sweep's setup, table of points,
 * fit and plot. */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Table cells: '|' would end the cell, a newline the row. */
static void fm_md_cell(FILE *f, const char *s)
{
  for (; *s; s++) {
    if (*s == '|')
      fputs("\\|", f);
    else if (*s == '\n')
      fputc(' ', f);
    else
      fputc(*s, f);
  }
}

static const char *fm_md_verdict(fm_outcome o)
{
  switch (o) {
  case FM_OUTCOME_PASS: return "PASS";
  case FM_OUTCOME_WARN: return "WARN";
  case FM_OUTCOME_FAIL: return "**FAIL**";
  case FM_OUTCOME_UNDECIDED: return "UNDECIDED";
  default: return "n/a";
  }
}

static void fm_md_expected(char *buf, size_t len, const fm_sweep_series *s)
{
  switch (s->rule) {
  case FM_SWEEP_BAND: snprintf(buf, len, "%g +- %g", s->expected, s->tol); break;
  case FM_SWEEP_AT_LEAST: snprintf(buf, len, "<= %g + %g", s->expected, s->tol); break;
  case FM_SWEEP_STEEPER: snprintf(buf, len, "< %g", s->expected); break;
  case FM_SWEEP_DECREASING: snprintf(buf, len, "< 0 (trend)"); break;
  }
}

static void fm_md_fit(char *slope, char *band, size_t len, const fm_sweep_series *s)
{
  if (!s->fitted) {
    snprintf(slope, len, "-");
    snprintf(band, len, "-");
    return;
  }
  snprintf(slope, len, "%.3f", s->fit.slope);
  snprintf(band, len, "[%.3f, %.3f]", s->fit.lo, s->fit.hi);
}

static void fm_md_summary(FILE *f, const fm_report *r)
{
  fputs("| theorem | sweep | case | series | expected slope | fitted slope | 95% band | "
        "verdict |\n|---|---|---|---|---|---|---|---|\n", f);
  for (size_t i = 0; i < r->nsweeps; i++) {
    const fm_sweep_result *s = &r->sweeps[i];
    if (s->na[0] != '\0' || s->status != FM_OK) {
      fprintf(f, "| %s | %s | %s | - | - | - | - | %s: ", s->kind->theorem, s->kind->name,
              s->case_name, s->status != FM_OK ? "**FAIL**" : "n/a");
      fm_md_cell(f, s->status != FM_OK ? fm_strerror(s->status) : s->na);
      fputs(" |\n", f);
      continue;
    }
    for (size_t j = 0; j < s->nseries; j++) {
      const fm_sweep_series *se = &s->s[j];
      char e[64], sl[64], band[64];
      fm_md_expected(e, sizeof e, se);
      fm_md_fit(sl, band, sizeof sl, se);
      fprintf(f, "| %s | %s | %s | ", s->kind->theorem, s->kind->name, s->case_name);
      fm_md_cell(f, se->label);
      fprintf(f, " | %s | %s | %s | %s |\n", e, sl, band, fm_md_verdict(se->outcome));
    }
  }
}

/* theorem x case matrix of check verdicts */
static void fm_md_check_matrix(FILE *f, const fm_report *r)
{
  fputs("| theorem |", f);
  for (size_t ci = 0; ci < r->ncases; ci++)
    fprintf(f, " %s |", r->cases[ci]->name);
  fputs("\n|---|", f);
  for (size_t ci = 0; ci < r->ncases; ci++)
    fputs("---|", f);
  fputc('\n', f);
  for (size_t ti = 0; ti < r->nthms; ti++) {
    fprintf(f, "| %s |", r->thms[ti]->id);
    for (size_t ci = 0; ci < r->ncases; ci++) {
      const fm_check_row *row = &r->rows[ti * r->ncases + ci];
      fprintf(f, " %s |", row->ok ? fm_md_verdict(row->truth.outcome) : "**FAIL**");
    }
    fputc('\n', f);
  }
}

static void fm_md_rows(FILE *f, const fm_report *r, size_t ti)
{
  fputs("| case | verdict | value | tol | margin | controls rejected | deciding route |\n"
        "|---|---|---|---|---|---|---|\n", f);
  for (size_t ci = 0; ci < r->ncases; ci++) {
    const fm_check_row *row = &r->rows[ti * r->ncases + ci];
    char ctl[64] = "-";
    if (row->applicable > 0)
      snprintf(ctl, sizeof ctl, "%zu/%zu", row->rejected, row->applicable);
    fprintf(f, "| %s | %s | %.3g | %.3g | %.3g | %s | ", row->truth.case_name,
            row->ok ? fm_md_verdict(row->truth.outcome) : "**FAIL**", row->truth.value,
            row->truth.tol, row->truth.margin, ctl);
    fm_md_cell(f, row->truth.statistic);
    fputs(" |\n", f);
  }
}

static void fm_md_points(FILE *f, const fm_sweep_result *s)
{
  /* one table per series: points differ in x between series (QMC vs MC) */
  for (size_t j = 0; j < s->nseries; j++) {
    const fm_sweep_series *se = &s->s[j];
    char rule[160], sl[64], band[64];
    fm_md_fit(sl, band, sizeof sl, se);
    fprintf(f, "**%s** -- fitted slope %s, 95%% band %s; rule: %s -> %s\n\n", se->label, sl,
            band, fm_sweep_rule_text(rule, sizeof rule, se), fm_md_verdict(se->outcome));
    if (se->note[0] != '\0')
      fprintf(f, "Note: %s\n\n", se->note);
    fprintf(f, "| %s | error | std. error | in fit |\n|---|---|---|---|\n", s->kind->xlabel);
    for (size_t i = 0; i < se->n; i++)
      fprintf(f, "| %.6g | %.4e | %.2e | %s |\n", se->pt[i].x, se->pt[i].err, se->pt[i].se,
              se->pt[i].used ? "yes" : "no");
    fputc('\n', f);
  }
}

static void fm_md_sweep(FILE *f, const fm_report *r, size_t i)
{
  const fm_sweep_result *s = &r->sweeps[i];
  fprintf(f, "### %s on %s\n\n%s.\n\n", s->kind->name, s->case_name, s->kind->title);
  if (s->na[0] != '\0') {
    fprintf(f, "Not applicable: %s.\n\n", s->na);
    return;
  }
  if (s->setup[0] != '\0')
    fprintf(f, "Setup: %s.\n\n", s->setup);
  if (s->status != FM_OK)
    fprintf(f, "**Stopped by an error: %s.**\n\n", fm_strerror(s->status));
  fm_md_points(f, s);
  if (r->plot[i][0] != '\0')
    fprintf(f, "![%s on %s](%s.png)\n\n([svg](%s.svg))\n\n", s->kind->name, s->case_name,
            r->plot[i], r->plot[i]);
}

static void fm_md_header(FILE *f, const fm_report *r)
{
  fm_report_counts k;
  fm_report_count(&k, r);
  fprintf(f, "# fmcheck convergence report\n\n");
  fprintf(f, "fmcheck %s, %s sweeps, seed %s; cases:", FM_VERSION, r->quick ? "quick" : "full",
          r->opts.seed ? "override" : "of each case");
  for (size_t i = 0; i < r->ncases; i++)
    fprintf(f, "%s %s (seed %llu)", i ? "," : "", r->cases[i]->name,
            (unsigned long long)(r->opts.seed ? r->opts.seed : r->cases[i]->seed));
  fprintf(f, ".\n\n**%s**: sweep series %zu passed, %zu failed, %zu not decided (%zu sweeps "
             "not applicable); ",
          k.sweep_fail == 0 && k.rows_ok == k.rows ? "OK" : "FAILED", k.series_pass,
          k.series_fail, k.series_na, k.sweep_na);
  char rows[160];
  fm_check_tally_text(rows, sizeof rows, &k.tally);
  if (k.rows > 0)
    fprintf(f, "check rows %zu: %s.\n\n", k.rows, rows);
  else
    fprintf(f, "checks not run.\n\n");
}

int fm_report_write_md(const fm_report *r, const char *path)
{
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return fm_cli_error("%s: cannot create", path);
  fm_md_header(f, r);
  fm_md_summary(f, r);
  fputs("\nSlopes are of log error against log x (sweep quad: against x -- geometric "
        "convergence); bands are 95% (Student t).  Rules: `+-` two-sided, `<=` one-sided "
        "(an order at least the claimed one), `<` the whole band below.\n\n"
        "## Check verdicts\n\n", f);
  if (r->nrows > 0) {
    fputs("Every theorem on every case with its negative controls (`fmcheck check`); "
          "details per theorem below.\n\n", f);
    fm_md_check_matrix(f, r);
  } else {
    fputs("Not run (--no-check).\n", f);
  }
  fputc('\n', f);
  for (size_t ti = 0; ti < r->nthms; ti++) {
    const fm_theorem *t = r->thms[ti];
    fprintf(f, "## %s\n\nStatement: `%s`\n\n", t->id, t->statement);
    if (r->nrows > 0) {
      fm_md_rows(f, r, ti);
      fputc('\n', f);
    }
    for (size_t i = 0; i < r->nsweeps; i++)
      if (strcmp(r->sweeps[i].kind->theorem, t->id) == 0)
        fm_md_sweep(f, r, i);
  }
  int ok = !ferror(f);
  ok &= fclose(f) == 0;
  return ok ? FM_EXIT_OK : fm_cli_error("%s: write error", path);
}
