/* fm_cfm_grad.c -- theorem `fm-cfm-grad` (DESIGN §2): flow matching and
 * conditional flow matching have the same gradient, and their losses differ
 * by a constant,
 *     grad L_FM(theta) = grad L_CFM(theta),
 *     L_CFM(theta) - L_FM(theta) = C = E_t E_{x~p_t} tr Cov(u_t(x|x1) | x_t = x),
 * for L_FM = E_{t, x~p_t} |v_theta(t,x) - u_t(x)|^2 and
 * L_CFM = E_{t, x1~q, x0~N(0,I)} |v_theta(t, psi_t(x0)) - u_t(psi_t(x0)|x1)|^2,
 * psi_t(x0) = sigma_t x0 + alpha_t x1.  Why: E[u_t(x|x1) | x_t = x] = u_t(x),
 * so the cross terms agree and only E|u(x|x1)|^2 - E|u(x)|^2 = C is left.
 *
 * Model: v_Theta(t,x) = Theta phi(t,x), phi = (1, t, t^2, x, t x) (linfeat.h,
 * p = 2d + 3); both losses are then determined by the moments G = E phi phi^T,
 * B = E u phi^T, c = E |u|^2 of each side, and grad L = 2 (Theta G - B).
 * The checks use three random Theta (entries 0.5/sqrt(p) N(0,1), Philox
 * stream of the check seed).  t ~ U[1e-3, 1 - 1e-3]: the endpoints are kept
 * out because sigma'/sigma in u(x|x1) is singular at t = 1 when sigma_1 = 0
 * (the identity holds for any t-measure).
 *
 * Route 1 -- deterministic quadrature (d <= 3), against each other:
 *   - t: Gauss-Legendre with n and 2n nodes (fm_quad_legendre: the 2n-node
 *     value, error |Q_2n - Q_n|), n = 20 for d = 1, 10 for d = 2, 3;
 *   - FM side at each t: x ~ p_t = sum_k w_k N(alpha m_k, C_k), per component
 *     with the Gaussian weight; integrand phi phi^T, u phi^T, |u|^2 with u from
 *     fm_gmm_path_eval, and tr Cov(u(x|x1)|x) (gmm_post.h) for C.  d = 1:
 *     adaptive cubature (hcubature on z in [-12, 12], relative 1e-12 or
 *     absolute 1e-14 of the moments' scale, libcubature's error estimate);
 *     d = 2, 3: tensor Gauss-Hermite with n and 2n nodes per axis (n = 8,
 *     5), error |Q_2n - Q_n|.  The posterior weights inside u switch within
 *     the bulk of a component once the modes separate (mid to late t): the
 *     integrand is then analytic only in a thin strip and a tensor rule
 *     converges slowly (measured on aniso3d at t = 0.6: 7e-3, 7e-4, 6e-5 for
 *     8, 16, 32 nodes per axis) -- d = 1 reaches the 1e-10 target, d = 2, 3
 *     reach 1e-4 .. 1e-3 of the terms within the time budget, and the note
 *     says which accuracy was reached;
 *   - CFM side at each t: (x0, x1 | component k) is a 2d-dimensional
 *     Gaussian and the integrand is a polynomial of degree 2 in it (phi is
 *     affine in x, u(x|x1) affine in (x0, x1)): tensor Gauss-Hermite with 3
 *     nodes per axis is exact (degree <= 5), so only rounding and the
 *     t-rule's error remain; exact sums over the components.
 *   d = 16: route 1 is not run (3^32 nodes): MC only, said in the note.
 *   Tolerance, per gradient component (i, a) and each Theta:
 *     tol = 2 sum_b |theta_ib| (eG_F + eG_C)_ab + 2 (eB_F + eB_C)_ia + 2 N eps T_ia,
 *   e* the quadrature error estimates (t-rule plus the t-integral of the
 *   x-rule's), N the number of integrand evaluations (a sum of N terms is
 *   accurate to N eps of the sum of their magnitudes), and T_ia =
 *   2 sum_b |theta_ib| sqrt(G_aa G_bb) + 2 sqrt(c G_aa) that magnitude
 *   (Cauchy-Schwarz: E|phi_a phi_b| <= sqrt(G_aa G_bb), E|u_i phi_a| <=
 *   sqrt(c G_aa)).  Statistic max |grad_F - grad_C| / tol (tol 1).  The loss
 *   gap (L_CFM - L_FM) - C likewise, with the errors of G, B, c and C.
 *
 * Route 2 -- Monte Carlo with common random numbers (every d): N = 2e4 x
 * multiplier draws (t, x0, x1) -- 5e4 where route 1 is not run -- in groups
 * of 16 sharing t (the group means are iid; their spread gives the standard
 * errors).  Each draw feeds both estimators: x = psi_t(x0), FM target u_t(x)
 * (fm_gmm_path_eval), CFM target u_t(x|x1) (fm_cond_field); per draw the
 * gradient difference 2 (v - u_F) phi^T - 2 (v' - u_C) phi'^T at Theta_1 (it
 * does not depend on Theta when both sides use the same x), and the gap
 * |v' - u_C|^2 - |v - u_F|^2 - tr Cov(u(x|x1)|x) at each Theta (mean 0; the
 * per-draw closed-form C removes most of the gap's variance).  Two families
 * of z-tests against 0 -- the d p gradient components, the 3 gaps -- each
 * Holm-corrected at 5e-4, so that the route's family-wise error is <= 1e-3
 * (Bonferroni over the two families; within a family, for the global
 * decision, Holm = Bonferroni: max |z| against Phi^-1(1 - 5e-4/(2m))).
 * Splitting keeps the gap tests' critical value at 3.8 instead of the 4.8
 * of one family of d p + 3 tests in d = 16.  The per-draw difference still
 * carries the posterior spread of u(x|x1) -- CFM's gradient noise -- so a 1%
 * error in sigma' (a 1e-2-relative bias) is beyond N = 2e4 in low d: there
 * route 1 decides; in d = 16 the gap's bias 2 eps sigma'^2 d grows like d and
 * its noise like sqrt(d): 5e4 draws put its z near 7 (VP) and 10 (CondOT)
 * against the critical 3.8 (measured; the VP path's u(x|x1) noise grows like
 * 1/(1 - t) near t = 1, which is what costs the extra draws).
 *
 * Route 3 -- the trainer's MLP at its own theta (fm_cfm_grad_mlp.c): the
 * network after 200 CFM steps, both gradients by Monte Carlo with common
 * random numbers, Hotelling's test on 8 random projections of their
 * difference, and the loss gap against the per-draw closed-form tr Cov and
 * against route 1's C; family-wise level 1e-3.  It resolves sigma' errors of
 * a few percent at its default size (its own scan says which).
 *
 * Mutants: 1 "CFM target with sigma' off by 1%"; 2 "FM target with prior
 * weights" (u_w = sum_k w_k (alpha' mu_k + sigma sigma' z_k); n/a for one
 * component); 3 "CFM loss with x = alpha x1 + x0 (sigma dropped)".  For the
 * true statement the note gives the smallest relative sigma' error in the CFM
 * target route 1 detects (1e-14 .. 1e-2 by decades; the CFM moments are
 * exactly quadratic in it, so the scan costs nothing).
 */
