/* validate_ends.c -- the ends of a schedule, for item 1 of
 * `validate-schedule`: the values at t = 0 and t = 1, where sigma'/sigma
 * blows up, and which of the twelve parameterisation maps of convert.h
 * (u, x1, eps, score) are singular there.
 *
 * Why report it: a model parameterised by one quantity and sampled through
 * another divides by alpha (t = 0), sigma (t = 1 when sigma_min = 0) or
 * W = alpha' sigma - alpha sigma' (where the SNR stalls, e.g. polynomial
 * n > 1 at t = 0); sigma'/sigma is the coefficient of x in the conditional
 * field and grows like 1/(1 - t) toward a sigma_1 = 0 end (or faster: VP's
 * sigma' itself is infinite at t = 1).  These are properties, not defects:
 * the lines are informative (outcome n/a) and never a reason to reject. */
#include "validate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "convert.h"

#define FM_VAL_NEAR 1e-6

static const char *fm_val_div_names(unsigned bits)
{
  static const char *const names[8] = {"", "alpha", "sigma", "alpha, sigma",
                                       "W", "alpha, W", "sigma, W", "alpha, sigma, W"};
  return names[bits & 7u];
}

/* "u<-x1 (sigma), ..." for the maps singular at v. */
static void fm_val_singular_maps(char *buf, size_t n, const fm_sched_val *v)
{
  size_t len = 0;
  buf[0] = '\0';
  for (int to = 0; to < FM_PARAM_COUNT; to++)
    for (int from = 0; from < FM_PARAM_COUNT; from++) {
      if (to == from)
        continue;
      unsigned s = fm_convert_singularity((fm_param)to, (fm_param)from, v);
      if (s == 0u || len + 1 >= n)
        continue;
      len += (size_t)snprintf(buf + len, n - len, "%s%s<-%s (%s)", len ? ", " : "",
                              fm_param_name((fm_param)to), fm_param_name((fm_param)from),
                              fm_val_div_names(s));
    }
  if (len == 0)
    snprintf(buf, n, "none");
}

static void fm_val_end(fm_val_item *it, const fm_schedule *s, double t)
{
  char where[32];
  snprintf(where, sizeof where, "t = %g", t);
  fm_sched_val v = {NAN, NAN, NAN, NAN};
  int st = fm_schedule_eval(&v, s, t);
  fm_val_line *l = fm_val_item_line(it, "alpha, sigma, alpha', sigma'", where, NAN, NAN,
                                    FM_OUTCOME_NA);
  if (l != NULL)
    snprintf(l->detail, sizeof l->detail, "%.6g, %.6g, %.6g, %.6g%s%s", v.alpha, v.sigma,
             v.dalpha, v.dsigma, st == FM_OK ? "" : " -- ", st == FM_OK ? "" : fm_strerror(st));
  /* sigma'/sigma at the end and just inside it */
  double tin = t == 0.0 ? FM_VAL_NEAR : 1.0 - FM_VAL_NEAR;
  fm_sched_val w;
  int sw = fm_schedule_eval(&w, s, tin);
  l = fm_val_item_line(it, "sigma'/sigma", where, v.dsigma / v.sigma, NAN, FM_OUTCOME_NA);
  if (l != NULL)
    snprintf(l->detail, sizeof l->detail, "%.3g at t = %g%s", sw == FM_OK ? w.dsigma / w.sigma
             : NAN, tin, fabs(v.dsigma / v.sigma) > 1e3 || isinf(v.dsigma / v.sigma) ||
             isnan(v.dsigma / v.sigma) ? " (singular end)" : "");
  char maps[sizeof l->detail];
  fm_val_singular_maps(maps, sizeof maps, &v);
  l = fm_val_item_line(it, "conversion maps singular", where, NAN, NAN, FM_OUTCOME_NA);
  if (l != NULL)
    snprintf(l->detail, sizeof l->detail, "%s (W = %.3g)", maps, fm_convert_w(&v));
}

int fm_val_ends(fm_val_item *it, const fm_schedule *s)
{
  fm_val_end(it, s, 0.0);
  fm_val_end(it, s, 1.0);
  return FM_OK;
}
