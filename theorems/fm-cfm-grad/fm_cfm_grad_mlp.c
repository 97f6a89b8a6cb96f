/* fm_cfm_grad_mlp.c -- the route of theorem `fm-cfm-grad` at the trainer's
 * own network: for the MLP v_theta (mlp.h) at a theta the trainer produced,
 *     grad_theta L_FM(theta) = grad_theta L_CFM(theta),   L_CFM - L_FM = C,
 * L_FM = E|v_theta(t, x) - u_t(x)|^2, L_CFM = E|v_theta(t, x) - u_t(x|x1)|^2,
 * x = psi_t(x0) = sigma_t x0 + alpha_t x1, C = E tr Cov(u_t(x|x1) | x_t = x).
 * Why: E[u_t(x|x1) | x_t = x] = u_t(x), so the cross terms agree; this holds
 * for any v, hence at every theta, and for any t-measure.
 *
 * Network: width 16, depth 2 (SiLU, mlp.h) by default, theta from
 * fm_mlp_init (random) or after K steps of fm_train (Adam at a constant rate
 * 5e-3, batch 64, t ~ U[t_lo, t_hi]) -- the theorem's check uses K = 200.
 *
 * Draws (Philox streams of tag "GM" under the seed): n = 32768 by default
 * (d <= 4; 262144/d above, where a GMM evaluation costs O(K d^2)),
 * t ~ U[1e-3, 1 - 1e-3] (the theorem's t-measure: sigma'/sigma is singular
 * at t = 1 when sigma_1 = 0), x0 ~ N(0, I), x1 ~ q, x = psi_t(x0).  Common
 * random numbers: the FM target u_t(x) (fm_gmm_path_eval) and the CFM target
 * u_t(x|x1) (fm_cond_field) are taken at the same (t, x), so v and its
 * Jacobian J = dv/dtheta are shared and the per-draw difference of the two
 * gradient samples, 2 J^T (v - u(x)) - 2 J^T (v - u(x|x1)) = 2 J^T (u(x|x1) -
 * u(x)), carries only the posterior spread of u(x|x1) -- CFM's own gradient
 * noise.  Draws come in groups of B = 16: one forward and two backward passes
 * per group (fm_mlp_backward sums over the rows) give the group means of both
 * gradient samples; the G = n/B group means are iid.
 *
 * Gradient test.  p = 337 .. 832 parameters against G = 2048 groups (1024
 * in d = 16): a full
 * Hotelling test would estimate a p x p covariance from a few p groups, and
 * an MLP's parameter gradients are nearly collinear (a unit's bias and
 * weights see the same back-propagated signal), so that estimate is
 * ill-conditioned; per-parameter z-tests with Holm's correction would ask
 * for |z| ~ 4.8 (p-fold correction), deep in the tail where the heavy-tailed
 * CFM noise (its variance grows like 1/(1 - t) on the VP path) makes the
 * normal approximation least reliable.  So the difference is projected on
 * k = 8 random unit directions (normal vectors normalised, drawn from the
 * seed before and independently of the draws), and Hotelling's
 *     T^2 = G ybar' S^{-1} ybar,   F = (G - k) / (k (G - 1)) T^2 ~ F(k, G - k)
 * of the G projected group means y_g (exact for normal y_g, chi2_k / k
 * asymptotically otherwise).  A wrong target biases the gradient by
 * E[J^T delta], which is dense in parameter space: a random direction sees a
 * fraction ~ 1/sqrt(p) of it, as it sees ~ 1/sqrt(p) of the noise.
 *
 * Loss-gap tests, per draw D = |v - u(x|x1)|^2 - |v - u(x)|^2 (mean
 * L_CFM - L_FM), z-tests with Holm's correction:
 *   (a) D - tr Cov(u(x|x1) | x) against 0, tr Cov in closed form at the same
 *       x (gmm_post.h): subtracting it removes C's variation over x;
 *   (b) mean D against C from route 1's quadrature of the linear-feature check
 *       (fm_fg_floor; d <= 3), deflated by its error bound err:
 *       z = (|mean D - C| - err)_+ / SE, conservative whenever |C_quad - C| <= err.
 * The two families (gradient, gap) are each tested at alpha/2, alpha = 1e-3
 * family-wise (Bonferroni across, Holm within), as in the linear MC route;
 * margin = max(F / F_crit, max|z| / z_crit) > 1 rejects.
 *
 * Power, and the 1% sigma' control.  The CFM target with sigma' scaled by
 * (1 + eps) is u(x|x1) + eps delta, delta = (sigma'/sigma)(x - alpha x1)
 * = sigma' x0.  Its gap bias is, to first order, -2 eps E[(sigma' alpha W /
 * sigma^2) tr Cov(x1|x)] (W = alpha' sigma - alpha sigma') = 2 eps E[alpha^2
 * tr Cov(u|x)] on VP and 2 eps E[t tr Cov(u|x)] on CondOT (sigma_min = 0):
 * about eps C, while
 * one draw's noise (the chi-square-like spread of |u(x|x1) - u(x)|^2, plus
 * 2 (v - u).(u - u(x|x1))) is itself of order C.  Its gradient bias,
 * -2 eps E[sigma sigma' J^T grad log p_t], is likewise a fraction ~ eps of
 * the gradient noise.  So a 1% error needs ~ (z / eps)^2 ~ 1e5 .. 1e6 draws
 * whatever the statistic: this noise is the posterior spread of u(x|x1) and
 * cannot be removed without using the identity under test (replacing x1 by
 * its posterior mean IS the FM target).  Measured: the 1% control moves the
 * gap's z by 0.005 sqrt(n) on bimodal1d-cond_ot and by 0.010 sqrt(n) on
 * ring8-vp and aniso3d-cond_ot.  The default n (0.04 .. 0.12 s there)
 * resolves sigma' errors of 2 .. 5% (the scan below says which); the trainer
 * tests reject the 1% control with 2^21 draws in 1D and 2^19 in 2D, 3D
 * (margins 2.0 .. 2.4), and the linear-feature quadrature route of the
 * theorem resolves 1e-3.
 *
 * Scan: the statistics are polynomials in eps -- per draw D(eps) = D +
 * eps b + eps^2 c with b = -2 delta.(v - u(x|x1)), c = |delta|^2, and per
 * group the gradient difference plus eps times the back-propagated 2 delta --
 * so one pass (the true statement's) gives the route's decision at every eps
 * of the grid 1e-4 .. 1 (1, 2, 5 per decade); the smallest eps from which on
 * every larger one is rejected is reported as the smallest sigma' error the
 * route detects.  At eps = 1e-2 these are exactly the statistics of mutant 1
 * (the same draws): tests/test_fm_cfm_grad_mlp.c holds the two to rounding.
 *
 * Mutants (fm_cfm_grad.h): 1 "CFM target with sigma' off by 1%"; 2 "FM
 * target with prior weights" (n/a for one component); 3 "CFM loss with x =
 * alpha x1 + x0" (the CFM side then has its own x: a second forward pass).
 */