#include "theorems.h"

#include "fm_cfm_grad.h"
#include "fm_cfm_grad_mlp.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "gmm_post.h"
#include "linalg.h"
#include "linfeat.h"
#include "mc.h"
#include "points.h"
#include "quad.h"
#include "rng.h"

#define FM_FG_EPS DBL_EPSILON
#define FM_FG_TMIN 1e-3
#define FM_FG_TMAX (1.0 - 1e-3)
#define FM_FG_NTHETA 3
#define FM_FG_THETA_SCALE 0.5
#define FM_FG_MC_N 20000
#define FM_FG_MC_N_MCONLY 50000
#define FM_FG_GROUP 16
#define FM_FG_ALPHA 1e-3
#define FM_FG_QUAD_MAXD 3
#define FM_FG_GH_CFM 3
#define FM_FG_RNG_TAG 0x4647u /* "FG" */
#define FM_FG_CUB_Z 12.0
#define FM_FG_CUB_RTOL 1e-12
#define FM_FG_CUB_ATOL 1e-14
#define FM_FG_CUB_MAXEVAL 20000
#define FM_FG_TARGET 1e-10

/* Gauss-Hermite nodes per axis of the FM side, by dimension (d = 1 is
 * adaptive), and Gauss-Legendre nodes in t (n and 2n are used). */
static const size_t fm_fg_gh_fm[FM_FG_QUAD_MAXD + 1] = {0, 0, 8, 5};
static const size_t fm_fg_nt[FM_FG_QUAD_MAXD + 1] = {0, 20, 10, 10};

enum { FM_FG_S_THETA = 0, FM_FG_S_T = 1, FM_FG_S_X0 = 2, FM_FG_S_X1 = 3 };
enum { FM_FG_R_QGRAD, FM_FG_R_QGAP, FM_FG_R_MC, FM_FG_NR };

static const char *const fm_fg_mutants[] = {
    "CFM target with sigma' off by 1%",
    "FM target with prior weights",
    "CFM loss with x = alpha x1 + x0 (sigma dropped)",
    NULL,
};

static const char *const fm_fg_route_names[FM_FG_NR] = {
    "quadrature |grad L_FM - grad L_CFM|/tol (3 random Theta)",
    "quadrature |L_CFM - L_FM - C|/tol (3 random Theta)",
    "MC with common random numbers max |z|/crit (Holm, 2 families, FWER 1e-3)",
};

/* ------------------------------ workspace ------------------------------ */

typedef struct {
  const fm_case *c;
  int mutant;
  size_t d, p, K, ms, dp;    /* ms = moment vector size p^2 + dp + 1 */
  fm_gmm_path *path;
  fm_gmm_post *post;
  double *buf;
  double *phi, *phic, *u, *uc, *x, *xc, *x1, *mu, *L, *I2, *val, *err, *Theta;
  fm_sched_val v, vc;       /* true and CFM-candidate schedule values at t */
  double t;
  size_t k;                 /* current component */
  fm_quad_rule *gh3;
  double neval;
} fm_fg_work;

static void fm_fg_work_free(fm_fg_work *w)
{
  fm_gmm_path_free(w->path);
  fm_gmm_post_free(w->post);
  fm_quad_rule_free(w->gh3);
  free(w->buf);
}

