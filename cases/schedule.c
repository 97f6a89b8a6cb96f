/* schedule.c -- generic schedule operations: dispatch through the type
 * table, domain checks, derived quantities. */
#include "schedule_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fm_sched_mp_init(fm_sched_mp *v, mpfr_prec_t prec)
{
  mpfr_inits2(prec, v->alpha, v->sigma, v->dalpha, v->dsigma, (mpfr_ptr)0);
}

void fm_sched_mp_clear(fm_sched_mp *v)
{
  mpfr_clears(v->alpha, v->sigma, v->dalpha, v->dsigma, (mpfr_ptr)0);
}

void fm_sched_mp_set_d(fm_sched_mp *m, const fm_sched_val *v)
{
  mpfr_set_d(m->alpha, v->alpha, MPFR_RNDN);
  mpfr_set_d(m->sigma, v->sigma, MPFR_RNDN);
  mpfr_set_d(m->dalpha, v->dalpha, MPFR_RNDN);
  mpfr_set_d(m->dsigma, v->dsigma, MPFR_RNDN);
}

int fm_schedule_new(fm_schedule **s, const fm_schedule_type *type, const double *par,
                    fm_errmsg *e)
{
  fm_schedule *n = calloc(1, sizeof *n);
  if (n == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "out of memory allocating a schedule");
  n->type = type;
  int len = snprintf(n->desc, sizeof n->desc, "%s", type->name);
  for (int i = 0; type->params != NULL && type->params[i] != NULL; i++) {
    n->par[i] = par[i];
    len += snprintf(n->desc + len, sizeof n->desc - (size_t)len, "%s%s=%.17g",
                    i == 0 ? "(" : ", ", type->params[i], par[i]);
    if (type->params[i + 1] == NULL)
      snprintf(n->desc + len, sizeof n->desc - (size_t)len, ")");
  }
  *s = n;
  return FM_OK;
}

void fm_schedule_free(fm_schedule *s)
{
  if (s == NULL)
    return;
  if (s->type->free_impl != NULL && s->impl != NULL)
    s->type->free_impl(s->impl);
  free(s);
}

int fm_schedule_eval(fm_sched_val *v, const fm_schedule *s, double t)
{
  if (!isfinite(t) || t < 0.0 || t > 1.0)
    return FM_EDOM;
  int st = s->type->eval(v, s, t);
  if (st != FM_OK)
    return st;
  if (!isfinite(v->alpha) || !isfinite(v->sigma))
    return FM_ENONFIN;
  if (isinf(v->dalpha) || isinf(v->dsigma))
    return FM_ESING;
  if (isnan(v->dalpha) || isnan(v->dsigma))
    return FM_ENONFIN;
  return FM_OK;
}

int fm_schedule_eval_mp(fm_sched_mp *v, const fm_schedule *s, const mpfr_t t)
{
  if (s->type->eval_mp == NULL)
    return FM_ENOTAVAIL;
  if (!mpfr_number_p(t) || mpfr_sgn(t) < 0 || mpfr_cmp_ui(t, 1) > 0)
    return FM_EDOM;
  return s->type->eval_mp(v, s, t);
}

int fm_schedule_eval_mp_or_double(fm_sched_mp *v, int *exact_schedule,
                                  const fm_schedule *s, double t)
{
  if (s->type->eval_mp != NULL) {
    mpfr_t tt;
    mpfr_init2(tt, 64);
    mpfr_set_d(tt, t, MPFR_RNDN);
    int st = fm_schedule_eval_mp(v, s, tt);
    mpfr_clear(tt);
    if (exact_schedule != NULL)
      *exact_schedule = 1;
    return st;
  }
  fm_sched_val d;
  int st = fm_schedule_eval(&d, s, t);
  if (st != FM_OK)
    return st;
  fm_sched_mp_set_d(v, &d);
  if (exact_schedule != NULL)
    *exact_schedule = 0;
  return FM_OK;
}

const char *fm_schedule_type_name(const fm_schedule *s)
{
  return s->type->name;
}

const char *fm_schedule_describe(const fm_schedule *s)
{
  return s->desc;
}

int fm_schedule_param(double *value, const fm_schedule *s, const char *name)
{
  for (int i = 0; s->type->params != NULL && s->type->params[i] != NULL; i++)
    if (strcmp(s->type->params[i], name) == 0) {
      *value = s->par[i];
      return FM_OK;
    }
  return FM_ENOTAVAIL;
}

double fm_sched_snr(const fm_sched_val *v)
{
  return v->alpha / v->sigma;
}

double fm_sched_drift_f(const fm_sched_val *v)
{
  return v->dalpha / v->alpha;
}

double fm_sched_diffusion_g2(const fm_sched_val *v)
{
  return 2.0 * v->sigma * v->dsigma - 2.0 * (v->dalpha / v->alpha) * v->sigma * v->sigma;
}
