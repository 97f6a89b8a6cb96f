/* gmm.h -- Gaussian mixtures q = sum_k w_k N(m_k, S_k) and their Gaussian
 * probability paths (cases/README.md).
 *
 * With C_k(t) = alpha_t^2 S_k + sigma_t^2 I and r_k = x - alpha_t m_k,
 * z_k = C_k^{-1} r_k:
 *   log p_t(x)     = logsumexp_k [log w_k - d/2 log 2pi - 1/2 log det C_k - 1/2 r_k.z_k]
 *   gamma_k(x)     = posterior weight of component k (from the same sum)
 *   E[x1|x_t=x]    = sum_k gamma_k (m_k + alpha S_k z_k)
 *   grad log p_t   = - sum_k gamma_k z_k
 *   u_t(x)         = alpha' E[x1|x] + sigma sigma' sum_k gamma_k z_k
 * The last line is DESIGN's (sigma'/sigma) x + (alpha' - sigma' alpha/sigma) E
 * rewritten with x - alpha E = sigma^2 sum_k gamma_k z_k: it has no 1/sigma
 * and no cancellation as sigma -> 0.  The MPFR twin (gmm_mp.c) evaluates the
 * DESIGN form literally, with plain sums and Gauss elimination, at >= 256 bits.
 *
 * Storage is row-major; all covariances are kept full (d x d) whatever the
 * case file's form, with the Cholesky factor of each S_k.
 */
#ifndef FM_GMM_H
#define FM_GMM_H

#include <stddef.h>
#include <stdint.h>

#include "fm_status.h"
#include "rng.h"
#include "schedule.h"

typedef struct {
  size_t d, K;
  double *w;     /* K weights, normalised by fm_gmm_finalize */
  double *logw;  /* K */
  double *mean;  /* K*d */
  double *cov;   /* K*d*d, symmetric positive definite */
  double *chol;  /* K*d*d, lower Cholesky factors of cov */
} fm_gmm;

/* Allocate with zeroed parameters; fill w, mean, cov, then finalize. */
int fm_gmm_alloc(fm_gmm **g, size_t d, size_t K);
void fm_gmm_free(fm_gmm *g);
/* Check finiteness, positivity of weights, symmetry (relative asymmetry
 * <= 1e-12) and positive-definiteness of each cov; normalise weights (sets
 * *renormalised when sum w differed from 1 by more than 1e-12; may be NULL);
 * compute logw and chol.  The message names the component. */
int fm_gmm_finalize(fm_gmm *g, int *renormalised, fm_errmsg *e);
/* Deep copy. */
int fm_gmm_copy(fm_gmm **dst, const fm_gmm *src);

/* Data distribution q = p_1 with sigma_1 = 0. */
double fm_gmm_logpdf(const fm_gmm *g, const double *x);
/* x = i-th draw from q: component by inverse CDF of uniform i of stream
 * child(r, 0), normals from stream child(r, 1) at indices i*d .. i*d+d-1. */
void fm_gmm_sample(double *x, const fm_gmm *g, const fm_rng *r, uint64_t i);
/* Component chosen for draw i (the same as fm_gmm_sample's). */
size_t fm_gmm_sample_component(const fm_gmm *g, const fm_rng *r, uint64_t i);

/* --- the marginal path at one time: p_t = sum_k w_k N(alpha m_k, C_k(t)) --- */
typedef struct fm_gmm_path fm_gmm_path;

int fm_gmm_path_alloc(fm_gmm_path **p, const fm_gmm *g);
void fm_gmm_path_free(fm_gmm_path *p);
/* Factorise C_k(t) for schedule values v (requires sigma > 0 or every S_k
 * positive definite, which finalize guarantees, and alpha, sigma finite). */
int fm_gmm_path_set(fm_gmm_path *p, const fm_sched_val *v);
/* Any output may be NULL.  logp scalar; score, mean, u of length d.  gamma
 * (posterior weights, length K) is available afterwards through
 * fm_gmm_path_gamma.  FM_ENONFIN if x is not finite. */
int fm_gmm_path_eval(double *logp, double *score, double *mean, double *u,
                     fm_gmm_path *p, const double *x);
const double *fm_gmm_path_gamma(const fm_gmm_path *p);
/* Per-component quantities of the last eval: z_k = C_k^{-1}(x - alpha m_k)
 * (length K*d) -- used by estimators that need them. */
const double *fm_gmm_path_z(const fm_gmm_path *p);

