/* verdict.c -- bookkeeping shared by every theorem check: routes, margins,
 * notes, and the run wrapper that stamps theorem/case/mutant names. */
#include "theorem.h"
#include "fm_status.h"

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
  v->decider = -1;
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

double fm_route_margin(const fm_route *r)
{
  /* NaN never passes: a route that produced no number (value NaN, or a
   * margin inf/inf, 0/0) has failed, and so has a non-positive tolerance. */
  double margin = r->value / r->tol;
  if (isnan(r->value) || isnan(margin) || !(r->tol > 0.0))
    margin = INFINITY;
  return margin;
}

int fm_route_fails(const fm_route *r)
{
  return fm_route_margin(r) > 1.0;
}

static void fm_key_make(char *key, size_t len, const char *base, char sep, const char *qual)
{
  if (qual != NULL && qual[0] != '\0')
    snprintf(key, len, "%s%c%s", base, sep, qual);
  else
    snprintf(key, len, "%s", base);
}

/* The note text of route r (fm_verdict_drop_route removes exactly it). */
static void fm_route_note(char *buf, size_t len, const fm_route *r)
{
  snprintf(buf, len, "%s %.3g/%.3g%s", r->label, r->value, r->tol,
           r->decided ? "" : " (not deciding)");
}

/* Make route `at` the deciding one when it beats the current (the rule of
 * every record: the largest margin; a NaN value is always replaced). */
static void fm_verdict_decide(fm_verdict *v, int at)
{
  const fm_route *r = &v->routes[at];
  double margin = fm_route_margin(r);
  if (margin > v->margin || isnan(v->value)) {
    v->margin = margin;
    v->decider = at;
    v->value = r->value;
    v->tol = r->tol;
    v->err = r->err;
    snprintf(v->statistic, sizeof v->statistic, "%s", r->label);
    snprintf(v->worst, sizeof v->worst, "%s", r->worst);
  }
}

static void fm_verdict_record(fm_verdict *v, fm_route_id id, const char *qual,
                              const char *label, double value, double tol, double err,
                              const char *worst, int decided)
{
  fm_route r = {.id = id, .value = value, .tol = tol, .err = err, .decided = decided};
  fm_key_make(r.key, sizeof r.key, fm_route_key(id), '-', qual);
  snprintf(r.label, sizeof r.label, "%s", label != NULL ? label : fm_route_label(id));
  snprintf(r.worst, sizeof r.worst, "%s", worst != NULL ? worst : "");
  char text[sizeof r.label + 64];
  fm_route_note(text, sizeof text, &r);
  r.note_at = strlen(v->note);
  fm_verdict_append(v, text);
  r.note_len = strlen(v->note) - r.note_at;
  if (v->nroutes >= FM_VERDICT_MAX_ROUTES) {
    v->status = FM_ERANGE; /* a check with more routes than the record holds: a
                              defect the tests catch, never a silent loss */
    return;
  }
  v->routes[v->nroutes++] = r;
  if (!decided)
    return;
  if (fm_route_fails(&r) && v->outcome != FM_OUTCOME_NA)
    v->outcome = FM_OUTCOME_FAIL;
  fm_verdict_decide(v, (int)v->nroutes - 1);
}

void fm_verdict_route_q(fm_verdict *v, fm_route_id id, const char *qual, const char *label,
                        double value, double tol, double err, const char *worst)
{
  fm_verdict_record(v, id, qual, label, value, tol, err, worst, 1);
}

void fm_verdict_route_q_nd(fm_verdict *v, fm_route_id id, const char *qual, const char *label,
                           double value, double tol, double err, const char *why)
{
  fm_verdict_record(v, id, qual, label, value, tol, err, why, 0);
}

void fm_verdict_route_nd(fm_verdict *v, fm_route_id id, double value, double tol, double err,
                         const char *worst)
{
  fm_verdict_record(v, id, NULL, NULL, value, tol, err, worst, 0);
}

/* Remove route r's own text from the note, by the position recorded when
 * it was written (the "; " before it included; at the very start, the "; "
 * after it), and move the later routes' positions back. */
static void fm_note_cut(fm_verdict *v, const fm_route *r)
{
  size_t at = r->note_at, n = r->note_len, len = strlen(v->note);
  if (n == 0 || at + n > len)
    return; /* it did not fit in the note */
  if (at == 0 && n < len)
    n += 2;
  memmove(v->note + at, v->note + at + n, len - at - n + 1);
  for (size_t i = 0; i < v->nroutes; i++)
    if (v->routes[i].note_at > at)
      v->routes[i].note_at -= n;
}

/* A fact qualified by route key `rk`: "<fact>.<rk>" or "<fact>.<rk>.<more>". */
static int fm_fact_of_route(const fm_fact *f, const char *rk)
{
  const char *dot = strchr(f->key, '.');
  size_t n = strlen(rk);
  return dot != NULL && strncmp(dot + 1, rk, n) == 0 && (dot[1 + n] == '\0' || dot[1 + n] == '.');
}

