/* transform.c -- the scale-time change between two schedules: log-SNR
 * inversion by bracketed Brent iteration, the transform's values and the
 * transformed field (formulas and tolerances in transform.h). */
#include "transform.h"

#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <math.h>
#include <stdlib.h>

#define FM_TR_MAXITER 200
#define FM_TR_EPSREL (4.0 * DBL_EPSILON)

struct fm_transform {
  const fm_schedule *A, *B;
  double LA0, LA1;   /* log snr_A at t = 0 and 1 (may be -inf, +inf) */
  double r_lo, r_hi;
};

/* log snr = log(alpha/sigma) from schedule values: -inf where alpha = 0,
 * +inf where sigma = 0. */
static int fm_tr_logsnr_val(double *L, const fm_sched_val *v)
{
  if (v->alpha < 0.0 || v->sigma < 0.0 || (v->alpha == 0.0 && v->sigma == 0.0))
    return FM_EDOM;
  if (v->alpha == 0.0 || v->sigma == 0.0) {
    *L = v->alpha == 0.0 ? -INFINITY : INFINITY;
    return FM_OK;
  }
  double q = v->alpha / v->sigma;
  /* one rounding in the quotient; two logs only when it leaves the normal range */
  *L = (q >= DBL_MIN && isfinite(q)) ? log(q) : log(v->alpha) - log(v->sigma);
  return FM_OK;
}

/* log snr of X at t from the values only.  A derivative that is infinite at
 * an end (VP's sigma' at t = 1) does not matter here: fm_schedule_eval fills
 * the values, checks that they are finite, and only then reports FM_ESING. */
static int fm_tr_logsnr(double *L, const fm_schedule *X, double t)
{
  fm_sched_val v;
  int st = fm_schedule_eval(&v, X, t);
  if (st != FM_OK && st != FM_ESING)
    return st;
  return fm_tr_logsnr_val(L, &v);
}

typedef struct {
  const fm_schedule *X;
  double ell;
  int st;
} fm_tr_root_ctx;

static double fm_tr_resid(double t, void *p)
{
  fm_tr_root_ctx *c = p;
  double L;
  int st = fm_tr_logsnr(&L, c->X, t);
  if (st != FM_OK) {
    c->st = st;
    return NAN;
  }
  return L - c->ell;
}

/* A point of [0,1] where L_X - ell has sign `sign` (+1 or -1), searched from
 * 1/2 toward the end where that sign lives: 2^-2, 2^-4, ..., 2^-1024, 0
 * (or 1 - 2^-2, ..., 1 - 2^-32, 1 - 2^-53, 1).  *t, *f: that point and its
 * residual; *t_prev, *f_prev: the candidate before it and its residual
 * (on entry: 1/2 and the residual there), where the residual has the other
 * sign -- the other end of the tightest bracket the search has seen.
 * FM_EDOM if there is none. */
static int fm_tr_bracket_end(double *t, double *f, double *t_prev, double *f_prev,
                             fm_tr_root_ctx *c, int sign)
{
  static const int up_exp[] = {2, 4, 8, 16, 32, 53};
  for (int k = 0;; k++) {
    double cand;
    if (sign < 0)
      cand = k < 10 ? ldexp(1.0, -(2 << k)) : 0.0;
    else
      cand = k < 6 ? 1.0 - ldexp(1.0, -up_exp[k]) : 1.0;
    double y = fm_tr_resid(cand, c);
    if (c->st != FM_OK)
      return c->st;
    if ((sign < 0 && y < 0.0) || (sign > 0 && y > 0.0) || y == 0.0) {
      *t = cand;
      *f = y;
      return FM_OK;
    }
    if ((sign < 0 && cand == 0.0) || (sign > 0 && cand == 1.0))
      return FM_EDOM;
    *t_prev = cand;
    *f_prev = y;
  }
}

/* Bisect [lo, hi] until both end residuals are finite or the ends are
 * adjacent doubles.  Only the search's last candidate, t = 0 or 1 itself,
 * can have an infinite residual (L = -inf or +inf there), and GSL's Brent
 * refuses a non-finite function value. */
static int fm_tr_finite_ends(double *lo, double *hi, double *flo, double *fhi,
                             fm_tr_root_ctx *c)
{
  while (!(isfinite(*flo) && isfinite(*fhi)) && nextafter(*lo, *hi) < *hi) {
    double m = *lo + 0.5 * (*hi - *lo), y = fm_tr_resid(m, c);
    if (c->st != FM_OK)
      return c->st;
    if (y == 0.0) {
      *lo = *hi = m;
      *flo = *fhi = 0.0;
    }
    else if ((y < 0.0) == (*flo < 0.0)) {
      *lo = m;
      *flo = y;
    }
    else {
      *hi = m;
      *fhi = y;
    }
  }
  return FM_OK;
}

