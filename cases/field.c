/* field.c -- the counting wrappers of the field interface and the usable
 * interval of an analytic field (see field.h). */
#include "field.h"

int fm_field_eval(fm_field *f, double *v, double t, const double *x, size_t n)
{
  f->rows += n;
  f->calls++;
  return f->eval(v, t, x, n, f->ctx);
}

int fm_field_div(fm_field *f, double *v, double *div, double t, const double *x, size_t n)
{
  if (f->div == NULL)
    return FM_ENOTAVAIL;
  f->rows += n;
  f->calls++;
  return f->div(v, div, t, x, n, f->ctx);
}

int fm_field_jvp(fm_field *f, double *v, double *jv, double t, const double *x,
                 const double *w, size_t n)
{
  if (f->jvp == NULL)
    return FM_ENOTAVAIL;
  f->rows += n;
  f->calls++;
  return f->jvp(v, jv, t, x, w, n, f->ctx);
}

void fm_field_free(fm_field *f)
{
  if (f != NULL && f->destroy != NULL)
    f->destroy(f);
}

int fm_field_gmm_interval(double *t0, double *t1, const fm_schedule *s)
{
  fm_sched_val v;
  *t0 = fm_schedule_eval(&v, s, 0.0) == FM_OK ? 0.0 : FM_FIELD_END_DELTA;
  *t1 = fm_schedule_eval(&v, s, 1.0) == FM_OK ? 1.0 : 1.0 - FM_FIELD_END_DELTA;
  if (fm_schedule_eval(&v, s, *t0) != FM_OK || fm_schedule_eval(&v, s, *t1) != FM_OK)
    return FM_EDOM;
  return FM_OK;
}