#include "fm_cfm_grad_mlp.h"
#include "mlp_gradcheck.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "fm_cfm_grad.h"
#include "gpost.h"
#include "linalg.h"
#include "mc.h"
#include "rng.h"
#include "train.h"

#define FM_FGM_TAG 0x474du /* "GM" */
#define FM_FGM_THEOREM_STEPS 200
#define FM_FGM_NMOM 4 /* per-draw moments: D, tr Cov, b, c */

enum { FM_FGM_S_INIT, FM_FGM_S_T, FM_FGM_S_X0, FM_FGM_S_X1, FM_FGM_S_PROJ, FM_FGM_S_BP };

/* sigma' errors of the scan: 1, 2, 5 per decade from 1e-4 to 1. */
const double fm_fgm_scan_eps[FM_FGM_NSCAN] = {1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2,
                                              2e-2, 5e-2, 0.1,  0.2,  0.5,  1.0};

void fm_fgm_opts_default(fm_fgm_opts *o, size_t d)
{
  size_t n = d <= 4 ? 32768 : 262144 / d;
  *o = (fm_fgm_opts){.arch = {d, 16, 2, 0},
                     .train_steps = 0,
                     .train_batch = 64,
                     .train_lr = 5e-3,
                     .n = n < 4096 ? 4096 : n,
                     .group = 16,
                     .nproj = 8,
                     .alpha = 1e-3,
                     .scan = 0,
                     .t_lo = 1e-3,
                     .t_hi = 1.0 - 1e-3};
}

/* ------------------------------ network ------------------------------ */

static int fm_fgm_trained(fm_mlp *m, const fm_case *c, const fm_fgm_opts *o, uint64_t seed,
                          fm_errmsg *e)
{
  fm_train_config cfg;
  fm_train_config_default(&cfg, c->gmm->d, seed);
  cfg.arch = o->arch;
  cfg.steps = o->train_steps;
  cfg.batch = o->train_batch;
  cfg.lr = o->train_lr;
  cfg.cosine = 0;
  cfg.t_lo = o->t_lo;
  cfg.t_hi = o->t_hi;
  cfg.log_every = 0;
  fm_train *tr;
  int st = fm_train_alloc(&tr, c, &cfg, e);
  if (st != FM_OK)
    return st;
  st = fm_train_run(tr, o->train_steps, NULL, NULL, e);
  const fm_mlp *src = fm_train_mlp_const(tr);
  for (size_t i = 0; i < m->n_params && st == FM_OK; i++) {
    m->theta[i] = src->theta[i];
    if (!isfinite(m->theta[i]))
      st = fm_errmsg_set(e, FM_ENONFIN, "fm-cfm-grad MLP route: theta not finite after %llu "
                                        "training steps", (unsigned long long)o->train_steps);
  }
  fm_train_free(tr);
  return st;
}

