/* pf_ode.c -- theorem `pf-ode` (DESIGN §1, §2): with f_t = alpha'/alpha and
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
 * Route 4 (vp schedules only) -- Song's VP-SDE: fbar(s) = -beta(s)/2,
 * gbar^2(s) = beta(s), beta(s) = beta_min + s (beta_max - beta_min) with
 * beta_min/max read by fm_schedule_param, against -f_{1-s}, -g^2_{1-s} from
 * the schedule's alpha, sigma by the DESIGN formulas, on s = j/256, j =
 * 1..256 (s = 0 is t = 1, where sigma' is infinite).  Double: each schedule
 * value is accurate to 4 kappa eps (kappa = fm_sched_cond); f inherits two
 * and its division, g^2 three per term and its four operations:
 *   tol_f = (8 kappa + 1) eps |f| + eps beta,
 *   tol_g = (12 kappa + 4) eps (|2 sigma sigma'| + |2 f sigma^2|) + eps beta.
 * MPFR (the twin): the same with kappa-free eps_mp, 4 (terms + beta).
 * Statistic relative to beta.
 *
 * Route 5 -- the diffusion drift at the points, with fbar, gbar^2 computed
 * independently of f, g^2: Song's beta for vp, otherwise the definitions
 * fbar = d log abar/ds = -d/dt log alpha, gbar^2 = d sbar^2/ds - 2 fbar
 * sbar^2 = -d/dt sigma^2 - 2 fbar sigma^2 by Richardson central differences
 * in t (fm_fdiff_central, 5 levels, h0 = min(2^-7, t/4, (1-t)/4), 2^-17
 * in place of 2^-7 for table schedules: a spline is only C^2 at its knots,
 * and a difference straddling one has an error ~|jump f'''| h^2/12 outside
 * the expansion Richardson removes;
 * sigma^2 is smooth even where sigma has a square-root end).  Compared:
 * fbar x - gbar^2/2 score (double) with -u (double).  Tolerance:
 *   |x| dfbar + c (|score| dgbar2 + |gbar^2| B_score) + B_u
 *   + 2 eps (|fbar x| + c |gbar^2 score|) + eps |u|,
 * dfbar = err_0 + 8 kappa eps / h_fin (fm_fdiff's estimate plus the
 * round-off of log alpha, absolute 4 kappa eps -- alpha is accurate
 * relative to itself near its zero at t = 0 for every schedule form we
 * know -- through the finest step, Richardson combination <= 2x),
 * dgbar2 = err_1 + 4 |sigma| e_v / h_fin + 2 sigma^2 dfbar + eps |gbar^2|
 * with e_v = 4 kappa eps (|alpha| + |sigma|) the *absolute* error of sigma
 * (an expression like cos(pi t/2) is only absolutely accurate near its
 * zero at t = 1; see schedule_thm.c); vp: dfbar = eps beta, dgbar2 =
 * 2 eps beta.
 *
 * Route 6 -- integrated trajectories.  From x(t_a) = alpha x1 + sigma x0
 * (the first min(n, 4) points' x0, x1), t_a = 1e-3: the FM ODE dx/dt =
 * u_t(x) to t_b = 1 - 1e-3 with RK4 in N, 2N and 4N steps (N = 64), and
 * the diffusion PF-ODE dx/ds = fbar x - gbar^2/2 score_{1-s}(x) backward
 * from s = 1 - t_a to 1 - t_b in M, 2M, 4M steps (M = 96: a different grid,
 * so the two truncation errors are independent), with fbar, gbar^2 from
 * Song (vp) or -f_{1-s}, -g^2_{1-s}.  Richardson with the observed ratio
 * rho = |x_N - x_2N| / |x_2N - x_4N| (16 in RK4's asymptotic range): the
 * error of the 4N solution is |x_2N - x_4N| / (max(rho, 2) - 1) -- halving
 * the step once more than the textbook estimate, because schedules with a
 * singular derivative at t = 0 (polynomial n < 1: alpha' ~ t^(n-1)) keep
 * RK4 out of its asymptotic range at t_a, where a ratio assumed to be 16
 * would understate the error.  (The trajectories are integrated as one
 * stacked system, so each stage factorises C_k(t) once for all.)
 * Endpoints must agree to
 *   tol = 2 (e_FM + e_PF) + 64 eps (N + M) max(1, |x|_inf)
 * (factor 2 for the remaining pre-asymptotic slack; the last term bounds
 * round-off accumulated over the 4(N + M) finest steps, a few eps |x| each).
 *
 * Mutants (candidate coefficients replaced, references unchanged):
 *   1 "g^2 sign flipped": -g^2 (and -gbar^2);
 *   2 "score term missing its 1/2": c = 1;
 *   3 "time run backwards": f, g^2 evaluated at 1 - t (fbar, gbar^2 at 1 - s).
 */