/* Brent on [lo, hi] (finite residuals of opposite signs). */
static int fm_tr_brent(double *t, double *width, int *iter, fm_tr_root_ctx *c, double lo,
                       double hi)
{
  gsl_function F = {fm_tr_resid, c};
  gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
  if (s == NULL)
    return FM_ENOMEM;
  int st = gsl_root_fsolver_set(s, &F, lo, hi) == GSL_SUCCESS ? FM_OK : FM_ECONV;
  int gs = GSL_CONTINUE, k = 0;
  while (st == FM_OK && gs == GSL_CONTINUE && k < FM_TR_MAXITER) {
    k++;
    if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS) {
      st = c->st != FM_OK ? c->st : FM_ECONV;
      break;
    }
    lo = gsl_root_fsolver_x_lower(s);
    hi = gsl_root_fsolver_x_upper(s);
    double y = fm_tr_resid(gsl_root_fsolver_root(s), c);
    if (c->st != FM_OK)
      st = c->st;
    else if (y == 0.0) { /* an exact zero of the computed residual */
      gs = GSL_SUCCESS;
      lo = hi = gsl_root_fsolver_root(s);
    }
    else if (nextafter(lo, hi) >= hi)
      gs = GSL_SUCCESS; /* adjacent doubles: the root is resolved as far as
                           double allows, whatever the relative test says */
    else
      gs = gsl_root_test_interval(lo, hi, 0.0, FM_TR_EPSREL);
  }
  if (st == FM_OK && gs != GSL_SUCCESS)
    st = FM_ECONV;
  if (st == FM_OK) {
    /* Brent's last iterate need not be the better end of its bracket: take
     * the end with the smaller residual (within half the width of the root
     * when L is linear across the bracket, as it is over a few ulps). */
    double r = gsl_root_fsolver_root(s);
    double fr = fabs(fm_tr_resid(r, c)), fl = fabs(fm_tr_resid(lo, c));
    double fh = fabs(fm_tr_resid(hi, c));
    if (c->st != FM_OK)
      st = c->st;
    *t = fr <= fl && fr <= fh ? r : (fl <= fh ? lo : hi);
    *width = hi - lo;
    *iter = k;
  }
  gsl_root_fsolver_free(s);
  return st;
}

/* t with L_X(t) = ell, given that ell is strictly inside L_X's range. */
static int fm_tr_invert(double *t, double *width, int *iter, const fm_schedule *X,
                        double ell)
{
  fm_tr_root_ctx c = {X, ell, FM_OK};
  double y = fm_tr_resid(0.5, &c);
  if (c.st != FM_OK)
    return c.st;
  *width = 0.0;
  *iter = 0;
  if (y == 0.0) {
    *t = 0.5;
    return FM_OK;
  }
  double lo = 0.5, hi = 0.5, flo = y, fhi = y;
  int st;
  if (y < 0.0)
    st = fm_tr_bracket_end(&hi, &fhi, &lo, &flo, &c, +1);
  else
    st = fm_tr_bracket_end(&lo, &flo, &hi, &fhi, &c, -1);
  if (st != FM_OK)
    return st;
  st = fm_tr_finite_ends(&lo, &hi, &flo, &fhi, &c);
  if (st != FM_OK)
    return st;
  if (flo == 0.0 || fhi == 0.0) {
    *t = flo == 0.0 ? lo : hi;
    return FM_OK;
  }
  if (nextafter(lo, hi) >= hi) {
    /* Adjacent doubles (e.g. [1 - 2^-53, 1] when ell lies beyond double
     * resolution of an end where L_X -> inf): nothing to iterate; take the
     * end with the smaller residual. */
    *t = fabs(flo) <= fabs(fhi) ? lo : hi;
    *width = hi - lo;
    return FM_OK;
  }
  return fm_tr_brent(t, width, iter, &c, lo, hi);
}

