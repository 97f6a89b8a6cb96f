/* points.c -- seeded evaluation points for pointwise checks (see points.h for
 * the layout of kinds and the definition of tail points). */
#include "points.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "fdiff.h"

/* Stream purposes: one independent stream per use. */
enum { FM_PT_S_TIME = 0, FM_PT_S_X0 = 1, FM_PT_S_X1 = 2, FM_PT_S_DIR = 3 };

static fm_rng fm_pt_stream(uint64_t seed, unsigned purpose)
{
  return fm_rng_make(seed, FM_RNG_STREAM(FM_PT_RNG_TAG, purpose));
}

/* i mod 10 -> kind: near-end and tail points come first so that every kind
 * is present for n >= 4. */
static int fm_pt_kind_of(size_t i)
{
  switch (i % 10) {
  case 0: return FM_PT_NEAR0;
  case 1: return FM_PT_NEAR1;
  case 2:
  case 5: return FM_PT_TAIL;
  default: return FM_PT_TYPICAL;
  }
}

static double fm_pt_time(int kind, double u)
{
  switch (kind) {
  case FM_PT_NEAR0: return 1e-6 + 1e-6 * u;
  case FM_PT_NEAR1: return (1.0 - 2e-6) + 1e-6 * u;
  case FM_PT_TAIL: return 1e-6 + (1.0 - 2e-6) * u;
  default: return u;
  }
}

/* x = alpha m_k + R s e with e a random unit vector and s^2 = e' C_k e,
 * C_k = alpha^2 S_k + sigma^2 I (the std of component k of p_t along e). */
static void fm_pt_tail(double *x, const fm_gmm *g, size_t k, const fm_sched_val *v,
                       const fm_rng *rdir, uint64_t i)
{
  size_t d = g->d;
  fm_rng_normals(x, d, rdir, i * (uint64_t)d);
  double nrm = 0.0;
  for (size_t j = 0; j < d; j++)
    nrm += x[j] * x[j];
  nrm = sqrt(nrm);
  for (size_t j = 0; j < d; j++)
    x[j] = nrm > 0.0 ? x[j] / nrm : (j == 0);
  const double *S = g->cov + k * d * d;
  double q = 0.0;
  for (size_t a = 0; a < d; a++)
    for (size_t b = 0; b < d; b++)
      q += x[a] * S[a * d + b] * x[b];
  double s = sqrt(v->alpha * v->alpha * q + v->sigma * v->sigma);
  for (size_t j = 0; j < d; j++)
    x[j] = v->alpha * g->mean[k * d + j] + FM_PT_TAIL_R * s * x[j];
}

static int fm_pt_alloc(fm_pointset **ps, size_t n, size_t d)
{
  fm_pointset *p = calloc(1, sizeof *p);
  if (p == NULL)
    return FM_ENOMEM;
  p->n = n;
  p->d = d;
  p->t = malloc(n * sizeof *p->t);
  p->x0 = malloc(n * d * sizeof *p->x0);
  p->x1 = malloc(n * d * sizeof *p->x1);
  p->x = malloc(n * d * sizeof *p->x);
  p->kind = malloc(n * sizeof *p->kind);
  if (p->t == NULL || p->x0 == NULL || p->x1 == NULL || p->x == NULL || p->kind == NULL) {
    fm_pointset_free(p);
    return FM_ENOMEM;
  }
  *ps = p;
  return FM_OK;
}

int fm_pointset_make(fm_pointset **ps, const fm_case *c, uint64_t seed, size_t n)
{
  *ps = NULL;
  if (n == 0)
    return FM_EINVAL;
  const fm_gmm *g = c->gmm;
  size_t d = g->d;
  fm_pointset *p;
  int st = fm_pt_alloc(&p, n, d);
  if (st != FM_OK)
    return st;
  fm_rng rt = fm_pt_stream(seed, FM_PT_S_TIME), r0 = fm_pt_stream(seed, FM_PT_S_X0),
         r1 = fm_pt_stream(seed, FM_PT_S_X1), rd = fm_pt_stream(seed, FM_PT_S_DIR);
  for (size_t i = 0; i < n && st == FM_OK; i++) {
    double *x0 = p->x0 + i * d, *x1 = p->x1 + i * d, *x = p->x + i * d;
    p->kind[i] = fm_pt_kind_of(i);
    p->t[i] = fm_pt_time(p->kind[i], fm_rng_uniform(&rt, i));
    fm_rng_normals(x0, d, &r0, i * (uint64_t)d);
    fm_gmm_sample(x1, g, &r1, i);
    fm_sched_val v;
    st = fm_schedule_eval(&v, c->sched, p->t[i]);
    if (st != FM_OK)
      break;
    if (p->kind[i] == FM_PT_TAIL)
      fm_pt_tail(x, g, fm_gmm_sample_component(g, &r1, i), &v, &rd, i);
    else
      fm_cond_flow(x, &v, x0, x1, d);
  }
  if (st != FM_OK) {
    fm_pointset_free(p);
    return st;
  }
  *ps = p;
  return FM_OK;
}

