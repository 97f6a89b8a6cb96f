/* likelihood.c -- theorem `likelihood` (theorems/README.md): along the flow
 * dx/dt = u_t(x) of the marginal field,
 *     d/dt log p_t(x_t) = -div u_t(x_t),
 * so the CNF log-likelihood log p_{t0}(x_{t0}) - int_{t0}^{t1} div u dt,
 * obtained by integrating x and l = int div u backward from x at t1,
 * equals the analytic log p_{t1}(x).
 *
 * Endpoints t1 = 1 - 1e-3, t0 = 1e-3.  At t = 1 with sigma_min = 0 the
 * DESIGN form div u = d sigma'/sigma + (alpha' - sigma' alpha/sigma) tr dE/dx
 * has two infinite terms: for data with a lower-dimensional support they do
 * not cancel (div u -> -inf, log p_1 = +inf); for our mixtures (every S_k
 * positive definite) they do, but the field's rate |c'/2c| grows like
 * 1/sqrt(lambda_min(S_k)) there and the equation is stiff.  At t = 0 a
 * schedule may be singular (alpha' infinite for polynomial n < 1).  Both
 * ends are kept 1e-3 away; the identity is exact on any [t0, t1].
 *
 * The exact divergence, in the form without 1/sigma used for u itself
 * (u = alpha' E + sigma sigma' sum_k gamma_k z_k, z_k = C_k^{-1}(x -
 * alpha m_k), zbar = sum gamma_k z_k, E_k = m_k + alpha S_k z_k, E = sum
 * gamma_k E_k; grad gamma_k = -gamma_k (z_k - zbar)):
 *   dE/dx = sum_k gamma_k alpha S_k C_k^{-1} - sum_k gamma_k (E_k - E)(z_k - zbar)'
 *   d(sum gamma z)/dx = sum_k gamma_k C_k^{-1} - sum_k gamma_k (z_k - zbar)(z_k - zbar)'
 *   div u = alpha' [alpha sum_k gamma_k tr(S_k C_k^{-1})
 *                   - sum_k gamma_k (E_k - E).(z_k - zbar)]
 *         + sigma sigma' [sum_k gamma_k tr C_k^{-1} - sum_k gamma_k |z_k - zbar|^2].
 * (One Gaussian: (alpha alpha' lambda + sigma sigma')/c per eigenvalue, the
 * d/dt log sqrt(c) of solver_order.c.)  The traces come from S_k's
 * eigenvalues (C_k = Q_k (alpha^2 Lambda_k + sigma^2) Q_k'), computed once;
 * the Hutchinson quadratic form v'(du/dx)v from the same matrices.
 *
 * Routes:
 *  1 backward CNF, exact trace: rk8pd (fm_ode_adaptive) at rtol = atol =
 *    1e-10 from exact draws x of p_{t1} (J trajectories), value
 *    |log p_{t0}(x_{t0}) + l(t0) - log p_{t1}(x)| per trajectory; tol =
 *      (a) the same quantity's change when the run is repeated at 1e-7 (an
 *          estimate of the looser run's error, which is >= ~500x the tight
 *          run's for an 8th-order method when errors are amplified along
 *          the way), plus
 *      (b) the tight run's controlled error budget: n_steps tol (1 + |y|)
 *          per state component, y = (x, l), carried to the log-likelihood
 *          through (1 + |grad log p_{t0}|_1) -- what is left when both runs
 *          sit at the controller's own floor (seen on gauss1d-cond_ot: 8
 *          and 16 steps, errors ~5e-12 that (a) alone misses), plus
 *      (c) rounding 1e3 eps (1 + |log p_{t1}| + |log p_{t0}| + |l|).
 *  2 forward identity: from x_{t0} of route 1, forward to t1 with
 *    l_f = int div u: value |log p_{t0}(x_{t0}) - l_f - log p_{t1}(x_f)|;
 *    tol = the change of that residual when the run is repeated loosely
 *    (from the loose backward end, at 1e-7: the estimate (a) of route 1)
 *    + (b) for the forward run + (c).  (Not the loose run's residual
 *    itself: a wrong divergence puts the same error into both residuals,
 *    and a tolerance equal to it could never be exceeded -- every mutant
 *    had margin 1.00 on this route.)
 *  3 forward and backward agree: the round trip x -> x_{t0} -> x_f returns
 *    to x; value |x_f - x|_inf / max(1, |x|_inf), tol = the loose round
 *    trip's discrepancy + (n_back + n_fwd) tol + 1e-12.
 *  4 Hutchinson: probe policy -- P Rademacher probes per trajectory, drawn
 *    once (Philox) and held fixed along the whole trajectory (FFJORD's
 *    policy; the trajectory itself does not depend on the probes, so each
 *    l_H = int v'(du/dx)v dt is an unbiased estimate of l given the
 *    trajectory).  The J P differences D = l_H - l (same run, same steps)
 *    have mean 0: |mean D| <= t_{JP-1}(1 - 1e-4/2) SE + floor (two-sided
 *    t-test at level 1e-4; the calibration suite measures its false-alarm
 *    rate).  In d = 1, v'(du/dx)v = du/dx exactly: D is rounding only.
 *  5 the closed-form divergence against central differences of u with
 *    Richardson (fm_fdiff_central per coordinate, h0 = the largest power of
 *    two <= min_k sqrt(lambda_min(C_k))/16, 5 levels) at seeded points
 *    (fm_pointset, first 24): tol = sum_i [2 err_i + 4 B_u/h_min] + 64 d eps
 *    T, err_i fdiff's estimate, B_u path_err's bound on the double u, T
 *    the sum of the magnitudes of the divergence's terms.
 *
 * Mutants (the candidate divergence, in routes 1, 2, 4 and 5):
 *   1 "divergence sign flipped": -div u;
 *   2 "divergence missing the sigma'/sigma d term": div u - d sigma'/sigma
 *     (DESIGN's form without its first term; Hutchinson: minus
 *     (sigma'/sigma)|v|^2).
 *
 * For the true statement the note also gives the smallest relative error e
 * of the divergence (div u (1 + e), e = 1e-14 .. 1e-2 by decades;
 * perturb.h) that routes 1, 2 and 5 detect, at no extra cost: l = int div u
 * dt feeds no other state (x's equations do not involve it), so with the
 * same steps the runs with div u (1 + e) give exactly l (1 + e) (the RK
 * update of l is linear in the divergence values), and the statistics at e
 * are formed from the stored runs and points with l and div u scaled.  (An
 * actual rerun could take other steps; their truncation errors are what
 * the tolerances budget for.)  Route 3 does not involve l, and route 4
 * compares two estimates of the same divergence, which scale together.
 */
