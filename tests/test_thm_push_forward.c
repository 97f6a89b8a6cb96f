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
  static const fm_test_resolve rows[] = {{"continuity", 1e-8, "the continuity route", 0.0}};
  fm_test_resolves_everywhere(t, "sigma'", rows, 1);
}
