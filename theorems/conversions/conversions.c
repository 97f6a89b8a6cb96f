/* conversions.c -- theorem `conversions` (theorems/README.md): the velocity u, the
 * x1-prediction x1hat = E[x1 | x_t = x], the noise prediction epshat =
 * -sigma grad log p_t and the score are affine in one another; with
 * W = alpha' sigma - alpha sigma',
 *     u = (sigma'/sigma) x + (W/sigma) x1hat         (singular at sigma = 0)
 *     u = (alpha'/alpha) x - (W/alpha) epshat        (singular at alpha = 0)
 *     u = (alpha'/alpha) x + (sigma W/alpha) score
 * and the other nine maps of cases/convert.h (their inverses, and Tweedie's
 * x1hat <-> score <-> epshat).  The maps under test are the library's
 * fm_convert (cases/convert.c), which the trainer and samplers use.
 *
 * Points: fm_pointset (typical, t within 2e-6 of either end, tails 50 std
 * out).  eps = DBL_EPSILON (twice the unit roundoff).  For a map to <- from,
 * out = a x + b in, with |a|, |b| the magnitudes of the *exact* coefficients
 * (DESIGN formulas in MPFR from the same schedule values -- not the
 * library's, so a wrong coefficient cannot loosen its own tolerance), the
 * map's condition number at a point is
 *     kappa = (|a| |x|_inf + |b| |in|_inf) / |out|_inf;
 * it grows like 1/alpha or 1/sigma toward the map's singular end (e.g.
 * u <- eps on cond_ot at t = 1e-6: ~1e6), which is where a and b x cancel.
 * A point-map pair is decided only where eps kappa <= 0.1 and the derived
 * relative tolerance is <= 0.1 (beyond that a first-order bound means
 * nothing); the others are counted in the note.  Each route's statistic is
 * max |cand - ref|_inf / |ref|_inf against the tolerance at the worst pair.
 *
 * Route 1 -- against the analytic quantities, double vs MPFR.  Inputs: the
 * double analytic u, x1hat (mean), score from fm_gmm_path_eval and epshat =
 * -sigma score; references: the same four from fm_gmm_marginal_mpfr at
 * o->prec bits with the *same* double schedule values (the schedule's own
 * accuracy is the `schedule` theorem's business), rounded to double.  For
 * every ordered pair, fm_convert(to <- from) applied to the double `from`
 * must reproduce the reference `to` within
 *     tol = c eps (|a| |x| + |b| |in|) + |b| B_from + eps |ref|,
 * c = kW + 2 for the six maps with u on one side (convert.h: coefficients
 * within (kW + 1) eps, kW = (|alpha' sigma| + |alpha sigma'|)/|W|) and
 * c = 2 for the others (coefficients within eps), one eps for the two
 * products and the sum; B_from the rounding bound of the double input
 * (path_err.h: B_u, B_mean, B_score; epshat: sigma B_score + eps |epshat|).
 *
 * Route 2 -- round trips in double.  For every ordered pair (A, B), y =
 * the double analytic A, y_B = map(B <- A)(y), y' = map(A <- B)(y_B); y'
 * must equal y within
 *     tol = c1 eps |b2| (|a1| |x| + |b1| |y|) + c2 eps (|a2| |x| + |b2| |y_B|)
 * (first map's rounding carried through the second's b2, plus the second's
 * own; the exact coefficients satisfy b2 b1 = 1, a2 + b2 a1 = 0), condition
 * kappa_rt = that bracket over |y|.
 *
 * Route 3 -- the identity at o->prec bits.  Schedule from its MPFR twin
 * (fm_schedule_eval_mp_or_double: expr/table schedules take their double
 * values as exact, said in the note), analytic quantities from
 * fm_gmm_marginal_mpfr, every map formed in MPFR from the DESIGN formulas;
 * residual against the analytic `to` within eps_mp (4 (|a| |x| + |b| |in|) +
 * |out|), eps_mp = 2^(20 - prec) (20 guard bits: the twin's results are
 * accurate to about prec bits relative to each entry).
 *
 * Mutants (candidate maps replaced in every route; references unchanged):
 *   1 "W with the wrong sign": -W in all six maps to and from u;
 *   2 "epsilon map missing its 1/alpha": u = (alpha'/alpha) x - W epshat
 *     (the map u <- eps only); n/a where alpha = 1 at every point (VE);
 *   3 "score map with sigma^2 instead of sigma":
 *     u = (alpha'/alpha) x + (sigma^2 W/alpha) score (u <- score only).
 *
 * For the true statement the note also gives the smallest relative error e
 * of W (W (1 + e) in the six maps to and from u, built from the library's
 * coefficients as the mutants are; e = 1e-14 .. 1e-2 by decades;
 * perturb.h) that routes 1 and 3 detect on the first 10 points.  Route 2
 * cannot: a consistent error in W cancels in every round trip through u
 * (b2 b1 = 1 still), which is why route 1 exists.
 */
