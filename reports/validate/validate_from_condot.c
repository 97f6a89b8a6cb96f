/* validate_from_condot.c -- item 4's CondOT half: route `from-cond-ot` of
 * theorem `schedule-transform` (theorems/schedule-transform/
 * schedule_transform_condot.c: the analytic CondOT field mapped to this
 * schedule against its closed form), read from one row's records -- the
 * truth's route and facts, and the route under each control.  Adds the
 * line "CondOT field -> this schedule" for the row's case and the reasons:
 *   - "transform-setup": the transform could not be set up (fact
 *     no-transform; the route's worst says why);
 *   - "transform": the route fails (value > tol, nothing decided, or an
 *     evaluation failed);
 *   - "transform-control:<k>": control k (0 "t_r' missing", 1 "s_r'/s_r
 *     term dropped", 2 "x not rescaled") not rejected where the route
 *     decides it (a control whose quantity is trivial there is recorded not
 *     deciding: n/a).
 * The rest of the row is item 4's theorem half (validate.c drops this route
 * from it, fm_check_row_drop_route). */
#include "validate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define FM_VFC_NCTL 3

/* The controls in the order of the reasons' keys (the theorem's mutants). */
static const char *const fm_vfc_controls[FM_VFC_NCTL] = {
    "t_r' missing", "s_r'/s_r term dropped", "x not rescaled (u_A(t_r, x))"};

static double fm_vfc_fact(const fm_verdict *v, fm_fact_id id)
{
  const fm_fact *f = fm_verdict_fact_get(v, id, fm_route_key(FM_R_ST_FROM_CONDOT));
  return f != NULL ? f->value : 0.0;
}

/* The route under the control named `name`, NULL when not run. */
static const fm_route *fm_vfc_control(const fm_check_row *row, const char *name)
{
  for (size_t m = 0; m < row->nctl; m++)
    if (strcmp(row->ctl[m].mutant, name) == 0)
      return fm_verdict_route_get(&row->ctl[m], FM_R_ST_FROM_CONDOT, NULL);
  return NULL;
}

void fm_val_from_condot(fm_val_result *res, const fm_check_row *row)
{
  static const char *const name = "CondOT field -> this schedule";
  fm_val_item *it = &res->item[3];
  const fm_verdict *v = &row->truth;
  const char *cn = v->case_name;
  const fm_route *r = fm_verdict_route_get(v, FM_R_ST_FROM_CONDOT, NULL);
  if (r == NULL || fm_vfc_fact(v, FM_F_NO_TRANSFORM) != 0.0) {
    const char *msg = r != NULL ? r->worst : fm_strerror(v->status);
    fm_val_line *l = fm_val_item_line(it, name, cn, NAN, NAN, FM_OUTCOME_FAIL);
    if (l != NULL)
      snprintf(l->detail, sizeof l->detail, "%s", msg);
    fm_val_note_add(res, 1, 4, "transform-setup", INFINITY, cn,
                    "schedule-transform: CondOT -> this schedule cannot be set up (%s)", msg);
    return;
  }
  size_t decided = (size_t)fm_vfc_fact(v, FM_F_DECIDED);
  size_t loose = (size_t)fm_vfc_fact(v, FM_F_LOOSE);
  size_t failed = (size_t)fm_vfc_fact(v, FM_F_FAILED);
  size_t outside = (size_t)(fm_vfc_fact(v, FM_F_SNR_POINTS) - fm_vfc_fact(v, FM_F_SNR_IN_RANGE));
  /* nothing decided: no number (the route's tol 1 is the record's convention) */
  double value = decided > 0 ? r->value : NAN, tol = decided > 0 ? r->tol : NAN;
  double margin = decided > 0 ? fm_route_margin(r) : -INFINITY;
  int ok = !fm_route_fails(r);
  size_t rej = 0, app = 0;
  double cmin = INFINITY, cm[FM_VFC_NCTL];
  int applies[FM_VFC_NCTL];
  for (int k = 0; k < FM_VFC_NCTL; k++) {
    const fm_route *c = fm_vfc_control(row, fm_vfc_controls[k]);
    applies[k] = c != NULL && c->decided;
    cm[k] = c != NULL ? fm_route_margin(c) : NAN;
    if (!applies[k])
      continue;
    app++;
    rej += cm[k] > 1.0;
    cmin = fmin(cmin, cm[k]);
  }
  char ctl[64] = "n/a (identity transform)";
  if (app > 0)
    snprintf(ctl, sizeof ctl, "%zu/%zu rejected (min margin %.2g)", rej, app, cmin);
  fm_val_line *l = fm_val_item_line(it, name, cn, value, tol,
                                    ok && rej == app ? FM_OUTCOME_PASS : FM_OUTCOME_FAIL);
  if (l != NULL)
    snprintf(l->detail, sizeof l->detail,
             "%zu points decided, %zu loose, %zu outside CondOT's SNR range, %zu failed; "
             "controls %s; worst %s", decided, loose, outside, failed, ctl, r->worst);
  if (!ok)
    fm_val_note_add(res, 1, 4, "transform", margin, cn,
                    "schedule-transform: the CondOT field mapped to this schedule differs "
                    "from its closed form (%.2g > tol %.2g relative, margin %.2g; %zu points "
                    "decided, %zu failed; at %s)", value, tol, margin, decided, failed,
                    r->worst);
  for (int k = 0; k < FM_VFC_NCTL; k++)
    if (applies[k] && !(cm[k] > 1.0)) {
      char key[96];
      snprintf(key, sizeof key, "transform-control:%d", k);
      fm_val_note_add(res, 1, 4, key, INFINITY, cn,
                      "schedule-transform: negative control '%s' of the CondOT route not "
                      "rejected (margin %.2g)", fm_vfc_controls[k], cm[k]);
    }
}
