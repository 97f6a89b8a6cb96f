/* test_mlp.c -- the MLP's hand-written derivatives against central finite
 * differences, and its forward pass against a plain-loop evaluation of the
 * documented layout (an independent route that uses no BLAS).
 *
 * Why 1e-6 relative is attainable with a plain central difference (step h):
 * F(theta) = sum_ij c_ij v_ij is evaluated in double with absolute error
 * delta <~ 1e-15 S, S = O(10) the size of its terms, so the difference
 * quotient carries rounding error delta/h and truncation h^2 |F'''|/6.  With
 * h = 1e-5 and third derivatives O(10) at these parameter scales (pre-
 * activations O(1), SiLU''' bounded by 0.5), both are ~1e-10 in absolute
 * terms, against gradient blocks of norm O(0.1..10): a relative error
 * ~1e-9, three orders below the 1e-6 bound.  A wrong derivative (a missing
 * silu' factor, a transposed block, an off-by-one layer) gives O(1).  The
 * measured worst case is printed.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlp.h"
#include "mlp_gradcheck.h"
#include "rng.h"

#define SEED 20240611u
#define NROWS 5
#define FD_H 1e-5
#define FD_TOL 1e-6

typedef struct {
  fm_mlp *m;
  fm_mlp_work *w;
  double t[NROWS], x[NROWS * 8], c[NROWS * 8], v[NROWS * 8];
  size_t d;
} fm_net;

/* A network with every parameter (biases too) random and O(0.3..1), inputs
 * t in (0,1), x ~ N(0, 1.5^2), weights c ~ N(0,1). */
static void fm_net_make(fm_net *n, size_t d, size_t width, size_t depth, size_t nf,
                        uint64_t id)
{
  fm_mlp_arch a = {d, width, depth, nf};
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_mlp_alloc(&n->m, &a, &e), FM_OK, "%s", e.msg);
  cr_assert_eq(fm_mlp_work_alloc(&n->w, &a, NROWS, &e), FM_OK, "%s", e.msg);
  n->d = d;
  fm_rng r = fm_rng_make(SEED, FM_RNG_STREAM(0x4d4c, id));
  fm_mlp_init(n->m, &r);
  fm_rng r2 = fm_rng_child(&r, 1);
  for (size_t j = 0; j < n->m->n_params; j++)
    n->m->theta[j] += 0.3 * fm_rng_normal(&r2, j);
  fm_rng r3 = fm_rng_child(&r, 2);
  for (size_t i = 0; i < NROWS; i++) {
    n->t[i] = fm_rng_uniform(&r3, i);
    for (size_t k = 0; k < d; k++) {
      n->x[i * d + k] = 1.5 * fm_rng_normal(&r3, 100 + i * d + k);
      n->c[i * d + k] = fm_rng_normal(&r3, 1000 + i * d + k);
    }
  }
}

static void fm_net_free(fm_net *n)
{
  fm_mlp_free(n->m);
  fm_mlp_work_free(n->w);
}

/* F = sum c . v at the current theta and inputs x. */
static double fm_net_F(fm_net *n, const double *x)
{
  cr_assert_eq(fm_mlp_forward(n->v, n->w, n->m, n->t, x, NROWS), FM_OK);
  double s = 0.0;
  for (size_t k = 0; k < NROWS * n->d; k++)
    s += n->c[k] * n->v[k];
  return s;
}

static double fm_norm_diff(const double *a, const double *b, size_t n, double *nb)
{
  double s = 0.0, q = 0.0;
  for (size_t i = 0; i < n; i++) {
    s += (a[i] - b[i]) * (a[i] - b[i]);
    q += b[i] * b[i];
  }
  *nb = sqrt(q);
  return sqrt(s);
}

static const size_t widths[] = {1, 7, 32}, depths[] = {1, 2, 3}, freqs[] = {0, 2};

