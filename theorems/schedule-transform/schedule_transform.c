/* schedule_transform.c -- theorem `schedule-transform` (theorems/README.md): a field
 * for schedule A mapped to schedule B by the scale-time change
 *     t_r = snr_A^{-1}(snr_B(r)),  s_r = sigma_B(r)/sigma_A(t_r),
 *     u_B(r, x) = (s_r'/s_r) x + s_r t_r' u_A(t_r, x/s_r)
 * equals B's marginal field.  The transform under test is the library's
 * (cases/transform.c: Brent on log snr, t_r' = L_B'/L_A', s_r'/s_r by the
 * chain rule), applied to the analytic field of A (fm_gmm_path) through its
 * callback interface -- the same code path a trained model takes.
 *
 * A is the case's schedule; B runs over the built-ins cond_ot, vp (beta_min
 * = 0.1, beta_max = 20), cosine, linear_vp and polynomial (n = 2), except the
 * one identical to A.  Points: fm_pointset drawn for the case's GMM under
 * schedule B (so x is typical, near an end, or in a tail of p^B_r), each r
 * moved onto the 2^-40 grid (fm_fdiff_grid, moves r by <= 2^-41) so the
 * finite differences below take exact steps.  Range: only r whose snr_B(r)
 * lies strictly inside snr_A([0, 1]) can be mapped (fm_transform_range); near
 * the ends SNR -> 0 (alpha = 0) or infinity (sigma = 0), and a point outside
 * A's range (e.g. r = 1e-6 under B = cond_ot when A = vp, whose SNR starts
 * at 0.0066; VE's SNR lies in [0.02, 100]) is counted in the note, not
 * checked.  The vp/cosine/linear_vp pairs have s_r = 1 (alpha^2 + sigma^2 = 1
 * for both): mutants 1 and 3 are invisible there and are caught by the other
 * B's.
 *
 * Tolerance of the transformed field -- first-order error propagation.  eps =
 * DBL_EPSILON.  The candidate depends on nine scalars p = (t_r, A's alpha,
 * sigma, alpha', sigma' at t_r, B's four values at r), each with an a priori
 * error bound dp:
 *   - schedule values: fm_sched_value_errs (points.h), component-wise.
 *     Built-ins: e |f| with e = fm_sched_value_err (4 kappa eps, or 8x the
 *     measured relative rounding noise; their formulas are relatively
 *     accurate at both ends, which the `schedule` theorem checks against
 *     their MPFR twins).  Schedules without a twin (expr, table): max(4
 *     kappa eps (|alpha| + |sigma|) (values) or (|alpha'| + |sigma'|)
 *     (derivatives) -- an expression like cos(pi t/2) is only absolutely
 *     accurate near its zero --, 8x the measured absolute noise of that
 *     value itself).  The second term is the user's own rounding: a VP
 *     written as sigma = sqrt(1 - exp(-T)) cancels near t = 1, and at the
 *     t_r this check reaches (1 - t_r ~ 5e-11 from r = 1 - 1.7e-6 under
 *     B = cond_ot) sigma is only accurate to a relative ~6e-6, alpha to
 *     eps; a single relative noise applied to |alpha| + |sigma| (the former
 *     model) bounded sigma's error by ~1e-14, and its noise grid had
 *     collapsed below ulp(t_r) so it measured ~eps anyway: a false FAIL
 *     (1.6e-9 vs tol 1.5e-12).  Through the log SNR these bounds enter dp
 *     of t_r below relative to sigma itself;
 *   - t_r: Brent's final bracket width plus dL / L_A'(t_r), dL = the errors
 *     of both log SNRs (the relative errors of the four values, eps (2 +
 *     |L|) for the quotient and the log).
 * The sensitivity to each p_k is measured by a forward difference of the
 * whole computation (fm_transform_combine + the field) with step 2^-20 |p_k|
 * (2^-20 min(t, 1-t) for t_r): its truncation error is a relative 2^-20, its
 * round-off a relative eps 2^20 times dp/p ~ eps^2 2^20, both negligible
 * against the bound.  Added to sum_k |dG/dp_k| dp_k: the rounding of
 * fm_transform_combine itself (s: eps; t_r': (2 (kL_A + kL_B) + 1) eps, kL =
 * (|alpha'/alpha| + |sigma'/sigma|)/|L'|; s'/s: 2 eps (|g_B| + |t' g_A|) +
 * |t' g_A| dt_rel, g the log-derivative of the ratio used) carried through
 * the measured sensitivity to s and the terms |x|, |s u_A|; the rounding of
 * y = x/s (eps |y_j| per component, times the measured column sensitivity of
 * u_A -- d more evaluations); s |t'| B_u (path_err.h) for u_A's own rounding;
 * 2 eps (|s'/s| |x| + |s t' u_A|) for the final axpy.
 * (The models of combine and of y = x/s are transform_err.c, shared with
 * item 4 of validate-schedule.)
 * Statistics are relative to U = |s'/s| |x|_inf + |s t'| |u_A|_inf (the
 * terms of the transform); a point is decided where tol <= 0.1 U.
 *
 * Route 1 -- vs B's field in double (fm_gmm_path with B's double values);
 * the reference's error: B_u plus its measured sensitivity to B's four
 * values times their bounds.
 * Route 2 -- vs B's field in MPFR (fm_gmm_marginal_mp at o->prec bits with
 * B's MPFR twin: the exact u_B(r, x), correctly rounded): + eps |u_B|.
 * Route 3 -- t_r' and s_r' (the library's) vs Richardson-extrapolated
 * central differences of r -> t_r, s_r (fm_fdiff_central, 5 levels, h0 the
 * largest power of two <= min(2^-7, r/4, (1-r)/4, (r - r_lo)/4,
 * (r_hi - r)/4)).  tol = err + 4 delta / h_fin + (error of the library
 * value): err fm_fdiff's estimate; delta the error bound of one evaluation
 * of t_r (or s_r) from the analysis above -- the 2 delta / h_fin of a
 * Richardson combination (cond_field.c), doubled because delta is taken at
 * r and the stencil reaches r +- r/4.  Relative to |t_r'| and to |s_r|
 * (|g_B| + |t' g_A|) (the terms of s_r').  Run for the true statement only:
 * no mutant touches t_r' or s_r'.
 *
 * Mutants (the candidate's field assembly changed; references unchanged):
 *   1 "s_r'/s_r term dropped": u_B = s t' u_A(t_r, x/s);
 *   2 "t_r' missing": u_B = (s'/s) x + s u_A(t_r, x/s);
 *   3 "x not rescaled (u_A(t_r, x))": u_A evaluated at x instead of x/s.
 *
 * Route 4 -- from-cond-ot (schedule_transform_condot.c, its own header):
 * the other direction, A = CondOT with sigma_min = 0 and B = the case's
 * schedule, vs B's field in double with a tolerance model of its own; it
 * runs under every mutant too, with the same change of the candidate.
 *
 * For the true statement the note also gives the smallest relative error e
 * of t_r' (the library's t_r' x (1 + e) in the candidate, e = 1e-14 .. 1e-2
 * by decades; perturb.h) that routes 1, 2 and the t_r' part of route 3
 * detect.  Every point is used: the scan reuses each point's references and
 * tolerances (the costly part) and only re-assembles the candidate, one
 * field evaluation of A per e.
 */
