/* assign.c -- Hungarian method, shortest-augmenting-path form (assign.h).
 *
 * Arrays are 1-based with a virtual column 0 that holds the row being
 * inserted: p[j] = row matched to column j (0 = free), way[j] = previous
 * column on the alternating path, minv[j] = smallest reduced cost reaching
 * column j in the current search.  Row i's insertion grows a tree of
 * columns in Dijkstra order; each round adds the column of least minv and
 * shifts the potentials by that amount, which keeps every reduced cost
 * non-negative and the tree's edges tight; it stops at a free column and
 * flips the path.
 */
#include "assign.h"

#include <math.h>
#include <stdlib.h>

struct fm_assign_work {
  size_t nmax;
  double *u, *v, *minv; /* nmax + 1 each */
  size_t *p, *way;      /* nmax + 1 each */
  char *used;           /* nmax + 1 */
};

int fm_assign_work_alloc(fm_assign_work **w, size_t nmax)
{
  *w = NULL;
  fm_assign_work *r = calloc(1, sizeof *r);
  if (r == NULL)
    return FM_ENOMEM;
  size_t m = nmax + 1;
  r->nmax = nmax;
  r->u = malloc(m * sizeof *r->u);
  r->v = malloc(m * sizeof *r->v);
  r->minv = malloc(m * sizeof *r->minv);
  r->p = malloc(m * sizeof *r->p);
  r->way = malloc(m * sizeof *r->way);
  r->used = malloc(m);
  if (!r->u || !r->v || !r->minv || !r->p || !r->way || !r->used) {
    fm_assign_work_free(r);
    return FM_ENOMEM;
  }
  *w = r;
  return FM_OK;
}

void fm_assign_work_free(fm_assign_work *w)
{
  if (w == NULL)
    return;
  free(w->u);
  free(w->v);
  free(w->minv);
  free(w->p);
  free(w->way);
  free(w->used);
  free(w);
}

/* Insert row i (1-based) into the matching by one shortest augmenting path. */
static void fm_assign_augment(fm_assign_work *w, const double *c, size_t n, size_t i)
{
  double *u = w->u, *v = w->v, *minv = w->minv;
  size_t *p = w->p, *way = w->way, j0 = 0;
  p[0] = i;
  for (size_t j = 0; j <= n; j++) {
    minv[j] = HUGE_VAL;
    w->used[j] = 0;
  }
  do {
    w->used[j0] = 1;
    size_t i0 = p[j0], j1 = 0;
    double delta = HUGE_VAL;
    for (size_t j = 1; j <= n; j++) {
      if (w->used[j])
        continue;
      double cur = c[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
      if (cur < minv[j]) {
        minv[j] = cur;
        way[j] = j0;
      }
      if (minv[j] < delta) {
        delta = minv[j];
        j1 = j;
      }
    }
    for (size_t j = 0; j <= n; j++) {
      if (w->used[j]) {
        u[p[j]] += delta;
        v[j] -= delta;
      } else {
        minv[j] -= delta;
      }
    }
    j0 = j1;
  } while (p[j0] != 0);
  do {
    size_t j1 = way[j0];
    p[j0] = p[j1];
    j0 = j1;
  } while (j0 != 0);
}

static int fm_assign_run(size_t *col, double *total, double *u, double *v,
                         const double *cost, size_t n, fm_assign_work *w)
{
  if (n > w->nmax)
    return FM_EINVAL;
  for (size_t k = 0; k < n * n; k++)
    if (!isfinite(cost[k]))
      return FM_ENONFIN;
  for (size_t j = 0; j <= n; j++) {
    w->u[j] = w->v[j] = 0.0;
    w->p[j] = 0;
  }
  for (size_t i = 1; i <= n; i++)
    fm_assign_augment(w, cost, n, i);
  double s = 0.0;
  for (size_t j = 1; j <= n; j++)
    col[w->p[j] - 1] = j - 1;
  for (size_t i = 0; i < n; i++)
    s += cost[i * n + col[i]];
  if (total != NULL)
    *total = s;
  for (size_t i = 0; i < n; i++) {
    if (u != NULL)
      u[i] = w->u[i + 1];
    if (v != NULL)
      v[i] = w->v[i + 1];
  }
  return FM_OK;
}

int fm_assign_solve(size_t *col, double *total, double *u, double *v, const double *cost,
                    size_t n, fm_assign_work *w)
{
  if (w != NULL)
    return fm_assign_run(col, total, u, v, cost, n, w);
  fm_assign_work *tmp;
  if (fm_assign_work_alloc(&tmp, n) != FM_OK)
    return FM_ENOMEM;
  int st = fm_assign_run(col, total, u, v, cost, n, tmp);
  fm_assign_work_free(tmp);
  return st;
}
