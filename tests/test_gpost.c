/* test_gmm_post.c -- the closed forms of theorems/gmm_post.h against
 * independent routes:
 *  - tr Cov(x1 | x) against the covariance of the posterior mixture built by
 *    cases/gmm_posterior.c (conjugacy, Sigma_k = (S_k^-1 + c I)^-1 by its own
 *    Cholesky algebra -- no eigenvalues, no z_k);
 *  - div u against Tweedie's second-order form d sigma'/sigma +
 *    (W/sigma)(alpha/sigma^2) tr Cov(x1|x), with that same reference trace;
 *  - for one component the prior-weighted field is the marginal field.
 * Points: fm_pointset of every built-in case (near-end and tail points
 * included).  eps = DBL_EPSILON.
 *
 * Tolerance (derivation).  Both routes start from the same double inputs;
 * each one's z_k / e_k is accurate to (3d+3) kappa_C eps relative (Cholesky,
 * Higham Thm 10.4), its posterior weights to (3d+3) kappa_C (1 + q_max) eps
 * (q enters the exponent; path_err.h gives kappa_C and q_max), its
 * eigenvalues or triangular solves to d kappa_S eps.  A term of tr Cov is a
 * weight times a product of at most two such quantities, so both routes are
 * within e = (4 (3d+3) kappa_C (1 + q_max) + 2 d kappa_S + 16) eps of the
 * magnitude of the terms
 *     M = sum_k gamma_k tr Sigma_k + sum_k gamma_k |mu_k - E| (|mu_k| + |E|)
 * (the second part: mu_k - E is a cancelling difference of numbers of size
 * |mu_k|, |E|), and the test allows 2 e M (two routes).
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "case.h"
#include "gpost.h"
#include "path_err.h"
#include "points.h"

#define NPTS 24

typedef struct {
  fm_case *c;
  fm_gmm_path *p;
  fm_gpost *post;
  fm_path_err *pe;
  fm_pointset *ps;
} fm_fx;

static void fm_fx_open(fm_fx *f, size_t i)
{
  cr_assert_eq(fm_case_builtin_load(&f->c, i, NULL), FM_OK);
  cr_assert_eq(fm_gmm_path_alloc(&f->p, f->c->gmm), FM_OK);
  cr_assert_eq(fm_gpost_alloc(&f->post, f->c->gmm), FM_OK);
  cr_assert_eq(fm_path_err_alloc(&f->pe, f->c->gmm), FM_OK);
  cr_assert_eq(fm_pointset_make(&f->ps, f->c, 7, NPTS), FM_OK);
}

static void fm_fx_close(fm_fx *f)
{
  fm_pointset_free(f->ps);
  fm_path_err_free(f->pe);
  fm_gpost_free(f->post);
  fm_gmm_path_free(f->p);
  fm_case_free(f->c);
}

/* Reference tr Cov(x1|x) from the posterior mixture, and the scale M. */
static void fm_ref_trcov(double *T, double *M, const fm_gmm *post)
{
  size_t d = post->d, K = post->K;
  double E[16] = {0}, tr = 0.0, B = 0.0, Bmag = 0.0, En = 0.0;
  cr_assert(d <= 16);
  for (size_t k = 0; k < K; k++)
    for (size_t i = 0; i < d; i++)
      E[i] += post->w[k] * post->mean[k * d + i];
  for (size_t i = 0; i < d; i++)
    En += E[i] * E[i];
  for (size_t k = 0; k < K; k++) {
    double dm = 0.0, mm = 0.0;
    for (size_t i = 0; i < d; i++) {
      tr += post->w[k] * post->cov[k * d * d + i * d + i];
      double e = post->mean[k * d + i] - E[i];
      dm += e * e;
      mm += post->mean[k * d + i] * post->mean[k * d + i];
    }
    B += post->w[k] * dm;
    Bmag += post->w[k] * sqrt(dm) * (sqrt(mm) + sqrt(En));
  }
  *T = tr + B;
  *M = tr + Bmag;
}

/* Evaluates everything at point i; returns 0 when sigma = 0 (skipped). */
static int fm_eval_point(fm_fx *f, size_t i, fm_sched_val *v, fm_gpost_val *r,
                         double *T, double *M, double *e)
{
  const double *x = f->ps->x + i * f->ps->d;
  cr_assert_eq(fm_schedule_eval(v, f->c->sched, f->ps->t[i]), FM_OK);
  if (!(v->sigma > 0.0))
    return 0;
  cr_assert_eq(fm_gmm_path_set(f->p, v), FM_OK);
  cr_assert_eq(fm_gmm_path_eval(NULL, NULL, NULL, NULL, f->p, x), FM_OK);
  fm_gpost_eval(r, f->post, f->p, v, FM_GPOST_POSTERIOR);
  fm_gmm *post;
  cr_assert_eq(fm_gmm_posterior(&post, NULL, f->c->gmm, v, x), FM_OK);
  fm_ref_trcov(T, M, post);
  fm_gmm_free(post);
  fm_path_errb b;
  fm_path_err_bound(&b, f->pe, f->p, v, x, DBL_EPSILON);
  double d = (double)f->ps->d;
  *e = (4.0 * (3.0 * d + 3.0) * b.kappa_max * (1.0 + b.q_max) +
        2.0 * d * fm_gpost_cond_S(f->post) + 16.0) * DBL_EPSILON;
  return 1;
}

