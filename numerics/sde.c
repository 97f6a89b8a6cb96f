/* sde.c -- Euler-Maruyama ensembles with Philox increments keyed by
 * (path, step) (see sde.h). */
#include "sde.h"
#include "fm_status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void fm_sde_normals(double *z, size_t n, const fm_rng *r, uint64_t path, uint64_t step)
{
  fm_rng rp = fm_rng_child(r, path);
  fm_rng_normals(z, n, &rp, step * (uint64_t)n);
}

/* A path's stream with its last Box-Muller block: one Philox block gives
 * normals 4b .. 4b+3, and for n < 4 consecutive steps of a path share a
 * block -- recomputing it per step (the loop is time-major) made the
 * transcendental functions of the unused lanes the cost of a 1D ensemble.
 * The values are fm_rng_normals' by definition (lane i%4 of block i/4). */
typedef struct {
  fm_rng r;
  uint64_t blk;   /* cached block index, UINT64_MAX if none */
  double z[4];
} fm_sde_stream;

static void fm_sde_stream_normals(double *z, size_t n, fm_sde_stream *c, uint64_t first)
{
  for (size_t j = 0; j < n; j++) {
    uint64_t i = first + j, b = i / 4;
    if (c->blk != b) {
      fm_rng_normals(c->z, 4, &c->r, 4 * b);
      c->blk = b;
    }
    z[j] = c->z[i % 4];
  }
}

/* One step on the working copy Y at node k (time t); rp[p] is the stream
 * of path path_first + p (child keys computed once per call). */
static int fm_sde_step(double *Y, double *B, double *z, size_t npaths, const fm_sde *s,
                       double t, double h, uint64_t k, fm_sde_stream *rp)
{
  size_t n = s->n;
  int st = s->drift(B, t, Y, npaths, n, s->ctx);
  if (st != FM_OK)
    return st;
  double eps = 0.0;
  if (s->noise != NULL && (st = s->noise(&eps, t, s->ctx)) != FM_OK)
    return st;
  if (!(eps >= 0.0) || !isfinite(eps))
    return FM_EINVAL;
  double sq = eps * sqrt(fabs(h));
  for (size_t p = 0; p < npaths; p++) {
    double *y = Y + p * n;
    const double *b = B + p * n;
    if (sq > 0.0)
      fm_sde_stream_normals(z, n, rp + p, k * (uint64_t)n);
    for (size_t j = 0; j < n; j++) {
      y[j] += h * b[j] + (sq > 0.0 ? sq * z[j] : 0.0);
      if (!isfinite(y[j]))
        return FM_ENONFIN;
    }
  }
  return FM_OK;
}

int fm_sde_em(double *X, size_t npaths, const fm_sde *s, double t0, double h,
              uint64_t step_first, size_t steps, const fm_rng *r, uint64_t path_first)
{
  if (s == NULL || s->n == 0 || npaths == 0 || steps == 0 || !isfinite(h) || h == 0.0 ||
      !isfinite(t0) || s->drift == NULL)
    return FM_EINVAL;
  size_t n = s->n, len = npaths * n;
  if (len / n != npaths)
    return FM_EINVAL;
  double *Y = malloc((2 * len + n) * sizeof *Y);
  fm_sde_stream *rp = malloc(npaths * sizeof *rp);
  if (Y == NULL || rp == NULL) {
    free(Y);
    free(rp);
    return FM_ENOMEM;
  }
  double *B = Y + len, *z = Y + 2 * len;
  memcpy(Y, X, len * sizeof *Y);
  for (size_t p = 0; p < npaths; p++)
    rp[p] = (fm_sde_stream){fm_rng_child(r, path_first + p), UINT64_MAX, {0.0, 0.0, 0.0, 0.0}};
  int st = FM_OK;
  for (size_t i = 0; i < steps && st == FM_OK; i++) {
    uint64_t k = step_first + i;
    st = fm_sde_step(Y, B, z, npaths, s, t0 + (double)k * h, h, k, rp);
  }
  if (st == FM_OK)
    memcpy(X, Y, len * sizeof *X);
  free(rp);
  free(Y);
  return st;
}
