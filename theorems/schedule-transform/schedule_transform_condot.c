/* schedule_transform_condot.c -- route `from-cond-ot` of theorem
 * `schedule-transform`: the other direction.  The analytic CondOT field (A =
 * cond_ot, sigma_min = 0) mapped to the case's schedule B by the scale-time
 * change of cases/transform.h,
 *     u_B(r, x) = (s_r'/s_r) x + s_r t_r' u_A(t_r, x/s_r),
 * must equal B's closed-form marginal field.  This is what lets a model
 * trained with CondOT be sampled under B (item 4 of validate-schedule reads
 * this route's records).  When B is CondOT with sigma_min = 0 the transform
 * is the identity (t_r = r, s_r = 1) and the route still runs: it must pass,
 * and every control is not deciding (below).
 *
 * Points: fm_pointset for the case under B (typical, within 2e-6 of either
 * end, tails 50 standard deviations out).  Points whose SNR lies outside
 * CondOT's range (none when sigma_min = 0: its SNR covers (0, inf)) or where
 * the transform is undefined are counted, not decided.
 *
 * Tolerance.  The identity is algebraic in B's four schedule numbers at r:
 * given (alpha, sigma, alpha', sigma') of B and t_r with snr_A(t_r) = alpha /
 * sigma exactly, A's values at t_r make both sides the same function of
 * those numbers (s_r'/s_r + t_r' sigma_A'/sigma_A = sigma_B'/sigma_B and
 * s_r t_r' W_A/sigma_A = alpha_B' - sigma_B' alpha_B/sigma_B).  Candidate and
 * reference use the *same* double values of B, so B's own evaluation error
 * cancels to first order; what remains (eps = DBL_EPSILON):
 *   - the root t_r: Brent's final bracket width plus dL / |L_A'(t_r)|, dL =
 *     2 eps (3 + |L|), each log-SNR (B's from its values, A's closed form
 *     log(t/(1-t))) carrying <= eps (3 + |L|): the quotient or two logs (2 eps
 *     absolute), 1 - t (eps), the log's own rounding (eps |L|); times the
 *     measured sensitivity |dF/dt_r| (forward difference, step 2^-20 min(t,
 *     1-t), through fm_transform_combine and the field);
 *   - A's sigma = 1 - t, one rounding for t < 1/2: eps sigma_A times the
 *     measured |dF/dsigma_A|;
 *   - fm_transform_combine's rounding (kit/transform_err.c, the model the
 *     theorem's other routes use too): t_r' within (2 (kL_A + kL_B) +
 *     1) eps relative, kL = (|alpha'/alpha| + |sigma'/sigma|)/|L'|; s_r'/s_r
 *     within 2 eps (|g_B| + |t' g_A|) + |t' g_A| dt_rel; s_r within eps
 *     (times the measured |dF/ds| s);
 *   - y = x/s_r, eps |y_j| per component, times the measured column
 *     sensitivity of u_A; u_A's own rounding s |t'| B_u (path_err.h);
 *     2 eps U for the final axpy;
 *   - the reference: B_u at (r, x) and eps |u_B|.
 * U = |s'/s| |x| + |s t'| |u_A| (the transform's terms, inf-norms) scales
 * the statistic; a point is decided where tol <= 0.1 U.
 *
 * Negative controls: the theorem's mutants, applied to this route's
 * candidate ("t_r' missing": t_r' = 1; "s_r'/s_r term dropped"; "x not
 * rescaled": u_A at x instead of x/s_r), against the same references and
 * tolerances.  Each must fail somewhere -- where it changes anything: the
 * route is recorded not deciding (fm_verdict_route_nd: it cannot reject the
 * control by itself) when the quantity the control removes is trivial at
 * every decided point, |t_r' - 1|, |s_r'/s_r| / (|g_B| + |t_r' g_A|) (g the log-derivative
 * of the ratio used) and |s_r - 1| respectively below 1e-12.  That happens
 * for B = CondOT (the identity) and for every B with alpha + sigma = 1, whose
 * matched times have alpha_B(r) = alpha_A(t_r) (polynomial: t_r = r^n, s_r =
 * 1, a pure time change).  1e-12 is ~4500 eps: above the rounding of these
 * quantities (a few eps times the cancellation kL of t_r'), below any
 * genuine difference of two schedules.  Nor does it decide where the
 * control's candidate moves from the true candidate by less than
 * FM_VT_POWER = 2 tolerances at every decided point: the truth lies within
 * one tolerance of the reference, so only a shift of 2 guarantees |e| >=
 * tol; below that the route claims no power (seen: "s_r'/s_r term dropped"
 * on polynomial n = 2.97, largest e/tol 0.91, a false REJECT in
 * validate-schedule).
 *
 * Recorded: the worst decided point's e/U against tol/U (e = |candidate -
 * u_B|_inf); a point where an evaluation fails (other than outside the
 * range) makes the true statement's value NaN, worst naming it.  Facts,
 * qualified by the route's key: decided, loose (tol > 0.1 U), failed,
 * snr-points and snr-in-range (points tried, and inside CondOT's range);
 * under a control, removed (the largest of its quantity above); no-transform
 * = 1 when the transform cannot be set up (worst says why: the route fails,
 * and does not decide a control). */