#include "theorems.h"
#include "worst.h"

#include <float.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdiff.h"
#include "linalg.h"
#include "ode.h"
#include "path_err.h"
#include "perturb.h"
#include "points.h"

#define FM_LK_T0 1e-3
#define FM_LK_T1 (1.0 - 1e-3)
#define FM_LK_TIGHT 1e-10
#define FM_LK_LOOSE 1e-7
#define FM_LK_J 6
#define FM_LK_P 4
#define FM_LK_ALPHA 1e-4
#define FM_LK_NPTS 24
#define FM_LK_FD_LEVELS 5

enum { FM_LK_TRUE, FM_LK_SIGN, FM_LK_NO_SIGMA_TERM };

static const char *const fm_lk_mutants[] = {
    "divergence sign flipped",
    "divergence missing the sigma'/sigma d term",
    NULL,
};

typedef struct {
  const fm_case *c;
  int mutant;
  size_t d, K, J, P;
  int hutch;            /* Hutchinson states present in the ODE system */
  size_t stride;        /* d + 1 (+ P) per trajectory */
  fm_gmm_path *path;
  fm_path_err *pe;
  double *lam, *Q;      /* K d eigenvalues, K d d eigenvectors (columns) of S_k */
  double *probe;        /* J P d Rademacher probes */
  fm_sched_val v;       /* schedule at the cached time */
  double tcache;
  double *den;          /* K d: alpha^2 lambda + sigma^2 at the cached time */
  double *trC, *trSC;   /* K each */
  double *Ek, *E, *zb, *q; /* K d, d, d, d scratch */
  size_t nfe;
  /* kept for the perturbation scan: per trajectory (routes 1, 2) and per
   * point (route 5) */
  struct fm_lk_traj *traj;
  size_t stA, stC;
  double *pdiv, *pfd, *ptol;
  size_t npt;
} fm_lk_work;

/* What routes 1 and 2 need of trajectory j: log p at its ends (analytic),
 * the l of the four runs (A tight backward, B loose backward, C tight
 * forward, D loose forward), and the scales of the controlled error. */