#include "theorems.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdiff.h"
#include "mp.h"
#include "ode.h"
#include "path_err.h"
#include "points.h"

#define FM_PF_EPS DBL_EPSILON
#define FM_PF_GUARD_BITS 20
#define FM_PF_FD_LEVELS 5
#define FM_PF_FD_HMAX 0x1p-7
#define FM_PF_FD_HMAX_C2 0x1p-17
#define FM_PF_VP_GRID 256
#define FM_PF_TA 1e-3
#define FM_PF_N 64
#define FM_PF_M 96
#define FM_PF_NTRAJ 4

enum { FM_PF_TRUE, FM_PF_G2_SIGN, FM_PF_NO_HALF, FM_PF_BACKWARDS };
enum {
  FM_PF_R_U, FM_PF_R_RHS, FM_PF_R_MP, FM_PF_R_VP, FM_PF_R_VP_MP, FM_PF_R_DRIFT, FM_PF_R_TRAJ,
  FM_PF_NR
};

static const char *const fm_pf_mutants[] = {
    "g^2 sign flipped",
    "score term missing its 1/2",
    "time run backwards",
    NULL,
};

static const char *const fm_pf_route_names[FM_PF_NR] = {
    "u (double) vs f x - g^2/2 score (MPFR)",
    "f x - g^2/2 score (double) vs u (MPFR)",
    "identity at prec bits (MPFR twin)",
    "VP-SDE fbar, gbar^2 vs Song (double)",
    "VP-SDE fbar, gbar^2 vs Song (MPFR twin)",
    "diffusion drift vs -u_{1-s}",
    "FM ODE vs diffusion PF-ODE endpoints",
};

typedef struct {
  double margin, value, tol;
  size_t at;
  int have;
  char where[128]; /* for routes not located at a point */
} fm_pf_worst;

static void fm_pf_worst_add(fm_pf_worst *w, double value, double tol, size_t at)
{
  double m = isnan(value) ? INFINITY : value / tol;
  if (!w->have || m > w->margin) {
    w->margin = m;
    w->value = value;
    w->tol = tol;
    w->at = at;
    w->have = 1;
    w->where[0] = '\0';
  }
}

typedef struct {
  const fm_case *c;
  int mutant;
  double cs;           /* coefficient of the score term: 1/2, or 1 */
  int vp;
  double bmin, bmax;
  mpfr_prec_t prec;
  double eps_mp;
  size_t d;
  fm_gmm_path *path;
  fm_path_err *pe;
  double *score, *u, *rhs, *tmpd;   /* d each */
  mpfr_t *xm, *score_m, *u_m;       /* d each */
  mpfr_t f, g2, r, tmp;
  fm_sched_mp vm, ve;
  fm_pf_worst w[FM_PF_NR];
  size_t skip_alpha0;
  int exact_schedule;
  double traj_eFM, traj_ePF, traj_rho;
  size_t ntraj;                     /* trajectories stacked in route 6 */
} fm_pf_work;

static double fm_pf_maxabs(const double *a, size_t d)
{
  double m = 0.0;
  for (size_t i = 0; i < d; i++)
    m = fmax(m, fabs(a[i]));
  return m;
}

static void fm_pf_work_free(fm_pf_work *w)
{
  fm_gmm_path_free(w->path);
  fm_path_err_free(w->pe);
  free(w->score);
  fm_mp_vec_free(w->xm, w->d);
  fm_mp_vec_free(w->score_m, w->d);
  fm_mp_vec_free(w->u_m, w->d);
  mpfr_clears(w->f, w->g2, w->r, w->tmp, (mpfr_ptr)0);
  fm_sched_mp_clear(&w->vm);
  fm_sched_mp_clear(&w->ve);
}

