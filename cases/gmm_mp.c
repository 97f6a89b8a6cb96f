/* gmm_mp.c -- the MPFR twin of the GMM marginal path (gmm.h), cases/README.md
 * evaluated literally:
 *   C_k = alpha^2 S_k + sigma^2 I,  r_k = x - alpha m_k,  z_k = C_k^{-1} r_k
 *   N_k = w_k (2 pi)^{-d/2} det(C_k)^{-1/2} exp(-r_k.z_k / 2)
 *   p = sum_k N_k,  gamma_k = N_k / p,  log p = log(p)
 *   E[x1|x] = sum_k gamma_k (m_k + alpha S_k z_k)
 *   score   = -sum_k gamma_k z_k
 *   u       = (sigma'/sigma) x + (alpha' - sigma' alpha/sigma) E[x1|x]
 * It shares no algorithm with the double code (gmm_path.c): Gaussian
 * elimination with partial pivoting instead of Cholesky, direct densities and
 * plain sums instead of log-sum-exp, the 1/sigma form of u instead of the
 * rearranged one.  Plain sums are safe because MPFR's exponent range, widened
 * here to its maximum, holds exp(-r.z/2) for r.z up to ~6e18 (1e9 standard
 * deviations); p = 0 is reported as FM_ENONFIN rather than guessed.
 *
 * At sigma = 0 (t = 1 with sigma_min = 0) the literal u is 0 * Inf; there
 * x - alpha E = sigma^2 sum_k gamma_k z_k vanishes identically and u is its
 * limit alpha' E, which is what is returned.
 *
 * Precision.  The literal u cancels as sigma -> 0: (sigma'/sigma) x and
 * -(sigma' alpha/sigma) E agree to about 1/sigma^2 (x - alpha E = sigma^2
 * sum gamma z), e.g. 2^38 for cosine at t = 1 - 1e-6; the sums for E and the
 * score can cancel too.  So after an evaluation at working precision wp the
 * bits lost in every output entry are measured (exponent of the largest term
 * minus exponent of the result) and, if fewer than `need` bits would remain,
 * the evaluation is repeated once at need + lost + FM_GMM_MP_GUARD bits.
 * need is 64 for the double outputs of fm_gmm_marginal_mp (so its results are
 * correctly rounded except in near-ties) and prec for fm_gmm_marginal_mpfr
 * (whose results are then accurate to about prec bits relative to each
 * entry, the contract its high-precision residuals rely on).
 */
#include "gmm.h"

#include <limits.h>
#include <math.h>

#include "mp.h"

#define FM_GMM_MP_GUARD 32
/* precision of the term-magnitude accumulators (only exponents matter) */
#define FM_GMM_MP_MAGPREC 32

/* Per-call workspace: every MPFR variable one evaluation needs. */
typedef struct {
  size_t d, K;
  mpfr_prec_t wp;
  mpfr_t *C;     /* d*d, C_k (destroyed by the elimination) */
  mpfr_t *r;     /* d, r_k */
  mpfr_t *z;     /* K*d, z_k */
  mpfr_t *N;     /* K, component densities, then gamma_k */
  mpfr_t *mean;  /* d */
  mpfr_t *score; /* d */
  mpfr_t *u;     /* d */
  mpfr_t *mag;   /* 3*d term magnitudes of score, mean, u (FM_GMM_MP_MAGPREC) */
  mpfr_t det, q, tmp, tmp2, sz, a2, s2, norm, p, logp, am;
} fm_gmm_mp_work;

static void fm_gmm_mp_work_free(fm_gmm_mp_work *w)
{
  size_t d = w->d, K = w->K;
  fm_mp_mat_free(w->C, d);
  fm_mp_vec_free(w->r, d);
  fm_mp_vec_free(w->z, K * d);
  fm_mp_vec_free(w->N, K);
  fm_mp_vec_free(w->mean, d);
  fm_mp_vec_free(w->score, d);
  fm_mp_vec_free(w->u, d);
  fm_mp_vec_free(w->mag, 3 * d);
  mpfr_clears(w->det, w->q, w->tmp, w->tmp2, w->sz, w->a2, w->s2, w->norm, w->p,
              w->logp, w->am, (mpfr_ptr)0);
}

