/* test_thm_push_forward.c -- theorem `push-forward` on every built-in case:
 * the true statement passes, every negative control (sigma' off by 1%, the
 * Jacobian -d log sigma dropped, time run backwards) fails with margin > 1,
 * and the continuity route resolves a 1e-8 relative error in sigma'.  The
 * tolerances are the theorem's own (derived in theorems/push_forward.c); the
 * tests demand that the verdicts go the right way and print every route on
 * failure. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "theorems.h"

static fm_case *load(size_t i)
{
  fm_case *c;
  fm_errmsg e;
  int st = fm_case_builtin_load(&c, i, &e);
  cr_assert_eq(st, FM_OK, "loading %s: %s", fm_case_builtin_file(i), e.msg);
  return c;
}

static fm_verdict run(const fm_theorem *t, const fm_case *c, int mutant)
{
  fm_verdict v;
  fm_check_opts o = fm_check_opts_default();
  int st = fm_theorem_run(&v, t, c, &o, mutant);
  cr_expect_eq(st, FM_OK, "%s on %s mutant %d could not run: %s", t->id, c->name, mutant,
               v.note);
  return v;
}

Test(thm_push_forward, true_statement_passes_on_every_builtin_case)
{
  const fm_theorem *t = fm_theorem_find("push-forward");
  cr_assert_not_null(t);
  cr_assert(fm_case_builtin_count() > 0);
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_case *c = load(i);
    fm_verdict v = run(t, c, 0);
    cr_expect(v.outcome == FM_OUTCOME_PASS && v.margin <= 1.0,
              "%s: %s, margin %.3g (%s), worst %s; routes: %s", c->name,
              fm_outcome_name(v.outcome), v.margin, v.statistic, v.worst, v.note);
    fm_case_free(c);
  }
}

Test(thm_push_forward, every_mutant_fails_with_margin_above_one_on_every_case)
{
  const fm_theorem *t = fm_theorem_find("push-forward");
  cr_assert_not_null(t);
  cr_assert_eq(fm_theorem_mutant_count(t), 3, "sigma', Jacobian, time reversal expected");
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_case *c = load(i);
    for (int m = 1; m <= (int)fm_theorem_mutant_count(t); m++) {
      fm_verdict v = run(t, c, m);
      cr_expect(v.outcome == FM_OUTCOME_FAIL && v.margin > 1.0,
                "%s, mutant \"%s\": %s with margin %.3g -- a negative control must fail; "
                "routes: %s", c->name, t->mutants[m - 1], fm_outcome_name(v.outcome),
                v.margin, v.note);
    }
    fm_case_free(c);
  }
}

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
  const char *key = "detected (of 1e-14..1e-2): continuity ";
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_case *c = load(i);
    fm_verdict v = run(t, c, 0);
    const char *p = strstr(v.note, key);
    cr_expect_not_null(p, "%s: no detection report in note: %s", c->name, v.note);
    if (p != NULL) {
      double e = strtod(p + strlen(key), NULL);
      cr_expect(e > 0.0 && e <= 1e-8, "%s: smallest detected sigma' error %.3g > 1e-8 (%s)",
                c->name, e, v.note);
    }
    fm_case_free(c);
  }
}