/* Size of the t-integrand's output (see fm_fg_t_node). */
static size_t fm_fg_nt_out(const fm_fg_work *w)
{
  return 3 * w->ms + w->dp + 4;
}

static int fm_fg_work_alloc(fm_fg_work *w, const fm_case *c, int mutant)
{
  size_t d = c->gmm->d, p = fm_linfeat_count(d);
  *w = (fm_fg_work){.c = c, .mutant = mutant, .d = d, .p = p, .K = c->gmm->K};
  w->dp = d * p;
  w->ms = p * p + w->dp + 1;
  size_t nout = fm_fg_nt_out(w);
  size_t n = 2 * p + 6 * d + d * d + 4 * d * d + 2 * nout + FM_FG_NTHETA * w->dp;
  int st = fm_gmm_path_alloc(&w->path, c->gmm);
  st = st ? st : fm_gmm_post_alloc(&w->post, c->gmm);
  st = st ? st : fm_quad_rule_hermite(&w->gh3, FM_FG_GH_CFM);
  if (st == FM_OK && (w->buf = calloc(n, sizeof *w->buf)) == NULL)
    st = FM_ENOMEM;
  if (st != FM_OK) {
    fm_fg_work_free(w);
    return st;
  }
  double *b = w->buf;
  w->phi = b, b += p;
  w->phic = b, b += p;
  w->u = b, b += d;
  w->uc = b, b += d;
  w->x = b, b += d;
  w->xc = b, b += d;
  w->x1 = b, b += d;
  w->mu = b, b += d;
  w->L = b, b += d * d;
  w->I2 = b, b += 4 * d * d;
  w->val = b, b += nout;
  w->err = b, b += nout;
  w->Theta = b;
  for (size_t i = 0; i < 2 * d; i++)
    w->I2[i * 2 * d + i] = 1.0;
  return FM_OK;
}

/* The three random Theta of seed. */
static void fm_fg_theta(fm_fg_work *w, uint64_t seed)
{
  fm_rng r = fm_rng_make(seed, FM_RNG_STREAM(FM_FG_RNG_TAG, FM_FG_S_THETA));
  fm_rng_normals(w->Theta, FM_FG_NTHETA * w->dp, &r, 0);
  double s = FM_FG_THETA_SCALE / sqrt((double)w->p);
  for (size_t i = 0; i < FM_FG_NTHETA * w->dp; i++)
    w->Theta[i] *= s;
}

/* Schedule values at t: true, and the CFM candidate's (sigma' x 1.01). */
static int fm_fg_set_time(fm_fg_work *w, double t)
{
  int st = fm_schedule_eval(&w->v, w->c->sched, t);
  st = st ? st : fm_gmm_path_set(w->path, &w->v);
  w->vc = w->v;
  if (w->mutant == FM_FG_CFM_SIGMA_OFF)
    w->vc.dsigma *= 1.01;
  w->t = t;
  return st;
}

/* FM target at x (true path set at t): u, or the prior-weighted field. */
static int fm_fg_fm_target(double *u, fm_fg_work *w, const double *x)
{
  int st = fm_gmm_path_eval(NULL, NULL, NULL, u, w->path, x);
  if (st == FM_OK && w->mutant == FM_FG_FM_PRIOR_W)
    fm_gmm_post_prior_field(u, w->post, w->path, &w->v);
  return st;
}

/* y = (phi phi^T, y phi^T, |y|^2) packed (ms values). */
static void fm_fg_pack_one(double *out, const double *phi, const double *y, size_t d,
                           size_t p)
{
  double yy = 0.0;
  for (size_t a = 0; a < p; a++)
    for (size_t b = 0; b < p; b++)
      out[a * p + b] = phi[a] * phi[b];
  for (size_t i = 0; i < d; i++) {
    for (size_t a = 0; a < p; a++)
      out[p * p + i * p + a] = y[i] * phi[a];
    yy += y[i] * y[i];
  }
  out[p * p + d * p] = yy;
}

/* ------------------------------ route 1 ------------------------------ */

/* FM side at node x: moments and tr Cov(u(x|x1)|x) (ms + 1 values). */
static int fm_fg_fm_node(double *y, const double *x, void *ctx)
{
  fm_fg_work *w = ctx;
  int st = fm_fg_fm_target(w->u, w, x);
  if (st != FM_OK)
    return st;
  fm_linfeat_eval(w->phi, w->t, x, w->d);
  fm_fg_pack_one(y, w->phi, w->u, w->d, w->p);
  fm_gmm_post_val pv;
  fm_gmm_post_eval(&pv, w->post, w->path, &w->v, FM_GMM_POST_POSTERIOR);
  y[w->ms] = pv.trcov_u;
  w->neval += 1.0;
  return FM_OK;
}

/* The same at z in the whitened coordinates of the current component, times
 * the standard normal density (d = 1 cubature). */
static int fm_fg_fm_node_z(double *y, const double *z, void *ctx)
{
  fm_fg_work *w = ctx;
  w->xc[0] = w->mu[0] + w->L[0] * z[0];
  int st = fm_fg_fm_node(y, w->xc, ctx);
  double g = exp(-0.5 * z[0] * z[0]) / sqrt(2.0 * M_PI);
  for (size_t i = 0; i <= w->ms; i++)
    y[i] *= g;
  return st;
}

