/* verdict.c -- bookkeeping shared by every theorem check: routes, margins,
 * notes, and the run wrapper that stamps theorem/case/mutant names. */
#include "theorem.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *fm_outcome_name(fm_outcome o)
{
  static const char *const names[] = {"PASS", "WARN", "FAIL", "n/a", "UNDECIDED"};
  return (unsigned)o < 5 ? names[o] : "?";
}

const char *fm_outcome_key(fm_outcome o)
{
  static const char *const keys[] = {"pass", "warn", "fail", "n/a", "undecided"};
  return (unsigned)o < 5 ? keys[o] : "?";
}

fm_check_opts fm_check_opts_default(void)
{
  fm_check_opts o = {0, 48, 256, 1};
  return o;
}

void fm_verdict_init(fm_verdict *v)
{
  memset(v, 0, sizeof *v);
  v->outcome = FM_OUTCOME_PASS;
  v->margin = -INFINITY;
  v->value = NAN;
  v->tol = NAN;
}

static void fm_verdict_append(fm_verdict *v, const char *text)
{
  size_t len = strlen(v->note);
  if (len + 1 >= sizeof v->note)
    return;
  snprintf(v->note + len, sizeof v->note - len, "%s%s", len ? "; " : "", text);
}

void fm_verdict_notef(fm_verdict *v, const char *fmt, ...)
{
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  fm_verdict_append(v, buf);
}

void fm_verdict_route(fm_verdict *v, const char *name, double value, double tol,
                      double err, const char *worst)
{
  /* NaN never passes: a route that produced no number (value NaN, or a
   * margin inf/inf, 0/0) has failed, and so has a non-positive tolerance. */
  double margin = value / tol;
  if (isnan(value) || isnan(margin) || !(tol > 0.0))
    margin = INFINITY;
  fm_verdict_notef(v, "%s %.3g/%.3g", name, value, tol);
  if (margin > 1.0 && v->outcome != FM_OUTCOME_NA)
    v->outcome = FM_OUTCOME_FAIL;
  if (margin > v->margin || isnan(v->value)) {
    v->margin = margin;
    v->value = value;
    v->tol = tol;
    v->err = err;
    snprintf(v->statistic, sizeof v->statistic, "%s", name);
    snprintf(v->worst, sizeof v->worst, "%s", worst != NULL ? worst : "");
  }
}

void fm_verdict_warn(fm_verdict *v)
{
  if (v->outcome == FM_OUTCOME_PASS)
    v->outcome = FM_OUTCOME_WARN;
}

void fm_verdict_na(fm_verdict *v, const char *why)
{
  v->outcome = FM_OUTCOME_NA;
  fm_verdict_append(v, why);
}

size_t fm_theorem_mutant_count(const fm_theorem *t)
{
  size_t n = 0;
  while (t->mutants != NULL && t->mutants[n] != NULL)
    n++;
  return n;
}

const fm_theorem *fm_theorem_find(const char *id)
{
  for (size_t i = 0; fm_theorems[i] != NULL; i++)
    if (strcmp(fm_theorems[i]->id, id) == 0)
      return fm_theorems[i];
  return NULL;
}

int fm_theorem_run(fm_verdict *v, const fm_theorem *t, const fm_case *c,
                   const fm_check_opts *o, int mutant)
{
  fm_verdict_init(v);
  v->theorem = t->id;
  snprintf(v->case_name, sizeof v->case_name, "%s", c->name);
  if (mutant > 0)
    snprintf(v->mutant, sizeof v->mutant, "%s", t->mutants[mutant - 1]);
  int st = t->check(v, c, o, mutant);
  if (st != FM_OK) {
    v->outcome = FM_OUTCOME_FAIL;
    fm_verdict_notef(v, "check could not run: %s", fm_strerror(st));
  }
  if (v->outcome != FM_OUTCOME_NA && isnan(v->value)) {
    /* A check that recorded no route decided nothing: refuse to pass it. */
    v->outcome = FM_OUTCOME_FAIL;
    fm_verdict_notef(v, "no route was evaluated");
  }
  return st;
}
