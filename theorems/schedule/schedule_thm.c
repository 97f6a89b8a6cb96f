/* schedule_thm.c -- theorem `schedule` (cases/README.md, theorems/README.md): admissibility and
 * derivative consistency of a schedule (alpha_t, sigma_t).
 *
 * Admissible: sigma_t > 0 on [0,1), alpha_0 = 0, sigma_0 = 1, alpha_1 = 1,
 * sigma_1 = sigma_min >= 0, differentiable, SNR alpha/sigma strictly
 * increasing; the derivatives the schedule reports are those of its values.
 *
 * eps = DBL_EPSILON (twice the unit roundoff).  Error model of one double
 * evaluation, kappa = fm_sched_cond (1 + max |log| of the four numbers):
 *   |d alpha|, |d sigma| <= e_v = 4 kappa eps (|alpha| + |sigma|),
 *   |d alpha'|, |d sigma'| <= e_d = 4 kappa eps (|alpha'| + |sigma'|).
 * Absolute, not relative to each value: an expression such as libmatheval's
 * cos(pi*t/2) rounds its argument, so near a zero of sigma the error is
 * eps-sized in absolute terms (at t = 1 - 2^-11, cos(pi t/2) ~ 8e-4 carries
 * ~2e-16, a relative 3e-13 no per-value kappa predicts); the built-ins, which
 * carry the cancellation in 1 - t, do better than this bound.
 * A value of size <= 4 eps is "zero to rounding": a boundary break smaller
 * than that is no break.
 *
 * Routes (each derivation is in the file of its route):
 *  - boundary (schedule_boundary.c): |alpha_0|, |sigma_0 - 1| against the
 *    cases/README.md warning thresholds, a noise-end break costed by KL bounds
 *    against the prior (FAIL above 1e-3 nats); |alpha_1 - 1| <= 1e-9, sigma_1
 *    = sigma_min <= 0.1.
 *  - grid t_i = i/N, N = 4096 x multiplier (schedule_grid.c): evaluability
 *    and positivity counts (tol 0.5 each); the worst relative SNR decrease
 *    against the rounding of the ratio, tol = 2 (e_v/|alpha| + e_v/|sigma| +
 *    eps) (and on the MPFR twin, 4 eps_mp, eps_mp = 2^(20 - prec)); double
 *    values and derivatives against the MPFR twin within 4 kappa eps of
 *    their sizes.
 *  - derivatives (schedule_deriv.c): Richardson central differences of
 *    alpha, sigma at the interior nodes against the closed-form and the
 *    claimed derivatives, tol = 2 err + 2 (e_v / h_fin + e_d); a user's
 *    cond_field against (sigma'/sigma)(x - alpha x1) + alpha' x1 and against
 *    d/dt psi_t(x0), with tolerances from e_v, e_d through each term.
 *
 * Mutants (the candidate schedule is the case's, wrapped):
 *   1 "sigma' off by 1%": the reported sigma' (closed form and claim) x 1.01;
 *   2 "SNR non-monotone": alpha x exp(B(t)), B = A exp(-((t - 1/2)/w)^2/2),
 *     w = 0.02, A = 2 w s0 e^(1/2) with s0 = d log SNR/dt at t = 1/2, so the
 *     bump's steepest descent is -2 s0 and the SNR falls at rate ~s0 just
 *     after t = 1/2 (derivatives by the chain rule, MPFR twin wrapped alike,
 *     so only the SNR routes see it);
 *   3 "alpha_1 = 0.99": alpha x (1 - 0.01 t) (twin wrapped alike);
 *   4 "claimed alpha' wrong by 1e-3 relative": the reported alpha' x 1.001
 *     (n/a when alpha' = 0 identically, e.g. VE).
 *
 * For the true statement the note also gives the smallest relative error e
 * of the reported sigma' (closed form and claim: sigma' (1 + e), e = 1e-14
 * .. 1e-2 by decades; perturb.h) that the derivative routes detect -- the
 * MPFR twin (built-ins), closed form vs FD, claim vs FD (expr) -- rerun on
 * the 63 interior nodes i/64 (the full grid has 4096).
 */
#include "theorems.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "perturb.h"
#include "schedule_thm_impl.h"

#define FM_SC_GRID 4096
#define FM_SC_GUARD_BITS 20
#define FM_SC_SCAN_NODES 64

static const char *const fm_sc_mutants[] = {
    "sigma' off by 1%",
    "SNR non-monotone (a bump in alpha)",
    "alpha_1 = 0.99",
    "claimed alpha' wrong by 1e-3 relative",
    NULL,
};

static const fm_route_id fm_sc_route_ids[FM_SC_NR] = {
    FM_R_SC_EVAL, FM_R_SC_POS, FM_R_SC_SNR, FM_R_SC_SNR_MP, FM_R_SC_MP, FM_R_SC_FD, FM_R_SC_CLAIM, FM_R_SC_UF, FM_R_SC_UF_PATH,
};

/* --- the candidate schedule --- */

/* --- the error model of one double evaluation (see the header) --- */

/* --- setup and report --- */

/* Bump amplitude for mutant 2 from s0 = d log SNR/dt at t = 1/2. */
static double fm_sc_bump_amplitude(const fm_schedule *s)
{
  fm_sched_val v;
  if (fm_schedule_eval(&v, s, 0.5) != FM_OK)
    return 0.5;
  double s0 = v.dalpha / v.alpha - v.dsigma / v.sigma;
  if (!(s0 > 0.0) || !isfinite(s0))
    return 0.5;
  return 2.0 * FM_SC_BUMP_W * s0 * exp(0.5);
}