int fm_transform_make(fm_transform **tr, const fm_schedule *A, const fm_schedule *B,
                      fm_errmsg *e)
{
  fm_gsl_quiet();
  double LA0, LA1, LB0, LB1;
  int st = fm_tr_logsnr(&LA0, A, 0.0);
  st = st ? st : fm_tr_logsnr(&LA1, A, 1.0);
  st = st ? st : fm_tr_logsnr(&LB0, B, 0.0);
  st = st ? st : fm_tr_logsnr(&LB1, B, 1.0);
  if (st != FM_OK)
    return fm_errmsg_set(e, st, "transform %s -> %s: a schedule cannot be evaluated at "
                         "t = 0 or 1 (%s)", fm_schedule_describe(A), fm_schedule_describe(B),
                         fm_strerror(st));
  if (!(fmax(LA0, LB0) < fmin(LA1, LB1)))
    return fm_errmsg_set(e, FM_EDOM, "transform %s -> %s: the SNR ranges [%g, %g] and "
                         "[%g, %g] do not overlap", fm_schedule_describe(A),
                         fm_schedule_describe(B), exp(LA0), exp(LA1), exp(LB0), exp(LB1));
  fm_transform *n = malloc(sizeof *n);
  if (n == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "out of memory allocating a transform");
  *n = (fm_transform){A, B, LA0, LA1, 0.0, 1.0};
  double w;
  int it;
  if (LB0 < LA0)
    st = fm_tr_invert(&n->r_lo, &w, &it, B, LA0);
  if (st == FM_OK && LB1 > LA1)
    st = fm_tr_invert(&n->r_hi, &w, &it, B, LA1);
  if (st != FM_OK) {
    free(n);
    return fm_errmsg_set(e, st, "transform %s -> %s: cannot locate the ends of the "
                         "common SNR range (%s)", fm_schedule_describe(A),
                         fm_schedule_describe(B), fm_strerror(st));
  }
  *tr = n;
  return FM_OK;
}

void fm_transform_free(fm_transform *tr)
{
  free(tr);
}

void fm_transform_range(double *r_lo, double *r_hi, const fm_transform *tr)
{
  *r_lo = tr->r_lo;
  *r_hi = tr->r_hi;
}

int fm_transform_combine(fm_transform_val *tv, const fm_sched_val *vA,
                         const fm_sched_val *vB)
{
  double gaA = vA->dalpha / vA->alpha, gsA = vA->dsigma / vA->sigma;
  double gaB = vB->dalpha / vB->alpha, gsB = vB->dsigma / vB->sigma;
  double LA = gaA - gsA, LB = gaB - gsB;
  if (LA == 0.0 || !isfinite(LA) || !isfinite(LB))
    return FM_ESING;
  double dt = LB / LA;
  int by_alpha = fabs(gaA) <= fabs(gsA);
  double s = by_alpha ? vB->alpha / vA->alpha : vB->sigma / vA->sigma;
  double dlogs = by_alpha ? gaB - dt * gaA : gsB - dt * gsA;
  if (!isfinite(s) || s == 0.0 || !isfinite(dlogs))
    return FM_ESING;
  tv->s = s;
  tv->dt = dt;
  tv->dlogs = dlogs;
  tv->ds = s * dlogs;
  tv->by_alpha = by_alpha;
  return FM_OK;
}

int fm_transform_eval(fm_transform_val *tv, const fm_transform *tr, double r)
{
  if (!(r > 0.0 && r < 1.0))
    return FM_EDOM;
  fm_sched_val vA, vB;
  int st = fm_schedule_eval(&vB, tr->B, r);
  if (st != FM_OK)
    return st;
  double ell;
  st = fm_tr_logsnr_val(&ell, &vB);
  if (st != FM_OK)
    return st;
  if (!(ell > tr->LA0 && ell < tr->LA1))
    return FM_EDOM;
  double t, width;
  int iter;
  st = fm_tr_invert(&t, &width, &iter, tr->A, ell);
  if (st != FM_OK)
    return st;
  st = fm_schedule_eval(&vA, tr->A, t);
  if (st != FM_OK)
    return st;
  st = fm_transform_combine(tv, &vA, &vB);
  if (st != FM_OK)
    return st;
  tv->r = r;
  tv->t = t;
  tv->t_width = width;
  tv->iterations = iter;
  return FM_OK;
}

int fm_transform_field(double *uB, const fm_transform_val *tv, fm_transform_field_fn uA,
                       void *ctx, const double *x, size_t n, size_t d, double *work)
{
  size_t m = n * d;
  for (size_t j = 0; j < m; j++)
    work[j] = x[j] / tv->s;
  int st = uA(uB, tv->t, work, n, ctx);
  if (st != FM_OK)
    return st;
  double sdt = tv->s * tv->dt;
  for (size_t j = 0; j < m; j++)
    uB[j] = tv->dlogs * x[j] + sdt * uB[j];
  return FM_OK;
}

int fm_transform_field_cb(double *v, double r, const double *x, size_t n, void *bind)
{
  const fm_transform_binding *b = bind;
  fm_transform_val tv;
  int st = fm_transform_eval(&tv, b->tr, r);
  if (st != FM_OK)
    return st;
  size_t m = n * b->d;
  double *work = malloc((m > 0 ? m : 1) * sizeof *work);
  if (work == NULL)
    return FM_ENOMEM;
  st = fm_transform_field(v, &tv, b->uA, b->ctx, x, n, b->d, work);
  free(work);
  return st;
}
