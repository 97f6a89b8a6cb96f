/* push_forward.c -- theorem `push-forward` (theorems/README.md): the conditional path
 * is the push-forward of the noise by the conditional flow,
 *     p_t(.|x1) = [psi_t]_# N(0, I),   psi_t(x0) = sigma_t x0 + alpha_t x1,
 * shown two ways: the density by change of variables,
 *     log N(x0; 0, I) - d log sigma_t = log p_t(psi_t(x0)|x1),
 * and the conditional continuity equation at fixed x,
 *     d/dt log p_t(x|x1) + u_t(x|x1) . grad_x log p_t(x|x1) + div u_t(x|x1) = 0,
 * with u the conditional field, div u = d sigma'/sigma.
 *
 * The *candidate* is what is checked: the change-of-variables density, the
 * conditional density fm_cond_logpdf, its score fm_cond_score and the field
 * fm_cond_field on the case's schedule -- or a negative control.  References
 * stay correct.  eps = DBL_EPSILON = 2^-52 (twice the unit roundoff); kappa is
 * the schedule condition estimate of points.h (each double schedule value is
 * taken accurate to 4 kappa eps).
 *
 * Route 1 -- change of variables.  At x = psi_t(x0) rounded to double (for
 * tail points x0 := (x - alpha x1)/sigma, so that x is the tail point), the
 * candidate LHS = log N(x0) - d log sigma is compared with fm_cond_logpdf
 * (double) and with fm_cond_logpdf_mp (o->prec bits, MPFR schedule twin).
 * Error relative to the magnitude of the terms,
 *     M = |x0|^2/2 + d (1 + |log sigma|) + sum_j |x0_j| (|sigma x0_j| + |alpha x1_j|)/sigma,
 * where the last term is the condition of log p at the rounded point: x_j
 * carries an error <= (4 kappa + 2) eps (|sigma x0_j| + |alpha x1_j|) and
 * |d log p / dx_j| = |x0_j| / sigma.  Tolerance
 *     tol1 = eps (d + 8 + 24 kappa_max):
 * d + 8 roundings in the sums of squares, logs and constants (each <= eps M);
 * 24 kappa for the schedule values: sigma in r = (x - alpha x1)/sigma (twice
 * in |r|^2: 8 kappa eps |r|^2/2), alpha in r (4 kappa), log sigma on each
 * side (4 + 4 kappa) and the rounded point (4 kappa + 2), rounded up.
 *
 * Route 2 -- continuity.  x = the point as drawn (tails included), t moved
 * onto the 2^-40 grid, D = d/dt log p_t(x|x1) by Richardson-extrapolated
 * central differences (5 levels, h0 the largest power of two <=
 * min(1e-2, t/4, (1-t)/4): fm_fdiff_grid, exact abscissae, a quarter of the
 * radius of analyticity).  Residual
 * R = D + u.s + d sigma'/sigma with u, s = fm_cond_field, fm_cond_score.
 * Per point tolerance, with e_s = fm_sched_value_err (points.h: the a priori
 * 4 kappa eps, or 8 times the schedule's measured rounding noise when that is
 * larger -- user expressions that cancel):
 *     tol = err + 2 delta_g / h_fin + (8 eps + 4 e_s) (S_u |s|_1 + |u|_1 S_s + |div u|):
 *   - err: fm_fdiff's estimate |T[k][k] - T[k][k-1]|;
 *   - delta_g = (eps (d + 8) + 6 e_s) M_g, the route-1 bound for one
 *     evaluation of log p (24 kappa eps = 6 x 4 kappa eps -> 6 e_s), with
 *     M_g = |r|^2/2 + d (1 + |log sigma|) + sum_j |r_j| (|x_j| + |alpha x1_j|)/sigma
 *     (r = (x - alpha x1)/sigma; the last term is the cancellation in
 *     x - alpha x1), maximised over tc, tc +- h0; round-off of a difference
 *     quotient is delta_g/h, Richardson amplifies it by < 2 on the finest h;
 *   - the analytic terms: u and s are each accurate to 8 eps + 4 e_s
 *     times their scale of terms (S_u as in cond-field, S_s =
 *     max_j (|x_j| + |alpha x1_j|) / sigma^2), so u.s to the sum shown;
 *     div u to 2 eps + 2 e_s relative.
 * The statistic is max |R|/tol (tol 1); the note adds the largest residual
 * relative to |D| + sum |u_j s_j| + |div u| and the observed order of the
 * raw differences (2 expected; a median outside 2 +- 0.5 gives WARN).
 *
 * Mutants: sigma' x 1.01 in the field (so u and div u; route 2 sees it);
 * the Jacobian term -d log sigma dropped from the density (both routes);
 * the path run backwards (schedule at 1 - t, chain-rule derivatives).  For
 * the true statement the note gives the smallest relative perturbation of
 * sigma' (1e-14 .. 1e-2 by decades, first 10 points) the continuity route
 * detects.
 */
