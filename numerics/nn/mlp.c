/* mlp.c -- forward, reverse and tangent passes of the MLP of mlp.h.
 *
 * Each dense layer over a batch is one cblas_dgemm with the batch as the row
 * dimension (row-major):  A = Z W^T + 1 b^T  (bias rows copied first, then
 * dgemm with beta = 1).  The reverse pass is the textbook chain rule written
 * out by hand (no autodiff library exists for C in Debian):
 *   dA_l = dZ_l (.) silu'(A_l),  silu'(a) = s (1 + a (1 - s)), s = sigmoid(a)
 *   dW_l = dA_l^T Z_{l-1},  db_l = column sums of dA_l,  dZ_{l-1} = dA_l W_l.
 * The forward pass stores A_l, s(A_l) and Z_l for every layer, so the
 * reverse pass needs no exp().  The tangent pass propagates dZ_l = silu'(A_l)
 * (.) (dZ_{l-1} W_l^T) alongside the forward pass.
 */
#include "mlp.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct fm_mlp_work {
  fm_mlp_arch arch;
  size_t n_in, max_batch;
  double *z0;        /* max_batch x n_in: input rows */
  double *a, *s, *z; /* depth blocks of max_batch x width: A_l, sigmoid(A_l), Z_l */
  double *g1, *g2;   /* max_batch x max(width, n_in): deltas / tangents */
  double *ed, *jd;   /* max_batch x d: unit tangents and J e_j (divergence) */
  size_t n_fwd;      /* rows of the last forward pass, 0 if none */
  const fm_mlp *m_fwd;
};

/* ------------------------------------------------------------ architecture */

int fm_mlp_arch_check(const fm_mlp_arch *a, fm_errmsg *e)
{
  if (a->d < 1 || a->d > FM_MLP_MAXDIM)
    return fm_errmsg_set(e, FM_EINVAL, "mlp: dimension d = %zu outside [1, %d]", a->d,
                         FM_MLP_MAXDIM);
  if (a->width < 1 || a->width > FM_MLP_MAXWIDTH)
    return fm_errmsg_set(e, FM_EINVAL, "mlp: width = %zu outside [1, %d]", a->width,
                         FM_MLP_MAXWIDTH);
  if (a->depth < 1 || a->depth > FM_MLP_MAXDEPTH)
    return fm_errmsg_set(e, FM_EINVAL, "mlp: depth = %zu outside [1, %d]", a->depth,
                         FM_MLP_MAXDEPTH);
  if (a->n_freq > FM_MLP_MAXFREQ)
    return fm_errmsg_set(e, FM_EINVAL, "mlp: n_freq = %zu above %d", a->n_freq,
                         FM_MLP_MAXFREQ);
  return FM_OK;
}

static size_t fm_mlp_nin(const fm_mlp_arch *a)
{
  return 1 + 2 * a->n_freq + a->d;
}

/* Fan-in and fan-out of layer l (l == depth: the output layer). */
static void fm_mlp_layer_shape(size_t *nin, size_t *nout, const fm_mlp_arch *a, size_t l)
{
  *nin = l == 0 ? fm_mlp_nin(a) : a->width;
  *nout = l == a->depth ? a->d : a->width;
}

size_t fm_mlp_arch_nparams(const fm_mlp_arch *a)
{
  size_t n = 0, nin, nout;
  for (size_t l = 0; l <= a->depth; l++) {
    fm_mlp_layer_shape(&nin, &nout, a, l);
    n += nout * (nin + 1);
  }
  return n;
}

size_t fm_mlp_arch_nblocks(const fm_mlp_arch *a)
{
  return 2 * (a->depth + 1);
}

void fm_mlp_arch_block(fm_mlp_block *b, const fm_mlp_arch *a, size_t i)
{
  size_t off = 0, nin, nout, layer = i / 2;
  for (size_t l = 0; l < layer; l++) {
    fm_mlp_layer_shape(&nin, &nout, a, l);
    off += nout * (nin + 1);
  }
  fm_mlp_layer_shape(&nin, &nout, a, layer);
  b->layer = layer;
  b->is_bias = (int)(i % 2);
  b->offset = off + (b->is_bias ? nout * nin : 0);
  b->rows = nout;
  b->cols = b->is_bias ? 1 : nin;
}