#include "theorems.h"
#include "schedule_transform.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdiff.h"
#include "linalg.h"
#include "path_err.h"
#include "perturb.h"
#include "points.h"
#include "sched_fd.h"
#include "transform.h"
#include "transform_err.h"
#include "worst.h"

#define FM_ST_EPS DBL_EPSILON
#define FM_ST_PROBE FM_TRANSFORM_ERR_PROBE
#define FM_ST_MAX_REL 0.1
#define FM_ST_FD_LEVELS 5
#define FM_ST_FD_HMAX 0x1p-7
#define FM_ST_NB 5
#define FM_ST_NP 9

enum { FM_ST_R_DOUBLE, FM_ST_R_MP, FM_ST_R_FD_T, FM_ST_R_FD_S, FM_ST_NR };

static const char *const fm_st_mutants[] = {
    "s_r'/s_r term dropped",
    "t_r' missing",
    "x not rescaled (u_A(t_r, x))",
    NULL,
};

static const fm_route_id fm_st_route_ids[FM_ST_NR] = {
    FM_R_ST_DOUBLE, FM_R_ST_MP, FM_R_ST_FD_T, FM_R_ST_FD_S,
};

static const char *const fm_st_b_names[FM_ST_NB] = {"cond_ot", "vp", "cosine",
                                                     "linear_vp", "polynomial"};

