/* test_linfeat.c -- the linear-in-parameters model of theorems/linfeat.h:
 * the loss and gradient computed from the accumulated moments (G, B, c)
 * against direct sums over the same weighted samples, the gradient against
 * central differences of the loss, and the feature map's layout.  Inputs are
 * seeded Philox draws with "high-entropy" scales (not 0 or 1). */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>

#include "linfeat.h"
#include "rng.h"

#define D 3
#define NS 64

Test(linfeat, feature_map_layout_and_names)
{
  double phi[2 * D + 3], x[D] = {0.37, -1.25, 2.5}, t = 0.3;
  cr_assert_eq(fm_linfeat_count(D), 2 * D + 3);
  fm_linfeat_eval(phi, t, x, D);
  cr_expect_eq(phi[0], 1.0);
  cr_expect_eq(phi[1], t);
  cr_expect_eq(phi[2], t * t);
  for (size_t j = 0; j < D; j++) {
    cr_expect_eq(phi[3 + j], x[j]);
    cr_expect_eq(phi[3 + D + j], t * x[j]);
  }
  char name[32];
  fm_linfeat_name(name, sizeof name, 3 + D + 1, D);
  cr_expect_str_eq(name, "t*x2");
  fm_linfeat_name(name, sizeof name, 4, D);
  cr_expect_str_eq(name, "x2");
}

/* Direct route: L = sum_s w_s |Theta phi_s - y_s|^2, grad = 2 sum_s w_s
 * (Theta phi_s - y_s) phi_s^T.  Both routes add the same products in a
 * different order: agreement to 64 eps of the sum of |terms| (NS terms, each
 * a product of <= p + 2 rounded factors). */
Test(linfeat, loss_and_gradient_from_moments_match_direct_sums)
{
  size_t p = fm_linfeat_count(D);
  fm_rng r = fm_rng_make(20260, 1);
  double Theta[D * (2 * D + 3)], grad[D * (2 * D + 3)], gd[D * (2 * D + 3)] = {0};
  fm_rng_normals(Theta, D * p, &r, 0);
  fm_linfeat_mom m;
  cr_assert_eq(fm_linfeat_mom_alloc(&m, D), FM_OK);
  double Ld = 0.0, Labs = 0.0, gabs[D * (2 * D + 3)] = {0};
  for (size_t s = 0; s < NS; s++) {
    double x[D], y[D], phi[2 * D + 3], v[D];
    fm_rng_normals(x, D, &r, 1000 + 8 * s);
    fm_rng_normals(y, D, &r, 5000 + 8 * s);
    double t = fm_rng_uniform(&r, 9000 + s), w = 0.5 + fm_rng_uniform(&r, 9500 + s);
    fm_linfeat_eval(phi, t, x, D);
    fm_linfeat_mom_add(&m, w, phi, y);
    fm_linfeat_apply(v, Theta, phi, D, p);
    for (size_t i = 0; i < D; i++) {
      double e = v[i] - y[i];
      Ld += w * e * e;
      Labs += w * (fabs(v[i]) + fabs(y[i])) * (fabs(v[i]) + fabs(y[i]));
      for (size_t a = 0; a < p; a++) {
        gd[i * p + a] += 2.0 * w * e * phi[a];
        gabs[i * p + a] += 2.0 * w * (fabs(v[i]) + fabs(y[i])) * fabs(phi[a]);
      }
    }
  }
  double L = fm_linfeat_loss(grad, &m, Theta);
  cr_expect(fabs(L - Ld) <= 64.0 * DBL_EPSILON * (double)p * Labs,
            "loss from moments %.17g vs direct %.17g", L, Ld);
  for (size_t k = 0; k < D * p; k++)
    cr_expect(fabs(grad[k] - gd[k]) <= 64.0 * DBL_EPSILON * (double)p * gabs[k],
              "grad[%zu] from moments %.17g vs direct %.17g", k, grad[k], gd[k]);
  fm_linfeat_mom_free(&m);
}

/* L is quadratic in Theta, so the central difference with step h is exact
 * up to rounding: |L| eps / h per difference; h = 2^-10. */
Test(linfeat, gradient_matches_central_differences_of_the_loss)
{
  size_t p = fm_linfeat_count(D);
  fm_rng r = fm_rng_make(77, 2);
  double Theta[D * (2 * D + 3)], grad[D * (2 * D + 3)];
  fm_linfeat_mom m;
  cr_assert_eq(fm_linfeat_mom_alloc(&m, D), FM_OK);
  for (size_t s = 0; s < NS; s++) {
    double x[D], y[D], phi[2 * D + 3];
    fm_rng_normals(x, D, &r, 8 * s);
    fm_rng_normals(y, D, &r, 4000 + 8 * s);
    fm_linfeat_eval(phi, fm_rng_uniform(&r, s), x, D);
    fm_linfeat_mom_add(&m, 1.0 / NS, phi, y);
  }
  fm_rng_normals(Theta, D * p, &r, 90000);
  double L = fm_linfeat_loss(grad, &m, Theta), h = 0x1p-10;
  for (size_t k = 0; k < D * p; k++) {
    double keep = Theta[k];
    Theta[k] = keep + h;
    double Lp = fm_linfeat_loss(NULL, &m, Theta);
    Theta[k] = keep - h;
    double Lm = fm_linfeat_loss(NULL, &m, Theta);
    Theta[k] = keep;
    double fd = (Lp - Lm) / (2.0 * h), tol = 64.0 * DBL_EPSILON * (fabs(L) + 1.0) / h;
    cr_expect(fabs(fd - grad[k]) <= tol, "grad[%zu] %.17g vs central difference %.17g",
              k, grad[k], fd);
  }
  fm_linfeat_mom_free(&m);
}