void fm_pointset_free(fm_pointset *ps)
{
  if (ps == NULL)
    return;
  free(ps->t);
  free(ps->x0);
  free(ps->x1);
  free(ps->x);
  free(ps->kind);
  free(ps);
}

double fm_maxdiff(const double *a, const double *ref, size_t d, double scale,
                  size_t *where)
{
  double m = 0.0;
  size_t at = 0;
  for (size_t i = 0; i < d; i++) {
    double e = fabs(a[i] - ref[i]) / scale;
    if (isnan(e)) {
      m = NAN;
      at = i;
      break;
    }
    if (e > m) {
      m = e;
      at = i;
    }
  }
  if (where != NULL)
    *where = at;
  return m;
}

const char *fm_point_kind_name(int kind)
{
  static const char *const names[] = {"typical", "near0", "near1", "tail"};
  return kind >= 0 && kind < 4 ? names[kind] : "?";
}

void fm_point_describe(char *buf, size_t len, const fm_pointset *ps, size_t i)
{
  if (len == 0)
    return;
  char tail[32];
  int nt = snprintf(tail, sizeof tail, "] (%s)", fm_point_kind_name(ps->kind[i]));
  /* room for the closing part and "..." is reserved before each coordinate */
  size_t reserve = (size_t)nt + 4;
  size_t pos = (size_t)snprintf(buf, len, "t=%.10g, x=[", ps->t[i]);
  if (pos >= len)
    return; /* already truncated by snprintf */
  for (size_t j = 0; j < ps->d && pos + reserve < len; j++) {
    char num[40];
    int w = snprintf(num, sizeof num, "%s%.6g", j ? ", " : "", ps->x[i * ps->d + j]);
    if (pos + (size_t)w + reserve >= len) {
      pos += (size_t)snprintf(buf + pos, len - pos, "...");
      break;
    }
    memcpy(buf + pos, num, (size_t)w + 1);
    pos += (size_t)w;
  }
  if (pos < len)
    snprintf(buf + pos, len - pos, "%s", tail);
}

double fm_sched_cond(const fm_sched_val *v)
{
  const double f[4] = {v->alpha, v->sigma, v->dalpha, v->dsigma};
  double k = 0.0;
  for (int i = 0; i < 4; i++)
    if (f[i] != 0.0 && isfinite(f[i]) && fabs(log(fabs(f[i]))) > k)
      k = fabs(log(fabs(f[i])));
  return 1.0 + k;
}

/* RMS of the noise in f[0..11] from its six sixth differences. */
static double fm_pt_noise6(const double *f)
{
  static const double binom[7] = {1, 6, 15, 20, 15, 6, 1};
  const double gamma6 = 518400.0 / 479001600.0; /* (6!)^2 / 12! */
  double ss = 0.0;
  for (int i = 0; i < 6; i++) {
    double D = 0.0;
    for (int k = 0; k <= 6; k++)
      D += ((6 - k) % 2 ? -binom[k] : binom[k]) * f[i + k];
    ss += D * D;
  }
  return sqrt(gamma6 * ss / 6.0);
}

/* The noise grids (points.h): h a power of two and t moved onto its grid,
 * so every t + j h is an exact double and no noise enters through the
 * abscissae.  floor != 0 (fm_sched_noise): h >= 2^8 ulp(t) where the
 * stencil fits, so that the abscissae are distinct and the intermediate
 * values move by many of their own ulps from one abscissa to the next (else
 * the rounding is a staircase whose differences say nothing: near t = 1,
 * 2^-20 (1 - t) falls below ulp(t) once 1 - t < 2^-33 and the twelve
 * abscissae collapse onto a few).  floor == 0: fm_sched_relnoise's grid,
 * kept as it was (see points.h). */
static void fm_pt_noise_grid(double *tb, double *h, double t, int floor)
{
  double m = fmin(t, 1.0 - t), want = 0x1p-20 * m;
  if (floor)
    want = fmin(fmax(want, ldexp(1.0, ilogb(t) - 44)), 0.125 * m);
  int e;
  frexp(want, &e); /* want = f 2^e, f in [1/2, 1) */
  *h = ldexp(1.0, e - 1);
  *tb = nearbyint(t / *h) * *h;
}