#include "schedule_transform.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdiff.h"
#include "linalg.h"
#include "path_err.h"
#include "points.h"
#include "transform.h"
#include "transform_err.h"

#define FM_VT_EPS DBL_EPSILON
#define FM_VT_PROBE FM_TRANSFORM_ERR_PROBE
#define FM_VT_MAX_REL 0.1
#define FM_VT_TRIVIAL 1e-12
#define FM_VT_POWER 2.0

typedef struct {
  const fm_case *c;
  const fm_schedule *A;
  size_t d;
  fm_gmm_path *pA, *pB;
  fm_path_err *pe;
  double *F, *Fk, *uA, *uB, *y, *ys, *work;
  double rescale;        /* x-not-rescaled control: u_A at rescale * y */
} fm_vt_work;

typedef struct {
  int mutant;
  double margin, value, tol; /* worst decided point: e/tol, e/U, tol/U */
  size_t n, decided, loose, outside, failed;
  double removed;            /* the mutant's quantity (header), largest */
  double shift;              /* the mutant's |F_mut - F_true| / tol, largest */
  char worst[200];
} fm_vt_stats;

/* CondOT's analytic field at t (the callback of fm_transform_field). */
static int fm_vt_uA(double *u, double t, const double *y, size_t n, void *ctx)
{
  fm_vt_work *w = ctx;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, w->A, t);
  st = st ? st : fm_gmm_path_set(w->pA, &v);
  for (size_t i = 0; i < n && st == FM_OK; i++) {
    const double *yi = y + i * w->d;
    if (w->rescale != 1.0) {
      for (size_t j = 0; j < w->d; j++)
        w->ys[j] = w->rescale * yi[j];
      yi = w->ys;
    }
    st = fm_gmm_path_eval(NULL, NULL, NULL, u + i * w->d, w->pA, yi);
  }
  return st;
}

/* The field with A's values vA at tv->t (combine redone from vA, vB). */
static int fm_vt_field(fm_vt_work *w, double *F, fm_transform_val *tv,
                       const fm_sched_val *vA, const fm_sched_val *vB, const double *x)
{
  double t = tv->t;
  int st = fm_transform_combine(tv, vA, vB);
  tv->t = t;
  if (st != FM_OK)
    return st;
  /* u_A must see vA (perturbed or not): evaluate it here, not in the callback */
  st = fm_gmm_path_set(w->pA, vA);
  size_t d = w->d;
  for (size_t j = 0; j < d; j++)
    w->y[j] = x[j] / tv->s;
  st = st ? st : fm_gmm_path_eval(NULL, NULL, NULL, w->Fk, w->pA, w->y);
  if (st != FM_OK)
    return st;
  for (size_t j = 0; j < d; j++)
    F[j] = tv->dlogs * x[j] + tv->s * tv->dt * w->Fk[j];
  return FM_OK;
}

/* |dF/dp| dp for the root t_r and for A's sigma (forward differences). */
static int fm_vt_err_inputs(double *err, fm_vt_work *w, const fm_transform_val *tv,
                            const fm_sched_val *vA, const fm_sched_val *vB, const double *x)
{
  size_t d = w->d;
  double t = tv->t, base = fmin(t, 1.0 - t);
  *err = 0.0;
  if (!(base > 0.0))
    return FM_OK;
  double L = log(vB->alpha / vB->sigma);
  double LA1 = vA->dalpha / vA->alpha - vA->dsigma / vA->sigma;
  double dt_r = tv->t_width + 2.0 * FM_VT_EPS * (3.0 + fabs(L)) / fabs(LA1);
  fm_transform_val tk = *tv;
  double delta = fm_fdiff_step(t, FM_VT_PROBE * base);
  fm_sched_val vk;
  tk.t = t + delta;
  int st = fm_schedule_eval(&vk, w->A, tk.t);
  st = st ? st : fm_vt_field(w, w->Fk + d, &tk, &vk, vB, x);
  if (st != FM_OK)
    return st;
  *err += fm_linalg_maxdiff(w->Fk + d, w->F, d) / delta * dt_r;
  vk = *vA;
  double ds = fm_fdiff_step(vA->sigma, FM_VT_PROBE * vA->sigma);
  vk.sigma += ds;
  tk = *tv;
  st = fm_vt_field(w, w->Fk + d, &tk, &vk, vB, x);
  if (st != FM_OK)
    return st;
  *err += fm_linalg_maxdiff(w->Fk + d, w->F, d) / ds * FM_VT_EPS * vA->sigma;
  return FM_OK;
}

