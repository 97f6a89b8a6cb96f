/* schedule_builtin.c -- the built-in schedules in double precision.
 *
 * Accuracy near the ends: for t in [1/2, 1], u = 1 - t is exact (Sterbenz),
 * so every sigma that vanishes at t = 1 is written as a function of u, never
 * as 1 - (something close to 1):
 *   cosine      sigma = sin(pi u / 2)           (not cos(pi t / 2))
 *   polynomial  sigma = -expm1(n log1p(-u))     (not 1 - t^n; log t below 1/2)
 *   linear_vp   sigma = sqrt(u (1 + t))         (not sqrt(1 - t^2))
 *   vp          sigma = sqrt(-expm1(-T(u)))     (not sqrt(1 - alpha^2))
 * The MPFR twins (schedule_mp.c) use the textbook forms at >= 256 bits, so a
 * slip in one rearrangement cannot repeat in the other.
 */
#include "schedule_impl.h"

#include <math.h>

static const char *const fm_par_cond_ot[] = {"sigma_min", NULL};
static const char *const fm_par_vp[] = {"beta_min", "beta_max", NULL};
static const char *const fm_par_ve[] = {"sigma_min", "sigma_max", NULL};
static const char *const fm_par_poly[] = {"n", NULL};

static int fm_sched_cond_ot(fm_sched_val *v, const fm_schedule *s, double t)
{
  double smin = s->par[0];
  v->alpha = t;
  v->sigma = (1.0 - t) + smin * t;
  v->dalpha = 1.0;
  v->dsigma = -(1.0 - smin);
  return FM_OK;
}

/* T(u) = beta_min u + (beta_max - beta_min) u^2 / 2, beta(u) = T'(u). */
static int fm_sched_vp(fm_sched_val *v, const fm_schedule *s, double t)
{
  double bmin = s->par[0], bmax = s->par[1], u = 1.0 - t;
  double T = bmin * u + 0.5 * (bmax - bmin) * u * u;
  double beta = bmin + (bmax - bmin) * u;
  v->alpha = exp(-0.5 * T);
  v->sigma = sqrt(-expm1(-T));
  v->dalpha = 0.5 * beta * v->alpha;              /* d/dt = -d/du */
  v->dsigma = -v->alpha * v->dalpha / v->sigma;   /* from alpha^2 + sigma^2 = 1 */
  return FM_OK;
}

static int fm_sched_ve(fm_sched_val *v, const fm_schedule *s, double t)
{
  double smin = s->par[0], smax = s->par[1], L = log(smax / smin);
  v->alpha = 1.0;
  v->sigma = smin * exp((1.0 - t) * L);
  v->dalpha = 0.0;
  v->dsigma = -L * v->sigma;
  return FM_OK;
}

static int fm_sched_cosine(fm_sched_val *v, const fm_schedule *s, double t)
{
  (void)s;
  double h = 0.5 * M_PI;
  v->alpha = sin(h * t);
  v->sigma = sin(h * (1.0 - t));
  v->dalpha = h * v->sigma;                        /* h cos(h t) */
  v->dsigma = -h * v->alpha;                       /* -h sin(h t) */
  return FM_OK;
}

static int fm_sched_polynomial(fm_sched_val *v, const fm_schedule *s, double t)
{
  double n = s->par[0];
  if (t == 0.0) {
    v->alpha = 0.0;
    v->sigma = 1.0;
    v->dalpha = n > 1.0 ? 0.0 : (n == 1.0 ? 1.0 : INFINITY);
    v->dsigma = -v->dalpha;
    return FM_OK;
  }
  /* log t: through log1p(t - 1) where t - 1 is exact (t >= 1/2) so that
   * sigma = -expm1(n log t) keeps full relative accuracy as t -> 1; plain
   * log t below 1/2, where t - 1 would round away t's low bits. */
  double lt = t >= 0.5 ? log1p(t - 1.0) : log(t);
  v->alpha = exp(n * lt);
  v->sigma = -expm1(n * lt);
  v->dalpha = n * v->alpha / t;
  v->dsigma = -v->dalpha;
  return FM_OK;
}