static int fm_st_make_b(fm_schedule **s, int k)
{
  switch (k) {
  case 0: return fm_schedule_cond_ot(s, 0.0, NULL);
  case 1: return fm_schedule_vp(s, 0.1, 20.0, NULL);
  case 2: return fm_schedule_cosine(s, NULL);
  case 3: return fm_schedule_linear_vp(s, NULL);
  default: return fm_schedule_polynomial(s, 2.0, NULL);
  }
}

typedef struct {
  fm_worst w;
  size_t decided, loose;
  char worst[256];
} fm_st_route;

/* The evaluation of one (r, x) pair: the transform, A's and B's values, the
 * nine scalars and their bounds, the base field. */
typedef struct {
  double r, L_A;
  fm_transform_val tv;
  fm_transform_err e;   /* combine's rounding model at (t_r, r) */
  fm_sched_val vA, vB;
  double p[FM_ST_NP], dp[FM_ST_NP];
  double errF, errs, errdt, errds, U;
} fm_st_pt;

typedef struct {
  const fm_case *c;
  int mutant, twinA, twinB;
  mpfr_prec_t prec;
  size_t d;
  const fm_schedule *B;
  const fm_transform *tr;
  double r_lo, r_hi;
  fm_gmm_path *pA, *pB;
  fm_path_err *pe;
  fm_sched_val vA_set;   /* values pA was last set with */
  int pA_valid;
  double *y, *ys, *uA, *F, *Fk, *Fc, *uBd, *uBk, *uBm, *work;
  fm_st_route r[FM_ST_NR];
  size_t in_range[FM_ST_NB], out_range[FM_ST_NB], npts[FM_ST_NB];
  int used[FM_ST_NB];
  double cond_max;       /* max tol / (eps U) of route 2 */
  double dlogs_max[FM_ST_NB];
  double dt_factor;      /* the scan's 1 + e on t_r' in the candidate (else 1) */
  fm_st_route scan[FM_PERTURB_NDECADES][3]; /* routes 1, 2, 3 (t_r') at each e */
} fm_st_work;

/* --- A's analytic field through the library's callback interface --- */

static int fm_st_setA(fm_st_work *w, const fm_sched_val *v)
{
  if (w->pA_valid && memcmp(v, &w->vA_set, sizeof *v) == 0)
    return FM_OK;
  w->pA_valid = 0;
  int st = fm_gmm_path_set(w->pA, v);
  if (st == FM_OK) {
    w->vA_set = *v;
    w->pA_valid = 1;
  }
  return st;
}

typedef struct {
  fm_st_work *w;
  const fm_sched_val *vA; /* NULL: A's schedule evaluated at the callback's t */
  double rescale;         /* mutant 3: u_A at rescale * y */
} fm_st_cb;

static int fm_st_uA(double *u, double t, const double *y, size_t n, void *ctx)
{
  fm_st_cb *c = ctx;
  fm_st_work *w = c->w;
  size_t d = w->d;
  fm_sched_val v;
  int st = FM_OK;
  if (c->vA != NULL)
    v = *c->vA;
  else
    st = fm_schedule_eval(&v, w->c->sched, t);
  st = st ? st : fm_st_setA(w, &v);
  for (size_t i = 0; i < n && st == FM_OK; i++) {
    const double *yi = y + i * d;
    if (c->rescale != 1.0) {
      for (size_t j = 0; j < d; j++)
        w->ys[j] = c->rescale * yi[j];
      yi = w->ys;
    }
    st = fm_gmm_path_eval(NULL, NULL, NULL, u + i * d, w->pA, yi);
  }
  return st;
}

/* F = the transformed field at x from schedule values vA (at tv->t), vB,
 * with the true assembly; tv receives the combined values. */
static int fm_st_G(fm_st_work *w, double *F, fm_transform_val *tv, const fm_sched_val *vA,
                   const fm_sched_val *vB, const double *x)
{
  int st = fm_transform_combine(tv, vA, vB);
  fm_st_cb cb = {w, vA, 1.0};
  return st ? st : fm_transform_field(F, tv, fm_st_uA, &cb, x, 1, w->d, w->work);
}

/* --- error bounds --- */