/* fm_transform_combine's rounding: t_r', s_r'/s_r, s_r. */
static int fm_vt_err_combine(double *err, fm_vt_work *w, const fm_transform_val *tv,
                             const fm_sched_val *vA, const fm_sched_val *vB, const double *x)
{
  size_t d = w->d;
  double xn = fm_linalg_maxabs(x, d), un = fm_linalg_maxabs(w->uA, d), sdt = fabs(tv->s * tv->dt);
  fm_transform_err e;
  fm_transform_err_combine(&e, tv, vA, vB);
  fm_transform_val ts = *tv;
  ts.s = tv->s * (1.0 + FM_VT_PROBE);
  w->rescale = 1.0;
  int st = fm_transform_field(w->Fk + d, &ts, fm_vt_uA, w, x, 1, d, w->work);
  if (st != FM_OK)
    return st;
  *err = xn * e.ddlogs + sdt * un * e.dt_rel +
         fm_linalg_maxdiff(w->Fk + d, w->F, d) / FM_VT_PROBE * FM_VT_EPS;
  return FM_OK;
}

/* y = x/s_r per component (column sensitivities of u_A), u_A's own
 * rounding, the final axpy. */
static int fm_vt_err_field(double *err, fm_vt_work *w, const fm_transform_val *tv,
                           const fm_sched_val *vA, const double *x, double U)
{
  size_t d = w->d;
  double sdt = fabs(tv->s * tv->dt);
  *err = 0.0;
  for (size_t j = 0; j < d; j++)
    w->y[j] = x[j] / tv->s; /* the perturbed evaluations moved y */
  int st = fm_gmm_path_set(w->pA, vA);
  st = st ? st : fm_transform_err_rescale(err, w->pA, w->y, w->uA, sdt, d, w->ys, w->Fk + d);
  /* path_err bounds the last evaluation: redo the one at y */
  st = st ? st : fm_gmm_path_eval(NULL, NULL, NULL, w->uA, w->pA, w->y);
  if (st != FM_OK)
    return st;
  fm_path_errb b;
  fm_path_err_bound(&b, w->pe, w->pA, vA, w->y, FM_VT_EPS);
  *err += sdt * b.u + 2.0 * FM_VT_EPS * U;
  return FM_OK;
}

/* The reference u_B(r, x) into w->uB and its rounding bound. */
static int fm_vt_reference(double *err, fm_vt_work *w, const fm_sched_val *vB,
                           const double *x)
{
  int st = fm_gmm_path_set(w->pB, vB);
  st = st ? st : fm_gmm_path_eval(NULL, NULL, NULL, w->uB, w->pB, x);
  if (st != FM_OK)
    return st;
  fm_path_errb b;
  fm_path_err_bound(&b, w->pe, w->pB, vB, x, FM_VT_EPS);
  *err = b.u + FM_VT_EPS * fm_linalg_maxabs(w->uB, w->d);
  return FM_OK;
}

/* The error bound of the candidate at one point (see the header) and the
 * scale U; w->F holds the candidate, w->uA u_A at y = x/s_r. */
static int fm_vt_bound(double *tol, double *U, fm_vt_work *w, const fm_transform_val *tv,
                       const fm_sched_val *vA, const fm_sched_val *vB, const double *x)
{
  size_t d = w->d;
  *U = fabs(tv->dlogs) * fm_linalg_maxabs(x, d) + fabs(tv->s * tv->dt) * fm_linalg_maxabs(w->uA, d);
  double e1 = 0.0, e2 = 0.0, e3 = 0.0, e4 = 0.0;
  int st = fm_vt_err_inputs(&e1, w, tv, vA, vB, x);
  st = st ? st : fm_vt_err_combine(&e2, w, tv, vA, vB, x);
  st = st ? st : fm_vt_err_field(&e3, w, tv, vA, x, *U);
  st = st ? st : fm_vt_reference(&e4, w, vB, x);
  *tol = e1 + e2 + e3 + e4;
  return st;
}

