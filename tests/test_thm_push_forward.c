/* test_thm_push_forward.c -- theorem `push-forward` on every built-in case:
 * the true statement passes, every negative control (sigma' off by 1%, the
 * Jacobian -d log sigma dropped, time run backwards) fails with margin > 1,
 * and the continuity route resolves a 1e-8 relative error in sigma'.  The
 * tolerances are the theorem's own (derived in theorems/push_forward.c); the
 * tests demand that the verdicts go the right way and print every route on
 * failure. */
#include <string.h>

#include "fm_test_thm.h"

/* Controls: sigma' off by 1%, the Jacobian missing, time run backwards. */
FM_TEST_THEOREM_ROWS(thm_push_forward, &fm_thm_push_forward, 3, NULL, 0)

/* sigma' enters only the field, so only the continuity route can see it.
 * A relative error e adds e (sigma'/sigma)(d - |r|^2) to the residual
 * (r = (x - alpha x1)/sigma), an O(e) fraction of the terms at typical
 * points, while the route's tolerance is dominated by the FD round-off,
 * ~1e-10 .. 1e-9 of the terms in the worst (near-end) points: 1e-8 must be
 * seen on every case. */
Test(thm_push_forward, continuity_detects_a_1e_8_error_in_sigma_prime)
{
  const fm_theorem *t = fm_theorem_find("push-forward");
  cr_assert_not_null(t);
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_verdict v;
    fm_test_run(&v, t, i, 0);
    const fm_fact *f = fm_verdict_fact_get(&v, FM_F_DETECTED, "continuity");
    cr_expect_not_null(f, "%s: no detection report: %s", v.case_name, v.note);
    if (f != NULL)
      cr_expect(f->value > 0.0 && f->value <= 1e-8,
                "%s: smallest detected sigma' error %.3g > 1e-8 (%s)", v.case_name, f->value,
                v.note);
  }
}