Test(mlp, backprop_matches_central_differences_for_every_parameter_block)
{
  double worst = 0.0;
  uint64_t id = 0;
  for (size_t iw = 0; iw < 3; iw++)
    for (size_t id_ = 0; id_ < 3; id_++)
      for (size_t jf = 0; jf < 2; jf++, id++) {
        size_t d = 1 + id % 3;
        fm_net n;
        fm_net_make(&n, d, widths[iw], depths[id_], freqs[jf], id);
        size_t P = n.m->n_params;
        double *g = malloc(P * sizeof *g), *gfd = malloc(P * sizeof *gfd);
        fm_net_F(&n, n.x);
        cr_assert_eq(fm_mlp_backward(g, NULL, n.w, n.m, n.c, NROWS), FM_OK);
        for (size_t j = 0; j < P; j++) {
          double th = n.m->theta[j];
          n.m->theta[j] = th + FD_H;
          double fp = fm_net_F(&n, n.x);
          n.m->theta[j] = th - FD_H;
          double fm = fm_net_F(&n, n.x);
          n.m->theta[j] = th;
          gfd[j] = (fp - fm) / (2.0 * FD_H);
        }
        for (size_t b = 0; b < fm_mlp_arch_nblocks(&n.m->arch); b++) {
          fm_mlp_block bl;
          fm_mlp_arch_block(&bl, &n.m->arch, b);
          size_t len = bl.rows * bl.cols;
          double nb, err = fm_norm_diff(gfd + bl.offset, g + bl.offset, len, &nb);
          double rel = err / (nb > 0.0 ? nb : 1.0);
          if (rel > worst)
            worst = rel;
          cr_expect_leq(rel, FD_TOL,
                        "width %zu depth %zu n_freq %zu d %zu: block %zu (layer %zu %s) "
                        "relative error %.3g > %.1g (|g| = %.3g)",
                        widths[iw], depths[id_], freqs[jf], d, b, bl.layer,
                        bl.is_bias ? "b" : "W", rel, FD_TOL, nb);
        }
        free(g);
        free(gfd);
        fm_net_free(&n);
      }
  fprintf(stderr, "mlp: worst block relative error backprop vs FD (h = %g): %.3g\n", FD_H,
          worst);
}

/* d F/dx by the reverse pass against central differences in each x_ik. */
Test(mlp, input_gradient_matches_central_differences)
{
  double worst = 0.0;
  uint64_t id = 100;
  for (size_t iw = 0; iw < 3; iw++)
    for (size_t id_ = 0; id_ < 3; id_++, id++) {
      size_t d = 1 + id % 3;
      fm_net n;
      fm_net_make(&n, d, widths[iw], depths[id_], 1, id);
      double gx[NROWS * 8], fd[NROWS * 8], x[NROWS * 8];
      fm_net_F(&n, n.x);
      cr_assert_eq(fm_mlp_backward(NULL, gx, n.w, n.m, n.c, NROWS), FM_OK);
      memcpy(x, n.x, sizeof x);
      for (size_t k = 0; k < NROWS * d; k++) {
        x[k] = n.x[k] + FD_H;
        double fp = fm_net_F(&n, x);
        x[k] = n.x[k] - FD_H;
        double fm = fm_net_F(&n, x);
        x[k] = n.x[k];
        fd[k] = (fp - fm) / (2.0 * FD_H);
      }
      double nb, rel = fm_norm_diff(fd, gx, NROWS * d, &nb) / nb;
      worst = rel > worst ? rel : worst;
      cr_expect_leq(rel, FD_TOL, "width %zu depth %zu: dF/dx relative error %.3g > %.1g",
                    widths[iw], depths[id_], rel, FD_TOL);
      fm_net_free(&n);
    }
  fprintf(stderr, "mlp: worst relative error dF/dx vs FD: %.3g\n", worst);
}

/* Forward mode J dx against central differences of v along dx, and against
 * the reverse mode: c . (J dx) = (J^T c) . dx, an identity of the two passes
 * that holds to rounding (a few ulps of the sum), here demanded to 1e-12. */