#include "theorems.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "fdiff.h"
#include "points.h"
#include "perturb.h"
#include "pointwise_check.h"
#include "sched_fd.h"

#define FM_PUSH_EPS DBL_EPSILON
#define FM_PUSH_FD_LEVELS 5
#define FM_PUSH_FD_HMAX 1e-2
#define FM_PUSH_SCAN_POINTS 10
#define FM_PUSH_ORDER_BAND 0.5
#define FM_PUSH_LOG_SQRT_2PI 0.91893853320467274178

enum { FM_PUSH_TRUE, FM_PUSH_SIGMA_OFF, FM_PUSH_NO_JACOBIAN, FM_PUSH_REVERSED };
enum { FM_PUSH_R_COV_D, FM_PUSH_R_COV_MP, FM_PUSH_R_CONT, FM_PUSH_NROUTES };

static const char *const fm_push_mutants[] = {
    "sigma' off by 1%",
    "Jacobian missing (no -d log sigma)",
    "time run backwards",
    NULL,
};

/* The scan reruns the continuity route only: the density, hence D and
 * routes 1, do not depend on sigma'. */
static const fm_ptcheck_route fm_push_routes[FM_PUSH_NROUTES] = {
    {FM_R_PUSH_COV_D, NULL},
    {FM_R_PUSH_COV_MP, NULL},
    {FM_R_PUSH_CONT, "continuity"},
};

/* The candidate: schedule changes and whether the Jacobian is kept. */
typedef struct {
  const fm_schedule *sched;
  size_t d;
  double dsigma_factor;
  int reversed, jacobian;
} fm_push_cand;

typedef struct {
  size_t n, d;
  double *ref_d, *ref_mp, *M; /* route 1, n each */
  double *x0;                 /* n*d: the x0 of route 1 */
  double *t2, *D, *tolfd;     /* route 2, n each (tolfd without the u.s part) */
  double *es;                 /* n: schedule value error bound at t2 */
  double *order;              /* n */
  double kappa_max;
  int exact_schedule;
} fm_push_ref;

static double fm_push_tol1(double kappa, size_t d)
{
  return FM_PUSH_EPS * ((double)d + 8.0 + 24.0 * kappa);
}

/* u and s are each accurate to (8 eps + 4 e_s) times their scale of terms,
 * e_s the relative error of a schedule value (route 1 of cond-field). */
static double fm_push_tolfield(double es)
{
  return 8.0 * FM_PUSH_EPS + 4.0 * es;
}

static int fm_push_sched(fm_sched_val *v, const fm_push_cand *k, double t)
{
  return fm_sched_eval_candidate(v, k->sched, t, k->dsigma_factor, k->reversed);
}

/* Candidate log-density at (t, x): fm_cond_logpdf, minus the Jacobian term
 * -d log sigma when the candidate forgets it. */
static int fm_push_logp(double *g, const fm_push_cand *k, double t, const double *x,
                      const double *x1)
{
  fm_sched_val v;
  int st = fm_push_sched(&v, k, t);
  if (st == FM_OK)
    *g = fm_cond_logpdf(&v, x, x1, k->d) + (k->jacobian ? 0.0 : (double)k->d * log(v.sigma));
  return st;
}

/* Candidate change-of-variables density log N(x0) - d log sigma. */
static int fm_push_cov(double *g, const fm_push_cand *k, double t, const double *x0)
{
  fm_sched_val v;
  int st = fm_push_sched(&v, k, t);
  if (st != FM_OK)
    return st;
  double q = 0.0;
  for (size_t j = 0; j < k->d; j++)
    q += x0[j] * x0[j];
  *g = -0.5 * q - (double)k->d * FM_PUSH_LOG_SQRT_2PI -
       (k->jacobian ? (double)k->d * log(v.sigma) : 0.0);
  return FM_OK;
}

