/* sweep_ode.c -- sweep `ode` (theorem solver-order): terminal error of the
 * fixed-step methods of numerics/ode.h (every entry of fm_ode_methods: Euler,
 * midpoint, RK4) integrating the marginal field from t_a = 1e-3 to
 * t_b = 1 - 1e-3, vs the number of steps N.  Expected slopes -order
 * (-1, -2, -4), read from the method table.
 *
 * Exact flow (theorems/solver_order.c derives it): for data N(m, S) with
 * S = Q diag(lambda) Q', c_i(t) = alpha_t^2 lambda_i + sigma_t^2,
 *     x_tb = alpha_tb m + Q diag(sqrt(c_i(tb) / c_i(ta))) Q' (x_ta - alpha_ta m).
 * The integrators see the field only through fm_gmm_path; the reference
 * uses GSL's symmetric eigensolver.  A mixture has no closed-form flow: its
 * moment-matched Gaussian N(E x1, Cov x1) is used with the case's schedule
 * (stated in the setup).  Error: the largest over 4 trajectories (exact
 * draws of p_ta) of |x_N - x_exact|_inf / max(1, |x_exact|_inf) at t_b.
 *
 * Steps N0 2^k (k = 0 .. 5, quick 0 .. 3), N0 the smallest power of two
 * >= max(8, 8 L (t_b - t_a)) with L the field's stiffness max |c_i'/(2 c_i)|
 * on a grid of 1024 times: h L <= 1/8 puts every method in its asymptotic
 * range.  Levels under the round-off floor 100 N eps max(1, |x|) are left
 * out.
 *
 * Verdict one-sided, tolerance 0.3 (SUNDIALS; the theorem's own): the
 * observed order must reach the claimed one.  An order above the claim is
 * expected in one known situation and reported, not failed: the midpoint
 * rule is third order on this field whenever c(t) is quadratic in t
 * (cond_ot, linear_vp, polynomial n = 1; proof in solver_order.c).
 */
#include "sweep.h"

#include <float.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ode.h"

#define FM_SO2_TAG 0x524fu /* "RO" */
#define FM_SO2_TA 1e-3
#define FM_SO2_TB (1.0 - 1e-3)
#define FM_SO2_NTRAJ 4
#define FM_SO2_GRID 1024
#define FM_SO2_TOL 0.3

typedef struct {
  const fm_schedule *s;
  fm_gmm *g1;
  fm_gmm_path *path;
  size_t d, n;        /* n = NTRAJ d */
  double *lam, *Q;    /* eigenpairs of S (columns of Q) */
  double *xa, *xe, *x, *tmp;
  double L;
  size_t N0;
} fm_so2;

static void fm_so2_free(fm_so2 *w)
{
  fm_gmm_free(w->g1);
  fm_gmm_path_free(w->path);
  free(w->lam);
}

static int fm_so2_eigen(fm_so2 *w)
{
  size_t d = w->d;
  fm_gsl_quiet();
  gsl_matrix_view A = gsl_matrix_view_array(w->tmp, d, d);
  gsl_matrix_view V = gsl_matrix_view_array(w->Q, d, d);
  gsl_vector_view ev = gsl_vector_view_array(w->lam, d);
  memcpy(w->tmp, w->g1->cov, d * d * sizeof(double));
  gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(d);
  if (ws == NULL)
    return FM_ENOMEM;
  int st = gsl_eigen_symmv(&A.matrix, &ev.vector, &V.matrix, ws) ? FM_ECONV : FM_OK;
  gsl_eigen_symmv_free(ws);
  for (size_t i = 0; i < d && st == FM_OK; i++)
    if (!(w->lam[i] > 0.0))
      st = FM_ENOTPD;
  return st;
}

