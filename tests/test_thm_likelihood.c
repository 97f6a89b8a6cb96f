/* test_thm_likelihood.c -- theorem `likelihood` on every built-in case: the
 * CNF log-likelihood (exact trace, adaptive rk8pd, backward and forward)
 * equals the analytic log p, the Hutchinson estimate is unbiased within its
 * error bar, the closed-form divergence matches central differences; both
 * wrong divergences are rejected everywhere.  Margins are printed. */
#include <math.h>

#include "fm_test_perturb.h"
#include "fm_test_thm.h"

#include <string.h>

/* Both mutants change int div u by O(1) on every case: the sign flip by
 * 2 |log p_t1 - log p_t0| (the data are far more concentrated than the
 * noise), the missing term by d log(sigma_t0/sigma_t1) (> 0 for every
 * built-in schedule, sigma decreasing). */
FM_TEST_THEOREM_ROWS(thm_likelihood, &fm_thm_likelihood, 2, NULL, 0)

/* In one dimension a Rademacher probe gives v (du/dx) v = du/dx exactly:
 * the Hutchinson route must then agree with the exact trace to rounding
 * (its statistic is tiny and its SE zero or rounding-sized). */
Test(thm_likelihood, hutchinson_is_exact_in_one_dimension)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_case *c;
    cr_assert_eq(fm_case_builtin_load(&c, i, NULL), FM_OK);
    size_t d = c->gmm->d;
    fm_check_opts o = fm_test_opts();
    fm_verdict v;
    cr_assert_eq(fm_theorem_run(&v, &fm_thm_likelihood, c, &o, 0), FM_OK);
    fm_case_free(c);
    if (d != 1)
      continue;
    double val = fm_test_route(&v, FM_R_LK_HUTCH, NULL)->value;
    cr_expect(val <= 1e-12, "%s: 1D Hutchinson differs from the trace by %.3g", v.case_name,
              val);
  }
}

/* The check reports the smallest relative error e of the divergence (div u
 * (1 + e)) that routes 1, 2 and 5 detect.  It changes l = int div u dt by
 * e |l|, and |l| >= 1 on every built-in (the data are far more concentrated
 * than the noise: |log p_t1 - log p_t0| is several nats per dimension).
 *  - routes 1, 2: the tolerance is the change of the statistic between the
 *    rk8pd runs at 1e-10 and at 1e-7, i.e. the loose run's error, ~1e-7
 *    (1 + |l|) accumulated over its steps (a factor <= 10): e = 1e-5 moves
 *    l by >= 5x that;
 *  - route 5: a Richardson derivative of u at the finest step 2^-8 of the
 *    local scale sqrt(c_min) resolves each partial to ~2^8 eps cond(C_k)
 *    (<= 60 on the built-ins): ~4e-12; the sum over d <= 16 partials with
 *    a cancellation T/|div u| <= 1e3 makes <= 1e-7 at any point, and e =
 *    1e-5 leaves a margin of 100.
 * A route whose tolerance contains the candidate's own error (as route 2's
 * did: the loose run's residual) reports "none" here and fails. */
Test(thm_likelihood, routes_resolve_a_1e_5_relative_error_in_the_divergence)
{
  static const fm_test_resolve rows[] = {{"backward", 1e-5, "route backward", 0.0},
                                         {"forward", 1e-5, "route forward", 0.0},
                                         {"FD", 1e-5, "route FD", 0.0}};
  fm_test_resolves_everywhere(&fm_thm_likelihood, "div u", rows, sizeof rows / sizeof rows[0]);
}

/* The analytic log p_t1 the CNF routes are compared with is itself checked
 * against the MPFR twin on every case (a constant error in it would cancel
 * in every CNF route), and well inside its 1e-13 contract. */
Test(thm_likelihood, analytic_log_p_agrees_with_its_mpfr_twin_on_every_builtin_case)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_verdict v;
    fm_test_run(&v, &fm_thm_likelihood, i, 0);
    const fm_route *r = fm_test_route(&v, FM_R_LK_LOGP_MP, NULL);
    cr_expect(r->decided && fm_route_margin(r) < 0.1, "%s: log p vs MPFR margin %.3g",
              v.case_name, fm_route_margin(r));
  }
}