/* One-shot convenience: schedule evaluated at t, then path_set, path_eval. */
int fm_gmm_marginal(double *logp, double *score, double *mean, double *u,
                    const fm_gmm *g, const fm_schedule *s, double t, const double *x);

/* --- the MPFR twin (gmm_mp.c): cases/README.md literally, at `prec` bits
 * (>= 256 recommended), results correctly rounded to double.  The schedule is
 * evaluated with fm_schedule_eval_mp_or_double; *exact_schedule (may be
 * NULL) says whether it had a true MPFR twin.  Outputs may be NULL. --- */
int fm_gmm_marginal_mp(double *logp, double *score, double *mean, double *u,
                       int *exact_schedule, const fm_gmm *g, const fm_schedule *s,
                       double t, const double *x, mpfr_prec_t prec);

/* Same, with schedule values and x supplied in MPFR and results left in
 * MPFR (outputs pre-initialised by the caller, any may be NULL) -- for
 * residuals that must be formed at high precision (continuity in MPFR). */
int fm_gmm_marginal_mpfr(mpfr_t logp, mpfr_t *score, mpfr_t *mean, mpfr_t *u,
                         const fm_gmm *g, const fm_sched_mp *v, mpfr_t *x,
                         mpfr_prec_t prec);

/* --- the marginal p_t as a GMM (gmm_time.c) ---
 * *pt = sum_k w_k N(alpha m_k, alpha^2 S_k + sigma^2 I) for schedule values
 * v (derivatives unused): exact samples of p_t by fm_gmm_sample(*pt, ...).
 * Caller frees with fm_gmm_free.  FM_ENONFIN for non-finite alpha/sigma,
 * FM_ENOTPD if a covariance is singular (alpha = sigma = 0). */
int fm_gmm_at_time(fm_gmm **pt, const fm_gmm *g, const fm_sched_val *v);

/* --- eigenvalues of the component covariances (gmm_eigen.c) ---
 * By GSL's symmetric QR, for every k: lam[k d .. k d + d - 1] the
 * eigenvalues of S_k in GSL's order, lmin[k], lmax[k] the extremes; any
 * output may be NULL.  FM_ENOMEM, or FM_ECONV when GSL fails. */
int fm_gmm_cov_eigen(double *lam, double *lmin, double *lmax, const fm_gmm *g);
/* The eigenvalues of one symmetric d x d matrix S (row-major; the lower
 * triangle is read), ascending, into lam[0 .. d-1].  FM_ENONFIN for a
 * non-finite entry, FM_ENOMEM, FM_ECONV when GSL fails. */
int fm_gmm_sym_eigenvalues(double *lam, const double *S, size_t d);
/* The eigenpairs (gsl_eigen_symmv, so the eigenvalues may differ from
 * fm_gmm_cov_eigen's in the last bits): lam as above, Q[k d^2 ..] the
 * eigenvectors of S_k as the columns of a row-major d x d matrix (S_k = Q
 * diag(lam) Q'). */
int fm_gmm_cov_eigvec(double *lam, double *Q, const fm_gmm *g);

/* --- the moment-matched Gaussian (gmm_moment.c) ---
 * *g1 = N(E x1, Cov x1) of g, one component (a copy of g when g has one).
 * Caller frees with fm_gmm_free; *g1 is NULL on failure. */
int fm_gmm_moment_match(fm_gmm **g1, const fm_gmm *g);

/* --- the posterior p(x1 | x_t = x) as a GMM (gmm_posterior.c) ---
 * *post = sum_k gamma_k(x) N(mu_k(x), Sigma_k) with the per-component
 * Gaussian posteriors (conjugacy; formulas and why they do not cancel at
 * either end of the path in gmm_posterior.c).  Weights gamma_k are exact
 * posterior weights (w[k] may underflow to 0; logw[k] stays finite), so
 * fm_gmm_sample(*post, ...) draws x1 exactly from the posterior.  logZ
 * (length K, may be NULL) receives log N(x; alpha m_k, C_k).  The
 * derivatives in v are unused.  FM_ESING for sigma = 0 (point mass),
 * FM_ENONFIN for non-finite input.  Caller frees with fm_gmm_free.  Do not
 * pass *post to fm_gmm_finalize (zero weights are legitimate here). */
int fm_gmm_posterior(fm_gmm **post, double *logZ, const fm_gmm *g, const fm_sched_val *v,
                     const double *x);

#endif
