/* test_thm_marginal_field.c -- theorem `marginal-field` on every built-in
 * case: the true statement passes (quadrature to 1e-10 relative where the
 * rule resolves the integrand, MC z-tests Holm-corrected), every negative
 * control fails, and the two failure modes of the routes near t = 1 are
 * noticed and reported rather than decided: the Gauss-Hermite rule cannot
 * resolve the spike N(x; alpha x1, sigma^2 I), and the plain MC estimator's
 * ESS collapses. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_test_thm.h"

static const fm_theorem *thm(void)
{
  const fm_theorem *t = fm_theorem_find("marginal-field");
  cr_assert_not_null(t, "marginal-field is not registered");
  return t;
}

/* "posterior weights replaced by prior weights" is n/a exactly for the
 * one-component cases (gauss1d-*). */
static int na_expected(const char *file, int mutant)
{
  return mutant == 1 && strncmp(file, "gauss1d", 7) == 0;
}

/* The count fact id (qualifier qual) of v, -1 if absent. */
static long fact_count(const fm_verdict *v, fm_fact_id id, const char *qual)
{
  const fm_fact *f = fm_verdict_fact_get(v, id, qual);
  return f != NULL ? (long)f->value : -1;
}

FM_TEST_THEOREM_ROWS(thm_marginal_field, thm(), 0, na_expected, 0)

/* One run of the true statement per case, three properties of its report:
 *  (a) near t = 1 (points of kind near1: t in [1 - 2e-6, 1 - 1e-6], 5 of
 *      the 48) the spike has width sigma/alpha <= 3e-3 of the data scale on
 *      every built-in schedule, far below the node spacing of any rule used
 *      (the finest, 192 nodes in 1-D, resolves ~0.07): the Gauss-Hermite
 *      route must report all 5 as not decisive, with the reason; in d > 3
 *      the posterior-centred rule is exact and must decide at every point;
 *  (b) the plain estimator's ESS collapses near t = 1: the 2 near-1 points
 *      among the 16 MC points (i = 1, 11) must be reported and left
 *      undecided, while the importance route (ESS >= N min w_k >= 2048/8)
 *      decides at all 16;
 *  (c) the quadrature route resolves the closed form to its tolerance (1e-10
 *      of the terms, or the integrand's rounding where larger): a relative
 *      change of the closed form of 1e-8 must already be detected. */
Test(thm_marginal_field, near_t1_failures_are_reported_and_quadrature_resolves_1e_8)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_verdict v;
    fm_case *c;
    cr_assert_eq(fm_case_builtin_load(&c, i, NULL), FM_OK);
    size_t d = c->gmm->d;
    fm_case_free(c);
    fm_test_run(&v, thm(), i, 0);
    if (d <= 3) {
      long near1 = fact_count(&v, FM_F_UNDECIDED, "quad.near1");
      cr_expect_eq(near1, 5, "%s: %ld near-1 points reported unresolved, want 5: %s",
                   v.case_name, near1, v.note);
      cr_expect_not_null(fm_verdict_fact_get(&v, FM_F_NA_SPIKE, NULL), "%s: no reason given",
                         v.case_name);
    } else {
      long dec = fact_count(&v, FM_F_DECIDED, "quad");
      cr_expect_eq(dec, 48, "%s: posterior-centred rule decided %ld/48: %s", v.case_name, dec,
                   v.note);
    }
    long pl = fact_count(&v, FM_F_UNDECIDED, "mc-plain.near1");
    cr_expect_eq(pl, 2, "%s: plain-MC collapse at %ld near-1 points, want 2: %s", v.case_name,
                 pl, v.note);
    long is = fact_count(&v, FM_F_DECIDED, "mc-is");
    cr_expect_eq(is, 16, "%s: IS decided at %ld/16 points: %s", v.case_name, is, v.note);
    double q = fm_test_fact(&v, FM_F_DETECT_FROM, "quad");
    cr_expect(q <= 1e-8, "%s: quadrature detects only from %.0e", v.case_name, q);
  }
}

/* The smallest sigma' perturbation each route detects (post_scan.c: the
 * closed form re-assembled with sigma' x (1 + e), e = 1e-14 .. 1e-2, against
 * the run's references and tolerances).  sigma' x (1 + e) moves u by
 * e |sigma sigma' sum_k gamma_k z_k| (the noise term of the closed form).
 *  - quad: tol = 1e-10 S + eps cond (16 + |log p_t|), S = |alpha'| sum_k
 *    gamma_k |E_k| + |sigma sigma'| sum_k gamma_k |z_k|.  At a decided point
 *    where the noise term is a fraction f of S and the rounding part is below
 *    1e-10 S, the route fails once e f S > 1e-10 S, e > 1e-10/f.  Near t = 0
 *    (sigma ~ 1, |sigma'| ~ 1, z_k ~ x, E_k ~ m_k) f ~ |x| / (|m_k| + |x|),
 *    0.1 .. 1 at typical x: detection by 1e-9; the bound 1e-8 leaves a decade
 *    for f down to 0.01.  (Measured: 1e-10 .. 1e-9 on the 19 built-ins under
 *    10 seeds.)
 *  - mc-plain, mc-is: the z-test fails once e |sigma sigma' sum gamma z| >
 *    z_crit se, se = |b| sd(x1|x) / sqrt(ESS), b = alpha' - sigma' alpha /
 *    sigma (u(x|x1) is affine in x1 with slope b).  Near t = 0 that needs
 *    e |x| > ~4.5 sd(x1|x) / sqrt(2048) ~ 0.1 sd(x1|x): e = 1e-2 is seen
 *    only where |x| >= ~10 posterior sd, i.e. at the 50-sd tail points --
 *    and there only where the route decides (plain's ESS collapses at most
 *    tail points).  So no bound inside the grid holds on every case and
 *    seed (measured under 10 seeds: IS 1e-4 .. 1e-2 and none on 2 of 190
 *    rows, plain none on ~90% of rows): these rows only demand that the
 *    route is reported (a positive amount, or "none" = INFINITY); the
 *    "sigma' off by 1%" control is rejected by the quadrature route. */
Test(thm_marginal_field, routes_detect_a_1e_8_error_in_sigma_prime)
{
  static const fm_test_resolve rows[] = {
      {"quad", 1e-8, "quadrature", 0.0},
      {"mc-plain", INFINITY, "MC-plain (reported only)", 0.0},
      {"mc-is", INFINITY, "MC-IS (reported only)", 0.0},
  };
  fm_test_resolves_everywhere(thm(), "sigma'", rows, sizeof rows / sizeof rows[0]);
}