typedef struct fm_lk_traj {
  double lp0, lp1, lB0, lC1, lD1;
  double la, lb, lc, le;
  double x0n, s0, x1n, s1;
} fm_lk_traj;

static void fm_lk_free(fm_lk_work *w)
{
  fm_gmm_path_free(w->path);
  fm_path_err_free(w->pe);
  free(w->lam);
  free(w->traj);
  free(w->pdiv);
}

static int fm_lk_alloc(fm_lk_work *w, const fm_case *c, const fm_check_opts *o, int mutant,
                       uint64_t seed)
{
  size_t d = c->gmm->d, K = c->gmm->K, m = o->multiplier > 1 ? (size_t)o->multiplier : 1;
  *w = (fm_lk_work){.c = c, .mutant = mutant, .d = d, .K = K, .J = FM_LK_J * m,
                    .P = FM_LK_P, .tcache = NAN};
  int st = fm_gmm_path_alloc(&w->path, c->gmm);
  st = st ? st : fm_path_err_alloc(&w->pe, c->gmm);
  if (st == FM_OK) {
    size_t len = K * d + K * d * d + w->J * w->P * d + K * d + 2 * K + K * d + 3 * d;
    w->lam = malloc(len * sizeof *w->lam);
    if (w->lam == NULL)
      st = FM_ENOMEM;
  }
  if (st == FM_OK) {
    w->Q = w->lam + K * d;
    w->probe = w->Q + K * d * d;
    w->den = w->probe + w->J * w->P * d;
    w->trC = w->den + K * d;
    w->trSC = w->trC + K;
    w->Ek = w->trSC + K;
    w->E = w->Ek + K * d;
    w->zb = w->E + d;
    w->q = w->zb + d;
    st = fm_gmm_cov_eigvec(w->lam, w->Q, c->gmm);
  }
  if (st == FM_OK) {
    fm_rng r = fm_rng_make(seed, FM_RNG_STREAM(0x4c4b, 2)); /* "LK" probes */
    for (size_t i = 0; i < w->J * w->P * d; i++)
      w->probe[i] = fm_rng_uniform(&r, i) < 0.5 ? -1.0 : 1.0;
  } else {
    fm_lk_free(w);
  }
  return st;
}

/* Schedule, path and per-component traces at t (cached: the stacked
 * system evaluates every trajectory at one t). */
static int fm_lk_set_time(fm_lk_work *w, double t)
{
  if (t == w->tcache)
    return FM_OK;
  int st = fm_schedule_eval(&w->v, w->c->sched, t);
  st = st ? st : fm_gmm_path_set(w->path, &w->v);
  if (st != FM_OK)
    return st;
  double a2 = w->v.alpha * w->v.alpha, s2 = w->v.sigma * w->v.sigma;
  for (size_t k = 0; k < w->K; k++) {
    double tc = 0.0, tsc = 0.0;
    for (size_t i = 0; i < w->d; i++) {
      double l = w->lam[k * w->d + i], den = a2 * l + s2;
      w->den[k * w->d + i] = den;
      tc += 1.0 / den;
      tsc += l / den;
    }
    w->trC[k] = tc;
    w->trSC[k] = tsc;
  }
  w->tcache = t;
  return FM_OK;
}

/* After fm_gmm_path_eval at x: zbar, E_k, E into the work arrays. */
static void fm_lk_posterior(fm_lk_work *w)
{
  const fm_gmm *g = w->c->gmm;
  size_t d = w->d;
  const double *gam = fm_gmm_path_gamma(w->path), *z = fm_gmm_path_z(w->path);
  memset(w->zb, 0, d * sizeof *w->zb);
  memset(w->E, 0, d * sizeof *w->E);
  for (size_t k = 0; k < w->K; k++) {
    const double *S = g->cov + k * d * d, *zk = z + k * d;
    double *Ek = w->Ek + k * d;
    for (size_t i = 0; i < d; i++) {
      double Sz = 0.0;
      for (size_t j = 0; j < d; j++)
        Sz += S[i * d + j] * zk[j];
      Ek[i] = g->mean[k * d + i] + w->v.alpha * Sz;
      w->E[i] += gam[k] * Ek[i];
      w->zb[i] += gam[k] * zk[i];
    }
  }
}

/* The exact divergence (after fm_lk_posterior); *mag = the sum of the
 * magnitudes of its terms (for rounding bounds; may be NULL). */