/* CFM side at z in R^{2d}: x0 = z[0..d), x1 = m_k + chol(S_k) z[d..2d).
 * Outputs: moments of (phi(x_c), u(x_c|x1)) (ms), then the sigma'-direction
 * du = (sigma'/sigma)(x_c - alpha x1): du phi^T (dp), du.u_c, |du|^2. */
static int fm_fg_cfm_node(double *y, const double *z, void *ctx)
{
  fm_fg_work *w = ctx;
  size_t d = w->d, p = w->p;
  const fm_gmm *g = w->c->gmm;
  const double *x0 = z;
  fm_linalg_lower_mul(w->x1, g->chol + w->k * d * d, z + d, d);
  for (size_t i = 0; i < d; i++) {
    w->x1[i] += g->mean[w->k * d + i];
    w->xc[i] = w->mutant == FM_FG_CFM_NO_SIGMA ? w->v.alpha * w->x1[i] + x0[i]
                                               : w->v.sigma * x0[i] + w->v.alpha * w->x1[i];
  }
  fm_cond_field(w->uc, &w->vc, w->xc, w->x1, d);
  fm_linfeat_eval(w->phic, w->t, w->xc, d);
  fm_fg_pack_one(y, w->phic, w->uc, d, p);
  double *yd = y + w->ms, c1 = 0.0, c2 = 0.0, f = w->v.dsigma / w->v.sigma;
  for (size_t i = 0; i < d; i++) {
    double du = f * (w->xc[i] - w->v.alpha * w->x1[i]);
    for (size_t a = 0; a < p; a++)
      yd[i * p + a] = du * w->phic[a];
    c1 += du * w->uc[i];
    c2 += du * du;
  }
  yd[w->dp] = c1;
  yd[w->dp + 1] = c2;
  w->neval += 1.0;
  return FM_OK;
}

/* FM side of component k at the current t into val (ms + 1), err. */
static int fm_fg_fm_component(fm_fg_work *w, size_t k)
{
  size_t d = w->d;
  const fm_gmm *g = w->c->gmm;
  double a2 = w->v.alpha * w->v.alpha, s2 = w->v.sigma * w->v.sigma;
  for (size_t i = 0; i < d * d; i++)
    w->L[i] = a2 * g->cov[k * d * d + i];
  for (size_t i = 0; i < d; i++) {
    w->L[i * d + i] += s2;
    w->mu[i] = w->v.alpha * g->mean[k * d + i];
  }
  int st = fm_linalg_chol(w->L, w->L, d);
  if (st != FM_OK)
    return st;
  if (d > 1)
    return fm_quad_gh_gauss(w->val, w->err, fm_fg_fm_node, w, w->ms + 1, w->mu, w->L, d,
                            fm_fg_gh_fm[d]);
  /* absolute tolerance on the scale of the moments: |x|^2, |u||x|, |u|^2 with
   * |x| ~ |alpha m| + sqrt(C), |u| ~ |sigma'/sigma| |x| + |alpha' m| (moments
   * that vanish by symmetry cannot meet a relative tolerance) */
  double xs = fabs(w->mu[0]) + w->L[0];
  double us = fabs(w->v.dsigma / w->v.sigma) * xs + fabs(w->v.dalpha * g->mean[k]);
  double lo = -FM_FG_CUB_Z, hi = FM_FG_CUB_Z, atol = FM_FG_CUB_ATOL * (1.0 + xs * xs) *
                                                      (1.0 + us * us);
  st = fm_quad_cubature(w->val, w->err, fm_fg_fm_node_z, w, w->ms + 1, 1, &lo, &hi, atol,
                        FM_FG_CUB_RTOL, FM_FG_CUB_MAXEVAL, FM_CUBATURE_H);
  return st == FM_ECONV ? FM_OK : st; /* not converged: its error estimate says so */
}

/* The t-integrand: y = [FM moments (ms), C (1), their x-errors (ms + 1),
 * CFM moments (ms), sigma'-direction (dp + 2)]. */
static int fm_fg_t_node(double *y, const double *tp, void *ctx)
{
  fm_fg_work *w = ctx;
  size_t ms = w->ms, nout = fm_fg_nt_out(w);
  const fm_gmm *g = w->c->gmm;
  int st = fm_fg_set_time(w, *tp);
  memset(y, 0, nout * sizeof *y);
  for (size_t k = 0; k < w->K && st == FM_OK; k++) {
    st = fm_fg_fm_component(w, k);
    for (size_t i = 0; i <= ms && st == FM_OK; i++) {
      y[i] += g->w[k] * w->val[i];
      y[ms + 1 + i] += g->w[k] * w->err[i];
    }
    w->k = k;
    st = st ? st : fm_quad_gh_gauss_rule(w->val, fm_fg_cfm_node, w, ms + w->dp + 2, NULL,
                                         w->I2, 2 * w->d, w->gh3);
    for (size_t i = 0; i < ms + w->dp + 2 && st == FM_OK; i++)
      y[2 * ms + 2 + i] += g->w[k] * w->val[i];
  }
  return st;
}

