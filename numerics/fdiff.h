/* fdiff.h -- central finite differences with Richardson extrapolation.
 *
 * D(h) = (f(t+h) - f(t-h)) / 2h has error c2 h^2 + c4 h^4 + ...  With
 * h_k = h0 / 2^k, k = 0..levels-1, the Neville tableau
 *     T[k][j] = T[k][j-1] + (T[k][j-1] - T[k-1][j-1]) / (4^j - 1)
 * removes the h^2, h^4, ... terms.  The result is the diagonal entry of
 * smallest estimated error; the error estimate is |T[k][j] - T[k][j-1]|
 * (GSL's convention), floored by the round-off eps |f| 2^levels / h_min.  The *observed* order of the plain central
 * difference is log2(|D(h0)-D(h0/2)| / |D(h0/2)-D(h0/4)|) -- measured, not
 * assumed: a scheme or a function that is not what it claims shows it here.
 *
 * f is vector-valued (n components); all components share the steps.
 */
#ifndef FM_FDIFF_H
#define FM_FDIFF_H

#include <stddef.h>

/* y[0..n-1] = f(t); return FM_OK or an error code (propagated). */
typedef int (*fm_fdiff_fn)(double *y, double t, void *ctx);

#define FM_FDIFF_MAXLEV 8

typedef struct {
  double order;      /* observed order of the raw central difference (min over
                        components whose differences are above round-off) */
  double h_used;     /* step of the finest level */
  int levels;        /* levels actually used */
} fm_fdiff_info;

/* d[i] ~ f_i'(t), err[i] its error estimate (err may be NULL).  Steps are
 * h0, h0/2, ..., h0/2^(levels-1); 3 <= levels <= FM_FDIFF_MAXLEV.  The caller
 * keeps t +- h0 inside f's domain.  info may be NULL. */
int fm_fdiff_central(double *d, double *err, fm_fdiff_info *info, fm_fdiff_fn f,
                     void *ctx, size_t n, double t, double h0, int levels);

/* The step actually taken when p moves by about delta (> 0): p + max(delta,
 * 4 ulp(p)) is rounded, and a p near 1 (a time) has only ulp resolution, so
 * the forward differences of a first-order error analysis divide by this,
 * not by delta.  Exact (Sterbenz). */
double fm_fdiff_step(double p, double delta);

#endif
