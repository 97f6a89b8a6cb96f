/* continuity_field.c -- the candidate field of theorem `continuity`
 * (continuity.c) in double: u and its closed-form divergence (gmm_post.h),
 * the analytic part u.s + div u of the residual with its error bound
 * tol_an (routes 1 and 2), and route 3.
 *
 * tol_an, the error of the analytic terms: (B_u + 4 e_s U) |s| +
 * |u| (B_s + 4 e_s S) + d eps sum |u_j s_j| + e_div, with B_u, B_s the
 * rounding bounds of path_err.h (U, S the scales of the field's and the
 * score's terms; 4 e_s for the schedule values and derivatives they
 * contain), and e_div = (8 e_s + 4 (3d+3) kappa_C (1 + q_max) eps +
 * d kappa_S eps) |terms of div u|: z_k is accurate to (3d+3) kappa_C eps
 * relative (Cholesky, Higham Thm 10.4), the weights to that times q_max
 * (q enters the exponent), a term multiplies at most four such inputs,
 * the traces carry the eigenvalues' d kappa_S eps, and alpha' alpha,
 * sigma sigma', alpha^2, sigma^2 two schedule errors each.
 *
 * Route 3 -- div u: closed form vs finite differences in x.  At x~ (x moved
 * onto a grid of spacing h_fin,x so that x~ +- h e_j are exact) each
 * d u_j/d x_j by Richardson central differences, h0,x = the largest power of
 * two <= l/4 with l = min(sqrt(min eig C_k), min over pairs of
 * sqrt(log(gamma_k/gamma_j)^2 + pi^2)/|z_k - z_j|): the narrowest component,
 * and the distance to the nearest complex pole of a posterior weight (the
 * logistic 1/(1 + e^-y) has poles at y = +-i pi).  tol = sum_j err_j +
 * 2 d (2 B_u)/h_fin,x + e_div (B_u at x~, doubled to cover the stencil).
 */
#include "continuity_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fdiff.h"

void fm_ct_work_free(fm_ct_work *w)
{
  fm_gmm_path_free(w->pt);
  fm_gmm_path_free(w->pc);
  fm_gpost_free(w->post);
  fm_path_err_free(w->pe);
  free(w->s);
}

int fm_ct_work_alloc(fm_ct_work *w, const fm_case *c)
{
  size_t d = c->gmm->d;
  *w = (fm_ct_work){.c = c, .d = d};
  int st = fm_gmm_path_alloc(&w->pt, c->gmm);
  st = st ? st : fm_gmm_path_alloc(&w->pc, c->gmm);
  st = st ? st : fm_gpost_alloc(&w->post, c->gmm);
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
    fm_gpost_prior_field(u, w->post, w->pt, vc);
  if (div != NULL) {
    fm_gpost_val pv;
    fm_gpost_eval(&pv, w->post, pf, vc,
                     k->prior ? FM_GPOST_PRIOR : FM_GPOST_POSTERIOR);
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
         d * fm_gpost_cond_S(w->post) * FM_CT_EPS;
}

static double fm_ct_norm2(const double *a, size_t n)
{
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += a[i] * a[i];
  return sqrt(s);
}

int fm_ct_transport(fm_ct_tr *tr, fm_ct_work *w, const fm_ct_cand *k, double t,
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
  double l = sqrt(fm_gpost_cmin(w->post, v));
  for (size_t a = 0; a < g->K; a++)
    for (size_t b = a + 1; b < g->K; b++) {
      if (!(gam[a] > 0.0 && gam[b] > 0.0))
        continue;
      double dz = 0.0;
      for (size_t j = 0; j < d; j++)
        dz += (z[a * d + j] - z[b * d + j]) * (z[a * d + j] - z[b * d + j]);
      double y = log(gam[a] / gam[b]);
      if (dz > 0.0)
        l = fmin(l, fm_ct_pole_radius(y, sqrt(dz)));
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

int fm_ct_route_div(double *val, double *tol, fm_ct_work *w, const fm_ct_cand *k,
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