static int fm_pf_work_alloc(fm_pf_work *w, const fm_case *c, const fm_check_opts *o,
                            int mutant)
{
  size_t d = c->gmm->d;
  *w = (fm_pf_work){.c = c, .mutant = mutant, .prec = (mpfr_prec_t)o->prec, .d = d};
  w->cs = mutant == FM_PF_NO_HALF ? 1.0 : 0.5;
  w->eps_mp = ldexp(1.0, FM_PF_GUARD_BITS - (int)o->prec);
  w->exact_schedule = 1;
  w->traj_rho = INFINITY;
  w->vp = strcmp(fm_schedule_type_name(c->sched), "vp") == 0 &&
          fm_schedule_param(&w->bmin, c->sched, "beta_min") == FM_OK &&
          fm_schedule_param(&w->bmax, c->sched, "beta_max") == FM_OK;
  mpfr_inits2(w->prec, w->f, w->g2, w->r, w->tmp, (mpfr_ptr)0);
  fm_sched_mp_init(&w->vm, w->prec);
  fm_sched_mp_init(&w->ve, w->prec);
  int st = fm_gmm_path_alloc(&w->path, c->gmm);
  st = st ? st : fm_path_err_alloc(&w->pe, c->gmm);
  st = st ? st : fm_mp_vec_alloc(&w->xm, d, w->prec);
  st = st ? st : fm_mp_vec_alloc(&w->score_m, d, w->prec);
  st = st ? st : fm_mp_vec_alloc(&w->u_m, d, w->prec);
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

/* --- candidate coefficients --- */

/* FM time: f, g^2 of the candidate at t (values at 1 - t when run
 * backwards; g^2 negated for the sign mutant). */
static int fm_pf_coef(double *f, double *g2, fm_sched_val *ve, const fm_pf_work *w, double t)
{
  int st = fm_schedule_eval(ve, w->c->sched, w->mutant == FM_PF_BACKWARDS ? 1.0 - t : t);
  if (st != FM_OK)
    return st;
  *f = fm_sched_drift_f(ve);
  *g2 = fm_sched_diffusion_g2(ve);
  if (w->mutant == FM_PF_G2_SIGN)
    *g2 = -*g2;
  return FM_OK;
}

/* The same in MPFR from MPFR schedule values ve: w->f, w->g2. */
static void fm_pf_coef_mp(fm_pf_work *w, const fm_sched_mp *ve)
{
  mpfr_div(w->f, ve->dalpha, ve->alpha, MPFR_RNDN);
  mpfr_mul(w->g2, ve->sigma, ve->dsigma, MPFR_RNDN);
  mpfr_sqr(w->tmp, ve->sigma, MPFR_RNDN);
  mpfr_mul(w->tmp, w->tmp, w->f, MPFR_RNDN);
  mpfr_sub(w->g2, w->g2, w->tmp, MPFR_RNDN);
  mpfr_mul_2ui(w->g2, w->g2, 1, MPFR_RNDN);
  if (w->mutant == FM_PF_G2_SIGN)
    mpfr_neg(w->g2, w->g2, MPFR_RNDN);
}

static void fm_pf_set_mp(fm_sched_mp *m, const fm_sched_val *v)
{
  mpfr_set_d(m->alpha, v->alpha, MPFR_RNDN);
  mpfr_set_d(m->sigma, v->sigma, MPFR_RNDN);
  mpfr_set_d(m->dalpha, v->dalpha, MPFR_RNDN);
  mpfr_set_d(m->dsigma, v->dsigma, MPFR_RNDN);
}

/* max_i |(f x - c g2 score)_i - ref_i| in MPFR (f, g2 in w). */
static double fm_pf_resid_mp(fm_pf_work *w, mpfr_t *ref)
{
  double m = 0.0;
  for (size_t i = 0; i < w->d; i++) {
    mpfr_mul(w->r, w->f, w->xm[i], MPFR_RNDN);
    mpfr_mul(w->tmp, w->g2, w->score_m[i], MPFR_RNDN);
    mpfr_mul_d(w->tmp, w->tmp, w->cs, MPFR_RNDN);
    mpfr_sub(w->r, w->r, w->tmp, MPFR_RNDN);
    mpfr_sub(w->r, w->r, ref[i], MPFR_RNDN);
    m = fmax(m, fabs(mpfr_get_d(w->r, MPFR_RNDU)));
  }
  return m;
}

/* Reference diffusion-time coefficients at s, computed without f, g^2:
 * Song's beta (vp) or the definitions by finite differences. */
typedef struct {
  double fbar, gbar2, dfbar, dgbar2;
} fm_pf_dcoef;

static int fm_pf_fd_fn(double *y, double t, void *ctx)
{
  const fm_schedule *s = ctx;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, s, t);
  if (st != FM_OK && st != FM_ESING)
    return st;
  if (!(v.alpha > 0.0))
    return FM_ENONFIN; /* log alpha undefined: no finite-difference route here */
  y[0] = log(v.alpha);
  y[1] = v.sigma * v.sigma;
  return FM_OK;
}

/* Largest first step: a table schedule is a cubic spline, only C^2 at its
 * knots, where a difference straddling a knot has an error outside the
 * h^2, h^4 expansion Richardson removes; a short step keeps that error
 * (|jump f'''| h^2 / 12 at most) below the round-off floor. */
