/* sweep_em.c -- sweep `em` (theorem sde-marginals): weak error of
 * Euler-Maruyama (numerics/sde.h) on the SDE of the theorem,
 *     dX = [u_t(X) + (eps_t^2/2) grad log p_t(X)] dt + eps_t dW,
 * vs the number of steps N.  Expected slope -1 (weak order one).
 *
 * An analytic case.  Data N(m, S) in 1D: coordinate 0 of the case's data
 * (moment-matched when it is a mixture), with the case's schedule.  Then
 * p_t = N(alpha_t m, c_t), c_t = alpha_t^2 S + sigma_t^2, and in
 * y = x - alpha_t m the SDE is linear, dy = (a_t - eps_t^2/(2 c_t)) y dt +
 * eps_t dW with a = c'/(2c).  With the noise eps_t^2 = 2 lambda c_t
 * (lambda = 1; eps_t >= 0 is any function the theorem allows) the drift
 * coefficient is a - lambda and the exact transition over [t_k, t_k+1] is
 *     y_{k+1} = G_k y_k + sqrt(Q_k) Z,  G_k = sqrt(c_{k+1}/c_k) e^{-lambda h},
 *     Q_k = c_{k+1} (1 - e^{-2 lambda h})
 * (it keeps Var y = c_t, as the theorem says it must).
 *
 * Weak error with a coupled control.  The functional is the second moment,
 * err = |E[y_N^2] - c_tb| / c_tb.  Estimating E[y_N^2] by averaging EM paths
 * would need ~1e6 paths to see a 1e-3 bias.  Instead each EM path (drift
 * and noise evaluated by the library: fm_gmm_path's field and score) is
 * paired with the exact transition driven by the same normals Z_{p,k}
 * (fm_sde_normals): y_exact ~ N(0, c_tb) exactly, so
 *     err = |mean_p (y_EM,p^2 - y_exact,p^2)| / c_tb
 * is unbiased for the weak error, and the two paths differ by O(h), so the
 * estimator's standard error is O(h / sqrt(M)): a constant fraction of the
 * error at every N.  A level is used only when |mean| > 3 se (the bias is
 * resolved from the sampling noise).
 *
 * Steps N0 2^k (k = 0 .. 4, quick 0 .. 3) over [t_a, t_b] = [1e-3, 1 - 1e-3],
 * N0 the smallest power of two >= max(32, 8 L (t_b - t_a)), L = max |a - lambda|
 * on a grid of 1024 times (h L <= 1/8).  Why not from 8: the first-order
 * coefficient is an integral over t whose parts can nearly cancel, and the
 * h^2 term then competes at coarse steps -- on bimodal1d-vp (S = 2.76) the
 * EM variance recursion gives relative errors -3.9e-3, +3.4e-3, 2.9e-3,
 * 1.7e-3, 9.4e-4, 4.9e-4 at N = 8 .. 256: first order only from N ~ 64.
 * Paths M = 20000 (quick 4000).
 * Tolerance 0.3 on the band, two-sided: weak order one is exact for EM on a
 * linear SDE with generic coefficients.
 */
#include "sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sde.h"

#define FM_SEM_TAG 0x5245u /* "RE" */
#define FM_SEM_TA 1e-3
#define FM_SEM_TB (1.0 - 1e-3)
#define FM_SEM_LAMBDA 1.0
#define FM_SEM_GRID 1024
#define FM_SEM_TOL 0.3

typedef struct {
  const fm_schedule *s;
  fm_gmm *g;          /* 1D N(m, S) */
  fm_gmm_path *path;
  double m, S;
} fm_sem;

static int fm_sem_c(double *c, const fm_sem *w, double t)
{
  fm_sched_val v;
  int st = fm_schedule_eval(&v, w->s, t);
  *c = v.alpha * v.alpha * w->S + v.sigma * v.sigma;
  return st;
}

