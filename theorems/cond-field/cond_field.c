/* cond_field.c -- theorem `cond-field` (theorems/README.md): the Gaussian conditional
 * vector field
 *     u_t(x|x1) = (sigma'/sigma)(x - alpha x1) + alpha' x1
 * generates the conditional flow psi_t(x0) = sigma_t x0 + alpha_t x1:
 *     d/dt psi_t(x0) = u_t(psi_t(x0)|x1).
 *
 * The *candidate* is the field being checked: fm_cond_field on the case's
 * schedule, or a negative control (mutant) in its place.  The references are
 * always correct.  Points: fm_pointset (typical, t within 2e-6 of either end,
 * tails 50 std out).  eps = DBL_EPSILON = 2^-52 (twice the unit roundoff, a
 * factor 2 of safety everywhere below).
 *
 * Route 1 -- MPFR.  Reference fm_cond_field_mp at o->prec bits from the
 * MPFR schedule twin (double values taken as exact for expr/table schedules,
 * said in the note).  Error per point relative to the scale of the terms the
 * double code adds,
 *     S = |c| (|x|_inf + |alpha| |x1|_inf) + |alpha'| |x1|_inf,  c = sigma'/sigma,
 * i.e. the magnitudes of c x, c alpha x1 and alpha' x1 separately: x - alpha x1
 * is itself a cancelling difference (x ~ alpha x1 when sigma is small), so its
 * rounding is eps |x| and not eps |x - alpha x1|.  Tolerance:
 *   - the field algebra rounds 6 times (c, alpha x1, the difference, the
 *     product, alpha' x1, the sum) and the reference once more: <= 8 eps S;
 *   - each schedule value carries a relative error <= 4 kappa eps
 *     (fm_sched_cond, points.h); c inherits two of them (sigma', sigma),
 *     the terms alpha x1 and alpha' x1 one each: <= 4 x 4 kappa eps S;
 *     kappa is the maximum over the points.
 *   tol1 = eps (8 + 16 kappa_max)   (~5e-14 for kappa ~ 15).
 *
 * Route 2 -- finite differences.  D = d/dt psi_t(x0) by Richardson-
 * extrapolated central differences (fm_fdiff_central, 5 levels) at tc, t
 * moved onto the 2^-40 grid, with h0 the largest power of two <=
 * min(1e-2, tc/4, (1-tc)/4) (fm_fdiff_grid: every tc +- h is an exact
 * double, so no error comes from rounding the abscissae; tc +- h0 stays
 * within a quarter of the radius of analyticity ~ min(t, 1-t) of schedules
 * singular at an end, where Richardson's error estimate is conservative).  The candidate is evaluated at
 * x = psi_tc(x0) computed in double.  For tail points x0 is replaced by
 * (x - alpha x1)/sigma so that the trajectory passes through the tail point.
 * Per point tolerance, with e_s = fm_sched_value_err (points.h: the a
 * priori 4 kappa eps, or 8 times the schedule's measured rounding noise when
 * that is larger -- user expressions that cancel):
 *     tol = err + 2 delta / h_fin + (8 eps + 4 e_s) S
 *   - err: fm_fdiff's own estimate |T[k][k] - T[k][k-1]| (max over
 *     components; conservative for smooth f);
 *   - delta = (e_s + 2 eps) P, P = max_j |sigma x0_j| + |alpha x1_j|
 *     over the three times tc, tc +- h0: the error of one evaluation of
 *     psi (two schedule values, a product each, one sum); a raw difference
 *     quotient amplifies it by 1/h, and the Richardson combination by at most
 *     prod_j (1 + 2/(4^j - 1)) < 2, at worst on the finest step h_fin;
 *   - the candidate's own rounding, as in route 1 with 4 kappa eps -> e_s.
 * The statistic is max_i |D - u|_inf / tol_i (tol 1).  The observed order of
 * the raw central differences is reported (fm_fdiff_observed_order with noise
 * delta; min / median over the points where the differences are above
 * round-off; 2 expected; a median outside 2 +- 0.5 downgrades PASS to WARN:
 * psi_t is then not as smooth as the schedule claims, or the steps are not
 * in the asymptotic range).
 *
 * Route 3 (vp schedules only) -- Lipman et al. (2023), eq. (19): with
 * diffusion time s = 1 - t, abar(s) = exp(-T(s)/2), T(s) = beta_min s +
 * (beta_max - beta_min) s^2/2, abar'(s) = -T'(s)/2 abar(s),
 *     u = abar'(s) / (1 - abar(s)^2) (abar(s) x - x1),
 * computed from T directly (1 - abar^2 as -expm1(-T), no cancellation at
 * s -> 0).  Statistic max |u - u_L|_inf / (S + S_L) with
 * S_L = |F| (abar |x|_inf + |x1|_inf), F the factor; each side is within
 * tol1 of its own scale, so tol3 = tol1.
 *
 * Mutants (candidate replaced, references unchanged): sigma' x 1.01; the path
 * run backwards (schedule at 1 - t with chain-rule derivatives); and the two
 * misprints of seed note 001 (theorems/README.md, vp only, written literally as
 * printed: factor (abar'(s) - t)/(1 - abar(s)^2), and the closed form
 * -T'(s)/2 [exp(-T(s) x) - exp(-T(s) x1 / 2)] / (1 - exp(-T(s))) per
 * coordinate).  For the true statement the note also gives the smallest
 * relative perturbation of sigma' (1e-14 .. 1e-2 by decades, first 10 points)
 * that each route detects.
 */