static double fm_lk_div(fm_lk_work *w, double *mag)
{
  size_t d = w->d;
  const double *gam = fm_gmm_path_gamma(w->path), *z = fm_gmm_path_z(w->path);
  double a = w->v.alpha, da = w->v.dalpha, ss = w->v.sigma * w->v.dsigma;
  double t1 = 0.0, t2 = 0.0, t3 = 0.0, t4 = 0.0, m2 = 0.0;
  for (size_t k = 0; k < w->K; k++) {
    double ez = 0.0, zz = 0.0, aez = 0.0;
    for (size_t i = 0; i < d; i++) {
      double dz = z[k * d + i] - w->zb[i], de = w->Ek[k * d + i] - w->E[i];
      ez += de * dz;
      aez += fabs(de * dz);
      zz += dz * dz;
    }
    t1 += gam[k] * w->trSC[k];
    t2 += gam[k] * ez;
    m2 += gam[k] * aez;
    t3 += gam[k] * w->trC[k];
    t4 += gam[k] * zz;
  }
  if (mag != NULL)
    *mag = fabs(da) * (fabs(a) * t1 + m2) + fabs(ss) * (t3 + t4);
  return da * (a * t1 - t2) + ss * (t3 - t4);
}

/* v'(du/dx)v for one probe (after fm_lk_posterior): the same terms with
 * tr(.) replaced by v'(.)v, in each S_k eigenbasis. */
static double fm_lk_quad(fm_lk_work *w, const double *pv)
{
  size_t d = w->d;
  const double *gam = fm_gmm_path_gamma(w->path), *z = fm_gmm_path_z(w->path);
  double a = w->v.alpha, da = w->v.dalpha, ss = w->v.sigma * w->v.dsigma;
  double t1 = 0.0, t2 = 0.0, t3 = 0.0, t4 = 0.0;
  for (size_t k = 0; k < w->K; k++) {
    const double *Q = w->Q + k * d * d, *den = w->den + k * d, *lam = w->lam + k * d;
    double sc = 0.0, c = 0.0, ve = 0.0, vz = 0.0;
    for (size_t j = 0; j < d; j++) { /* q = Q' v */
      double qj = 0.0;
      for (size_t i = 0; i < d; i++)
        qj += Q[i * d + j] * pv[i];
      sc += lam[j] * qj * qj / den[j];
      c += qj * qj / den[j];
    }
    for (size_t i = 0; i < d; i++) {
      ve += pv[i] * (w->Ek[k * d + i] - w->E[i]);
      vz += pv[i] * (z[k * d + i] - w->zb[i]);
    }
    t1 += gam[k] * sc;
    t2 += gam[k] * ve * vz;
    t3 += gam[k] * c;
    t4 += gam[k] * vz * vz;
  }
  return da * (a * t1 - t2) + ss * (t3 - t4);
}

/* The candidate (mutated) divergence or quadratic form; vv = |v|^2 (d for
 * the trace). */
static double fm_lk_candidate(const fm_lk_work *w, double div, double vv)
{
  if (w->mutant == FM_LK_SIGN)
    return -div;
  if (w->mutant == FM_LK_NO_SIGMA_TERM)
    return div - vv * w->v.dsigma / w->v.sigma;
  return div;
}

/* The stacked system: per trajectory x (d), l, l_H[P] (if hutch). */
static int fm_lk_field(double *dy, double t, const double *y, void *ctx)
{
  fm_lk_work *w = ctx;
  size_t d = w->d;
  int st = fm_lk_set_time(w, t);
  for (size_t j = 0; j < w->J && st == FM_OK; j++) {
    const double *x = y + j * w->stride;
    double *dx = dy + j * w->stride;
    st = fm_gmm_path_eval(NULL, NULL, NULL, dx, w->path, x);
    if (st != FM_OK)
      break;
    fm_lk_posterior(w);
    dx[d] = fm_lk_candidate(w, fm_lk_div(w, NULL), (double)d);
    for (size_t p = 0; w->hutch && p < w->P; p++)
      dx[d + 1 + p] =
          fm_lk_candidate(w, fm_lk_quad(w, w->probe + (j * w->P + p) * d), (double)d);
  }
  return st;
}

static int fm_lk_logp(double *lp, fm_lk_work *w, double t, const double *x)
{
  int st = fm_lk_set_time(w, t);
  return st ? st : fm_gmm_path_eval(lp, NULL, NULL, NULL, w->path, x);
}