static int fm_gmm_mp_work_alloc(fm_gmm_mp_work *w, size_t d, size_t K, mpfr_prec_t wp)
{
  *w = (fm_gmm_mp_work){.d = d, .K = K, .wp = wp};
  mpfr_inits2(wp, w->det, w->q, w->tmp, w->tmp2, w->sz, w->a2, w->s2, w->norm, w->p,
              w->logp, (mpfr_ptr)0);
  mpfr_init2(w->am, FM_GMM_MP_MAGPREC);
  int st = fm_mp_mat_alloc(&w->C, d, wp);
  st = st ? st : fm_mp_vec_alloc(&w->r, d, wp);
  st = st ? st : fm_mp_vec_alloc(&w->z, K * d, wp);
  st = st ? st : fm_mp_vec_alloc(&w->N, K, wp);
  st = st ? st : fm_mp_vec_alloc(&w->mean, d, wp);
  st = st ? st : fm_mp_vec_alloc(&w->score, d, wp);
  st = st ? st : fm_mp_vec_alloc(&w->u, d, wp);
  st = st ? st : fm_mp_vec_alloc(&w->mag, 3 * d, FM_GMM_MP_MAGPREC);
  if (st != FM_OK)
    fm_gmm_mp_work_free(w);
  return st;
}

/* N_k and z_k for component k: build C_k, eliminate, N_k from det and r.z. */
static int fm_gmm_mp_component(fm_gmm_mp_work *w, const fm_gmm *g, const fm_sched_mp *v,
                               mpfr_t *x, size_t k)
{
  size_t d = w->d;
  const double *m = g->mean + k * d, *S = g->cov + k * d * d;
  for (size_t i = 0; i < d; i++) {
    mpfr_mul_d(w->tmp, v->alpha, m[i], MPFR_RNDN);
    mpfr_sub(w->r[i], x[i], w->tmp, MPFR_RNDN);
    for (size_t j = 0; j < d; j++)
      mpfr_mul_d(w->C[i * d + j], w->a2, S[i * d + j], MPFR_RNDN);
    mpfr_add(w->C[i * d + i], w->C[i * d + i], w->s2, MPFR_RNDN);
  }
  int st = fm_mp_gauss_solve(w->z + k * d, w->det, w->C, w->r, d);
  if (st != FM_OK)
    return st;
  if (mpfr_sgn(w->det) <= 0)
    return FM_ENOTPD;
  fm_mp_dot(w->q, w->r, w->z + k * d, d);
  mpfr_div_si(w->q, w->q, -2, MPFR_RNDN);
  mpfr_exp(w->N[k], w->q, MPFR_RNDN);               /* exp(-r.z/2) */
  mpfr_sqrt(w->tmp, w->det, MPFR_RNDN);
  mpfr_div(w->N[k], w->N[k], w->tmp, MPFR_RNDN);
  mpfr_mul(w->N[k], w->N[k], w->norm, MPFR_RNDN);
  mpfr_mul_d(w->N[k], w->N[k], g->w[k], MPFR_RNDN);
  return FM_OK;
}

/* mag += |a| (a low-precision running sum of term sizes). */
static void fm_gmm_mp_mag_add(mpfr_t mag, mpfr_t a, mpfr_t scratch)
{
  mpfr_abs(scratch, a, MPFR_RNDN);
  mpfr_add(mag, mag, scratch, MPFR_RNDU);
}

/* (S_k z_k)_i into w->sz, and the size of its terms times |alpha| into w->am. */
static void fm_gmm_mp_Sz(fm_gmm_mp_work *w, const double *Srow, mpfr_t *z,
                         const fm_sched_mp *v)
{
  mpfr_set_zero(w->sz, 1);
  mpfr_set_zero(w->am, 1);
  for (size_t j = 0; j < w->d; j++) {
    mpfr_mul_d(w->tmp, z[j], Srow[j], MPFR_RNDN);
    mpfr_add(w->sz, w->sz, w->tmp, MPFR_RNDN);
    fm_gmm_mp_mag_add(w->am, w->tmp, w->tmp2);
  }
  mpfr_mul(w->am, w->am, v->alpha, MPFR_RNDU);
  mpfr_abs(w->am, w->am, MPFR_RNDN);
}