/* y = alpha_b m + Q diag(sqrt(c(b)/c(a))) Q' (x - alpha_a m). */
static void fm_so2_exact(double *y, const fm_so2 *w, const fm_sched_val *va,
                         const fm_sched_val *vb, const double *x, double *q)
{
  size_t d = w->d;
  const double *m = w->g1->mean;
  for (size_t j = 0; j < d; j++) {
    double s = 0.0;
    for (size_t i = 0; i < d; i++)
      s += w->Q[i * d + j] * (x[i] - va->alpha * m[i]);
    double ca = va->alpha * va->alpha * w->lam[j] + va->sigma * va->sigma;
    double cb = vb->alpha * vb->alpha * w->lam[j] + vb->sigma * vb->sigma;
    q[j] = s * sqrt(cb / ca);
  }
  for (size_t i = 0; i < d; i++) {
    double s = 0.0;
    for (size_t j = 0; j < d; j++)
      s += w->Q[i * d + j] * q[j];
    y[i] = vb->alpha * m[i] + s;
  }
}

static int fm_so2_stiffness(fm_so2 *w)
{
  int st = FM_OK;
  w->L = 0.0;
  for (int k = 0; k <= FM_SO2_GRID && st == FM_OK; k++) {
    fm_sched_val v;
    st = fm_schedule_eval(&v, w->s, FM_SO2_TA + (FM_SO2_TB - FM_SO2_TA) * k / FM_SO2_GRID);
    for (size_t i = 0; i < w->d && st == FM_OK; i++) {
      double c = v.alpha * v.alpha * w->lam[i] + v.sigma * v.sigma;
      w->L = fmax(w->L, fabs(v.alpha * v.dalpha * w->lam[i] + v.sigma * v.dsigma) / c);
    }
  }
  if (st == FM_OK && !isfinite(w->L))
    st = FM_ENONFIN;
  double need = fmax(8.0, 8.0 * w->L * (FM_SO2_TB - FM_SO2_TA));
  for (w->N0 = 8; (double)w->N0 < need && w->N0 < ((size_t)1 << 20);)
    w->N0 <<= 1;
  return st;
}

/* Starts: x = alpha m + Q diag(sqrt(c(ta))) z; and their exact images. */
static int fm_so2_starts(fm_so2 *w, uint64_t seed)
{
  size_t d = w->d;
  fm_sched_val va, vb;
  int st = fm_schedule_eval(&va, w->s, FM_SO2_TA);
  st = st ? st : fm_schedule_eval(&vb, w->s, FM_SO2_TB);
  if (st != FM_OK)
    return st;
  fm_rng r = fm_rng_make(seed, FM_RNG_STREAM(FM_SO2_TAG, 1));
  double *z = w->tmp;
  for (size_t p = 0; p < FM_SO2_NTRAJ; p++) {
    fm_rng_normals(z, d, &r, (uint64_t)(p * d));
    for (size_t i = 0; i < d; i++) {
      double s = 0.0;
      for (size_t j = 0; j < d; j++)
        s += w->Q[i * d + j] *
             sqrt(va.alpha * va.alpha * w->lam[j] + va.sigma * va.sigma) * z[j];
      w->xa[p * d + i] = va.alpha * w->g1->mean[i] + s;
    }
    fm_so2_exact(w->xe + p * d, w, &va, &vb, w->xa + p * d, w->tmp + d);
  }
  return FM_OK;
}

static int fm_so2_alloc(fm_so2 *w, const fm_case *c, uint64_t seed)
{
  size_t d = c->gmm->d;
  *w = (fm_so2){.s = c->sched, .d = d, .n = FM_SO2_NTRAJ * d};
  int st = fm_gmm_moment_match(&w->g1, c->gmm);
  st = st ? st : fm_gmm_path_alloc(&w->path, w->g1);
  /* lam d, Q d^2, tmp d^2 + 2d (the eigensolver's matrix; a draw and the
   * exact map's scratch), xa, xe, x n each */
  if (st == FM_OK &&
      (w->lam = malloc((3 * d + 2 * d * d + 3 * w->n) * sizeof(double))) == NULL)
    st = FM_ENOMEM;
  if (st == FM_OK) {
    w->Q = w->lam + d;
    w->tmp = w->Q + d * d;
    w->xa = w->tmp + d * d + 2 * d;
    w->xe = w->xa + w->n;
    w->x = w->xe + w->n;
    st = fm_so2_eigen(w);
  }
  st = st ? st : fm_so2_stiffness(w);
  st = st ? st : fm_so2_starts(w, seed);
  if (st != FM_OK)
    fm_so2_free(w);
  return st;
}