int fm_fgm_network(fm_mlp **m, const fm_case *c, const fm_fgm_opts *o, uint64_t seed,
                   fm_errmsg *e)
{
  if (o->arch.d != c->gmm->d)
    return fm_errmsg_set(e, FM_EDIM, "fm-cfm-grad MLP route: network dimension %zu, case "
                                     "dimension %zu", o->arch.d, c->gmm->d);
  int st = fm_mlp_alloc(m, &o->arch, e);
  if (st != FM_OK)
    return st;
  if (o->train_steps == 0) {
    fm_rng r = fm_rng_make(seed, FM_RNG_STREAM(FM_FGM_TAG, FM_FGM_S_INIT));
    fm_mlp_init(*m, &r);
    return FM_OK;
  }
  st = fm_fgm_trained(*m, c, o, seed, e);
  if (st != FM_OK) {
    fm_mlp_free(*m);
    *m = NULL;
  }
  return st;
}

/* ------------------------------ moments ------------------------------ */

/* Running mean and co-moment matrix of a small vector (Welford's update). */
typedef struct {
  double n, mean[FM_FGM_NMOM], m2[FM_FGM_NMOM * FM_FGM_NMOM];
} fm_fgm_mom;

static void fm_fgm_mom_add(fm_fgm_mom *s, const double *x)
{
  double dx[FM_FGM_NMOM];
  s->n += 1.0;
  for (size_t i = 0; i < FM_FGM_NMOM; i++) {
    dx[i] = x[i] - s->mean[i];
    s->mean[i] += dx[i] / s->n;
  }
  for (size_t i = 0; i < FM_FGM_NMOM; i++)
    for (size_t j = 0; j < FM_FGM_NMOM; j++)
      s->m2[i * FM_FGM_NMOM + j] += dx[i] * (x[j] - s->mean[j]);
}

/* Mean and standard error of sum_i a_i X_i. */
static void fm_fgm_mom_lin(double *mean, double *se, const fm_fgm_mom *s, const double *a)
{
  double m = 0.0, v = 0.0;
  for (size_t i = 0; i < FM_FGM_NMOM; i++) {
    m += a[i] * s->mean[i];
    for (size_t j = 0; j < FM_FGM_NMOM; j++)
      v += a[i] * a[j] * s->m2[i * FM_FGM_NMOM + j];
  }
  *mean = m;
  *se = sqrt(fmax(v, 0.0) / (s->n - 1.0) / s->n);
}

/* ------------------------------ workspace ------------------------------ */

typedef struct {
  const fm_case *c;
  const fm_mlp *m;
  const fm_fgm_opts *o;
  int mutant;
  size_t d, p, k, B, G;
  fm_gmm_path *path;
  fm_gpost *post;
  fm_mlp_work *mw;
  fm_rng rt, r0, r1;
  double *mem;
  double *t, *x, *xc, *x1, *uf, *uc, *del, *tc, *v, *vc, *dv;
  double *gf, *gc, *gh, *sgf, *sgc, *R;
  double *Y0, *Y1;        /* G x k projected group differences, and the scan's slope */
  fm_fgm_mom mom;         /* per draw: D, tr Cov, b, c */
  fm_welford lf, lc;
} fm_fgm_work;

static void fm_fgm_free(fm_fgm_work *w)
{
  fm_gmm_path_free(w->path);
  fm_gpost_free(w->post);
  fm_mlp_work_free(w->mw);
  free(w->mem);
}

static void fm_fgm_carve(fm_fgm_work *w)
{
  size_t d = w->d, p = w->p, B = w->B;
  double *b = w->mem;
  w->t = b, b += B;
  w->tc = b, b += B;
  w->x = b, b += B * d;
  w->xc = b, b += B * d;
  w->x1 = b, b += B * d;
  w->uf = b, b += B * d;
  w->uc = b, b += B * d;
  w->del = b, b += B * d;
  w->v = b, b += B * d;
  w->vc = b, b += B * d;
  w->dv = b, b += B * d;
  w->gf = b, b += p;
  w->gc = b, b += p;
  w->gh = b, b += p;
  w->sgf = b, b += p;
  w->sgc = b, b += p;
  w->R = b, b += w->k * p;
  w->Y0 = b, b += w->G * w->k;
  w->Y1 = b;
}

