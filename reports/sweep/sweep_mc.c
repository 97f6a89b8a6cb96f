/* sweep_mc.c -- sweep `mc` (theorem marginal-field): the error of the Monte
 * Carlo estimates of u_t(x) = E[u_t(x|x1) | x_t = x] against the closed form,
 * as the sample count N grows.  Expected slope -1/2 (error ~ N^{-1/2}).
 *
 * The estimators are those of theorems/post_routes.h (fm_post_mc_estimate):
 * plain self-normalised sampling (x1 ~ q, weights p_t(x|x1)) and importance
 * sampling from the component posteriors with the prior weights.  The
 * reference is fm_gmm_marginal (the estimators use only q's density, the
 * likelihood and u_t(x|x1); an independent route).  The point: t = 0.6,
 * x = alpha x1 + sigma x0 for one seeded draw (fm_sweep_marginal_point), as
 * in tests/test_mc_slopes.c.
 *
 * Error at each N: err = sqrt(mean over R replicates of |est - u|^2), each
 * replicate on its own stream.  Its standard error by the delta method,
 * se(err) = sd(|est - u|^2) / (2 err sqrt R).  log err has sd ~ 1/sqrt(2 R d)
 * (<= 0.125 at R = 32), so the slope over 7 points spaced by log 2
 * (N = 2^10 .. 2^16) has se ~ 0.125 / (sqrt 7 * 2 log 2) = 0.034; quick,
 * 6 points N = 2^9 .. 2^14: 0.125 / (sqrt 6 * 1.18) = 0.043, and the 95%
 * band is then ~ +- 0.12 (t_4 = 2.78): narrow enough to tell -1/2 from a
 * plateau (slope 0), which a 5-point quick sweep at R = 16 (+- 0.3 to 0.45
 * measured) could not.
 *
 * Tolerance 0.1 on the band (two-sided: a slope steeper than -1/2 is as
 * suspicious as a shallower one; theorems/README.md, tests/test_mc_slopes.c).
 *
 * Asymptotic regime.  A self-normalised estimator has a bias O(1/N) next to
 * its O(N^{-1/2}) spread, relatively ~ 1/sqrt(ESS); a point is used only
 * when the median ESS over the replicates is >= FM_POST_ESS_MIN (100, the
 * threshold the theorem's check uses), else it is shown and left out.
 */
#include "sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "post_routes.h"

#define FM_SMC_TAG 0x524du /* "RM" */
#define FM_SMC_T 0.6
#define FM_SMC_TOL 0.1

static int fm_smc_cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One N: rms error over R replicates, its se, and the median ESS. */
static int fm_smc_level(double *err, double *se, double *ess_med, const fm_case *c,
                        const fm_sched_val *v, const double *x, const double *u, int route,
                        size_t N, size_t R, uint64_t seed, uint64_t level, double *work)
{
  size_t d = c->gmm->d;
  double *est = work, *e2 = work + d, *ess = e2 + R;
  for (size_t rep = 0; rep < R; rep++) {
    fm_rng r = fm_rng_make(seed, FM_RNG_STREAM(FM_SMC_TAG, ((uint64_t)route << 32) |
                                                               (level << 16) | rep));
    int st = fm_post_mc_estimate(est, NULL, &ess[rep], c->gmm, v, x, fm_cond_field, route, N,
                                 &r);
    if (st != FM_OK)
      return st;
    double s = 0.0;
    for (size_t i = 0; i < d; i++)
      s += (est[i] - u[i]) * (est[i] - u[i]);
    e2[rep] = s;
  }
  double m = 0.0, var = 0.0;
  for (size_t rep = 0; rep < R; rep++)
    m += e2[rep] / (double)R;
  for (size_t rep = 0; rep < R; rep++)
    var += (e2[rep] - m) * (e2[rep] - m) / (double)(R - 1);
  *err = sqrt(m);
  *se = *err > 0.0 ? sqrt(var / (double)R) / (2.0 * *err) : 0.0;
  qsort(ess, R, sizeof *ess, fm_smc_cmp);
  *ess_med = R % 2 ? ess[R / 2] : 0.5 * (ess[R / 2 - 1] + ess[R / 2]);
  return FM_OK;
}

static int fm_smc_run(fm_sweep_result *r, const fm_case *c, const fm_sweep_opts *o)
{
  size_t d = c->gmm->d;
  size_t nlev = o->quick ? 6 : 7, R = 32, k0 = o->quick ? 9 : 10;
  uint64_t seed = fm_sweep_seed(o, c);
  double *x = malloc((3 * d + 2 * R) * sizeof *x);
  if (x == NULL)
    return FM_ENOMEM;
  double *u = x + d, *work = u + d;
  fm_sched_val v;
  int st = fm_sweep_marginal_point(x, u, &v, c, seed, FM_SMC_T);
  fm_sweep_setupf(r, "t = %g, x = alpha x1 + sigma x0 for one seeded draw; N = 2^%zu .. 2^%zu; "
                  "error = rms over %zu replicates of |estimate - closed form|",
                  FM_SMC_T, k0, k0 + nlev - 1, R);
  static const struct {
    int route;
    const char *label;
  } routes[] = {{FM_POST_R_PLAIN, "plain MC (x1 ~ q)"},
                {FM_POST_R_IS, "importance (posterior comps, prior w)"}};
  for (size_t ri = 0; ri < 2 && st == FM_OK; ri++) {
    fm_sweep_series *s = fm_sweep_series_add(r, routes[ri].label, -0.5, FM_SMC_TOL,
                                             FM_SWEEP_BAND);
    double ess_first = NAN, ess_last = NAN;
    size_t low = 0;
    for (size_t k = 0; k < nlev && st == FM_OK; k++) {
      size_t N = (size_t)1 << (k0 + k);
      double err, se, ess;
      st = fm_smc_level(&err, &se, &ess, c, &v, x, u, routes[ri].route, N, R, seed, k, work);
      if (st != FM_OK)
        break;
      int ok = ess >= FM_POST_ESS_MIN;
      low += !ok;
      fm_sweep_point_add(s, (double)N, err, se, ok);
      if (k == 0)
        ess_first = ess;
      ess_last = ess;
      fm_sweep_progress(o, (double)(ri * nlev + k + 1) / (double)(2 * nlev));
    }
    if (st == FM_OK)
      fm_sweep_notef(s, "median ESS %.3g at N = %zu, %.3g at N = %zu", ess_first,
                     (size_t)1 << k0, ess_last, (size_t)1 << (k0 + nlev - 1));
    if (low > 0)
      fm_sweep_notef(s, "%zu level%s left out: median ESS < %g (not in the asymptotic regime)",
                     low, low == 1 ? "" : "s", FM_POST_ESS_MIN);
  }
  free(x);
  return st;
}

const fm_sweep_kind fm_sweep_mc = {
    "mc",
    "marginal-field",
    "Monte Carlo error of E[u_t(x|x1) | x_t = x] against the closed form u_t(x), vs samples N",
    "samples N",
    "rms error |estimate - u_t(x)|",
    FM_SWEEP_LOGLOG,
    0,
    fm_smc_run,
};
