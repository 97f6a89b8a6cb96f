/* sweep_fdiff.c -- sweep `fdiff` (theorem continuity): the residual of the
 * continuity equation in log form,
 *     R(h) = [log p_{t+h}(x) - log p_{t-h}(x)] / 2h + u_t(x).grad log p_t(x)
 *            + div u_t(x),
 * with the time derivative replaced by a central difference of step h, vs h.
 * The equation holds exactly, so R(h) is the difference's truncation error
 * (log p)''' h^2 / 6 + O(h^4): expected slope +2 in h.
 *
 * Terms: log p, u and the score from fm_gmm_path_eval, div u in closed form
 * (gmm_post.h) -- the same candidate the continuity theorem checks.  Points:
 * 4 seeded typical points, t ~ U(0.2, 0.8), x = alpha x1 + sigma x0.  Per
 * point the residual is relative to the scale of its terms S = |D| + |u.s| +
 * |div u|; err(h) = the largest over the points.
 *
 * Steps: h_k = h0 / 2^k (k = 0 .. 11, quick 0 .. 7), h0 the largest power of
 * two <= min(1/16, t/4, (1-t)/4) with t moved onto the 2^-40 grid
 * (fm_fdiff_grid: every t +- h_k is exact; a quarter of the distance to the
 * ends, where schedules may be singular, keeps the h^4 term small).
 * Round-off: one evaluation of log p carries delta = 16 eps (d + 1 +
 * |log p_t(x)|) (a log-sum-exp of terms of that size, each accurate to a few
 * ulps of its largest part, the schedule's rounding included), so the
 * difference quotient carries delta / h; a level is left out when err < 100
 * times that floor (round-off would move log err by > 1%).
 *
 * Tolerance 0.3 on the band, two-sided (SUNDIALS practice: a slope too good
 * means a contaminated reference just as a slope too poor means a wrong
 * scheme).
 */
#include "sweep.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "gpost.h"
#include "points.h"

#define FM_SFD_TAG 0x5246u /* "RF" */
#define FM_SFD_NPTS 4
#define FM_SFD_TOL 0.3
#define FM_SFD_HMAX 0.0625

typedef struct {
  double tc, h0;
  double *x;        /* d */
  double ana;       /* u.s + div u at tc */
  double scale;     /* |u.s| + |div u| */
  double delta;     /* round-off of one log p */
} fm_sfd_point;

static int fm_sfd_logp(double *lp, const fm_case *c, double t, const double *x)
{
  return fm_gmm_marginal(lp, NULL, NULL, NULL, c->gmm, c->sched, t, x);
}

/* Draw point i and evaluate its analytic terms. */
static int fm_sfd_setup(fm_sfd_point *p, const fm_case *c, fm_gmm_path *path,
                        fm_gpost *post, uint64_t seed, size_t i, double *work)
{
  size_t d = c->gmm->d;
  double *x1 = work, *x0 = work + d, *u = x0 + d, *s = u + d;
  fm_rng r = fm_rng_make(seed, FM_RNG_STREAM(FM_SFD_TAG, 1));
  fm_rng rt = fm_rng_child(&r, 2), rx = fm_rng_child(&r, 3);
  double t = 0.2 + 0.6 * fm_rng_uniform(&rt, i);
  int st = fm_fdiff_grid(&p->tc, &p->h0, t, FM_SFD_HMAX);
  fm_sched_val v;
  st = st ? st : fm_schedule_eval(&v, c->sched, p->tc);
  if (st != FM_OK)
    return st;
  fm_gmm_sample(x1, c->gmm, &r, i);
  fm_rng_normals(x0, d, &rx, i * d);
  fm_cond_flow(p->x, &v, x0, x1, d);
  double lp;
  st = fm_gmm_path_set(path, &v);
  st = st ? st : fm_gmm_path_eval(&lp, s, NULL, u, path, p->x);
  if (st != FM_OK)
    return st;
  fm_gpost_val pv;
  fm_gpost_eval(&pv, post, path, &v, FM_GPOST_POSTERIOR);
  double us = 0.0, usa = 0.0;
  for (size_t j = 0; j < d; j++) {
    us += u[j] * s[j];
    usa += fabs(u[j] * s[j]);
  }
  p->ana = us + pv.div;
  p->scale = usa + pv.div_mag;
  p->delta = 16.0 * DBL_EPSILON * ((double)d + 1.0 + fabs(lp));
  return FM_OK;
}

