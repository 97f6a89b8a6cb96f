/* continuity.c -- theorem `continuity` (DESIGN §2): the marginal path and the
 * marginal field satisfy the continuity equation
 *     d/dt p_t(x) + div(p_t u_t)(x) = 0,   div(p u) = p div u + u.grad p,
 * equivalently (divide by p > 0; grad p = p grad log p) the log form
 *     d/dt log p_t(x) + u_t(x).grad log p_t(x) + div u_t(x) = 0.
 *
 * The candidate is the field: u from fm_gmm_path_eval with its divergence in
 * closed form (gmm_post.h: div u = alpha' alpha sum gamma tau1 + sigma sigma'
 * sum gamma tau0 + V), or a negative control.  The density p_t and its score
 * are always the true ones (the field is what a sampler integrates).  Points:
 * fm_pointset (typical, t within 2e-6 of either end, tails 50 std out).
 * eps = DBL_EPSILON (twice the unit roundoff).
 *
 * Step policy (double routes).  t is moved onto the 2^-40 grid (tc) and
 * h0 = the largest power of two <= min(1e-2, tc/4, (1-tc)/4, rho/4)
 * (fm_fdiff_grid, then rho): the stencil tc +- h0 never leaves (0,1) -- at
 * t = 1e-6 the steps are <= 2.5e-7 -- every abscissa is an exact double, and
 * h0 stays a quarter of the radius of analyticity, both of schedules singular
 * at an end and of log p itself, whose log-sum-exp switches between
 * components within rho of tc far in the tails (fm_ct_switch_radius).  Five
 * Richardson levels (h0 .. h0/16).
 *
 * Route 1 -- log form, double.  D = d/dt log p_t(x) by Richardson central
 * differences at tc; residual R = D + u.s + div u.  Tolerance per point
 *     tol = err + 2 delta/h_fin + tol_an:
 *   - err: fm_fdiff's estimate |T[k][k] - T[k][k-1]|;
 *   - delta bounds the error of one evaluation of log p.  With the schedule
 *     values alpha, sigma relatively wrong by e_s (fm_sched_value_err: the a
 *     priori 4 kappa eps of points.h or 8x the measured rounding noise),
 *     dC = 2 alpha dalpha S + 2 sigma dsigma I gives |tr C^{-1} dC|/2 <= e_s d
 *     and |z.dC.z|/2 <= e_s q_k, and alpha m_k in r_k moves q_k/2 by
 *     <= e_s |alpha m_k.z_k|, so |d log p| <= e_s sum_k gamma_k (d + q_k +
 *     |alpha m_k.z_k|); the algebra (long double inside the path) and the
 *     final rounding are covered by (d + 8) eps on the same sum plus |log p|:
 *         delta = (e_s + (d + 8) eps) M_g,
 *         M_g = sum_k gamma_k (d + q_k + |alpha m_k.z_k|) + |log p|,
 *     maximised over the stencil.  A raw difference quotient turns delta into
 *     delta/h; the Richardson weights amplify it by < 2 (prod (4^j+1)/(4^j-1)),
 *     at worst on the finest step h_fin = h0/16;
 *   - tol_an, the error of the analytic terms: (B_u + 4 e_s U) |s| +
 *     |u| (B_s + 4 e_s S) + d eps sum |u_j s_j| + e_div, with B_u, B_s the
 *     rounding bounds of path_err.h (U, S the scales of the field's and the
 *     score's terms; 4 e_s for the schedule values and derivatives they
 *     contain), and e_div = (8 e_s + 4 (3d+3) kappa_C (1 + q_max) eps +
 *     d kappa_S eps) |terms of div u|: z_k is accurate to (3d+3) kappa_C eps
 *     relative (Cholesky, Higham Thm 10.4), the weights to that times q_max
 *     (q enters the exponent), a term multiplies at most four such inputs,
 *     the traces carry the eigenvalues' d kappa_S eps, and alpha' alpha,
 *     sigma sigma', alpha^2, sigma^2 two schedule errors each.
 *   The statistic is max |R|/tol (tol 1).  The observed order of the raw
 *   central differences (fm_fdiff_observed_order, noise delta) is reported:
 *   min/median over the points; a median outside 2 +- 0.5 gives WARN.
 *
 * Route 2 -- density form, double.  The same with f(t) = p_t(x)/p_tc(x)
 * (the constant p_tc(x) keeps f ~ 1: p itself underflows 50 std out):
 * R = D_f + div u + u.s (f(tc) = 1).  Steps h0' = the largest power of two
 * <= min(h0, 1/(8|D|)) so that f varies by a factor < e^(1/8) over the
 * stencil (far in the tails |D| ~ 1e4: f = exp(l - l0) is then resolved
 * on the scale where l is nearly linear).
 *     tol = err + 2 (delta + 2 eps) f_max / h_fin + delta |D_f| + tol_an
 * (f carries the relative error delta of log p, and so does its derivative).
 *
 * Route 3 -- div u: closed form vs finite differences in x.  At x~ (x moved
 * onto a grid of spacing h_fin,x so that x~ +- h e_j are exact) each
 * d u_j/d x_j by Richardson central differences, h0,x = the largest power of
 * two <= l/4 with l = min(sqrt(min eig C_k), min over pairs of
 * sqrt(log(gamma_k/gamma_j)^2 + pi^2)/|z_k - z_j|): the narrowest component,
 * and the distance to the nearest complex pole of a posterior weight (the
 * logistic 1/(1 + e^-y) has poles at y = +-i pi).  tol = sum_j err_j +
 * 2 d (2 B_u)/h_fin,x + e_div (B_u at x~, doubled to cover the stencil).
 *
 * Route 4 -- the whole residual in MPFR at max(o->prec, 256) bits (below
 * 256 the round-off 2^-prec |log p|/h alone would exceed 1e-40; first 4 points:
 * near 0, near 1, tail, typical; 2 points for d >= 8).  log p from
 * fm_gmm_marginal_mpfr with the schedule's MPFR twin evaluated at t +- h,
 * t +- h/2, h = 1e-20 (MPFR abscissae: exact), D = (4 D(h/2) - D(h))/3; div u
 * by the same central differences of the MPFR field in x with step 1e-20 l;
 * score and field at (t, x) from the twin.  Pass iff |R| <= 1e-40 (|D| +
 * sum |u_j s_j| + sum_j |du_j/dx_j|).  Why 1e-40 holds with room: the raw
 * difference leaves (h^2/6) f''' ~ 1e-40 f'/rho^2 (rho ~ the distance in t to
 * the nearest singularity, O(0.1) for narrow components near t = 1 -- which
 * is why one Richardson step is taken), the extrapolated one (h^4/480) f^(5)
 * ~ 1e-80/rho^4; round-off 2^-256 |log p| / h ~ 1e-57 |log p| (the twin is
 * accurate to ~prec bits relative to each output).  Schedules without an
 * MPFR twin (expr, table): the route is n/a, said in the note.
 *
 * Mutants: 1 "prior weights in place of posterior weights in u" (u_w =
 * sum w_k (alpha' mu_k + sigma sigma' z_k) with its own divergence; n/a for
 * one component); 2 "sigma' off by 1%" (field and divergence); 3 "time run
 * backwards" (the field of the reversed path, alpha_{1-t}, sigma_{1-t} with
 * chain-rule derivatives: what a sampler started at the wrong end follows);
 * 4 "divergence missing" (div u dropped from the residual and from route 3).
 * For the true statement the note gives the smallest relative sigma'
 * perturbation (1e-14 .. 1e-2 by decades, first 10 points) route 1 detects.
 */