double fm_mlp_forward_flops(const fm_mlp_arch *a, size_t n)
{
  double f = 0.0;
  size_t nin, nout;
  for (size_t l = 0; l <= a->depth; l++) {
    fm_mlp_layer_shape(&nin, &nout, a, l);
    f += 2.0 * (double)nin * (double)nout;
  }
  return f * (double)n;
}

/* ------------------------------------------------------------ the model */

int fm_mlp_alloc(fm_mlp **m, const fm_mlp_arch *a, fm_errmsg *e)
{
  *m = NULL;
  int st = fm_mlp_arch_check(a, e);
  if (st != FM_OK)
    return st;
  fm_mlp *r = calloc(1, sizeof *r);
  if (r == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "mlp: out of memory");
  r->arch = *a;
  r->n_in = fm_mlp_nin(a);
  r->n_params = fm_mlp_arch_nparams(a);
  r->theta = calloc(r->n_params, sizeof *r->theta);
  if (r->theta == NULL) {
    free(r);
    return fm_errmsg_set(e, FM_ENOMEM, "mlp: out of memory for %zu parameters",
                         fm_mlp_arch_nparams(a));
  }
  *m = r;
  return FM_OK;
}

void fm_mlp_free(fm_mlp *m)
{
  if (m == NULL)
    return;
  free(m->theta);
  free(m);
}

void fm_mlp_init(fm_mlp *m, const fm_rng *r)
{
  /* N(0, 1/fan_in) keeps the pre-activations O(1) through the layers (the
   * LeCun argument; SiLU is close to linear near 0).  Biases start at 0. */
  memset(m->theta, 0, m->n_params * sizeof *m->theta);
  for (size_t i = 0; i < fm_mlp_arch_nblocks(&m->arch); i += 2) {
    fm_mlp_block b;
    fm_mlp_arch_block(&b, &m->arch, i);
    double *W = m->theta + b.offset, sd = 1.0 / sqrt((double)b.cols);
    fm_rng_normals(W, b.rows * b.cols, r, b.offset);
    for (size_t j = 0; j < b.rows * b.cols; j++)
      W[j] *= sd;
  }
}

void fm_mlp_features(double *z0, const fm_mlp_arch *a, double t, const double *x)
{
  z0[0] = t;
  double w = M_PI;
  for (size_t k = 0; k < a->n_freq; k++, w *= 2.0) {
    z0[1 + 2 * k] = sin(w * t);
    z0[2 + 2 * k] = cos(w * t);
  }
  memcpy(z0 + 1 + 2 * a->n_freq, x, a->d * sizeof *x);
}

/* ------------------------------------------------------------ workspace */

int fm_mlp_work_alloc(fm_mlp_work **w, const fm_mlp_arch *a, size_t max_batch,
                      fm_errmsg *e)
{
  *w = NULL;
  int st = fm_mlp_arch_check(a, e);
  if (st != FM_OK)
    return st;
  size_t n_in = fm_mlp_nin(a), wide = a->width > n_in ? a->width : n_in;
  /* Refuse sizes whose byte counts would overflow size_t. */
  double bytes = (double)max_batch * (3.0 * (double)a->depth * (double)a->width +
                                      2.0 * (double)wide + (double)n_in + 2.0 * (double)a->d) *
                 sizeof(double);
  if (max_batch < 1 || max_batch > (size_t)INT_MAX || bytes > (double)(SIZE_MAX / 2))
    return fm_errmsg_set(e, FM_EINVAL, "mlp: batch size %zu not usable", max_batch);
  fm_mlp_work *r = calloc(1, sizeof *r);
  if (r == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "mlp: out of memory");
  size_t layer = max_batch * a->width;
  r->arch = *a;
  r->n_in = n_in;
  r->max_batch = max_batch;
  r->z0 = malloc(max_batch * n_in * sizeof(double));
  r->a = malloc(a->depth * layer * sizeof(double));
  r->s = malloc(a->depth * layer * sizeof(double));
  r->z = malloc(a->depth * layer * sizeof(double));
  r->g1 = malloc(max_batch * wide * sizeof(double));
  r->g2 = malloc(max_batch * wide * sizeof(double));
  r->ed = malloc(max_batch * a->d * sizeof(double));
  r->jd = malloc(max_batch * a->d * sizeof(double));
  if (!r->z0 || !r->a || !r->s || !r->z || !r->g1 || !r->g2 || !r->ed || !r->jd) {
    fm_mlp_work_free(r);
    return fm_errmsg_set(e, FM_ENOMEM, "mlp: out of memory for batch size %zu", max_batch);
  }
  /* Reproducibility: see mlp.h. */
  openblas_set_num_threads(1);
  *w = r;
  return FM_OK;
}