#include "theorems.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "linalg.h"
#include "mp.h"
#include "path_err.h"
#include "points.h"
#include "pointwise.h"
#include "pointwise_check.h"
#include "worst.h"

#define FM_CV_EPS DBL_EPSILON
#define FM_CV_MAX_REL 0.1
#define FM_CV_NP FM_PARAM_COUNT
#define FM_CV_SCAN_POINTS 10

enum { FM_CV_TRUE, FM_CV_W_SIGN, FM_CV_EPS_NO_ALPHA, FM_CV_SCORE_S2 };
enum { FM_CV_R_ANALYTIC, FM_CV_R_ROUND, FM_CV_R_MP, FM_CV_NR };

static const char *const fm_cv_mutants[] = {
    "W with the wrong sign",
    "epsilon map missing its 1/alpha",
    "score map with sigma^2 instead of sigma",
    NULL,
};

/* Route 2 is not rerun by the scan: an error in W cancels in its round
 * trips (header). */
static const fm_ptcheck_route fm_cv_routes[FM_CV_NR] = {
    {FM_R_CV_ANALYTIC, "double"},
    {FM_R_CV_ROUND, NULL},
    {FM_R_CV_MP, "MPFR"},
};

/* The map at one route's worst point (the point itself is the driver's
 * fm_worst), and what was left undecided. */
typedef struct {
  double kappa_max, kappa_t;
  fm_param to, from, kto, kfrom;
  size_t decided, ill, loose, singular;
} fm_cv_route;

typedef struct {
  fm_pointwise pw;           /* case, path, bounds, MPFR x and schedule */
  int mutant;
  double *in[FM_CV_NP], *ref[FM_CV_NP], *cand, *mid, *back;
  double bin[FM_CV_NP];      /* rounding bounds of the double inputs */
  mpfr_t *q[FM_CV_NP];       /* the analytic quantities in MPFR */
  mpfr_t a, b, w, tmp, acc;
  double cmag[FM_CV_NP][FM_CV_NP][2]; /* |a|, |b| of the exact maps */
  fm_cv_route r[FM_CV_NR];
  fm_worst *worst;           /* the driver's worst point of each route */
  int alpha_not_one;
  double wfac; /* the scan's 1 + e on W (else 1) */
} fm_cv_work;

static int fm_cv_uses_w(fm_param to, fm_param from)
{
  return (to == FM_PARAM_U) != (from == FM_PARAM_U);
}

/* --- candidates: the library's maps, or a mutant built from its coefficients --- */

static void fm_cv_mutate(double *a, double *b, int mutant, fm_param to, fm_param from,
                         const fm_sched_val *v)
{
  if (mutant == FM_CV_W_SIGN && fm_cv_uses_w(to, from)) {
    /* maps into u carry W in b; maps out of u carry 1/W in both */
    *b = -*b;
    if (from == FM_PARAM_U)
      *a = -*a;
  } else if (mutant == FM_CV_EPS_NO_ALPHA && to == FM_PARAM_U && from == FM_PARAM_EPS) {
    *b *= v->alpha;
  } else if (mutant == FM_CV_SCORE_S2 && to == FM_PARAM_U && from == FM_PARAM_SCORE) {
    *b *= v->sigma;
  }
}

/* W -> W f: maps into u carry W in b, maps out of u 1/W in both. */
static void fm_cv_scale_w(double *a, double *b, double f, fm_param to, fm_param from)
{
  if (f == 1.0 || !fm_cv_uses_w(to, from))
    return;
  if (to == FM_PARAM_U) {
    *b *= f;
  } else {
    *a /= f;
    *b /= f;
  }
}