/* The candidate under mutant m (FM_ST_TRUE: the library's transform, as is). */
static int fm_vt_candidate(fm_vt_work *w, double *F, const fm_transform_val *tv, int m,
                           const double *x)
{
  fm_transform_val tc = *tv;
  if (m == FM_ST_NO_DT)
    tc.dt = 1.0;
  if (m == FM_ST_NO_DLOGS)
    tc.dlogs = 0.0;
  w->rescale = m == FM_ST_NO_RESCALE ? tv->s : 1.0;
  int st = fm_transform_field(F, &tc, fm_vt_uA, w, x, 1, w->d, w->work);
  w->rescale = 1.0;
  return st;
}

/* The quantity mutant m removes, relative (the header's n/a rule). */
static double fm_vt_removed(int m, const fm_transform_val *tv, const fm_sched_val *vA,
                            const fm_sched_val *vB)
{
  fm_transform_err te;
  fm_transform_err_combine(&te, tv, vA, vB);
  if (m == FM_ST_NO_DT)
    return fabs(tv->dt - 1.0);
  if (m == FM_ST_NO_DLOGS)
    return fabs(tv->dlogs) / (fabs(te.gB) + fabs(tv->dt * te.gA));
  return fabs(tv->s - 1.0);
}

static int fm_vt_point(fm_vt_work *w, fm_vt_stats *S, const fm_transform *tr,
                       const fm_pointset *ps, size_t i)
{
  size_t d = w->d;
  const double *x = ps->x + i * d;
  double r = ps->t[i];
  fm_transform_val tv;
  int st = fm_transform_eval(&tv, tr, r);
  if (st == FM_EDOM) {
    S->outside++;
    return FM_OK;
  }
  fm_sched_val vA, vB;
  st = st ? st : fm_schedule_eval(&vA, w->A, tv.t);
  st = st ? st : fm_schedule_eval(&vB, w->c->sched, r);
  st = st ? st : fm_vt_candidate(w, w->F, &tv, FM_ST_TRUE, x);
  for (size_t j = 0; j < d && st == FM_OK; j++)
    w->y[j] = x[j] / tv.s;
  st = st ? st : fm_gmm_path_set(w->pA, &vA);
  st = st ? st : fm_gmm_path_eval(NULL, NULL, NULL, w->uA, w->pA, w->y);
  double tol, U;
  st = st ? st : fm_vt_bound(&tol, &U, w, &tv, &vA, &vB, x);
  if (st == FM_ENOMEM)
    return st;
  if (st != FM_OK) {
    if (S->failed++ == 0)
      snprintf(S->worst, sizeof S->worst, "r=%.10g: %s", r, fm_strerror(st));
    return FM_OK;
  }
  if (!(U > 0.0) || !(tol <= FM_VT_MAX_REL * U)) {
    S->loose++;
    return FM_OK;
  }
  S->decided++;
  double e;
  if (S->mutant == FM_ST_TRUE) {
    e = fm_linalg_maxdiff(w->F, w->uB, d);
  } else {
    S->removed = fmax(S->removed, fm_vt_removed(S->mutant, &tv, &vA, &vB));
    st = fm_vt_candidate(w, w->Fk, &tv, S->mutant, x);
    e = st == FM_OK ? fm_linalg_maxdiff(w->Fk, w->uB, d) : INFINITY;
    if (st == FM_OK)
      S->shift = fmax(S->shift, fm_linalg_maxdiff(w->Fk, w->F, d) / tol);
  }
  double m = isnan(e) ? INFINITY : e / tol;
  if (!(m <= S->margin)) {
    S->margin = m;
    S->value = e / U;
    S->tol = tol / U;
    snprintf(S->worst, sizeof S->worst, "r=%.10g, t_r=%.10g (%s)", r, tv.t,
             fm_point_kind_name(ps->kind[i]));
  }
  return FM_OK;
}

static void fm_vt_free(fm_vt_work *w)
{
  fm_gmm_path_free(w->pA);
  fm_gmm_path_free(w->pB);
  fm_path_err_free(w->pe);
  free(w->F);
}

