/* schedule_mp.c -- MPFR twins of the built-in schedules.
 *
 * These are the references the double code (schedule_builtin.c) is checked
 * against, so they use the TEXTBOOK forms -- the ones the double code
 * deliberately avoids -- and rely on precision instead of rearrangement:
 *   cond_ot    alpha = t, sigma = 1 - (1 - sigma_min) t
 *   vp         alpha = exp(-T(1-t)/2), sigma = sqrt(1 - alpha^2),
 *              alpha' = alpha beta(1-t)/2, sigma' = -alpha alpha'/sigma
 *   ve         sigma = sigma_min (sigma_max/sigma_min)^(1-t)  (mpfr_pow)
 *   cosine     alpha = sin(pi t/2), sigma = cos(pi t/2)      (mpfr_sinu/cosu:
 *              no rounded pi inside, so cos(pi/2) is exactly 0)
 *   polynomial alpha = t^n, sigma = 1 - t^n, alpha' = n t^(n-1)
 *   linear_vp  sigma = sqrt(1 - t^2), sigma' = -t/sigma
 * Each works at the precision of v plus FM_SCHED_MP_GUARD bits: the textbook
 * forms cancel near t = 1 (1 - alpha^2, 1 - t^n, 1 - t^2 lose about
 * log2(1/(1-t)) <= 53 bits for a double t < 1), and the guard bits absorb
 * that loss so the results are accurate to the full precision of v.
 * Where a derivative is infinite (sigma' at t = 1 when sigma_1 = 0 for vp and
 * linear_vp, alpha' at t = 0 for polynomial n < 1) the values are still
 * stored (the infinite one as an MPFR infinity) and FM_ESING is returned.
 */
#include "schedule_impl.h"

#define FM_SCHED_MP_GUARD 64

/* Working variables at the guarded precision of v. */
typedef struct {
  mpfr_t a, b, c, d, e;
} fm_sched_work;

static void fm_sched_work_init(fm_sched_work *w, const fm_sched_mp *v)
{
  mpfr_prec_t wp = mpfr_get_prec(v->alpha) + FM_SCHED_MP_GUARD;
  mpfr_inits2(wp, w->a, w->b, w->c, w->d, w->e, (mpfr_ptr)0);
}

static void fm_sched_work_clear(fm_sched_work *w)
{
  mpfr_clears(w->a, w->b, w->c, w->d, w->e, (mpfr_ptr)0);
}

/* FM_ESING when either derivative is infinite, else FM_OK. */
static int fm_sched_mp_status(const fm_sched_mp *v)
{
  return (mpfr_inf_p(v->dalpha) || mpfr_inf_p(v->dsigma)) ? FM_ESING : FM_OK;
}

int fm_sched_cond_ot_mp(fm_sched_mp *v, const fm_schedule *s, const mpfr_t t)
{
  fm_sched_work w;
  fm_sched_work_init(&w, v);
  mpfr_set_d(w.a, s->par[0], MPFR_RNDN);           /* sigma_min */
  mpfr_ui_sub(w.a, 1, w.a, MPFR_RNDN);              /* 1 - sigma_min */
  mpfr_mul(w.b, w.a, t, MPFR_RNDN);
  mpfr_ui_sub(v->sigma, 1, w.b, MPFR_RNDN);
  mpfr_set(v->alpha, t, MPFR_RNDN);
  mpfr_set_ui(v->dalpha, 1, MPFR_RNDN);
  mpfr_neg(v->dsigma, w.a, MPFR_RNDN);
  fm_sched_work_clear(&w);
  return FM_OK;
}

/* T(s) = beta_min s + (beta_max - beta_min) s^2/2, beta(s) = T'(s), s = 1-t. */
int fm_sched_vp_mp(fm_sched_mp *v, const fm_schedule *s, const mpfr_t t)
{
  fm_sched_work w;
  fm_sched_work_init(&w, v);
  mpfr_ui_sub(w.a, 1, t, MPFR_RNDN);                /* s */
  mpfr_set_d(w.b, s->par[1], MPFR_RNDN);
  mpfr_sub_d(w.b, w.b, s->par[0], MPFR_RNDN);       /* beta_max - beta_min */
  mpfr_mul(w.c, w.b, w.a, MPFR_RNDN);
  mpfr_add_d(w.c, w.c, s->par[0], MPFR_RNDN);       /* beta(s) */
  mpfr_mul(w.d, w.b, w.a, MPFR_RNDN);
  mpfr_mul(w.d, w.d, w.a, MPFR_RNDN);
  mpfr_div_ui(w.d, w.d, 2, MPFR_RNDN);
  mpfr_mul_d(w.e, w.a, s->par[0], MPFR_RNDN);
  mpfr_add(w.d, w.d, w.e, MPFR_RNDN);               /* T(s) */
  mpfr_div_si(w.d, w.d, -2, MPFR_RNDN);
  mpfr_exp(w.a, w.d, MPFR_RNDN);                    /* alpha */
  mpfr_sqr(w.b, w.a, MPFR_RNDN);
  mpfr_ui_sub(w.b, 1, w.b, MPFR_RNDN);
  mpfr_sqrt(w.b, w.b, MPFR_RNDN);                   /* sigma */
  mpfr_mul(w.c, w.c, w.a, MPFR_RNDN);
  mpfr_div_ui(w.c, w.c, 2, MPFR_RNDN);              /* alpha' */
  mpfr_mul(w.d, w.a, w.c, MPFR_RNDN);
  mpfr_div(w.d, w.d, w.b, MPFR_RNDN);
  mpfr_neg(w.d, w.d, MPFR_RNDN);                    /* sigma' (-Inf at sigma = 0) */
  mpfr_set(v->alpha, w.a, MPFR_RNDN);
  mpfr_set(v->sigma, w.b, MPFR_RNDN);
  mpfr_set(v->dalpha, w.c, MPFR_RNDN);
  mpfr_set(v->dsigma, w.d, MPFR_RNDN);
  fm_sched_work_clear(&w);
  return fm_sched_mp_status(v);
}