#include "theorems.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdiff.h"
#include "gmm_post.h"
#include "mp.h"
#include "path_err.h"
#include "points.h"

#define FM_CT_EPS DBL_EPSILON
#define FM_CT_FD_LEVELS 5
#define FM_CT_FD_HMAX 1e-2
#define FM_CT_ORDER_BAND 0.5
#define FM_CT_MP_STEP 1e-20
#define FM_CT_MP_TOL 1e-40
#define FM_CT_MP_MINPREC 256
#define FM_CT_MP_POINTS 4
#define FM_CT_MP_POINTS_HIGHD 2
#define FM_CT_HIGHD 8
#define FM_CT_SCAN_POINTS 10

enum { FM_CT_TRUE, FM_CT_PRIOR_W, FM_CT_SIGMA_OFF, FM_CT_REVERSED, FM_CT_NO_DIV };
enum { FM_CT_R_LOG, FM_CT_R_DENS, FM_CT_R_DIV, FM_CT_R_MP, FM_CT_NR };

static const char *const fm_ct_mutants[] = {
    "prior weights in place of posterior weights in u",
    "sigma' off by 1%",
    "time run backwards",
    "divergence missing",
    NULL,
};

static const char *const fm_ct_route_names[FM_CT_NR] = {
    "log form |d/dt log p + u.grad log p + div u|/tol (FD in t)",
    "density form |d/dt p + p div u + u.grad p|/(p tol) (FD in t)",
    "div u closed form vs FD in x |diff|/tol",
    "MPFR residual |R|/terms (h = 1e-20)",
};

/* The candidate field. */
typedef struct {
  double dsigma_factor;
  int reversed, prior, with_div;
} fm_ct_cand;

/* Workspace of the double routes. */
typedef struct {
  const fm_case *c;
  size_t d;
  fm_gmm_path *pt, *pc;  /* true path (density, score); candidate's path (field) */
  fm_gmm_post *post;
  fm_path_err *pe;
  double *s, *u, *xg;    /* d each */
  /* FD in t bookkeeping */
  const double *x;
  int density;           /* 0: f = log p, 1: f = exp(log p - l0) */
  double l0, kappa, Mg, fmax;
} fm_ct_work;

/* Candidate-independent results of the FD in t at one point. */
typedef struct {
  double tc, D, tol_fd, Dd, tol_fdd, es, order, ell;
} fm_ct_ref;

/* u.s + div u of a candidate at one point, its error bound and its terms. */
typedef struct {
  double val, tol, mag;
} fm_ct_tr;

static void fm_ct_work_free(fm_ct_work *w)
{
  fm_gmm_path_free(w->pt);
  fm_gmm_path_free(w->pc);
  fm_gmm_post_free(w->post);
  fm_path_err_free(w->pe);
  free(w->s);
}

static int fm_ct_work_alloc(fm_ct_work *w, const fm_case *c)
{
  size_t d = c->gmm->d;
  *w = (fm_ct_work){.c = c, .d = d};
  int st = fm_gmm_path_alloc(&w->pt, c->gmm);
  st = st ? st : fm_gmm_path_alloc(&w->pc, c->gmm);
  st = st ? st : fm_gmm_post_alloc(&w->post, c->gmm);
  st = st ? st : fm_path_err_alloc(&w->pe, c->gmm);
  if (st == FM_OK && (w->s = malloc(3 * d * sizeof *w->s)) == NULL)
    st = FM_ENOMEM;
  if (st != FM_OK) {
    fm_ct_work_free(w);
    return st;
  }
  w->u = w->s + d;
  w->xg = w->s + 2 * d;
  return FM_OK;
}

/* sum_k gamma_k (d + q_k + |alpha m_k.z_k|) at the last evaluated point. */
static double fm_ct_logp_sens(const fm_gmm_path *p, const fm_gmm *g, double alpha,
                              const double *x)
{
  size_t d = g->d;
  const double *gam = fm_gmm_path_gamma(p), *z = fm_gmm_path_z(p);
  double m = 0.0;
  for (size_t k = 0; k < g->K; k++) {
    double q = 0.0, mz = 0.0;
    for (size_t j = 0; j < d; j++) {
      q += (x[j] - alpha * g->mean[k * d + j]) * z[k * d + j];
      mz += alpha * g->mean[k * d + j] * z[k * d + j];
    }
    m += gam[k] * ((double)d + fabs(q) + fabs(mz));
  }
  return m;
}

