/* path_err.h -- first-order bounds on the rounding errors of the double GMM
 * path (fm_gmm_path_eval: score, posterior mean, marginal field) at one point.
 *
 * Pointwise checks compare these outputs with MPFR references computed from
 * the *same* schedule values; the difference is then pure rounding of the
 * GMM algebra, and this model bounds it (derivation in path_err.c).  The
 * bounds are per point and scale with what the double code actually did:
 * the conditioning of each C_k(t), the Mahalanobis terms, the log-sum-exp.
 */
#ifndef FM_PATH_ERR_H
#define FM_PATH_ERR_H

#include "gmm.h"

typedef struct fm_path_err fm_path_err;

typedef struct {
  double score, mean, u;      /* error bounds (2-norm, so also inf-norm) */
  double score_scale;         /* sum_k gamma_k |z_k|: magnitude of the score's terms */
  double mean_scale;          /* sum_k gamma_k |m_k + alpha S_k z_k| */
  double q_max;               /* max_k r_k.C_k^{-1} r_k over gamma_k > 0 */
  double kappa_max;           /* max_k cond_2(C_k) */
} fm_path_errb;

/* Eigenvalues of every S_k (GSL symmetric eigensolver), once per GMM. */
int fm_path_err_alloc(fm_path_err **pe, const fm_gmm *g);
void fm_path_err_free(fm_path_err *pe);

/* Bounds for the last fm_gmm_path_eval(p, x) at schedule values v, in
 * arithmetic with relative precision eps (DBL_EPSILON for the double code;
 * the same model with a smaller eps bounds an MPFR evaluation). */
void fm_path_err_bound(fm_path_errb *b, fm_path_err *pe, const fm_gmm_path *p,
                       const fm_sched_val *v, const double *x, double eps);

#endif
