/* mc.c -- Monte Carlo statistics (see mc.h for the formulas and sources). */
#include "mc.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- Welford ---------------- */

void fm_welford_init(fm_welford *w) { *w = (fm_welford){0.0, 0.0, 0.0}; }

void fm_welford_add(fm_welford *w, double x)
{
  w->n += 1.0;
  double delta = x - w->mean;
  w->mean += delta / w->n;
  w->m2 += delta * (x - w->mean);
}

/* Chan, Golub & LeVeque (1979): exact for the union of the two samples. */
void fm_welford_merge(fm_welford *a, const fm_welford *b)
{
  if (b->n == 0.0)
    return;
  if (a->n == 0.0) {
    *a = *b;
    return;
  }
  double n = a->n + b->n, delta = b->mean - a->mean;
  a->mean += delta * (b->n / n);
  a->m2 += b->m2 + delta * delta * (a->n * b->n / n);
  a->n = n;
}

double fm_welford_var(const fm_welford *w) { return w->n < 2.0 ? NAN : w->m2 / (w->n - 1.0); }

double fm_welford_se(const fm_welford *w) { return sqrt(fm_welford_var(w) / w->n); }

int fm_mc_mean_se(double *mean, double *se, const double *x, size_t n)
{
  if (n < 2)
    return FM_EINVAL;
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += x[i];
  double m = s / (double)n, ss = 0.0, c = 0.0;
  for (size_t i = 0; i < n; i++) {
    ss += (x[i] - m) * (x[i] - m);
    c += x[i] - m;  /* compensation term of the corrected two-pass algorithm */
  }
  double var = (ss - c * c / (double)n) / (double)(n - 1);
  *mean = m + c / (double)n;
  if (se)
    *se = sqrt(fmax(var, 0.0) / (double)n);
  return FM_OK;
}

int fm_mc_batch_means(double *mean, double *se, const double *x, size_t n, size_t nbatch)
{
  if (nbatch < 2 || nbatch > n)
    return FM_EINVAL;
  size_t b = n / nbatch;
  double *bm = malloc(nbatch * sizeof *bm);
  if (bm == NULL)
    return FM_ENOMEM;
  for (size_t j = 0; j < nbatch; j++) {
    double s = 0.0;
    for (size_t i = 0; i < b; i++)
      s += x[j * b + i];
    bm[j] = s / (double)b;
  }
  int st = fm_mc_mean_se(mean, se, bm, nbatch);
  free(bm);
  return st;
}

/* ---------------- SNIS ----------------
 * All weight sums are stored relative to exp(ref), ref = the largest
 * log-weight seen.  Sums of f are centred at c (the first draw with positive
 * weight) to avoid cancellation in the delta-method variance:
 *   sw = sum w, sw2 = sum w^2, a[j] = sum w (f_j - c_j),
 *   b[j] = sum w^2 (f_j - c_j), q[j] = sum w^2 (f_j - c_j)^2.
 * With D = mu - c = a/sw:  sum w^2 (f - mu)^2 = q - 2 D b + D^2 sw2. */
struct fm_snis {
  size_t dim;
  double n, ref, sw, sw2;
  int have_c;
  double *c, *a, *b, *q;
};

int fm_snis_alloc(fm_snis **s, size_t dim)
{
  if (dim == 0)
    return FM_EINVAL;
  fm_snis *n = calloc(1, sizeof *n);
  if (n == NULL)
    return FM_ENOMEM;
  n->dim = dim;
  n->c = calloc(4 * dim, sizeof *n->c);
  if (n->c == NULL) {
    free(n);
    return FM_ENOMEM;
  }
  n->a = n->c + dim;
  n->b = n->c + 2 * dim;
  n->q = n->c + 3 * dim;
  fm_snis_reset(n);
  *s = n;
  return FM_OK;
}

void fm_snis_free(fm_snis *s)
{
  if (s == NULL)
    return;
  free(s->c);
  free(s);
}

void fm_snis_reset(fm_snis *s)
{
  s->n = 0.0;
  s->ref = -INFINITY;
  s->sw = s->sw2 = 0.0;
  s->have_c = 0;
  memset(s->c, 0, 4 * s->dim * sizeof *s->c);
}

