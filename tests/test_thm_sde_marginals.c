/* test_thm_sde_marginals.c -- theorem `sde-marginals` on every built-in
 * case: Euler-Maruyama ensembles with eps = 0, 1/2 and sigma_t stay
 * distributed as p_t (no test rejects after Holm at 1e-3), and the drift
 * without the score term is rejected everywhere.  Fixed seeds (the cases'),
 * so the outcome is deterministic; the slow suite (test_calibration_ode.c)
 * measures the false-alarm rate over 200 seeds.  Margins are printed. */
#include <math.h>

#include "fm_test_thm.h"

#include <string.h>

/* The true statement passes everywhere, and every verdict states the
 * sample size, the step count and the predicted EM bias, which is within
 * the stated 5% target on every built-in case (the step cap is never
 * reached). */
Test(thm_sde_marginals, true_statement_passes_with_em_bias_within_target)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_verdict v;
    fm_test_run(&v, &fm_thm_sde_marginals, i, 0);
    cr_expect_eq(v.outcome, FM_OUTCOME_PASS, "%s: %s, margin %.3g (%s at %s); %s",
                 v.case_name, fm_outcome_name(v.outcome), v.margin, v.statistic, v.worst,
                 v.note);
    const char *p = strstr(v.note, "predicted EM variance bias ");
    cr_assert_not_null(p, "%s: no EM bias in note %s", v.case_name, v.note);
    double bias = NAN;
    sscanf(p + strlen("predicted EM variance bias "), "%lg", &bias);
    cr_expect(bias <= 5.0, "%s: predicted EM bias %.3g%% above 5%%", v.case_name, bias);
    cr_expect(strstr(v.note, "above target") == NULL, "%s: %s", v.case_name, v.note);
  }
}

/* The mutant adds int eps^2 C_t/C_s ds to each component's variance: at
 * t = 7/8 with eps = 1/2 between +24% (aniso3d-vp) and +150% (ring8-cond_ot)
 * on the built-ins (computed from dV/dt = 2 (c'/2c) V + eps^2 per
 * component coordinate), and more for eps = sigma_t early on. */
Test(thm_sde_marginals, drift_without_score_fails_on_every_builtin_case)
{
  cr_assert_eq(fm_theorem_mutant_count(&fm_thm_sde_marginals), 1);
  double worst = fm_test_mutants_everywhere(&fm_thm_sde_marginals, NULL);
  fprintf(stderr, "sde-marginals: smallest mutant margin %.3g\n", worst);
}