/* Route 1's integrals and their error estimates. */
typedef struct {
  fm_linfeat_mom F, C, eF, eC;   /* moments and error estimates */
  double Cgap, eCgap;            /* C and its error */
  double *Bd, c1, c2;            /* sigma'-direction (dp), du.u_c, |du|^2 */
  double neval;
} fm_fg_quad;

static void fm_fg_quad_free(fm_fg_quad *q)
{
  fm_linfeat_mom_free(&q->F);
  fm_linfeat_mom_free(&q->C);
  fm_linfeat_mom_free(&q->eF);
  fm_linfeat_mom_free(&q->eC);
  free(q->Bd);
}

static int fm_fg_quad_run(fm_fg_quad *q, fm_fg_work *w)
{
  size_t nout = fm_fg_nt_out(w), ms = w->ms;
  memset(q, 0, sizeof *q);
  double *val = malloc(2 * nout * sizeof *val);
  int st = val ? FM_OK : FM_ENOMEM;
  st = st ? st : fm_linfeat_mom_alloc(&q->F, w->d);
  st = st ? st : fm_linfeat_mom_alloc(&q->C, w->d);
  st = st ? st : fm_linfeat_mom_alloc(&q->eF, w->d);
  st = st ? st : fm_linfeat_mom_alloc(&q->eC, w->d);
  if (st == FM_OK && (q->Bd = malloc(w->dp * sizeof *q->Bd)) == NULL)
    st = FM_ENOMEM;
  w->neval = 0.0;
  st = st ? st : fm_quad_legendre(val, val + nout, fm_fg_t_node, w, nout, FM_FG_TMIN,
                                  FM_FG_TMAX, fm_fg_nt[w->d]);
  if (st == FM_OK) {
    double s = 1.0 / (FM_FG_TMAX - FM_FG_TMIN), *e = val + nout;
    for (size_t i = 0; i < nout; i++) {
      val[i] *= s;
      e[i] *= s;
    }
    /* FM error = t-rule error + t-integral of the x-rule's error */
    for (size_t i = 0; i <= ms; i++)
      e[i] += val[ms + 1 + i];
    fm_linfeat_mom_unpack(&q->F, val);
    fm_linfeat_mom_unpack(&q->eF, e);
    q->Cgap = val[ms];
    q->eCgap = e[ms];
    fm_linfeat_mom_unpack(&q->C, val + 2 * ms + 2);
    fm_linfeat_mom_unpack(&q->eC, e + 2 * ms + 2);
    memcpy(q->Bd, val + 3 * ms + 2, w->dp * sizeof *q->Bd);
    q->c1 = val[3 * ms + 2 + w->dp];
    q->c2 = val[3 * ms + 3 + w->dp];
    q->neval = w->neval;
  }
  free(val);
  if (st != FM_OK)
    fm_fg_quad_free(q);
  return st;
}

/* Route 1 statistics at sigma' error eps_s of the CFM target (0: as run),
 * using the quadratic dependence of the CFM moments on it. */
typedef struct {
  double grad, gap;        /* max |diff|/tol */
  size_t grad_at, gap_at;  /* gradient component (theta*dp + i*p + a), theta */
  double acc;              /* achieved accuracy: max tol/T */
  double lgap[FM_FG_NTHETA];
} fm_fg_qstat;

static void fm_fg_qstat_theta(fm_fg_qstat *s, const fm_fg_work *w, const fm_fg_quad *q,
                              size_t j, double es)
{
  size_t d = w->d, p = w->p;
  const double *th = w->Theta + j * w->dp;
  double rnd = 2.0 * q->neval * FM_FG_EPS, cmax = fmax(q->F.c, q->C.c);
  double LF = fm_linfeat_loss(NULL, &q->F, th), LC = fm_linfeat_loss(NULL, &q->C, th);
  double dL = 0.0, tolL = q->eF.c + q->eC.c + q->eCgap, TL = q->F.c + q->C.c + q->Cgap;
  for (size_t i = 0; i < d; i++)
    for (size_t a = 0; a < p; a++) {
      double tg = 0.0, eg = 0.0, Tg = 0.0;
      for (size_t b = 0; b < p; b++) {
        double th_b = th[i * p + b];
        tg += th_b * (q->F.G[b * p + a] - q->C.G[b * p + a]);
        eg += fabs(th_b) * (q->eF.G[b * p + a] + q->eC.G[b * p + a]);
        Tg += fabs(th_b) * sqrt(fabs(q->F.G[a * p + a] * q->F.G[b * p + b]));
      }
      double bd = q->Bd[i * p + a];
      double diff = 2.0 * (tg - q->F.B[i * p + a] + q->C.B[i * p + a] + es * bd);
      double T = 2.0 * Tg + 2.0 * sqrt(cmax * fabs(q->F.G[a * p + a]));
      double tol = 2.0 * eg + 2.0 * (q->eF.B[i * p + a] + q->eC.B[i * p + a]) + rnd * T;
      double r = isnan(diff) ? INFINITY : fabs(diff) / tol;
      if (r > s->grad) {
        s->grad = r;
        s->grad_at = j * w->dp + i * p + a;
      }
      s->acc = fmax(s->acc, tol / T);
      /* L = tr(Theta G Theta^T) - 2 tr(Theta B^T) + c: errors and terms */
      double ath = fabs(th[i * p + a]);
      dL += th[i * p + a] * bd;
      tolL += ath * eg + 2.0 * ath * (q->eF.B[i * p + a] + q->eC.B[i * p + a]);
      TL += ath * Tg + 2.0 * ath * sqrt(cmax * fabs(q->F.G[a * p + a]));
    }
  /* L_C(es) = L_C - 2 es tr(Theta Bd^T) + 2 es c1 + es^2 c2 */
  double gap = (LC - 2.0 * es * dL + 2.0 * es * q->c1 + es * es * q->c2) - LF - q->Cgap;
  double r = isnan(gap) ? INFINITY : fabs(gap) / (tolL + rnd * TL);
  s->lgap[j] = LC - LF;
  if (r > s->gap) {
    s->gap = r;
    s->gap_at = j;
  }
}

