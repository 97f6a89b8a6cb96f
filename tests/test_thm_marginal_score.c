/* test_thm_marginal_score.c -- theorem `marginal-score` on every built-in
 * case: grad log p_t(x) = E[grad log p_t(x|x1) | x_t = x] passes by every
 * route; the seed notes' claim that the two differ (theorems/README.md, candidate:
 * the prior-averaged conditional score) and the score without its 1/sigma^2
 * are rejected everywhere, the first by a wide margin. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_test_thm.h"

static const fm_theorem *thm(void)
{
  const fm_theorem *t = fm_theorem_find("marginal-score");
  cr_assert_not_null(t, "marginal-score is not registered");
  return t;
}

FM_TEST_THEOREM_ROWS(thm_marginal_score, thm(), 2, NULL, 0)

/* The prior average -(x - alpha mbar)/sigma^2 differs from the posterior
 * average by O(1) of the score at points away from t = 0, while the
 * quadrature tolerance is 1e-10 of it (or the integrand's rounding): the
 * margin must exceed 1e3 on every case, not merely 1. */
Test(thm_marginal_score, seed_note_claim_is_rejected_by_a_wide_margin)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_verdict v;
    fm_test_run(&v, thm(), i, 1);
    cr_expect(v.outcome == FM_OUTCOME_FAIL && v.margin > 1e3,
              "%s: seed-note claim %s with margin %.3g: %s", v.case_name,
              fm_outcome_name(v.outcome), v.margin, v.note);
  }
}
