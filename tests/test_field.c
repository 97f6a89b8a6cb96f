/* test_field.c -- the field adapters of cases/field.h.
 *
 * Analytic field: its divergence and Jacobian-vector product (closed forms
 * in field_gmm.c) against central differences of u with Richardson
 * extrapolation (fm_fdiff_central) of fm_gmm_marginal -- a second route that
 * shares only the library's u with the closed forms, not their algebra --
 * on every built-in case, at five times spanning the usable interval and at
 * exact draws of p_t plus a far-tail point.  Tolerance per comparison:
 *   4 x (Richardson's own error estimate, which includes its round-off
 *        floor eps |u| 2^levels / h_min), plus
 *   1e-11 (1 + |value|) for the closed form's rounding: sums of O(K d)
 *        products of posterior quantities rounded once from long double,
 *        each of the size of the result's terms (those are O(1)..O(1e2)
 *        on the built-ins), so ~1e-14 relative -- the 1e-11 leaves room for
 *        cancellation between the two parts of du/dx.
 * A divergence missing its posterior-covariance term, or with the wrong
 * rate (sigma'/sigma instead of c'/2c), is off by O(1): far outside.
 * The step: h0 = sqrt(min_k lambda_min(C_k(t)))/16, the field's length
 * scale over 16, five levels.
 *
 * Analytic field values equal fm_gmm_marginal bit for bit (the adapter adds
 * no arithmetic); the MLP adapter equals direct fm_mlp calls and does not
 * depend on how a call is split into sub-batches beyond rounding.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdio.h>

#include "fdiff.h"
#include "fm_test_smp.h"
#include "gmm.h"

#define SEED 20240620u
#define NT 5
#define NPT 3
#define FD_LEVELS 5
#define FLOOR_REL 1e-11

typedef struct {
  const fm_case *c;
  double t;
  const double *x, *w;
  size_t d;
  double *xs;
} fm_fd_ctx;

/* u(t, x + h w) through fm_gmm_marginal. */
static int fm_fd_u(double *y, double h, void *ctx)
{
  fm_fd_ctx *c = ctx;
  for (size_t i = 0; i < c->d; i++)
    c->xs[i] = c->x[i] + h * c->w[i];
  return fm_gmm_marginal(NULL, NULL, NULL, y, c->c->gmm, c->c->sched, c->t, c->xs);
}

/* The field's length scale at t: sqrt of the smallest eigenvalue of any C_k. */
static double fm_test_length_scale(const fm_gmm *g, const fm_sched_val *v)
{
  size_t d = g->d;
  gsl_matrix *A = gsl_matrix_alloc(d, d);
  gsl_vector *ev = gsl_vector_alloc(d);
  gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(d);
  double lmin = INFINITY;
  for (size_t k = 0; k < g->K; k++) {
    memcpy(A->data, g->cov + k * d * d, d * d * sizeof(double));
    cr_assert_eq(gsl_eigen_symm(A, ev, ws), 0);
    for (size_t i = 0; i < d; i++)
      lmin = fmin(lmin, gsl_vector_get(ev, i));
  }
  gsl_eigen_symm_free(ws);
  gsl_vector_free(ev);
  gsl_matrix_free(A);
  return sqrt(v->alpha * v->alpha * lmin + v->sigma * v->sigma);
}

/* Points of case c at time t: NPT - 1 exact draws of p_t and one far out. */
static void fm_test_points(double *x, const fm_case *c, const fm_sched_val *v, uint64_t id)
{
  size_t d = c->gmm->d;
  fm_gmm *pt;
  cr_assert_eq(fm_gmm_at_time(&pt, c->gmm, v), FM_OK);
  fm_rng r = fm_rng_make(SEED, FM_RNG_STREAM(0x4644, id));
  for (size_t p = 0; p < NPT; p++)
    fm_gmm_sample(x + p * d, pt, &r, p);
  for (size_t i = 0; i < d; i++) /* 4x a draw: far in the tail of p_t */
    x[(NPT - 1) * d + i] *= 4.0;
  fm_gmm_free(pt);
}

typedef struct {
  double worst_ratio; /* max |closed - fd| / tol */
  char where[160];
} fm_worst;