static int fm_sched_linear_vp(fm_sched_val *v, const fm_schedule *s, double t)
{
  (void)s;
  v->alpha = t;
  v->sigma = sqrt((1.0 - t) * (1.0 + t));
  v->dalpha = 1.0;
  v->dsigma = v->sigma > 0.0 ? -t / v->sigma : -INFINITY;
  return FM_OK;
}

static const fm_schedule_type fm_type_cond_ot = {
    "cond_ot", fm_par_cond_ot, fm_sched_cond_ot, fm_sched_cond_ot_mp, NULL};
static const fm_schedule_type fm_type_vp = {
    "vp", fm_par_vp, fm_sched_vp, fm_sched_vp_mp, NULL};
static const fm_schedule_type fm_type_ve = {
    "ve", fm_par_ve, fm_sched_ve, fm_sched_ve_mp, NULL};
static const fm_schedule_type fm_type_cosine = {
    "cosine", NULL, fm_sched_cosine, fm_sched_cosine_mp, NULL};
static const fm_schedule_type fm_type_poly = {
    "polynomial", fm_par_poly, fm_sched_polynomial, fm_sched_polynomial_mp, NULL};
static const fm_schedule_type fm_type_linear_vp = {
    "linear_vp", NULL, fm_sched_linear_vp, fm_sched_linear_vp_mp, NULL};

static int fm_bad_param(fm_errmsg *e, const char *sched, const char *what, double val)
{
  return fm_errmsg_set(e, FM_EINVAL, "schedule %s: %s (got %.17g)", sched, what, val);
}

int fm_schedule_cond_ot(fm_schedule **s, double sigma_min, fm_errmsg *e)
{
  if (!(sigma_min >= 0.0 && sigma_min < 1.0))
    return fm_bad_param(e, "cond_ot", "sigma_min must be in [0, 1)", sigma_min);
  return fm_schedule_new(s, &fm_type_cond_ot, &sigma_min, e);
}

int fm_schedule_vp(fm_schedule **s, double beta_min, double beta_max, fm_errmsg *e)
{
  if (!(beta_min > 0.0 && isfinite(beta_min)))
    return fm_bad_param(e, "vp", "beta_min must be finite and > 0", beta_min);
  if (!(beta_max >= beta_min && beta_max <= 1e4))
    return fm_bad_param(e, "vp", "beta_max must be in [beta_min, 1e4]", beta_max);
  double p[2] = {beta_min, beta_max};
  return fm_schedule_new(s, &fm_type_vp, p, e);
}

int fm_schedule_ve(fm_schedule **s, double sigma_min, double sigma_max, fm_errmsg *e)
{
  if (!(sigma_min > 0.0 && isfinite(sigma_min)))
    return fm_bad_param(e, "ve", "sigma_min must be finite and > 0", sigma_min);
  if (!(sigma_max > sigma_min && isfinite(sigma_max)))
    return fm_bad_param(e, "ve", "sigma_max must be finite and > sigma_min", sigma_max);
  double p[2] = {sigma_min, sigma_max};
  return fm_schedule_new(s, &fm_type_ve, p, e);
}

int fm_schedule_cosine(fm_schedule **s, fm_errmsg *e)
{
  return fm_schedule_new(s, &fm_type_cosine, NULL, e);
}

int fm_schedule_polynomial(fm_schedule **s, double n, fm_errmsg *e)
{
  if (!(n > 0.0 && n <= 64.0))
    return fm_bad_param(e, "polynomial", "n must be in (0, 64]", n);
  return fm_schedule_new(s, &fm_type_poly, &n, e);
}

int fm_schedule_linear_vp(fm_schedule **s, fm_errmsg *e)
{
  return fm_schedule_new(s, &fm_type_linear_vp, NULL, e);
}