static int fm_so2_field(double *dx, double t, const double *x, void *ctx)
{
  fm_so2 *w = ctx;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, w->s, t);
  st = st ? st : fm_gmm_path_set(w->path, &v);
  for (size_t p = 0; p < FM_SO2_NTRAJ && st == FM_OK; p++)
    st = fm_gmm_path_eval(NULL, NULL, NULL, dx + p * w->d, w->path, x + p * w->d);
  return st;
}

/* Terminal relative error with N steps; *floor its round-off floor. */
static int fm_so2_err(double *err, double *floor, fm_so2 *w, const fm_ode_method *m, size_t N)
{
  memcpy(w->x, w->xa, w->n * sizeof(double));
  int st = fm_ode_integrate(w->x, m, fm_so2_field, w, w->n, FM_SO2_TA, FM_SO2_TB, N);
  if (st != FM_OK)
    return st;
  *err = 0.0;
  *floor = 0.0;
  for (size_t p = 0; p < FM_SO2_NTRAJ; p++) {
    double de = 0.0, sc = 1.0;
    for (size_t i = 0; i < w->d; i++) {
      de = fmax(de, fabs(w->x[p * w->d + i] - w->xe[p * w->d + i]));
      sc = fmax(sc, fabs(w->xe[p * w->d + i]));
    }
    *err = fmax(*err, de / sc);
  }
  *floor = 100.0 * (double)N * DBL_EPSILON;
  return FM_OK;
}

static int fm_so2_run(fm_sweep_result *r, const fm_case *c, const fm_sweep_opts *o)
{
  fm_so2 w;
  size_t nlev = o->quick ? 4 : 6, nm = 0;
  int st = fm_so2_alloc(&w, c, fm_sweep_seed(o, c));
  if (st != FM_OK)
    return st;
  while (fm_ode_methods[nm] != NULL)
    nm++;
  fm_sweep_setupf(r, "%s over [%g, %g] from %d exact draws of p_ta; N = %zu .. %zu steps "
                  "(stiffness L = %.3g, h L <= 1/8); error = max relative terminal error; an order "
                  "above the claim is allowed (midpoint is third order on this field when "
                  "c(t) = alpha^2 lambda + sigma^2 is quadratic in t: cond_ot, linear_vp)",
                  c->gmm->K > 1 ? "moment-matched Gaussian N(E x1, Cov x1) of the data"
                                : "the case's single Gaussian",
                  FM_SO2_TA, FM_SO2_TB, FM_SO2_NTRAJ, w.N0, w.N0 << (nlev - 1), w.L);
  for (size_t mi = 0; mi < nm && st == FM_OK; mi++) {
    const fm_ode_method *m = fm_ode_methods[mi];
    fm_sweep_series *s = fm_sweep_series_add(r, m->name, -(double)m->order, FM_SO2_TOL,
                                             FM_SWEEP_AT_LEAST);
    size_t below = 0;
    for (size_t k = 0; k < nlev && st == FM_OK; k++) {
      size_t N = w.N0 << k;
      double err, floor;
      st = fm_so2_err(&err, &floor, &w, m, N);
      if (st != FM_OK)
        break;
      int ok = err > floor;
      below += !ok;
      fm_sweep_point_add(s, (double)N, err, 0.0, ok);
      fm_sweep_progress(o, (double)(mi * nlev + k + 1) / (double)(nm * nlev));
    }
    if (below > 0)
      fm_sweep_notef(s, "%zu level%s under the round-off floor 100 N eps left out", below,
                     below == 1 ? "" : "s");
  }
  fm_so2_free(&w);
  return st;
}

const fm_sweep_kind fm_sweep_ode = {
    "ode",
    "solver-order",
    "terminal error of Euler, midpoint and RK4 on the exact affine flow of a Gaussian, vs steps",
    "steps N",
    "relative terminal error",
    FM_SWEEP_LOGLOG,
    0,
    fm_so2_run,
};