static int fm_sem_noise(double *eps, double t, void *ctx)
{
  double c;
  int st = fm_sem_c(&c, ctx, t);
  *eps = sqrt(2.0 * FM_SEM_LAMBDA * c);
  return st;
}

/* B = u + (eps^2/2) score = u + lambda c score, every path at one t. */
static int fm_sem_drift(double *B, double t, const double *X, size_t np, size_t n, void *ctx)
{
  fm_sem *w = ctx;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, w->s, t);
  st = st ? st : fm_gmm_path_set(w->path, &v);
  double c = v.alpha * v.alpha * w->S + v.sigma * v.sigma;
  for (size_t p = 0; p < np && st == FM_OK; p++) {
    double u, s;
    st = fm_gmm_path_eval(NULL, &s, NULL, &u, w->path, X + p * n);
    B[p] = u + FM_SEM_LAMBDA * c * s;
  }
  return st;
}

static int fm_sem_setup(fm_sem *w, const fm_case *c)
{
  fm_gmm *mm = NULL;
  *w = (fm_sem){.s = c->sched};
  int st = fm_gmm_moment_match(&mm, c->gmm);
  st = st ? st : fm_gmm_alloc(&w->g, 1, 1);
  if (st == FM_OK) {
    w->m = mm->mean[0];
    w->S = mm->cov[0];
    w->g->w[0] = 1.0;
    w->g->mean[0] = w->m;
    w->g->cov[0] = w->S;
    st = fm_gmm_finalize(w->g, NULL, NULL);
  }
  st = st ? st : fm_gmm_path_alloc(&w->path, w->g);
  fm_gmm_free(mm);
  return st;
}

/* Stiffness L = max |a - lambda| and the first level N0. */
static int fm_sem_steps(size_t *N0, double *L, const fm_sem *w)
{
  *L = 0.0;
  for (int k = 0; k <= FM_SEM_GRID; k++) {
    fm_sched_val v;
    int st = fm_schedule_eval(&v, w->s, FM_SEM_TA + (FM_SEM_TB - FM_SEM_TA) * k / FM_SEM_GRID);
    if (st != FM_OK)
      return st;
    double c = v.alpha * v.alpha * w->S + v.sigma * v.sigma;
    *L = fmax(*L, fabs((v.alpha * v.dalpha * w->S + v.sigma * v.dsigma) / c - FM_SEM_LAMBDA));
  }
  if (!isfinite(*L))
    return FM_ENONFIN;
  double need = fmax(32.0, 8.0 * *L * (FM_SEM_TB - FM_SEM_TA));
  for (*N0 = 32; (double)*N0 < need && *N0 < ((size_t)1 << 16);)
    *N0 <<= 1;
  return FM_OK;
}

