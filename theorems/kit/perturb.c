/* perturb.c -- the smallest-perturbation scan shared by the theorems
 * (perturb.h): the loop over the grid, and the verdict note. */
#include "perturb.h"

#include <math.h>
#include <stdio.h>

#include "fm_status.h"

#define FM_PERTURB_MAXROUTES 16

const double fm_perturb_decades[FM_PERTURB_NDECADES] = {
    1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2,
};

/* The first failing index in [0, ngrid) by bisection (ngrid: none). */
static int fm_perturb_bisect(double *found, const double *grid, size_t ngrid,
                             fm_perturb_fails_fn fails, void *ctx)
{
  size_t lo = 0, hi = ngrid; /* the first failing index lies in [lo, hi] */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    /* the callback may fill more entries than the one route read here, as
     * in the other directions: give it the same full-size buffer */
    int f[FM_PERTURB_MAXROUTES] = {0}, st = fails(f, grid[mid], ctx);
    if (st != FM_OK)
      return st;
    if (f[0])
      hi = mid;
    else
      lo = mid + 1;
  }
  *found = lo < ngrid ? grid[lo] : NAN;
  return FM_OK;
}

int fm_perturb_scan(double *found, size_t nroutes, const double *grid, size_t ngrid,
                    fm_perturb_dir dir, fm_perturb_fails_fn fails, void *ctx)
{
  if (nroutes == 0 || nroutes > FM_PERTURB_MAXROUTES || ngrid == 0 ||
      (dir == FM_PERTURB_BISECT && nroutes != 1))
    return FM_EINVAL;
  if (dir == FM_PERTURB_BISECT)
    return fm_perturb_bisect(found, grid, ngrid, fails, ctx);
  /* done[r]: route r's answer is settled (UP: found; DOWN: passed once) */
  int done[FM_PERTURB_MAXROUTES] = {0}, f[FM_PERTURB_MAXROUTES];
  size_t left = nroutes;
  for (size_t r = 0; r < nroutes; r++)
    found[r] = NAN;
  for (size_t k = 0; k < ngrid && left > 0; k++) {
    double e = grid[dir == FM_PERTURB_UP ? k : ngrid - 1 - k];
    for (size_t r = 0; r < nroutes; r++)
      f[r] = 0;
    int st = fails(f, e, ctx);
    if (st != FM_OK)
      return st;
    for (size_t r = 0; r < nroutes; r++) {
      if (done[r])
        continue;
      if (f[r])
        found[r] = e;
      if (f[r] == (dir == FM_PERTURB_UP)) {
        done[r] = 1;
        left--;
      }
    }
  }
  return FM_OK;
}

void fm_perturb_note(fm_verdict *v, const char *input, const char *range, size_t nroutes,
                     const char *const *names, const double *found)
{
  char buf[384];
  int len = snprintf(buf, sizeof buf, "smallest %s perturbation detected (of %s):", input,
                     range);
  for (size_t r = 0; r < nroutes && len > 0 && (size_t)len < sizeof buf; r++) {
    if (names[r] == NULL)
      continue;
    char amount[24] = "none";
    if (!isnan(found[r]))
      snprintf(amount, sizeof amount, found[r] < 0.02 ? "%.0e" : "%g", found[r]);
    len += snprintf(buf + len, sizeof buf - (size_t)len, " %s %s", names[r], amount);
    fm_verdict_fact(v, FM_F_DETECTED, names[r], isnan(found[r]) ? INFINITY : found[r]);
  }
  fm_verdict_notef(v, "%s", buf);
}