/* u.s + div u of the candidate, and the scale of its terms (see header). */
static int fm_push_transport(double *val, double *tol, double *mag, const fm_push_cand *k,
                           double t, double es, const double *x, const double *x1, double *u,
                           double *s)
{
  size_t d = k->d;
  fm_sched_val v, vt;
  int st = fm_push_sched(&v, k, t);
  if (st == FM_OK)
    st = fm_schedule_eval(&vt, k->sched, t); /* the true values set the scales */
  if (st != FM_OK)
    return st;
  fm_cond_field(u, &v, x, x1, d);
  fm_cond_score(s, &v, x, x1, d);
  double div = (double)d * v.dsigma / v.sigma, us = 0.0, us_abs = 0.0, u1 = 0.0, s1 = 0.0;
  double mx = 0.0, m1 = 0.0, ss = 0.0;
  for (size_t j = 0; j < d; j++) {
    us += u[j] * s[j];
    us_abs += fabs(u[j] * s[j]);
    u1 += fabs(u[j]);
    s1 += fabs(s[j]);
    mx = fmax(mx, fabs(x[j]));
    m1 = fmax(m1, fabs(x1[j]));
    ss = fmax(ss, (fabs(x[j]) + fabs(vt.alpha * x1[j])) / (vt.sigma * vt.sigma));
  }
  double Su = fabs(vt.dsigma / vt.sigma) * (mx + fabs(vt.alpha) * m1) + fabs(vt.dalpha) * m1;
  *val = us + div;
  *tol = fm_push_tolfield(es) * (Su * s1 + u1 * ss + fabs(div));
  *mag = us_abs + fabs(div);
  return FM_OK;
}

static void fm_push_ref_free(fm_push_ref *r)
{
  free(r->ref_d);
  free(r->ref_mp);
  free(r->M);
  free(r->x0);
  free(r->t2);
  free(r->D);
  free(r->tolfd);
  free(r->order);
  free(r->es);
  memset(r, 0, sizeof *r);
}

static int fm_push_ref_alloc(fm_push_ref *r, size_t n, size_t d)
{
  memset(r, 0, sizeof *r);
  r->n = n;
  r->d = d;
  r->exact_schedule = 1;
  r->ref_d = malloc(n * sizeof *r->ref_d);
  r->ref_mp = malloc(n * sizeof *r->ref_mp);
  r->M = malloc(n * sizeof *r->M);
  r->x0 = malloc(n * d * sizeof *r->x0);
  r->t2 = malloc(n * sizeof *r->t2);
  r->D = malloc(n * sizeof *r->D);
  r->tolfd = malloc(n * sizeof *r->tolfd);
  r->order = malloc(n * sizeof *r->order);
  r->es = malloc(n * sizeof *r->es);
  if (!r->ref_d || !r->ref_mp || !r->M || !r->x0 || !r->t2 || !r->D || !r->tolfd ||
      !r->order || !r->es) {
    fm_push_ref_free(r);
    return FM_ENOMEM;
  }
  return FM_OK;
}

/* Route 1 references at point i; xbuf has d entries. */
static int fm_push_ref_cov(fm_push_ref *r, const fm_case *c, const fm_pointset *ps, size_t i,
                         double *xbuf, mpfr_prec_t prec)
{
  size_t d = ps->d;
  const double *x1 = ps->x1 + i * d;
  double *x0 = r->x0 + i * d;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, c->sched, ps->t[i]);
  if (st != FM_OK)
    return st;
  for (size_t j = 0; j < d; j++)
    x0[j] = ps->kind[i] == FM_PT_TAIL ? (ps->x[i * d + j] - v.alpha * x1[j]) / v.sigma
                                      : ps->x0[i * d + j];
  fm_cond_flow(xbuf, &v, x0, x1, d);
  double M = (double)d * (1.0 + fabs(log(v.sigma)));
  for (size_t j = 0; j < d; j++)
    M += 0.5 * x0[j] * x0[j] +
         fabs(x0[j]) * (fabs(v.sigma * x0[j]) + fabs(v.alpha * x1[j])) / v.sigma;
  r->M[i] = M;
  r->kappa_max = fmax(r->kappa_max, fm_sched_cond(&v));
  r->ref_d[i] = fm_cond_logpdf(&v, xbuf, x1, d);
  fm_sched_mp vm;
  int exact = 0;
  fm_sched_mp_init(&vm, prec);
  st = fm_schedule_eval_mp_or_double(&vm, &exact, c->sched, ps->t[i]);
  if (st == FM_OK)
    r->ref_mp[i] = fm_cond_logpdf_mp(&vm, xbuf, x1, d, prec);
  fm_sched_mp_clear(&vm);
  if (!exact)
    r->exact_schedule = 0;
  return st;
}

/* log p_t(x|x1) of the candidate as a function of t, for fm_fdiff_central. */
typedef struct {
  const fm_push_cand *k;
  const double *x, *x1;
  double Mg, kappa; /* max over the evaluations of M_g and kappa */
} fm_push_logp_ctx;