static int fm_cv_candidate(double *out, const fm_cv_work *w, fm_param to, fm_param from,
                           const fm_sched_val *v, const double *x, const double *in)
{
  if (w->mutant == FM_CV_TRUE && w->wfac == 1.0)
    return fm_convert(out, to, from, v, x, in, w->pw.d);
  double a, b;
  int st = fm_convert_coef(&a, &b, to, from, v);
  if (st != FM_OK)
    return st;
  fm_cv_mutate(&a, &b, w->mutant, to, from, v);
  fm_cv_scale_w(&a, &b, w->wfac, to, from);
  for (size_t j = 0; j < w->pw.d; j++)
    out[j] = a * x[j] + b * in[j];
  return FM_OK;
}

/* --- MPFR: the DESIGN formulas, with the mutant applied when asked --- */

static void fm_cv_div3(mpfr_t a, mpfr_t b, const mpfr_t na, const mpfr_t nb,
                       const mpfr_t den)
{
  mpfr_div(a, na, den, MPFR_RNDN);
  mpfr_div(b, nb, den, MPFR_RNDN);
}

/* a, b of map to <- from at v; W (with the mutant's sign) precomputed in
 * w->w.  Uses w->tmp, w->acc. */
static void fm_cv_coef_mp(fm_cv_work *w, fm_param to, fm_param from, const fm_sched_mp *v,
                          int mutant)
{
  mpfr_ptr a = w->a, b = w->b, t = w->tmp, u = w->acc;
  mpfr_srcptr al = v->alpha, s = v->sigma, da = v->dalpha, ds = v->dsigma, W = w->w;
  int pair = (int)to * FM_CV_NP + (int)from;
  switch (pair) {
  case FM_PARAM_U * FM_CV_NP + FM_PARAM_X1: /* (sigma'/sigma) x + (W/sigma) x1hat */
    fm_cv_div3(a, b, ds, W, s);
    break;
  case FM_PARAM_X1 * FM_CV_NP + FM_PARAM_U: /* (sigma u - sigma' x)/W */
    mpfr_neg(t, ds, MPFR_RNDN);
    fm_cv_div3(a, b, t, s, W);
    break;
  case FM_PARAM_U * FM_CV_NP + FM_PARAM_EPS: /* (alpha'/alpha) x - (W/alpha) epshat */
    mpfr_neg(t, W, MPFR_RNDN);
    mpfr_div(a, da, al, MPFR_RNDN);
    if (mutant == FM_CV_EPS_NO_ALPHA)
      mpfr_set(b, t, MPFR_RNDN);
    else
      mpfr_div(b, t, al, MPFR_RNDN);
    break;
  case FM_PARAM_EPS * FM_CV_NP + FM_PARAM_U: /* (alpha' x - alpha u)/W */
    mpfr_neg(t, al, MPFR_RNDN);
    fm_cv_div3(a, b, da, t, W);
    break;
  case FM_PARAM_U * FM_CV_NP + FM_PARAM_SCORE: /* (alpha'/alpha) x + (sigma W/alpha) s */
    mpfr_mul(t, s, W, MPFR_RNDN);
    if (mutant == FM_CV_SCORE_S2)
      mpfr_mul(t, t, s, MPFR_RNDN);
    fm_cv_div3(a, b, da, t, al);
    break;
  case FM_PARAM_SCORE * FM_CV_NP + FM_PARAM_U: /* (alpha u - alpha' x)/(sigma W) */
    mpfr_mul(u, s, W, MPFR_RNDN);
    mpfr_neg(t, da, MPFR_RNDN);
    fm_cv_div3(a, b, t, al, u);
    break;
  case FM_PARAM_EPS * FM_CV_NP + FM_PARAM_SCORE: /* -sigma s */
    mpfr_set_ui(a, 0, MPFR_RNDN);
    mpfr_neg(b, s, MPFR_RNDN);
    break;
  case FM_PARAM_SCORE * FM_CV_NP + FM_PARAM_EPS: /* -eps/sigma */
    mpfr_set_ui(a, 0, MPFR_RNDN);
    mpfr_si_div(b, -1, s, MPFR_RNDN);
    break;
  case FM_PARAM_X1 * FM_CV_NP + FM_PARAM_EPS: /* (x - sigma eps)/alpha */
    mpfr_set_ui(u, 1, MPFR_RNDN);
    mpfr_neg(t, s, MPFR_RNDN);
    fm_cv_div3(a, b, u, t, al);
    break;
  case FM_PARAM_EPS * FM_CV_NP + FM_PARAM_X1: /* (x - alpha x1hat)/sigma */
    mpfr_set_ui(u, 1, MPFR_RNDN);
    mpfr_neg(t, al, MPFR_RNDN);
    fm_cv_div3(a, b, u, t, s);
    break;
  case FM_PARAM_X1 * FM_CV_NP + FM_PARAM_SCORE: /* (x + sigma^2 s)/alpha */
    mpfr_set_ui(u, 1, MPFR_RNDN);
    mpfr_sqr(t, s, MPFR_RNDN);
    fm_cv_div3(a, b, u, t, al);
    break;
  default: /* score <- x1: (alpha x1hat - x)/sigma^2 */
    mpfr_set_si(u, -1, MPFR_RNDN);
    mpfr_sqr(t, s, MPFR_RNDN);
    fm_cv_div3(a, b, u, al, t);
    break;
  }
}