/* Bounds on alpha, sigma, alpha', sigma' (see header). */
static int fm_st_value_errs(double *dp, const fm_schedule *S, int twin, double t,
                            const fm_sched_val *v)
{
  /* a schedule that cannot be evaluated beside t cannot have its noise
   * measured: the evaluation's status, as for one at t itself (FM_EDOM:
   * the point is counted out of range), rather than an under-bound */
  return fm_sched_value_errs(dp, S, t, v, twin);
}

static void fm_st_unpack(double *p, const fm_sched_val *v)
{
  p[0] = v->alpha;
  p[1] = v->sigma;
  p[2] = v->dalpha;
  p[3] = v->dsigma;
}

static void fm_st_pack(fm_sched_val *v, const double *p)
{
  *v = (fm_sched_val){p[0], p[1], p[2], p[3]};
}

/* The nine scalars, their bounds, and the base evaluation. */
static int fm_st_setup(fm_st_work *w, fm_st_pt *q, double r)
{
  q->r = r;
  int st = fm_transform_eval(&q->tv, w->tr, r);
  st = st ? st : fm_schedule_eval(&q->vA, w->c->sched, q->tv.t);
  st = st ? st : fm_schedule_eval(&q->vB, w->B, r);
  if (st != FM_OK)
    return st;
  double t = q->tv.t;
  q->p[0] = t;
  fm_st_unpack(q->p + 1, &q->vA);
  fm_st_unpack(q->p + 5, &q->vB);
  st = fm_st_value_errs(q->dp + 1, w->c->sched, w->twinA, t, &q->vA);
  st = st ? st : fm_st_value_errs(q->dp + 5, w->B, w->twinB, r, &q->vB);
  if (st != FM_OK)
    return st;
  q->L_A = log(q->vA.alpha / q->vA.sigma);
  double dL = q->dp[1] / fabs(q->vA.alpha) + q->dp[2] / q->vA.sigma +
              q->dp[5] / fabs(q->vB.alpha) + q->dp[6] / q->vB.sigma +
              FM_ST_EPS * (2.0 + fabs(q->L_A));
  double LA1 = q->vA.dalpha / q->vA.alpha - q->vA.dsigma / q->vA.sigma;
  q->dp[0] = q->tv.t_width + dL / fabs(LA1);
  fm_transform_err_combine(&q->e, &q->tv, &q->vA, &q->vB);
  return FM_OK;
}

/* G at p + Delta e_k: the field into w->Fk, the transform into *tv. */
static int fm_st_perturbed(fm_st_work *w, const fm_st_pt *q, int k, double delta,
                           fm_transform_val *tv, const double *x)
{
  double p[FM_ST_NP];
  memcpy(p, q->p, sizeof p);
  p[k] += delta;
  fm_sched_val vA, vB;
  int st = FM_OK;
  if (k == 0)
    st = fm_schedule_eval(&vA, w->c->sched, p[0]);
  else
    fm_st_pack(&vA, p + 1);
  fm_st_pack(&vB, p + 5);
  tv->t = p[0];
  return st ? st : fm_st_G(w, w->Fk, tv, &vA, &vB, x);
}

/* sum_k |dG/dp_k| dp_k by forward differences (see header). */
static int fm_st_sensitivities(fm_st_work *w, fm_st_pt *q, const double *x)
{
  for (int k = 0; k < FM_ST_NP; k++) {
    double t = q->p[0];
    double base = k == 0 ? fmin(t, 1.0 - t) : fabs(q->p[k]);
    if (!(base > 0.0) || !(q->dp[k] > 0.0))
      continue;
    double delta = fm_fdiff_step(q->p[k], FM_ST_PROBE * base), ratio = INFINITY;
    int st = k == 0 ? fm_sched_tstep(&delta, &ratio, w->c->sched, t, &q->vA, q->dp + 1) : FM_OK;
    fm_transform_val tv;
    st = st ? st : fm_st_perturbed(w, q, k, delta, &tv, x);
    if (st != FM_OK)
      return st;
    /* k = 0: the slope read across the schedule's staircase, within 2/ratio
     * plus the truncation delta/base (fm_sched_tstep) */
    double f = q->dp[k] / delta * (k == 0 ? 1.0 + 2.0 / ratio + delta / base : 1.0);
    q->errF += fm_linalg_maxdiff(w->Fk, w->F, w->d) * f;
    q->errs += fabs(tv.s - q->tv.s) * f;
    q->errdt += fabs(tv.dt - q->tv.dt) * f;
    q->errds += fabs(tv.ds - q->tv.ds) * f;
  }
  return FM_OK;
}