static int fm_push_logp_at(double *y, double t, void *vctx)
{
  fm_push_logp_ctx *f = vctx;
  size_t d = f->k->d;
  fm_sched_val v;
  int st = fm_push_sched(&v, f->k, t);
  if (st == FM_OK)
    st = fm_push_logp(y, f->k, t, f->x, f->x1);
  if (st != FM_OK)
    return st;
  double M = (double)d * (1.0 + fabs(log(v.sigma)));
  for (size_t j = 0; j < d; j++) {
    double r = (f->x[j] - v.alpha * f->x1[j]) / v.sigma;
    M += 0.5 * r * r + fabs(r) * (fabs(f->x[j]) + fabs(v.alpha * f->x1[j])) / v.sigma;
  }
  f->Mg = fmax(f->Mg, M);
  f->kappa = fmax(f->kappa, fm_sched_cond(&v));
  return FM_OK;
}

static int fm_push_ref_cont(fm_push_ref *r, const fm_push_cand *k, const fm_pointset *ps,
                          size_t i)
{
  size_t d = ps->d;
  double tc, h0, err;
  int st = fm_fdiff_grid(&tc, &h0, ps->t[i], fm_sched_fd_cap(k->sched, FM_PUSH_FD_HMAX));
  if (st != FM_OK)
    return st;
  fm_push_logp_ctx f = {k, ps->x + i * d, ps->x1 + i * d, 0.0, 0.0};
  fm_fdiff_info info;
  st = fm_fdiff_central(&r->D[i], &err, &info, fm_push_logp_at, &f, 1, tc, h0,
                        FM_PUSH_FD_LEVELS);
  if (st != FM_OK)
    return st;
  r->es[i] = fm_sched_value_err(k->sched, tc, f.kappa);
  double delta_g = (FM_PUSH_EPS * ((double)d + 8.0) + 6.0 * r->es[i]) * f.Mg;
  r->t2[i] = tc;
  r->tolfd[i] = err + 2.0 * delta_g / info.h_used;
  return fm_fdiff_observed_order(&r->order[i], fm_push_logp_at, &f, 1, tc, h0, delta_g);
}

/* The work space: the candidate, the references (computed once: the scan
 * changes the candidate only), and buffers. */
typedef struct {
  fm_push_cand k;
  fm_push_ref r;
  mpfr_prec_t prec;
  double *xbuf;   /* d: route 1's point */
  double *u;      /* 2d: the candidate's field and score */
  double relres;  /* largest continuity residual relative to its terms */
} fm_push_work;

static void fm_push_work_clear(void *work)
{
  fm_push_work *w = work;
  fm_push_ref_free(&w->r);
  free(w->xbuf);
}

static int fm_push_work_init(void *work, fm_ptcheck *run)
{
  fm_push_work *w = work;
  int mutant = run->mutant;
  *w = (fm_push_work){.k = {run->c->sched, run->c->gmm->d,
                            mutant == FM_PUSH_SIGMA_OFF ? 1.01 : 1.0,
                            mutant == FM_PUSH_REVERSED, mutant != FM_PUSH_NO_JACOBIAN},
                      .prec = (mpfr_prec_t)run->o->prec};
  size_t d = run->ps->d;
  int st = fm_push_ref_alloc(&w->r, run->ps->n, d);
  w->xbuf = st == FM_OK ? malloc(3 * d * sizeof *w->xbuf) : NULL;
  if (w->xbuf == NULL) {
    fm_push_ref_free(&w->r);
    return FM_ENOMEM;
  }
  w->u = w->xbuf + d;
  return FM_OK;
}

static int fm_push_prepare(void *work, fm_ptcheck *run, size_t i)
{
  fm_push_work *w = work;
  int st = fm_push_ref_cov(&w->r, run->c, run->ps, i, w->xbuf, w->prec);
  return st == FM_OK ? fm_push_ref_cont(&w->r, &w->k, run->ps, i) : st;
}

/* The route statistics of the candidate at point i: routes 1 relative to
 * the magnitude of the terms (their tolerance needs kappa over all points),
 * route 2 to its own tolerance. */