#include "theorems.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "fdiff.h"
#include "points.h"
#include "pointwise_check.h"
#include "sched_fd.h"

#define FM_CF_EPS DBL_EPSILON
#define FM_CF_FD_LEVELS 5
#define FM_CF_FD_HMAX 1e-2
#define FM_CF_SCAN_POINTS 10
#define FM_CF_ORDER_BAND 0.5 /* SUNDIALS-style band on the observed order */

enum { FM_CF_TRUE, FM_CF_SIGMA_OFF, FM_CF_REVERSED, FM_CF_VP_FACTOR, FM_CF_VP_EXP };
enum { FM_CF_R_MP, FM_CF_R_FD, FM_CF_R_VP, FM_CF_NROUTES };

static const char *const fm_cf_mutants[] = {
    "sigma' off by 1%",
    "time run backwards",
    "seed misprint: VP field factor (alpha'_{1-t} - t)/(1 - alpha_{1-t}^2)",
    "seed misprint: VP closed form with exp(-T(1-t) x)",
    NULL,
};

static const fm_ptcheck_route fm_cf_routes[FM_CF_NROUTES] = {
    {FM_R_CF_MP, "MPFR"},
    {FM_R_CF_FD, "FD"},
    {FM_R_CF_VP, "Lipman"},
};

/* The candidate field: which formula, and the sigma' factor. */
typedef struct {
  const fm_schedule *sched;
  size_t d;
  int mutant;
  double dsigma_factor;
  int vp;
  double bmin, bmax;
} fm_cf_cand;

/* References and tolerances, computed once per pointset. */
typedef struct {
  size_t n, d;
  double *S;     /* n: route-1 scale of terms at (t, x) */
  double *u_mp;  /* n*d */
  double *t2;    /* n: FD centre */
  double *x2;    /* n*d: psi_t2(x0) */
  double *D;     /* n*d: d/dt psi */
  double *tolfd; /* n */
  double *order; /* n: observed order, NaN if uninformative */
  double *uL;    /* n*d: Lipman closed form (vp) */
  double *SL;    /* n */
  double kappa_max;
  int exact_schedule;
} fm_cf_ref;

/* --- the VP ingredients, from T(s) directly --- */
static void fm_cf_vp_T(double *T, double *dT, const fm_cf_cand *k, double s)
{
  *T = k->bmin * s + 0.5 * (k->bmax - k->bmin) * s * s;
  *dT = k->bmin + (k->bmax - k->bmin) * s;
}