/* log p_t(x) (or p_t(x)/p_tc(x)) of the true path, for fm_fdiff_central. */
static int fm_ct_logp_at(double *y, double t, void *vctx)
{
  fm_ct_work *w = vctx;
  fm_sched_val v;
  double lp;
  int st = fm_schedule_eval(&v, w->c->sched, t);
  st = st ? st : fm_gmm_path_set(w->pt, &v);
  st = st ? st : fm_gmm_path_eval(&lp, NULL, NULL, NULL, w->pt, w->x);
  if (st != FM_OK)
    return st;
  w->kappa = fmax(w->kappa, fm_sched_cond(&v));
  w->Mg = fmax(w->Mg, fm_ct_logp_sens(w->pt, w->c->gmm, v.alpha, w->x) + fabs(lp));
  *y = w->density ? exp(lp - w->l0) : lp;
  w->fmax = fmax(w->fmax, fabs(*y));
  return FM_OK;
}

static double fm_ct_pow2_below(double a)
{
  int e;
  frexp(a, &e); /* a = m 2^e, m in [1/2, 1) */
  return ldexp(1.0, e - 1);
}

/* delta of the header, given the bookkeeping of one FD run. */
static double fm_ct_delta(const fm_ct_work *w, double es)
{
  return (es + ((double)w->d + 8.0) * FM_CT_EPS) * w->Mg;
}

/* l_k = log(w_k N_k(x)) = log gamma_k + log p at time t (-inf where gamma_k
 * underflows). */
static int fm_ct_logn_at(double *l, fm_ct_work *w, double t)
{
  fm_sched_val v;
  double lp;
  int st = fm_schedule_eval(&v, w->c->sched, t);
  st = st ? st : fm_gmm_path_set(w->pt, &v);
  st = st ? st : fm_gmm_path_eval(&lp, NULL, NULL, NULL, w->pt, w->x);
  const double *gam = fm_gmm_path_gamma(w->pt);
  for (size_t k = 0; st == FM_OK && k < w->c->gmm->K; k++)
    l[k] = gam[k] > 0.0 ? log(gam[k]) + lp : -INFINITY;
  return st;
}

/* Distance in t from tc to the nearest complex pole of a posterior weight,
 * linearised: log p = logsumexp_k l_k(t) switches from component j to k
 * where l_k - l_j crosses 0, and 1/(1 + e^-y) has poles at y = +-i pi, so
 * the radius for the pair is sqrt((l_k - l_j)^2 + pi^2) / |l_k' - l_j'|
 * (slopes by a central difference at step delta: only a step size is
 * chosen from it).  Far in the tails at fixed x the components' l_k are
 * steep in t and cross within ~1e-3 of tc: steps of 1e-2 would straddle the
 * switch and Richardson's error estimate would not know it. */
static int fm_ct_switch_radius(double *rho, fm_ct_work *w, double tc, double delta)
{
  size_t K = w->c->gmm->K;
  *rho = INFINITY;
  if (K == 1)
    return FM_OK;
  double *l = malloc(3 * K * sizeof *l);
  if (l == NULL)
    return FM_ENOMEM;
  int st = fm_ct_logn_at(l, w, tc);
  st = st ? st : fm_ct_logn_at(l + K, w, tc + delta);
  st = st ? st : fm_ct_logn_at(l + 2 * K, w, tc - delta);
  for (size_t a = 0; st == FM_OK && a < K; a++)
    for (size_t b = a + 1; b < K; b++) {
      double y = l[a] - l[b];
      double dy = (l[K + a] - l[K + b] - l[2 * K + a] + l[2 * K + b]) / (2.0 * delta);
      if (isfinite(y) && isfinite(dy) && dy != 0.0)
        *rho = fmin(*rho, sqrt(y * y + M_PI * M_PI) / fabs(dy));
    }
  free(l);
  return st;
}

/* Routes 1 and 2 at point i: the FD of log p and of p/p_tc in t. */
static int fm_ct_ref_fd(fm_ct_ref *r, fm_ct_work *w, const fm_pointset *ps, size_t i)
{
  double h0, err, rho;
  fm_fdiff_info info;
  int st = fm_fdiff_grid(&r->tc, &h0, ps->t[i], FM_CT_FD_HMAX);
  if (st != FM_OK)
    return st;
  w->x = ps->x + i * w->d;
  st = fm_ct_switch_radius(&rho, w, r->tc, ldexp(h0, -6));
  if (st != FM_OK)
    return st;
  if (0.25 * rho < h0)
    h0 = fm_ct_pow2_below(0.25 * rho);
  w->density = 0;
  w->kappa = w->Mg = w->fmax = 0.0;
  st = fm_fdiff_central(&r->D, &err, &info, fm_ct_logp_at, w, 1, r->tc, h0,
                        FM_CT_FD_LEVELS);
  if (st != FM_OK)
    return st;
  r->es = fm_sched_value_err(w->c->sched, r->tc, w->kappa);
  double delta = fm_ct_delta(w, r->es);
  r->tol_fd = err + 2.0 * delta / info.h_used;
  st = fm_fdiff_observed_order(&r->order, fm_ct_logp_at, w, 1, r->tc, h0, delta);
  if (st != FM_OK)
    return st;
  /* density form: f = exp(log p - l0), steps with |D| h0' <= 1/8 */
  double h0d = fabs(r->D) > 0.0 ? fmin(h0, fm_ct_pow2_below(0.125 / fabs(r->D))) : h0;
  st = fm_ct_logp_at(&w->l0, r->tc, w);
  if (st != FM_OK)
    return st;
  w->density = 1;
  w->Mg = w->fmax = 0.0;
  st = fm_fdiff_central(&r->Dd, &err, &info, fm_ct_logp_at, w, 1, r->tc, h0d,
                        FM_CT_FD_LEVELS);
  if (st != FM_OK)
    return st;
  delta = fm_ct_delta(w, r->es);
  r->tol_fdd = err + 2.0 * (delta + 2.0 * FM_CT_EPS) * w->fmax / info.h_used +
               delta * fabs(r->Dd);
  return FM_OK;
}