/* One adaptive run of the stacked system from ta to tb. */
static int fm_lk_run(double *y, fm_lk_work *w, double ta, double tb, double tol, int hutch,
                     size_t *steps)
{
  w->hutch = hutch;
  w->stride = w->d + 1 + (hutch ? w->P : 0);
  fm_ode_adaptive_opts o = {tol, tol, 0.0, 0};
  fm_ode_adaptive_stats s;
  w->tcache = NAN;
  int st = fm_ode_adaptive(y, &s, fm_lk_field, w, w->J * w->stride, ta, tb, &o);
  if (steps != NULL)
    *steps = s.steps;
  w->nfe += s.nfe;
  return st;
}

/* Starting states (x_j, 0, 0...) with x_j exact draws of p_{t1}. */
static int fm_lk_starts(double *x1, fm_lk_work *w, uint64_t seed)
{
  fm_sched_val v1;
  fm_gmm *pt = NULL;
  int st = fm_schedule_eval(&v1, w->c->sched, FM_LK_T1);
  st = st ? st : fm_gmm_at_time(&pt, w->c->gmm, &v1);
  if (st != FM_OK)
    return st;
  fm_rng r = fm_rng_make(seed, FM_RNG_STREAM(0x4c4b, 1));
  for (size_t j = 0; j < w->J; j++)
    fm_gmm_sample(x1 + j * w->d, pt, &r, j);
  fm_gmm_free(pt);
  return FM_OK;
}

static void fm_lk_pack(double *y, const fm_lk_work *w, const double *x, size_t stride)
{
  memset(y, 0, w->J * stride * sizeof *y);
  for (size_t j = 0; j < w->J; j++)
    memcpy(y + j * stride, x + j * w->d, w->d * sizeof *y);
}

static double fm_lk_norm1(const double *a, size_t n)
{
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += fabs(a[i]);
  return s;
}

static double fm_lk_floor(double a, double b, double c)
{
  return 1e3 * DBL_EPSILON * (1.0 + fabs(a) + fabs(b) + fabs(c));
}

/* Routes 1 and 2 from the stored runs with l scaled by f (1 for the check
 * itself; 1 + e in the scan): the worst trajectory of each. */
static void fm_lk_routes12(fm_worst *r1, fm_worst *r2, const fm_lk_work *w, double f)
{
  *r1 = *r2 = (fm_worst){0};
  for (size_t j = 0; j < w->J; j++) {
    const fm_lk_traj *T = &w->traj[j];
    double la = f * T->la, lb = f * T->lb, lc = f * T->lc, le = f * T->le;
    double phiA = T->lp0 + la, fl = fm_lk_floor(T->lp1, T->lp0, la);
    double bA = (double)w->stA * FM_LK_TIGHT * (1.0 + fabs(la) + T->x0n) * (1.0 + T->s0);
    double bC = (double)w->stC * FM_LK_TIGHT * (1.0 + fabs(lc) + T->x1n) * (1.0 + T->s1);
    fm_worst_add(r1, fabs(phiA - T->lp1), fabs(phiA - (T->lB0 + lb)) + bA + fl, j);
    double resC = fabs(T->lp0 - lc - T->lC1), resD = fabs(T->lB0 - le - T->lD1);
    fm_worst_add(r2, resC, fabs(resC - resD) + bC + fm_lk_floor(T->lp0, lc, T->lC1), j);
  }
}