static void fm_worst_note(fm_worst *w, double ratio, const fm_case *c, double t,
                          const char *what)
{
  if (ratio > w->worst_ratio) {
    w->worst_ratio = ratio;
    snprintf(w->where, sizeof w->where, "%s at t = %g (%s)", c->name, t, what);
  }
}

/* One (case, t, point): divergence and one random-direction JVP. */
static void fm_test_one_point(fm_worst *wst, fm_field *f, const fm_case *c, double t,
                              const double *x, double h0, uint64_t id)
{
  size_t d = c->gmm->d;
  double v[16], div, jv[16], w[16], fd[16], err[16], xs[16], e1[16];
  cr_assert_eq(fm_field_div(f, v, &div, t, x, 1), FM_OK, "%s t=%g", c->name, t);
  fm_fd_ctx ctx = {c, t, x, e1, d, xs};
  double fdiv = 0.0, ferr = 0.0;
  for (size_t j = 0; j < d; j++) {
    memset(e1, 0, sizeof e1);
    e1[j] = 1.0;
    cr_assert_eq(fm_fdiff_central(fd, err, NULL, fm_fd_u, &ctx, d, 0.0, h0, FD_LEVELS), FM_OK);
    fdiv += fd[j];
    ferr += err[j];
  }
  double tol = 4.0 * ferr + FLOOR_REL * (1.0 + fabs(fdiv)), dv = fabs(div - fdiv);
  cr_expect(dv <= tol, "%s t=%.6g: div %.15g vs Richardson %.15g: |diff| %.3g > tol %.3g",
            c->name, t, div, fdiv, dv, tol);
  fm_worst_note(wst, dv / tol, c, t, "divergence");
  fm_rng r = fm_rng_make(SEED, FM_RNG_STREAM(0x4645, id));
  fm_rng_normals(w, d, &r, 0);
  cr_assert_eq(fm_field_jvp(f, v, jv, t, x, w, 1), FM_OK);
  ctx.w = w;
  cr_assert_eq(fm_fdiff_central(fd, err, NULL, fm_fd_u, &ctx, d, 0.0, h0, FD_LEVELS), FM_OK);
  for (size_t i = 0; i < d; i++) {
    double ti = 4.0 * err[i] + FLOOR_REL * (1.0 + fabs(fd[i])), di = fabs(jv[i] - fd[i]);
    cr_expect(di <= ti, "%s t=%.6g: (J w)[%zu] %.15g vs Richardson %.15g: %.3g > %.3g",
              c->name, t, i, jv[i], fd[i], di, ti);
    fm_worst_note(wst, di / ti, c, t, "jvp");
  }
}

Test(field, gmm_divergence_and_jvp_match_richardson_differences_of_u)
{
  fm_worst wst = {0.0, ""};
  for (size_t ci = 0; ci < fm_case_builtin_count(); ci++) {
    fm_case *c;
    cr_assert_eq(fm_case_builtin_load(&c, ci, NULL), FM_OK);
    fm_field *f = fm_test_gmm_field(c);
    double t0, t1;
    cr_assert_eq(fm_field_gmm_interval(&t0, &t1, c->sched), FM_OK, "%s", c->name);
    for (int k = 0; k < NT; k++) {
      double t = t0 + (t1 - t0) * k / (NT - 1.0), x[NPT * 16];
      fm_sched_val v;
      cr_assert_eq(fm_schedule_eval(&v, c->sched, t), FM_OK);
      fm_test_points(x, c, &v, ci * NT + (size_t)k);
      double h0 = fm_test_length_scale(c->gmm, &v) / 16.0;
      for (size_t p = 0; p < NPT; p++)
        fm_test_one_point(&wst, f, c, t, x + p * c->gmm->d, h0,
                          (ci * NT + (size_t)k) * NPT + p);
    }
    fm_field_free(f);
    fm_case_free(c);
  }
  fprintf(stderr, "field: worst |closed form - Richardson| / tol = %.3g (%s)\n",
          wst.worst_ratio, wst.where);
}