Test(gmm_post, trcov_matches_the_posterior_mixture_covariance)
{
  for (size_t ci = 0; ci < fm_case_builtin_count(); ci++) {
    fm_fx f;
    fm_fx_open(&f, ci);
    for (size_t i = 0; i < f.ps->n; i++) {
      fm_sched_val v;
      fm_gpost_val r;
      double T, M, e;
      if (!fm_eval_point(&f, i, &v, &r, &T, &M, &e))
        continue;
      char where[256];
      fm_point_describe(where, sizeof where, f.ps, i);
      cr_expect(fabs(r.trcov - T) <= 2.0 * e * M,
                "%s at %s: tr Cov %.17g vs posterior mixture %.17g, |diff| %.3g > tol %.3g",
                f.c->name, where, r.trcov, T, fabs(r.trcov - T), 2.0 * e * M);
    }
    fm_fx_close(&f);
  }
}

/* div u = d sigma'/sigma + (W alpha / sigma^3) tr Cov(x1|x).  The
 * reference is 1/sigma^3-singular, so only points with sigma >= 0.1 are
 * compared; its error is |W alpha/sigma^3| 2 e M plus rounding of the
 * sum, the closed form's 2 e div_mag. */
Test(gmm_post, divergence_matches_tweedie_second_order_form)
{
  size_t compared = 0;
  for (size_t ci = 0; ci < fm_case_builtin_count(); ci++) {
    fm_fx f;
    fm_fx_open(&f, ci);
    double d = (double)f.ps->d;
    for (size_t i = 0; i < f.ps->n; i++) {
      fm_sched_val v;
      fm_gpost_val r;
      double T, M, e;
      if (!fm_eval_point(&f, i, &v, &r, &T, &M, &e) || v.sigma < 0.1)
        continue;
      double W = v.dalpha * v.sigma - v.alpha * v.dsigma;
      double c = W * v.alpha / (v.sigma * v.sigma * v.sigma);
      double ref = d * v.dsigma / v.sigma + c * T;
      double tol = 2.0 * e * (fabs(c) * M + r.div_mag) +
                   4.0 * DBL_EPSILON * (fabs(d * v.dsigma / v.sigma) + fabs(c * T));
      char where[256];
      fm_point_describe(where, sizeof where, f.ps, i);
      cr_expect(fabs(r.div - ref) <= tol, "%s at %s: div u %.17g vs Tweedie form %.17g "
                "(|diff| %.3g > tol %.3g)", f.c->name, where, r.div, ref,
                fabs(r.div - ref), tol);
      compared++;
    }
    fm_fx_close(&f);
  }
  cr_expect_gt(compared, 100, "only %zu points compared", compared);
}

/* With K = 1 the posterior weight is 1 = the prior weight: the prior
 * field is u itself (to the rounding of u: path_err's bound) and its
 * divergence the closed form's (V = 0 identically). */
Test(gmm_post, prior_weighted_field_is_the_marginal_field_for_one_component)
{
  size_t ran = 0;
  for (size_t ci = 0; ci < fm_case_builtin_count(); ci++) {
    fm_fx f;
    fm_fx_open(&f, ci);
    if (f.c->gmm->K != 1) {
      fm_fx_close(&f);
      continue;
    }
    for (size_t i = 0; i < f.ps->n; i++) {
      const double *x = f.ps->x + i * f.ps->d;
      fm_sched_val v;
      double u[16], uw[16];
      cr_assert_eq(fm_schedule_eval(&v, f.c->sched, f.ps->t[i]), FM_OK);
      cr_assert_eq(fm_gmm_path_set(f.p, &v), FM_OK);
      cr_assert_eq(fm_gmm_path_eval(NULL, NULL, NULL, u, f.p, x), FM_OK);
      fm_gpost_prior_field(uw, f.post, f.p, &v);
      fm_path_errb b;
      fm_path_err_bound(&b, f.pe, f.p, &v, x, DBL_EPSILON);
      fm_gpost_val rp, rw;
      fm_gpost_eval(&rp, f.post, f.p, &v, FM_GPOST_POSTERIOR);
      fm_gpost_eval(&rw, f.post, f.p, &v, FM_GPOST_PRIOR);
      /* both fields are alpha' mu + sigma sigma' z with the same mu, z:
       * they differ by the long-double vs double sums, <= 2 B_u */
      cr_expect(fabs(u[0] - uw[0]) <= 2.0 * b.u, "%s t=%.10g: u %.17g vs prior field %.17g",
                f.c->name, f.ps->t[i], u[0], uw[0]);
      cr_expect(fabs(rp.div - rw.div) <= 4.0 * DBL_EPSILON * rp.div_mag,
                "%s t=%.10g: div %.17g vs prior-weighted div %.17g", f.c->name, f.ps->t[i],
                rp.div, rw.div);
      ran++;
    }
    fm_fx_close(&f);
  }
  cr_expect_gt(ran, 0);
}