/* Sets both paths at time t for candidate k: *v the true schedule values,
 * *vc the candidate's. */
static int fm_ct_set(fm_ct_work *w, const fm_ct_cand *k, double t, fm_sched_val *v,
                     fm_sched_val *vc)
{
  int st = fm_schedule_eval(v, w->c->sched, t);
  st = st ? st : fm_sched_eval_candidate(vc, w->c->sched, t, k->dsigma_factor, k->reversed);
  st = st ? st : fm_gmm_path_set(w->pt, v);
  if (st == FM_OK && !k->prior && (k->reversed || k->dsigma_factor != 1.0))
    st = fm_gmm_path_set(w->pc, vc);
  return st;
}

/* Candidate field u at x (paths set by fm_ct_set); the true path is left
 * evaluated at x with score w->s.  With div != NULL also the candidate's
 * closed-form divergence (0 when it forgets it) and its term magnitude. */
static int fm_ct_field(double *u, double *div, double *divmag, fm_ct_work *w,
                       const fm_ct_cand *k, const fm_sched_val *vc, const double *x)
{
  int st = fm_gmm_path_eval(NULL, w->s, NULL, k->prior ? NULL : u, w->pt, x);
  const fm_gmm_path *pf = w->pt;
  if (st == FM_OK && !k->prior && (k->reversed || k->dsigma_factor != 1.0)) {
    st = fm_gmm_path_eval(NULL, NULL, NULL, u, w->pc, x);
    pf = w->pc;
  }
  if (st != FM_OK)
    return st;
  if (k->prior)
    fm_gmm_post_prior_field(u, w->post, w->pt, vc);
  if (div != NULL) {
    fm_gmm_post_val pv;
    fm_gmm_post_eval(&pv, w->post, pf, vc,
                     k->prior ? FM_GMM_POST_PRIOR : FM_GMM_POST_POSTERIOR);
    *div = k->with_div ? pv.div : 0.0;
    *divmag = pv.div_mag;
  }
  return FM_OK;
}

/* e_div of the header (relative factor on the divergence's terms). */
static double fm_ct_ediv(const fm_ct_work *w, const fm_path_errb *b, double es)
{
  double d = (double)w->d;
  return 8.0 * es + 4.0 * (3.0 * d + 3.0) * b->kappa_max * (1.0 + b->q_max) * FM_CT_EPS +
         d * fm_gmm_post_cond_S(w->post) * FM_CT_EPS;
}

static double fm_ct_norm2(const double *a, size_t n)
{
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += a[i] * a[i];
  return sqrt(s);
}

/* u.s + div u of candidate k at (t, x), with tol_an of the header. */
static int fm_ct_transport(fm_ct_tr *tr, fm_ct_work *w, const fm_ct_cand *k, double t,
                           const double *x, double es)
{
  size_t d = w->d;
  fm_sched_val v, vc;
  double div, divmag;
  int st = fm_ct_set(w, k, t, &v, &vc);
  st = st ? st : fm_ct_field(w->u, &div, &divmag, w, k, &vc, x);
  if (st != FM_OK)
    return st;
  fm_path_errb b;
  fm_path_err_bound(&b, w->pe, w->pt, &v, x, FM_CT_EPS);
  double us = 0.0, usabs = 0.0;
  for (size_t j = 0; j < d; j++) {
    us += w->u[j] * w->s[j];
    usabs += fabs(w->u[j] * w->s[j]);
  }
  double U = fabs(v.dalpha) * b.mean_scale + fabs(v.sigma * v.dsigma) * b.score_scale;
  tr->val = us + div;
  tr->mag = usabs + divmag;
  tr->tol = (b.u + 4.0 * es * U) * fm_ct_norm2(w->s, d) +
            fm_ct_norm2(w->u, d) * (b.score + 4.0 * es * b.score_scale) +
            (double)d * FM_CT_EPS * usabs + fm_ct_ediv(w, &b, es) * divmag;
  return FM_OK;
}

/* Length scale l of route 3 at the last evaluated point of the true path. */
static double fm_ct_length(const fm_ct_work *w, const fm_sched_val *v)
{
  const fm_gmm *g = w->c->gmm;
  size_t d = w->d;
  const double *gam = fm_gmm_path_gamma(w->pt), *z = fm_gmm_path_z(w->pt);
  double l = sqrt(fm_gmm_post_cmin(w->post, v));
  for (size_t a = 0; a < g->K; a++)
    for (size_t b = a + 1; b < g->K; b++) {
      if (!(gam[a] > 0.0 && gam[b] > 0.0))
        continue;
      double dz = 0.0;
      for (size_t j = 0; j < d; j++)
        dz += (z[a * d + j] - z[b * d + j]) * (z[a * d + j] - z[b * d + j]);
      double y = log(gam[a] / gam[b]);
      if (dz > 0.0)
        l = fmin(l, sqrt(y * y + M_PI * M_PI) / sqrt(dz));
    }
  return l;
}

/* d u_j / d x_j of the candidate as a function of the offset along e_j. */
typedef struct {
  fm_ct_work *w;
  const fm_ct_cand *k;
  const fm_sched_val *vc;
  size_t j;
  double *xs;
} fm_ct_xctx;

