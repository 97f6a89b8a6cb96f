/* convert.c -- coefficients of the affine maps between u, x1hat, epshat and
 * the score (table and singular ends in convert.h).
 *
 * One small function per map fills (a, b) from the schedule values v and W.
 * Rounding (u = DBL_EPSILON/2 the unit roundoff): W = fl(fl(alpha' sigma) -
 * fl(alpha sigma')) is within u (|alpha' sigma| + |alpha sigma'|) + u |W|
 * <= DBL_EPSILON kW |W| of its value; each coefficient below is W (or 1, or
 * a schedule value) times or over at most two further quantities, i.e. at
 * most two more roundings -- hence the (kW + 1) DBL_EPSILON of convert.h.
 * The divisions are written so that every coefficient is one expression of
 * the DESIGN formula (no rearrangement that would hide a singular end).
 */
#include "convert.h"

#include <math.h>

#include "linalg.h"

typedef struct {
  double al, s, da, ds, w;
} fm_convert_map_sv;

typedef void (*fm_convert_map_coef_fn)(double *a, double *b, const fm_convert_map_sv *v);

static void fm_convert_map_identity(double *a, double *b, const fm_convert_map_sv *v)
{
  (void)v;
  *a = 0.0;
  *b = 1.0;
}

static void fm_convert_map_u_x1(double *a, double *b, const fm_convert_map_sv *v)
{
  *a = v->ds / v->s;
  *b = v->w / v->s;
}

static void fm_convert_map_x1_u(double *a, double *b, const fm_convert_map_sv *v)
{
  *a = -v->ds / v->w;
  *b = v->s / v->w;
}

static void fm_convert_map_u_eps(double *a, double *b, const fm_convert_map_sv *v)
{
  *a = v->da / v->al;
  *b = -v->w / v->al;
}

static void fm_convert_map_eps_u(double *a, double *b, const fm_convert_map_sv *v)
{
  *a = v->da / v->w;
  *b = -v->al / v->w;
}

static void fm_convert_map_u_score(double *a, double *b, const fm_convert_map_sv *v)
{
  *a = v->da / v->al;
  *b = v->s * v->w / v->al;
}

static void fm_convert_map_score_u(double *a, double *b, const fm_convert_map_sv *v)
{
  double sw = v->s * v->w;
  *a = -v->da / sw;
  *b = v->al / sw;
}

static void fm_convert_map_eps_score(double *a, double *b, const fm_convert_map_sv *v)
{
  *a = 0.0;
  *b = -v->s;
}

static void fm_convert_map_score_eps(double *a, double *b, const fm_convert_map_sv *v)
{
  *a = 0.0;
  *b = -1.0 / v->s;
}

static void fm_convert_map_x1_eps(double *a, double *b, const fm_convert_map_sv *v)
{
  *a = 1.0 / v->al;
  *b = -v->s / v->al;
}

static void fm_convert_map_eps_x1(double *a, double *b, const fm_convert_map_sv *v)
{
  *a = 1.0 / v->s;
  *b = -v->al / v->s;
}

static void fm_convert_map_x1_score(double *a, double *b, const fm_convert_map_sv *v)
{
  *a = 1.0 / v->al;
  *b = v->s * v->s / v->al;
}

static void fm_convert_map_score_x1(double *a, double *b, const fm_convert_map_sv *v)
{
  double s2 = v->s * v->s;
  *a = -1.0 / s2;
  *b = v->al / s2;
}

/* [to][from] */
static const fm_convert_map_coef_fn fm_convert_map_table[FM_PARAM_COUNT][FM_PARAM_COUNT] = {
    /* to u */ {fm_convert_map_identity, fm_convert_map_u_x1, fm_convert_map_u_eps, fm_convert_map_u_score},
    /* to x1 */ {fm_convert_map_x1_u, fm_convert_map_identity, fm_convert_map_x1_eps, fm_convert_map_x1_score},
    /* to eps */ {fm_convert_map_eps_u, fm_convert_map_eps_x1, fm_convert_map_identity, fm_convert_map_eps_score},
    /* to score */ {fm_convert_map_score_u, fm_convert_map_score_x1, fm_convert_map_score_eps, fm_convert_map_identity},
};

enum { A_ = FM_CONVERT_BY_ALPHA, S_ = FM_CONVERT_BY_SIGMA, W_ = FM_CONVERT_BY_W };

static const unsigned fm_convert_map_div[FM_PARAM_COUNT][FM_PARAM_COUNT] = {
    /* to u */ {0, S_, A_, A_},
    /* to x1 */ {W_, 0, A_, A_},
    /* to eps */ {W_, S_, 0, 0},
    /* to score */ {S_ | W_, S_, S_, 0},
};