/* Rescale every sum from reference `ref` to a larger `to`. */
static void fm_snis_rescale(fm_snis *s, double to)
{
  if (s->ref == -INFINITY) {
    s->ref = to;
    return;
  }
  double r1 = exp(s->ref - to), r2 = r1 * r1;
  s->sw *= r1;
  s->sw2 *= r2;
  for (size_t j = 0; j < s->dim; j++) {
    s->a[j] *= r1;
    s->b[j] *= r2;
    s->q[j] *= r2;
  }
  s->ref = to;
}

int fm_snis_add(fm_snis *s, double logw, const double *f)
{
  if (isnan(logw) || logw == INFINITY)
    return FM_ENONFIN;
  s->n += 1.0;
  if (logw == -INFINITY)
    return FM_OK;
  for (size_t j = 0; j < s->dim; j++)
    if (!isfinite(f[j]))
      return FM_ENONFIN;
  if (!s->have_c) {
    memcpy(s->c, f, s->dim * sizeof *f);
    s->have_c = 1;
  }
  if (logw > s->ref)
    fm_snis_rescale(s, logw);
  double w = exp(logw - s->ref), w2 = w * w;
  s->sw += w;
  s->sw2 += w2;
  for (size_t j = 0; j < s->dim; j++) {
    double e = f[j] - s->c[j];
    s->a[j] += w * e;
    s->b[j] += w2 * e;
    s->q[j] += w2 * e * e;
  }
  return FM_OK;
}

int fm_snis_merge(fm_snis *a, const fm_snis *b)
{
  if (a->dim != b->dim)
    return FM_EDIM;
  a->n += b->n;
  if (!b->have_c)
    return FM_OK;
  if (!a->have_c) {
    double n = a->n;
    memcpy(a->c, b->c, 4 * a->dim * sizeof *a->c);
    a->ref = b->ref;
    a->sw = b->sw;
    a->sw2 = b->sw2;
    a->have_c = 1;
    a->n = n;
    return FM_OK;
  }
  double to = fmax(a->ref, b->ref);
  fm_snis_rescale(a, to);
  double r1 = exp(b->ref - to), r2 = r1 * r1;
  a->sw += r1 * b->sw;
  a->sw2 += r2 * b->sw2;
  for (size_t j = 0; j < a->dim; j++) {
    /* re-centre b's sums from b->c to a->c: f - ca = (f - cb) + h */
    double h = b->c[j] - a->c[j];
    a->a[j] += r1 * (b->a[j] + h * b->sw);
    a->b[j] += r2 * (b->b[j] + h * b->sw2);
    a->q[j] += r2 * (b->q[j] + 2.0 * h * b->b[j] + h * h * b->sw2);
  }
  return FM_OK;
}

int fm_snis_result(double *mean, double *se, double *ess, const fm_snis *s)
{
  if (!(s->sw > 0.0))
    return FM_EDOM;
  for (size_t j = 0; j < s->dim; j++) {
    double D = s->a[j] / s->sw;
    if (mean)
      mean[j] = s->c[j] + D;
    if (se) {
      double v = s->q[j] - 2.0 * D * s->b[j] + D * D * s->sw2;
      se[j] = sqrt(fmax(v, 0.0)) / s->sw;
    }
  }
  if (ess)
    *ess = s->sw * s->sw / s->sw2;
  return FM_OK;
}

double fm_snis_count(const fm_snis *s) { return s->n; }

double fm_snis_log_sumw(const fm_snis *s) { return s->sw > 0.0 ? s->ref + log(s->sw) : -INFINITY; }

/* ---------------- z-tests ---------------- */

double fm_mc_z(double est, double exact, double se)
{
  double diff = est - exact;
  if (se > 0.0)
    return diff / se;
  if (diff == 0.0)
    return 0.0;
  return diff > 0.0 ? INFINITY : -INFINITY;
}

double fm_mc_z_pvalue(double z)
{
  if (isnan(z))
    return 0.0;  /* a NaN statistic is evidence of a defect, not of agreement */
  return 2.0 * gsl_cdf_ugaussian_Q(fabs(z));
}