static int fm_ct_uj_at(double *y, double h, void *vctx)
{
  fm_ct_xctx *c = vctx;
  size_t d = c->w->d;
  memcpy(c->xs, c->w->xg, d * sizeof *c->xs);
  c->xs[c->j] += h; /* exact: xg is on the grid of the steps */
  int st = fm_ct_field(c->w->u, NULL, NULL, c->w, c->k, c->vc, c->xs);
  *y = c->w->u[c->j];
  return st;
}

/* Route 3 at point i: *val = |closed form - FD|, *tol its tolerance. */
static int fm_ct_route_div(double *val, double *tol, fm_ct_work *w, const fm_ct_cand *k,
                           fm_ct_ref *r, const fm_pointset *ps, size_t i)
{
  size_t d = w->d;
  fm_sched_val v, vc;
  double div, divmag, fd = 0.0, fderr = 0.0;
  int st = fm_ct_set(w, k, r->tc, &v, &vc);
  st = st ? st : fm_gmm_path_eval(NULL, NULL, NULL, NULL, w->pt, ps->x + i * d);
  if (st != FM_OK)
    return st;
  r->ell = fm_ct_length(w, &v);
  double h0 = fm_ct_pow2_below(0.25 * r->ell);
  double grid = ldexp(h0, 1 - FM_CT_FD_LEVELS);
  for (size_t j = 0; j < d; j++)
    w->xg[j] = nearbyint(ps->x[i * d + j] / grid) * grid;
  st = fm_ct_field(w->u, &div, &divmag, w, k, &vc, w->xg);
  if (st != FM_OK)
    return st;
  fm_path_errb b;
  fm_path_err_bound(&b, w->pe, w->pt, &v, w->xg, FM_CT_EPS);
  double es = fm_sched_value_err(w->c->sched, r->tc, fm_sched_cond(&v));
  double ediv = fm_ct_ediv(w, &b, es);
  double *xs = malloc(d * sizeof *xs);
  if (xs == NULL)
    return FM_ENOMEM;
  fm_ct_xctx c = {w, k, &vc, 0, xs};
  for (size_t j = 0; j < d && st == FM_OK; j++) {
    double dj, ej;
    c.j = j;
    st = fm_fdiff_central(&dj, &ej, NULL, fm_ct_uj_at, &c, 1, 0.0, h0, FM_CT_FD_LEVELS);
    fd += dj;
    fderr += ej;
  }
  free(xs);
  *val = fabs(div - fd);
  *tol = fderr + 2.0 * (double)d * 2.0 * b.u / grid + ediv * divmag;
  return st;
}

/* ------------------------- route 4: MPFR ------------------------- */

typedef struct {
  const fm_case *c;
  mpfr_prec_t prec;
  size_t d, K;
  fm_gmm **one;             /* K one-component GMMs (prior-weighted field) */
  mpfr_t *x, *s, *u, *uk;   /* d each */
  mpfr_t t, tt, h, lp, lm, D1, D2, acc, tmp;
  fm_sched_mp v;
} fm_ct_mp;

static void fm_ct_mp_free(fm_ct_mp *m)
{
  if (m->one != NULL)
    for (size_t k = 0; k < m->K; k++)
      fm_gmm_free(m->one[k]);
  free(m->one);
  fm_mp_vec_free(m->x, m->d);
  fm_mp_vec_free(m->s, m->d);
  fm_mp_vec_free(m->u, m->d);
  fm_mp_vec_free(m->uk, m->d);
  mpfr_clears(m->t, m->tt, m->h, m->lp, m->lm, m->D1, m->D2, m->acc, m->tmp, (mpfr_ptr)0);
  fm_sched_mp_clear(&m->v);
}

/* Component k of g as a one-component GMM of weight 1. */
static int fm_ct_mp_one(fm_gmm **o, const fm_gmm *g, size_t k)
{
  size_t d = g->d;
  int st = fm_gmm_alloc(o, d, 1);
  if (st != FM_OK)
    return st;
  (*o)->w[0] = 1.0;
  memcpy((*o)->mean, g->mean + k * d, d * sizeof *g->mean);
  memcpy((*o)->cov, g->cov + k * d * d, d * d * sizeof *g->cov);
  return fm_gmm_finalize(*o, NULL, NULL);
}

static int fm_ct_mp_alloc(fm_ct_mp *m, const fm_case *c, mpfr_prec_t prec, int prior)
{
  size_t d = c->gmm->d;
  *m = (fm_ct_mp){.c = c, .prec = prec, .d = d, .K = c->gmm->K};
  mpfr_inits2(prec, m->t, m->tt, m->h, m->lp, m->lm, m->D1, m->D2, m->acc, m->tmp,
              (mpfr_ptr)0);
  fm_sched_mp_init(&m->v, prec);
  int st = fm_mp_vec_alloc(&m->x, d, prec);
  st = st ? st : fm_mp_vec_alloc(&m->s, d, prec);
  st = st ? st : fm_mp_vec_alloc(&m->u, d, prec);
  st = st ? st : fm_mp_vec_alloc(&m->uk, d, prec);
  if (st == FM_OK && prior) {
    m->one = calloc(m->K, sizeof *m->one);
    st = m->one == NULL ? FM_ENOMEM : FM_OK;
    for (size_t k = 0; k < m->K && st == FM_OK; k++)
      st = fm_ct_mp_one(&m->one[k], c->gmm, k);
  }
  if (st != FM_OK)
    fm_ct_mp_free(m);
  return st;
}

/* Schedule values at time tm (true, or the candidate's). */
static int fm_ct_mp_sched(fm_ct_mp *m, const fm_ct_cand *k, mpfr_t tm)
{
  if (k == NULL || !k->reversed)
    mpfr_set(m->tt, tm, MPFR_RNDN);
  else
    mpfr_ui_sub(m->tt, 1, tm, MPFR_RNDN);
  int st = fm_schedule_eval_mp(&m->v, m->c->sched, m->tt);
  if (st != FM_OK || k == NULL)
    return st;
  if (k->reversed) {
    mpfr_neg(m->v.dalpha, m->v.dalpha, MPFR_RNDN);
    mpfr_neg(m->v.dsigma, m->v.dsigma, MPFR_RNDN);
  }
  if (k->dsigma_factor != 1.0)
    mpfr_mul_d(m->v.dsigma, m->v.dsigma, k->dsigma_factor, MPFR_RNDN);
  return FM_OK;
}