/* Absolute RMS noise of alpha, sigma, alpha', sigma' into n, the values at
 * the grid's centre into c (the grid of fm_pt_noise_grid with floor); FM_OK
 * or the status of an evaluation. */
static int fm_pt_noise(double n[4], double c[4], const fm_schedule *s, double t, int floor)
{
  double tb, h, f[4][12];
  fm_pt_noise_grid(&tb, &h, t, floor);
  for (int j = 0; j < 12; j++) {
    fm_sched_val v;
    int st = fm_schedule_eval(&v, s, tb + (j - 5) * h);
    if (st != FM_OK)
      return st;
    f[0][j] = v.alpha;
    f[1][j] = v.sigma;
    f[2][j] = v.dalpha;
    f[3][j] = v.dsigma;
  }
  for (int k = 0; k < 4; k++) {
    n[k] = fm_pt_noise6(f[k]);
    c[k] = f[k][5];
  }
  return FM_OK;
}

int fm_sched_noise(double n[4], const fm_schedule *s, double t)
{
  double c[4];
  for (int k = 0; k < 4; k++)
    n[k] = 0.0;
  if (!(t > 0.0 && t < 1.0))
    return FM_OK;
  int st = fm_pt_noise(n, c, s, t, 1);
  if (st != FM_OK)
    for (int k = 0; k < 4; k++)
      n[k] = 0.0;
  return st;
}

double fm_sched_relnoise(const fm_schedule *s, double t)
{
  double n[4], c[4];
  if (!(t > 0.0 && t < 1.0) || fm_pt_noise(n, c, s, t, 0) != FM_OK)
    return 0.0;
  double r = 0.0;
  for (int k = 0; k < 2; k++)
    if (c[k] != 0.0)
      r = fmax(r, n[k] / fabs(c[k]));
  return r;
}

/* The largest measured relative error of alpha and sigma (expr only:
 * fm_schedule_eval_errors) at t + j min(t, 1 - t)/16, j = -4..4 -- the
 * neighbourhood a route's difference stencil reaches (h0 <= min(t, 1-t)/4).
 * 0 for schedules without the measurement. */
static double fm_pt_measured_relerr(const fm_schedule *s, double t)
{
  double m = fmin(t, 1.0 - t), r = 0.0;
  if (!(m > 0.0))
    return 0.0;
  for (int j = -4; j <= 4; j++) {
    double tj = t + j * (m / 16.0), e[4];
    fm_sched_val v;
    if (fm_schedule_eval(&v, s, tj) != FM_OK)
      continue;
    if (fm_schedule_eval_errors(e, s, tj, &v) != FM_OK)
      return r;
    if (v.alpha != 0.0)
      r = fmax(r, e[0] / fabs(v.alpha));
    if (v.sigma != 0.0)
      r = fmax(r, e[1] / fabs(v.sigma));
  }
  return r;
}

double fm_sched_value_err(const fm_schedule *s, double t, double kappa)
{
  double r = fmax(4.0 * kappa * DBL_EPSILON, 8.0 * fm_sched_relnoise(s, t));
  return fmax(r, 2.0 * fm_pt_measured_relerr(s, t));
}

int fm_sched_value_errs(double e[4], const fm_schedule *s, double t, const fm_sched_val *v,
                        int twin)
{
  const double f[4] = {v->alpha, v->sigma, v->dalpha, v->dsigma};
  double kappa = fm_sched_cond(v);
  if (twin) {
    double r = fm_sched_value_err(s, t, kappa);
    for (int k = 0; k < 4; k++)
      e[k] = r * fabs(f[k]);
    return FM_OK;
  }
  double n[4], m[4] = {0, 0, 0, 0};
  int st = fm_sched_noise(n, s, t);
  int sm = fm_schedule_eval_errors(m, s, t, v);
  if (sm != FM_OK && sm != FM_ENOTAVAIL && st == FM_OK)
    st = sm;
  for (int k = 0; k < 4; k++) {
    double norm = k < 2 ? fabs(f[0]) + fabs(f[1]) : fabs(f[2]) + fabs(f[3]);
    e[k] = fmax(fmax(4.0 * kappa * DBL_EPSILON * norm, 8.0 * n[k]), 2.0 * m[k]);
  }
  return st;
}

