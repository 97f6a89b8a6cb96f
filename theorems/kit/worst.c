/* worst.c -- the worst point of a route (worst.h). */
#include "worst.h"

#include <math.h>

int fm_worst_add(fm_worst *w, double value, double tol, size_t at)
{
  double m = isnan(value) ? INFINITY : value / tol;
  if (w->have && !(m > w->margin))
    return 0;
  w->margin = m;
  w->value = value;
  w->tol = tol;
  w->at = at;
  w->have = 1;
  w->where[0] = '\0';
  return 1;
}

int fm_worst_add_max(fm_worst *w, double value, size_t at)
{
  if (!w->have)
    *w = (fm_worst){.tol = 1.0, .have = 1};
  if (value <= w->value) /* false for NaN: it takes over */
    return 0;
  w->value = isnan(value) ? INFINITY : value;
  w->margin = w->value;
  w->at = at;
  w->where[0] = '\0';
  return 1;
}