int fm_sched_ve_mp(fm_sched_mp *v, const fm_schedule *s, const mpfr_t t)
{
  fm_sched_work w;
  fm_sched_work_init(&w, v);
  mpfr_set_d(w.a, s->par[1], MPFR_RNDN);
  mpfr_div_d(w.a, w.a, s->par[0], MPFR_RNDN);       /* sigma_max / sigma_min */
  mpfr_ui_sub(w.b, 1, t, MPFR_RNDN);
  mpfr_pow(w.c, w.a, w.b, MPFR_RNDN);
  mpfr_mul_d(w.c, w.c, s->par[0], MPFR_RNDN);       /* sigma */
  mpfr_log(w.d, w.a, MPFR_RNDN);
  mpfr_mul(w.d, w.d, w.c, MPFR_RNDN);
  mpfr_set_ui(v->alpha, 1, MPFR_RNDN);
  mpfr_set(v->sigma, w.c, MPFR_RNDN);
  mpfr_set_zero(v->dalpha, 1);
  mpfr_neg(v->dsigma, w.d, MPFR_RNDN);
  fm_sched_work_clear(&w);
  return FM_OK;
}

int fm_sched_cosine_mp(fm_sched_mp *v, const fm_schedule *s, const mpfr_t t)
{
  (void)s;
  fm_sched_work w;
  fm_sched_work_init(&w, v);
  /* sinu(t, 4) = sin(2 pi t / 4) */
  mpfr_sinu(w.a, t, 4, MPFR_RNDN);
  mpfr_cosu(w.b, t, 4, MPFR_RNDN);
  mpfr_const_pi(w.c, MPFR_RNDN);
  mpfr_div_ui(w.c, w.c, 2, MPFR_RNDN);
  mpfr_set(v->alpha, w.a, MPFR_RNDN);
  mpfr_set(v->sigma, w.b, MPFR_RNDN);
  mpfr_mul(v->dalpha, w.c, w.b, MPFR_RNDN);
  mpfr_mul(w.d, w.c, w.a, MPFR_RNDN);
  mpfr_neg(v->dsigma, w.d, MPFR_RNDN);
  fm_sched_work_clear(&w);
  return FM_OK;
}

/* alpha' = n t^(n-1): mpfr_pow gives +Inf at t = 0 for n < 1 (the
 * singularity), 1 for n = 1 and 0 for n > 1 -- no special case needed. */
int fm_sched_polynomial_mp(fm_sched_mp *v, const fm_schedule *s, const mpfr_t t)
{
  fm_sched_work w;
  fm_sched_work_init(&w, v);
  mpfr_set_d(w.a, s->par[0], MPFR_RNDN);            /* n */
  mpfr_pow(w.b, t, w.a, MPFR_RNDN);                 /* t^n */
  mpfr_sub_ui(w.c, w.a, 1, MPFR_RNDN);
  mpfr_pow(w.d, t, w.c, MPFR_RNDN);
  mpfr_mul(w.d, w.d, w.a, MPFR_RNDN);               /* n t^(n-1) */
  mpfr_set(v->alpha, w.b, MPFR_RNDN);
  mpfr_ui_sub(v->sigma, 1, w.b, MPFR_RNDN);
  mpfr_set(v->dalpha, w.d, MPFR_RNDN);
  mpfr_neg(v->dsigma, w.d, MPFR_RNDN);
  fm_sched_work_clear(&w);
  return fm_sched_mp_status(v);
}

int fm_sched_linear_vp_mp(fm_sched_mp *v, const fm_schedule *s, const mpfr_t t)
{
  (void)s;
  fm_sched_work w;
  fm_sched_work_init(&w, v);
  mpfr_sqr(w.a, t, MPFR_RNDN);
  mpfr_ui_sub(w.a, 1, w.a, MPFR_RNDN);
  mpfr_sqrt(w.a, w.a, MPFR_RNDN);                   /* sigma */
  mpfr_div(w.b, t, w.a, MPFR_RNDN);                 /* +Inf at t = 1 */
  mpfr_set(v->alpha, t, MPFR_RNDN);
  mpfr_set(v->sigma, w.a, MPFR_RNDN);
  mpfr_set_ui(v->dalpha, 1, MPFR_RNDN);
  mpfr_neg(v->dsigma, w.b, MPFR_RNDN);
  fm_sched_work_clear(&w);
  return fm_sched_mp_status(v);
}