/* Lipman's closed form; *scale = |F| (abar |x|_inf + |x1|_inf). */
static void fm_cf_lipman(double *u, double *scale, const fm_cf_cand *k, double t,
                         const double *x, const double *x1)
{
  double T, dT;
  fm_cf_vp_T(&T, &dT, k, 1.0 - t);
  double a = exp(-0.5 * T), da = -0.5 * dT * a, F = da / -expm1(-T);
  double mx = 0.0, m1 = 0.0;
  for (size_t j = 0; j < k->d; j++) {
    u[j] = F * (a * x[j] - x1[j]);
    mx = fmax(mx, fabs(x[j]));
    m1 = fmax(m1, fabs(x1[j]));
  }
  *scale = fabs(F) * (a * mx + m1);
}

/* Seed note 001, line 160, first form, as printed. */
static void fm_cf_vp_misprint_factor(double *u, const fm_cf_cand *k, double t,
                                     const double *x, const double *x1)
{
  double T, dT;
  fm_cf_vp_T(&T, &dT, k, 1.0 - t);
  double a = exp(-0.5 * T), da = -0.5 * dT * a, F = (da - t) / (1.0 - a * a);
  for (size_t j = 0; j < k->d; j++)
    u[j] = F * (a * x[j] - x1[j]);
}

/* Seed note 001, line 160, second form, as printed (x inside the exponent). */
static void fm_cf_vp_misprint_exp(double *u, const fm_cf_cand *k, double t,
                                  const double *x, const double *x1)
{
  double T, dT;
  fm_cf_vp_T(&T, &dT, k, 1.0 - t);
  for (size_t j = 0; j < k->d; j++)
    u[j] = -0.5 * dT * (exp(-T * x[j]) - exp(-0.5 * T * x1[j])) / (1.0 - exp(-T));
}

static int fm_cf_candidate(double *u, const fm_cf_cand *k, double t, const double *x,
                           const double *x1)
{
  if (k->mutant == FM_CF_VP_FACTOR) {
    fm_cf_vp_misprint_factor(u, k, t, x, x1);
    return FM_OK;
  }
  if (k->mutant == FM_CF_VP_EXP) {
    fm_cf_vp_misprint_exp(u, k, t, x, x1);
    return FM_OK;
  }
  fm_sched_val v;
  double f = k->dsigma_factor * (k->mutant == FM_CF_SIGMA_OFF ? 1.01 : 1.0);
  int st = fm_sched_eval_candidate(&v, k->sched, t, f, k->mutant == FM_CF_REVERSED);
  if (st == FM_OK)
    fm_cond_field(u, &v, x, x1, k->d);
  return st;
}

/* Route-1 scale of terms (see header). */
static double fm_cf_scale(const fm_sched_val *v, const double *x, const double *x1,
                          size_t d)
{
  double mx = 0.0, m1 = 0.0;
  for (size_t j = 0; j < d; j++) {
    mx = fmax(mx, fabs(x[j]));
    m1 = fmax(m1, fabs(x1[j]));
  }
  double c = fabs(v->dsigma / v->sigma);
  return c * (mx + fabs(v->alpha) * m1) + fabs(v->dalpha) * m1;
}

static double fm_cf_tol1(double kappa)
{
  return FM_CF_EPS * (8.0 + 16.0 * kappa);
}

/* --- reference storage --- */
static void fm_cf_ref_free(fm_cf_ref *r)
{
  free(r->S);
  free(r->u_mp);
  free(r->t2);
  free(r->x2);
  free(r->D);
  free(r->tolfd);
  free(r->order);
  free(r->uL);
  free(r->SL);
}