void fm_verdict_drop_route(fm_verdict *v, fm_route_id id)
{
  for (size_t i = v->nroutes; i-- > 0;)
    if (v->routes[i].id == id)
      fm_note_cut(v, &v->routes[i]);
  size_t k = 0;
  for (size_t i = 0; i < v->nroutes; i++)
    if (v->routes[i].id != id)
      v->routes[k++] = v->routes[i];
  v->nroutes = k;
  k = 0;
  for (size_t i = 0; i < v->nfacts; i++)
    if (!fm_fact_of_route(&v->facts[i], fm_route_key(id)))
      v->facts[k++] = v->facts[i];
  v->nfacts = k;
  v->margin = -INFINITY;
  v->value = v->tol = NAN;
  v->err = 0.0;
  v->decider = -1;
  v->statistic[0] = v->worst[0] = '\0';
  int fails = 0;
  for (size_t i = 0; i < v->nroutes; i++)
    if (v->routes[i].decided) {
      fails |= fm_route_fails(&v->routes[i]);
      fm_verdict_decide(v, (int)i);
    }
  if (v->outcome == FM_OUTCOME_FAIL && v->status == FM_OK && !fails && !isnan(v->value))
    v->outcome = FM_OUTCOME_PASS;
}

void fm_verdict_route(fm_verdict *v, fm_route_id id, double value, double tol, double err,
                      const char *worst)
{
  fm_verdict_route_q(v, id, NULL, NULL, value, tol, err, worst);
}

void fm_verdict_fact(fm_verdict *v, fm_fact_id id, const char *qual, double value)
{
  char key[sizeof v->facts[0].key];
  fm_key_make(key, sizeof key, fm_fact_key(id), '.', qual);
  for (size_t i = 0; i < v->nfacts; i++)
    if (strcmp(v->facts[i].key, key) == 0) {
      v->facts[i].value = value;
      return;
    }
  if (v->nfacts >= FM_VERDICT_MAX_FACTS) {
    v->status = FM_ERANGE;
    return;
  }
  fm_fact *f = &v->facts[v->nfacts++];
  f->id = id;
  snprintf(f->key, sizeof f->key, "%s", key);
  f->value = value;
}

const fm_route *fm_verdict_route_get(const fm_verdict *v, fm_route_id id, const char *qual)
{
  char key[sizeof v->routes[0].key];
  fm_key_make(key, sizeof key, fm_route_key(id), '-', qual);
  for (size_t i = 0; i < v->nroutes; i++)
    if (v->routes[i].id == id && (qual == NULL || strcmp(v->routes[i].key, key) == 0))
      return &v->routes[i];
  return NULL;
}

const fm_route *fm_verdict_decider(const fm_verdict *v)
{
  return v->decider >= 0 ? &v->routes[v->decider] : NULL;
}

const fm_fact *fm_verdict_fact_get(const fm_verdict *v, fm_fact_id id, const char *qual)
{
  char key[sizeof v->facts[0].key];
  fm_key_make(key, sizeof key, fm_fact_key(id), '.', qual);
  for (size_t i = 0; i < v->nfacts; i++)
    if (v->facts[i].id == id && (qual == NULL || strcmp(v->facts[i].key, key) == 0))
      return &v->facts[i];
  return NULL;
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
  if (st == FM_OK)
    st = v->status; /* a record overflow */
  v->status = st;
  if (st != FM_OK) {
    v->outcome = FM_OUTCOME_FAIL;
    fm_verdict_notef(v, "check could not run: %s", fm_strerror(st));
  }
  if (v->outcome == FM_OUTCOME_PASS && st == FM_OK && v->decider < 0 && v->nroutes > 0) {
    /* every route recorded itself as not deciding: the check could not buy
     * the power it claims here (each route says why) */
    v->outcome = FM_OUTCOME_UNDECIDED;
    fm_verdict_notef(v, "no route could decide");
  } else if (v->outcome != FM_OUTCOME_NA && v->outcome != FM_OUTCOME_UNDECIDED &&
             isnan(v->value)) {
    /* A check that recorded no route decided nothing: refuse to pass it. */
    v->outcome = FM_OUTCOME_FAIL;
    fm_verdict_notef(v, "no route was evaluated");
  }
  return st;
}

static const char *const fm_route_keys[FM_R_COUNT] = {
#define FM_ROUTE_KEY(sym, key, label) key,
    FM_ROUTE_LIST(FM_ROUTE_KEY)
#undef FM_ROUTE_KEY
};

static const char *const fm_route_labels[FM_R_COUNT] = {
#define FM_ROUTE_LABEL(sym, key, label) label,
    FM_ROUTE_LIST(FM_ROUTE_LABEL)
#undef FM_ROUTE_LABEL
};

static const char *const fm_fact_keys[FM_F_COUNT] = {
#define FM_FACT_KEY(sym, key) key,
    FM_FACT_LIST(FM_FACT_KEY)
#undef FM_FACT_KEY
};

const char *fm_route_key(fm_route_id id)
{
  return (unsigned)id < FM_R_COUNT ? fm_route_keys[id] : "?";
}

const char *fm_route_label(fm_route_id id)
{
  return (unsigned)id < FM_R_COUNT ? fm_route_labels[id] : NULL;
}

const char *fm_fact_key(fm_fact_id id)
{
  return (unsigned)id < FM_F_COUNT ? fm_fact_keys[id] : "?";
}
