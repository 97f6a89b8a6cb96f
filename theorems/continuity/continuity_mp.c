/* continuity_mp.c -- route 4 of theorem `continuity` (continuity.c): the
 * whole residual in MPFR at max(o->prec, 256) bits (below 256 the round-off
 * 2^-prec |log p|/h alone would exceed 1e-40; first 4 points: near 0, near
 * 1, tail, typical; 2 points for d >= 8).  log p from fm_gmm_marginal_mpfr
 * with the schedule's MPFR twin evaluated at t +- h, t +- h/2, h = 1e-20
 * (MPFR abscissae: exact), D = (4 D(h/2) - D(h))/3; div u by the same
 * central differences of the MPFR field in x with step 1e-20 l (l from
 * route 3); score and field at (t, x) from the twin.  Pass iff |R| <= 1e-40
 * (|D| + sum |u_j s_j| + sum_j |du_j/dx_j|).  Why 1e-40 holds with room: the
 * raw difference leaves (h^2/6) f''' ~ 1e-40 f'/rho^2 (rho ~ the distance in t
 * to the nearest singularity, O(0.1) for narrow components near t = 1 --
 * which is why one Richardson step is taken), the extrapolated one
 * (h^4/480) f^(5) ~ 1e-80/rho^4; round-off 2^-256 |log p| / h ~ 1e-57
 * |log p| (the twin is accurate to ~prec bits relative to each output).
 * Schedules without an MPFR twin (expr, table): FM_ENOTAVAIL, and the
 * theorem says n/a in the note.
 */
#include "continuity_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

#define FM_CT_MP_STEP 1e-20

struct fm_ct_mp {
  const fm_case *c;
  mpfr_prec_t prec;
  size_t d, K;
  fm_gmm **one;             /* K one-component GMMs (prior-weighted field) */
  mpfr_t *x, *s, *u, *uk;   /* d each */
  mpfr_t t, tt, h, lp, lm, D1, D2, acc, tmp;
  fm_sched_mp v;
};

void fm_ct_mp_free(fm_ct_mp *m)
{
  if (m == NULL)
    return;
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
  free(m);
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

int fm_ct_mp_alloc(fm_ct_mp **mp, const fm_case *c, mpfr_prec_t prec, int prior)
{
  size_t d = c->gmm->d;
  fm_ct_mp *m = malloc(sizeof *m);
  *mp = NULL;
  if (m == NULL)
    return FM_ENOMEM;
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
  if (st != FM_OK) {
    fm_ct_mp_free(m);
    return st;
  }
  *mp = m;
  return FM_OK;
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

int fm_ct_mp_point(double *rel, double *raw, fm_ct_mp *m, const fm_ct_cand *k,
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