/* alpha' = 0 at every one of 17 nodes: a relative perturbation is none. */
static int fm_sc_dalpha_zero(const fm_schedule *s)
{
  for (int i = 0; i <= 16; i++) {
    fm_sched_val v;
    int st = fm_schedule_eval(&v, s, i / 16.0);
    if ((st == FM_OK || st == FM_ESING) && v.dalpha != 0.0)
      return 0;
  }
  return 1;
}

static int fm_sc_setup(fm_sc_work *w, const fm_case *c, const fm_check_opts *o, int mutant)
{
  *w = (fm_sc_work){.c = c};
  w->k = (fm_sc_cand){c->sched, mutant, 0.0, (mpfr_prec_t)o->prec, 1.0};
  if (mutant == FM_SC_BUMP)
    w->k.bump_a = fm_sc_bump_amplitude(c->sched);
  w->N = FM_SC_GRID * (size_t)(o->multiplier > 1 ? o->multiplier : 1);
  w->eps_mp = ldexp(1.0, FM_SC_GUARD_BITS - (int)o->prec);
  fm_sched_mp m;
  fm_sched_mp_init(&m, w->k.prec);
  mpfr_t h;
  mpfr_init2(h, 64);
  mpfr_set_d(h, 0.5, MPFR_RNDN);
  w->has_twin = fm_schedule_eval_mp(&m, c->sched, h) != FM_ENOTAVAIL;
  mpfr_clear(h);
  fm_sched_mp_clear(&m);
  double da, ds, u;
  w->has_claim = fm_schedule_claimed_deriv(&da, &ds, c->sched, 0.5) != FM_ENOTAVAIL;
  w->has_uf = fm_schedule_user_cond_field(&u, c->sched, 0.5, 0.3, 0.7) != FM_ENOTAVAIL;
  return FM_OK;
}

static void fm_sc_report(fm_verdict *vd, fm_sc_work *w)
{
  fm_worst *e = &w->w[FM_SC_R_EVAL], *p = &w->w[FM_SC_R_POS];
  fm_verdict_route(vd, fm_sc_route_ids[FM_SC_R_EVAL], (double)w->n_eval_bad, 0.5, 0.0,
                   e->where);
  fm_verdict_route(vd, fm_sc_route_ids[FM_SC_R_POS], (double)w->n_nonpos, 0.5, 0.0,
                   p->where);
  for (int r = FM_SC_R_SNR; r < FM_SC_NR; r++)
    if (w->w[r].have)
      fm_verdict_route(vd, fm_sc_route_ids[r], w->w[r].value, w->w[r].tol, 0.0,
                       w->w[r].where);
  fm_verdict_notef(vd, "grid of %zu intervals", w->N);
  if (!w->has_twin)
    fm_verdict_notef(vd, "no MPFR twin (%s schedule): twin routes n/a",
                     fm_schedule_type_name(w->c->sched));
  if (w->k.mutant == FM_SC_BUMP)
    fm_verdict_notef(vd, "bump amplitude %.3g, width %.3g at t = 0.5", w->k.bump_a,
                     FM_SC_BUMP_W);
}

/* The scan's rerun (perturb.h): the derivative routes on the coarse grid
 * with sigma' x (1 + e). */
static const int fm_sc_scan_routes[3] = {FM_SC_R_MP, FM_SC_R_FD, FM_SC_R_CLAIM};

static int fm_sc_fails(int *fails, double e, void *ctx)
{
  fm_sc_work *w = ctx;
  for (int r = 0; r < 3; r++)
    w->w[fm_sc_scan_routes[r]] = (fm_worst){0};
  w->k.dsigma_factor = 1.0 + e;
  int st = fm_sc_grid_derivs(w, FM_SC_SCAN_NODES);
  for (int r = 0; r < 3; r++) {
    const fm_worst *x = &w->w[fm_sc_scan_routes[r]];
    fails[r] = x->have && x->margin > 1.0;
  }
  return st;
}

static int fm_sc_scan(fm_verdict *v, fm_sc_work *w)
{
  const char *names[3] = {w->has_twin ? "MPFR" : NULL, "FD", w->has_claim ? "claim" : NULL};
  double found[3];
  int st = fm_perturb_scan(found, 3, fm_perturb_decades, FM_PERTURB_NDECADES, FM_PERTURB_UP,
                           fm_sc_fails, w);
  if (st == FM_OK)
    fm_perturb_note(v, "sigma'", FM_PERTURB_DECADES_RANGE, 3, names, found);
  return st;
}

static int fm_schedule_check(fm_verdict *v, const fm_case *c, const fm_check_opts *o,
                             int mutant)
{
  if (mutant == FM_SC_DALPHA && fm_sc_dalpha_zero(c->sched)) {
    fm_verdict_na(v, "alpha' = 0 identically: a relative error in it is no error");
    return FM_OK;
  }
  fm_sc_work w;
  int st = fm_sc_setup(&w, c, o, mutant);
  if (st == FM_OK)
    st = fm_sc_boundary(v, &w);
  if (st == FM_OK)
    st = fm_sc_grid(&w);
  if (st == FM_OK && w.has_uf)
    st = fm_sc_uf(&w, fm_check_seed(o, c), fm_check_npoints(o));
  if (st == FM_OK)
    fm_sc_report(v, &w);
  if (st == FM_OK && mutant == FM_SC_TRUE)
    st = fm_sc_scan(v, &w);
  return st;
}

const fm_theorem fm_thm_schedule = {
    "schedule",
    "sigma > 0 on [0,1), alpha_0 = 0, sigma_0 = 1, alpha_1 = 1, sigma_1 = sigma_min, "
    "SNR alpha/sigma strictly increasing, and the reported derivatives are those of "
    "the values",
    fm_schedule_check,
    fm_sc_mutants,
};
