/* gauss_flow.h -- the exact affine flow of a Gaussian probability path: a
 * workspace for measuring ODE solver order against a known solution.
 *
 * For data N(m, S), S = Q diag(lambda) Q', and c_i(t) = alpha_t^2 lambda_i +
 * sigma_t^2, the marginal field is affine and its flow from t_a is
 *     x_t = alpha_t m + Q diag(sqrt(c_i(t) / c_i(t_a))) Q' (x_ta - alpha_ta m)
 * (derivation in solver_order.c).  The workspace holds the eigenpairs of S
 * (GSL's symmetric eigensolver, fm_gmm_cov_eigvec), exact draws of p_ta for ntraj trajectories
 * and their exact images at t_b, and serves the marginal field of the same
 * path through fm_gmm_path (Cholesky factors, posterior mean) as one stacked
 * system of n = ntraj d equations: the integrators and the reference share
 * no code.  Used by theorem solver-order and by the `ode` sweep of `fmcheck
 * report`, so that the sweep measures what the theorem checks.
 */
#ifndef FM_GAUSS_FLOW_H
#define FM_GAUSS_FLOW_H

#include <stddef.h>

#include "gmm.h"
#include "rng.h"
#include "schedule.h"

typedef struct {
  const fm_schedule *s;
  double ta, tb;       /* the interval of integration */
  size_t ntraj;        /* trajectories integrated together */
  size_t d, n;         /* dimension; n = ntraj d, the stacked system */
  fm_gmm *g1;          /* N(m, S): the data, moment-matched when a mixture */
  fm_gmm_path *path;   /* the integrators' field */
  double *lam, *Q;     /* eigenvalues, eigenvectors (columns, row-major d x d) */
  double *xa, *xe;     /* starts at t_a, their exact values at t_b (n each) */
  double *x;           /* the integrators' state (n) */
  double *tmp;         /* 3d scratch: fm_gauss_flow_map uses [0, 2d),
                        * callers may use [2d, 3d) */
  double L;            /* stiffness max_{t, i} |c_i'/(2 c_i)| on a grid */
  double G;            /* amplification max_{t, i} sqrt(c_i(t_b)/c_i(t)) */
  size_t N0;           /* smallest power of two >= max(8, 8 L (t_b - t_a)) */
} fm_gauss_flow;

/* Set up the flow of the path of data g (its moment-matched Gaussian when g
 * is a mixture) under schedule s on [ta, tb], with ntraj starts drawn from
 * p_ta with normals of r (trajectory p uses indices p d .. p d + d - 1).
 * FM_ENOTPD if S is singular, FM_ECONV if the eigensolver fails, FM_ENONFIN
 * for an infinite stiffness.  Nothing to free on failure. */
int fm_gauss_flow_alloc(fm_gauss_flow *w, const fm_gmm *g, const fm_schedule *s, double ta,
                        double tb, size_t ntraj, const fm_rng *r);
void fm_gauss_flow_free(fm_gauss_flow *w);

/* y = alpha_b m + Q diag(sqrt(c(b)/c(a))) Q' (x - alpha_a m): the exact map
 * of one trajectory (d values) from schedule values va to vb.  Uses
 * w->tmp[0, 2d) as scratch; y must not overlap it. */
void fm_gauss_flow_map(double *y, fm_gauss_flow *w, const fm_sched_val *va,
                       const fm_sched_val *vb, const double *x);

/* The stacked marginal field (an fm_ode_fn, ctx the workspace): every
 * trajectory at one t, one fm_gmm_path_set per call. */
int fm_gauss_flow_field(double *dx, double t, const double *x, void *ctx);

#endif