static double fm_pf_fd_hmax(const fm_schedule *s)
{
  return strcmp(fm_schedule_type_name(s), "table") == 0 ? FM_PF_FD_HMAX_C2 : FM_PF_FD_HMAX;
}

static int fm_pf_dcoef_ref(fm_pf_dcoef *r, const fm_pf_work *w, double s)
{
  if (w->vp) {
    double beta = w->bmin + s * (w->bmax - w->bmin);
    *r = (fm_pf_dcoef){-0.5 * beta, beta, FM_PF_EPS * beta, 2.0 * FM_PF_EPS * beta};
    return FM_OK;
  }
  double t = 1.0 - s, h0 = fmin(fm_pf_fd_hmax(w->c->sched), 0.25 * fmin(t, s));
  if (!(h0 > 0.0))
    return FM_EDOM;
  double D[2], err[2];
  fm_fdiff_info info;
  int st = fm_fdiff_central(D, err, &info, fm_pf_fd_fn, (void *)w->c->sched, 2, t, h0,
                            FM_PF_FD_LEVELS);
  if (st != FM_OK)
    return st;
  fm_sched_val v;
  st = fm_schedule_eval(&v, w->c->sched, t);
  if (st != FM_OK)
    return st;
  double kappa = fm_sched_cond(&v), s2 = v.sigma * v.sigma;
  r->fbar = -D[0];
  r->gbar2 = -D[1] - 2.0 * r->fbar * s2;
  double ev = 4.0 * kappa * FM_PF_EPS * (fabs(v.alpha) + fabs(v.sigma));
  r->dfbar = err[0] + 8.0 * kappa * FM_PF_EPS / info.h_used;
  r->dgbar2 = err[1] + 4.0 * fabs(v.sigma) * ev / info.h_used + 2.0 * s2 * r->dfbar +
              FM_PF_EPS * fabs(r->gbar2);
  return FM_OK;
}

/* The candidate's diffusion coefficients at s. */
static int fm_pf_dcoef_cand(fm_pf_dcoef *r, const fm_pf_work *w, double s)
{
  int st = fm_pf_dcoef_ref(r, w, w->mutant == FM_PF_BACKWARDS ? 1.0 - s : s);
  if (st == FM_OK && w->mutant == FM_PF_G2_SIGN)
    r->gbar2 = -r->gbar2;
  return st;
}

/* --- routes 1-3 and 5 at one point --- */

static int fm_pf_route_mp(fm_pf_work *w, double t, double xn, double sn, double U,
                          const fm_path_errb *bm, size_t i)
{
  int exact = 1, ex2 = 1;
  int st = fm_schedule_eval_mp_or_double(&w->vm, &exact, w->c->sched, t);
  if (st == FM_OK)
    st = fm_schedule_eval_mp_or_double(&w->ve, &ex2, w->c->sched,
                                       w->mutant == FM_PF_BACKWARDS ? 1.0 - t : t);
  if (st != FM_OK)
    return st;
  w->exact_schedule &= exact & ex2;
  if (mpfr_zero_p(w->ve.alpha))
    return FM_OK;
  st = fm_gmm_marginal_mpfr(NULL, w->score_m, NULL, w->u_m, w->c->gmm, &w->vm, w->xm,
                            w->prec);
  if (st != FM_OK)
    return st;
  fm_pf_coef_mp(w, &w->ve);
  double res = fm_pf_resid_mp(w, w->u_m);
  double f = fabs(mpfr_get_d(w->f, MPFR_RNDN)), g2 = fabs(mpfr_get_d(w->g2, MPFR_RNDN));
  /* the twin's u is the literal (s'/s) x + (a' - s' a/s) E: its terms */
  double a = mpfr_get_d(w->vm.alpha, MPFR_RNDN), sg = mpfr_get_d(w->vm.sigma, MPFR_RNDN);
  double da = mpfr_get_d(w->vm.dalpha, MPFR_RNDN), ds = mpfr_get_d(w->vm.dsigma, MPFR_RNDN);
  double lit = sg != 0.0 ? fabs(ds / sg) * xn + fabs(da - ds * a / sg) * bm->mean_scale : 0.0;
  double tol = 4.0 * w->eps_mp * (f * xn + w->cs * g2 * sn + U + lit) +
               w->cs * g2 * bm->score + bm->u;
  fm_pf_worst_add(&w->w[FM_PF_R_MP], res / U, tol / U, i);
  return FM_OK;
}

