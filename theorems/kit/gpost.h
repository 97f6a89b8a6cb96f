/* gpost.h -- second-order posterior quantities of the GMM path at (t, x),
 * in closed form: the divergence of the marginal field, the posterior
 * covariance of x1 and of the conditional field, and the prior-weighted field
 * (a negative control).  Used by the theorems `continuity` (div u) and
 * `fm-cfm-grad` (the loss gap C = E tr Cov(u_t(x|x1) | x)).
 *
 * Notation (gmm.h): C_k = alpha^2 S_k + sigma^2 I, z_k = C_k^{-1}(x - alpha m_k),
 * mu_k = m_k + alpha S_k z_k (posterior mean of x1 given x and component k),
 * gamma_k the posterior weights, s = -sum_k gamma_k z_k (the score),
 * E = sum_k gamma_k mu_k, W = alpha' sigma - alpha sigma'.  With lambda_ki the
 * eigenvalues of S_k (computed once, GSL's symmetric eigensolver):
 *   tau0_k = tr C_k^{-1}       = sum_i 1 / (alpha^2 lambda_ki + sigma^2)
 *   tau1_k = tr S_k C_k^{-1}   = sum_i lambda_ki / (alpha^2 lambda_ki + sigma^2)
 * The between-component spread has two equal forms (x - alpha mu_k = sigma^2 z_k,
 * so mu_k - E = -(sigma^2/alpha)(z_k + s)):
 *   B = sum_k gamma_k |mu_k - E|^2 = (sigma^2/alpha)^2 sum_k gamma_k |z_k + s|^2;
 * the mu-form is used where sigma > |alpha| (near t = 0), the z-form elsewhere
 * (it has no cancelling mu_k - E as sigma -> 0).
 *
 * Posterior covariance.  Given x and component k, x1 ~ N(mu_k, P_k) with
 * P_k = S_k - alpha^2 S_k C_k^{-1} S_k, tr P_k = sigma^2 tau1_k, so
 *   tr Cov(x1 | x_t = x) = sigma^2 sum_k gamma_k tau1_k + B.
 * u_t(x|x1) = (sigma'/sigma)(x - alpha x1) + alpha' x1 is affine in x1 with
 * slope (W/sigma) I, hence
 *   tr Cov(u(x|x1) | x) = W^2 sum_k gamma_k tau1_k + (W/sigma)^2 B.
 *
 * Divergence.  u = alpha' E - sigma sigma' s with grad mu_k = alpha S_k C_k^{-1},
 * grad z_k = C_k^{-1}, grad gamma_k = -gamma_k (z_k + s):
 *   tr grad E = alpha sum gamma_k tau1_k - sum gamma_k (mu_k - E).(z_k + s)
 *   tr grad s = -sum gamma_k tau0_k + sum gamma_k |z_k + s|^2
 * and with the two forms of B the cross terms collapse to one:
 *   div u = alpha' alpha sum gamma_k tau1_k + sigma sigma' sum gamma_k tau0_k + V,
 *   V = (alpha W / sigma^3) B = (sigma W / alpha) sum gamma_k |z_k + s|^2.
 * (Equivalently div u = d sigma'/sigma + (W/sigma)(alpha/sigma^2) tr Cov(x1|x),
 * Tweedie's second-order identity grad E = (alpha/sigma^2) Cov(x1|x); that form
 * is 1/sigma-singular and is not used.)
 *
 * Prior-weighted field (the "prior weights in place of posterior weights"
 * negative control): u_w = sum_k w_k (alpha' mu_k + sigma sigma' z_k), whose
 * divergence is sum_k w_k (alpha' alpha tau1_k + sigma sigma' tau0_k).
 */
#ifndef FM_GPOST_H
#define FM_GPOST_H

#include "gmm.h"

typedef struct fm_gpost fm_gpost;

typedef struct {
  double div;       /* divergence of the field (posterior or prior weights) */
  double div_mag;   /* sum of the magnitudes of its terms (the scale of its
                       rounding: see fm_gpost_eval) */
  double trcov;     /* tr Cov(x1 | x_t = x) */
  double trcov_u;   /* tr Cov(u_t(x|x1) | x_t = x) */
  double between;   /* B = sum_k gamma_k |mu_k - E|^2 */
} fm_gpost_val;

/* Which weights the field and its divergence use. */
enum { FM_GPOST_POSTERIOR = 0, FM_GPOST_PRIOR = 1 };

/* Eigenvalues of every S_k (FM_ECONV if the eigensolver fails). */
int fm_gpost_alloc(fm_gpost **pp, const fm_gmm *g);
void fm_gpost_free(fm_gpost *pp);

/* Quantities at the point of the last fm_gmm_path_eval(p, x) (any outputs
 * requested there), for schedule values v -- the values p was set with.
 * `weights` selects the field whose divergence is returned.  trcov and
 * trcov_u always refer to the true posterior.  At sigma = 0, trcov_u is its
 * limit W^2 sum gamma tau1 (B vanishes like sigma^4 there). */
void fm_gpost_eval(fm_gpost_val *r, fm_gpost *pp, const fm_gmm_path *p,
                      const fm_sched_val *v, int weights);

/* u_w = sum_k w_k (alpha' mu_k + sigma sigma' z_k) at the last evaluated
 * point (length d). */
void fm_gpost_prior_field(double *u, fm_gpost *pp, const fm_gmm_path *p,
                             const fm_sched_val *v);

/* max_k cond_2(S_k) = lambda_max / lambda_min. */
double fm_gpost_cond_S(const fm_gpost *pp);

/* min_k of the smallest eigenvalue alpha^2 lambda_min,k + sigma^2 of C_k:
 * the squared length scale of the narrowest component of p_t. */
double fm_gpost_cmin(const fm_gpost *pp, const fm_sched_val *v);

#endif