Test(mlp, tangent_pass_matches_differences_and_reverse_mode)
{
  uint64_t id = 200;
  for (size_t iw = 0; iw < 3; iw++)
    for (size_t id_ = 0; id_ < 3; id_++, id++) {
      size_t d = 1 + id % 3, nd = NROWS * d;
      fm_net n;
      fm_net_make(&n, d, widths[iw], depths[id_], 2, id);
      double dx[NROWS * 8], jv[NROWS * 8], v0[NROWS * 8], gx[NROWS * 8];
      double xp[NROWS * 8], xm[NROWS * 8], vp[NROWS * 8], fd[NROWS * 8];
      fm_rng r = fm_rng_make(SEED, FM_RNG_STREAM(0x4a56, id));
      fm_rng_normals(dx, nd, &r, 0);
      cr_assert_eq(fm_mlp_jvp(v0, jv, n.w, n.m, n.t, n.x, dx, NROWS), FM_OK);
      for (size_t k = 0; k < nd; k++) {
        xp[k] = n.x[k] + FD_H * dx[k];
        xm[k] = n.x[k] - FD_H * dx[k];
      }
      cr_assert_eq(fm_mlp_forward(vp, n.w, n.m, n.t, xp, NROWS), FM_OK);
      cr_assert_eq(fm_mlp_forward(fd, n.w, n.m, n.t, xm, NROWS), FM_OK);
      for (size_t k = 0; k < nd; k++)
        fd[k] = (vp[k] - fd[k]) / (2.0 * FD_H);
      double nb, rel = fm_norm_diff(fd, jv, nd, &nb) / nb;
      cr_expect_leq(rel, FD_TOL, "width %zu depth %zu: J dx relative error %.3g",
                    widths[iw], depths[id_], rel);
      /* reverse mode at the same point */
      cr_assert_eq(fm_mlp_forward(v0, n.w, n.m, n.t, n.x, NROWS), FM_OK);
      cr_assert_eq(fm_mlp_backward(NULL, gx, n.w, n.m, n.c, NROWS), FM_OK);
      double a = 0.0, b = 0.0, sa = 0.0;
      for (size_t k = 0; k < nd; k++) {
        a += n.c[k] * jv[k];
        b += gx[k] * dx[k];
        sa += fabs(n.c[k] * jv[k]) + fabs(gx[k] * dx[k]);
      }
      cr_expect_leq(fabs(a - b), 1e-12 * sa,
                    "width %zu depth %zu: c.(J dx) = %.17g but (J^T c).dx = %.17g",
                    widths[iw], depths[id_], a, b);
      fm_net_free(&n);
    }
}

/* The exact divergence (d tangent passes) against the trace of the
 * central-difference Jacobian, sum_j (v_j(x + h e_j) - v_j(x - h e_j))/2h,
 * with the same error budget as above; relative to sum_j |dv_j/dx_j| so
 * that a divergence near 0 by cancellation is not held to a relative bound
 * it cannot have. */
Test(mlp, exact_divergence_matches_trace_of_differenced_jacobian)
{
  uint64_t id = 400;
  for (size_t iw = 0; iw < 3; iw++)
    for (size_t id_ = 0; id_ < 3; id_++, id++) {
      size_t d = 1 + id % 3, nd = NROWS * d;
      fm_net n;
      fm_net_make(&n, d, widths[iw], depths[id_], 1, id);
      double div[NROWS], v[NROWS * 8], vp[NROWS * 8], vm[NROWS * 8], x[NROWS * 8];
      double tr[NROWS] = {0}, scale[NROWS] = {0};
      cr_assert_eq(fm_mlp_divergence(v, div, n.w, n.m, n.t, n.x, NROWS), FM_OK);
      for (size_t j = 0; j < d; j++) {
        memcpy(x, n.x, nd * sizeof *x);
        for (size_t i = 0; i < NROWS; i++)
          x[i * d + j] += FD_H;
        cr_assert_eq(fm_mlp_forward(vp, n.w, n.m, n.t, x, NROWS), FM_OK);
        for (size_t i = 0; i < NROWS; i++)
          x[i * d + j] -= 2 * FD_H;
        cr_assert_eq(fm_mlp_forward(vm, n.w, n.m, n.t, x, NROWS), FM_OK);
        for (size_t i = 0; i < NROWS; i++) {
          double dj = (vp[i * d + j] - vm[i * d + j]) / (2 * FD_H);
          tr[i] += dj;
          scale[i] += fabs(dj);
        }
      }
      for (size_t i = 0; i < NROWS; i++)
        cr_expect_leq(fabs(div[i] - tr[i]), FD_TOL * scale[i],
                      "width %zu depth %zu d %zu row %zu: divergence %.12g, FD trace %.12g",
                      widths[iw], depths[id_], d, i, div[i], tr[i]);
      fm_net_free(&n);
    }
}

/* Plain-loop evaluation of one row from the layout documented in mlp.h. */
static void fm_naive_forward(double *v, const fm_mlp *m, double t, const double *x)
{
  const fm_mlp_arch *a = &m->arch;
  size_t nin = 1 + 2 * a->n_freq + a->d, width = a->width;
  double *z = malloc((nin > width ? nin : width) * sizeof *z);
  double *y = malloc((nin > width ? nin : width) * sizeof *y);
  z[0] = t;
  for (size_t k = 0; k < a->n_freq; k++) {
    double w = M_PI * ldexp(1.0, (int)k);
    z[1 + 2 * k] = sin(w * t);
    z[2 + 2 * k] = cos(w * t);
  }
  for (size_t k = 0; k < a->d; k++)
    z[1 + 2 * a->n_freq + k] = x[k];
  const double *p = m->theta;
  for (size_t l = 0; l <= a->depth; l++) {
    size_t nout = l == a->depth ? a->d : width;
    const double *W = p, *b = p + nout * nin;
    for (size_t i = 0; i < nout; i++) {
      long double s = b[i];
      for (size_t j = 0; j < nin; j++)
        s += (long double)W[i * nin + j] * z[j];
      double ai = (double)s;
      y[i] = l == a->depth ? ai : ai / (1.0 + exp(-ai));
    }
    p = b + nout;
    memcpy(z, y, nout * sizeof *z);
    nin = nout;
  }
  memcpy(v, z, a->d * sizeof *v);
  cr_assert_eq((size_t)(p - m->theta), m->n_params, "layout walks %td of %zu parameters",
               p - m->theta, m->n_params);
  free(z);
  free(y);
}