/* score = -sum_k gamma_k z_k and, when need_mean, mean = sum_k gamma_k
 * (m_k + alpha S_k z_k) (gamma_k is in N[k]); mag[0..d) and mag[d..2d) get
 * the sizes of their terms. */
static void fm_gmm_mp_posterior(fm_gmm_mp_work *w, const fm_gmm *g, const fm_sched_mp *v,
                                int need_mean)
{
  size_t d = w->d;
  for (size_t i = 0; i < d; i++) {
    mpfr_set_zero(w->mean[i], 1);
    mpfr_set_zero(w->score[i], 1);
  }
  for (size_t i = 0; i < 3 * d; i++)
    mpfr_set_zero(w->mag[i], 1);
  for (size_t k = 0; k < w->K; k++) {
    const double *m = g->mean + k * d, *S = g->cov + k * d * d;
    mpfr_t *z = w->z + k * d;
    for (size_t i = 0; i < d; i++) {
      mpfr_mul(w->tmp, z[i], w->N[k], MPFR_RNDN);
      mpfr_sub(w->score[i], w->score[i], w->tmp, MPFR_RNDN);
      fm_gmm_mp_mag_add(w->mag[i], w->tmp, w->tmp2);
      if (!need_mean)
        continue;
      fm_gmm_mp_Sz(w, S + i * d, z, v);
      mpfr_mul(w->tmp, w->sz, v->alpha, MPFR_RNDN);
      mpfr_add_d(w->tmp, w->tmp, m[i], MPFR_RNDN);
      mpfr_mul(w->tmp, w->tmp, w->N[k], MPFR_RNDN);
      mpfr_add(w->mean[i], w->mean[i], w->tmp, MPFR_RNDN);
      /* term size gamma_k (|m_ki| + |alpha| sum_j |S_ij z_j|) */
      mpfr_add_d(w->am, w->am, fabs(m[i]), MPFR_RNDU);
      mpfr_mul(w->am, w->am, w->N[k], MPFR_RNDU);
      mpfr_add(w->mag[d + i], w->mag[d + i], w->am, MPFR_RNDU);
    }
  }
}

/* u = (sigma'/sigma) x + (alpha' - sigma' alpha/sigma) mean; alpha' mean at
 * sigma = 0 (see the header comment).  mag[2d..3d) gets the term sizes. */
static void fm_gmm_mp_field(fm_gmm_mp_work *w, const fm_sched_mp *v, mpfr_t *x)
{
  size_t d = w->d;
  if (mpfr_zero_p(v->sigma)) {
    for (size_t i = 0; i < d; i++) {
      mpfr_mul(w->u[i], v->dalpha, w->mean[i], MPFR_RNDN);
      mpfr_mul(w->mag[2 * d + i], w->mag[d + i], v->dalpha, MPFR_RNDU);
      mpfr_abs(w->mag[2 * d + i], w->mag[2 * d + i], MPFR_RNDN);
    }
    return;
  }
  mpfr_div(w->q, v->dsigma, v->sigma, MPFR_RNDN);   /* sigma'/sigma */
  mpfr_mul(w->tmp, w->q, v->alpha, MPFR_RNDN);
  mpfr_sub(w->tmp, v->dalpha, w->tmp, MPFR_RNDN);   /* alpha' - sigma' alpha/sigma */
  for (size_t i = 0; i < d; i++) {
    mpfr_mul(w->u[i], w->q, x[i], MPFR_RNDN);
    mpfr_abs(w->mag[2 * d + i], w->u[i], MPFR_RNDU);
    mpfr_mul(w->am, w->mag[d + i], w->tmp, MPFR_RNDU);
    mpfr_abs(w->am, w->am, MPFR_RNDN);
    mpfr_add(w->mag[2 * d + i], w->mag[2 * d + i], w->am, MPFR_RNDU);
    mpfr_mul(w->tmp2, w->tmp, w->mean[i], MPFR_RNDN);
    mpfr_add(w->u[i], w->u[i], w->tmp2, MPFR_RNDN);
  }
}

