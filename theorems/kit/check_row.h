/* check_row.h -- one (theorem, case) row: the verdict on the true statement
 * and the verdicts on its negative controls, and the rule that decides it
 * (the statement holds -- PASS or WARN -- or is undecided or not applicable,
 * and every applicable control is rejected).  The CLI, the library API and
 * the tests all decide a row here. */
#ifndef FM_CHECK_ROW_H
#define FM_CHECK_ROW_H

#include "theorem.h"

typedef struct {
  fm_verdict truth;
  fm_verdict *ctl;      /* nctl controls */
  size_t nctl;
  size_t rejected, applicable;
  size_t undecided_controls; /* controls whose check could not claim the power
                                to reject them here: the row is UNDECIDED */
  double min_margin;    /* smallest margin among applicable controls */
  int ok;               /* truth is not FAIL (PASS, WARN, n/a or UNDECIDED) and
                           every applicable control fails */
} fm_check_row;

/* How rows count in every summary (check, report, report.md): failed when
 * !ok; otherwise undecided or n/a by the truth's outcome; passed else, of
 * which `warned` are WARN.  passed + failed + undecided + na == rows. */
typedef struct {
  size_t rows, passed, warned, failed, undecided, na;
} fm_check_tally;

void fm_check_tally_rows(fm_check_tally *t, const fm_check_row *rows, size_t n);

/* The rule, verdict by verdict.  The statement holds on the case: its
 * verdict is PASS or WARN (UNDECIDED and n/a are neither held nor refuted).
 * A control is rejected: its verdict is FAIL from a check that ran. */
int fm_check_truth_holds(const fm_verdict *truth);
int fm_check_truth_refuted(const fm_verdict *truth);
int fm_check_control_rejected(const fm_verdict *ctl);

/* Route id decides by a hypothesis test at a stated family-wise level (at
 * most FM_CHECK_STAT_LEVEL): Monte Carlo z-tests, Hotelling, two-sample and
 * occupancy tests, the Hutchinson t-test.  Such a route rejects a true
 * statement with that probability -- a false alarm, not a defect -- and a
 * FAIL that rests on such routes alone is the one kind a second seed can
 * tell from a real failure (it does not reproduce). */
#define FM_CHECK_STAT_LEVEL 1e-3
int fm_check_route_statistical(fm_route_id id);
/* Every failing route of v is statistical (and v ran: status FM_OK). */
int fm_check_fail_statistical(const fm_verdict *v);

void fm_check_row_run(fm_check_row *r, const fm_theorem *t, const fm_case *c,
                      const fm_check_opts *o, int controls);
/* The row as if route `id` had never been recorded (fm_verdict_drop_route
 * on the truth and on every control), decided again by the rule above. */
void fm_check_row_drop_route(fm_check_row *r, fm_route_id id);
void fm_check_row_clear(fm_check_row *r);

#endif