/* Agreement to 1e-12 relative (to the sum of |terms|): each output is a
 * short chain of dot products of length <= 33 in double, whose rounding is
 * ~depth * 33 * 1.1e-16 relative -- well inside 1e-12 -- while a transposed
 * or shifted weight block gives O(1) differences. */
Test(mlp, forward_matches_plain_loop_evaluation_of_the_layout)
{
  uint64_t id = 300;
  for (size_t iw = 0; iw < 3; iw++)
    for (size_t id_ = 0; id_ < 3; id_++)
      for (size_t jf = 0; jf < 2; jf++, id++) {
        size_t d = 1 + id % 3;
        fm_net n;
        fm_net_make(&n, d, widths[iw], depths[id_], freqs[jf], id);
        cr_assert_eq(fm_mlp_forward(n.v, n.w, n.m, n.t, n.x, NROWS), FM_OK);
        for (size_t i = 0; i < NROWS; i++) {
          double ref[8];
          fm_naive_forward(ref, n.m, n.t[i], n.x + i * d);
          for (size_t k = 0; k < d; k++)
            cr_expect_leq(fabs(n.v[i * d + k] - ref[k]), 1e-12 * (1.0 + fabs(ref[k])),
                          "width %zu depth %zu n_freq %zu row %zu: %.17g vs loop %.17g",
                          widths[iw], depths[id_], freqs[jf], i, n.v[i * d + k], ref[k]);
        }
        fm_net_free(&n);
      }
}

Test(mlp, initialisation_is_a_pure_function_of_the_stream)
{
  fm_mlp_arch a = {2, 16, 2, 1};
  fm_mlp *m1, *m2;
  cr_assert_eq(fm_mlp_alloc(&m1, &a, NULL), FM_OK);
  cr_assert_eq(fm_mlp_alloc(&m2, &a, NULL), FM_OK);
  fm_rng r = fm_rng_make(SEED, 7), r2 = fm_rng_make(SEED, 8);
  fm_mlp_init(m1, &r);
  fm_mlp_init(m2, &r);
  cr_assert(memcmp(m1->theta, m2->theta, m1->n_params * sizeof(double)) == 0);
  fm_mlp_init(m2, &r2);
  cr_assert(memcmp(m1->theta, m2->theta, m1->n_params * sizeof(double)) != 0);
  /* W_2 (16 x 16) entries ~ N(0, 1/16): the sample variance of 256 draws
   * lies within 5 standard errors (sd of s^2 = sqrt(2/255)/16) of 1/16. */
  fm_mlp_block b;
  fm_mlp_arch_block(&b, &a, 2);
  double s = 0.0;
  for (size_t j = 0; j < b.rows * b.cols; j++)
    s += m1->theta[b.offset + j] * m1->theta[b.offset + j];
  s /= (double)(b.rows * b.cols);
  cr_assert(fabs(s - 1.0 / 16) < 5 * sqrt(2.0 / 255) / 16, "init variance %.4g vs 1/16", s);
  fm_mlp_free(m1);
  fm_mlp_free(m2);
}