void fm_mlp_work_free(fm_mlp_work *w)
{
  if (w == NULL)
    return;
  free(w->z0);
  free(w->a);
  free(w->s);
  free(w->z);
  free(w->g1);
  free(w->g2);
  free(w->ed);
  free(w->jd);
  free(w);
}

size_t fm_mlp_work_max_batch(const fm_mlp_work *w)
{
  return w->max_batch;
}

static int fm_mlp_work_fits(const fm_mlp_work *w, const fm_mlp *m, size_t n)
{
  return n >= 1 && n <= w->max_batch && w->arch.d == m->arch.d &&
         w->arch.width == m->arch.width && w->arch.depth == m->arch.depth &&
         w->arch.n_freq == m->arch.n_freq;
}

/* ------------------------------------------------------------ passes */

/* Y (n x nout) = 1 b^T + X (n x nin) W^T. */
static void fm_mlp_dense(double *Y, const double *X, const double *W, const double *b,
                         size_t n, size_t nin, size_t nout)
{
  for (size_t i = 0; i < n; i++)
    memcpy(Y + i * nout, b, nout * sizeof *b);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)nout, (int)nin, 1.0, X,
              (int)nin, W, (int)nin, 1.0, Y, (int)nout);
}

/* Layer l's input rows (Z_{l-1}, or the feature rows for l = 0). */
static const double *fm_mlp_layer_input(const fm_mlp_work *w, size_t l)
{
  return l == 0 ? w->z0 : w->z + (l - 1) * w->max_batch * w->arch.width;
}

int fm_mlp_forward(double *v, fm_mlp_work *w, const fm_mlp *m, const double *t,
                   const double *x, size_t n)
{
  if (!fm_mlp_work_fits(w, m, n))
    return FM_EINVAL;
  const fm_mlp_arch *ar = &m->arch;
  size_t width = ar->width, stride = w->max_batch * width;
  for (size_t i = 0; i < n; i++)
    fm_mlp_features(w->z0 + i * w->n_in, ar, t[i], x + i * ar->d);
  fm_mlp_block bw;
  for (size_t l = 0; l < ar->depth; l++) {
    fm_mlp_arch_block(&bw, ar, 2 * l);
    const double *W = m->theta + bw.offset;
    double *A = w->a + l * stride, *S = w->s + l * stride, *Z = w->z + l * stride;
    fm_mlp_dense(A, fm_mlp_layer_input(w, l), W, W + bw.rows * bw.cols, n, bw.cols, width);
    for (size_t j = 0; j < n * width; j++) {
      S[j] = 1.0 / (1.0 + exp(-A[j]));
      Z[j] = A[j] * S[j];
    }
  }
  fm_mlp_arch_block(&bw, ar, 2 * ar->depth);
  const double *Wo = m->theta + bw.offset;
  fm_mlp_dense(v, fm_mlp_layer_input(w, ar->depth), Wo, Wo + bw.rows * bw.cols, n, width,
               ar->d);
  w->n_fwd = n;
  w->m_fwd = m;
  return FM_OK;
}

/* db[j] = sum_i G[i][j] (G is n x cols), in a fixed order. */
static void fm_mlp_colsum(double *db, const double *G, size_t n, size_t cols)
{
  memset(db, 0, cols * sizeof *db);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < cols; j++)
      db[j] += G[i * cols + j];
}

/* Gradients of one dense layer Y = X W^T + b given G = dL/dY (n x nout):
 * gW = G^T X, gb = column sums, and (when dX != NULL) dX = G W. */
static void fm_mlp_dense_back(double *gW, double *dX, const double *G, const double *X,
                              const double *W, size_t n, size_t nin, size_t nout)
{
  if (gW != NULL) {
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)nout, (int)nin, (int)n, 1.0,
                G, (int)nout, X, (int)nin, 0.0, gW, (int)nin);
    fm_mlp_colsum(gW + nout * nin, G, n, nout);
  }
  if (dX != NULL)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)nin, (int)nout,
                1.0, G, (int)nout, W, (int)nin, 0.0, dX, (int)nin);
}

