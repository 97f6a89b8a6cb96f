/* pointwise_check.h -- the check driver of the pointwise theorems (tweedie,
 * conversions, pf-ode, cond-field, push-forward): one loop, a per-theorem
 * spec (the driver-plus-spec shape of post_routes.h; GSL's step types).
 *
 * fm_ptcheck_run(v, spec, work, c, o, mutant) does, in this order:
 *   1. spec->na_case: a mutant that cannot apply to the case gives n/a
 *      before anything is drawn;
 *   2. draws the point set (fm_pointset_make, fm_check_seed, fm_check_npoints)
 *      -- the only random numbers of these checks;
 *   3. spec->init: sets up the theorem's work space *work in place;
 *   4. spec->prepare at every point (references that no rerun changes),
 *      then spec->point at every point: the routes, each offering to its
 *      worst point run->w[r] (worst.h);
 *   5. spec->finish: routes outside the points loop (pf-ode's grid and
 *      trajectories), or an n/a only the points can reveal (fm_verdict_na;
 *      nothing more is recorded then);
 *   6. records every route that applies (fm_verdict_route with
 *      routes[r].id, the worst point described by fm_point_describe), then
 *      spec->report adds the notes and facts;
 *   7. for the true statement (mutant 0) with a scan_input: the smallest
 *      relative perturbation of that input each route with a scan_name
 *      detects (fm_perturb_scan upwards over fm_perturb_decades; each rerun
 *      clears the worst points, calls spec->perturb(work, e) and reruns
 *      spec->point on the first scan_points points) and its note
 *      (fm_perturb_note, or spec->scan_note);
 *   8. spec->clear, and frees the point set.
 *
 * The work space is the theorem's own storage (on its stack), set up after
 * the points are drawn, as the checks always did, so the heap holds the
 * same blocks in the same order as before.  Why: results depend in the last
 * bit on earlier heap use (tweedie and pf-ode run alone differ from the same
 * checks run after the other theorems; the cause, e.g. data alignment in
 * OpenBLAS kernels, is not established).
 *
 * A route fails when its worst margin exceeds its limit: 1 when each point
 * offers its own tolerance (fm_worst_add), route_tol(work, r) when the
 * route's tolerance is common to all points and known only after the loop
 * (the points then offer plain values with fm_worst_add_max).
 */
#ifndef FM_POINTWISE_CHECK_H
#define FM_POINTWISE_CHECK_H

#include <stddef.h>

#include "case.h"
#include "points.h"
#include "theorem.h"
#include "worst.h"

#define FM_PTCHECK_MAX_ROUTES 16

/* One run of the driver: what every hook may read, and the worst points
 * the routes offer to. */
typedef struct {
  const fm_case *c;
  const fm_check_opts *o;
  int mutant;                          /* 0: the true statement */
  const fm_pointset *ps;
  fm_worst w[FM_PTCHECK_MAX_ROUTES];   /* route r's worst point */
} fm_ptcheck;

typedef struct {
  fm_route_id id;
  const char *scan_name; /* its name in the perturbation note; NULL: the scan
                            does not rerun it */
} fm_ptcheck_route;

typedef struct {
  const char *name;                 /* the theorem's id */
  size_t nroutes;                   /* <= FM_PTCHECK_MAX_ROUTES */
  const fm_ptcheck_route *routes;   /* nroutes, in the order recorded */
  /* where a route without a worst point is recorded (value NaN, tol 1),
   * NULL: such a route is not recorded */
  const char *missing_where;

  /* optional: why mutant does not apply to case c, NULL when it does */
  const char *(*na_case)(const fm_case *c, int mutant);
  /* sets up *work (FM_OK), or returns a status with nothing left to clear */
  int (*init)(void *work, fm_ptcheck *run);
  void (*clear)(void *work);
  /* optional: references at point i, computed once (before any point) */
  int (*prepare)(void *work, fm_ptcheck *run, size_t i);
  /* the routes at point i (the main loop and every scan rerun) */
  int (*point)(void *work, fm_ptcheck *run, size_t i);
  /* optional: after the loop (see above) */
  int (*finish)(fm_verdict *v, void *work, fm_ptcheck *run);
  /* optional: 0 when route r does not apply to this case (neither
   * recorded nor scanned) */
  int (*applies)(const void *work, size_t r);
  /* optional: route r's tolerance common to all points (see above) */
  double (*route_tol)(const void *work, size_t r);
  /* optional: route r's where (default: run->w[r].where when set, else
   * fm_point_describe of its worst point) */
  void (*where)(char *buf, size_t len, const void *work, const fm_ptcheck *run, size_t r);
  /* optional: notes and facts after the routes */
  void (*report)(fm_verdict *v, void *work, fm_ptcheck *run);

  /* the perturbation scan; scan_input NULL: none */
  const char *scan_input;           /* "sigma'", "W", ... */
  size_t scan_points;               /* points rerun (the first ones) */
  void (*perturb)(void *work, double e); /* the input times 1 + e from now on */
  /* optional: the note in place of fm_perturb_note (found[k] for the k-th
   * scanned route) */
  void (*scan_note)(fm_verdict *v, size_t nscan, const char *const *names,
                    const double *found);
} fm_ptcheck_spec;

/* Runs the check of spec on case c with the work space work (uninitialised
 * storage of the theorem's work type; see above); the status of the first
 * step that failed, FM_EINVAL for a spec with too many routes. */
int fm_ptcheck_run(fm_verdict *v, const fm_ptcheck_spec *spec, void *work, const fm_case *c,
                   const fm_check_opts *o, int mutant);

#endif