/* Rounding of fm_transform_combine and of y = x/s, u_A's own rounding, the
 * final axpy (see header).  w->uA holds u_A at y (base evaluation). */
static int fm_st_roundings(fm_st_work *w, fm_st_pt *q, const double *x)
{
  size_t d = w->d;
  const fm_transform_val *tv = &q->tv;
  double xn = fm_linalg_maxabs(x, d), un = fm_linalg_maxabs(w->uA, d);
  double sdt = fabs(tv->s * tv->dt);
  double dt_rel = q->e.dt_rel, ddlogs = q->e.ddlogs;
  /* sensitivity to s alone (y = x/s and the factor s) */
  fm_transform_val ts = *tv;
  ts.s = tv->s * (1.0 + FM_ST_PROBE);
  fm_st_cb cb = {w, &q->vA, 1.0};
  int st = fm_transform_field(w->Fk, &ts, fm_st_uA, &cb, x, 1, d, w->work);
  if (st != FM_OK)
    return st;
  double sens_s = fm_linalg_maxdiff(w->Fk, w->F, d) / FM_ST_PROBE; /* |dF/ds| s */
  q->errF += xn * ddlogs + sdt * un * dt_rel + sens_s * FM_ST_EPS;
  q->errs += FM_ST_EPS * fabs(tv->s);
  q->errdt += fabs(tv->dt) * dt_rel;
  q->errds += fabs(tv->s) * ddlogs + 2.0 * FM_ST_EPS * fabs(tv->ds);
  /* y rounding, column by column */
  return fm_transform_err_rescale(&q->errF, w->pA, w->y, w->uA, sdt, d, w->ys, w->Fk);
}

/* Base evaluation: F, u_A at y = x/s, B_u, U. */
static int fm_st_base(fm_st_work *w, fm_st_pt *q, const double *x)
{
  size_t d = w->d;
  fm_transform_val tv = q->tv;
  int st = fm_st_G(w, w->F, &tv, &q->vA, &q->vB, x);
  for (size_t j = 0; j < d; j++)
    w->y[j] = x[j] / q->tv.s;
  st = st ? st : fm_gmm_path_eval(NULL, NULL, NULL, w->uA, w->pA, w->y);
  if (st != FM_OK)
    return st;
  fm_path_errb b;
  fm_path_err_bound(&b, w->pe, w->pA, &q->vA, w->y, FM_ST_EPS);
  double sdt = fabs(q->tv.s * q->tv.dt);
  double xn = fm_linalg_maxabs(x, d), un = fm_linalg_maxabs(w->uA, d);
  q->U = fabs(q->tv.dlogs) * xn + sdt * un;
  q->errF = sdt * b.u + 2.0 * FM_ST_EPS * q->U;
  q->errs = q->errdt = q->errds = 0.0;
  return FM_OK;
}

/* The candidate (with the mutant) into w->Fc. */
static int fm_st_candidate(fm_st_work *w, const fm_st_pt *q, const double *x)
{
  fm_transform_val tv = q->tv;
  tv.dt *= w->dt_factor;
  if (w->mutant == FM_ST_NO_DLOGS)
    tv.dlogs = 0.0;
  if (w->mutant == FM_ST_NO_DT)
    tv.dt = 1.0;
  fm_st_cb cb = {w, NULL, w->mutant == FM_ST_NO_RESCALE ? tv.s : 1.0};
  return fm_transform_field(w->Fc, &tv, fm_st_uA, &cb, x, 1, w->d, w->work);
}

/* B's field in double and its error bound (B_u + sensitivity to B's values). */
static int fm_st_ref_double(fm_st_work *w, const fm_st_pt *q, const double *x, double *err)
{
  size_t d = w->d;
  int st = fm_gmm_path_set(w->pB, &q->vB);
  st = st ? st : fm_gmm_path_eval(NULL, NULL, NULL, w->uBd, w->pB, x);
  if (st != FM_OK)
    return st;
  fm_path_errb b;
  fm_path_err_bound(&b, w->pe, w->pB, &q->vB, x, FM_ST_EPS);
  *err = b.u;
  for (int k = 0; k < 4; k++) {
    if (!(q->p[5 + k] != 0.0) || !(q->dp[5 + k] > 0.0))
      continue;
    double p[4], delta = fm_fdiff_step(q->p[5 + k], FM_ST_PROBE * fabs(q->p[5 + k]));
    memcpy(p, q->p + 5, sizeof p);
    p[k] += delta;
    fm_sched_val v;
    fm_st_pack(&v, p);
    st = fm_gmm_path_set(w->pB, &v);
    st = st ? st : fm_gmm_path_eval(NULL, NULL, NULL, w->uBk, w->pB, x);
    if (st != FM_OK)
      return st;
    *err += fm_linalg_maxdiff(w->uBk, w->uBd, d) / delta * q->dp[5 + k];
  }
  return FM_OK;
}

