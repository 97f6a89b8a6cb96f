/* pf_ode.c -- theorem `pf-ode` (cases/README.md, theorems/README.md): with f_t = alpha'/alpha and
 * g_t^2 = 2 sigma sigma' - 2 (alpha'/alpha) sigma^2,
 *     u_t(x) = f_t x - (1/2) g_t^2 grad log p_t(x),
 * and in diffusion time s = 1 - t (abar(s) = alpha_{1-s}, sbar(s) =
 * sigma_{1-s}, fbar = d log abar/ds = -f_{1-s}, gbar^2 = d sbar^2/ds -
 * 2 fbar sbar^2 = -g_{1-s}^2) the probability-flow ODE drift
 * fbar x - (1/2) gbar^2 grad log p_{1-s} equals -u_{1-s}: the FM ODE and the
 * diffusion PF-ODE have the same trajectories.
 *
 * Points: fm_pointset.  eps = DBL_EPSILON (twice the unit roundoff).  A
 * route's statistic is max_i err_i / tol_i over points, reported as err/tol
 * at the worst point, relative to U = max(|u|_inf, |alpha'| M_E + |sigma
 * sigma'| M_z) (the sizes of the two terms of the double u; M_E, M_z the
 * term scales of path_err.h).  B_u, B_score: path_err.c's first-order
 * rounding bounds for the double u and score at that point.
 *
 * Route 1 -- u (double, fm_gmm_path: alpha' E + sigma sigma' sum gamma z, no
 * 1/alpha, no 1/sigma) vs f x - g^2/2 score formed in MPFR at o->prec bits
 * from the MPFR score, with the same double schedule values (exact in
 * MPFR).  tol = B_u + eps |u| (+ the MPFR side's 2^(20-prec) (|f x| +
 * |g^2/2 score|), negligible).
 *
 * Route 2 -- f x - g^2/2 score in double vs u in MPFR.  This form cancels:
 * near t = 0, f = alpha'/alpha -> infinity (cond_ot: 1/t = 1e6 at the
 * near-0 points) and f x ~ g^2/2 score ~ |f x| >> |u|.  The tolerance is
 * therefore built from the term magnitudes:
 *   |x| df + c (|score| dg2 + |g^2| B_score) + 2 eps (|f x| + c |g^2 score|)
 *   + eps |u|,  c = 1/2,  df = eps |f|,  dg2 = 4 eps (|2 sigma sigma'| +
 *   |2 f sigma^2|)
 * (f is one division; g^2 three products and a difference on inputs that
 * are exact; the final axpy two roundings per term).
 *
 * Route 3 -- the identity at o->prec bits: u and the score both from the
 * MPFR twin (fm_gmm_marginal_mpfr, with the schedule's MPFR twin -- f and
 * g^2 in MPFR; double values taken as exact for expr/table, said in the
 * note), residual formed in MPFR; tolerance the route-2 bound with eps
 * replaced by eps_mp = 2^(20 - prec) (20 guard bits for the twin's
 * elimination growth and operation order), plus 4 eps_mp times the terms of
 * the twin's literal u = (sigma'/sigma) x + (alpha' - sigma' alpha/sigma) E,
 * which cancel as sigma -> 0 (cosine at t = 1 - 1e-6: terms ~5e5, u ~ 6e-7).
 *
 * Route 4 (vp schedules only) -- Song's VP-SDE fbar(s) = -beta(s)/2,
 * gbar^2(s) = beta(s) against -f_{1-s}, -g^2_{1-s} on s = j/256, in double
 * and with the MPFR twin (pf_ode_diffusion.c derives both tolerances).
 *
 * Route 5 -- the diffusion drift fbar x - gbar^2/2 score at the points, with
 * fbar, gbar^2 computed independently of f, g^2 (Song's beta for vp, else
 * their definitions by Richardson central differences in t), against -u;
 * tolerance from the difference's error estimate and the rounding of each
 * term (pf_ode_diffusion.c).
 *
 * Route 6 -- the FM ODE and the diffusion PF-ODE integrated by RK4 from the
 * same states at t = 1e-3 to 1 - 1e-3, each on its own grid with Richardson
 * error estimates: the endpoints must agree within twice the estimates plus
 * accumulated round-off (pf_ode_traj.c).
 *
 * Mutants (candidate coefficients replaced, references unchanged):
 *   1 "g^2 sign flipped": -g^2 (and -gbar^2);
 *   2 "score term missing its 1/2": c = 1;
 *   3 "time run backwards": f, g^2 evaluated at 1 - t (fbar, gbar^2 at 1 - s).
 *
 * For the true statement the note also gives the smallest relative
 * perturbation of the candidate's g^2 (and gbar^2: g^2 (1 + e), e = 1e-14
 * .. 1e-2 by decades; perturb.h) that routes 1, 2, 3 and 5 detect on the
 * first 10 points.  Routes 4 (a grid of 256 s, vp only) and 6 (RK4
 * trajectories, the check's most expensive part) are not rerun: route 3
 * already resolves any e that changes a double, and the trajectories'
 * tolerance is Richardson's estimate (~1e-9 and above), so they cannot
 * tighten the report.
 */
