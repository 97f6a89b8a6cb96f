/* check_row.c -- the decision rule of one (theorem, case) row (check_row.h). */
#include "check_row.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fm_status.h"

int fm_check_truth_holds(const fm_verdict *truth)
{
  return truth->outcome == FM_OUTCOME_PASS || truth->outcome == FM_OUTCOME_WARN;
}

int fm_check_truth_refuted(const fm_verdict *truth)
{
  return truth->outcome == FM_OUTCOME_FAIL;
}

/* a control whose check could not run was not rejected by it */
int fm_check_control_rejected(const fm_verdict *ctl)
{
  return ctl->outcome == FM_OUTCOME_FAIL && ctl->status == FM_OK;
}

/* rejected, applicable, min_margin and ok from the verdicts */
static void fm_check_row_decide(fm_check_row *r)
{
  r->min_margin = INFINITY;
  r->rejected = r->applicable = r->undecided_controls = 0;
  for (size_t m = 0; m < r->nctl; m++) {
    if (r->ctl[m].outcome == FM_OUTCOME_NA)
      continue;
    if (r->ctl[m].outcome == FM_OUTCOME_UNDECIDED) {
      r->undecided_controls++; /* no power claimed: neither rejected nor missed */
      continue;
    }
    r->applicable++;
    if (fm_check_control_rejected(&r->ctl[m]))
      r->rejected++;
    if (r->ctl[m].margin < r->min_margin)
      r->min_margin = r->ctl[m].margin;
  }
  /* UNDECIDED and n/a are not failures of the statement: they are counted
   * apart (fm_check_tally) and `check --strict` decides about UNDECIDED */
  r->ok = !fm_check_truth_refuted(&r->truth) && r->rejected == r->applicable;
}

void fm_check_row_run(fm_check_row *r, const fm_theorem *t, const fm_case *c,
                      const fm_check_opts *o, int controls)
{
  fm_theorem_run(&r->truth, t, c, o, 0);
  r->nctl = controls ? fm_theorem_mutant_count(t) : 0;
  r->ctl = r->nctl ? calloc(r->nctl, sizeof *r->ctl) : NULL;
  if (r->ctl == NULL)
    r->nctl = 0;
  for (size_t m = 0; m < r->nctl; m++)
    fm_theorem_run(&r->ctl[m], t, c, o, (int)m + 1);
  fm_check_row_decide(r);
}

void fm_check_row_drop_route(fm_check_row *r, fm_route_id id)
{
  fm_verdict_drop_route(&r->truth, id);
  for (size_t m = 0; m < r->nctl; m++)
    fm_verdict_drop_route(&r->ctl[m], id);
  fm_check_row_decide(r);
}

void fm_check_tally_rows(fm_check_tally *t, const fm_check_row *rows, size_t n)
{
  memset(t, 0, sizeof *t);
  t->rows = n;
  for (size_t i = 0; i < n; i++) {
    fm_outcome o = rows[i].truth.outcome;
    if (!rows[i].ok) {
      t->failed++;
    } else if (o == FM_OUTCOME_UNDECIDED || rows[i].undecided_controls > 0) {
      t->undecided++;
    } else if (o == FM_OUTCOME_NA) {
      t->na++;
    } else {
      t->passed++;
      t->warned += o == FM_OUTCOME_WARN;
    }
  }
}

void fm_check_row_clear(fm_check_row *r)
{
  free(r->ctl);
  r->ctl = NULL;
  r->nctl = 0;
}

int fm_check_route_statistical(fm_route_id id)
{
  switch (id) {
  case FM_R_POST_PLAIN:
  case FM_R_POST_IS:
  case FM_R_FG_MC:
  case FM_R_FG_MLP:
  case FM_R_CM_MEAN:
  case FM_R_CM_MIN:
  case FM_R_CM_ID:
  case FM_R_CM_EXCESS:
  case FM_R_SM_HOLM:
  case FM_R_LK_HUTCH:
    return 1;
  default:
    return 0;
  }
}

int fm_check_fail_statistical(const fm_verdict *v)
{
  if (v->outcome != FM_OUTCOME_FAIL || v->status != FM_OK)
    return 0;
  int any = 0;
  for (size_t r = 0; r < v->nroutes; r++)
    if (fm_route_fails(&v->routes[r])) {
      if (!fm_check_route_statistical(v->routes[r].id))
        return 0;
      any = 1;
    }
  return any;
}
