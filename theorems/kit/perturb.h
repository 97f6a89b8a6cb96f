/* perturb.h -- "each check reports the smallest perturbation it detects"
 * (theorems/README.md), shared by the theorems that scan for it.
 *
 * A scan perturbs one input of a check (sigma', g^2, W, ...) by a relative
 * amount e from a grid, reruns the check's routes (usually on a reduced set
 * of points) and records, per route, the smallest e at which that route
 * fails.  The check supplies the rerun as a callback; this file supplies the
 * loop, the grid of decades and the wording of the verdict note, so every
 * theorem reports the same way:
 *     smallest <input> perturbation detected (of <range>): <route> <e> ...
 * ("none" for a route that failed nowhere on the grid).  Scans assume
 * detection is monotone in e (a larger perturbation of the same input is at
 * least as visible): the ascending scan stops as soon as every route has
 * failed once, the descending one as soon as every route has passed once,
 * and bisection (one route; for costly reruns) takes ceil(log2(ngrid + 1))
 * of them.
 */
#ifndef FM_PERTURB_H
#define FM_PERTURB_H

#include <stddef.h>

#include "theorem.h"

/* 1e-14, 1e-13, ..., 1e-2: relative perturbations from a few ulps (below
 * any double check's tolerance) to 1% (the size of the mutants). */
#define FM_PERTURB_NDECADES 13
extern const double fm_perturb_decades[FM_PERTURB_NDECADES];
#define FM_PERTURB_DECADES_RANGE "1e-14..1e-2"

/* Reruns the check with the input perturbed by the relative amount e and
 * sets fails[r] = 1 for each route r (of nroutes) that fails, 0 otherwise.
 * Returns FM_OK or an error status (which ends the scan). */
typedef int (*fm_perturb_fails_fn)(int *fails, double e, void *ctx);

typedef enum {
  FM_PERTURB_UP,  /* grid ascending from grid[0]; found[r] = the first e at
                     which route r fails */
  FM_PERTURB_DOWN, /* from grid[ngrid-1] downward; found[r] = the smallest e
                      such that route r fails there and at every larger grid
                      value (the statistical scans: a single rejection at a
                      small e is not read as detection) */
  FM_PERTURB_BISECT /* one route only: bisection for the first failing grid
                       value (the same answer as UP when detection is
                       monotone), for checks whose rerun is costly */
} fm_perturb_dir;

/* Scan the ngrid values of grid (ascending, positive) in direction dir with
 * the callback; found[r] (r < nroutes <= 16) receives the smallest
 * perturbation detected by route r, NAN when none.  FM_EINVAL for nroutes
 * outside 1..16 (exactly 1 for FM_PERTURB_BISECT) or ngrid = 0; otherwise
 * the callback's status. */
int fm_perturb_scan(double *found, size_t nroutes, const double *grid, size_t ngrid,
                    fm_perturb_dir dir, fm_perturb_fails_fn fails, void *ctx);

/* Appends "smallest <input> perturbation detected (of <range>): name e ..."
 * to v's note, for the routes r with names[r] != NULL (e printed %.0e below
 * 0.02, %g above, "none" for NAN), and records each as the fact
 * FM_F_DETECTED qualified by names[r] (INFINITY for none). */
void fm_perturb_note(fm_verdict *v, const char *input, const char *range, size_t nroutes,
                     const char *const *names, const double *found);

#endif
