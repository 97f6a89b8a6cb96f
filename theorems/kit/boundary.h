/* boundary.h -- the cost of a schedule's noise-end boundary break.
 *
 * With alpha_0 != 0 or sigma_0 != 1 the path's noise end is not the prior:
 * p_0 = sum_k w_k N(a0 m_k, a0^2 S_k + s0^2 I) while sampling starts from
 * Q = N(0, q^2 I) (q = 1; q = sigma_max for VE, judged against its own
 * prior).  The cost is measured in KL divergence, both directions, by
 * closed-form Gaussian KLs and joint convexity (derivation in boundary.c).
 */
#ifndef FM_BOUNDARY_H
#define FM_BOUNDARY_H

#include "gmm.h"

/* Upper bounds (exact for one component), in nats:
 *   *kl_pq >= KL(p_0 || Q),   *kl_qp >= KL(Q || p_0),
 * and a lower bound *kl_pq_low <= KL(p_0 || Q) (may be NULL; equal to
 * *kl_pq for one component).  FM_EINVAL unless q > 0 and every
 * a0^2 lambda + s0^2 > 0; FM_ENOMEM; FM_ECONV if an eigen-decomposition
 * fails. */
int fm_boundary_kl(double *kl_pq, double *kl_qp, double *kl_pq_low, const fm_gmm *g,
                   double a0, double s0, double q);

#endif
