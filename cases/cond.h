/* cond.h -- the conditional Gaussian path given one data point x1
 * (cases/README.md), in double:
 *   psi_t(x0)   = sigma_t x0 + alpha_t x1                (conditional flow)
 *   p_t(x|x1)   = N(x; alpha_t x1, sigma_t^2 I)
 *   u_t(x|x1)   = (sigma'/sigma)(x - alpha x1) + alpha' x1
 *   grad_x log p_t(x|x1) = -(x - alpha x1) / sigma^2
 * MPFR twins end in _mp and take schedule values in MPFR.
 */
#ifndef FM_COND_H
#define FM_COND_H

#include <stddef.h>

#include "schedule.h"

void fm_cond_flow(double *x, const fm_sched_val *v, const double *x0, const double *x1,
                  size_t d);
void fm_cond_field(double *u, const fm_sched_val *v, const double *x, const double *x1,
                   size_t d);
double fm_cond_logpdf(const fm_sched_val *v, const double *x, const double *x1, size_t d);
void fm_cond_score(double *s, const fm_sched_val *v, const double *x, const double *x1,
                   size_t d);

/* MPFR twins: inputs x, x1 in double (exact), results rounded to double. */
void fm_cond_field_mp(double *u, const fm_sched_mp *v, const double *x, const double *x1,
                      size_t d, mpfr_prec_t prec);
void fm_cond_flow_mp(double *x, const fm_sched_mp *v, const double *x0, const double *x1,
                     size_t d, mpfr_prec_t prec);
double fm_cond_logpdf_mp(const fm_sched_mp *v, const double *x, const double *x1, size_t d,
                         mpfr_prec_t prec);

#endif
