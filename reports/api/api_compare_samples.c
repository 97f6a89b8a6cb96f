/* api_compare_samples.c -- are these samples drawn from p_t?  The
 * Holm-corrected battery of `fmcheck compare-samples` (gmmtest.h) on
 * p_t of the case, and its table for people. */
#include "api_impl.h"

#include "gmmtest.h"

#include <math.h>
#include <stdio.h>

static int fm_api_csamp_args(const fmcheck_case *c, const double *x, size_t n, double t,
                             double alpha, fmcheck_error *err)
{
  if (c == NULL || x == NULL)
    return fm_api_fail(err, FM_EINVAL, "the case or the samples are NULL");
  if (!(t >= 0.0 && t <= 1.0))
    return fm_api_fail(err, FM_EDOM, "t = %.17g is outside [0, 1]", t);
  if (!(alpha >= 1e-300 && alpha <= 0.5))
    return fm_api_fail(err, FM_EINVAL, "alpha = %g: expected a level in (0, 0.5]", alpha);
  size_t d = c->c->gmm->d;
  for (size_t i = 0; i < n * d; i++)
    if (!isfinite(x[i]))
      return fm_api_fail(err, FM_ENONFIN, "sample %zu, coordinate %zu: %g is not finite",
                         i / d, i % d, x[i]);
  return FM_OK;
}

/* p_t as a mixture; an infinite derivative at t does not matter. */
static int fm_api_csamp_law(fm_gmm **pt, const fm_case *c, double t, fmcheck_error *err)
{
  fm_sched_val v;
  int st = fm_schedule_eval(&v, c->sched, t);
  if (st == FM_ESING && isfinite(v.alpha) && isfinite(v.sigma))
    st = FM_OK;
  if (st == FM_OK)
    st = fm_gmm_at_time(pt, c->gmm, &v);
  if (st != FM_OK)
    return fm_api_fail(err, st, "case %s (%s): p_t at t = %.17g: %s", c->name, c->origin, t,
                       fm_strerror(st));
  return FM_OK;
}

static void fm_api_csamp_copy(fmcheck_samples_cmp *r, const fm_gmmtest_result *g)
{
  r->ntests = g->ntests;
  r->napplicable = g->napplicable;
  r->rejected = g->rejected;
  r->passed = !g->rejected;
  for (size_t i = 0; i < g->ntests && i < FMCHECK_SAMPLE_TESTS; i++) {
    const fm_stat_result *s = &g->test[i];
    r->test[i] = (fmcheck_sample_test){s->name, s->n, s->m, s->stat, s->pvalue, g->padj[i],
                                       g->reject[i], s->na, s->na_value};
  }
}

int fmcheck_compare_samples(fmcheck_samples_cmp *r, const fmcheck_case *c, const double *x,
                            size_t n, double t, double alpha, uint64_t seed,
                            fmcheck_error *err)
{
  fm_api_clear(err);
  int st = r == NULL ? fm_api_fail(err, FM_EINVAL, "the result is NULL")
                     : fm_api_csamp_args(c, x, n, t, alpha, err);
  if (st != FM_OK)
    return st;
  fm_gsl_quiet();
  fm_gmm *pt;
  if ((st = fm_api_csamp_law(&pt, c->c, t, err)) != FM_OK)
    return st;
  fm_gmmtest_opts o = fm_gmmtest_opts_default();
  o.alpha = alpha;
  o.seed = seed;
  fm_gmmtest_result g;
  st = fm_gmmtest_compare(&g, x, n, pt, &o);
  fm_gmm_free(pt);
  if (st == FM_EINVAL)
    return fm_api_fail(err, st, "%zu samples are too few for the tests (the mode-occupancy "
                       "test needs n w_k >= 5 for every component of case %s)", n, c->c->name);
  if (st != FM_OK)
    return fm_api_fail(err, st, "the tests could not be computed: %s", fm_strerror(st));
  *r = (fmcheck_samples_cmp){.t = t, .alpha = alpha, .seed = seed, .n = n};
  fm_api_csamp_copy(r, &g);
  return FM_OK;
}

/* snprintf into buf + *at, advancing *at by the full length (so that the
 * total is known even when buf is too small). */
#define FM_API_APPEND(buf, len, at, ...)                                                 \
  do {                                                                                  \
    int k_ = snprintf(*(at) < (len) ? (buf) + *(at) : NULL, *(at) < (len) ? (len) - *(at) : 0, \
                      __VA_ARGS__);                                                     \
    *(at) += k_ > 0 ? (size_t)k_ : 0;                                                   \
  } while (0)

size_t fmcheck_samples_cmp_text(char *buf, size_t len, const fmcheck_samples_cmp *r,
                                const fmcheck_case *c)
{
  size_t at = 0;
  if (len > 0)
    buf[0] = '\0';
  FM_API_APPEND(buf, len, &at, "compare-samples: case %s (%s), t = %.17g, n = %zu, alpha = %g "
                "(Holm over %zu tests)\n", c->c->name, c->c->origin, r->t, r->n, r->alpha,
                r->napplicable);
  FM_API_APPEND(buf, len, &at, "%-12s %7s %7s %13s %11s %11s  %s\n", "test", "n", "m",
                "statistic", "p-value", "p (Holm)", "decision");
  for (size_t i = 0; i < r->ntests; i++) {
    const fmcheck_sample_test *x = &r->test[i];
    if (x->na != NULL)
      FM_API_APPEND(buf, len, &at, "%-12s %7zu %7zu %13s %11s %11s  n/a: %s (largest lambda "
                    "n = %.3g)\n", x->name, x->n, x->m, "-", "-", "-", x->na, x->na_lambda_n);
    else
      FM_API_APPEND(buf, len, &at, "%-12s %7zu %7zu %13.6g %11.4g %11.4g  %s\n", x->name, x->n,
                    x->m, x->statistic, x->pvalue, x->p_holm, x->reject ? "REJECT" : "ACCEPT");
  }
  FM_API_APPEND(buf, len, &at, "verdict: %s\n", r->rejected ? "REJECT" : "ACCEPT");
  return at;
}