/* --- routes --- */

/* Where: B, the point (its r before the move onto the grid) and t_r. */
typedef struct {
  const fm_pointset *ps;
  size_t i;
  int b;
  double t;
} fm_st_at;

static void fm_st_record(fm_st_route *r, double value, double tol, double scale,
                         const fm_st_at *at)
{
  if (!(scale > 0.0) || !(tol <= FM_ST_MAX_REL * scale)) {
    r->loose++;
    return;
  }
  value /= scale;
  tol /= scale;
  r->decided++;
  if (!fm_worst_add(&r->w, value, tol, 0))
    return;
  char pt[200];
  fm_point_describe(pt, sizeof pt, at->ps, at->i);
  snprintf(r->worst, sizeof r->worst, "B=%s, t_r=%.17g, r: %s", fm_st_b_names[at->b], at->t,
           pt);
}

static int fm_st_fd_fn(double *y, double r, void *ctx)
{
  fm_st_work *w = ctx;
  fm_transform_val tv;
  int st = fm_transform_eval(&tv, w->tr, r);
  if (st == FM_OK) {
    y[0] = tv.t;
    y[1] = tv.s;
  }
  return st;
}

/* Route 3 at r (on the 2^-40 grid). */
static int fm_st_route_fd(fm_st_work *w, const fm_st_pt *q, const fm_st_at *at)
{
  double r = q->r, h = fmin(fm_sched_fd_cap(w->c->sched, FM_ST_FD_HMAX), fmin(0.25 * (r - w->r_lo), 0.25 * (w->r_hi - r)));
  double rc, h0;
  if (!(h > 0.0) || fm_fdiff_grid(&rc, &h0, r, h) != FM_OK) {
    w->r[FM_ST_R_FD_T].loose++;
    w->r[FM_ST_R_FD_S].loose++;
    return FM_OK;
  }
  double D[2], err[2];
  fm_fdiff_info info;
  int st = fm_fdiff_central(D, err, &info, fm_st_fd_fn, w, 2, r, h0, FM_ST_FD_LEVELS);
  if (st != FM_OK)
    return st;
  double tol_t = err[0] + 4.0 * q->dp[0] / info.h_used + q->errdt;
  double tol_s = err[1] + 4.0 * q->errs / info.h_used + q->errds;
  double scale_s = fabs(q->tv.s) * (fabs(q->e.gB) + fabs(q->tv.dt * q->e.gA));
  fm_st_record(&w->r[FM_ST_R_FD_T], fabs(D[0] - q->tv.dt), tol_t, fabs(q->tv.dt), at);
  fm_st_record(&w->r[FM_ST_R_FD_S], fabs(D[1] - q->tv.ds), tol_s, scale_s, at);
  for (int k = 0; k < FM_PERTURB_NDECADES; k++) /* the scan: t_r' x (1 + e) */
    fm_st_record(&w->scan[k][2], fabs(D[0] - q->tv.dt * (1.0 + fm_perturb_decades[k])),
                 tol_t, fabs(q->tv.dt), at);
  return FM_OK;
}