/* The k random unit directions of the projection. */
static void fm_fgm_directions(fm_fgm_work *w, uint64_t seed)
{
  fm_rng rp = fm_rng_make(seed, FM_RNG_STREAM(FM_FGM_TAG, FM_FGM_S_PROJ));
  fm_rng_normals(w->R, w->k * w->p, &rp, 0);
  for (size_t j = 0; j < w->k; j++) {
    double *r = w->R + j * w->p, nn = 0.0;
    for (size_t a = 0; a < w->p; a++)
      nn += r[a] * r[a];
    for (size_t a = 0; a < w->p; a++)
      r[a] /= sqrt(nn);
  }
}

static int fm_fgm_alloc(fm_fgm_work *w, uint64_t seed)
{
  size_t d = w->d, p = w->p, B = w->B;
  size_t n = 2 * B + 9 * B * d + (5 + w->k) * p + 2 * w->G * w->k;
  int st = fm_gmm_path_alloc(&w->path, w->c->gmm);
  st = st ? st : fm_gpost_alloc(&w->post, w->c->gmm);
  st = st ? st : fm_mlp_work_alloc(&w->mw, &w->m->arch, B, NULL);
  if (st == FM_OK && (w->mem = calloc(n, sizeof *w->mem)) == NULL)
    st = FM_ENOMEM;
  if (st != FM_OK)
    return st;
  fm_fgm_carve(w);
  fm_fgm_directions(w, seed);
  w->rt = fm_rng_make(seed, FM_RNG_STREAM(FM_FGM_TAG, FM_FGM_S_T));
  w->r0 = fm_rng_make(seed, FM_RNG_STREAM(FM_FGM_TAG, FM_FGM_S_X0));
  w->r1 = fm_rng_make(seed, FM_RNG_STREAM(FM_FGM_TAG, FM_FGM_S_X1));
  fm_welford_init(&w->lf);
  fm_welford_init(&w->lc);
  return FM_OK;
}

/* ------------------------------ draws ------------------------------ */

/* Row r of the group holds draw i: t, x (FM side), xc (CFM side), both
 * targets, delta = (sigma'/sigma)(xc - alpha x1) and tr Cov(u(x|x1)|x). */
static int fm_fgm_row(fm_fgm_work *w, size_t r, uint64_t i)
{
  size_t d = w->d;
  const fm_fgm_opts *o = w->o;
  double t = o->t_lo + (o->t_hi - o->t_lo) * fm_rng_uniform(&w->rt, i);
  fm_sched_val v;
  int st = fm_schedule_eval(&v, w->c->sched, t);
  st = st ? st : fm_gmm_path_set(w->path, &v);
  if (st != FM_OK)
    return st;
  double *x = w->x + r * d, *xc = w->xc + r * d, *x1 = w->x1 + r * d, *x0 = w->del + r * d;
  fm_rng_normals(x0, d, &w->r0, i * (uint64_t)d);
  fm_gmm_sample(x1, w->c->gmm, &w->r1, i);
  for (size_t j = 0; j < d; j++) {
    x[j] = v.sigma * x0[j] + v.alpha * x1[j];
    xc[j] = w->mutant == FM_FG_CFM_NO_SIGMA ? v.alpha * x1[j] + x0[j] : x[j];
  }
  st = fm_gmm_path_eval(NULL, NULL, NULL, w->uf + r * d, w->path, x);
  if (st != FM_OK)
    return st;
  fm_gpost_val pv;
  fm_gpost_eval(&pv, w->post, w->path, &v, FM_GPOST_POSTERIOR);
  if (w->mutant == FM_FG_FM_PRIOR_W)
    fm_gpost_prior_field(w->uf + r * d, w->post, w->path, &v);
  fm_sched_val vc = v;
  if (w->mutant == FM_FG_CFM_SIGMA_OFF)
    vc.dsigma *= 1.01;
  fm_cond_field(w->uc + r * d, &vc, xc, x1, d);
  for (size_t j = 0; j < d; j++)
    x0[j] = v.dsigma / v.sigma * (xc[j] - v.alpha * x1[j]);
  w->t[r] = t;
  w->tc[r] = pv.trcov_u;
  return FM_OK;
}

/* dv = (2/B) s (a - b) over the group's rows. */
static void fm_fgm_dv(double *dv, const double *a, const double *b, double s, size_t n,
                      size_t B)
{
  for (size_t q = 0; q < n; q++)
    dv[q] = 2.0 * s * (a[q] - (b != NULL ? b[q] : 0.0)) / (double)B;
}

