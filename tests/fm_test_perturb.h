/* fm_test_perturb.h -- reading a check's "smallest perturbation detected"
 * report (theorems/perturb.h) from its verdict's facts (FM_F_DETECTED,
 * qualified by the route's short name), for the theorem tests that demand
 * a check resolves a stated perturbation. */
#ifndef FM_TEST_PERTURB_H
#define FM_TEST_PERTURB_H

#include <criterion/criterion.h>
#include <math.h>

#include "theorem.h"

/* The smallest perturbation that `route` detects; INFINITY when it detected
 * none on the grid.  Asserts that the route's report is there and is a
 * positive amount. */
static inline double fm_test_detected(const fm_verdict *v, const char *route)
{
  const fm_fact *f = fm_verdict_fact_get(v, FM_F_DETECTED, route);
  cr_assert_not_null(f, "%s: route %s not in the detection report: %s", v->case_name, route,
                     v->note);
  cr_assert(f->value > 0.0, "%s: detected amount %g for %s", v->case_name, f->value, route);
  return f->value;
}

#endif