Test(mlp, rejects_bad_sizes_and_a_backward_without_forward)
{
  fm_errmsg e = {{0}};
  fm_mlp *m;
  fm_mlp_arch bad[] = {{0, 4, 1, 0}, {2, 0, 1, 0}, {2, 4, 0, 0}, {2, 4, 1, 17}};
  for (size_t i = 0; i < 4; i++) {
    cr_assert_eq(fm_mlp_alloc(&m, &bad[i], &e), FM_EINVAL);
    cr_assert(strstr(e.msg, "mlp:") != NULL, "message: %s", e.msg);
  }
  fm_mlp_arch a = {2, 4, 2, 0};
  fm_mlp_work *w;
  cr_assert_eq(fm_mlp_alloc(&m, &a, NULL), FM_OK);
  cr_assert_eq(fm_mlp_work_alloc(&w, &a, 3, NULL), FM_OK);
  double t[4] = {0.1, 0.2, 0.3, 0.4}, x[8] = {0}, v[8], g[64];
  cr_assert_eq(fm_mlp_backward(g, NULL, w, m, v, 3), FM_EINVAL);
  cr_assert_eq(fm_mlp_forward(v, w, m, t, x, 4), FM_EINVAL);
  cr_assert_eq(fm_mlp_forward(v, w, m, t, x, 3), FM_OK);
  cr_assert_eq(fm_mlp_backward(g, NULL, w, m, v, 2), FM_EINVAL);
  fm_mlp_arch a2 = {2, 5, 2, 0};
  fm_mlp *m2;
  cr_assert_eq(fm_mlp_alloc(&m2, &a2, NULL), FM_OK);
  cr_assert_eq(fm_mlp_forward(v, w, m2, t, x, 3), FM_EINVAL);
  fm_mlp_free(m2);
  fm_mlp_free(m);
  fm_mlp_work_free(w);
}

/* fm_mlp_gradcheck (the route that lets `check` see a wrong backward pass):
 * the true back-propagated gradient of the regression loss passes along 8
 * random directions on every architecture of the grid, and a gradient off
 * by a relative 1e-6 along itself, or by 8e-6 |g| in one parameter (~1e-6
 * |g| and less along each random direction of up to ~1600 parameters),
 * is rejected on each (the tolerance, derived in mlp_gradcheck.h, is ~1e-9
 * of |g| for these nets: Richardson's error at h0 = 2^-4, 5 levels, plus
 * rounding 64 eps; 1e-6 is 1000x above it).  theta is restored bit for
 * bit. */
Test(mlp, gradient_check_passes_backprop_and_rejects_a_perturbed_gradient)
{
  for (size_t iw = 0; iw < 3; iw++)
    for (size_t id = 0; id < 3; id++) {
      fm_net n;
      fm_net_make(&n, 2, widths[iw], depths[id], 2, 500 + iw * 3 + id);
      size_t p = n.m->n_params, k = 8;
      double *g = malloc((2 + k) * p * sizeof *g), *g2 = g + p, *R = g2 + p, L;
      cr_assert_not_null(g);
      fm_rng r = fm_rng_make(SEED, FM_RNG_STREAM(0x4743, iw * 3 + id));
      fm_rng_normals(R, k * p, &r, 0);
      for (size_t j = 0; j < k; j++) {
        double nn = 0.0;
        for (size_t a = 0; a < p; a++)
          nn += R[j * p + a] * R[j * p + a];
        for (size_t a = 0; a < p; a++)
          R[j * p + a] /= sqrt(nn);
      }
      double *theta = malloc(p * sizeof *theta);
      memcpy(theta, n.m->theta, p * sizeof *theta);
      cr_assert_eq(fm_mlp_loss_grad(&L, g, n.m, n.w, n.t, n.x, n.c, NROWS), FM_OK);
      fm_mlp_gradcheck_result res;
      cr_assert_eq(fm_mlp_gradcheck(&res, n.m, n.w, g, n.t, n.x, n.c, NROWS, R, k), FM_OK);
      cr_expect_leq(res.ratio, 1.0, "width %zu depth %zu: backprop %.17g vs FD %.17g (tol %g)",
                    widths[iw], depths[id], res.gr, res.D, res.tol);
      cr_expect_eq(memcmp(theta, n.m->theta, p * sizeof *theta), 0, "theta not restored");
      double gn = 0.0;
      for (size_t a = 0; a < p; a++)
        gn += g[a] * g[a];
      for (size_t a = 0; a < p; a++)
        g2[a] = g[a] * (1.0 + 1e-6);
      cr_assert_eq(fm_mlp_gradcheck(&res, n.m, n.w, g2, n.t, n.x, n.c, NROWS, R, k), FM_OK);
      cr_expect_gt(res.ratio, 1.0, "width %zu depth %zu: g (1 + 1e-6) passed (%.3g)",
                   widths[iw], depths[id], res.ratio);
      memcpy(g2, g, p * sizeof *g2);
      g2[p / 2] += 8e-6 * sqrt(gn);
      cr_assert_eq(fm_mlp_gradcheck(&res, n.m, n.w, g2, n.t, n.x, n.c, NROWS, R, k), FM_OK);
      cr_expect_gt(res.ratio, 1.0, "width %zu depth %zu: one parameter off passed (%.3g)",
                   widths[iw], depths[id], res.ratio);
      free(theta);
      free(g);
      fm_net_free(&n);
    }
}
