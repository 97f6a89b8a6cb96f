/* api_sample.c -- exact draws of p_t = sum_k w_k N(alpha_t m_k,
 * alpha_t^2 S_k + sigma_t^2 I), counter-based (rng.h): draw i is a
 * function of (seed, i) only. */
#include "api_impl.h"

#include "gmm.h"
#include "rng.h"

#include <math.h>

/* The API's own stream tag ("AP"), apart from every other purpose's. */
#define FM_API_STREAM_DRAWS FM_RNG_STREAM(0x4150, 0)

int fmcheck_case_sample(double *x, const fmcheck_case *c, size_t n, double t, uint64_t seed,
                        fmcheck_error *err)
{
  fm_api_clear(err);
  if (c == NULL || (x == NULL && n > 0))
    return fm_api_fail(err, FM_EINVAL, "the case or the output array is NULL");
  if (!(t >= 0.0 && t <= 1.0))
    return fm_api_fail(err, FM_EDOM, "t = %.17g is outside [0, 1]", t);
  fm_gsl_quiet();
  const fm_case *fc = c->c;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, fc->sched, t);
  /* an infinite derivative (vp at t = 1) does not matter: p_t needs
   * alpha_t and sigma_t only */
  if (st == FM_ESING && isfinite(v.alpha) && isfinite(v.sigma))
    st = FM_OK;
  fm_gmm *pt = NULL;
  if (st == FM_OK)
    st = fm_gmm_at_time(&pt, fc->gmm, &v);
  if (st != FM_OK)
    return fm_api_fail(err, st, "case %s: p_t at t = %.17g: %s", fc->name, t,
                       fm_strerror(st));
  fm_rng r = fm_rng_make(seed, FM_API_STREAM_DRAWS);
  for (size_t i = 0; i < n; i++)
    fm_gmm_sample(x + i * fc->gmm->d, pt, &r, i);
  fm_gmm_free(pt);
  return FM_OK;
}
