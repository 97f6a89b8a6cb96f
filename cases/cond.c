/* cond.c -- the conditional Gaussian path given x1 (formulas in cond.h). */
#include "cond.h"

#include <math.h>

void fm_cond_flow(double *x, const fm_sched_val *v, const double *x0, const double *x1,
                  size_t d)
{
  for (size_t i = 0; i < d; i++)
    x[i] = v->sigma * x0[i] + v->alpha * x1[i];
}

void fm_cond_field(double *u, const fm_sched_val *v, const double *x, const double *x1,
                   size_t d)
{
  double c = v->dsigma / v->sigma;
  for (size_t i = 0; i < d; i++)
    u[i] = c * (x[i] - v->alpha * x1[i]) + v->dalpha * x1[i];
}

double fm_cond_logpdf(const fm_sched_val *v, const double *x, const double *x1, size_t d)
{
  double q = 0.0;
  for (size_t i = 0; i < d; i++) {
    double r = (x[i] - v->alpha * x1[i]) / v->sigma;
    q += r * r;
  }
  return -0.5 * q - (double)d * (log(v->sigma) + 0.5 * log(2.0 * M_PI));
}

void fm_cond_score(double *s, const fm_sched_val *v, const double *x, const double *x1,
                   size_t d)
{
  double s2 = v->sigma * v->sigma;
  for (size_t i = 0; i < d; i++)
    s[i] = -(x[i] - v->alpha * x1[i]) / s2;
}