static void fm_fg_qstat_all(fm_fg_qstat *s, const fm_fg_work *w, const fm_fg_quad *q,
                            double es)
{
  memset(s, 0, sizeof *s);
  for (size_t j = 0; j < FM_FG_NTHETA; j++)
    fm_fg_qstat_theta(s, w, q, j, es);
}

/* ------------------------------ route 2 ------------------------------ */

typedef struct {
  fm_fg_work *w;
  fm_rng rt, r0, r1;
  size_t m;                 /* dp + NTHETA */
  double *acc, *draw, *vf, *vc;
  fm_welford *wf;
} fm_fg_mcw;

/* One draw i at the current t: adds its dp gradient differences and
 * NTHETA gaps to acc. */
static int fm_fg_mc_draw(fm_fg_mcw *m, uint64_t i)
{
  fm_fg_work *w = m->w;
  size_t d = w->d, p = w->p;
  int same_x = w->mutant != FM_FG_CFM_NO_SIGMA;
  fm_rng_normals(w->x, d, &m->r0, i * (uint64_t)d); /* x0 for now */
  fm_gmm_sample(w->x1, w->c->gmm, &m->r1, i);
  for (size_t j = 0; j < d; j++) {
    double x0 = w->x[j];
    w->x[j] = w->v.sigma * x0 + w->v.alpha * w->x1[j];
    w->xc[j] = same_x ? w->x[j] : w->v.alpha * w->x1[j] + x0;
  }
  int st = fm_fg_fm_target(w->u, w, w->x);
  if (st != FM_OK)
    return st;
  fm_gmm_post_val pv;
  fm_gmm_post_eval(&pv, w->post, w->path, &w->v, FM_GMM_POST_POSTERIOR);
  fm_cond_field(w->uc, &w->vc, w->xc, w->x1, d);
  fm_linfeat_eval(w->phi, w->t, w->x, d);
  fm_linfeat_eval(w->phic, w->t, w->xc, d);
  for (size_t j = 0; j < FM_FG_NTHETA; j++) {
    const double *th = w->Theta + j * w->dp;
    fm_linfeat_apply(m->vf, th, w->phi, d, p);
    if (same_x)
      memcpy(m->vc, m->vf, d * sizeof *m->vc);
    else
      fm_linfeat_apply(m->vc, th, w->phic, d, p);
    double gf = 0.0, gc = 0.0;
    for (size_t k = 0; k < d; k++) {
      double rf = m->vf[k] - w->u[k], rc = m->vc[k] - w->uc[k];
      gf += rf * rf;
      gc += rc * rc;
      for (size_t a = 0; j == 0 && a < p; a++)
        m->acc[k * p + a] += 2.0 * (rf * w->phi[a] - rc * w->phic[a]);
    }
    m->acc[w->dp + j] += gc - gf - pv.trcov_u;
  }
  return FM_OK;
}

static int fm_fg_mc_run(fm_fg_mcw *m, size_t ngroups)
{
  fm_fg_work *w = m->w;
  int st = FM_OK;
  for (size_t gidx = 0; gidx < ngroups && st == FM_OK; gidx++) {
    double t = FM_FG_TMIN + (FM_FG_TMAX - FM_FG_TMIN) * fm_rng_uniform(&m->rt, gidx);
    st = fm_fg_set_time(w, t);
    memset(m->acc, 0, m->m * sizeof *m->acc);
    for (size_t r = 0; r < FM_FG_GROUP && st == FM_OK; r++)
      st = fm_fg_mc_draw(m, gidx * FM_FG_GROUP + r);
    for (size_t i = 0; i < m->m && st == FM_OK; i++)
      fm_welford_add(&m->wf[i], m->acc[i] / FM_FG_GROUP);
  }
  return st;
}