/* The whole evaluation into w (run with the exponent range widened). */
static int fm_gmm_mp_eval(fm_gmm_mp_work *w, const fm_gmm *g, const fm_sched_mp *v,
                          mpfr_t *x, int need_mean)
{
  size_t d = w->d, K = w->K;
  mpfr_sqr(w->a2, v->alpha, MPFR_RNDN);
  mpfr_sqr(w->s2, v->sigma, MPFR_RNDN);
  mpfr_const_pi(w->norm, MPFR_RNDN);
  mpfr_mul_ui(w->norm, w->norm, 2, MPFR_RNDN);
  mpfr_pow_ui(w->norm, w->norm, (unsigned long)d, MPFR_RNDN);
  mpfr_rec_sqrt(w->norm, w->norm, MPFR_RNDN);       /* (2 pi)^{-d/2} */
  for (size_t k = 0; k < K; k++) {
    int st = fm_gmm_mp_component(w, g, v, x, k);
    if (st != FM_OK)
      return st;
  }
  fm_mp_sum(w->p, w->N, K);
  if (mpfr_zero_p(w->p) || !mpfr_number_p(w->p))
    return FM_ENONFIN;
  mpfr_log(w->logp, w->p, MPFR_RNDN);
  for (size_t k = 0; k < K; k++)
    mpfr_div(w->N[k], w->N[k], w->p, MPFR_RNDN);   /* gamma_k */
  fm_gmm_mp_posterior(w, g, v, need_mean);
  if (need_mean)
    fm_gmm_mp_field(w, v, x);
  return FM_OK;
}

/* Bits lost to cancellation in the worst output entry: exponent of its
 * term size minus exponent of its value (LONG_MAX for an exact 0 from
 * nonzero terms). */
static long fm_gmm_mp_lost_bits(const fm_gmm_mp_work *w, int need_mean)
{
  long lost = 0;
  size_t d = w->d, n = need_mean ? 3 : 1;
  for (size_t o = 0; o < n; o++) {
    mpfr_t *val = o == 0 ? w->score : (o == 1 ? w->mean : w->u);
    for (size_t i = 0; i < d; i++) {
      mpfr_srcptr mag = w->mag[o * d + i];
      if (mpfr_zero_p(mag) || !mpfr_number_p(mag))
        continue;
      if (mpfr_zero_p(val[i]))
        return LONG_MAX;
      long l = (long)(mpfr_get_exp(mag) - mpfr_get_exp(val[i]));
      if (l > lost)
        lost = l;
    }
  }
  return lost;
}

/* Evaluates into *w, allocated here at the working precision finally used
 * (see the header comment); on FM_OK the caller reads and frees *w. */
static int fm_gmm_mp_run(fm_gmm_mp_work *w, const fm_gmm *g, const fm_sched_mp *v,
                         mpfr_t *x, int need_mean, mpfr_prec_t prec, mpfr_prec_t need)
{
  for (size_t i = 0; i < g->d; i++)
    if (!mpfr_number_p(x[i]))
      return FM_ENONFIN;
  mpfr_prec_t wp = prec;
  for (int attempt = 0; attempt < 2; attempt++) {
    int st = fm_gmm_mp_work_alloc(w, g->d, g->K, wp);
    if (st != FM_OK)
      return st;
    st = fm_gmm_mp_eval(w, g, v, x, need_mean);
    if (st != FM_OK) {
      fm_gmm_mp_work_free(w);
      return st;
    }
    long lost = fm_gmm_mp_lost_bits(w, need_mean);
    /* an exact 0 from nonzero terms: retry with prec more bits, then accept */
    if (lost > (long)prec)
      lost = (long)prec;
    if (attempt == 1 || (long)wp - lost - FM_GMM_MP_GUARD / 2 >= (long)need)
      return FM_OK;
    fm_gmm_mp_work_free(w);
    wp = need + (mpfr_prec_t)lost + FM_GMM_MP_GUARD;
  }
  return FM_OK; /* not reached */
}