/* Both gradient samples of the group (summed over rows / B), and h, the
 * back-propagated 2 delta of the scan. */
static int fm_fgm_backprop(fm_fgm_work *w)
{
  size_t nd = w->B * w->d;
  int st = fm_mlp_forward(w->v, w->mw, w->m, w->t, w->x, w->B);
  fm_fgm_dv(w->dv, w->v, w->uf, 1.0, nd, w->B);
  st = st ? st : fm_mlp_backward(w->gf, NULL, w->mw, w->m, w->dv, w->B);
  if (st == FM_OK && w->mutant == FM_FG_CFM_NO_SIGMA)
    st = fm_mlp_forward(w->vc, w->mw, w->m, w->t, w->xc, w->B);
  else
    memcpy(w->vc, w->v, nd * sizeof *w->v);
  fm_fgm_dv(w->dv, w->vc, w->uc, 1.0, nd, w->B);
  st = st ? st : fm_mlp_backward(w->gc, NULL, w->mw, w->m, w->dv, w->B);
  if (st == FM_OK && w->o->scan) {
    fm_fgm_dv(w->dv, w->del, NULL, 1.0, nd, w->B);
    st = fm_mlp_backward(w->gh, NULL, w->mw, w->m, w->dv, w->B);
  }
  return st;
}

/* Per-draw loss moments of the group's rows. */
static void fm_fgm_losses(fm_fgm_work *w)
{
  for (size_t r = 0; r < w->B; r++) {
    double lf = 0.0, lc = 0.0, b = 0.0, c = 0.0;
    for (size_t j = 0; j < w->d; j++) {
      size_t q = r * w->d + j;
      double ef = w->v[q] - w->uf[q], ec = w->vc[q] - w->uc[q];
      lf += ef * ef;
      lc += ec * ec;
      b -= 2.0 * w->del[q] * ec;
      c += w->del[q] * w->del[q];
    }
    double y[FM_FGM_NMOM] = {lc - lf, w->tc[r], b, c};
    fm_fgm_mom_add(&w->mom, y);
    fm_welford_add(&w->lf, lf);
    fm_welford_add(&w->lc, lc);
  }
}

static int fm_fgm_group(fm_fgm_work *w, size_t g)
{
  int st = FM_OK;
  for (size_t r = 0; r < w->B && st == FM_OK; r++)
    st = fm_fgm_row(w, r, (uint64_t)g * w->B + r);
  st = st ? st : fm_fgm_backprop(w);
  if (st != FM_OK)
    return st;
  /* CFM gradient at sigma' (1 + eps): gc - eps gh, so diff + eps gh */
  for (size_t a = 0; a < w->p; a++) {
    w->sgf[a] += w->gf[a];
    w->sgc[a] += w->gc[a];
  }
  for (size_t j = 0; j < w->k; j++) {
    const double *r = w->R + j * w->p;
    double y0 = 0.0, y1 = 0.0;
    for (size_t a = 0; a < w->p; a++) {
      y0 += r[a] * (w->gf[a] - w->gc[a]);
      y1 += r[a] * w->gh[a];
    }
    w->Y0[g * w->k + j] = y0;
    w->Y1[g * w->k + j] = y1;
  }
  fm_fgm_losses(w);
  return FM_OK;
}

/* ------------------------------ tests ------------------------------ */

/* Hotelling's test of the G x k rows Y0 + eps Y1 against mean 0: F and p. */
static int fm_fgm_hotelling(double *t2, double *f, double *p, const fm_fgm_work *w,
                            double eps)
{
  size_t k = w->k, G = w->G;
  double *mem = calloc(2 * k + 2 * k * k, sizeof *mem);
  if (mem == NULL)
    return FM_ENOMEM;
  double *mu = mem, *z = mu + k, *S = z + k, *L = S + k * k;
  for (size_t g = 0; g < G; g++)
    for (size_t j = 0; j < k; j++)
      mu[j] += (w->Y0[g * k + j] + eps * w->Y1[g * k + j]) / (double)G;
  for (size_t g = 0; g < G; g++)
    for (size_t i = 0; i < k; i++)
      for (size_t j = 0; j <= i; j++)
        S[i * k + j] += (w->Y0[g * k + i] + eps * w->Y1[g * k + i] - mu[i]) *
                        (w->Y0[g * k + j] + eps * w->Y1[g * k + j] - mu[j]) /
                        (double)(G - 1);
  for (size_t i = 0; i < k; i++)
    for (size_t j = i + 1; j < k; j++)
      S[i * k + j] = S[j * k + i];
  int st = fm_linalg_chol(L, S, k);
  if (st == FM_OK) {
    fm_linalg_chol_solve(z, L, mu, k);
    double q = 0.0;
    for (size_t j = 0; j < k; j++)
      q += mu[j] * z[j];
    *t2 = (double)G * q;
    *f = (double)(G - k) / ((double)k * (double)(G - 1)) * *t2;
    *p = gsl_cdf_fdist_Q(*f, (double)k, (double)(G - k));
  }
  free(mem);
  return st;
}

