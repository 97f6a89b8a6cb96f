/* api_compare_field.c -- someone's field v against the exact u_t, as
 * `fmcheck compare-field` scores it:
 *     rel_l2 = sqrt( sum_i |v_i - u_i|^2 / sum_i |u_i|^2 ),
 * the worst point the one with the largest |v_i - u_i|; the same sums in
 * the same order as the command, so the same bits. */
#include "api_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The sums and the worst point, given u at every point. */
static void fm_api_cfield_sums(fmcheck_field_cmp *r, const double *u, const double *v,
                               const double *t, size_t nt, size_t n, size_t d)
{
  double num = 0.0, den = 0.0;
  r->worst_abs_err = -1.0;
  for (size_t i = 0; i < n; i++) {
    double e2 = 0.0, u2 = 0.0;
    for (size_t j = 0; j < d; j++) {
      double dv = v[i * d + j] - u[i * d + j];
      e2 += dv * dv;
      u2 += u[i * d + j] * u[i * d + j];
    }
    num += e2;
    den += u2;
    if (sqrt(e2) > r->worst_abs_err) {
      r->worst_row = i;
      r->worst_t = t[nt == 1 ? 0 : i];
      r->worst_abs_err = sqrt(e2);
      r->worst_norm_u = sqrt(u2);
    }
  }
  r->rel_l2 = den > 0.0 ? sqrt(num / den) : (num > 0.0 ? INFINITY : 0.0);
}

int fmcheck_compare_field(fmcheck_field_cmp *r, const fmcheck_case *c, const double *t,
                          size_t nt, const double *x, const double *v, size_t n, double tol,
                          fmcheck_error *err)
{
  fm_api_clear(err);
  int st = fm_api_check_points(c, t, nt, x, n, err);
  if (st != FM_OK)
    return st;
  if (r == NULL || (v == NULL && n > 0))
    return fm_api_fail(err, FM_EINVAL, "the result or the field values are NULL");
  if (n == 0)
    return fm_api_fail(err, FM_EINVAL, "no points to compare");
  if (!(tol >= 0.0))
    return fm_api_fail(err, FM_EINVAL, "tolerance %g: expected a number >= 0", tol);
  size_t d = c->c->gmm->d;
  double *u = malloc(n * d * sizeof *u);
  if (u == NULL)
    return fm_api_fail(err, FM_ENOMEM, "compare-field: out of memory");
  fm_gsl_quiet();
  st = fm_api_field_rows(u, NULL, NULL, NULL, c->c, t, nt, x, n, err);
  if (st == FM_OK) {
    *r = (fmcheck_field_cmp){n, 0.0, tol, 0, t[0], 0.0, 0.0, 0};
    fm_api_cfield_sums(r, u, v, t, nt, n, d);
    r->passed = r->rel_l2 <= tol;
  }
  free(u);
  return st;
}

size_t fmcheck_field_cmp_text(char *buf, size_t len, const fmcheck_field_cmp *r,
                              const fmcheck_case *c)
{
  const fm_case *fc = c->c;
  int k = snprintf(buf, len,
                   "compare-field: case %s (%s), %zu rows, dimension %zu\n"
                   "relative L2 error  %.6g  (tolerance %.3g)\n"
                   "worst row          %zu (t = %.17g): |v - u| = %.6g, |u| = %.6g, "
                   "relative %.6g\n%s\n",
                   fc->name, fc->origin, r->rows, fc->gmm->d, r->rel_l2, r->tol,
                   r->worst_row + 1, r->worst_t, r->worst_abs_err, r->worst_norm_u,
                   r->worst_norm_u > 0.0 ? r->worst_abs_err / r->worst_norm_u : INFINITY,
                   r->passed ? "PASS" : "FAIL");
  return k < 0 ? 0 : (size_t)k;
}