/* out = log p at time tm (true path) at m->x. */
static int fm_ct_mp_logp(fm_ct_mp *m, mpfr_t out, mpfr_t tm)
{
  int st = fm_ct_mp_sched(m, NULL, tm);
  return st ? st : fm_gmm_marginal_mpfr(out, NULL, NULL, NULL, m->c->gmm, &m->v, m->x,
                                        m->prec);
}

/* m->u = candidate field at time tm, point m->x. */
static int fm_ct_mp_field(fm_ct_mp *m, const fm_ct_cand *k, mpfr_t tm)
{
  int st = fm_ct_mp_sched(m, k, tm);
  if (st != FM_OK || !k->prior)
    return st ? st : fm_gmm_marginal_mpfr(NULL, NULL, NULL, m->u, m->c->gmm, &m->v, m->x,
                                          m->prec);
  for (size_t j = 0; j < m->d; j++)
    mpfr_set_zero(m->u[j], 1);
  for (size_t k2 = 0; k2 < m->K && st == FM_OK; k2++) {
    st = fm_gmm_marginal_mpfr(NULL, NULL, NULL, m->uk, m->one[k2], &m->v, m->x, m->prec);
    for (size_t j = 0; j < m->d && st == FM_OK; j++) {
      mpfr_mul_d(m->tmp, m->uk[j], m->c->gmm->w[k2], MPFR_RNDN);
      mpfr_add(m->u[j], m->u[j], m->tmp, MPFR_RNDN);
    }
  }
  return st;
}

/* Central difference (f(c+h) - f(c-h))/(2h) into out; f values in lp, lm. */
static void fm_ct_mp_cd(fm_ct_mp *m, mpfr_t out, mpfr_t h)
{
  mpfr_sub(out, m->lp, m->lm, MPFR_RNDN);
  mpfr_div(out, out, h, MPFR_RNDN);
  mpfr_div_ui(out, out, 2, MPFR_RNDN);
}

/* out = (4 D2 - D1)/3: one Richardson step. */
static void fm_ct_mp_rich(mpfr_t out, mpfr_t D1, mpfr_t D2)
{
  mpfr_mul_ui(out, D2, 4, MPFR_RNDN);
  mpfr_sub(out, out, D1, MPFR_RNDN);
  mpfr_div_ui(out, out, 3, MPFR_RNDN);
}

/* d/dt log p at (t, x) into out; *raw = |D(h) - out| (what the plain central
 * difference at h would have left). */
static int fm_ct_mp_dt(fm_ct_mp *m, mpfr_t out, double *raw)
{
  int st = FM_OK;
  for (int lev = 0; lev < 2 && st == FM_OK; lev++) {
    mpfr_set_d(m->h, FM_CT_MP_STEP, MPFR_RNDN);
    mpfr_div_ui(m->h, m->h, lev ? 2 : 1, MPFR_RNDN);
    mpfr_add(m->acc, m->t, m->h, MPFR_RNDN);
    st = fm_ct_mp_logp(m, m->lp, m->acc);
    mpfr_sub(m->acc, m->t, m->h, MPFR_RNDN);
    st = st ? st : fm_ct_mp_logp(m, m->lm, m->acc);
    fm_ct_mp_cd(m, lev ? m->D2 : m->D1, m->h);
  }
  fm_ct_mp_rich(out, m->D1, m->D2);
  mpfr_sub(m->tmp, m->D1, out, MPFR_RNDN);
  *raw = fabs(mpfr_get_d(m->tmp, MPFR_RNDN));
  return st;
}

/* div of the candidate field at (t, x) by MPFR central differences in x
 * with steps 1e-20 ell and half that; *mag = sum_j |du_j/dx_j|. */
static int fm_ct_mp_div(fm_ct_mp *m, const fm_ct_cand *k, mpfr_t out, double *mag,
                        double ell)
{
  int st = FM_OK;
  mpfr_set_zero(out, 1);
  *mag = 0.0;
  for (size_t j = 0; j < m->d && st == FM_OK; j++) {
    for (int lev = 0; lev < 2 && st == FM_OK; lev++) {
      mpfr_set_d(m->h, FM_CT_MP_STEP * ell, MPFR_RNDN);
      mpfr_div_ui(m->h, m->h, lev ? 2 : 1, MPFR_RNDN);
      mpfr_set(m->acc, m->x[j], MPFR_RNDN);
      mpfr_add(m->x[j], m->acc, m->h, MPFR_RNDN);
      st = fm_ct_mp_field(m, k, m->t);
      mpfr_set(m->lp, m->u[j], MPFR_RNDN);
      mpfr_sub(m->x[j], m->acc, m->h, MPFR_RNDN);
      st = st ? st : fm_ct_mp_field(m, k, m->t);
      mpfr_set(m->lm, m->u[j], MPFR_RNDN);
      mpfr_set(m->x[j], m->acc, MPFR_RNDN);
      fm_ct_mp_cd(m, lev ? m->D2 : m->D1, m->h);
    }
    fm_ct_mp_rich(m->tmp, m->D1, m->D2);
    *mag += fabs(mpfr_get_d(m->tmp, MPFR_RNDN));
    mpfr_add(out, out, m->tmp, MPFR_RNDN);
  }
  return st;
}

/* Route 4 at point i: *rel = |R| / terms, *raw = the plain difference's
 * truncation relative to the terms. */