/* w->w = alpha' sigma - alpha sigma' (negated for mutant 1). */
static void fm_cv_w_mp(fm_cv_work *w, const fm_sched_mp *v, int mutant)
{
  mpfr_mul(w->w, v->dalpha, v->sigma, MPFR_RNDN);
  mpfr_mul(w->tmp, v->alpha, v->dsigma, MPFR_RNDN);
  mpfr_sub(w->w, w->w, w->tmp, MPFR_RNDN);
  if (mutant == FM_CV_W_SIGN)
    mpfr_neg(w->w, w->w, MPFR_RNDN);
}

/* |a|, |b| of every exact map at v (schedule values in w->pw.vm). */
static void fm_cv_magnitudes(fm_cv_work *w)
{
  fm_cv_w_mp(w, &w->pw.vm, FM_CV_TRUE);
  for (int to = 0; to < FM_CV_NP; to++)
    for (int from = 0; from < FM_CV_NP; from++) {
      if (to == from)
        continue;
      fm_cv_coef_mp(w, (fm_param)to, (fm_param)from, &w->pw.vm, FM_CV_TRUE);
      w->cmag[to][from][0] = fabs(mpfr_get_d(w->a, MPFR_RNDU));
      w->cmag[to][from][1] = fabs(mpfr_get_d(w->b, MPFR_RNDU));
    }
}

/* --- bookkeeping --- */

static void fm_cv_record(fm_cv_route *r, fm_worst *wst, double value, double tol,
                         double kappa, size_t at, double t, fm_param to, fm_param from)
{
  r->decided++;
  if (fm_worst_add(wst, value, tol, at)) {
    r->to = to;
    r->from = from;
  }
  if (kappa > r->kappa_max) {
    r->kappa_max = kappa;
    r->kappa_t = t;
    r->kto = to;
    r->kfrom = from;
  }
}

/* Decide a pair of route r: relative error err/|ref| against bound/|ref|. */
static void fm_cv_decide(fm_cv_route *r, fm_worst *wst, double err, double bound,
                         double refn, double kappa, size_t at, double t, fm_param to,
                         fm_param from)
{
  if (!(refn > 0.0) || !(FM_CV_EPS * kappa <= FM_CV_MAX_REL)) {
    r->ill++;
    return;
  }
  if (!(bound <= FM_CV_MAX_REL * refn)) {
    r->loose++; /* the input's own rounding, amplified by |b|, exceeds 10% of out */
    return;
  }
  fm_cv_record(r, wst, err / refn, bound / refn, kappa, at, t, to, from);
}

/* --- work space --- */

static void fm_cv_work_free(void *work)
{
  fm_cv_work *w = work;
  free(w->in[0]);
  for (int p = 0; p < FM_CV_NP; p++)
    fm_mp_vec_free(w->q[p], w->pw.d);
  mpfr_clears(w->a, w->b, w->w, w->tmp, w->acc, (mpfr_ptr)0);
  fm_pointwise_free(&w->pw);
}

