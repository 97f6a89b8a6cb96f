/* sweep.c -- the sweep table, the fit and the verdict shared by every sweep
 * kind (sweep.h), and small helpers the kinds use. */
#include "sweep.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "rng.h"

const fm_sweep_kind *const fm_sweep_kinds[] = {
    &fm_sweep_mc,  &fm_sweep_qmc, &fm_sweep_quad,  &fm_sweep_fdiff,
    &fm_sweep_ode, &fm_sweep_em,  &fm_sweep_train, NULL,
};

/* Purpose tag of the evaluation-point streams ("RP"). */
#define FM_SWEEP_PT_TAG 0x5250u

uint64_t fm_sweep_seed(const fm_sweep_opts *o, const fm_case *c)
{
  return o != NULL && o->seed != 0 ? o->seed : c->seed;
}

void fm_sweep_progress(const fm_sweep_opts *o, double frac)
{
  if (o != NULL && o->progress != NULL)
    o->progress(frac, o->progress_ctx);
}

fm_sweep_series *fm_sweep_series_add(fm_sweep_result *r, const char *label, double expected,
                                     double tol, fm_sweep_rule rule)
{
  if (r->nseries == FM_SWEEP_MAXSERIES)
    return NULL;
  fm_sweep_series *s = &r->s[r->nseries++];
  memset(s, 0, sizeof *s);
  snprintf(s->label, sizeof s->label, "%s", label);
  s->expected = expected;
  s->tol = tol;
  s->rule = rule;
  s->outcome = FM_OUTCOME_NA;
  return s;
}

void fm_sweep_point_add(fm_sweep_series *s, double x, double err, double se, int used)
{
  if (s == NULL || s->n == FM_SWEEP_MAXPTS)
    return;
  s->pt[s->n++] = (fm_sweep_point){x, err, se, used};
}

static void fm_sweep_vappend(char *buf, size_t len, const char *fmt, va_list ap)
{
  size_t k = strlen(buf);
  if (k > 0 && k + 2 < len) {
    buf[k++] = ';';
    buf[k++] = ' ';
    buf[k] = '\0';
  }
  if (k + 1 < len)
    vsnprintf(buf + k, len - k, fmt, ap);
}

void fm_sweep_notef(fm_sweep_series *s, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fm_sweep_vappend(s->note, sizeof s->note, fmt, ap);
  va_end(ap);
}

void fm_sweep_setupf(fm_sweep_result *r, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fm_sweep_vappend(r->setup, sizeof r->setup, fmt, ap);
  va_end(ap);
}

const char *fm_sweep_rule_name(fm_sweep_rule rule)
{
  static const char *const names[] = {"band", "at-least", "steeper", "decreasing"};
  return (unsigned)rule < 4 ? names[rule] : "?";
}

const char *fm_sweep_rule_text(char *buf, size_t len, const fm_sweep_series *s)
{
  switch (s->rule) {
  case FM_SWEEP_BAND:
    snprintf(buf, len, "expected %g inside the 95%% band widened by %g", s->expected, s->tol);
    break;
  case FM_SWEEP_AT_LEAST:
    snprintf(buf, len, "at least as steep as %g: band's steep end <= %g + %g", s->expected,
             s->expected, s->tol);
    break;
  case FM_SWEEP_STEEPER:
    snprintf(buf, len, "steeper than %g: whole 95%% band below it (fail if the slope itself "
             "is not)", s->expected);
    break;
  case FM_SWEEP_DECREASING:
    snprintf(buf, len, "decreasing: whole 95%% band below 0 (fail if the slope itself is "
             "not)");
    break;
  }
  return buf;
}

/* Fit the used points; log err against log x, or against x (N = e^x makes
 * fm_mc_loglog_slope's log N equal to x; every swept x here is <= ~100). */
static int fm_sweep_fit(fm_sweep_series *s, fm_sweep_axes axes)
{
  double X[FM_SWEEP_MAXPTS], E[FM_SWEEP_MAXPTS];
  size_t m = 0;
  for (size_t i = 0; i < s->n; i++) {
    const fm_sweep_point *p = &s->pt[i];
    if (!p->used || !(p->err > 0.0) || !isfinite(p->err) || !(p->x > 0.0))
      continue;
    X[m] = axes == FM_SWEEP_SEMILOGY ? exp(p->x) : p->x;
    E[m] = p->err;
    m++;
  }
  if (m < 3)
    return FM_EDOM;
  return fm_mc_loglog_slope(&s->fit, X, E, m, FM_SWEEP_LEVEL);
}