Test(field, gmm_values_equal_fm_gmm_marginal_bit_for_bit)
{
  fm_case *c = fm_test_case("aniso3d-vp");
  fm_field *f = fm_test_gmm_field(c);
  double x[5 * 3], v[5 * 3], u[3];
  fm_rng r = fm_rng_make(SEED, FM_RNG_STREAM(0x4646, 0));
  fm_rng_normals(x, 15, &r, 0);
  const double ts[] = {0.0, 0.3125, 0.9, 1.0 - 1e-6};
  for (size_t k = 0; k < 4; k++) {
    cr_assert_eq(fm_field_eval(f, v, ts[k], x, 5), FM_OK);
    for (size_t i = 0; i < 5; i++) {
      cr_assert_eq(fm_gmm_marginal(NULL, NULL, NULL, u, c->gmm, c->sched, ts[k], x + 3 * i),
                   FM_OK);
      for (size_t j = 0; j < 3; j++)
        cr_expect_eq(v[3 * i + j], u[j], "t=%g row %zu: %.17g vs %.17g", ts[k], i,
                     v[3 * i + j], u[j]);
    }
  }
  cr_expect_eq(f->rows, 20u, "row counter %llu", (unsigned long long)f->rows);
  cr_expect_eq(f->calls, 4u);
  /* VP at t = 1: sigma' = -inf, the schedule says so and the field passes it on */
  cr_expect_eq(fm_field_eval(f, v, 1.0, x, 1), FM_ESING);
  double t0, t1;
  cr_assert_eq(fm_field_gmm_interval(&t0, &t1, c->sched), FM_OK);
  cr_expect(t0 == 0.0 && t1 == 1.0 - FM_FIELD_END_DELTA, "[%g, %g]", t0, t1);
  fm_field_free(f);
  fm_case_free(c);
}

Test(field, mlp_adapter_equals_direct_calls_and_ignores_sub_batching)
{
  const size_t d = 3, n = 23;
  fm_mlp *m = fm_test_random_mlp(d, 24, 2, 2, SEED);
  fm_mlp_work *w;
  cr_assert_eq(fm_mlp_work_alloc(&w, &m->arch, n, NULL), FM_OK);
  fm_field *big, *small;
  cr_assert_eq(fm_field_mlp_alloc(&big, m, NULL, n, NULL), FM_OK);
  cr_assert_eq(fm_field_mlp_alloc(&small, m, NULL, 5, NULL), FM_OK);
  double x[23 * 3], dx[23 * 3], t[23], v0[23 * 3], j0[23 * 3], div0[23];
  double v1[23 * 3], j1[23 * 3], div1[23];
  fm_rng r = fm_rng_make(SEED, FM_RNG_STREAM(0x4647, 0));
  fm_rng_normals(x, n * d, &r, 0);
  fm_rng_normals(dx, n * d, &r, n * d);
  for (size_t i = 0; i < n; i++)
    t[i] = 0.4375;
  cr_assert_eq(fm_mlp_forward(v0, w, m, t, x, n), FM_OK);
  cr_assert_eq(fm_field_eval(big, v1, 0.4375, x, n), FM_OK);
  for (size_t i = 0; i < n * d; i++)
    cr_expect_eq(v0[i], v1[i], "forward entry %zu", i);
  cr_assert_eq(fm_mlp_divergence(v0, div0, w, m, t, x, n), FM_OK);
  cr_assert_eq(fm_field_div(small, v1, div1, 0.4375, x, n), FM_OK);
  /* split into 5+5+5+5+3 rows: dgemm may sum in another order; rounding only */
  for (size_t i = 0; i < n; i++)
    cr_expect(fabs(div0[i] - div1[i]) <= 1e-13 * (1.0 + fabs(div0[i])), "div row %zu: %.17g "
              "vs %.17g", i, div0[i], div1[i]);
  cr_assert_eq(fm_mlp_jvp(v0, j0, w, m, t, x, dx, n), FM_OK);
  cr_assert_eq(fm_field_jvp(small, v1, j1, 0.4375, x, dx, n), FM_OK);
  for (size_t i = 0; i < n * d; i++)
    cr_expect(fabs(j0[i] - j1[i]) <= 1e-13 * (1.0 + fabs(j0[i])), "jvp entry %zu", i);
  cr_expect_eq(small->calls, 2u);
  cr_expect_eq(small->rows, 2u * n);
  fm_field_free(big);
  fm_field_free(small);
  fm_mlp_work_free(w);
  fm_mlp_free(m);
}