static int fm_cf_ref_alloc(fm_cf_ref *r, size_t n, size_t d)
{
  memset(r, 0, sizeof *r);
  r->n = n;
  r->d = d;
  r->S = malloc(n * sizeof *r->S);
  r->u_mp = malloc(n * d * sizeof *r->u_mp);
  r->t2 = malloc(n * sizeof *r->t2);
  r->x2 = malloc(n * d * sizeof *r->x2);
  r->D = malloc(n * d * sizeof *r->D);
  r->tolfd = malloc(n * sizeof *r->tolfd);
  r->order = malloc(n * sizeof *r->order);
  r->uL = malloc(n * d * sizeof *r->uL);
  r->SL = malloc(n * sizeof *r->SL);
  if (!r->S || !r->u_mp || !r->t2 || !r->x2 || !r->D || !r->tolfd || !r->order ||
      !r->uL || !r->SL) {
    fm_cf_ref_free(r);
    memset(r, 0, sizeof *r);
    return FM_ENOMEM;
  }
  return FM_OK;
}

/* Route 1 reference at point i: MPFR field, scale, kappa. */
static int fm_cf_ref_mp(fm_cf_ref *r, const fm_case *c, const fm_pointset *ps, size_t i,
                        mpfr_prec_t prec)
{
  size_t d = ps->d;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, c->sched, ps->t[i]);
  if (st != FM_OK)
    return st;
  r->S[i] = fm_cf_scale(&v, ps->x + i * d, ps->x1 + i * d, d);
  r->kappa_max = fmax(r->kappa_max, fm_sched_cond(&v));
  fm_sched_mp vm;
  int exact = 0;
  fm_sched_mp_init(&vm, prec);
  st = fm_schedule_eval_mp_or_double(&vm, &exact, c->sched, ps->t[i]);
  if (st == FM_OK)
    fm_cond_field_mp(r->u_mp + i * d, &vm, ps->x + i * d, ps->x1 + i * d, d, prec);
  fm_sched_mp_clear(&vm);
  if (!exact)
    r->exact_schedule = 0;
  return st;
}

/* psi_t(x0) as a function of t, for fm_fdiff_central. */
typedef struct {
  const fm_schedule *sched;
  const double *x0, *x1;
  size_t d;
  double kappa, P; /* max over the evaluations: for the round-off bound */
} fm_cf_flow_ctx;

static int fm_cf_flow_at(double *y, double t, void *vctx)
{
  fm_cf_flow_ctx *f = vctx;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, f->sched, t);
  if (st != FM_OK)
    return st;
  fm_cond_flow(y, &v, f->x0, f->x1, f->d);
  f->kappa = fmax(f->kappa, fm_sched_cond(&v));
  double p = 0.0;
  for (size_t j = 0; j < f->d; j++)
    p = fmax(p, fabs(v.sigma * f->x0[j]) + fabs(v.alpha * f->x1[j]));
  f->P = fmax(f->P, p);
  return FM_OK;
}

/* Route 2 reference at point i (see header for the tolerance). */
static int fm_cf_ref_fd(fm_cf_ref *r, const fm_case *c, const fm_pointset *ps, size_t i,
                        double *x0, double *err)
{
  size_t d = ps->d;
  const double *x1 = ps->x1 + i * d;
  double tc, h0;
  int st = fm_fdiff_grid(&tc, &h0, ps->t[i], fm_sched_fd_cap(c->sched, FM_CF_FD_HMAX));
  fm_sched_val v;
  if (st == FM_OK)
    st = fm_schedule_eval(&v, c->sched, tc);
  if (st != FM_OK)
    return st;
  for (size_t j = 0; j < d; j++)
    x0[j] = ps->kind[i] == FM_PT_TAIL ? (ps->x[i * d + j] - v.alpha * x1[j]) / v.sigma
                                      : ps->x0[i * d + j];
  fm_cf_flow_ctx f = {c->sched, x0, x1, d, 0.0, 0.0};
  st = fm_cf_flow_at(r->x2 + i * d, tc, &f);
  fm_fdiff_info info;
  if (st == FM_OK)
    st = fm_fdiff_central(r->D + i * d, err, &info, fm_cf_flow_at, &f, d, tc, h0,
                          FM_CF_FD_LEVELS);
  if (st != FM_OK)
    return st;
  double emax = 0.0;
  for (size_t j = 0; j < d; j++)
    emax = fmax(emax, err[j]);
  double es = fm_sched_value_err(c->sched, tc, f.kappa);
  double delta = (es + 2.0 * FM_CF_EPS) * f.P;
  st = fm_fdiff_observed_order(&r->order[i], fm_cf_flow_at, &f, d, tc, h0, delta);
  if (st != FM_OK)
    return st;
  double S2 = fm_cf_scale(&v, r->x2 + i * d, x1, d);
  r->t2[i] = tc;
  r->tolfd[i] = emax + 2.0 * delta / info.h_used + (8.0 * FM_CF_EPS + 4.0 * es) * S2;
  return FM_OK;
}

