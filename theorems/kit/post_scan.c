/* post_scan.c -- the smallest perturbation the posterior routes detect
 * (post_routes.h, perturb.h), for the true statement of marginal-field and
 * marginal-score.
 *
 * At each relative amount e of the decades 1e-14 .. 1e-2 the candidate is
 * re-assembled at every point by the same code as the true one and as the
 * mutants (fm_sched_eval_candidate, fm_gmm_path, spec->cand with mutant 0):
 * coef times the closed form whose schedule has sigma' times dsigma_factor,
 * (dsigma_factor, coef) = spec->scan(e).  Each route is then decided again
 * exactly as in the run -- the same quadrature values Q and tolerances tolq,
 * the same MC estimates, standard errors, rounding allowances and deciding
 * points -- against the re-assembled candidate: nothing is drawn or
 * integrated again, and the run's own routes, outcome and numbers are not
 * touched.
 *
 * Direction of the scan: FM_PERTURB_DOWN (the statistical convention of
 * perturb.h: a route detects e when it fails there and at every larger grid
 * value).  Every statistic here is a maximum over points of
 * |reference - candidate(e)| / scale (MC: less a fixed rounding allowance,
 * floored at 0), and both specs' candidates are affine in e (the field is
 * affine in sigma'; the score's coefficient scan is linear), so the
 * statistic is convex in e; it is below its tolerance at e = 0 when the
 * true statement passes, hence the set of e where a route fails is an
 * interval [e*, inf) and UP and DOWN agree.  DOWN is kept so that a route
 * that fails at e = 0 (a failing true statement) is not credited with
 * detecting 1e-14.
 */
#include "post_routes_impl.h"

#include <math.h>
#include <stdlib.h>

#include "perturb.h"

typedef struct {
  fm_post_work *w;
  double *cand; /* n d: the re-assembled candidate */
} fm_post_scan_ctx;

static int fm_post_scan_fails(int *fails, double e, void *vctx)
{
  fm_post_scan_ctx *ctx = vctx;
  fm_post_work *w = ctx->w;
  double dsf = 1.0, coef = 1.0;
  w->spec->scan(&dsf, &coef, e);
  /* sigma' unchanged: the re-assembled closed form is the run's (mutant 0) */
  const double *cand = dsf == 1.0 ? w->cand : ctx->cand;
  for (size_t i = 0; cand == ctx->cand && i < w->n; i++) {
    double t = w->ps->t[i], scale, cond, logp;
    fm_sched_val v, vc;
    int st = fm_schedule_eval(&v, w->c->sched, t);
    st = st ? st : fm_sched_eval_candidate(&vc, w->c->sched, t, dsf, 0);
    st = st ? st
            : fm_post_candidate(ctx->cand + i * w->d, &scale, &cond, &logp, w, i, &v, &vc);
    if (st != FM_OK)
      return st;
  }
  fails[FM_POST_R_QUAD] = fm_post_quad_stat(w, cand, coef, NULL) > 1.0;
  for (int r = 0; r < 2; r++) {
    fm_ztest z;
    fails[FM_POST_R_PLAIN + r] =
        fm_post_mc_ztest(&z, w, r, cand, coef, NULL) > 0 && z.zmax > z.zcrit;
  }
  return FM_OK;
}

int fm_post_scan(fm_verdict *v, const fm_post_report *rep, fm_post_work *w)
{
  if (w->spec->scan == NULL || w->mutant != 0)
    return FM_OK;
  fm_post_scan_ctx ctx = {w, malloc(w->n * w->d * sizeof(double))};
  if (ctx.cand == NULL)
    return FM_ENOMEM;
  double found[FM_POST_NR];
  int st = fm_perturb_scan(found, FM_POST_NR, fm_perturb_decades, FM_PERTURB_NDECADES,
                           FM_PERTURB_DOWN, fm_post_scan_fails, &ctx);
  free(ctx.cand);
  if (st != FM_OK)
    return st;
  /* a route that decided nowhere could not fail at any e: not reported */
  const char *names[FM_POST_NR] = {NULL, NULL, NULL};
  static const fm_route_id ids[FM_POST_NR] = {FM_R_POST_QUAD, FM_R_POST_PLAIN, FM_R_POST_IS};
  for (int r = 0; r < FM_POST_NR; r++)
    if (rep->r[r].used && rep->r[r].ndecided > 0)
      names[r] = fm_route_key(ids[r]);
  fm_perturb_note(v, w->spec->scan_input, FM_PERTURB_DECADES_RANGE, FM_POST_NR, names, found);
  return FM_OK;
}