#include "theorems.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "pf_ode_impl.h"
#include "pointwise_check.h"

#define FM_PF_SCAN_POINTS 10

static const char *const fm_pf_mutants[] = {
    "g^2 sign flipped",
    "score term missing its 1/2",
    "time run backwards",
    NULL,
};

/* The scan reruns the point routes 1, 2, 3 and 5 (header: not 4 and 6). */
static const fm_ptcheck_route fm_pf_routes[FM_PF_NR] = {
    {FM_R_PF_U, "u"},         {FM_R_PF_RHS, "double"}, {FM_R_PF_MP, "MPFR"},
    {FM_R_PF_VP, NULL},       {FM_R_PF_VP_MP, NULL},   {FM_R_PF_DRIFT, "drift"},
    {FM_R_PF_TRAJ, NULL},
};

static void fm_pf_work_free(void *work)
{
  fm_pf_work *w = work;
  free(w->score);
  fm_mp_vec_free(w->score_m, w->pw.d);
  fm_mp_vec_free(w->u_m, w->pw.d);
  mpfr_clears(w->f, w->g2, w->r, w->tmp, (mpfr_ptr)0);
  fm_sched_mp_clear(&w->ve);
  fm_pointwise_free(&w->pw);
}

static int fm_pf_work_init(void *work, fm_ptcheck *run)
{
  fm_pf_work *w = work;
  const fm_case *c = run->c;
  int mutant = run->mutant;
  size_t d = c->gmm->d;
  *w = (fm_pf_work){.mutant = mutant, .w = run->w};
  int st = fm_pointwise_alloc(&w->pw, c, run->o);
  w->cs = mutant == FM_PF_NO_HALF ? 1.0 : 0.5;
  w->g2_factor = 1.0;
  w->traj_rho = INFINITY;
  w->vp = strcmp(fm_schedule_type_name(c->sched), "vp") == 0 &&
          fm_schedule_param(&w->bmin, c->sched, "beta_min") == FM_OK &&
          fm_schedule_param(&w->bmax, c->sched, "beta_max") == FM_OK;
  mpfr_inits2(w->pw.prec, w->f, w->g2, w->r, w->tmp, (mpfr_ptr)0);
  fm_sched_mp_init(&w->ve, w->pw.prec);
  st = st ? st : fm_mp_vec_alloc(&w->score_m, d, w->pw.prec);
  st = st ? st : fm_mp_vec_alloc(&w->u_m, d, w->pw.prec);
  if (st == FM_OK) {
    w->score = malloc(4 * d * sizeof *w->score);
    if (w->score == NULL)
      st = FM_ENOMEM;
    else {
      w->u = w->score + d;
      w->rhs = w->score + 2 * d;
      w->tmpd = w->score + 3 * d;
    }
  }
  if (st != FM_OK)
    fm_pf_work_free(w);
  return st;
}

/* max_i |(f x - c g2 score)_i - ref_i| in MPFR (f, g2 in w). */
static double fm_pf_resid_mp(fm_pf_work *w, mpfr_t *ref)
{
  double m = 0.0;
  for (size_t i = 0; i < w->pw.d; i++) {
    mpfr_mul(w->r, w->f, w->pw.xm[i], MPFR_RNDN);
    mpfr_mul(w->tmp, w->g2, w->score_m[i], MPFR_RNDN);
    mpfr_mul_d(w->tmp, w->tmp, w->cs, MPFR_RNDN);
    mpfr_sub(w->r, w->r, w->tmp, MPFR_RNDN);
    mpfr_sub(w->r, w->r, ref[i], MPFR_RNDN);
    m = fmax(m, fabs(mpfr_get_d(w->r, MPFR_RNDU)));
  }
  return m;
}