static int fm_cv_work_init(void *work, fm_ptcheck *run)
{
  fm_cv_work *w = work;
  size_t d = run->c->gmm->d;
  *w = (fm_cv_work){.mutant = run->mutant, .wfac = 1.0, .worst = run->w};
  int st = fm_pointwise_alloc(&w->pw, run->c, run->o);
  mpfr_inits2(w->pw.prec, w->a, w->b, w->w, w->tmp, w->acc, (mpfr_ptr)0);
  for (int p = 0; p < FM_CV_NP && st == FM_OK; p++)
    st = fm_mp_vec_alloc(&w->q[p], d, w->pw.prec);
  double *buf = st == FM_OK ? malloc((2 * FM_CV_NP + 3) * d * sizeof *buf) : NULL;
  if (st == FM_OK && buf == NULL)
    st = FM_ENOMEM;
  if (st != FM_OK) {
    fm_cv_work_free(w);
    return st;
  }
  for (int p = 0; p < FM_CV_NP; p++) {
    w->in[p] = buf + (size_t)p * d;
    w->ref[p] = buf + (size_t)(FM_CV_NP + p) * d;
  }
  w->cand = buf + 2 * FM_CV_NP * d;
  w->mid = w->cand + d;
  w->back = w->mid + d;
  return FM_OK;
}

/* --- the analytic quantities at one point --- */

/* epshat = -sigma score in MPFR (w->q), sigma from w->pw.vm. */
static void fm_cv_eps_mp(fm_cv_work *w)
{
  for (size_t j = 0; j < w->pw.d; j++) {
    mpfr_mul(w->q[FM_PARAM_EPS][j], w->q[FM_PARAM_SCORE][j], w->pw.vm.sigma, MPFR_RNDN);
    mpfr_neg(w->q[FM_PARAM_EPS][j], w->q[FM_PARAM_EPS][j], MPFR_RNDN);
  }
}

/* Double inputs and their rounding bounds; MPFR references with the same
 * schedule values (left in w->q and rounded into w->ref). */
static int fm_cv_analytic(fm_cv_work *w, const fm_sched_val *v, const double *x)
{
  size_t d = w->pw.d;
  double *u = w->in[FM_PARAM_U], *m = w->in[FM_PARAM_X1];
  double *e = w->in[FM_PARAM_EPS], *s = w->in[FM_PARAM_SCORE];
  int st = fm_gmm_path_set(w->pw.path, v);
  st = st ? st : fm_gmm_path_eval(NULL, s, m, u, w->pw.path, x);
  if (st != FM_OK)
    return st;
  for (size_t j = 0; j < d; j++)
    e[j] = -v->sigma * s[j];
  fm_path_errb b;
  fm_path_err_bound(&b, w->pw.pe, w->pw.path, v, x, FM_CV_EPS);
  w->bin[FM_PARAM_U] = b.u;
  w->bin[FM_PARAM_X1] = b.mean;
  w->bin[FM_PARAM_SCORE] = b.score;
  w->bin[FM_PARAM_EPS] = fabs(v->sigma) * b.score + FM_CV_EPS * fm_linalg_maxabs(e, d);
  fm_sched_mp_set_d(&w->pw.vm, v);
  fm_mp_vec_set_d(w->pw.xm, x, d);
  st = fm_gmm_marginal_mpfr(NULL, w->q[FM_PARAM_SCORE], w->q[FM_PARAM_X1], w->q[FM_PARAM_U],
                            w->pw.c->gmm, &w->pw.vm, w->pw.xm, w->pw.prec);
  if (st != FM_OK)
    return st;
  fm_cv_eps_mp(w);
  for (int p = 0; p < FM_CV_NP; p++)
    fm_mp_vec_get_d(w->ref[p], w->q[p], d);
  fm_cv_magnitudes(w);
  return FM_OK;
}

/* --- routes 1 and 2 at one point --- */

static double fm_cv_c(fm_param to, fm_param from, double kW)
{
  return (fm_cv_uses_w(to, from) ? kW : 0.0) + 2.0;
}