/* Route 5: fbar x - c gbar^2 score vs -u, both double. */
static int fm_pf_route_drift(fm_pf_work *w, double t, const double *x, double xn, double sn,
                             double U, const fm_path_errb *b, size_t i)
{
  fm_pf_dcoef r;
  int st = fm_pf_dcoef_cand(&r, w, 1.0 - t);
  if (st != FM_OK)
    return st;
  for (size_t j = 0; j < w->d; j++)
    w->tmpd[j] = r.fbar * x[j] - w->cs * r.gbar2 * w->score[j] + w->u[j];
  double err = fm_pf_maxabs(w->tmpd, w->d);
  double g = fabs(r.gbar2), un = fm_pf_maxabs(w->u, w->d);
  double tol = xn * r.dfbar + w->cs * (sn * r.dgbar2 + g * b->score) + b->u +
               2.0 * FM_PF_EPS * (fabs(r.fbar) * xn + w->cs * g * sn) + FM_PF_EPS * un;
  fm_pf_worst_add(&w->w[FM_PF_R_DRIFT], err / U, tol / U, i);
  return FM_OK;
}

static int fm_pf_point(fm_pf_work *w, const fm_pointset *ps, size_t i)
{
  size_t d = w->d;
  double t = ps->t[i];
  const double *x = ps->x + i * d;
  fm_sched_val v, ve;
  int st = fm_schedule_eval(&v, w->c->sched, t);
  st = st ? st : fm_gmm_path_set(w->path, &v);
  st = st ? st : fm_gmm_path_eval(NULL, w->score, NULL, w->u, w->path, x);
  if (st != FM_OK)
    return st;
  fm_path_errb b, bm;
  fm_path_err_bound(&b, w->pe, w->path, &v, x, FM_PF_EPS);
  fm_path_err_bound(&bm, w->pe, w->path, &v, x, w->eps_mp);
  double xn = fm_pf_maxabs(x, d), sn = fm_pf_maxabs(w->score, d);
  double un = fm_pf_maxabs(w->u, d);
  double U = fmax(fmax(un, fabs(v.dalpha) * b.mean_scale +
                               fabs(v.sigma * v.dsigma) * b.score_scale), DBL_MIN);
  fm_mp_vec_set_d(w->xm, x, d);
  double f, g2;
  st = fm_pf_coef(&f, &g2, &ve, w, t);
  if (st != FM_OK)
    return st;
  if (ve.alpha == 0.0) {
    w->skip_alpha0++;
  } else {
    /* routes 1 and 2, same double schedule values on both sides */
    fm_pf_set_mp(&w->vm, &v);
    fm_pf_set_mp(&w->ve, &ve);
    st = fm_gmm_marginal_mpfr(NULL, w->score_m, NULL, w->u_m, w->c->gmm, &w->vm, w->xm,
                              w->prec);
    if (st != FM_OK)
      return st;
    fm_mp_vec_get_d(w->tmpd, w->u_m, d);             /* MPFR u, for route 2 */
    fm_pf_coef_mp(w, &w->ve);
    fm_mp_vec_set_d(w->u_m, w->u, d);                /* route 1: against the double u */
    double e1 = fm_pf_resid_mp(w, w->u_m);
    double af = fabs(f), ag = fabs(g2);
    double tol1 = b.u + FM_PF_EPS * un + 4.0 * w->eps_mp * (af * xn + w->cs * ag * sn);
    fm_pf_worst_add(&w->w[FM_PF_R_U], e1 / U, tol1 / U, i);
    for (size_t j = 0; j < d; j++)
      w->rhs[j] = f * x[j] - w->cs * g2 * w->score[j];
    double dg2 = 4.0 * FM_PF_EPS * (fabs(2.0 * ve.sigma * ve.dsigma) +
                                    fabs(2.0 * f * ve.sigma * ve.sigma));
    double tol2 = xn * FM_PF_EPS * af + w->cs * (sn * dg2 + ag * b.score) +
                  2.0 * FM_PF_EPS * (af * xn + w->cs * ag * sn) + FM_PF_EPS * un;
    fm_pf_worst_add(&w->w[FM_PF_R_RHS], fm_maxdiff(w->rhs, w->tmpd, d, U, NULL), tol2 / U,
                    i);
  }
  st = fm_pf_route_mp(w, t, xn, sn, U, &bm, i);
  if (st != FM_OK)
    return st;
  return fm_pf_route_drift(w, t, x, xn, sn, U, &b, i);
}

/* --- route 4: Song's VP-SDE coefficients on a grid (vp only) --- */

/* MPFR twin of the comparison at s: *rel = max(|fbar - (-beta/2)|,
 * |gbar^2 - beta|) / beta and *tol; FM_ENOTAVAIL without a twin. */