/* Routes 1-4. */
static int fm_lk_trajectories(fm_verdict *v, fm_lk_work *w, uint64_t seed)
{
  size_t d = w->d, J = w->J, sh = d + 1 + w->P, sp = d + 1;
  double *buf = malloc((J * d + J * sh + 3 * J * sp + 2 * J) * sizeof *buf);
  if (buf == NULL)
    return FM_ENOMEM;
  double *x1 = buf, *A = x1 + J * d, *B = A + J * sh, *C = B + J * sp, *D = C + J * sp;
  double *lp1 = D + J * sp, *lp0 = lp1 + J;
  size_t stA = 0, stB = 0, stC = 0, stD = 0;
  int st = fm_lk_starts(x1, w, seed);
  if (st == FM_OK) {
    fm_lk_pack(A, w, x1, sh);
    fm_lk_pack(B, w, x1, sp);
    st = fm_lk_run(A, w, FM_LK_T1, FM_LK_T0, FM_LK_TIGHT, 1, &stA);
  }
  st = st ? st : fm_lk_run(B, w, FM_LK_T1, FM_LK_T0, FM_LK_LOOSE, 0, &stB);
  for (size_t j = 0; j < J && st == FM_OK; j++) { /* forward starts: the backward ends */
    memset(C + j * sp, 0, sp * sizeof *C);
    memset(D + j * sp, 0, sp * sizeof *D);
    memcpy(C + j * sp, A + j * sh, d * sizeof *C);
    memcpy(D + j * sp, B + j * sp, d * sizeof *D);
  }
  st = st ? st : fm_lk_run(C, w, FM_LK_T0, FM_LK_T1, FM_LK_TIGHT, 0, &stC);
  st = st ? st : fm_lk_run(D, w, FM_LK_T0, FM_LK_T1, FM_LK_LOOSE, 0, &stD);
  fm_worst r1 = {0}, r2 = {0}, r3 = {0};
  double sumD = 0.0, sumD2 = 0.0, flH = 0.0;
  double *sc = malloc(d * sizeof *sc);
  w->traj = malloc(J * sizeof *w->traj);
  if (sc == NULL || w->traj == NULL)
    st = st ? st : FM_ENOMEM;
  w->stA = stA;
  w->stC = stC;
  for (size_t j = 0; j < J && st == FM_OK; j++) {
    const double *a = A + j * sh, *b = B + j * sp, *c = C + j * sp, *e = D + j * sp;
    double lB0, lC1, lD1;
    st = fm_lk_logp(&lp1[j], w, FM_LK_T1, x1 + j * d);
    st = st ? st : fm_lk_set_time(w, FM_LK_T0);
    st = st ? st : fm_gmm_path_eval(&lp0[j], sc, NULL, NULL, w->path, a);
    double s0 = fm_lk_norm1(sc, d), x0n = fm_linalg_maxabs(a, d);
    st = st ? st : fm_lk_logp(&lB0, w, FM_LK_T0, b);
    st = st ? st : fm_lk_set_time(w, FM_LK_T1);
    st = st ? st : fm_gmm_path_eval(&lC1, sc, NULL, NULL, w->path, c);
    double s1 = fm_lk_norm1(sc, d), x1n = fm_linalg_maxabs(c, d);
    st = st ? st : fm_lk_logp(&lD1, w, FM_LK_T1, e);
    if (st != FM_OK)
      break;
    w->traj[j] = (fm_lk_traj){lp0[j], lp1[j], lB0, lC1, lD1, a[d], b[d], c[d], e[d],
                              x0n, s0, x1n, s1};
    double fl = fm_lk_floor(lp1[j], lp0[j], a[d]);
    double xn = 1.0, rc = 0.0, rd = 0.0;
    for (size_t i = 0; i < d; i++) {
      xn = fmax(xn, fabs(x1[j * d + i]));
      rc = fmax(rc, fabs(c[i] - x1[j * d + i]));
      rd = fmax(rd, fabs(e[i] - x1[j * d + i]));
    }
    fm_worst_add(&r3, rc / xn, rd / xn + (double)(stA + stC) * FM_LK_TIGHT + 1e-12, j);
    for (size_t p = 0; p < w->P; p++) {
      double Dp = a[d + 1 + p] - a[d];
      sumD += Dp;
      sumD2 += Dp * Dp;
    }
    flH = fmax(flH, fl);
  }
  free(sc);
  if (st == FM_OK)
    fm_lk_routes12(&r1, &r2, w, 1.0);
  if (st == FM_OK) {
    char where[160];
    snprintf(where, sizeof where, "trajectory %zu from x[0]=%.6g at t=%g", r1.at,
             x1[r1.at * d], FM_LK_T1);
    fm_verdict_route(v, FM_R_LK_BACKWARD, r1.value,
                     r1.tol, 0.0, where);
    snprintf(where, sizeof where, "trajectory %zu", r2.at);
    fm_verdict_route(v, FM_R_LK_FORWARD, r2.value, r2.tol,
                     0.0, where);
    snprintf(where, sizeof where, "trajectory %zu", r3.at);
    fm_verdict_route(v, FM_R_LK_ROUND, r3.value, r3.tol,
                     0.0, where);
    double n = (double)(J * w->P), mean = sumD / n;
    double var = n > 1.0 ? fmax(0.0, (sumD2 - n * mean * mean) / (n - 1.0)) : 0.0;
    double se = sqrt(var / n), tq = gsl_cdf_tdist_Qinv(0.5 * FM_LK_ALPHA, n - 1.0);
    snprintf(where, sizeof where, "%zu trajectories x %zu fixed Rademacher probes, mean "
             "%.3g, SE %.3g, t = %.2f", J, w->P, mean, se, tq);
    fm_verdict_route(v, FM_R_LK_HUTCH, fabs(mean),
                     tq * se + flH, se, where);
    fm_verdict_notef(v, "rk8pd steps: backward %zu (loose %zu), forward %zu (loose %zu); "
                     "%zu evaluations", stA, stB, stC, stD, w->nfe);
  }
  free(buf);
  return st;
}