static int fm_cv_route_analytic(fm_cv_work *w, const fm_sched_val *v, const double *x,
                                double xn, double kW, size_t i, double t, fm_param to,
                                fm_param from)
{
  int st = fm_cv_candidate(w->cand, w, to, from, v, x, w->in[from]);
  if (st != FM_OK)
    return st;
  double A = w->cmag[to][from][0], B = w->cmag[to][from][1];
  double inn = fm_linalg_maxabs(w->in[from], w->pw.d), refn = fm_linalg_maxabs(w->ref[to], w->pw.d);
  double terms = A * xn + B * inn;
  double bound = fm_cv_c(to, from, kW) * FM_CV_EPS * terms + B * w->bin[from] +
                 FM_CV_EPS * refn;
  fm_cv_decide(&w->r[FM_CV_R_ANALYTIC], &w->worst[FM_CV_R_ANALYTIC], fm_linalg_maxdiff(w->cand, w->ref[to], w->pw.d), bound,
               refn, terms / refn, i, t, to, from);
  return FM_OK;
}

/* from -> to -> from. */
static int fm_cv_route_round(fm_cv_work *w, const fm_sched_val *v, const double *x,
                             double xn, double kW, size_t i, double t, fm_param to,
                             fm_param from)
{
  const double *y = w->in[from];
  int st = fm_cv_candidate(w->mid, w, to, from, v, x, y);
  st = st ? st : fm_cv_candidate(w->back, w, from, to, v, x, w->mid);
  if (st != FM_OK)
    return st;
  double A1 = w->cmag[to][from][0], B1 = w->cmag[to][from][1];
  double A2 = w->cmag[from][to][0], B2 = w->cmag[from][to][1];
  double yn = fm_linalg_maxabs(y, w->pw.d), mn = fm_linalg_maxabs(w->mid, w->pw.d);
  double t1 = A1 * xn + B1 * yn, t2 = A2 * xn + B2 * mn;
  double c1 = fm_cv_c(to, from, kW), c2 = fm_cv_c(from, to, kW);
  double bound = FM_CV_EPS * (c1 * B2 * t1 + c2 * t2);
  fm_cv_decide(&w->r[FM_CV_R_ROUND], &w->worst[FM_CV_R_ROUND], fm_linalg_maxdiff(w->back, y, w->pw.d), bound, yn,
               (B2 * t1 + t2) / yn, i, t, to, from);
  return FM_OK;
}

static int fm_cv_routes_double(fm_cv_work *w, const fm_sched_val *v, const double *x,
                               size_t i, double t)
{
  double xn = fm_linalg_maxabs(x, w->pw.d);
  double W = fm_convert_w(v);
  double kW = (fabs(v->dalpha * v->sigma) + fabs(v->alpha * v->dsigma)) / fabs(W);
  for (int to = 0; to < FM_CV_NP; to++)
    for (int from = 0; from < FM_CV_NP; from++) {
      if (to == from)
        continue;
      fm_param pt = (fm_param)to, pf = (fm_param)from;
      if (fm_convert_singularity(pt, pf, v) || fm_convert_singularity(pf, pt, v)) {
        w->r[FM_CV_R_ANALYTIC].singular++;
        w->r[FM_CV_R_ROUND].singular++;
        continue;
      }
      int st = fm_cv_route_analytic(w, v, x, xn, kW, i, t, pt, pf);
      st = st ? st : fm_cv_route_round(w, v, x, xn, kW, i, t, pt, pf);
      if (st != FM_OK)
        return st;
    }
  return FM_OK;
}

/* --- route 3 --- */

/* |a x + b in - out|_inf, |out|_inf and |a| |x| + |b| |in| (inf-norms) in
 * MPFR, for the candidate coefficients in w->a, w->b. */