/* --- routes 1-3 at one point --- */

static int fm_pf_route_mp(fm_pf_work *w, double t, double xn, double sn, double U,
                          const fm_path_errb *bm, size_t i)
{
  int st = fm_pointwise_twin(&w->pw.vm, &w->pw, t);
  st = st ? st : fm_pointwise_twin(&w->ve, &w->pw, fm_pf_cand_time(w, t));
  if (st != FM_OK)
    return st;
  if (mpfr_zero_p(w->ve.alpha))
    return FM_OK;
  st = fm_gmm_marginal_mpfr(NULL, w->score_m, NULL, w->u_m, w->pw.c->gmm, &w->pw.vm, w->pw.xm,
                            w->pw.prec);
  if (st != FM_OK)
    return st;
  fm_pf_coef_mp(w, &w->ve);
  double res = fm_pf_resid_mp(w, w->u_m);
  double f = fabs(mpfr_get_d(w->f, MPFR_RNDN)), g2 = fabs(mpfr_get_d(w->g2, MPFR_RNDN));
  /* the twin's u is the literal (s'/s) x + (a' - s' a/s) E: its terms */
  double a = mpfr_get_d(w->pw.vm.alpha, MPFR_RNDN), sg = mpfr_get_d(w->pw.vm.sigma, MPFR_RNDN);
  double da = mpfr_get_d(w->pw.vm.dalpha, MPFR_RNDN), ds = mpfr_get_d(w->pw.vm.dsigma, MPFR_RNDN);
  double lit = sg != 0.0 ? fabs(ds / sg) * xn + fabs(da - ds * a / sg) * bm->mean_scale : 0.0;
  double tol = 4.0 * w->pw.eps_mp * (f * xn + w->cs * g2 * sn + U + lit) +
               w->cs * g2 * bm->score + bm->u;
  fm_worst_add(&w->w[FM_PF_R_MP], res / U, tol / U, i);
  return FM_OK;
}

static int fm_pf_point(void *work, fm_ptcheck *run, size_t i)
{
  fm_pf_work *w = work;
  const fm_pointset *ps = run->ps;
  size_t d = w->pw.d;
  double t = ps->t[i];
  const double *x = ps->x + i * d;
  fm_sched_val v, ve;
  int st = fm_schedule_eval(&v, w->pw.c->sched, t);
  st = st ? st : fm_gmm_path_set(w->pw.path, &v);
  st = st ? st : fm_gmm_path_eval(NULL, w->score, NULL, w->u, w->pw.path, x);
  if (st != FM_OK)
    return st;
  fm_path_errb b, bm;
  fm_path_err_bound(&b, w->pw.pe, w->pw.path, &v, x, FM_PF_EPS);
  fm_path_err_bound(&bm, w->pw.pe, w->pw.path, &v, x, w->pw.eps_mp);
  double xn = fm_linalg_maxabs(x, d), sn = fm_linalg_maxabs(w->score, d);
  double un = fm_linalg_maxabs(w->u, d);
  double U = fmax(fmax(un, fabs(v.dalpha) * b.mean_scale +
                               fabs(v.sigma * v.dsigma) * b.score_scale), DBL_MIN);
  fm_mp_vec_set_d(w->pw.xm, x, d);
  double f, g2;
  st = fm_pf_coef(&f, &g2, &ve, w, t);
  if (st != FM_OK)
    return st;
  if (ve.alpha == 0.0) {
    w->skip_alpha0++;
  } else {
    /* routes 1 and 2, same double schedule values on both sides */
    fm_sched_mp_set_d(&w->pw.vm, &v);
    fm_sched_mp_set_d(&w->ve, &ve);
    st = fm_gmm_marginal_mpfr(NULL, w->score_m, NULL, w->u_m, w->pw.c->gmm, &w->pw.vm, w->pw.xm,
                              w->pw.prec);
    if (st != FM_OK)
      return st;
    fm_mp_vec_get_d(w->tmpd, w->u_m, d);             /* MPFR u, for route 2 */
    fm_pf_coef_mp(w, &w->ve);
    fm_mp_vec_set_d(w->u_m, w->u, d);                /* route 1: against the double u */
    double e1 = fm_pf_resid_mp(w, w->u_m);
    double af = fabs(f), ag = fabs(g2);
    double tol1 = b.u + FM_PF_EPS * un + 4.0 * w->pw.eps_mp * (af * xn + w->cs * ag * sn);
    fm_worst_add(&w->w[FM_PF_R_U], e1 / U, tol1 / U, i);
    for (size_t j = 0; j < d; j++)
      w->rhs[j] = f * x[j] - w->cs * g2 * w->score[j];
    double dg2 = 4.0 * FM_PF_EPS * (fabs(2.0 * ve.sigma * ve.dsigma) +
                                    fabs(2.0 * f * ve.sigma * ve.sigma));
    double tol2 = xn * FM_PF_EPS * af + w->cs * (sn * dg2 + ag * b.score) +
                  2.0 * FM_PF_EPS * (af * xn + w->cs * ag * sn) + FM_PF_EPS * un;
    fm_worst_add(&w->w[FM_PF_R_RHS], fm_maxdiff(w->rhs, w->tmpd, d, U, NULL), tol2 / U, i);
  }
  st = fm_pf_route_mp(w, t, xn, sn, U, &bm, i);
  if (st != FM_OK)
    return st;
  return fm_pf_route_drift(w, t, x, xn, sn, U, &b, i);
}