static int fm_st_point(fm_st_work *w, const fm_pointset *ps, size_t i, int b)
{
  size_t d = w->d;
  const double *x = ps->x + i * d;
  double r, h0;
  int st = fm_fdiff_grid(&r, &h0, ps->t[i], FM_ST_FD_HMAX);
  if (st != FM_OK)
    return st;
  fm_st_pt q;
  st = fm_st_setup(w, &q, r);
  if (st == FM_EDOM) {
    w->out_range[b]++;
    return FM_OK;
  }
  if (st != FM_OK)
    return st;
  w->in_range[b]++;
  fm_st_at at = {ps, i, b, q.tv.t};
  st = fm_st_base(w, &q, x);
  st = st ? st : fm_st_sensitivities(w, &q, x);
  st = st ? st : fm_st_roundings(w, &q, x);
  st = st ? st : fm_st_candidate(w, &q, x);
  double errd = 0.0;
  st = st ? st : fm_st_ref_double(w, &q, x, &errd);
  st = st ? st : fm_gmm_marginal_mp(NULL, NULL, NULL, w->uBm, NULL, w->c->gmm, w->B, r, x,
                                    w->prec);
  if (st != FM_OK)
    return st;
  w->dlogs_max[b] = fmax(w->dlogs_max[b], fabs(q.tv.dlogs));
  double mpn = fm_linalg_maxabs(w->uBm, d);
  fm_st_record(&w->r[FM_ST_R_DOUBLE], fm_linalg_maxdiff(w->Fc, w->uBd, d), q.errF + errd, q.U, &at);
  double tol2 = q.errF + FM_ST_EPS * mpn;
  fm_st_record(&w->r[FM_ST_R_MP], fm_linalg_maxdiff(w->Fc, w->uBm, d), tol2, q.U, &at);
  if (q.U > 0.0 && tol2 <= FM_ST_MAX_REL * q.U)
    w->cond_max = fmax(w->cond_max, tol2 / (FM_ST_EPS * q.U));
  if (w->mutant != FM_ST_TRUE)
    return FM_OK;
  /* the scan: the candidate with t_r' x (1 + e) against the same references */
  for (int k = 0; k < FM_PERTURB_NDECADES && st == FM_OK; k++) {
    w->dt_factor = 1.0 + fm_perturb_decades[k];
    st = fm_st_candidate(w, &q, x);
    fm_st_record(&w->scan[k][0], fm_linalg_maxdiff(w->Fc, w->uBd, d), q.errF + errd, q.U, &at);
    fm_st_record(&w->scan[k][1], fm_linalg_maxdiff(w->Fc, w->uBm, d), tol2, q.U, &at);
  }
  w->dt_factor = 1.0;
  return st ? st : fm_st_route_fd(w, &q, &at);
}

/* --- work space --- */

static void fm_st_work_free(fm_st_work *w)
{
  fm_gmm_path_free(w->pA);
  fm_gmm_path_free(w->pB);
  fm_path_err_free(w->pe);
  free(w->y);
}

static int fm_st_has_twin(const fm_schedule *s)
{
  fm_sched_mp v;
  mpfr_t t;
  fm_sched_mp_init(&v, 64);
  mpfr_init2(t, 64);
  mpfr_set_d(t, 0.5, MPFR_RNDN);
  int st = fm_schedule_eval_mp(&v, s, t);
  mpfr_clear(t);
  fm_sched_mp_clear(&v);
  return st != FM_ENOTAVAIL;
}

static int fm_st_work_alloc(fm_st_work *w, const fm_case *c, const fm_check_opts *o,
                            int mutant)
{
  size_t d = c->gmm->d;
  *w = (fm_st_work){.c = c, .mutant = mutant, .prec = (mpfr_prec_t)o->prec, .d = d,
                    .dt_factor = 1.0};
  w->twinA = fm_st_has_twin(c->sched);
  int st = fm_gmm_path_alloc(&w->pA, c->gmm);
  st = st ? st : fm_gmm_path_alloc(&w->pB, c->gmm);
  st = st ? st : fm_path_err_alloc(&w->pe, c->gmm);
  double *buf = st == FM_OK ? malloc(10 * d * sizeof *buf) : NULL;
  if (st == FM_OK && buf == NULL)
    st = FM_ENOMEM;
  if (st != FM_OK) {
    fm_st_work_free(w);
    return st;
  }
  double **v[10] = {&w->y, &w->ys, &w->uA, &w->F, &w->Fk, &w->Fc, &w->uBd, &w->uBk,
                    &w->uBm, &w->work};
  for (int k = 0; k < 10; k++)
    *v[k] = buf + (size_t)k * d;
  return FM_OK;
}

