/* mlp_gradcheck.h -- the MLP's back-propagated gradient against finite
 * differences of the loss itself, for a check that must see a wrong
 * backward pass (two gradients from the same backprop cannot).
 *
 * For a batch (t_i, x_i, u_i), i < n, the regression loss
 *     L(theta) = (1/n) sum_i |v_theta(t_i, x_i) - u_i|^2
 * has gradient g = (2/n) sum_i J_theta v_i^T (v_i - u_i) by fm_mlp_backward.
 * Along each unit direction r_j (k of them) the directional derivative g.r_j
 * is compared with D_j = d/ds L(theta + s r_j) at s = 0 by Richardson-
 * extrapolated central differences (fdiff.h; h0 = 2^-4, 5 levels: the
 * loss is analytic in theta for SiLU/ELU-smooth nets, so the tableau
 * converges like h^{2k}).  Tolerance per direction:
 *     tol_j = err_j + 2 delta / h_fin + 64 eps (|g.r_j| + |g|_2)
 *   - err_j: fm_fdiff's estimate;
 *   - delta = 4 eps (L + S), S = (1/n) sum |v_i|.|u_i| + (1/n) sum |v_i|^2
 *     bounding the rounding of one loss evaluation (the forward pass is a
 *     few operations per term; the sums add n d terms -- a relative n d eps
 *     is far below this for the batches used, n d <= 2^12), amplified by
 *     the Richardson combination (< 2) over the finest step;
 *   - backprop's own rounding, a few eps per layer relative to the sums it
 *     forms: 64 eps (|g.r| + |g|) covers depth <= 8 with margin.
 * Statistic: max_j |g.r_j - D_j| / tol_j (fails above 1). */
#ifndef FM_MLP_GRADCHECK_H
#define FM_MLP_GRADCHECK_H

#include <stddef.h>

#include "mlp.h"

typedef struct {
  double ratio;   /* max_j |g.r_j - D_j| / tol_j */
  size_t worst;   /* its j */
  double gr, D;   /* g.r and D at the worst j */
  double tol;     /* its tolerance */
} fm_mlp_gradcheck_result;

/* g (n_params): the gradient to check, e.g. from fm_mlp_backward of the same
 * loss (a caller may pass a perturbed one to test this check).  R: k unit
 * directions, k x n_params row-major.  w: a work of max batch >= n; its
 * activations are overwritten.  m is restored bit for bit before return.
 * FM_ENOMEM, or the status of fm_mlp_forward. */
int fm_mlp_gradcheck(fm_mlp_gradcheck_result *res, fm_mlp *m, fm_mlp_work *w, const double *g,
                     const double *t, const double *x, const double *u, size_t n,
                     const double *R, size_t k);

/* L(theta) and g = dL/dtheta by backprop for the batch, as above. */
int fm_mlp_loss_grad(double *L, double *g, fm_mlp *m, fm_mlp_work *w, const double *t,
                     const double *x, const double *u, size_t n);

#endif