/* Routes 4 (vp only) and 6, outside the points loop. */
static int fm_pf_finish(fm_verdict *v, void *work, fm_ptcheck *run)
{
  fm_pf_work *w = work;
  (void)v;
  int st = FM_OK;
  if (w->vp)
    st = fm_pf_route_vp(w);
  if (st == FM_OK)
    st = fm_pf_route_traj(w, run->ps);
  return st;
}

static void fm_pf_report(fm_verdict *v, void *work, fm_ptcheck *run)
{
  const fm_pf_work *w = work;
  (void)run;
  fm_verdict_notef(v, "RK4 Richardson error estimates: FM %.2g, PF %.2g (N = %zu, M = %zu "
                   "steps x 1, 2, 4; smallest observed error ratio %.3g, 16 expected)",
                   w->traj_eFM, w->traj_ePF, w->traj_N, w->traj_M, w->traj_rho);
  if (w->traj_table)
    fm_verdict_notef(v, "table schedule (a cubic spline, C^2 in t): the Richardson "
                     "estimates assume a ratio >= 2 only, error <= |x_2N - x_4N|");
  if (w->traj_rough != 0.0)
    fm_verdict_notef(v, "schedule ~ t^%.3g at t = 0 (not C^4 there): the Richardson "
                     "estimates assume a ratio >= 2 only, error <= |x_2N - x_4N|",
                     w->traj_rough);
  if (!w->vp)
    fm_verdict_notef(v, "not a vp schedule: Song's VP-SDE route n/a; fbar, gbar^2 by "
                     "finite differences");
  if (w->skip_alpha0 > 0)
    fm_verdict_notef(v, "%zu point(s) with alpha = 0 in double skipped by routes 1-2",
                     w->skip_alpha0);
  fm_pointwise_note(v, &w->pw);
}

/* The scan's input: the candidate's g^2 (and gbar^2) x (1 + e). */
static void fm_pf_perturb(void *work, double e)
{
  fm_pf_work *w = work;
  w->g2_factor = 1.0 + e;
}

static const fm_ptcheck_spec fm_pf_spec = {
    .name = "pf-ode",
    .nroutes = FM_PF_NR,
    .routes = fm_pf_routes,
    .init = fm_pf_work_init,
    .clear = fm_pf_work_free,
    .point = fm_pf_point,
    .finish = fm_pf_finish,
    .report = fm_pf_report,
    .scan_input = "g^2",
    .scan_points = FM_PF_SCAN_POINTS,
    .perturb = fm_pf_perturb,
};

static int fm_pf_ode_check(fm_verdict *v, const fm_case *c, const fm_check_opts *o,
                           int mutant)
{
  fm_pf_work w;
  return fm_ptcheck_run(v, &fm_pf_spec, &w, c, o, mutant);
}

const fm_theorem fm_thm_pf_ode = {
    "pf-ode",
    "u_t = f_t x - (1/2) g_t^2 grad log p_t with f = alpha'/alpha, g^2 = 2 sigma sigma' - "
    "2 (alpha'/alpha) sigma^2; the FM ODE and the diffusion PF-ODE (s = 1 - t) have the "
    "same trajectories",
    fm_pf_ode_check,
    fm_pf_mutants,
};
