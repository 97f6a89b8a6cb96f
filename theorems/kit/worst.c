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