/* The two families' z-tests from the group means; fills r. */
static int fm_fg_mc_tests(fm_fg_mc_result *r, const fm_fg_mcw *m, double *est, double *se,
                          double *zero, double alpha)
{
  size_t dp = m->w->dp;
  for (size_t i = 0; i < m->m; i++) {
    est[i] = m->wf[i].mean;
    se[i] = fm_welford_se(&m->wf[i]);
    zero[i] = 0.0;
  }
  fm_ztest zg, zl;
  int st = fm_mc_ztest(&zg, est, se, zero, dp, 0.5 * alpha);
  st = st ? st : fm_mc_ztest(&zl, est + dp, se + dp, zero, FM_FG_NTHETA, 0.5 * alpha);
  if (st != FM_OK)
    return st;
  r->m_grad = dp;
  r->z_grad = zg.zmax;
  r->i_grad = zg.imax;
  r->zcrit_grad = zg.zcrit;
  r->z_gap = zl.zmax;
  r->i_gap = zl.imax;
  r->zcrit_gap = zl.zcrit;
  r->p_adj = fmin(1.0, 2.0 * fmin(zg.pmin_holm, zl.pmin_holm));
  r->margin = fmax(zg.zmax / zg.zcrit, zl.zmax / zl.zcrit);
  for (size_t j = 0; j < FM_FG_NTHETA; j++) {
    r->gap[j] = est[dp + j];
    r->gap_se[j] = se[dp + j];
  }
  return FM_OK;
}

/* The MC route on an allocated workspace (Theta already drawn). */
static int fm_fg_mc_work(fm_fg_mc_result *r, fm_fg_work *w, uint64_t seed, size_t n,
                         double alpha)
{
  size_t ngroups = n / FM_FG_GROUP;
  if (ngroups < 2 || !(alpha > 0.0 && alpha < 1.0))
    return FM_EINVAL;
  fm_fg_mcw m = {.w = w, .m = w->dp + FM_FG_NTHETA};
  m.rt = fm_rng_make(seed, FM_RNG_STREAM(FM_FG_RNG_TAG, FM_FG_S_T));
  m.r0 = fm_rng_make(seed, FM_RNG_STREAM(FM_FG_RNG_TAG, FM_FG_S_X0));
  m.r1 = fm_rng_make(seed, FM_RNG_STREAM(FM_FG_RNG_TAG, FM_FG_S_X1));
  m.acc = malloc((4 * m.m + 2 * w->d) * sizeof *m.acc);
  m.wf = malloc(m.m * sizeof *m.wf);
  int st = m.acc && m.wf ? FM_OK : FM_ENOMEM;
  if (st == FM_OK) {
    double *est = m.acc + m.m, *se = est + m.m, *zero = se + m.m;
    m.vf = zero + m.m;
    m.vc = m.vf + w->d;
    for (size_t i = 0; i < m.m; i++)
      fm_welford_init(&m.wf[i]);
    st = fm_fg_mc_run(&m, ngroups);
    r->n = ngroups * FM_FG_GROUP;
    st = st ? st : fm_fg_mc_tests(r, &m, est, se, zero, alpha);
  }
  free(m.acc);
  free(m.wf);
  return st;
}

int fm_fg_mc(fm_fg_mc_result *r, const fm_case *c, uint64_t seed, size_t n, double alpha,
             int mutant)
{
  if (mutant == FM_FG_FM_PRIOR_W && c->gmm->K == 1)
    return FM_ENOTAVAIL;
  fm_fg_work w;
  int st = fm_fg_work_alloc(&w, c, mutant);
  if (st != FM_OK)
    return st;
  fm_fg_theta(&w, seed);
  st = fm_fg_mc_work(r, &w, seed, n, alpha);
  fm_fg_work_free(&w);
  return st;
}

int fm_fg_floor(double *C, double *err, double *t_lo, double *t_hi, const fm_case *c)
{
  *t_lo = FM_FG_TMIN;
  *t_hi = FM_FG_TMAX;
  if (c->gmm->d > FM_FG_QUAD_MAXD)
    return FM_ENOTAVAIL;
  fm_fg_work w;
  int st = fm_fg_work_alloc(&w, c, FM_FG_TRUE);
  if (st != FM_OK)
    return st;
  fm_fg_quad q;
  st = fm_fg_quad_run(&q, &w);
  if (st == FM_OK) {
    *C = q.Cgap;
    *err = q.eCgap;
    fm_fg_quad_free(&q);
  }
  fm_fg_work_free(&w);
  return st;
}

/* ------------------------------ verdict ------------------------------ */

/* "Theta_j, component i of feature <name>" for a gradient index. */
static void fm_fg_describe_grad(char *buf, size_t len, const fm_fg_work *w, size_t idx)
{
  char name[32];
  size_t j = idx / w->dp, i = (idx % w->dp) / w->p, a = idx % w->p;
  fm_linfeat_name(name, sizeof name, a, w->d);
  snprintf(buf, len, "Theta_%zu, d/dTheta[%zu][%s]", j + 1, i + 1, name);
}

static void fm_fg_scan(fm_verdict *v, const fm_fg_work *w, const fm_fg_quad *q)
{
  for (int e = -14; e <= -2; e++) {
    fm_fg_qstat s;
    fm_fg_qstat_all(&s, w, q, pow(10.0, e));
    if (s.grad > 1.0 || s.gap > 1.0) {
      fm_verdict_notef(v, "smallest sigma' error in the CFM target detected (of "
                          "1e-14..1e-2): quadrature %.0e", pow(10.0, e));
      return;
    }
  }
  fm_verdict_notef(v, "smallest sigma' error in the CFM target detected (of 1e-14..1e-2): "
                      "none");
}