/* All points of one B. */
static int fm_st_run_b(fm_st_work *w, const fm_case *c, const fm_check_opts *o, int b,
                       fm_verdict *v)
{
  fm_schedule *B;
  int st = fm_st_make_b(&B, b);
  if (st != FM_OK)
    return st;
  if (strcmp(fm_schedule_describe(B), fm_schedule_describe(c->sched)) == 0) {
    fm_schedule_free(B);
    return FM_OK;
  }
  fm_transform *tr;
  st = fm_transform_make(&tr, c->sched, B, NULL);
  if (st != FM_OK) {
    if (st == FM_EDOM)
      fm_verdict_notef(v, "B=%s: no common SNR range", fm_st_b_names[b]);
    fm_schedule_free(B);
    return st == FM_EDOM ? FM_OK : st;
  }
  fm_case cb = *c;
  cb.sched = B;
  fm_pointset *ps = NULL;
  st = fm_pointset_make(&ps, &cb, fm_check_seed(o, c), fm_check_npoints(o));
  if (st == FM_OK) {
    w->B = B;
    w->tr = tr;
    w->twinB = 1; /* the built-ins all have MPFR twins */
    w->used[b] = 1;
    w->npts[b] = ps->n;
    fm_transform_range(&w->r_lo, &w->r_hi, tr);
    for (size_t i = 0; st == FM_OK && i < ps->n; i++)
      st = fm_st_point(w, ps, i, b);
  }
  fm_pointset_free(ps);
  fm_transform_free(tr);
  fm_schedule_free(B);
  return st;
}

static void fm_st_report(fm_verdict *v, const fm_st_work *w)
{
  for (int r = 0; r < FM_ST_NR; r++) {
    const fm_st_route *q = &w->r[r];
    if (w->mutant != FM_ST_TRUE && r >= FM_ST_R_FD_T)
      continue;
    if (!q->w.have) {
      fm_verdict_route(v, fm_st_route_ids[r], NAN, 1.0, 0.0, "no decidable point");
      continue;
    }
    fm_verdict_route(v, fm_st_route_ids[r], q->w.value, q->w.tol, 0.0, q->worst);
  }
  fm_verdict_notef(v, "max tol/(eps U) %.3g", w->cond_max);
  for (int b = 0; b < FM_ST_NB; b++)
    if (w->used[b]) {
      fm_verdict_notef(v, "B=%s: %zu/%zu points in snr_A's range, max |s'/s| %.3g",
                       fm_st_b_names[b], w->in_range[b], w->npts[b], w->dlogs_max[b]);
      fm_verdict_fact(v, FM_F_SNR_IN_RANGE, fm_st_b_names[b], (double)w->in_range[b]);
      fm_verdict_fact(v, FM_F_SNR_POINTS, fm_st_b_names[b], (double)w->npts[b]);
    }
  for (int r = 0; r < FM_ST_NR; r++)
    if (w->r[r].loose > 0)
      fm_verdict_notef(v, "%s: %zu point(s) not decidable (tol > %.2g of the terms)",
                       fm_route_label(fm_st_route_ids[r]), w->r[r].loose, FM_ST_MAX_REL);
  if (w->mutant == FM_ST_TRUE) {
    static const char *const names[3] = {"double", "MPFR", "FD"};
    double found[3] = {NAN, NAN, NAN};
    for (int r = 0; r < 3; r++)
      for (int k = 0; k < FM_PERTURB_NDECADES && isnan(found[r]); k++)
        if (w->scan[k][r].w.have && w->scan[k][r].w.margin > 1.0)
          found[r] = fm_perturb_decades[k];
    fm_perturb_note(v, "t_r'", FM_PERTURB_DECADES_RANGE, 3, names, found);
  }
}

static int fm_schedule_transform_check(fm_verdict *v, const fm_case *c,
                                       const fm_check_opts *o, int mutant)
{
  fm_st_work w;
  int st = fm_st_work_alloc(&w, c, o, mutant);
  if (st != FM_OK)
    return st;
  for (int b = 0; st == FM_OK && b < FM_ST_NB; b++)
    st = fm_st_run_b(&w, c, o, b, v);
  if (st == FM_OK)
    fm_st_report(v, &w);
  fm_st_work_free(&w);
  /* last, so that its records can be set apart (fm_verdict_drop_route) */
  return st ? st : fm_st_from_condot(v, c, o, mutant);
}

const fm_theorem fm_thm_schedule_transform = {
    "schedule-transform",
    "with t_r = snr_A^{-1}(snr_B(r)) and s_r = sigma_B(r)/sigma_A(t_r), "
    "u_B(r, x) = (s_r'/s_r) x + s_r t_r' u_A(t_r, x/s_r) is B's marginal field",
    fm_schedule_transform_check,
    fm_st_mutants,
};
