/* validate_battery.c -- items 2 and 3 of `validate-schedule` (and the
 * reasons of item 4's rows): theorems of the registry, each with its negative
 * controls (fm_check_row_run, as `fmcheck check` runs them), on every case
 * carrying the new schedule.  A row that is not ok becomes a reason:
 *   - the true statement fails: "<theorem>: fails on <cases> (<deciding
 *     route> value > tol, margin m)", or "<theorem>: the check could not run"
 *     with the library's message;
 *   - a negative control passes: "<theorem>: negative control '<m>' not
 *     rejected" -- under this schedule the check cannot tell a wrong
 *     statement from the right one, so it certifies nothing.
 * One exception, a warning instead: `solver-order` failing only on its
 * "order shortfall" routes.  Its statement (Euler, midpoint, RK4 reach
 * orders 1, 2, 4) presumes a field smooth in t, while admissibility
 * (cases/README.md) asks only for a differentiable schedule: polynomial
 * n = 1.5 has alpha'' ~ t^(-1/2) at t = 0 and RK4 observes order ~2.3 there; a table's cubic
 * spline is C^2 with third derivatives jumping at the knots (RK4 observes
 * ~2).  That is a property of the schedule worth knowing (fixed-step
 * samplers lose their order) but not inadmissibility; the solvers
 * themselves are judged on the built-ins. */
#include "validate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* solver-order failing only by order shortfall (see the header). */
static int fm_val_order_only(const fm_check_row *row)
{
  const fm_verdict *v = &row->truth;
  const fm_route *d = fm_verdict_decider(v);
  if (v->status != FM_OK || d == NULL || d->id != FM_R_SO_ORDER)
    return 0;
  for (size_t i = 0; i < v->nroutes; i++)
    if (fm_route_fails(&v->routes[i]) && v->routes[i].id != FM_R_SO_ORDER)
      return 0;
  return fm_route_fails(d);
}

void fm_val_row_notes(fm_val_result *res, int item, const fm_check_row *row)
{
  const fm_verdict *v = &row->truth;
  const char *th = v->theorem, *cn = v->case_name;
  char key[160];
  if (v->outcome == FM_OUTCOME_FAIL) {
    if (v->status != FM_OK) {
      snprintf(key, sizeof key, "%s:error", th);
      fm_val_note_add(res, 1, item, key, INFINITY, cn, "%s: the check could not run: %s", th,
                      fm_strerror(v->status));
    } else if (fm_val_order_only(row)) {
      snprintf(key, sizeof key, "%s:order", th);
      fm_val_note_add(res, 0, item, key, v->margin, cn,
                      "%s: fixed-step solvers miss their order under this schedule (%s "
                      "%.3g > tol %.3g): the field is not smooth enough in t (a derivative "
                      "singular at an end, or a spline's knots)", th,
                      v->statistic, v->value, v->tol);
    } else {
      snprintf(key, sizeof key, "%s:fail", th);
      fm_val_note_add(res, 1, item, key, v->margin, cn,
                      "%s: fails (%s %.3g > tol %.3g, margin %.2g)", th, v->statistic,
                      v->value, v->tol, v->margin);
    }
  } else if (v->outcome == FM_OUTCOME_WARN) {
    snprintf(key, sizeof key, "%s:warn", th);
    fm_val_note_add(res, 0, item, key, v->margin, cn, "%s: warning (%s %.3g / tol %.3g)", th,
                    v->statistic, v->value, v->tol);
  } else if (v->outcome == FM_OUTCOME_UNDECIDED) {
    snprintf(key, sizeof key, "%s:undecided", th);
    fm_val_note_add(res, 0, item, key, 0.0, cn,
                    "%s: undecided -- no route could decide under this schedule", th);
  }
  for (size_t m = 0; m < row->nctl; m++) {
    const fm_verdict *k = &row->ctl[m];
    if (fm_check_control_rejected(k) || k->outcome == FM_OUTCOME_NA)
      continue;
    if (k->outcome == FM_OUTCOME_UNDECIDED) {
      /* the check claims no power over this control here (its reason is in
       * the row): something to know, not a reason to reject the schedule */
      snprintf(key, sizeof key, "%s:control-undecided:%.80s", th, k->mutant);
      fm_val_note_add(res, 0, item, key, 0.0, cn,
                      "%s: negative control '%s' undecided: the check cannot claim the power "
                      "to reject it under this schedule", th, k->mutant);
      continue;
    }
    snprintf(key, sizeof key, "%s:control:%.96s", th, k->mutant);
    fm_val_note_add(res, 1, item, key, INFINITY, cn,
                    "%s: negative control '%s' not rejected (margin %.2g): the check cannot "
                    "tell it from the truth under this schedule", th, k->mutant, k->margin);
  }
}

int fm_val_item_theorems(fm_val_result *res, int item, const fm_theorem *const *thms,
                         size_t nthms, fm_case **cases, size_t n, const fm_val_opts *o)
{
  fm_val_item *it = &res->item[item - 1];
  size_t r0 = res->nreasons, w0 = res->nwarnings, k = 0;
  int st = FM_OK;
  for (size_t ti = 0; ti < nthms && st == FM_OK; ti++)
    for (size_t c = 0; c < n && st == FM_OK; c++, k++) {
      if (o->progress != NULL)
        o->progress(thms[ti]->id, k, nthms * n, o->progress_ctx);
      st = fm_val_item_row(it, thms[ti], cases[c], &o->check);
      if (st == FM_OK)
        fm_val_row_notes(res, item, &it->rows[it->nrows - 1]);
    }
  fm_outcome out = res->nreasons > r0 ? FM_OUTCOME_FAIL
                   : res->nwarnings > w0 ? FM_OUTCOME_WARN : FM_OUTCOME_PASS;
  it->outcome = out;
  return st;
}
