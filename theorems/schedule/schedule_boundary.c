/* schedule_boundary.c -- the ends of the schedule, theorem `schedule`
 * (schedule_thm.c), cases/README.md thresholds.
 *
 * The noise end: |alpha_0| <= 1e-2 and |sigma_0 - 1| <= 1e-3 are warnings,
 * larger fails; a break is also *costed*: p_0 = sum_k w_k N(alpha_0 m_k,
 * alpha_0^2 S_k + sigma_0^2 I) for the case's GMM against the prior N(0, I),
 * by the closed-form Gaussian KLs and joint convexity (boundary.c:
 * deterministic upper bounds, exact for one component; reported with a
 * moment-matching lower bound), in both directions; the larger upper bound
 * is the cost.  Why both: an exact sampler started from N(0,I) and pushed
 * through the flow map (a bijection, which preserves KL) produces samples at
 * KL(N(0,I) || p_0) from the data; a likelihood evaluated by the reverse flow
 * sees KL(p_0 || N(0,I)).  The cost is information (facts kl-p0-n-upper,
 * kl-n-p0-upper, kl-p0-n-lower), never the decision: the thresholds on
 * alpha_0 and sigma_0 decide, so a schedule's verdict does not depend on
 * where the user's data happen to sit (an 8-D vp(0.775, 18.62), alpha_0 =
 * 0.0078, has a cost bound of 1.1e-3 nats on spread data and is as
 * admissible as the default VP).  VP (beta_min = 0.1, beta_max = 20): alpha_0
 * = exp(-T(1)/2) = 6.6e-3, a warning with a cost bound of 1e-5 .. 1.4e-4
 * nats on the built-in data (the true cost is far smaller: alpha^2 +
 * sigma^2 = 1 makes p_0's covariance nearly I, and the moment-matching lower
 * bound is ~1e-9 .. 2e-5).  VE (alpha = 1) is judged against its own prior
 * N(0, sigma_0^2 I), sigma_0 = sigma_max: the cost is reported and the
 * verdict is at most a WARN ("outside the convention").
 *
 * The data end: |alpha_1 - 1| > 1e-9 fails; sigma_1 is reported as the
 * smoothing sigma_min and fails above 0.1.
 *
 * A value of size <= 4 eps is "zero to rounding": a break smaller than that
 * is no break (no WARN, no cost).
 */
#include "schedule_thm_impl.h"

#include <math.h>
#include <string.h>

#include "boundary.h"

#define FM_SC_ALPHA0_WARN 1e-2
#define FM_SC_SIGMA0_WARN 1e-3
#define FM_SC_ALPHA1_TOL 1e-9
#define FM_SC_SIGMA_MIN_MAX 0.1

int fm_sc_boundary(fm_verdict *vd, fm_sc_work *w)
{
  fm_sched_val v0, v1;
  int st = fm_sc_eval(&v0, &w->k, 0.0);
  if (st != FM_OK && st != FM_ESING)
    return st;
  st = fm_sc_eval(&v1, &w->k, 1.0);
  if (st != FM_OK && st != FM_ESING)
    return st;
  const double tiny = 4.0 * FM_SC_EPS;
  int ve = strcmp(fm_schedule_type_name(w->c->sched), "ve") == 0;
  double ba0 = fabs(v0.alpha), bs0 = fabs(v0.sigma - 1.0), kpq, kqp, klow;
  if (ve) {
    st = fm_boundary_kl(&kpq, &kqp, &klow, w->c->gmm, v0.alpha, v0.sigma, v0.sigma);
    if (st != FM_OK)
      return st;
    fm_verdict_warn(vd);
    fm_verdict_notef(vd, "VE: alpha_0 = %.6g (outside the convention), judged against "
                     "its prior N(0, sigma_max^2 I), sigma_0 = %.6g: KL(p_0||prior) in "
                     "[%.3g, %.3g], KL(prior||p_0) <= %.3g nats", v0.alpha, v0.sigma, klow,
                     kpq, kqp);
    fm_verdict_fact(vd, FM_F_ALPHA0, NULL, v0.alpha);
  } else {
    fm_verdict_route(vd, FM_R_SC_ALPHA0, ba0, FM_SC_ALPHA0_WARN, 0.0, "t=0");
    fm_verdict_route(vd, FM_R_SC_SIGMA0, bs0, FM_SC_SIGMA0_WARN, 0.0, "t=0");
    if (ba0 > tiny || bs0 > tiny) {
      st = fm_boundary_kl(&kpq, &kqp, &klow, w->c->gmm, v0.alpha, v0.sigma, 1.0);
      if (st != FM_OK)
        return st;
      fm_verdict_warn(vd);
      fm_verdict_notef(vd, "noise-end break: alpha_0 = %.6g, sigma_0 - 1 = %.3g; cost "
                       "KL(p_0||N(0,I)) <= %.3g (>= %.3g by moment matching), "
                       "KL(N(0,I)||p_0) <= %.3g nats (information; the thresholds on "
                       "alpha_0 and sigma_0 decide)", v0.alpha, v0.sigma - 1.0, kpq, klow,
                       kqp);
      fm_verdict_fact(vd, FM_F_ALPHA0, NULL, v0.alpha);
      fm_verdict_fact(vd, FM_F_SIGMA0_M1, NULL, v0.sigma - 1.0);
      fm_verdict_fact(vd, FM_F_KL0_UPPER_PQ, NULL, kpq);
      fm_verdict_fact(vd, FM_F_KL0_LOWER, NULL, klow);
      fm_verdict_fact(vd, FM_F_KL0_UPPER_QP, NULL, kqp);
    }
  }
  double ba1 = fabs(v1.alpha - 1.0);
  fm_verdict_route(vd, FM_R_SC_ALPHA1, ba1, FM_SC_ALPHA1_TOL, 0.0, "t=1");
  if (ba1 > tiny) {
    fm_verdict_warn(vd);
    fm_verdict_notef(vd, "data-end break: alpha_1 - 1 = %.3g", v1.alpha - 1.0);
  }
  fm_verdict_route(vd, FM_R_SC_SIGMA1, fabs(v1.sigma), FM_SC_SIGMA_MIN_MAX, 0.0, "t=1");
  fm_verdict_notef(vd, "sigma_min = sigma_1 = %.6g", v1.sigma);
  fm_verdict_fact(vd, FM_F_SIGMA_MIN, NULL, v1.sigma);
  return FM_OK;
}