/* Critical F of level a for F(k, n2): gsl_cdf_fdist_Qinv fails (NaN) for
 * n2 in the hundreds of thousands (the 2^21-draw runs), so the upper tail
 * gsl_cdf_fdist_Q, which stays accurate there, is inverted by bisection
 * (monotone; 200 halvings reach the double resolution of the bracket). */
static double fm_fgm_fcrit(double a, size_t k, size_t n2)
{
  double lo = 0.0, hi = 1.0, nu1 = (double)k, nu2 = (double)n2;
  while (gsl_cdf_fdist_Q(hi, nu1, nu2) > a && hi < 1e300)
    hi *= 2.0;
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    double mid = 0.5 * (lo + hi);
    if (gsl_cdf_fdist_Q(mid, nu1, nu2) > a)
      lo = mid;
    else
      hi = mid;
  }
  return hi;
}

/* The gap family at sigma' error eps: z of (a), (b), Holm's smallest p. */
static void fm_fgm_gap_tests(fm_fgm_result *r, const fm_fgm_work *w, double eps)
{
  double aD[FM_FGM_NMOM] = {1.0, 0.0, eps, eps * eps};
  double aC[FM_FGM_NMOM] = {1.0, -1.0, eps, eps * eps};
  double mc, sc;
  fm_fgm_mom_lin(&r->gap, &r->gap_se, &w->mom, aD);
  fm_fgm_mom_lin(&mc, &sc, &w->mom, aC);
  r->z_gapc = mc / sc;
  int q = !isnan(r->c_ref);
  r->z_gapq = q ? fmax(0.0, fabs(r->gap - r->c_ref) - r->c_ref_err) / r->gap_se : NAN;
  double z = fmax(fabs(r->z_gapc), q ? r->z_gapq : 0.0);
  size_t m = q ? 2 : 1;
  r->zcrit_gap = fm_mc_z_crit(0.5 * w->o->alpha, m);
  r->p_gap = fmin(1.0, (double)m * fm_mc_z_pvalue(z));
}

/* Both families at eps; fills the decision fields of r. */
static int fm_fgm_decide(fm_fgm_result *r, const fm_fgm_work *w, double eps)
{
  int st = fm_fgm_hotelling(&r->t2, &r->fstat, &r->p_grad, w, eps);
  if (st != FM_OK)
    return st;
  fm_fgm_gap_tests(r, w, eps);
  r->fcrit = fm_fgm_fcrit(0.5 * w->o->alpha, w->k, w->G - w->k);
  double zg = fmax(fabs(r->z_gapc), isnan(r->z_gapq) ? 0.0 : r->z_gapq);
  double mg = r->fstat / r->fcrit, ml = zg / r->zcrit_gap;
  r->p_adj = fmin(1.0, 2.0 * fmin(r->p_grad, r->p_gap));
  r->margin = fmax(mg, ml);
  r->grad_decides = mg >= ml;
  return FM_OK;
}

/* The route's margin at every eps of the grid (the draws of the truth), and
 * the smallest eps from which on every larger one of the grid is rejected. */
static int fm_fgm_scan(fm_fgm_result *r, const fm_fgm_work *w)
{
  fm_fgm_result s = *r;
  int all = 1;
  r->eps_detect = INFINITY;
  for (size_t i = FM_FGM_NSCAN; i-- > 0;) {
    int st = fm_fgm_decide(&s, w, fm_fgm_scan_eps[i]);
    if (st != FM_OK)
      return st;
    r->scan_margin[i] = s.margin;
    all = all && s.margin > 1.0;
    if (all)
      r->eps_detect = fm_fgm_scan_eps[i];
  }
  return FM_OK;
}

/* Norms of the estimated gradients and of their mean difference. */
static void fm_fgm_norms(fm_fgm_result *r, const fm_fgm_work *w)
{
  double nf = 0.0, nc = 0.0, nd = 0.0, G = (double)w->G;
  for (size_t a = 0; a < w->p; a++) {
    nf += (w->sgf[a] / G) * (w->sgf[a] / G);
    nc += (w->sgc[a] / G) * (w->sgc[a] / G);
    nd += ((w->sgf[a] - w->sgc[a]) / G) * ((w->sgf[a] - w->sgc[a]) / G);
  }
  r->grad_fm = sqrt(nf);
  r->grad_cfm = sqrt(nc);
  r->grad_diff = sqrt(nd);
}