static int fm_pf_vp_mp(double *rel, double *tol, fm_pf_work *w, double s, double beta)
{
  int exact = 0;
  double te = w->mutant == FM_PF_BACKWARDS ? s : 1.0 - s;
  int st = fm_schedule_eval_mp_or_double(&w->ve, &exact, w->c->sched, te);
  if (st != FM_OK)
    return st;
  if (!exact)
    return FM_ENOTAVAIL;
  fm_pf_coef_mp(w, &w->ve);
  mpfr_set_d(w->r, w->bmax, MPFR_RNDN);
  mpfr_sub_d(w->r, w->r, w->bmin, MPFR_RNDN);
  mpfr_mul_d(w->r, w->r, s, MPFR_RNDN);
  mpfr_add_d(w->r, w->r, w->bmin, MPFR_RNDN);      /* beta(s) */
  mpfr_mul_2si(w->tmp, w->r, -1, MPFR_RNDN);
  mpfr_sub(w->tmp, w->tmp, w->f, MPFR_RNDN);       /* fbar - (-beta/2) = beta/2 - f */
  double ef = fabs(mpfr_get_d(w->tmp, MPFR_RNDU));
  mpfr_add(w->tmp, w->r, w->g2, MPFR_RNDN);        /* beta - gbar^2 = beta + g^2 */
  double eg = fabs(mpfr_get_d(w->tmp, MPFR_RNDU));
  double g2 = fabs(mpfr_get_d(w->g2, MPFR_RNDN)), f = fabs(mpfr_get_d(w->f, MPFR_RNDN));
  *rel = fmax(ef, eg) / beta;
  *tol = 4.0 * w->eps_mp * (g2 + 2.0 * f + beta) / beta;
  return FM_OK;
}

static void fm_pf_where_s(fm_pf_worst *x, double s)
{
  snprintf(x->where, sizeof x->where, "s=%.6g (t=%.6g)", s, 1.0 - s);
}

static int fm_pf_route_vp(fm_pf_work *w)
{
  fm_pf_worst *wd = &w->w[FM_PF_R_VP], *wm = &w->w[FM_PF_R_VP_MP];
  for (int j = 1; j <= FM_PF_VP_GRID; j++) {
    double s = (double)j / FM_PF_VP_GRID, beta = w->bmin + s * (w->bmax - w->bmin);
    double f, g2;
    fm_sched_val ve;
    int st = fm_pf_coef(&f, &g2, &ve, w, 1.0 - s);
    if (st == FM_ESING)
      continue; /* only the run-backwards candidate reaches t = 1 */
    if (st != FM_OK)
      return st;
    double kappa = fm_sched_cond(&ve);
    double rel = fmax(fabs(-f + 0.5 * beta), fabs(-g2 - beta)) / beta;
    double tf = (8.0 * kappa + 1.0) * FM_PF_EPS * fabs(f) + FM_PF_EPS * beta;
    double tg = (12.0 * kappa + 4.0) * FM_PF_EPS *
                    (fabs(2.0 * ve.sigma * ve.dsigma) + fabs(2.0 * f * ve.sigma * ve.sigma)) +
                FM_PF_EPS * beta;
    /* one route: the worse of the two coefficients at each s */
    double tol = fabs(-f + 0.5 * beta) / tf > fabs(-g2 - beta) / tg ? tf : tg;
    double m0 = wd->have ? wd->margin : -INFINITY;
    fm_pf_worst_add(wd, rel, tol / beta, 0);
    if (wd->margin > m0)
      fm_pf_where_s(wd, s);
    double mrel, mtol;
    st = fm_pf_vp_mp(&mrel, &mtol, w, s, beta);
    if (st == FM_ENOTAVAIL || st == FM_ESING)
      continue;
    if (st != FM_OK)
      return st;
    m0 = wm->have ? wm->margin : -INFINITY;
    fm_pf_worst_add(wm, mrel, mtol, 0);
    if (wm->margin > m0)
      fm_pf_where_s(wm, s);
  }
  return FM_OK;
}

/* --- route 6: trajectories --- */

/* The trajectories are integrated as one stacked system of w->ntraj blocks
 * of d: the path factorisation depends on t only, so each RK stage
 * factorises C_k(t) once for all of them. */
static int fm_pf_rhs_fm(double *dx, double t, const double *x, void *ctx)
{
  fm_pf_work *w = ctx;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, w->c->sched, t);
  st = st ? st : fm_gmm_path_set(w->path, &v);
  for (size_t i = 0; i < w->ntraj && st == FM_OK; i++)
    st = fm_gmm_path_eval(NULL, NULL, NULL, dx + i * w->d, w->path, x + i * w->d);
  return st;
}