/* The work space: the candidate, the references (computed once: the scan
 * changes the candidate only), and buffers. */
typedef struct {
  fm_cf_cand k;
  fm_cf_ref r;
  mpfr_prec_t prec;
  double *x0;   /* 2d: route 2's x0 and fm_fdiff's error estimates */
  double *u;    /* d: the candidate field */
} fm_cf_work;

/* vp schedules: *bmin, *bmax (Song's beta). */
static int fm_cf_is_vp(const fm_case *c, double *bmin, double *bmax)
{
  return strcmp(fm_schedule_type_name(c->sched), "vp") == 0 &&
         fm_schedule_param(bmin, c->sched, "beta_min") == FM_OK &&
         fm_schedule_param(bmax, c->sched, "beta_max") == FM_OK;
}

static void fm_cf_work_clear(void *work)
{
  fm_cf_work *w = work;
  fm_cf_ref_free(&w->r);
  free(w->x0);
}

static int fm_cf_work_init(void *work, fm_ptcheck *run)
{
  fm_cf_work *w = work;
  const fm_case *c = run->c;
  *w = (fm_cf_work){.k = {c->sched, c->gmm->d, run->mutant, 1.0, 0, 0.0, 0.0},
                    .prec = (mpfr_prec_t)run->o->prec};
  w->k.vp = fm_cf_is_vp(c, &w->k.bmin, &w->k.bmax);
  int st = fm_cf_ref_alloc(&w->r, run->ps->n, run->ps->d);
  if (st != FM_OK)
    return st;
  w->r.exact_schedule = 1;
  w->x0 = malloc(3 * run->ps->d * sizeof *w->x0);
  if (w->x0 == NULL) {
    fm_cf_ref_free(&w->r);
    return FM_ENOMEM;
  }
  w->u = w->x0 + 2 * run->ps->d;
  return FM_OK;
}

/* The references at point i (routes 1, 2 and, for vp, 3). */
static int fm_cf_prepare(void *work, fm_ptcheck *run, size_t i)
{
  fm_cf_work *w = work;
  const fm_pointset *ps = run->ps;
  size_t d = ps->d;
  int st = fm_cf_ref_mp(&w->r, run->c, ps, i, w->prec);
  if (st == FM_OK)
    st = fm_cf_ref_fd(&w->r, run->c, ps, i, w->x0, w->x0 + d);
  if (st == FM_OK && w->k.vp)
    fm_cf_lipman(w->r.uL + i * d, &w->r.SL[i], &w->k, ps->t[i], ps->x + i * d,
                 ps->x1 + i * d);
  return st;
}

/* The three statistics of the candidate at point i; routes 1 and 3 are
 * relative to the scale of terms (their tolerance tol1 needs kappa over all
 * points), route 2 to its own tolerance. */
static int fm_cf_point(void *work, fm_ptcheck *run, size_t i)
{
  fm_cf_work *w = work;
  const fm_pointset *ps = run->ps;
  const fm_cf_ref *r = &w->r;
  size_t d = ps->d;
  const double *x1 = ps->x1 + i * d;
  double e[FM_CF_NROUTES] = {NAN, NAN, NAN};
  int st = fm_cf_candidate(w->u, &w->k, ps->t[i], ps->x + i * d, x1);
  if (st != FM_OK)
    return st;
  e[FM_CF_R_MP] = fm_maxdiff(w->u, r->u_mp + i * d, d, r->S[i], NULL);
  e[FM_CF_R_VP] = w->k.vp ? fm_maxdiff(w->u, r->uL + i * d, d, r->S[i] + r->SL[i], NULL) : 0.0;
  st = fm_cf_candidate(w->u, &w->k, r->t2[i], r->x2 + i * d, x1);
  if (st != FM_OK)
    return st;
  e[FM_CF_R_FD] = fm_maxdiff(w->u, r->D + i * d, d, r->tolfd[i], NULL);
  for (int q = 0; q < FM_CF_NROUTES; q++)
    fm_worst_add_max(&run->w[q], e[q], i);
  return FM_OK;
}