/* One level: EM and the coupled exact transition on M paths. */
static int fm_sem_level(double *err, double *se, fm_sem *w, size_t N, size_t M, uint64_t seed,
                        uint64_t level, double *X, double *Y)
{
  double h = (FM_SEM_TB - FM_SEM_TA) / (double)N, ca, cb;
  int st = fm_sem_c(&ca, w, FM_SEM_TA);
  st = st ? st : fm_sem_c(&cb, w, FM_SEM_TB);
  if (st != FM_OK)
    return st;
  fm_sched_val va, vb;
  st = fm_schedule_eval(&va, w->s, FM_SEM_TA);
  st = st ? st : fm_schedule_eval(&vb, w->s, FM_SEM_TB);
  fm_rng r0 = fm_rng_make(seed, FM_RNG_STREAM(FM_SEM_TAG, 1));
  fm_rng rw = fm_rng_make(seed, FM_RNG_STREAM(FM_SEM_TAG, 0x100 + level));
  fm_rng_normals(Y, M, &r0, 0);
  for (size_t p = 0; p < M; p++) {
    Y[p] *= sqrt(ca);                 /* y_ta ~ N(0, c_ta) */
    X[p] = va.alpha * w->m + Y[p];
  }
  fm_sde sde = {fm_sem_drift, fm_sem_noise, w, 1};
  st = st ? st : fm_sde_em(X, M, &sde, FM_SEM_TA, h, 0, N, &rw, 0);
  double ck = ca, e1 = exp(-FM_SEM_LAMBDA * h), q1 = -expm1(-2.0 * FM_SEM_LAMBDA * h);
  for (size_t k = 0; k < N && st == FM_OK; k++) {
    double cn;
    st = fm_sem_c(&cn, w, FM_SEM_TA + (double)(k + 1) * h);
    double G = sqrt(cn / ck) * e1, sq = sqrt(cn * q1);
    for (size_t p = 0; p < M && st == FM_OK; p++) {
      double z;
      fm_sde_normals(&z, 1, &rw, p, k);
      Y[p] = G * Y[p] + sq * z;
    }
    ck = cn;
  }
  if (st != FM_OK)
    return st;
  fm_welford acc;
  fm_welford_init(&acc);
  for (size_t p = 0; p < M; p++) {
    double ye = X[p] - vb.alpha * w->m;
    fm_welford_add(&acc, (ye * ye - Y[p] * Y[p]) / cb);
  }
  *err = fabs(acc.mean);
  *se = fm_welford_se(&acc);
  return FM_OK;
}

static int fm_sem_run(fm_sweep_result *r, const fm_case *c, const fm_sweep_opts *o)
{
  fm_sem w;
  size_t nlev = o->quick ? 4 : 5, M = o->quick ? 4000 : 20000, N0 = 8;
  double L = 0.0;
  int st = fm_sem_setup(&w, c);
  st = st ? st : fm_sem_steps(&N0, &L, &w);
  double *X = st == FM_OK ? malloc(2 * M * sizeof *X) : NULL;
  if (st == FM_OK && X == NULL)
    st = FM_ENOMEM;
  if (st == FM_OK)
    fm_sweep_setupf(r, "1D N(m = %.4g, S = %.4g) (coordinate 0 of the %s), eps_t^2 = 2 c_t; "
                    "[%g, %g], N = %zu .. %zu steps (L = %.3g); %zu EM paths each coupled to "
                    "the exact transition with the same normals; error = |E y^2 - c| / c",
                    w.m, w.S, c->gmm->K > 1 ? "moment-matched data" : "data", FM_SEM_TA,
                    FM_SEM_TB, N0, N0 << (nlev - 1), L, M);
  fm_sweep_series *s = fm_sweep_series_add(r, "Euler-Maruyama, E[y^2]", -1.0, FM_SEM_TOL,
                                           FM_SWEEP_BAND);
  size_t noisy = 0;
  for (size_t k = 0; k < nlev && st == FM_OK; k++) {
    double err, se;
    st = fm_sem_level(&err, &se, &w, N0 << k, M, fm_sweep_seed(o, c), k, X, X + M);
    if (st != FM_OK)
      break;
    int ok = err > 3.0 * se;
    noisy += !ok;
    fm_sweep_point_add(s, (double)(N0 << k), err, se, ok);
    fm_sweep_progress(o, (double)(k + 1) / (double)nlev);
  }
  if (st == FM_OK && noisy > 0)
    fm_sweep_notef(s, "%zu level%s left out: weak error within 3 standard errors of 0", noisy,
                   noisy == 1 ? "" : "s");
  free(X);
  fm_gmm_free(w.g);
  fm_gmm_path_free(w.path);
  return st;
}

const fm_sweep_kind fm_sweep_em = {
    "em",
    "sde-marginals",
    "Euler-Maruyama weak error of E[y_t^2] on the theorem's SDE (1D Gaussian, eps^2 = 2 c_t), "
    "vs steps",
    "steps N",
    "relative weak error |E y^2 - c| / c",
    FM_SWEEP_LOGLOG,
    0,
    fm_sem_run,
};