/* Route 6: the analytic log p_t1 every route above compares with, at the
 * trajectories' starts, against its MPFR twin (fm_gmm_marginal_mp at the
 * check's precision; the same schedule values where the schedule has no
 * twin).  The CNF routes compare log p with log p from the same code, so a
 * time-independent error in it -- a normaliser off by a constant -- cancels
 * there; here it cannot.  Statistic |lp - lp_mp| / max(1, |lp_mp|) against
 * 1e-13: the accuracy every field evaluation promises (`fmcheck field`;
 * the long-double log-sum-exp reaches a few eps (d + |log p|) in practice),
 * while a wrong constant (d/2 log 2 pi) is O(d) / max(1, |log p|). */
#define FM_LK_LOGP_TOL 1e-13
static int fm_lk_logp_mp(fm_verdict *v, fm_lk_work *w, uint64_t seed, mpfr_prec_t prec)
{
  size_t d = w->d, J = w->J;
  double *x1 = malloc(J * d * sizeof *x1);
  if (x1 == NULL)
    return FM_ENOMEM;
  int st = fm_lk_starts(x1, w, seed);
  fm_worst r = {0};
  for (size_t j = 0; j < J && st == FM_OK; j++) {
    double lp_mp;
    int exact;
    st = fm_gmm_marginal_mp(&lp_mp, NULL, NULL, NULL, &exact, w->c->gmm, w->c->sched,
                            FM_LK_T1, x1 + j * d, prec);
    if (st == FM_OK)
      fm_worst_add(&r, fabs(w->traj[j].lp1 - lp_mp) / fmax(1.0, fabs(lp_mp)),
                   FM_LK_LOGP_TOL, j);
  }
  if (st == FM_OK) {
    char where[160];
    snprintf(where, sizeof where, "trajectory %zu from x[0]=%.6g at t=%g", r.at,
             x1[r.at * d], FM_LK_T1);
    fm_verdict_route(v, FM_R_LK_LOGP_MP, r.value, r.tol, 0.0, where);
  }
  free(x1);
  return st;
}

/* Route 5: closed-form divergence vs Richardson central differences. */
typedef struct {
  fm_lk_work *w;
  double *x;
  size_t i;
  double *u;
} fm_lk_fd;

static int fm_lk_fd_fn(double *y, double s, void *ctx)
{
  fm_lk_fd *f = ctx;
  double keep = f->x[f->i];
  f->x[f->i] = s;
  int st = fm_gmm_path_eval(NULL, NULL, NULL, f->u, f->w->path, f->x);
  f->x[f->i] = keep;
  y[0] = f->u[f->i];
  return st;
}

/* Route 5's worst point with the candidate divergence scaled by f. */
static void fm_lk_route5(fm_worst *r, const fm_lk_work *w, double f)
{
  *r = (fm_worst){0};
  for (size_t p = 0; p < w->npt; p++)
    fm_worst_add(r, fabs(f * w->pdiv[p] - w->pfd[p]), w->ptol[p], p);
}

