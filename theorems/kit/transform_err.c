/* transform_err.c -- the rounding model of the scale-time change
 * (transform_err.h). */
#include "transform_err.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "fdiff.h"
#include "linalg.h"

#define FM_TRANSFORM_ERR_EPS DBL_EPSILON

/* kL = (|alpha'/alpha| + |sigma'/sigma|) / |L'|: how much L' = alpha'/alpha -
 * sigma'/sigma cancels. */
static double fm_transform_err_kL(const fm_sched_val *v)
{
  double a = v->dalpha / v->alpha, s = v->dsigma / v->sigma;
  return (fabs(a) + fabs(s)) / fabs(a - s);
}

void fm_transform_err_combine(fm_transform_err *e, const fm_transform_val *tv,
                              const fm_sched_val *vA, const fm_sched_val *vB)
{
  int ba = tv->by_alpha;
  e->kLA = fm_transform_err_kL(vA);
  e->kLB = fm_transform_err_kL(vB);
  e->gA = ba ? vA->dalpha / vA->alpha : vA->dsigma / vA->sigma;
  e->gB = ba ? vB->dalpha / vB->alpha : vB->dsigma / vB->sigma;
  e->dt_rel = (2.0 * (e->kLA + e->kLB) + 1.0) * FM_TRANSFORM_ERR_EPS;
  double tg = fabs(tv->dt * e->gA);
  e->ddlogs = 2.0 * FM_TRANSFORM_ERR_EPS * (fabs(e->gB) + tg) + tg * e->dt_rel;
}

int fm_transform_err_rescale(double *acc, fm_gmm_path *pA, const double *y,
                             const double *uA, double sdt, size_t d, double *ys, double *du)
{
  for (size_t j = 0; j < d; j++) {
    if (y[j] == 0.0)
      continue;
    double delta = fm_fdiff_step(y[j], FM_TRANSFORM_ERR_PROBE * fabs(y[j]));
    memcpy(ys, y, d * sizeof *ys);
    ys[j] += delta;
    int st = fm_gmm_path_eval(NULL, NULL, NULL, du, pA, ys);
    if (st != FM_OK)
      return st;
    *acc += sdt * fm_linalg_maxdiff(du, uA, d) / delta * FM_TRANSFORM_ERR_EPS * fabs(y[j]);
  }
  return FM_OK;
}
