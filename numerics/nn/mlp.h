/* mlp.h -- the multilayer perceptron v_theta(t, x) trained by fmcheck
 * (README.md), with its hand-written forward, reverse and tangent passes.
 *
 * Architecture (arch = {d, width, depth, n_freq}):
 *   input row   z0 = (t, sin(w_1 t), cos(w_1 t), ..., sin(w_F t), cos(w_F t), x)
 *               with F = n_freq sinusoidal time features, w_k = pi 2^(k-1);
 *               n_in = 1 + 2F + d
 *   hidden      a_l = W_l z_{l-1} + b_l,  z_l = silu(a_l) = a_l sigmoid(a_l),
 *               l = 1..depth, each of `width` units
 *   output      v = W_o z_depth + b_o  (d outputs, linear)
 * Everything is float64.  A batch is a row-major n x (columns) matrix, one
 * sample per row, so each dense layer is one cblas_dgemm over the batch.
 *
 * Parameters live in one contiguous array theta (what Adam updates and the
 * model file stores), layer by layer: W_1 (width x n_in, row-major), b_1,
 * W_2, b_2, ..., W_o (d x width), b_o.  fm_mlp_block describes the blocks.
 *
 * Reproducibility: OpenBLAS's threaded dgemm need not sum in the same order
 * for every thread count, so fm_mlp_work_alloc pins OpenBLAS to one thread
 * (openblas_set_num_threads(1), a process-wide setting).  Results are then a
 * function of the inputs and the batch size only, on one machine and build.
 */
#ifndef FM_MLP_H
#define FM_MLP_H

#include <stddef.h>

#include "fm_status.h"
#include "rng.h"

/* Hard limits, so that sizes in a model file can be validated and
 * n_params cannot overflow. */
#define FM_MLP_MAXDIM 1024
#define FM_MLP_MAXWIDTH 65536
#define FM_MLP_MAXDEPTH 64
#define FM_MLP_MAXFREQ 16

typedef struct {
  size_t d;      /* data dimension: x in R^d, v in R^d */
  size_t width;  /* units per hidden layer */
  size_t depth;  /* number of hidden layers (>= 1) */
  size_t n_freq; /* sinusoidal time features F (0: t enters raw only) */
} fm_mlp_arch;

typedef struct {
  fm_mlp_arch arch;
  size_t n_in;     /* 1 + 2 n_freq + d */
  size_t n_params; /* length of theta */
  double *theta;   /* all parameters, layout above */
} fm_mlp;

/* One parameter block: layer 0..depth-1 hidden, layer == depth the output.
 * A W block is rows x cols row-major; a b block has cols == 1. */
typedef struct {
  size_t layer;
  int is_bias;
  size_t offset; /* into theta */
  size_t rows, cols;
} fm_mlp_block;

/* FM_EINVAL with a message naming the field when arch is outside the limits. */
int fm_mlp_arch_check(const fm_mlp_arch *a, fm_errmsg *e);
/* Number of parameters (arch must pass fm_mlp_arch_check). */
size_t fm_mlp_arch_nparams(const fm_mlp_arch *a);
/* Number of blocks, 2 (depth + 1), and the i-th block. */
size_t fm_mlp_arch_nblocks(const fm_mlp_arch *a);
void fm_mlp_arch_block(fm_mlp_block *b, const fm_mlp_arch *a, size_t i);

/* theta zeroed. */
int fm_mlp_alloc(fm_mlp **m, const fm_mlp_arch *a, fm_errmsg *e);
void fm_mlp_free(fm_mlp *m);
/* LeCun-normal initialisation: every W entry ~ N(0, 1/fan_in), biases 0.
 * Entry j of theta takes normal j of stream r: a pure function of (r, arch). */
void fm_mlp_init(fm_mlp *m, const fm_rng *r);

/* The input row z0 for (t, x): n_in values (the time features above). */
void fm_mlp_features(double *z0, const fm_mlp_arch *a, double t, const double *x);

/* Preallocated activations for batches of up to max_batch rows. */
typedef struct fm_mlp_work fm_mlp_work;
int fm_mlp_work_alloc(fm_mlp_work **w, const fm_mlp_arch *a, size_t max_batch,
                      fm_errmsg *e);
void fm_mlp_work_free(fm_mlp_work *w);
size_t fm_mlp_work_max_batch(const fm_mlp_work *w);

/* v (n x d) = v_theta(t_i, x_i) for n rows (t: n, x: n x d); keeps the
 * activations in w for fm_mlp_backward.  FM_EINVAL if n > max_batch or the
 * work was allocated for another architecture. */
int fm_mlp_forward(double *v, fm_mlp_work *w, const fm_mlp *m, const double *t,
                   const double *x, size_t n);

/* Reverse pass for the scalar L = sum_i dv_i . v_i of the last forward (same
 * m, same n): grad_theta (n_params) = dL/dtheta and grad_x (n x d) = dL/dx,
 * each overwritten; either may be NULL.  FM_EINVAL if no forward of n rows
 * precedes. */
int fm_mlp_backward(double *grad_theta, double *grad_x, fm_mlp_work *w, const fm_mlp *m,
                    const double *dv, size_t n);

/* Tangent (forward-mode) pass: v as fm_mlp_forward, and jv (n x d) row i =
 * J_x v(t_i, x_i) dx_i, the Jacobian in x applied to dx (n x d).  With
 * dx = e_j in every row, jv's column j is column j of the Jacobian.  Keeps
 * the activations for fm_mlp_backward, like fm_mlp_forward. */
int fm_mlp_jvp(double *v, double *jv, fm_mlp_work *w, const fm_mlp *m, const double *t,
               const double *x, const double *dx, size_t n);

/* v as fm_mlp_forward, and div (n) = the exact divergence tr J_x v(t_i, x_i)
 * of each row: one forward and d tangent passes (for the CNF likelihood;
 * Hutchinson's estimator is fm_mlp_backward's grad_x with random dv, or
 * fm_mlp_jvp with random dx).  Keeps the activations for fm_mlp_backward. */
int fm_mlp_divergence(double *v, double *div, fm_mlp_work *w, const fm_mlp *m,
                      const double *t, const double *x, size_t n);

/* Floating-point operations of one forward (multiply-adds counted as 2) for
 * n rows, dense layers only -- for throughput reports. */
double fm_mlp_forward_flops(const fm_mlp_arch *a, size_t n);

#endif
