/* quad.h -- deterministic quadrature with error estimates (theorems/README.md,
 * "Integral identities (a)").
 *
 *  - Gauss-Hermite for Gaussian expectations.  GSL's
 *    gsl_integration_fixed_hermite rule integrates f(y) e^{-y^2}; with
 *    y = z / sqrt(2) and weights divided by sqrt(pi),
 *        E_{Z~N(0,1)} f(Z) = sum_i (w_i / sqrt(pi)) f(sqrt(2) y_i),
 *    exact for polynomials of degree <= 2n - 1.  d-dimensional Gaussians
 *    N(mu, L L^T) by the tensor product over z in R^d, x = mu + L z (n^d
 *    nodes: low d only).
 *  - Gauss-Legendre on [a, b] (gsl_integration_fixed_legendre).
 *  - Adaptive cubature on a box: libcubature's hcubature (h-adaptive,
 *    Genz-Malik) or pcubature (p-adaptive Clenshaw-Curtis).
 *
 * Error estimates.  A fixed rule has none of its own, so every fixed-rule
 * routine evaluates the rule with n AND with 2n nodes (per axis), returns
 * the 2n value and err = |Q_2n - Q_n| per component: an estimate of the
 * error of Q_n, hence conservative for Q_2n whenever the rule converges
 * (geometrically for the analytic integrands used here).  When the
 * integrand is not resolved by n nodes (e.g. a narrow spike), err is large
 * -- this is the signal checks use to say "quadrature not decisive here".
 * Cubature returns libcubature's own estimate.
 *
 * Integrands are vector-valued: f(y, x, ctx) writes fdim values at the
 * point x (dimension given by the routine); a nonzero return aborts the
 * integration and is propagated.
 */
#ifndef FM_QUAD_H
#define FM_QUAD_H

#include <stddef.h>

#include "fm_status.h"

typedef int (*fm_quad_fn)(double *y, const double *x, void *ctx);

/* A 1D rule: sum_i w[i] g(x[i]). */
typedef struct {
  size_t n;
  double *x, *w;
} fm_quad_rule;

/* E_{Z~N(0,1)} g(Z) ~ sum w_i g(x_i) (weights sum to 1).  n >= 1. */
int fm_quad_rule_hermite(fm_quad_rule **r, size_t n);
/* int_a^b g(t) dt ~ sum w_i g(x_i).  n >= 1, a < b finite. */
int fm_quad_rule_legendre(fm_quad_rule **r, size_t n, double a, double b);
void fm_quad_rule_free(fm_quad_rule *r);

/* Largest number of tensor nodes (2n)^d a Gaussian rule will evaluate. */
#define FM_QUAD_MAX_TENSOR ((size_t)1 << 22)

/* E_{X~N(mu, L L^T)} f(X) for X in R^d by tensor Gauss-Hermite with n and
 * 2n nodes per axis (val = 2n rule, err = |Q_2n - Q_n|; val, err of length
 * fdim, err may be NULL).  L is lower triangular d x d row-major (a
 * Cholesky factor; any square root works); mu may be NULL (zero).
 * FM_EINVAL if (2n)^d > FM_QUAD_MAX_TENSOR. */
int fm_quad_gh_gauss(double *val, double *err, fm_quad_fn f, void *ctx, size_t fdim,
                     const double *mu, const double *L, size_t d, size_t n);

/* The same with one given Hermite rule r (no error estimate): for callers
 * that evaluate many expectations with the same rules and want to build
 * them once.  val = sum over the tensor nodes z of prod w f(mu + L z). */
int fm_quad_gh_gauss_rule(double *val, fm_quad_fn f, void *ctx, size_t fdim,
                          const double *mu, const double *L, size_t d,
                          const fm_quad_rule *r);

/* int_a^b f(t) dt (scalar variable, fdim outputs) by Gauss-Legendre with
 * n and 2n nodes; val = 2n rule, err = |Q_2n - Q_n| (may be NULL). */
int fm_quad_legendre(double *val, double *err, fm_quad_fn f, void *ctx, size_t fdim,
                     double a, double b, size_t n);

typedef enum { FM_CUBATURE_H = 0, FM_CUBATURE_P = 1 } fm_cubature_method;

/* int over the box [lo, hi] in R^d of f (fdim outputs) by libcubature, to
 * abs_tol or rel_tol (libcubature's ERROR_INDIVIDUAL norm: each component),
 * at most maxeval evaluations (0: no limit).  err = libcubature's estimate.
 * FM_ECONV when maxeval was reached with some err above both tolerances
 * (val and err are still filled). */
int fm_quad_cubature(double *val, double *err, fm_quad_fn f, void *ctx, size_t fdim,
                     size_t d, const double *lo, const double *hi, double abs_tol,
                     double rel_tol, size_t maxeval, fm_cubature_method method);

#endif
