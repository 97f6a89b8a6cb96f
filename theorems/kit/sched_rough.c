/* sched_rough.c -- see sched_rough.h.
 *
 * For g = alpha(t) - alpha(0) (and likewise sigma) the exponent is read off
 * one step doubling, n = log2(g(2t)/g(t)), at the smallest t = 2^-k (k = 24
 * .. 4) where n is the same over the next doubling and |g(t)| >= 1e-6 max(1, |alpha(0)|): there rounding perturbs n
 * by ~1e-10, and a smooth g = a t^k (1 + b t + ...) deviates from its
 * integer k by ~b t, small at such t.  A g that stays below 1e-6 up to
 * t = 1/16, or whose sign changes, is treated as smooth.
 * Integer or not: a smooth g = c t^k (1 + b t^j + ...) reads n - k ~ b t^j
 * and drifts by (2^j - 1) b t^j >= |n - k| over the next doubling, while a
 * true t^n reads the same n at both (drift ~1e-10).  So n counts as an
 * integer when |n - round(n)| <= 8 drift (or 1e-6): t^2.05 is rough (the
 * former fixed margin 0.1 took it for t^2, and pf-ode's Richardson estimate
 * then trusted a ratio of 4.6 from mixed regimes: endpoints 2.4x beyond
 * their tolerance, a false REJECT of a correct polynomial schedule). */
#include "sched_rough.h"

#include <math.h>

#define FM_ROUGH_ABS 1e-6
#define FM_ROUGH_DRIFT 8.0
#define FM_ROUGH_FLOOR 1e-6

static double fm_rough_one(const fm_schedule *s, int which)
{
  fm_sched_val v0, v1, v2;
  int st = fm_schedule_eval(&v0, s, 0.0);
  if (st != FM_OK && st != FM_ESING)
    return INFINITY;
  double y0 = which ? v0.sigma : v0.alpha;
  if (!isfinite(y0))
    return INFINITY;
  for (int k = 24; k >= 4; k--) {
    double t = ldexp(1.0, -k);
    if (fm_schedule_eval(&v1, s, t) != FM_OK || fm_schedule_eval(&v2, s, 2.0 * t) != FM_OK)
      return INFINITY;
    double g1 = (which ? v1.sigma : v1.alpha) - y0, g2 = (which ? v2.sigma : v2.alpha) - y0;
    if (!(fabs(g1) >= FM_ROUGH_ABS * fmax(1.0, fabs(y0))))
      continue;
    if (!(g2 / g1 > 0.0))
      return INFINITY;
    fm_sched_val v3;
    if (fm_schedule_eval(&v3, s, 4.0 * t) != FM_OK)
      return INFINITY;
    double g3 = (which ? v3.sigma : v3.alpha) - y0, n = log2(g2 / g1);
    double drift = fabs(log2(g3 / g2) - n);
    if (!(drift <= 0.02))
      continue; /* two powers crossing over (0.001 t - t^2): not one t^n yet */
    return fabs(n - nearbyint(n)) > fmax(FM_ROUGH_DRIFT * drift, FM_ROUGH_FLOOR) ? n
                                                                                : INFINITY;
  }
  return INFINITY;
}

double fm_sched_rough_exponent(const fm_schedule *s)
{
  return fmin(fm_rough_one(s, 0), fm_rough_one(s, 1));
}