static void fm_cv_resid_mp(fm_cv_work *w, double *res, double *outn, double *terms,
                           fm_param to, fm_param from)
{
  double r = 0.0, on = 0.0, xn = 0.0, inn = 0.0;
  for (size_t j = 0; j < w->pw.d; j++) {
    mpfr_mul(w->acc, w->a, w->pw.xm[j], MPFR_RNDN);
    mpfr_fma(w->acc, w->b, w->q[from][j], w->acc, MPFR_RNDN);
    mpfr_sub(w->acc, w->acc, w->q[to][j], MPFR_RNDN);
    r = fmax(r, fabs(mpfr_get_d(w->acc, MPFR_RNDU)));
    on = fmax(on, fabs(mpfr_get_d(w->q[to][j], MPFR_RNDN)));
    xn = fmax(xn, fabs(mpfr_get_d(w->pw.xm[j], MPFR_RNDN)));
    inn = fmax(inn, fabs(mpfr_get_d(w->q[from][j], MPFR_RNDN)));
  }
  *res = r;
  *outn = on;
  *terms = fabs(mpfr_get_d(w->a, MPFR_RNDN)) * xn + fabs(mpfr_get_d(w->b, MPFR_RNDN)) * inn;
}

static int fm_cv_route_mp(fm_cv_work *w, const fm_pointset *ps, size_t i)
{
  size_t d = w->pw.d;
  int st = fm_pointwise_twin(&w->pw.vm, &w->pw, ps->t[i]);
  if (st != FM_OK)
    return st;
  fm_mp_vec_set_d(w->pw.xm, ps->x + i * d, d);
  st = fm_gmm_marginal_mpfr(NULL, w->q[FM_PARAM_SCORE], w->q[FM_PARAM_X1], w->q[FM_PARAM_U],
                            w->pw.c->gmm, &w->pw.vm, w->pw.xm, w->pw.prec);
  if (st != FM_OK)
    return st;
  fm_cv_eps_mp(w);
  fm_cv_w_mp(w, &w->pw.vm, w->mutant);
  if (w->wfac != 1.0)
    mpfr_mul_d(w->w, w->w, w->wfac, MPFR_RNDN);
  for (int to = 0; to < FM_CV_NP; to++)
    for (int from = 0; from < FM_CV_NP; from++) {
      if (to == from)
        continue;
      fm_cv_coef_mp(w, (fm_param)to, (fm_param)from, &w->pw.vm, w->mutant);
      if (!mpfr_number_p(w->a) || !mpfr_number_p(w->b)) {
        w->r[FM_CV_R_MP].singular++;
        continue;
      }
      double res, outn, terms;
      fm_cv_resid_mp(w, &res, &outn, &terms, (fm_param)to, (fm_param)from);
      double bound = w->pw.eps_mp * (4.0 * terms + outn);
      fm_cv_decide(&w->r[FM_CV_R_MP], &w->worst[FM_CV_R_MP], res, bound, outn, terms / outn, i, ps->t[i],
                   (fm_param)to, (fm_param)from);
    }
  return FM_OK;
}

/* --- one point, the report, the check --- */

static int fm_cv_point(void *work, fm_ptcheck *run, size_t i)
{
  fm_cv_work *w = work;
  const fm_pointset *ps = run->ps;
  const double *x = ps->x + i * w->pw.d;
  fm_sched_val v;
  int st = fm_schedule_eval(&v, w->pw.c->sched, ps->t[i]);
  if (st != FM_OK)
    return st;
  if (v.alpha != 1.0)
    w->alpha_not_one = 1;
  st = fm_cv_analytic(w, &v, x);
  st = st ? st : fm_cv_routes_double(w, &v, x, i, ps->t[i]);
  st = st ? st : fm_cv_route_mp(w, ps, i);
  return st;
}

/* "u<-x1 eps<-x1 ..." for the maps singular at the end t (schedule values
 * only; an infinite derivative there does not hide the singular divisor). */
static void fm_cv_note_end(fm_verdict *vd, const fm_schedule *s, double t)
{
  fm_sched_val v;
  int st = fm_schedule_eval(&v, s, t);
  if (st != FM_OK && st != FM_ESING)
    return;
  if (st == FM_ESING) {
    v.dalpha = isfinite(v.dalpha) ? v.dalpha : 1.0;
    v.dsigma = isfinite(v.dsigma) ? v.dsigma : -1.0;
  }
  char buf[256];
  size_t len = 0;
  buf[0] = '\0';
  for (int to = 0; to < FM_CV_NP; to++)
    for (int from = 0; from < FM_CV_NP; from++)
      if (to != from && fm_convert_singularity((fm_param)to, (fm_param)from, &v) &&
          len + 16 < sizeof buf) {
        len += (size_t)snprintf(buf + len, sizeof buf - len, " %s<-%s",
                                fm_param_name((fm_param)to), fm_param_name((fm_param)from));
        char qual[40];
        snprintf(qual, sizeof qual, "t%g.%s<-%s", t, fm_param_name((fm_param)to),
                 fm_param_name((fm_param)from));
        fm_verdict_fact(vd, FM_F_SINGULAR, qual, 1.0);
      }
  fm_verdict_notef(vd, "singular at t=%g (alpha=%.3g, sigma=%.3g):%s", t, v.alpha, v.sigma,
                   len ? buf : " none");
}