int fm_mlp_backward(double *grad_theta, double *grad_x, fm_mlp_work *w, const fm_mlp *m,
                    const double *dv, size_t n)
{
  if (!fm_mlp_work_fits(w, m, n) || w->n_fwd != n || w->m_fwd != m)
    return FM_EINVAL;
  const fm_mlp_arch *ar = &m->arch;
  size_t width = ar->width, stride = w->max_batch * width;
  fm_mlp_block bw;
  fm_mlp_arch_block(&bw, ar, 2 * ar->depth);
  fm_mlp_dense_back(grad_theta ? grad_theta + bw.offset : NULL, w->g1, dv,
                    fm_mlp_layer_input(w, ar->depth), m->theta + bw.offset, n, width, ar->d);
  for (size_t l = ar->depth; l-- > 0;) {
    const double *A = w->a + l * stride, *S = w->s + l * stride;
    double *G = w->g1;
    for (size_t j = 0; j < n * width; j++)
      G[j] *= S[j] * (1.0 + A[j] * (1.0 - S[j]));
    fm_mlp_arch_block(&bw, ar, 2 * l);
    int need_dx = l > 0 || grad_x != NULL;
    fm_mlp_dense_back(grad_theta ? grad_theta + bw.offset : NULL, need_dx ? w->g2 : NULL,
                      G, fm_mlp_layer_input(w, l), m->theta + bw.offset, n, bw.cols, width);
    w->g1 = w->g2;
    w->g2 = G;
  }
  if (grad_x != NULL) {
    size_t off = 1 + 2 * ar->n_freq;
    for (size_t i = 0; i < n; i++)
      memcpy(grad_x + i * ar->d, w->g1 + i * w->n_in + off, ar->d * sizeof *grad_x);
  }
  return FM_OK;
}

/* jv = J_x v dx for the n rows of the last forward pass (activations in w). */
static void fm_mlp_tangent(double *jv, fm_mlp_work *w, const fm_mlp *m, const double *dx,
                           size_t n)
{
  const fm_mlp_arch *ar = &m->arch;
  size_t width = ar->width, stride = w->max_batch * width;
  fm_mlp_block bw;
  /* The tangent of the input row is (0, ..., 0, dx): only W_1's x columns
   * act, a width x d submatrix at column offset 1 + 2F with leading
   * dimension n_in. */
  fm_mlp_arch_block(&bw, ar, 0);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)width, (int)ar->d, 1.0,
              dx, (int)ar->d, m->theta + bw.offset + 1 + 2 * ar->n_freq, (int)w->n_in, 0.0,
              w->g1, (int)width);
  for (size_t l = 0; l < ar->depth; l++) {
    const double *A = w->a + l * stride, *S = w->s + l * stride;
    for (size_t j = 0; j < n * width; j++)
      w->g1[j] *= S[j] * (1.0 + A[j] * (1.0 - S[j]));
    fm_mlp_arch_block(&bw, ar, 2 * (l + 1));
    int last = l + 1 == ar->depth;
    size_t nout = last ? ar->d : width;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)nout, (int)width, 1.0,
                w->g1, (int)width, m->theta + bw.offset, (int)width, 0.0, last ? jv : w->g2,
                (int)nout);
    if (!last) {
      double *tmp = w->g1;
      w->g1 = w->g2;
      w->g2 = tmp;
    }
  }
}

int fm_mlp_jvp(double *v, double *jv, fm_mlp_work *w, const fm_mlp *m, const double *t,
               const double *x, const double *dx, size_t n)
{
  int st = fm_mlp_forward(v, w, m, t, x, n);
  if (st == FM_OK)
    fm_mlp_tangent(jv, w, m, dx, n);
  return st;
}

int fm_mlp_divergence(double *v, double *div, fm_mlp_work *w, const fm_mlp *m,
                      const double *t, const double *x, size_t n)
{
  int st = fm_mlp_forward(v, w, m, t, x, n);
  if (st != FM_OK)
    return st;
  size_t d = m->arch.d;
  memset(div, 0, n * sizeof *div);
  for (size_t j = 0; j < d; j++) {
    memset(w->ed, 0, n * d * sizeof(double));
    for (size_t i = 0; i < n; i++)
      w->ed[i * d + j] = 1.0;
    fm_mlp_tangent(w->jd, w, m, w->ed, n);
    for (size_t i = 0; i < n; i++)
      div[i] += w->jd[i * d + j];
  }
  return FM_OK;
}
