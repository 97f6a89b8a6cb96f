/* sde.h -- Euler-Maruyama for ensembles of dX = b(t, X) dt + eps(t) dW.
 *
 * The noise is isotropic (eps(t) times a d-dimensional Brownian motion), as
 * in sde-marginals' dX = [u_t + eps_t^2/2 grad log p_t] dt + eps_t dW.  Ito
 * convention: drift and eps are evaluated at the left node of each step,
 *     X_{k+1} = X_k + h b(t_k, X_k) + eps(t_k) sqrt(|h|) Z_{p,k},
 * node k at exactly t0 + k h (no running sum of h).
 *
 * Reproducibility: Z_{p,k} (path p, step k, coordinate j) is normal number
 * k n + j of the Philox stream fm_rng_child(r, p).  A path's increments
 * depend only on (seed, stream, p, k): an ensemble gives the same paths
 * whether it is run in one call or in legs (step_first), in any order, by
 * any number of threads, and path p does not change when the ensemble
 * grows.
 *
 * The drift is batched (all paths at one time): path quantities that depend
 * on t only (the GMM path's Cholesky factors) are then computed once per
 * step, not once per path and step.
 */
#ifndef FM_SDE_H
#define FM_SDE_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* B[p*n + j] = b_j(t, X[p*n ..]) for p < npaths. */
typedef int (*fm_sde_drift_fn)(double *B, double t, const double *X, size_t npaths,
                               size_t n, void *ctx);
/* *eps = eps(t) >= 0. */
typedef int (*fm_sde_noise_fn)(double *eps, double t, void *ctx);

typedef struct {
  fm_sde_drift_fn drift;
  fm_sde_noise_fn noise;   /* NULL: eps = 0 (the ODE, by Euler) */
  void *ctx;
  size_t n;                /* state dimension */
} fm_sde;

/* Advance the ensemble X (npaths x n, row-major; row p is path
 * path_first + p) by `steps` Euler-Maruyama steps of size h starting at node
 * step_first, i.e. from t0 + step_first h to t0 + (step_first + steps) h
 * (h < 0 runs backward in t).  On error X is unchanged.  FM_EINVAL (n, npaths
 * or steps zero, h or t0 not finite, eps < 0), FM_ENOMEM, FM_ENONFIN when a
 * state stops being finite, or the callbacks' status. */
int fm_sde_em(double *X, size_t npaths, const fm_sde *s, double t0, double h,
              uint64_t step_first, size_t steps, const fm_rng *r, uint64_t path_first);

/* The increment normals Z_{p,k} (n of them) that fm_sde_em uses: for tests
 * and for coupling other computations to the same Brownian path. */
void fm_sde_normals(double *z, size_t n, const fm_rng *r, uint64_t path, uint64_t step);

#endif