static int fm_vt_alloc(fm_vt_work *w, const fm_case *c, const fm_schedule *A)
{
  size_t d = c->gmm->d;
  *w = (fm_vt_work){.c = c, .A = A, .d = d, .rescale = 1.0};
  int st = fm_gmm_path_alloc(&w->pA, c->gmm);
  st = st ? st : fm_gmm_path_alloc(&w->pB, c->gmm);
  st = st ? st : fm_path_err_alloc(&w->pe, c->gmm);
  double *buf = st == FM_OK ? malloc(9 * d * sizeof *buf) : NULL;
  if (st == FM_OK && buf == NULL)
    st = FM_ENOMEM;
  if (st != FM_OK) {
    fm_vt_free(w);
    return st;
  }
  w->F = buf;
  w->Fk = buf + d;   /* 2 d: Fk and Fk + d */
  w->uA = buf + 3 * d;
  w->uB = buf + 4 * d;
  w->y = buf + 5 * d;
  w->ys = buf + 6 * d;
  w->work = buf + 7 * d; /* 2 d */
  return FM_OK;
}

/* The record and the facts (see the header). */
static void fm_vt_report(fm_verdict *v, const fm_vt_stats *S)
{
  const fm_route_id id = FM_R_ST_FROM_CONDOT;
  const char *q = fm_route_key(id);
  fm_verdict_fact(v, FM_F_DECIDED, q, (double)S->decided);
  fm_verdict_fact(v, FM_F_LOOSE, q, (double)S->loose);
  fm_verdict_fact(v, FM_F_FAILED, q, (double)S->failed);
  fm_verdict_fact(v, FM_F_SNR_POINTS, q, (double)S->n);
  fm_verdict_fact(v, FM_F_SNR_IN_RANGE, q, (double)(S->n - S->outside));
  if (S->mutant == FM_ST_TRUE) {
    double value = S->decided > 0 && S->failed == 0 ? S->value : NAN;
    fm_verdict_route(v, id, value, S->decided > 0 ? S->tol : 1.0, 0.0, S->worst);
    return;
  }
  fm_verdict_fact(v, FM_F_REMOVED, q, S->removed);
  if (S->decided > 0 && S->removed > FM_VT_TRIVIAL && !(S->shift >= FM_VT_POWER))
    fm_verdict_notef(v, "from-cond-ot claims no power over this control here: its largest "
                        "shift of the candidate is %.3g tolerances (claim from %g)",
                     S->shift, FM_VT_POWER);
  if (S->decided > 0 && S->removed > FM_VT_TRIVIAL && S->shift >= FM_VT_POWER)
    fm_verdict_route(v, id, S->value, S->tol, 0.0, S->worst);
  else
    fm_verdict_route_nd(v, id, S->decided > 0 ? S->value : NAN, S->decided > 0 ? S->tol : 1.0,
                        0.0, S->worst);
}

static void fm_vt_setup_failed(fm_verdict *v, int mutant, const char *msg)
{
  fm_verdict_fact(v, FM_F_NO_TRANSFORM, fm_route_key(FM_R_ST_FROM_CONDOT), 1.0);
  if (mutant == FM_ST_TRUE)
    fm_verdict_route(v, FM_R_ST_FROM_CONDOT, NAN, NAN, 0.0, msg);
  else
    fm_verdict_route_nd(v, FM_R_ST_FROM_CONDOT, NAN, NAN, 0.0, msg);
}

int fm_st_from_condot(fm_verdict *v, const fm_case *c, const fm_check_opts *o, int mutant)
{
  fm_schedule *A = NULL;
  fm_errmsg e = {""};
  int st = fm_schedule_cond_ot(&A, 0.0, &e);
  if (st != FM_OK)
    return st;
  fm_transform *tr = NULL;
  int sst = fm_transform_make(&tr, A, c->sched, &e);
  fm_vt_stats S = {.mutant = mutant, .margin = -INFINITY, .value = NAN, .tol = NAN};
  if (sst == FM_OK) {
    fm_vt_work w;
    fm_pointset *ps = NULL;
    st = fm_vt_alloc(&w, c, A);
    if (st == FM_OK) {
      st = fm_pointset_make(&ps, c, fm_check_seed(o, c), fm_check_npoints(o));
      if (st != FM_OK) {
        sst = st;
        snprintf(e.msg, sizeof e.msg, "no evaluation points: %s", fm_strerror(st));
        st = FM_OK;
      }
      S.n = ps != NULL ? ps->n : 0;
      for (size_t i = 0; ps != NULL && i < ps->n && st == FM_OK; i++)
        st = fm_vt_point(&w, &S, tr, ps, i);
      fm_pointset_free(ps);
      fm_vt_free(&w);
    }
  }
  if (st == FM_OK && sst != FM_OK)
    fm_vt_setup_failed(v, mutant, e.msg);
  else if (st == FM_OK)
    fm_vt_report(v, &S);
  fm_transform_free(tr);
  fm_schedule_free(A);
  return st;
}