/* Also hands C and its error to the MLP route (NAN when not run). */
static int fm_fg_route_quad(fm_verdict *v, fm_fg_work *w, int truth, double *C, double *eC)
{
  *C = *eC = NAN;
  if (w->d > FM_FG_QUAD_MAXD) {
    fm_verdict_notef(v, "quadrature route not run for d = %zu (a tensor rule over "
                        "(x0, x1) needs 3^%zu nodes): MC only", w->d, 2 * w->d);
    return FM_OK;
  }
  fm_fg_quad q;
  int st = fm_fg_quad_run(&q, w);
  if (st != FM_OK)
    return st;
  fm_fg_qstat s;
  fm_fg_qstat_all(&s, w, &q, 0.0);
  *C = q.Cgap;
  *eC = q.eCgap;
  char where[128];
  fm_fg_describe_grad(where, sizeof where, w, s.grad_at);
  fm_verdict_route(v, fm_fg_route_names[FM_FG_R_QGRAD], s.grad, 1.0, 0.0, where);
  snprintf(where, sizeof where, "Theta_%zu", s.gap_at + 1);
  fm_verdict_route(v, fm_fg_route_names[FM_FG_R_QGAP], s.gap, 1.0, 0.0, where);
  fm_verdict_notef(v, "C = %.12g (quadrature); L_CFM - L_FM at the 3 Theta: %.12g %.12g "
                      "%.12g", q.Cgap, s.lgap[0], s.lgap[1], s.lgap[2]);
  fm_verdict_notef(v, "quadrature accuracy reached %.2g of the terms (target %.0e; %s, "
                      "%.0f evaluations)", s.acc, FM_FG_TARGET,
                   w->d == 1 ? "adaptive in x"
                             : "Gauss-Hermite in x: the posterior weights switch inside a "
                               "component's bulk once modes separate",
                   q.neval);
  if (truth)
    fm_fg_scan(v, w, &q);
  fm_fg_quad_free(&q);
  return FM_OK;
}

/* Default draws: FM_FG_MC_N, FM_FG_MC_N_MCONLY where route 1 is not run
 * (see the header), times the multiplier. */
static size_t fm_fg_mc_draws(const fm_fg_work *w, int multiplier)
{
  size_t n = w->d > FM_FG_QUAD_MAXD ? FM_FG_MC_N_MCONLY : FM_FG_MC_N;
  return n * (size_t)(multiplier > 0 ? multiplier : 1);
}

static int fm_fg_route_mc(fm_verdict *v, fm_fg_work *w, uint64_t seed, int multiplier)
{
  fm_fg_mc_result r;
  int st = fm_fg_mc_work(&r, w, seed, fm_fg_mc_draws(w, multiplier), FM_FG_ALPHA);
  if (st != FM_OK)
    return st;
  char where[128];
  int gap = r.z_gap / r.zcrit_gap > r.z_grad / r.zcrit_grad;
  if (gap)
    snprintf(where, sizeof where, "loss gap at Theta_%zu", r.i_gap + 1);
  else
    fm_fg_describe_grad(where, sizeof where, w, r.i_grad);
  fm_verdict_route(v, fm_fg_route_names[FM_FG_R_MC], gap ? r.z_gap : r.z_grad,
                   gap ? r.zcrit_gap : r.zcrit_grad, 0.0, where);
  fm_verdict_notef(v, "MC: %zu draws (groups of %d sharing t); gradient family %zu tests "
                      "max |z| %.2f (crit %.2f), gap family 3 tests max |z| %.2f (crit "
                      "%.2f); adjusted p %.3g; gap - C at Theta_1 %.3g +- %.3g", r.n,
                   FM_FG_GROUP, r.m_grad, r.z_grad, r.zcrit_grad, r.z_gap, r.zcrit_gap,
                   r.p_adj, r.gap[0], r.gap_se[0]);
  return FM_OK;
}

static int fm_fg_check(fm_verdict *v, const fm_case *c, const fm_check_opts *o, int mutant)
{
  if (mutant == FM_FG_FM_PRIOR_W && c->gmm->K == 1) {
    fm_verdict_na(v, "one component: prior and posterior weights coincide");
    return FM_OK;
  }
  fm_fg_work w;
  int st = fm_fg_work_alloc(&w, c, mutant);
  if (st != FM_OK)
    return st;
  uint64_t seed = fm_check_seed(o, c);
  fm_fg_theta(&w, seed);
  double C, eC;
  st = fm_fg_route_quad(v, &w, mutant == FM_FG_TRUE, &C, &eC);
  st = st ? st : fm_fg_route_mc(v, &w, seed, o->multiplier);
  st = st ? st : fm_fgm_route(v, c, seed, o->multiplier, C, eC, mutant);
  fm_verdict_notef(v, "t ~ U[%g, %g] (sigma'/sigma is singular at t = 1 when sigma_1 = 0)",
                   FM_FG_TMIN, FM_FG_TMAX);
  fm_fg_work_free(&w);
  return st;
}

const fm_theorem fm_thm_fm_cfm_grad = {
    "fm-cfm-grad",
    "grad L_FM(theta) = grad L_CFM(theta) and L_CFM - L_FM = C = E_t E_x "
    "tr Cov(u_t(x|x1) | x_t = x), for the linear-feature model v = Theta phi(t, x) "
    "and for the trainer's MLP at its own theta",
    fm_fg_check,
    fm_fg_mutants,
};