static int fm_push_point(void *work, fm_ptcheck *run, size_t i)
{
  fm_push_work *w = work;
  const fm_push_ref *r = &w->r;
  const fm_pointset *ps = run->ps;
  size_t d = ps->d;
  double lhs, tr, trtol, mag, e[FM_PUSH_NROUTES];
  int st = fm_push_cov(&lhs, &w->k, ps->t[i], r->x0 + i * d);
  if (st == FM_OK)
    st = fm_push_transport(&tr, &trtol, &mag, &w->k, r->t2[i], r->es[i], ps->x + i * d,
                           ps->x1 + i * d, w->u, w->u + d);
  if (st != FM_OK)
    return st;
  e[FM_PUSH_R_COV_D] = fabs(lhs - r->ref_d[i]) / r->M[i];
  e[FM_PUSH_R_COV_MP] = fabs(lhs - r->ref_mp[i]) / r->M[i];
  e[FM_PUSH_R_CONT] = fabs(r->D[i] + tr) / (r->tolfd[i] + trtol);
  double rel = fabs(r->D[i] + tr) / (fabs(r->D[i]) + mag);
  w->relres = isnan(rel) || rel > w->relres ? rel : w->relres;
  for (int q = 0; q < FM_PUSH_NROUTES; q++)
    fm_worst_add_max(&run->w[q], e[q], i);
  return FM_OK;
}

static void fm_push_note_order(fm_verdict *v, const fm_push_ref *r)
{
  double omin, omed;
  size_t m = fm_min_median(&omin, &omed, r->order, r->n);
  if (m == 0) {
    fm_verdict_notef(v, "FD observed order: differences at round-off everywhere");
    return;
  }
  fm_verdict_notef(v, "FD observed order min %.2f median %.2f (%zu/%zu points above "
                      "round-off; 2 expected)", omin, omed, m, r->n);
  fm_verdict_fact(v, FM_F_FD_ORDER_MIN, NULL, omin);
  fm_verdict_fact(v, FM_F_FD_ORDER_MEDIAN, NULL, omed);
  if (fabs(omed - 2.0) > FM_PUSH_ORDER_BAND) {
    fm_verdict_notef(v, "warning: median observed order off 2 by more than %.1f",
                     FM_PUSH_ORDER_BAND);
    fm_verdict_warn(v);
  }
}

static double fm_push_route_tol(const void *work, size_t r)
{
  const fm_push_work *w = work;
  return r == FM_PUSH_R_CONT ? 1.0 : fm_push_tol1(w->r.kappa_max, w->r.d);
}

static void fm_push_report(fm_verdict *v, void *work, fm_ptcheck *run)
{
  const fm_push_work *w = work;
  (void)run;
  fm_verdict_notef(v, "largest continuity residual relative to its terms %.3g", w->relres);
  fm_push_note_order(v, &w->r);
  if (!w->r.exact_schedule)
    fm_verdict_notef(v, "schedule has no MPFR twin: its double values are taken "
                        "as exact in the MPFR route");
}

/* The scan's input: sigma' x (1 + e) in the candidate. */
static void fm_push_perturb(void *work, double e)
{
  fm_push_work *w = work;
  w->k.dsigma_factor = 1.0 + e;
}

/* fm_perturb_note's wording, except that a scan without detection has
 * always read "...: none" here (without the route's name). */
static void fm_push_scan_note(fm_verdict *v, size_t nscan, const char *const *names,
                              const double *found)
{
  if (!isnan(found[0])) {
    fm_perturb_note(v, "sigma'", FM_PERTURB_DECADES_RANGE, nscan, names, found);
    return;
  }
  fm_verdict_notef(v, "smallest sigma' perturbation detected (of %s): none",
                   FM_PERTURB_DECADES_RANGE);
  fm_verdict_fact(v, FM_F_DETECTED, names[0], INFINITY);
}

static const fm_ptcheck_spec fm_push_spec = {
    .name = "push-forward",
    .nroutes = FM_PUSH_NROUTES,
    .routes = fm_push_routes,
    .init = fm_push_work_init,
    .clear = fm_push_work_clear,
    .prepare = fm_push_prepare,
    .point = fm_push_point,
    .route_tol = fm_push_route_tol,
    .report = fm_push_report,
    .scan_input = "sigma'",
    .scan_points = FM_PUSH_SCAN_POINTS,
    .perturb = fm_push_perturb,
    .scan_note = fm_push_scan_note,
};

static int fm_push_check(fm_verdict *v, const fm_case *c, const fm_check_opts *o, int mutant)
{
  fm_push_work w;
  return fm_ptcheck_run(v, &fm_push_spec, &w, c, o, mutant);
}

const fm_theorem fm_thm_push_forward = {
    "push-forward",
    "p_t(.|x1) = [psi_t]_# N(0,I): log N(x0) - d log sigma_t = log p_t(psi_t(x0)|x1), "
    "and d/dt p_t(x|x1) + div(p_t(x|x1) u_t(x|x1)) = 0",
    fm_push_check,
    fm_push_mutants,
};