static int fm_ct_mp_point(double *rel, double *raw, fm_ct_mp *m, const fm_ct_cand *k,
                          const fm_pointset *ps, size_t i, double ell)
{
  size_t d = m->d;
  mpfr_t D, dv;
  mpfr_inits2(m->prec, D, dv, (mpfr_ptr)0);
  mpfr_set_d(m->t, ps->t[i], MPFR_RNDN);
  fm_mp_vec_set_d(m->x, ps->x + i * d, d);
  double rawD, divmag;
  int st = fm_ct_mp_dt(m, D, &rawD);
  st = st ? st : fm_ct_mp_div(m, k, dv, &divmag, ell);
  st = st ? st : fm_ct_mp_sched(m, NULL, m->t);
  st = st ? st : fm_gmm_marginal_mpfr(NULL, m->s, NULL, NULL, m->c->gmm, &m->v, m->x,
                                      m->prec);
  st = st ? st : fm_ct_mp_field(m, k, m->t);
  if (st == FM_OK) {
    double mag = fabs(mpfr_get_d(D, MPFR_RNDN)) + divmag;
    if (!k->with_div)
      mpfr_set_zero(dv, 1);
    mpfr_add(D, D, dv, MPFR_RNDN);
    for (size_t j = 0; j < d; j++) {
      mpfr_mul(m->tmp, m->u[j], m->s[j], MPFR_RNDN);
      mag += fabs(mpfr_get_d(m->tmp, MPFR_RNDN));
      mpfr_add(D, D, m->tmp, MPFR_RNDN);
    }
    *rel = fabs(mpfr_get_d(D, MPFR_RNDN)) / mag;
    *raw = rawD / mag;
  }
  mpfr_clears(D, dv, (mpfr_ptr)0);
  return st;
}

/* ------------------------- bookkeeping ------------------------- */

typedef struct {
  double val[FM_CT_NR], tol[FM_CT_NR];
  size_t worst[FM_CT_NR];
  int have[FM_CT_NR];
  double relres, mp_raw;
  size_t n_mp;
  long prec;
} fm_ct_stats;

static void fm_ct_stat_add(fm_ct_stats *s, int r, double value, double tol, size_t i)
{
  double m = isnan(value) ? INFINITY : value / tol;
  if (!s->have[r] || m > s->val[r] / s->tol[r] || isnan(s->val[r])) {
    s->val[r] = isnan(value) ? INFINITY : value;
    s->tol[r] = tol;
    s->worst[r] = i;
    s->have[r] = 1;
  }
}

/* Routes 1 and 2 for candidate k over the first n points (refs given). */
static int fm_ct_routes_fd(fm_ct_stats *s, fm_ct_work *w, const fm_ct_cand *k,
                           const fm_ct_ref *ref, const fm_pointset *ps, size_t n,
                           double *relD)
{
  int st = FM_OK;
  s->relres = 0.0;
  for (size_t i = 0; i < n && st == FM_OK; i++) {
    fm_ct_tr tr;
    st = fm_ct_transport(&tr, w, k, ref[i].tc, ps->x + i * w->d, ref[i].es);
    if (st != FM_OK)
      break;
    double R = ref[i].D + tr.val, Rd = ref[i].Dd + tr.val;
    fm_ct_stat_add(s, FM_CT_R_LOG, fabs(R) / (ref[i].tol_fd + tr.tol), 1.0, i);
    fm_ct_stat_add(s, FM_CT_R_DENS, fabs(Rd) / (ref[i].tol_fdd + tr.tol), 1.0, i);
    double rel = fabs(R) / (fabs(ref[i].D) + tr.mag);
    s->relres = isnan(rel) || rel > s->relres ? rel : s->relres;
    if (relD != NULL)
      relD[i] = fabs(ref[i].D) > 0.0 ? fabs(R) / fabs(ref[i].D) : NAN;
  }
  return st;
}

static int fm_ct_routes_div(fm_ct_stats *s, fm_ct_work *w, const fm_ct_cand *k,
                            fm_ct_ref *ref, const fm_pointset *ps)
{
  int st = FM_OK;
  for (size_t i = 0; i < ps->n && st == FM_OK; i++) {
    double val, tol;
    st = fm_ct_route_div(&val, &tol, w, k, &ref[i], ps, i);
    if (st == FM_OK)
      fm_ct_stat_add(s, FM_CT_R_DIV, val, tol, i);
  }
  return st;
}

/* Route 4 on the first few points; FM_ENOTAVAIL when the schedule has no
 * MPFR twin. */
static int fm_ct_routes_mp(fm_ct_stats *s, const fm_case *c, const fm_ct_cand *k,
                           const fm_ct_ref *ref, const fm_pointset *ps, mpfr_prec_t prec)
{
  fm_ct_mp m;
  int st = fm_ct_mp_alloc(&m, c, prec, k->prior);
  if (st != FM_OK)
    return st;
  size_t n = c->gmm->d >= FM_CT_HIGHD ? FM_CT_MP_POINTS_HIGHD : FM_CT_MP_POINTS;
  n = n < ps->n ? n : ps->n;
  s->mp_raw = 0.0;
  for (size_t i = 0; i < n && st == FM_OK; i++) {
    double rel, raw;
    st = fm_ct_mp_point(&rel, &raw, &m, k, ps, i, ref[i].ell);
    if (st == FM_OK) {
      fm_ct_stat_add(s, FM_CT_R_MP, rel, FM_CT_MP_TOL, i);
      s->mp_raw = fmax(s->mp_raw, raw);
    }
  }
  s->n_mp = n;
  s->prec = (long)prec;
  fm_ct_mp_free(&m);
  return st;
}