static fm_outcome fm_sweep_decide(const fm_sweep_series *s)
{
  double lo = s->fit.lo, hi = s->fit.hi, e = s->expected, tol = s->tol;
  int ok = 0;
  switch (s->rule) {
  case FM_SWEEP_BAND:
    ok = lo - tol <= e && e <= hi + tol;
    break;
  case FM_SWEEP_AT_LEAST:
    ok = lo - tol <= e;
    break;
  case FM_SWEEP_STEEPER:
  case FM_SWEEP_DECREASING:
    /* one-sided claims: pass on significant evidence (the whole band
     * beyond the bound), fail when even the fitted slope is not beyond it;
     * in between the data cannot decide */
    if (s->rule == FM_SWEEP_DECREASING)
      e = 0.0;
    if (hi < e)
      return FM_OUTCOME_PASS;
    return s->fit.slope >= e ? FM_OUTCOME_FAIL : FM_OUTCOME_NA;
  }
  return ok ? FM_OUTCOME_PASS : FM_OUTCOME_FAIL;
}

int fm_sweep_run(fm_sweep_result *r, const fm_sweep_kind *k, const fm_case *c,
                 const fm_sweep_opts *o)
{
  memset(r, 0, sizeof *r);
  r->kind = k;
  snprintf(r->case_name, sizeof r->case_name, "%s", c->name);
  r->status = k->run(r, c, o);
  for (size_t i = 0; i < r->nseries; i++) {
    fm_sweep_series *s = &r->s[i];
    s->outcome = FM_OUTCOME_NA;
    if (r->status != FM_OK)
      continue;
    size_t used = 0;
    for (size_t j = 0; j < s->n; j++)
      used += s->pt[j].used;
    if (fm_sweep_fit(s, k->axes) != FM_OK) {
      fm_sweep_notef(s, "not decided: %zu usable point%s (3 needed for a slope and its band)",
                     used, used == 1 ? "" : "s");
      continue;
    }
    s->fitted = 1;
    s->outcome = fm_sweep_decide(s);
    if (s->outcome == FM_OUTCOME_NA)
      fm_sweep_notef(s, "not decided: slope %.3f is beyond the bound but its band %.3f .. %.3f "
                     "reaches it", s->fit.slope, s->fit.lo, s->fit.hi);
    /* A pass must be able to tell convergence at the expected rate from no
     * convergence at all: a widened band that also holds slope 0 cannot. */
    if (s->outcome == FM_OUTCOME_PASS &&
        (s->rule == FM_SWEEP_BAND || s->rule == FM_SWEEP_AT_LEAST) && s->expected != 0.0 &&
        s->fit.lo - s->tol <= 0.0 && 0.0 <= s->fit.hi + s->tol) {
      s->outcome = FM_OUTCOME_NA;
      fm_sweep_notef(s, "not decided: the band %.3f .. %.3f (+- %g) holds slope 0 too -- too "
                     "few or too noisy points to tell convergence from none", s->fit.lo,
                     s->fit.hi, s->tol);
    }
    if (s->rule == FM_SWEEP_AT_LEAST && s->fit.hi < s->expected - s->tol)
      fm_sweep_notef(s, "steeper than claimed: slope %.3f, band %.3f .. %.3f, vs %g (allowed "
                     "by the one-sided rule)", s->fit.slope, s->fit.lo, s->fit.hi, s->expected);
  }
  fm_sweep_progress(o, 1.0);
  return r->status;
}

fm_outcome fm_sweep_outcome(const fm_sweep_result *r)
{
  if (r->status != FM_OK)
    return FM_OUTCOME_FAIL;
  if (r->na[0] != '\0')
    return FM_OUTCOME_NA;
  int any = 0;
  for (size_t i = 0; i < r->nseries; i++) {
    if (r->s[i].outcome == FM_OUTCOME_FAIL)
      return FM_OUTCOME_FAIL;
    any |= r->s[i].outcome == FM_OUTCOME_PASS;
  }
  return any ? FM_OUTCOME_PASS : FM_OUTCOME_NA;
}

int fm_sweep_marginal_point(double *x, double *u, fm_sched_val *v, const fm_case *c,
                            uint64_t seed, double t)
{
  size_t d = c->gmm->d;
  double *x1 = malloc(2 * d * sizeof *x1);
  if (x1 == NULL)
    return FM_ENOMEM;
  double *x0 = x1 + d;
  fm_rng r = fm_rng_make(seed, FM_RNG_STREAM(FM_SWEEP_PT_TAG, 1));
  fm_rng r0 = fm_rng_child(&r, 2);
  fm_gmm_sample(x1, c->gmm, &r, 0);
  fm_rng_normals(x0, d, &r0, 0);
  int st = fm_schedule_eval(v, c->sched, t);
  if (st == FM_OK) {
    fm_cond_flow(x, v, x0, x1, d);
    st = fm_gmm_marginal(NULL, NULL, NULL, u, c->gmm, c->sched, t, x);
  }
  free(x1);
  return st;
}