static int fm_pf_rhs_pf(double *dx, double s, const double *x, void *ctx)
{
  fm_pf_work *w = ctx;
  double fbar, gbar2;
  if (w->vp) {
    fm_pf_dcoef r;
    int st = fm_pf_dcoef_cand(&r, w, s);
    if (st != FM_OK)
      return st;
    fbar = r.fbar;
    gbar2 = r.gbar2;
  } else {
    double f, g2;
    fm_sched_val ve;
    int st = fm_pf_coef(&f, &g2, &ve, w, 1.0 - s);
    if (st != FM_OK)
      return st;
    fbar = -f;
    gbar2 = -g2;
  }
  fm_sched_val v;
  int st = fm_schedule_eval(&v, w->c->sched, 1.0 - s);
  st = st ? st : fm_gmm_path_set(w->path, &v);
  for (size_t i = 0; i < w->ntraj && st == FM_OK; i++) {
    const double *xi = x + i * w->d;
    st = fm_gmm_path_eval(NULL, w->score, NULL, NULL, w->path, xi);
    for (size_t j = 0; j < w->d && st == FM_OK; j++)
      dx[i * w->d + j] = fbar * xi[j] - w->cs * gbar2 * w->score[j];
  }
  return st;
}

/* The stacked solution at b with steps*2^j (j = 0, 1, 2) into x[j*n ..],
 * n = ntraj d, and per trajectory i the Richardson estimate err[i] of the
 * finest one's error with the observed ratio rho[i] = |x_0 - x_1| /
 * |x_1 - x_2| (16 for RK4 in its asymptotic range): |x_1 - x_2| /
 * (max(rho, 2) - 1) -- at worst (rho <= 2, far from asymptotic) the last
 * difference itself.  A state that stops being finite (a mutant can blow
 * up) is reported as infinite, not as an error. */
static int fm_pf_integrate(double *x, double *err, double *rho, fm_ode_fn f, fm_pf_work *w,
                           const double *x0, double a, double b, size_t steps)
{
  size_t d = w->d, n = w->ntraj * d;
  int st = FM_OK;
  for (int j = 0; j < 3 && st == FM_OK; j++) {
    memcpy(x + j * n, x0, n * sizeof *x);
    st = fm_ode_integrate(x + j * n, &fm_ode_rk4, f, w, n, a, b, steps << j);
  }
  if (st == FM_ENONFIN) {
    for (size_t j = 0; j < 3 * n; j++)
      x[j] = INFINITY;
    for (size_t i = 0; i < w->ntraj; i++)
      err[i] = rho[i] = INFINITY;
    return FM_OK;
  }
  for (size_t i = 0; i < w->ntraj && st == FM_OK; i++) {
    double d01 = 0.0, d12 = 0.0;
    for (size_t j = i * d; j < (i + 1) * d; j++) {
      d01 = fmax(d01, fabs(x[j] - x[n + j]));
      d12 = fmax(d12, fabs(x[n + j] - x[2 * n + j]));
    }
    rho[i] = d12 > 0.0 ? d01 / d12 : INFINITY;
    err[i] = d12 / (fmax(rho[i], 2.0) - 1.0);
  }
  return st;
}

/* Endpoint comparison of trajectory i (finest solutions a, b). */
static void fm_pf_traj_compare(fm_pf_work *w, const fm_pointset *ps, size_t i,
                               const double *a, const double *b, double eFM, double ePF)
{
  size_t d = w->d;
  double diff = 0.0, xn = 1.0;
  for (size_t j = 0; j < d; j++) {
    diff = fmax(diff, fabs(a[j] - b[j]));
    xn = fmax(xn, fabs(a[j]));
  }
  double tol = 16.0 * FM_PF_EPS * 4.0 * (FM_PF_N + FM_PF_M) * xn;
  if (!isfinite(diff) || !isfinite(xn)) {
    /* a trajectory left the finite numbers: no estimate can excuse that
     * (and inf/inf must not become a NaN margin that passes) */
    diff = INFINITY;
    tol = 1.0;
  } else {
    tol += 2.0 * (eFM + ePF);
  }
  fm_pf_worst *wt = &w->w[FM_PF_R_TRAJ];
  double m0 = wt->have ? wt->margin : -INFINITY;
  fm_pf_worst_add(wt, diff, tol, i);
  if (wt->margin > m0)
    snprintf(wt->where, sizeof wt->where, "trajectory %zu from t=%g, x0[0]=%.6g, x1[0]=%.6g",
             i, FM_PF_TA, ps->x0[i * d], ps->x1[i * d]);
}

