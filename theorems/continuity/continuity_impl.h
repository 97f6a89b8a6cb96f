/* continuity_impl.h -- internal to theorem `continuity` (continuity.c): the
 * candidate field, the workspace of the double routes, the per-point results,
 * and the entry points of the route files:
 *   continuity_fd.c     routes 1-2: d/dt log p and d/dt p/p_tc by Richardson
 *                       central differences in t (the step policy);
 *   continuity_field.c  the candidate field, u.s + div u with its error
 *                       bound, and route 3 (div u closed form vs FD in x);
 *   continuity_mp.c     route 4: the whole residual in MPFR.
 * Internal: nothing outside the theorem includes it. */
#ifndef FM_CONTINUITY_IMPL_H
#define FM_CONTINUITY_IMPL_H

#include <float.h>
#include <stddef.h>

#include <mpfr.h>

#include "gpost.h"
#include "path_err.h"
#include "points.h"

#define FM_CT_EPS DBL_EPSILON
#define FM_CT_FD_LEVELS 5

/* The candidate field. */
typedef struct {
  double dsigma_factor;
  int reversed, prior, with_div;
} fm_ct_cand;

/* Workspace of the double routes. */
typedef struct {
  const fm_case *c;
  size_t d;
  fm_gmm_path *pt, *pc;  /* true path (density, score); candidate's path (field) */
  fm_gpost *post;
  fm_path_err *pe;
  double *s, *u, *xg;    /* d each */
  /* FD in t bookkeeping */
  const double *x;
  int density;           /* 0: f = log p, 1: f = exp(log p - l0) */
  double l0, kappa, Mg, fmax;
} fm_ct_work;

/* Candidate-independent results of the FD in t at one point. */
typedef struct {
  double tc, D, tol_fd, Dd, tol_fdd, es, order, ell;
} fm_ct_ref;

/* u.s + div u of a candidate at one point, its error bound and its terms. */
typedef struct {
  double val, tol, mag;
} fm_ct_tr;

/* --- continuity_field.c --- */
int fm_ct_work_alloc(fm_ct_work *w, const fm_case *c);
void fm_ct_work_free(fm_ct_work *w);
/* u.s + div u of candidate k at (t, x), with tol_an (continuity_field.c). */
int fm_ct_transport(fm_ct_tr *tr, fm_ct_work *w, const fm_ct_cand *k, double t,
                    const double *x, double es);
/* Route 3 at point i: *val = |closed form - FD|, *tol its tolerance; sets
 * r->ell, the length scale route 4 steps by. */
int fm_ct_route_div(double *val, double *tol, fm_ct_work *w, const fm_ct_cand *k,
                    fm_ct_ref *r, const fm_pointset *ps, size_t i);

/* --- continuity_fd.c --- */
/* The largest power of two <= a (a > 0, finite). */
double fm_ct_pow2_below(double a);
/* Distance to the nearest complex pole of a posterior weight, the logistic
 * 1/(1 + e^-y) (poles at y = +-i pi), with y linear in the variable at rate
 * slope: sqrt(y^2 + pi^2) / slope. */
double fm_ct_pole_radius(double y, double slope);
/* Routes 1 and 2 at point i: the FD of log p and of p/p_tc in t. */
int fm_ct_ref_fd(fm_ct_ref *r, fm_ct_work *w, const fm_pointset *ps, size_t i);

/* --- continuity_mp.c --- */
typedef struct fm_ct_mp fm_ct_mp;
/* Route 4's MPFR workspace at prec bits; prior != 0 also builds the K
 * one-component GMMs of the prior-weighted field. */
int fm_ct_mp_alloc(fm_ct_mp **m, const fm_case *c, mpfr_prec_t prec, int prior);
void fm_ct_mp_free(fm_ct_mp *m);
/* Route 4 at point i: *rel = |R| / terms, *raw = the plain difference's
 * truncation relative to the terms; ell from route 3.  FM_ENOTAVAIL when
 * the schedule has no MPFR twin. */
int fm_ct_mp_point(double *rel, double *raw, fm_ct_mp *m, const fm_ct_cand *k,
                   const fm_pointset *ps, size_t i, double ell);

#endif