static void fm_gmm_mp_copy_out(mpfr_t *dst, mpfr_t *src, size_t d)
{
  if (dst == NULL)
    return;
  for (size_t i = 0; i < d; i++)
    mpfr_set(dst[i], src[i], MPFR_RNDN);
}

static void fm_gmm_mp_check_range(mpfr_t *v, size_t d)
{
  if (v == NULL)
    return;
  for (size_t i = 0; i < d; i++)
    mpfr_check_range(v[i], 0, MPFR_RNDN);
}

int fm_gmm_marginal_mpfr(mpfr_t logp, mpfr_t *score, mpfr_t *mean, mpfr_t *u,
                         const fm_gmm *g, const fm_sched_mp *v, mpfr_t *x,
                         mpfr_prec_t prec)
{
  fm_mp_erange saved;
  fm_mp_erange_widen(&saved);
  fm_gmm_mp_work w;
  int need_mean = mean != NULL || u != NULL;
  int st = fm_gmm_mp_run(&w, g, v, x, need_mean, prec + FM_GMM_MP_GUARD, prec);
  if (st == FM_OK) {
    if (logp != NULL)
      mpfr_set(logp, w.logp, MPFR_RNDN);
    fm_gmm_mp_copy_out(score, w.score, g->d);
    fm_gmm_mp_copy_out(mean, w.mean, g->d);
    fm_gmm_mp_copy_out(u, w.u, g->d);
    fm_gmm_mp_work_free(&w);
  }
  fm_mp_erange_restore(&saved);
  /* the results are moderate numbers; check_range makes that formal */
  if (logp != NULL)
    mpfr_check_range(logp, 0, MPFR_RNDN);
  fm_gmm_mp_check_range(score, g->d);
  fm_gmm_mp_check_range(mean, g->d);
  fm_gmm_mp_check_range(u, g->d);
  return st;
}

static void fm_gmm_mp_get_d(double *dst, mpfr_t *src, size_t d)
{
  if (dst != NULL)
    fm_mp_vec_get_d(dst, src, d);
}

/* 53 bits of a double plus margin for a correctly rounded result */
#define FM_GMM_MP_DOUBLE_NEED 64

int fm_gmm_marginal_mp(double *logp, double *score, double *mean, double *u,
                       int *exact_schedule, const fm_gmm *g, const fm_schedule *s,
                       double t, const double *x, mpfr_prec_t prec)
{
  for (size_t i = 0; i < g->d; i++)
    if (!isfinite(x[i]))
      return FM_ENONFIN;
  fm_sched_mp v;
  fm_sched_mp_init(&v, prec);
  int st = fm_schedule_eval_mp_or_double(&v, exact_schedule, s, t);
  if (st != FM_OK) {
    fm_sched_mp_clear(&v);
    return st;
  }
  mpfr_t *xm = NULL;
  st = fm_mp_vec_alloc(&xm, g->d, 64);             /* doubles are exact in 64 bits */
  if (st != FM_OK) {
    fm_sched_mp_clear(&v);
    return st;
  }
  fm_mp_vec_set_d(xm, x, g->d);
  fm_mp_erange saved;
  fm_mp_erange_widen(&saved);
  fm_gmm_mp_work w;
  int need_mean = mean != NULL || u != NULL;
  st = fm_gmm_mp_run(&w, g, &v, xm, need_mean, prec, FM_GMM_MP_DOUBLE_NEED);
  if (st == FM_OK) {
    if (logp != NULL)
      *logp = mpfr_get_d(w.logp, MPFR_RNDN);
    fm_gmm_mp_get_d(score, w.score, g->d);
    fm_gmm_mp_get_d(mean, w.mean, g->d);
    fm_gmm_mp_get_d(u, w.u, g->d);
    fm_gmm_mp_work_free(&w);
  }
  fm_mp_vec_free(xm, g->d);
  fm_sched_mp_clear(&v);
  fm_mp_erange_restore(&saved);
  return st;
}