static void fm_ct_note_order(fm_verdict *v, const fm_ct_ref *ref, size_t n)
{
  double *o = malloc(n * sizeof *o), omin, omed;
  if (o == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    o[i] = ref[i].order;
  size_t m = fm_min_median(&omin, &omed, o, n);
  free(o);
  if (m == 0) {
    fm_verdict_notef(v, "FD observed order: differences at round-off everywhere");
    return;
  }
  fm_verdict_notef(v, "FD observed order in t min %.2f median %.2f (%zu/%zu points above "
                      "round-off; 2 expected)", omin, omed, m, n);
  if (fabs(omed - 2.0) > FM_CT_ORDER_BAND) {
    fm_verdict_notef(v, "warning: median observed order off 2 by more than %.1f",
                     FM_CT_ORDER_BAND);
    fm_verdict_warn(v);
  }
}

/* Smallest relative sigma' perturbation route 1 detects (first 10 points). */
static int fm_ct_scan(fm_verdict *v, fm_ct_work *w, const fm_ct_ref *ref,
                      const fm_pointset *ps)
{
  size_t n = ps->n < FM_CT_SCAN_POINTS ? ps->n : FM_CT_SCAN_POINTS;
  for (int e = -14; e <= -2; e++) {
    fm_ct_cand k = {1.0 + pow(10.0, e), 0, 0, 1};
    fm_ct_stats s;
    memset(&s, 0, sizeof s);
    int st = fm_ct_routes_fd(&s, w, &k, ref, ps, n, NULL);
    if (st != FM_OK)
      return st;
    if (s.val[FM_CT_R_LOG] > 1.0) {
      fm_verdict_notef(v, "smallest sigma' perturbation detected (of 1e-14..1e-2): "
                          "log form %.0e", pow(10.0, e));
      return FM_OK;
    }
  }
  fm_verdict_notef(v, "smallest sigma' perturbation detected (of 1e-14..1e-2): none");
  return FM_OK;
}

static void fm_ct_record(fm_verdict *v, const fm_ct_stats *s, const fm_pointset *ps)
{
  for (int r = 0; r < FM_CT_NR; r++) {
    if (!s->have[r])
      continue;
    char where[256];
    fm_point_describe(where, sizeof where, ps, s->worst[r]);
    fm_verdict_route(v, fm_ct_route_names[r], s->val[r], s->tol[r], 0.0, where);
  }
}

static void fm_ct_note_rel(fm_verdict *v, const fm_ct_stats *s, const double *relD,
                           size_t n)
{
  double mn, med;
  fm_verdict_notef(v, "largest log-form residual relative to its terms %.3g", s->relres);
  if (fm_min_median(&mn, &med, relD, n) > 0)
    fm_verdict_notef(v, "median |residual|/|d/dt log p| %.3g", med);
  if (s->have[FM_CT_R_MP])
    fm_verdict_notef(v, "MPFR (%ld bits) on %zu points at h = 1e-20: the plain central "
                        "difference would leave %.2g of the terms (hence one Richardson "
                        "step)", s->prec, s->n_mp, s->mp_raw);
}

static int fm_ct_run(fm_verdict *v, fm_ct_work *w, const fm_case *c, const fm_ct_cand *k,
                     const fm_pointset *ps, const fm_check_opts *o, int truth)
{
  fm_ct_ref *ref = calloc(ps->n, sizeof *ref);
  double *relD = calloc(ps->n, sizeof *relD);
  fm_ct_stats s;
  memset(&s, 0, sizeof s);
  int st = ref && relD ? FM_OK : FM_ENOMEM;
  for (size_t i = 0; i < ps->n && st == FM_OK; i++)
    st = fm_ct_ref_fd(&ref[i], w, ps, i);
  st = st ? st : fm_ct_routes_fd(&s, w, k, ref, ps, ps->n, relD);
  st = st ? st : fm_ct_routes_div(&s, w, k, ref, ps);
  mpfr_prec_t prec = o->prec > FM_CT_MP_MINPREC ? (mpfr_prec_t)o->prec : FM_CT_MP_MINPREC;
  int stmp = st ? st : fm_ct_routes_mp(&s, c, k, ref, ps, prec);
  if (stmp != FM_ENOTAVAIL)
    st = stmp;
  if (st == FM_OK) {
    fm_ct_record(v, &s, ps);
    if (stmp == FM_ENOTAVAIL)
      fm_verdict_notef(v, "MPFR route n/a: schedule %s has no MPFR twin",
                       fm_schedule_type_name(c->sched));
    fm_ct_note_rel(v, &s, relD, ps->n);
    fm_ct_note_order(v, ref, ps->n);
    if (truth)
      st = fm_ct_scan(v, w, ref, ps);
  }
  free(ref);
  free(relD);
  return st;
}

static int fm_continuity_check(fm_verdict *v, const fm_case *c, const fm_check_opts *o,
                               int mutant)
{
  if (mutant == FM_CT_PRIOR_W && c->gmm->K == 1) {
    fm_verdict_na(v, "one component: prior and posterior weights coincide");
    return FM_OK;
  }
  fm_ct_cand k = {mutant == FM_CT_SIGMA_OFF ? 1.01 : 1.0, mutant == FM_CT_REVERSED,
                  mutant == FM_CT_PRIOR_W, mutant != FM_CT_NO_DIV};
  fm_pointset *ps;
  int st = fm_pointset_make(&ps, c, fm_check_seed(o, c), fm_check_npoints(o));
  if (st != FM_OK)
    return st;
  fm_ct_work w;
  st = fm_ct_work_alloc(&w, c);
  if (st == FM_OK) {
    st = fm_ct_run(v, &w, c, &k, ps, o, mutant == FM_CT_TRUE);
    fm_ct_work_free(&w);
  }
  fm_pointset_free(ps);
  return st;
}

const fm_theorem fm_thm_continuity = {
    "continuity",
    "d/dt p_t(x) + div(p_t u_t)(x) = 0 for the marginal path and field, "
    "equivalently d/dt log p_t + u_t.grad log p_t + div u_t = 0",
    fm_continuity_check,
    fm_ct_mutants,
};