static int fm_convert_map_valid(fm_param p)
{
  return (unsigned)p < (unsigned)FM_PARAM_COUNT;
}

const char *fm_param_name(fm_param p)
{
  static const char *const names[FM_PARAM_COUNT] = {"u", "x1", "eps", "score"};
  return fm_convert_map_valid(p) ? names[p] : "?";
}

unsigned fm_convert_divisors(fm_param to, fm_param from)
{
  return fm_convert_map_valid(to) && fm_convert_map_valid(from) ? fm_convert_map_div[to][from] : 0u;
}

double fm_convert_w(const fm_sched_val *v)
{
  return v->dalpha * v->sigma - v->alpha * v->dsigma;
}

static unsigned fm_convert_map_bad(double q, unsigned bit)
{
  return q == 0.0 || !isfinite(q) ? bit : 0u;
}

unsigned fm_convert_singularity(fm_param to, fm_param from, const fm_sched_val *v)
{
  unsigned div = fm_convert_divisors(to, from);
  unsigned bad = fm_convert_map_bad(v->alpha, A_) | fm_convert_map_bad(v->sigma, S_) |
                 fm_convert_map_bad(fm_convert_w(v), W_);
  return div & bad;
}

int fm_convert_coef(double *a, double *b, fm_param to, fm_param from, const fm_sched_val *v)
{
  if (!fm_convert_map_valid(to) || !fm_convert_map_valid(from))
    return FM_EINVAL;
  if (!isfinite(v->alpha) || !isfinite(v->sigma) || !isfinite(v->dalpha) ||
      !isfinite(v->dsigma))
    return FM_ENONFIN;
  if (fm_convert_singularity(to, from, v) != 0u)
    return FM_ESING;
  fm_convert_map_sv sv = {v->alpha, v->sigma, v->dalpha, v->dsigma, fm_convert_w(v)};
  double ca, cb;
  fm_convert_map_table[to][from](&ca, &cb, &sv);
  if (!isfinite(ca) || !isfinite(cb))
    return FM_ENONFIN;
  *a = ca;
  *b = cb;
  return FM_OK;
}

int fm_convert(double *out, fm_param to, fm_param from, const fm_sched_val *v,
               const double *x, const double *in, size_t n)
{
  double a, b;
  int st = fm_convert_coef(&a, &b, to, from, v);
  if (st != FM_OK)
    return st;
  for (size_t j = 0; j < n; j++)
    out[j] = a * x[j] + b * in[j];
  return FM_OK;
}

double fm_convert_cond(fm_param to, fm_param from, const fm_sched_val *v, const double *x,
                       const double *in, size_t n)
{
  double a, b;
  if (fm_convert_coef(&a, &b, to, from, v) != FM_OK)
    return NAN;
  double out = 0.0;
  for (size_t j = 0; j < n; j++)
    out = fmax(out, fabs(a * x[j] + b * in[j]));
  double terms = fabs(a) * fm_linalg_maxabs(x, n) + fabs(b) * fm_linalg_maxabs(in, n);
  return out > 0.0 ? terms / out : INFINITY;
}

int fm_convert_u_from_x1(double *u, const fm_sched_val *v, const double *x,
                         const double *x1hat, size_t n)
{
  return fm_convert(u, FM_PARAM_U, FM_PARAM_X1, v, x, x1hat, n);
}

int fm_convert_x1_from_u(double *x1hat, const fm_sched_val *v, const double *x,
                         const double *u, size_t n)
{
  return fm_convert(x1hat, FM_PARAM_X1, FM_PARAM_U, v, x, u, n);
}

int fm_convert_u_from_eps(double *u, const fm_sched_val *v, const double *x,
                          const double *epshat, size_t n)
{
  return fm_convert(u, FM_PARAM_U, FM_PARAM_EPS, v, x, epshat, n);
}

int fm_convert_eps_from_u(double *epshat, const fm_sched_val *v, const double *x,
                          const double *u, size_t n)
{
  return fm_convert(epshat, FM_PARAM_EPS, FM_PARAM_U, v, x, u, n);
}

int fm_convert_u_from_score(double *u, const fm_sched_val *v, const double *x,
                            const double *score, size_t n)
{
  return fm_convert(u, FM_PARAM_U, FM_PARAM_SCORE, v, x, score, n);
}

int fm_convert_score_from_u(double *score, const fm_sched_val *v, const double *x,
                            const double *u, size_t n)
{
  return fm_convert(score, FM_PARAM_SCORE, FM_PARAM_U, v, x, u, n);
}