static int fm_fgm_results(fm_fgm_result *r, const fm_fgm_work *w, double c_ref,
                          double c_ref_err)
{
  *r = (fm_fgm_result){.n = w->G * w->B, .groups = w->G, .p = w->p, .nproj = w->k,
                       .c_ref = c_ref, .c_ref_err = c_ref_err, .eps_detect = NAN};
  for (size_t i = 0; i < FM_FGM_NSCAN; i++)
    r->scan_margin[i] = NAN;
  r->loss_fm = w->lf.mean;
  r->loss_fm_se = fm_welford_se(&w->lf);
  r->loss_cfm = w->lc.mean;
  r->loss_cfm_se = fm_welford_se(&w->lc);
  r->c_mc = w->mom.mean[1];
  fm_fgm_norms(r, w);
  int st = fm_fgm_decide(r, w, 0.0);
  if (st == FM_OK && w->o->scan && w->mutant == FM_FG_TRUE)
    st = fm_fgm_scan(r, w);
  return st;
}

static int fm_fgm_check_args(const fm_case *c, const fm_mlp *m, const fm_fgm_opts *o,
                             int mutant)
{
  if (m->arch.d != c->gmm->d)
    return FM_EDIM;
  if (o->group == 0 || o->nproj == 0 || o->n / o->group < o->nproj + 2 ||
      !(o->alpha > 0.0 && o->alpha < 1.0) || !(o->t_lo > 0.0 && o->t_lo < o->t_hi) ||
      !(o->t_hi < 1.0) || mutant < FM_FG_TRUE || mutant > FM_FG_CFM_NO_SIGMA)
    return FM_EINVAL;
  if (mutant == FM_FG_FM_PRIOR_W && c->gmm->K == 1)
    return FM_ENOTAVAIL;
  return FM_OK;
}

int fm_fgm_mc(fm_fgm_result *r, const fm_case *c, const fm_mlp *m, uint64_t seed,
              const fm_fgm_opts *o, double c_ref, double c_ref_err, int mutant)
{
  fm_gsl_quiet();
  int st = fm_fgm_check_args(c, m, o, mutant);
  if (st != FM_OK)
    return st;
  fm_fgm_work w = {.c = c, .m = m, .o = o, .mutant = mutant, .d = c->gmm->d,
                   .p = m->n_params, .k = o->nproj, .B = o->group, .G = o->n / o->group};
  st = fm_fgm_alloc(&w, seed);
  for (size_t g = 0; g < w.G && st == FM_OK; g++)
    st = fm_fgm_group(&w, g);
  st = st ? st : fm_fgm_results(r, &w, c_ref, c_ref_err);
  fm_fgm_free(&w);
  return st;
}

/* ------------------------------ verdict ------------------------------ */

/* One compact note: the verdict's note is shared with the other routes. */
static void fm_fgm_note(fm_verdict *v, const fm_fgm_result *r)
{
  char eps[48] = "", cq[64] = "";
  if (!isnan(r->eps_detect))
    snprintf(eps, sizeof eps, "; sigma' error detected from %.0e", r->eps_detect);
  if (!isnan(r->c_ref))
    snprintf(cq, sizeof cq, ", gap-C %.2f", r->z_gapq);
  fm_verdict_notef(v, "MLP: F %.2f (crit %.2f), z gap-trCov %.2f%s (crit %.2f); "
                      "L_CFM-L_FM %.4g+-%.2g, C%s %.4g%s",
                   r->fstat, r->fcrit, r->z_gapc, cq, r->zcrit_gap, r->gap, r->gap_se,
                   isnan(r->c_ref) ? " (MC of tr Cov)" : "",
                   isnan(r->c_ref) ? r->c_mc : r->c_ref, eps);
}

/* Route "mlp-backprop" (true statement only: no control touches the
 * network's gradient): the trainer's backward pass at the network's theta
 * against central differences of the CFM loss on one batch of FM_FGM_BP_N
 * draws (t, x = psi_t(x0), u(x|x1)), along FM_FGM_BP_K random unit
 * directions (fm_mlp_gradcheck, whose header derives the tolerance).  The
 * route 3 gradients above are both back-propagated, so a wrong backward
 * pass moves them together and only this route can see it. */
