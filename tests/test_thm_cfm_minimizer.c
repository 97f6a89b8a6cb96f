/* test_thm_cfm_minimizer.c -- theorem `cfm-minimizer` on every built-in
 * case: with x1 drawn exactly from the posterior, the mean of u_t(x|x1) is
 * the closed-form u_t(x), the mean squared deviation is the closed-form
 * tr Cov, and E|u - v|^2 = tr Cov + |v - u|^2 for v = u + delta; the prior
 * mean field as minimiser and the prior covariance's trace as minimum are
 * rejected. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_test_thm.h"

static const fm_theorem *thm(void)
{
  const fm_theorem *t = fm_theorem_find("cfm-minimizer");
  cr_assert_not_null(t, "cfm-minimizer is not registered");
  return t;
}

FM_TEST_THEOREM_ROWS(thm_cfm_minimizer, thm(), 2, NULL, 0)

/* All four routes are evaluated and reported on every case (a route that
 * silently did not run could not fail). */
Test(thm_cfm_minimizer, every_route_is_reported)
{
  const fm_route_id routes[] = {FM_R_CM_MEAN, FM_R_CM_MIN, FM_R_CM_ID, FM_R_CM_EXCESS};
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_verdict v;
    fm_test_run(&v, thm(), i, 0);
    for (int r = 0; r < 4; r++)
      cr_expect_not_null(fm_verdict_route_get(&v, routes[r], NULL), "%s: route %s missing: %s",
                         v.case_name, fm_route_key(routes[r]), v.note);
  }
}
