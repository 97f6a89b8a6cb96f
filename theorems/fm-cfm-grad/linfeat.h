/* linfeat.h -- the linear-in-parameters vector field of theorem fm-cfm-grad,
 *     v_Theta(t, x) = Theta phi(t, x),   Theta a d x p matrix (row-major),
 * with the fixed feature map
 *     phi(t, x) = (1, t, t^2, x_1, ..., x_d, t x_1, ..., t x_d),  p = 2d + 3,
 * and the sufficient statistics of its squared loss.
 *
 * Why these features: they are affine in x, so every conditional-flow
 * integrand (v(t, psi_t(x0)) - u_t(psi_t(x0)|x1)) phi^T is a polynomial of
 * degree 2 in (x0, x1) -- Gauss-Hermite with 3 nodes per axis integrates it
 * exactly -- while the t-part (1, t, t^2) and the products t x let the
 * gradient see how an error depends on time.
 *
 * A loss L(Theta) = E |Theta phi - y|^2 over any distribution of (phi, y) is
 * determined by the moments
 *     G = E[phi phi^T] (p x p),  B = E[y phi^T] (d x p),  c = E |y|^2:
 *     L(Theta)      = tr(Theta G Theta^T) - 2 tr(Theta B^T) + c,
 *     grad L(Theta) = 2 (Theta G - B).
 * fm_linfeat_mom accumulates weighted samples of them (quadrature nodes or
 * Monte Carlo draws alike).
 */
#ifndef FM_LINFEAT_H
#define FM_LINFEAT_H

#include <stddef.h>

#include "fm_status.h"

/* Number of features for dimension d. */
size_t fm_linfeat_count(size_t d);

/* phi[0 .. p-1] at (t, x). */
void fm_linfeat_eval(double *phi, double t, const double *x, size_t d);

/* A readable name of feature a for dimension d ("1", "t", "t^2", "x3",
 * "t*x3"; coordinates 1-based), into buf of length len. */
void fm_linfeat_name(char *buf, size_t len, size_t a, size_t d);

/* v = Theta phi. */
void fm_linfeat_apply(double *v, const double *Theta, const double *phi, size_t d,
                      size_t p);

/* Moments of the squared loss (see above). */
typedef struct {
  size_t d, p;
  double *G;  /* p*p */
  double *B;  /* d*p */
  double c;
} fm_linfeat_mom;

int fm_linfeat_mom_alloc(fm_linfeat_mom *m, size_t d);
void fm_linfeat_mom_free(fm_linfeat_mom *m);
void fm_linfeat_mom_zero(fm_linfeat_mom *m);
/* m += w * (phi phi^T, y phi^T, |y|^2). */
void fm_linfeat_mom_add(fm_linfeat_mom *m, double w, const double *phi, const double *y);
/* a += w * b (same d). */
void fm_linfeat_mom_axpy(fm_linfeat_mom *a, double w, const fm_linfeat_mom *b);
/* Flatten into v[0 .. p*p + d*p] (G, then B, then c), and back. */
size_t fm_linfeat_mom_size(const fm_linfeat_mom *m);
void fm_linfeat_mom_pack(double *v, const fm_linfeat_mom *m);
void fm_linfeat_mom_unpack(fm_linfeat_mom *m, const double *v);

/* L(Theta) and grad L(Theta) = 2 (Theta G - B) (grad: d*p, may be NULL). */
double fm_linfeat_loss(double *grad, const fm_linfeat_mom *m, const double *Theta);

#endif