static int fm_lk_pointwise(fm_verdict *v, fm_lk_work *w, uint64_t seed, size_t npts)
{
  fm_pointset *ps;
  size_t d = w->d;
  int st = fm_pointset_make(&ps, w->c, seed, npts);
  if (st != FM_OK)
    return st;
  double *buf = malloc(2 * d * sizeof *buf);
  w->pdiv = malloc(3 * ps->n * sizeof *w->pdiv);
  if (buf == NULL || w->pdiv == NULL) {
    free(buf);
    fm_pointset_free(ps);
    return FM_ENOMEM;
  }
  w->pfd = w->pdiv + ps->n;
  w->ptol = w->pfd + ps->n;
  fm_worst r = {0};
  for (size_t p = 0; p < ps->n && st == FM_OK; p++) {
    double *x = buf, *u = buf + d;
    memcpy(x, ps->x + p * d, d * sizeof *x);
    st = fm_lk_set_time(w, ps->t[p]);
    st = st ? st : fm_gmm_path_eval(NULL, NULL, NULL, u, w->path, x);
    if (st != FM_OK)
      break;
    fm_lk_posterior(w);
    double mag, div = fm_lk_candidate(w, fm_lk_div(w, &mag), (double)d);
    fm_path_errb b;
    fm_path_err_bound(&b, w->pe, w->path, &w->v, x, DBL_EPSILON);
    double smin = INFINITY;
    for (size_t k = 0; k < w->K * d; k++)
      smin = fmin(smin, w->den[k]);
    double h0 = exp2(floor(log2(sqrt(smin) / 16.0)));
    double fd = 0.0, tol = 64.0 * (double)d * DBL_EPSILON * mag;
    fm_lk_fd f = {w, x, 0, u};
    for (size_t i = 0; i < d && st == FM_OK; i++) {
      double D, err;
      fm_fdiff_info info;
      f.i = i;
      st = fm_fdiff_central(&D, &err, &info, fm_lk_fd_fn, &f, 1, x[i], h0, FM_LK_FD_LEVELS);
      fd += D;
      tol += 2.0 * err + 4.0 * b.u / info.h_used;
    }
    w->pdiv[p] = div;
    w->pfd[p] = fd;
    w->ptol[p] = tol;
    w->npt = p + 1;
  }
  if (st == FM_OK) {
    char where[256];
    fm_lk_route5(&r, w, 1.0);
    fm_point_describe(where, sizeof where, ps, r.at);
    fm_verdict_route(v, FM_R_LK_DIV, r.value, r.tol, 0.0,
                     where);
  }
  free(buf);
  fm_pointset_free(ps);
  return st;
}

/* The scan (perturb.h): routes 1, 2, 5 with the divergence x (1 + e),
 * from the stored runs and points (see the header). */
static int fm_lk_fails(int *fails, double e, void *ctx)
{
  const fm_lk_work *w = ctx;
  fm_worst r1, r2, r5;
  fm_lk_routes12(&r1, &r2, w, 1.0 + e);
  fm_lk_route5(&r5, w, 1.0 + e);
  fails[0] = !(r1.value <= r1.tol);
  fails[1] = !(r2.value <= r2.tol);
  fails[2] = !(r5.value <= r5.tol);
  return FM_OK;
}

static int fm_lk_scan(fm_verdict *v, fm_lk_work *w)
{
  static const char *const names[3] = {"backward", "forward", "FD"};
  double found[3];
  int st = fm_perturb_scan(found, 3, fm_perturb_decades, FM_PERTURB_NDECADES, FM_PERTURB_UP,
                           fm_lk_fails, w);
  if (st == FM_OK)
    fm_perturb_note(v, "div u", FM_PERTURB_DECADES_RANGE, 3, names, found);
  return st;
}

static int fm_lk_check(fm_verdict *v, const fm_case *c, const fm_check_opts *o, int mutant)
{
  fm_lk_work w;
  uint64_t seed = fm_check_seed(o, c);
  int st = fm_lk_alloc(&w, c, o, mutant, seed);
  if (st != FM_OK)
    return st;
  size_t npts = fm_check_npoints(o);
  st = fm_lk_trajectories(v, &w, seed);
  if (st == FM_OK)
    st = fm_lk_logp_mp(v, &w, seed, (mpfr_prec_t)o->prec);
  if (st == FM_OK)
    st = fm_lk_pointwise(v, &w, seed, npts < FM_LK_NPTS ? npts : FM_LK_NPTS);
  if (st == FM_OK && mutant == FM_LK_TRUE)
    st = fm_lk_scan(v, &w);
  fm_lk_free(&w);
  return st;
}

const fm_theorem fm_thm_likelihood = {
    "likelihood",
    "d/dt log p_t(x_t) = -div u_t(x_t) along the flow: the CNF log-likelihood "
    "log p_t0(x_t0) - int div u dt (exact trace; Hutchinson with fixed Rademacher probes) "
    "equals the analytic log p_t1(x)",
    fm_lk_check,
    fm_lk_mutants,
};