static double fm_pt_move(const fm_sched_val *a, const fm_sched_val *b, const double dv[4])
{
  const double fa[4] = {a->alpha, a->sigma, a->dalpha, a->dsigma};
  const double fb[4] = {b->alpha, b->sigma, b->dalpha, b->dsigma};
  double r = 0.0;
  for (int k = 0; k < 4; k++)
    if (dv[k] > 0.0)
      r = fmax(r, fabs(fb[k] - fa[k]) / dv[k]);
  return r;
}

int fm_sched_tstep(double *h, double *ratio, const fm_schedule *s, double t,
                   const fm_sched_val *v, const double dv[4])
{
  double m = fmin(t, 1.0 - t);
  *h = NAN, *ratio = 0.0;
  if (!(m > 0.0))
    return FM_EDOM;
  double step = fm_fdiff_step(t, 0x1p-20 * m);
  for (;;) {
    fm_sched_val vk;
    int st = fm_schedule_eval(&vk, s, t + step);
    if (st != FM_OK)
      return st;
    *h = step, *ratio = fm_pt_move(v, &vk, dv);
    if (*ratio >= 64.0 || 2.0 * step > 0.125 * m)
      return FM_OK;
    step = fm_fdiff_step(t, 2.0 * step);
  }
}

int fm_sched_eval_candidate(fm_sched_val *v, const fm_schedule *s, double t,
                            double dsigma_factor, int reversed)
{
  int st = fm_schedule_eval(v, s, reversed ? 1.0 - t : t);
  if (st != FM_OK)
    return st;
  if (reversed) {
    v->dalpha = -v->dalpha;
    v->dsigma = -v->dsigma;
  }
  v->dsigma *= dsigma_factor;
  return FM_OK;
}

int fm_fdiff_grid(double *tc, double *h0, double t, double hmax)
{
  const double grid = 0x1p-40;
  if (!(t >= 0x1p-30 && t <= 1.0 - 0x1p-30) || !(hmax > 0.0))
    return FM_EDOM;
  double c = nearbyint(t / grid) * grid;
  double lim = fmin(hmax, fmin(0.25 * c, 0.25 * (1.0 - c)));
  int e;
  frexp(lim, &e); /* lim = m 2^e, m in [1/2, 1) */
  *tc = c;
  *h0 = ldexp(1.0, e - 1);
  return FM_OK;
}

int fm_fdiff_observed_order(double *order, fm_fdiff_fn f, void *ctx, size_t n, double t,
                            double h0, double noise)
{
  *order = NAN;
  double *y = malloc(5 * n * sizeof *y);
  if (y == NULL)
    return FM_ENOMEM;
  double *D[3] = {y + 2 * n, y + 3 * n, y + 4 * n};
  int st = FM_OK;
  double h = h0;
  for (int k = 0; k < 3 && st == FM_OK; k++, h *= 0.5) {
    st = f(y, t + h, ctx);
    if (st == FM_OK)
      st = f(y + n, t - h, ctx);
    for (size_t j = 0; j < n && st == FM_OK; j++)
      D[k][j] = (y[j] - y[n + j]) / (2.0 * h);
  }
  for (size_t j = 0; j < n && st == FM_OK; j++) {
    double a = fabs(D[0][j] - D[1][j]), b = fabs(D[1][j] - D[2][j]);
    if (b > 32.0 * 6.0 * noise / h0 && a > 0.0) {
      double o = log2(a / b);
      if (!(o >= *order))
        *order = o;
    }
  }
  free(y);
  return st;
}

size_t fm_min_median(double *min, double *median, const double *a, size_t n)
{
  *min = *median = NAN;
  double *o = malloc((n ? n : 1) * sizeof *o);
  size_t m = 0;
  if (o == NULL)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(a[i]))
      o[m++] = a[i];
  for (size_t i = 1; i < m; i++) /* insertion sort: n is small */
    for (size_t j = i; j > 0 && o[j - 1] > o[j]; j--) {
      double tmp = o[j];
      o[j] = o[j - 1];
      o[j - 1] = tmp;
    }
  if (m > 0) {
    *min = o[0];
    *median = m % 2 ? o[m / 2] : 0.5 * (o[m / 2 - 1] + o[m / 2]);
  }
  free(o);
  return m;
}

uint64_t fm_check_seed(const fm_check_opts *o, const fm_case *c)
{
  return o->seed != 0 ? o->seed : c->seed;
}

size_t fm_check_npoints(const fm_check_opts *o)
{
  size_t n = o->npoints > 0 ? (size_t)o->npoints : 1;
  size_t m = o->multiplier > 0 ? (size_t)o->multiplier : 1;
  return n * m;
}
