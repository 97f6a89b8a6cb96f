/* stattest_proj.c -- the one-dimensional views of a sample that several
 * tests share: random unit directions drawn from a stream, projections of
 * the rows onto a direction, and the ascending order the 1D statistics sort
 * their values in.  KS on projections (stattest_ks1.c) and sliced W2
 * (stattest_sw2.c) must see the same directions for the same stream, so the
 * rule lives here once.
 */
#include "stattest_impl.h"

#include <math.h>

int fm_stat_cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* proj[i] = e.X_i */
void fm_stat_project(double *proj, const double *X, size_t n, size_t d, const double *e)
{
  for (size_t i = 0; i < n; i++) {
    double s = 0.0;
    for (size_t j = 0; j < d; j++)
      s += e[j] * X[i * d + j];
    proj[i] = s;
  }
}

/* Direction j: normalised normals j d .. j d + d - 1 of stream child(rng, 0). */
void fm_stat_direction(double *e, size_t d, const fm_rng *rng, size_t j)
{
  fm_rng rd = fm_rng_child(rng, 0);
  double nrm = 0.0;
  fm_rng_normals(e, d, &rd, (uint64_t)(j * d));
  for (size_t i = 0; i < d; i++)
    nrm += e[i] * e[i];
  nrm = sqrt(nrm);
  for (size_t i = 0; i < d; i++)
    e[i] /= nrm;
}