#define FM_FGM_BP_N 64
#define FM_FGM_BP_K 8
static int fm_fgm_bp_batch(double *t, double *x, double *u, const fm_case *c,
                           const fm_fgm_opts *o, uint64_t seed)
{
  size_t d = c->gmm->d;
  fm_rng r = fm_rng_make(seed, FM_RNG_STREAM(FM_FGM_TAG, FM_FGM_S_BP));
  fm_rng r1 = fm_rng_child(&r, 1);
  double *x1 = malloc(d * sizeof *x1);
  if (x1 == NULL)
    return FM_ENOMEM;
  int st = FM_OK;
  for (size_t i = 0; i < FM_FGM_BP_N && st == FM_OK; i++) {
    t[i] = o->t_lo + (o->t_hi - o->t_lo) * fm_rng_uniform(&r, i);
    fm_sched_val v;
    st = fm_schedule_eval(&v, c->sched, t[i]);
    fm_gmm_sample(x1, c->gmm, &r1, i);
    fm_rng_normals(x + i * d, d, &r, FM_FGM_BP_N + i * d);
    for (size_t j = 0; j < d && st == FM_OK; j++)
      x[i * d + j] = v.sigma * x[i * d + j] + v.alpha * x1[j];
    if (st == FM_OK)
      fm_cond_field(u + i * d, &v, x + i * d, x1, d);
  }
  free(x1);
  return st;
}

static int fm_fgm_bp_route(fm_verdict *v, const fm_case *c, fm_mlp *m, const fm_fgm_opts *o,
                           uint64_t seed)
{
  size_t d = c->gmm->d, p = m->n_params, n = FM_FGM_BP_N, k = FM_FGM_BP_K;
  double *buf = malloc((n + 2 * n * d + (k + 1) * p) * sizeof *buf);
  fm_mlp_work *mw = NULL;
  int st = buf == NULL ? FM_ENOMEM : fm_mlp_work_alloc(&mw, &m->arch, n, NULL);
  if (st != FM_OK) {
    free(buf);
    return st;
  }
  double *t = buf, *x = t + n, *u = x + n * d, *g = u + n * d, *R = g + p, L;
  fm_rng rp = fm_rng_make(seed, FM_RNG_STREAM(FM_FGM_TAG, FM_FGM_S_BP));
  fm_rng rd = fm_rng_child(&rp, 2);
  fm_rng_normals(R, k * p, &rd, 0);
  for (size_t j = 0; j < k; j++) {
    double nn = 0.0;
    for (size_t a = 0; a < p; a++)
      nn += R[j * p + a] * R[j * p + a];
    for (size_t a = 0; a < p; a++)
      R[j * p + a] /= sqrt(nn);
  }
  fm_mlp_gradcheck_result res;
  st = fm_fgm_bp_batch(t, x, u, c, o, seed);
  st = st ? st : fm_mlp_loss_grad(&L, g, m, mw, t, x, u, n);
  st = st ? st : fm_mlp_gradcheck(&res, m, mw, g, t, x, u, n, R, k);
  if (st == FM_OK) {
    char where[96];
    snprintf(where, sizeof where, "direction %zu: backprop %.6g, FD %.6g", res.worst + 1,
             res.gr, res.D);
    fm_verdict_route(v, FM_R_FG_BACKPROP, res.ratio, 1.0, 0.0, where);
  }
  fm_mlp_work_free(mw);
  free(buf);
  return st;
}

int fm_fgm_route(fm_verdict *v, const fm_case *c, uint64_t seed, int multiplier,
                 double c_ref, double c_ref_err, int mutant)
{
  fm_fgm_opts o;
  fm_fgm_opts_default(&o, c->gmm->d);
  o.train_steps = FM_FGM_THEOREM_STEPS;
  o.n *= (size_t)(multiplier > 1 ? multiplier : 1);
  o.scan = mutant == FM_FG_TRUE;
  fm_mlp *m;
  int st = fm_fgm_network(&m, c, &o, seed, NULL);
  if (st != FM_OK)
    return st;
  fm_fgm_result r;
  st = fm_fgm_mc(&r, c, m, seed, &o, c_ref, c_ref_err, mutant);
  if (st == FM_OK && mutant == FM_FG_TRUE)
    st = fm_fgm_bp_route(v, c, m, &o, seed);
  fm_mlp_free(m);
  if (st != FM_OK)
    return st;
  if (r.grad_decides)
    fm_verdict_route(v, FM_R_FG_MLP, r.fstat, r.fcrit, 0.0, "MLP gradient, Hotelling F");
  else
    fm_verdict_route(v, FM_R_FG_MLP, fmax(fabs(r.z_gapc), isnan(r.z_gapq) ? 0.0 : r.z_gapq),
                     r.zcrit_gap, 0.0, "MLP loss gap");
  fm_fgm_note(v, &r);
  return FM_OK;
}