static int fm_pf_route_traj(fm_pf_work *w, const fm_pointset *ps)
{
  size_t d = w->d, nt = ps->n < FM_PF_NTRAJ ? ps->n : FM_PF_NTRAJ, n = nt * d;
  double ta = FM_PF_TA, tb = 1.0 - FM_PF_TA;
  double *buf = malloc((7 * n + 4 * nt) * sizeof *buf);
  if (buf == NULL)
    return FM_ENOMEM;
  double *xs = buf, *a = buf + n, *b = buf + 4 * n, *eFM = buf + 7 * n, *ePF = eFM + nt;
  double *rFM = ePF + nt, *rPF = rFM + nt;
  w->ntraj = nt;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, w->c->sched, ta);
  for (size_t j = 0; j < n && st == FM_OK; j++)
    xs[j] = v.alpha * ps->x1[j] + v.sigma * ps->x0[j];
  if (st == FM_OK)
    st = fm_pf_integrate(a, eFM, rFM, fm_pf_rhs_fm, w, xs, ta, tb, FM_PF_N);
  if (st == FM_OK)
    st = fm_pf_integrate(b, ePF, rPF, fm_pf_rhs_pf, w, xs, 1.0 - ta, 1.0 - tb, FM_PF_M);
  for (size_t i = 0; i < nt && st == FM_OK; i++) {
    fm_pf_traj_compare(w, ps, i, a + 2 * n + i * d, b + 2 * n + i * d, eFM[i], ePF[i]);
    w->traj_eFM = fmax(w->traj_eFM, eFM[i]);
    w->traj_ePF = fmax(w->traj_ePF, ePF[i]);
    w->traj_rho = fmin(w->traj_rho, fmin(rFM[i], rPF[i]));
  }
  free(buf);
  return st;
}

static void fm_pf_report(fm_verdict *v, fm_pf_work *w, const fm_pointset *ps)
{
  for (int r = 0; r < FM_PF_NR; r++) {
    fm_pf_worst *x = &w->w[r];
    if (!x->have)
      continue;
    char where[256];
    if (x->where[0] != '\0')
      snprintf(where, sizeof where, "%s", x->where);
    else
      fm_point_describe(where, sizeof where, ps, x->at);
    fm_verdict_route(v, fm_pf_route_names[r], x->value, x->tol, 0.0, where);
  }
  fm_verdict_notef(v, "RK4 Richardson error estimates: FM %.2g, PF %.2g (N = %d, M = %d "
                   "steps x 1, 2, 4; smallest observed error ratio %.3g, 16 expected)",
                   w->traj_eFM, w->traj_ePF, FM_PF_N, FM_PF_M, w->traj_rho);
  if (!w->vp)
    fm_verdict_notef(v, "not a vp schedule: Song's VP-SDE route n/a; fbar, gbar^2 by "
                     "finite differences");
  if (w->skip_alpha0 > 0)
    fm_verdict_notef(v, "%zu point(s) with alpha = 0 in double skipped by routes 1-2",
                     w->skip_alpha0);
  if (!w->exact_schedule)
    fm_verdict_notef(v, "schedule has no MPFR twin: route 3 takes its double values as exact");
}

static int fm_pf_ode_check(fm_verdict *v, const fm_case *c, const fm_check_opts *o,
                           int mutant)
{
  fm_pointset *ps;
  int st = fm_pointset_make(&ps, c, fm_check_seed(o, c), fm_check_npoints(o));
  if (st != FM_OK)
    return st;
  fm_pf_work w;
  st = fm_pf_work_alloc(&w, c, o, mutant);
  if (st != FM_OK) {
    fm_pointset_free(ps);
    return st;
  }
  for (size_t i = 0; st == FM_OK && i < ps->n; i++)
    st = fm_pf_point(&w, ps, i);
  if (st == FM_OK && w.vp)
    st = fm_pf_route_vp(&w);
  if (st == FM_OK)
    st = fm_pf_route_traj(&w, ps);
  if (st == FM_OK)
    fm_pf_report(v, &w, ps);
  fm_pf_work_free(&w);
  fm_pointset_free(ps);
  return st;
}

const fm_theorem fm_thm_pf_ode = {
    "pf-ode",
    "u_t = f_t x - (1/2) g_t^2 grad log p_t with f = alpha'/alpha, g^2 = 2 sigma sigma' - "
    "2 (alpha'/alpha) sigma^2; the FM ODE and the diffusion PF-ODE (s = 1 - t) have the "
    "same trajectories",
    fm_pf_ode_check,
    fm_pf_mutants,
};
