/* cond_mp.c -- MPFR twins of the conditional Gaussian path (cond.h):
 *   psi_t(x0)  = sigma x0 + alpha x1
 *   u_t(x|x1)  = (sigma'/sigma)(x - alpha x1) + alpha' x1
 *   log p_t(x|x1) = -d/2 log(2 pi sigma^2) - |x - alpha x1|^2 / (2 sigma^2)
 * evaluated literally at `prec` bits from exact double inputs and rounded
 * once to double.  At sigma = 0 the field and log-density are infinite or NaN
 * (MPFR's division by zero), as the formulas are. */
#include "cond.h"

void fm_cond_flow_mp(double *x, const fm_sched_mp *v, const double *x0, const double *x1,
                     size_t d, mpfr_prec_t prec)
{
  mpfr_t a, b;
  mpfr_inits2(prec, a, b, (mpfr_ptr)0);
  for (size_t i = 0; i < d; i++) {
    mpfr_mul_d(a, v->sigma, x0[i], MPFR_RNDN);
    mpfr_mul_d(b, v->alpha, x1[i], MPFR_RNDN);
    mpfr_add(a, a, b, MPFR_RNDN);
    x[i] = mpfr_get_d(a, MPFR_RNDN);
  }
  mpfr_clears(a, b, (mpfr_ptr)0);
}

void fm_cond_field_mp(double *u, const fm_sched_mp *v, const double *x, const double *x1,
                      size_t d, mpfr_prec_t prec)
{
  mpfr_t ratio, r, b;
  mpfr_inits2(prec, ratio, r, b, (mpfr_ptr)0);
  mpfr_div(ratio, v->dsigma, v->sigma, MPFR_RNDN);
  for (size_t i = 0; i < d; i++) {
    mpfr_mul_d(r, v->alpha, x1[i], MPFR_RNDN);
    mpfr_d_sub(r, x[i], r, MPFR_RNDN);                /* x - alpha x1 */
    mpfr_mul(r, r, ratio, MPFR_RNDN);
    mpfr_mul_d(b, v->dalpha, x1[i], MPFR_RNDN);
    mpfr_add(r, r, b, MPFR_RNDN);
    u[i] = mpfr_get_d(r, MPFR_RNDN);
  }
  mpfr_clears(ratio, r, b, (mpfr_ptr)0);
}

double fm_cond_logpdf_mp(const fm_sched_mp *v, const double *x, const double *x1, size_t d,
                         mpfr_prec_t prec)
{
  mpfr_t q, r, s2, c;
  mpfr_inits2(prec, q, r, s2, c, (mpfr_ptr)0);
  mpfr_set_zero(q, 1);
  for (size_t i = 0; i < d; i++) {
    mpfr_mul_d(r, v->alpha, x1[i], MPFR_RNDN);
    mpfr_d_sub(r, x[i], r, MPFR_RNDN);
    mpfr_sqr(r, r, MPFR_RNDN);
    mpfr_add(q, q, r, MPFR_RNDN);                     /* |x - alpha x1|^2 */
  }
  mpfr_sqr(s2, v->sigma, MPFR_RNDN);
  mpfr_div(q, q, s2, MPFR_RNDN);
  mpfr_div_si(q, q, -2, MPFR_RNDN);
  mpfr_const_pi(c, MPFR_RNDN);
  mpfr_mul_ui(c, c, 2, MPFR_RNDN);
  mpfr_mul(c, c, s2, MPFR_RNDN);
  mpfr_log(c, c, MPFR_RNDN);                           /* log(2 pi sigma^2) */
  mpfr_mul_d(c, c, -0.5 * (double)d, MPFR_RNDN);
  mpfr_add(q, q, c, MPFR_RNDN);
  double out = mpfr_get_d(q, MPFR_RNDN);
  mpfr_clears(q, r, s2, c, (mpfr_ptr)0);
  return out;
}