static void fm_cf_note_order(fm_verdict *v, const fm_cf_ref *r)
{
  double omin, omed;
  size_t m = fm_min_median(&omin, &omed, r->order, r->n);
  if (m > 0) {
    fm_verdict_notef(v, "FD observed order min %.2f median %.2f (%zu/%zu points above "
                        "round-off; 2 expected)", omin, omed, m, r->n);
    fm_verdict_fact(v, FM_F_FD_ORDER_MIN, NULL, omin);
    fm_verdict_fact(v, FM_F_FD_ORDER_MEDIAN, NULL, omed);
    if (fabs(omed - 2.0) > FM_CF_ORDER_BAND) {
      fm_verdict_notef(v, "warning: median observed order off 2 by more than %.1f",
                       FM_CF_ORDER_BAND);
      fm_verdict_warn(v);
    }
  } else
    fm_verdict_notef(v, "FD observed order: differences at round-off everywhere "
                        "(psi_t affine in t)");
}

static int fm_cf_applies(const void *work, size_t r)
{
  const fm_cf_work *w = work;
  return r != FM_CF_R_VP || w->k.vp;
}

static double fm_cf_route_tol(const void *work, size_t r)
{
  const fm_cf_work *w = work;
  return r == FM_CF_R_FD ? 1.0 : fm_cf_tol1(w->r.kappa_max);
}

static void fm_cf_report(fm_verdict *v, void *work, fm_ptcheck *run)
{
  const fm_cf_work *w = work;
  (void)run;
  fm_cf_note_order(v, &w->r);
  if (!w->r.exact_schedule)
    fm_verdict_notef(v, "schedule has no MPFR twin: its double values are taken "
                        "as exact in route 1");
}

/* The scan's input: sigma' x (1 + e) in the candidate. */
static void fm_cf_perturb(void *work, double e)
{
  fm_cf_work *w = work;
  w->k.dsigma_factor = 1.0 + e;
}

static const char *fm_cf_na_case(const fm_case *c, int mutant)
{
  double bmin, bmax;
  if ((mutant == FM_CF_VP_FACTOR || mutant == FM_CF_VP_EXP) && !fm_cf_is_vp(c, &bmin, &bmax))
    return "the seed's VP formula applies to vp schedules only";
  return NULL;
}

static const fm_ptcheck_spec fm_cf_spec = {
    .name = "cond-field",
    .nroutes = FM_CF_NROUTES,
    .routes = fm_cf_routes,
    .na_case = fm_cf_na_case,
    .init = fm_cf_work_init,
    .clear = fm_cf_work_clear,
    .prepare = fm_cf_prepare,
    .point = fm_cf_point,
    .applies = fm_cf_applies,
    .route_tol = fm_cf_route_tol,
    .report = fm_cf_report,
    .scan_input = "sigma'",
    .scan_points = FM_CF_SCAN_POINTS,
    .perturb = fm_cf_perturb,
};

static int fm_cf_check(fm_verdict *v, const fm_case *c, const fm_check_opts *o, int mutant)
{
  fm_cf_work w;
  return fm_ptcheck_run(v, &fm_cf_spec, &w, c, o, mutant);
}

const fm_theorem fm_thm_cond_field = {
    "cond-field",
    "u_t(x|x1) = (sigma'/sigma)(x - alpha x1) + alpha' x1 and "
    "d/dt psi_t(x0) = u_t(psi_t(x0)|x1), psi_t(x0) = sigma_t x0 + alpha_t x1",
    fm_cf_check,
    fm_cf_mutants,
};