double fm_mc_z_crit(double alpha, size_t m)
{
  return gsl_cdf_ugaussian_Qinv(alpha / (2.0 * (double)(m ? m : 1)));
}

/* qsort_r is not C11: a small insertion sort on indices is enough for the
 * handful of comparisons a check makes, and stable. */
static void fm_mc_sort_idx(size_t *idx, const double *p, size_t m)
{
  for (size_t i = 0; i < m; i++)
    idx[i] = i;
  for (size_t i = 1; i < m; i++) {
    size_t k = idx[i], j = i;
    while (j > 0 && p[idx[j - 1]] > p[k]) {
      idx[j] = idx[j - 1];
      j--;
    }
    idx[j] = k;
  }
}

int fm_mc_holm_adjust(double *adj, const double *p, size_t m)
{
  if (m == 0)
    return FM_OK;
  size_t *idx = malloc(m * sizeof *idx);
  double *tmp = malloc(m * sizeof *tmp);
  if (idx == NULL || tmp == NULL) {
    free(idx);
    free(tmp);
    return FM_ENOMEM;
  }
  fm_mc_sort_idx(idx, p, m);
  double run = 0.0;
  for (size_t j = 0; j < m; j++) {
    double v = fmin(1.0, (double)(m - j) * p[idx[j]]);
    run = fmax(run, v);
    tmp[idx[j]] = run;
  }
  memcpy(adj, tmp, m * sizeof *adj);
  free(idx);
  free(tmp);
  return FM_OK;
}

int fm_mc_ztest(fm_ztest *r, const double *est, const double *se, const double *exact,
                size_t m, double alpha)
{
  if (m == 0 || !(alpha > 0.0 && alpha < 1.0))
    return FM_EINVAL;
  double *p = malloc(m * sizeof *p);
  if (p == NULL)
    return FM_ENOMEM;
  *r = (fm_ztest){.m = m, .zcrit = fm_mc_z_crit(alpha, m), .pmin_holm = 1.0};
  for (size_t i = 0; i < m; i++) {
    double z = fabs(fm_mc_z(est[i], exact[i], se[i]));
    if (isnan(z))
      z = INFINITY;
    if (i == 0 || z > r->zmax) {
      r->zmax = z;
      r->imax = i;
    }
    p[i] = fm_mc_z_pvalue(z);
  }
  int st = fm_mc_holm_adjust(p, p, m);
  if (st == FM_OK)
    for (size_t i = 0; i < m; i++) {
      r->pmin_holm = fmin(r->pmin_holm, p[i]);
      r->nreject += p[i] <= alpha;
    }
  free(p);
  return st;
}

/* ---------------- log-log slope ---------------- */

int fm_mc_loglog_slope(fm_slope *s, const double *N, const double *err, size_t n,
                       double level)
{
  if (n < 3 || !(level > 0.0 && level < 1.0))
    return FM_EINVAL;
  double mx = 0.0, my = 0.0;
  for (size_t i = 0; i < n; i++) {
    if (!(N[i] > 0.0 && err[i] > 0.0 && isfinite(N[i]) && isfinite(err[i])))
      return FM_EDOM;
    mx += log(N[i]);
    my += log(err[i]);
  }
  mx /= (double)n;
  my /= (double)n;
  double sxx = 0.0, sxy = 0.0;
  for (size_t i = 0; i < n; i++) {
    double dx = log(N[i]) - mx, dy = log(err[i]) - my;
    sxx += dx * dx;
    sxy += dx * dy;
  }
  if (!(sxx > 0.0))
    return FM_EDOM;  /* all N equal: no slope */
  double b = sxy / sxx, a = my - b * mx, rss = 0.0;
  for (size_t i = 0; i < n; i++) {
    double r = log(err[i]) - (a + b * log(N[i]));
    rss += r * r;
  }
  double se = sqrt(rss / (double)(n - 2) / sxx);
  double tq = gsl_cdf_tdist_Pinv(0.5 * (1.0 + level), (double)(n - 2));
  *s = (fm_slope){b, a, se, b - tq * se, b + tq * se, n};
  return FM_OK;
}