static int fm_sfd_run(fm_sweep_result *r, const fm_case *c, const fm_sweep_opts *o)
{
  size_t d = c->gmm->d, nlev = o->quick ? 8 : 12;
  uint64_t seed = fm_sweep_seed(o, c);
  fm_sfd_point pts[FM_SFD_NPTS];
  fm_gmm_path *path = NULL;
  fm_gpost *post = NULL;
  double *mem = malloc((FM_SFD_NPTS * d + 4 * d) * sizeof *mem);
  int st = mem ? FM_OK : FM_ENOMEM;
  st = st ? st : fm_gmm_path_alloc(&path, c->gmm);
  st = st ? st : fm_gpost_alloc(&post, c->gmm);
  double hmin = INFINITY, hmax = 0.0;
  for (size_t i = 0; i < FM_SFD_NPTS && st == FM_OK; i++) {
    pts[i].x = mem + i * d;
    st = fm_sfd_setup(&pts[i], c, path, post, seed, i, mem + FM_SFD_NPTS * d);
    hmin = fmin(hmin, pts[i].h0);
    hmax = fmax(hmax, pts[i].h0);
  }
  fm_sweep_setupf(r, "%d seeded points, t ~ U(0.2, 0.8), x = alpha x1 + sigma x0; h = h0 / 2^k, "
                  "k = 0 .. %zu, h0 = %g .. %g per point; error = max over points of |R(h)| / "
                  "(|D| + |u.grad log p| + |div u|)",
                  FM_SFD_NPTS, nlev - 1, hmin, hmax);
  fm_sweep_series *s = fm_sweep_series_add(r, "central difference in t", 2.0, FM_SFD_TOL,
                                           FM_SWEEP_BAND);
  size_t below = 0;
  for (size_t k = 0; k < nlev && st == FM_OK; k++) {
    /* Point i uses h_k = h0_i / 2^k; the abscissa is hmax / 2^k.  Each
     * point's residual is c_i (h0_i / 2^k)^2 = c_i' (hmax / 2^k)^2, so their
     * max has the same slope in either abscissa. */
    double err = 0.0, floor = 0.0;
    for (size_t i = 0; i < FM_SFD_NPTS && st == FM_OK; i++) {
      double h = ldexp(pts[i].h0, -(int)k), lp, lm;
      st = fm_sfd_logp(&lp, c, pts[i].tc + h, pts[i].x);
      st = st ? st : fm_sfd_logp(&lm, c, pts[i].tc - h, pts[i].x);
      if (st != FM_OK)
        break;
      double D = (lp - lm) / (2.0 * h);
      double S = fabs(D) + pts[i].scale;
      err = fmax(err, fabs(D + pts[i].ana) / S);
      floor = fmax(floor, pts[i].delta / h / S);
    }
    if (st != FM_OK)
      break;
    int ok = err > 100.0 * floor;
    below += !ok;
    fm_sweep_point_add(s, ldexp(hmax, -(int)k), err, 0.0, ok);
    fm_sweep_progress(o, (double)(k + 1) / (double)nlev);
  }
  if (st == FM_OK && below > 0)
    fm_sweep_notef(s, "%zu level%s left out: residual within 100x the round-off floor "
                   "delta / h", below, below == 1 ? "" : "s");
  fm_gmm_path_free(path);
  fm_gpost_free(post);
  free(mem);
  return st;
}

const fm_sweep_kind fm_sweep_fdiff = {
    "fdiff",
    "continuity",
    "continuity residual d/dt log p + u.grad log p + div u with d/dt by a central difference "
    "of step h, vs h",
    "step h",
    "relative residual |R(h)|",
    FM_SWEEP_LOGLOG,
    0,
    fm_sfd_run,
};