/* "to<-from at <point>" */
static void fm_cv_where(char *buf, size_t len, const void *work, const fm_ptcheck *run,
                        size_t r)
{
  const fm_cv_work *w = work;
  char pt[200];
  fm_point_describe(pt, sizeof pt, run->ps, run->w[r].at);
  snprintf(buf, len, "%s<-%s at %s", fm_param_name(w->r[r].to), fm_param_name(w->r[r].from),
           pt);
}

static void fm_cv_report(fm_verdict *v, void *work, fm_ptcheck *run)
{
  const fm_cv_work *w = work;
  (void)run;
  const fm_cv_route *a = &w->r[FM_CV_R_ANALYTIC];
  fm_verdict_notef(v, "max condition number of the maps %.3g (%s<-%s at t=%.10g)",
                   a->kappa_max, fm_param_name(a->kto), fm_param_name(a->kfrom), a->kappa_t);
  fm_verdict_fact(v, FM_F_COND_MAX, NULL, a->kappa_max);
  for (int r = 0; r < FM_CV_NR; r++)
    fm_verdict_notef(v, "route %d: %zu point-maps decided, not decided: %zu with "
                     "eps*kappa > %.2g, %zu with tolerance > %.2g, %zu singular", r + 1,
                     w->r[r].decided, w->r[r].ill, FM_CV_MAX_REL, w->r[r].loose,
                     FM_CV_MAX_REL, w->r[r].singular);
  fm_cv_note_end(v, w->pw.c->sched, 0.0);
  fm_cv_note_end(v, w->pw.c->sched, 1.0);
  fm_pointwise_note(v, &w->pw);
}

/* Mutant 2 changes nothing where alpha = 1 at every point (VE). */
static int fm_cv_finish(fm_verdict *v, void *work, fm_ptcheck *run)
{
  const fm_cv_work *w = work;
  if (run->mutant == FM_CV_EPS_NO_ALPHA && !w->alpha_not_one)
    fm_verdict_na(v, "alpha = 1 at every point: a missing 1/alpha changes nothing");
  return FM_OK;
}

/* The scan's input: W x (1 + e); each rerun counts its own pairs. */
static void fm_cv_perturb(void *work, double e)
{
  fm_cv_work *w = work;
  memset(w->r, 0, sizeof w->r);
  w->wfac = 1.0 + e;
}

static const fm_ptcheck_spec fm_cv_spec = {
    .name = "conversions",
    .nroutes = FM_CV_NR,
    .routes = fm_cv_routes,
    .missing_where = "no decidable point",
    .init = fm_cv_work_init,
    .clear = fm_cv_work_free,
    .point = fm_cv_point,
    .finish = fm_cv_finish,
    .where = fm_cv_where,
    .report = fm_cv_report,
    .scan_input = "W",
    .scan_points = FM_CV_SCAN_POINTS,
    .perturb = fm_cv_perturb,
};

static int fm_conversions_check(fm_verdict *v, const fm_case *c, const fm_check_opts *o,
                                int mutant)
{
  fm_cv_work w;
  return fm_ptcheck_run(v, &fm_cv_spec, &w, c, o, mutant);
}

const fm_theorem fm_thm_conversions = {
    "conversions",
    "u, E[x1|x], E[x0|x] = -sigma grad log p and grad log p are affine in one another: "
    "u = (sigma'/sigma) x + (W/sigma) x1hat = (alpha'/alpha) x - (W/alpha) epshat "
    "= (alpha'/alpha) x + (sigma W/alpha) score, W = alpha' sigma - alpha sigma'",
    fm_conversions_check,
    fm_cv_mutants,
};
