/* schedule_thm.c -- theorem `schedule` (DESIGN §1, §2): admissibility and
 * derivative consistency of a schedule (alpha_t, sigma_t).
 *
 * Admissible: sigma_t > 0 on [0,1), alpha_0 = 0, sigma_0 = 1, alpha_1 = 1,
 * sigma_1 = sigma_min >= 0, differentiable, SNR alpha/sigma strictly
 * increasing; the derivatives the schedule reports are those of its values.
 *
 * eps = DBL_EPSILON (twice the unit roundoff).  Error model of one double
 * evaluation, kappa = fm_sched_cond (1 + max |log| of the four numbers):
 *   |d alpha|, |d sigma| <= e_v = 4 kappa eps (|alpha| + |sigma|),
 *   |d alpha'|, |d sigma'| <= e_d = 4 kappa eps (|alpha'| + |sigma'|).
 * Absolute, not relative to each value: an expression such as libmatheval's
 * cos(pi*t/2) rounds its argument, so near a zero of sigma the error is
 * eps-sized in absolute terms (at t = 1 - 2^-11, cos(pi t/2) ~ 8e-4 carries
 * ~2e-16, a relative 3e-13 no per-value kappa predicts); the built-ins, which
 * carry the cancellation in 1 - t, do better than this bound.
 * A value of size <= 4 eps is "zero to rounding": a boundary break smaller
 * than that is no break.
 *
 * Boundary (DESIGN §1 thresholds).  The noise end: |alpha_0| <= 1e-2 and
 * |sigma_0 - 1| <= 1e-3 are warnings, larger fails; a break is also
 * *costed*: p_0 = sum_k w_k N(alpha_0 m_k, alpha_0^2 S_k + sigma_0^2 I) for
 * the case's GMM against the prior N(0, I), by the closed-form Gaussian KLs
 * and joint convexity (boundary.c: deterministic upper bounds, exact for one
 * component; reported with a moment-matching lower bound), in both
 * directions; the larger upper bound is the cost -- conservative: a break
 * is accepted only when it is shown to be cheap.  Why both: an
 * exact sampler started from N(0,I) and pushed through the flow map (a
 * bijection, which preserves KL) produces samples at KL(N(0,I) || p_0) from
 * the data; a likelihood evaluated by the reverse flow sees KL(p_0 || N(0,I)).
 * Threshold 1e-3 nats: by Pinsker the total variation is then <= 0.022, and
 * the most powerful (likelihood-ratio) test at level 1e-3 (z = 3.09) needs
 * n >= 2 z^2 / KL ~ 1.9e4 samples to see the break -- more than the suite's
 * sample tests draw -- so a cheaper break is a WARN, a dearer one a FAIL.
 * VP (beta_min = 0.1, beta_max = 20): alpha_0 = exp(-T(1)/2) = 6.6e-3, a
 * warning with a cost bound of 1e-5 .. 1.4e-4 nats on the built-in data
 * (the true cost is far smaller: alpha^2 + sigma^2 = 1 makes p_0's
 * covariance nearly I, and the moment-matching lower bound is ~1e-9 .. 2e-5).  VE (alpha = 1)
 * is judged against its own prior N(0, sigma_0^2 I), sigma_0 = sigma_max:
 * the cost is reported and the verdict is at most a WARN ("outside the
 * convention").  The data end: |alpha_1 - 1| > 1e-9 fails; sigma_1 is
 * reported as the smoothing sigma_min and fails above 0.1.
 *
 * Grid: t_i = i/N, N = 4096 x multiplier.
 *  - positivity: the number of t < 1 with sigma <= 0 (and t = 1 with
 *    sigma < 0), and of interior t where a derivative is infinite
 *    (not differentiable) or the schedule fails to evaluate; tol 0.5 each.
 *  - SNR: the worst relative decrease (snr_{i-1} - snr_i) / max|snr| over
 *    consecutive nodes (sigma = 0 gives snr = +inf, the largest), against
 *    the rounding of the ratio: tol = 2 max over the two nodes of
 *    (e_v/|alpha| + e_v/|sigma| + eps).  The statistic is signed: a negative
 *    value says how strictly the worst step still increases.  With an MPFR
 *    twin, the same on the twin's values with tol 4 eps_mp, eps_mp =
 *    2^(20 - prec).
 *  - MPFR twin (built-ins): alpha, sigma, alpha', sigma' in double against
 *    fm_schedule_eval_mp at o->prec bits: values within 4 kappa eps (|alpha|
 *    + |sigma|), derivatives within 4 kappa eps (|alpha'| + |sigma'|) (twin
 *    sizes; + 2^-1074, a subnormal's resolution): the error model above, with
 *    the twin's exact sizes; infinite derivatives (t = 0 or 1) compared only
 *    as infinities.
 *  - finite differences: at interior nodes, Richardson central differences
 *    (fm_fdiff_central, 5 levels, on fm_fdiff_grid's exact steps, h0 <=
 *    2^-7; 2^-17 for table schedules: a cubic spline is only C^2 at its
 *    knots, a difference straddling one has an error ~|jump f'''| h^2 / 12
 *    outside the h^2, h^4 expansion Richardson removes, and the short step
 *    keeps it below the round-off floor) of alpha and sigma against the
 *    closed-form/symbolic derivatives (and the user's claimed ones, expr
 *    only):
 *        tol = 2 err + 2 (e_v / h_fin + e_d)
 *    err is fm_fdiff's estimate (the difference of the last two
 *    extrapolations, itself a bound on the less accurate one; x2 for the
 *    pre-asymptotic range); a value's round-off e_v enters a difference
 *    quotient divided by the finest step and is amplified by the Richardson
 *    weights by < 2; the derivative's own rounding e_d.
 *  - user cond_field (expr): at seeded (t, x, x1) against (sigma'/sigma)(x -
 *    alpha x1) + alpha' x1.  With c = sigma'/sigma, r = |x| + |alpha x1|, T =
 *    |c| r + |alpha' x1|: tol = dc r + |c| e_v |x1| + e_d |x1| + 64 eps T,
 *    dc = (e_d + |c| e_v)/|sigma| (the schedule errors through each term;
 *    64 eps T for the two evaluations' own operations, <= 16 nodes each at
 *    <= 2 eps).  And against the path: d/dt psi_t(x0) (Richardson, as above)
 *    = cond_field(t, psi_t(x0), x1) with tol 2 err + 2 delta / h_fin + the
 *    formula tol, delta = e_v (|x0| + |x1|) + 2 eps (|sigma x0| + |alpha x1|)
 *    the round-off of one psi value.
 *
 * Mutants (the candidate schedule is the case's, wrapped):
 *   1 "sigma' off by 1%": the reported sigma' (closed form and claim) x 1.01;
 *   2 "SNR non-monotone": alpha x exp(B(t)), B = A exp(-((t - 1/2)/w)^2/2),
 *     w = 0.02, A = 2 w s0 e^(1/2) with s0 = d log SNR/dt at t = 1/2, so the
 *     bump's steepest descent is -2 s0 and the SNR falls at rate ~s0 just
 *     after t = 1/2 (derivatives by the chain rule, MPFR twin wrapped alike,
 *     so only the SNR routes see it);
 *   3 "alpha_1 = 0.99": alpha x (1 - 0.01 t) (twin wrapped alike);
 *   4 "claimed alpha' wrong by 1e-3 relative": the reported alpha' x 1.001
 *     (n/a when alpha' = 0 identically, e.g. VE).
 */
#include "theorems.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boundary.h"
#include "fdiff.h"
#include "points.h"

#define FM_SC_EPS DBL_EPSILON
#define FM_SC_GRID 4096
#define FM_SC_FD_LEVELS 5
#define FM_SC_FD_HMAX 0x1p-7
#define FM_SC_FD_HMAX_C2 0x1p-17
#define FM_SC_GUARD_BITS 20
#define FM_SC_ALPHA0_WARN 1e-2
#define FM_SC_SIGMA0_WARN 1e-3
#define FM_SC_ALPHA1_TOL 1e-9
#define FM_SC_SIGMA_MIN_MAX 0.1
#define FM_SC_KL_MAX 1e-3
#define FM_SC_BUMP_W 0.02
#define FM_SC_TINY 0x1p-1074
#define FM_SC_RNG_TAG 0x5343u /* "SC" */

enum { FM_SC_TRUE, FM_SC_DSIGMA, FM_SC_BUMP, FM_SC_ALPHA1, FM_SC_DALPHA };
enum {
  FM_SC_R_EVAL, FM_SC_R_POS, FM_SC_R_SNR, FM_SC_R_SNR_MP, FM_SC_R_MP, FM_SC_R_FD,
  FM_SC_R_CLAIM, FM_SC_R_UF, FM_SC_R_UF_PATH, FM_SC_NR
};

static const char *const fm_sc_mutants[] = {
    "sigma' off by 1%",
    "SNR non-monotone (a bump in alpha)",
    "alpha_1 = 0.99",
    "claimed alpha' wrong by 1e-3 relative",
    NULL,
};

static const char *const fm_sc_route_names[FM_SC_NR] = {
    "interior points not evaluable or not differentiable",
    "points with sigma <= 0 on [0,1)",
    "SNR relative decrease (double)",
    "SNR relative decrease (MPFR twin)",
    "values and derivatives vs MPFR twin",
    "closed-form derivatives vs FD",
    "claimed derivatives vs FD",
    "cond_field vs (sigma'/sigma)(x - alpha x1) + alpha' x1",
    "cond_field vs d/dt psi_t",
};

/* --- the candidate schedule --- */

typedef struct {
  const fm_schedule *s;
  int mutant;
  double bump_a;   /* bump amplitude (mutant 2) */
  mpfr_prec_t prec;
} fm_sc_cand;

/* Value mutations: factor on alpha and its t-derivative, at t. */
static void fm_sc_alpha_factor(double *fac, double *dfac, const fm_sc_cand *k, double t)
{
  *fac = 1.0;
  *dfac = 0.0;
  if (k->mutant == FM_SC_BUMP) {
    double z = (t - 0.5) / FM_SC_BUMP_W, B = k->bump_a * exp(-0.5 * z * z);
    *fac = exp(B);
    *dfac = *fac * (-B * z / FM_SC_BUMP_W);
  } else if (k->mutant == FM_SC_ALPHA1) {
    *fac = 1.0 - 0.01 * t;
    *dfac = -0.01;
  }
}

static void fm_sc_apply(fm_sched_val *v, const fm_sc_cand *k, double t)
{
  double fac, dfac;
  fm_sc_alpha_factor(&fac, &dfac, k, t);
  v->dalpha = v->dalpha * fac + v->alpha * dfac;
  v->alpha *= fac;
  if (k->mutant == FM_SC_DSIGMA)
    v->dsigma *= 1.01;
  if (k->mutant == FM_SC_DALPHA)
    v->dalpha *= 1.0 + 1e-3;
}

/* Candidate values and reported derivatives; on FM_ESING the values are
 * still returned (the infinite derivative as stored by the schedule). */
static int fm_sc_eval(fm_sched_val *v, const fm_sc_cand *k, double t)
{
  *v = (fm_sched_val){NAN, NAN, NAN, NAN};
  int st = fm_schedule_eval(v, k->s, t);
  if (st != FM_OK && st != FM_ESING)
    return st;
  if (!isfinite(v->alpha) || !isfinite(v->sigma))
    return st == FM_OK ? FM_ENONFIN : st;
  fm_sc_apply(v, k, t);
  return st;
}

/* The user's claimed derivatives for the candidate (FM_ENOTAVAIL if none). */
static int fm_sc_claimed(double *da, double *ds, const fm_sc_cand *k, double t)
{
  int st = fm_schedule_claimed_deriv(da, ds, k->s, t);
  if (st != FM_OK)
    return st;
  fm_sched_val v;
  st = fm_schedule_eval(&v, k->s, t);
  if (st != FM_OK && st != FM_ESING)
    return st;
  v.dalpha = *da;
  v.dsigma = *ds;
  fm_sc_apply(&v, k, t);
  *da = v.dalpha;
  *ds = v.dsigma;
  return FM_OK;
}

/* The MPFR twin with the value mutations (not the derivative ones: the
 * twin is the truth the double code is checked against). */
static int fm_sc_eval_mp(fm_sched_mp *m, const fm_sc_cand *k, double t)
{
  mpfr_t tt, fac;
  mpfr_init2(tt, 64);
  mpfr_set_d(tt, t, MPFR_RNDN);
  int st = fm_schedule_eval_mp(m, k->s, tt);
  mpfr_clear(tt);
  if ((st != FM_OK && st != FM_ESING) || (k->mutant != FM_SC_BUMP && k->mutant != FM_SC_ALPHA1))
    return st;
  mpfr_init2(fac, k->prec);
  if (k->mutant == FM_SC_BUMP) {
    /* values only (the SNR route): alpha exp(A exp(-z^2/2)) */
    mpfr_set_d(fac, t, MPFR_RNDN);
    mpfr_sub_d(fac, fac, 0.5, MPFR_RNDN);
    mpfr_div_d(fac, fac, FM_SC_BUMP_W, MPFR_RNDN);
    mpfr_sqr(fac, fac, MPFR_RNDN);
    mpfr_mul_d(fac, fac, -0.5, MPFR_RNDN);
    mpfr_exp(fac, fac, MPFR_RNDN);
    mpfr_mul_d(fac, fac, k->bump_a, MPFR_RNDN);
    mpfr_exp(fac, fac, MPFR_RNDN);
  } else {
    mpfr_set_d(fac, t, MPFR_RNDN);
    mpfr_mul_d(fac, fac, -0.01, MPFR_RNDN);
    mpfr_add_ui(fac, fac, 1, MPFR_RNDN);
  }
  double f, df;
  fm_sc_alpha_factor(&f, &df, k, t);
  /* alpha' fac + alpha fac' (fac' in double: only the value routes use it) */
  mpfr_mul(m->dalpha, m->dalpha, fac, MPFR_RNDN);
  mpfr_t tmp;
  mpfr_init2(tmp, k->prec);
  mpfr_mul_d(tmp, m->alpha, df, MPFR_RNDN);
  mpfr_add(m->dalpha, m->dalpha, tmp, MPFR_RNDN);
  mpfr_mul(m->alpha, m->alpha, fac, MPFR_RNDN);
  mpfr_clears(fac, tmp, (mpfr_ptr)0);
  return st;
}

/* --- per-route worst point --- */

typedef struct {
  double margin, value, tol;
  int have;
  char where[160];
} fm_sc_worst;

/* Returns 1 when this entry became the worst (caller then fills where). */
static int fm_sc_worst_add(fm_sc_worst *w, double value, double tol)
{
  double m = isnan(value) ? INFINITY : value / tol;
  if (w->have && !(m > w->margin))
    return 0;
  w->margin = m;
  w->value = value;
  w->tol = tol;
  w->have = 1;
  w->where[0] = '\0';
  return 1;
}

typedef struct {
  const fm_case *c;
  fm_sc_cand k;
  size_t N;
  int has_twin, has_claim, has_uf;
  fm_sc_worst w[FM_SC_NR];
  size_t n_eval_bad, n_nonpos;
  double eps_mp;
} fm_sc_work;

/* --- the error model of one double evaluation (see the header) --- */

/* absolute error of alpha or sigma: 4 kappa eps (|alpha| + |sigma|) */
static double fm_sc_err_val(const fm_sched_val *v)
{
  return 4.0 * fm_sched_cond(v) * FM_SC_EPS * (fabs(v->alpha) + fabs(v->sigma));
}

/* absolute error of alpha' or sigma': 4 kappa eps (|alpha'| + |sigma'|) */
static double fm_sc_err_der(const fm_sched_val *v)
{
  return 4.0 * fm_sched_cond(v) * FM_SC_EPS * (fabs(v->dalpha) + fabs(v->dsigma));
}

/* Bound on |field - formula| for u = c (x - alpha x1) + alpha' x1, c =
 * sigma'/sigma, evaluated twice in double (the user's expression and the
 * formula): the schedule errors through each term, plus 64 eps of the term
 * sizes for the two evaluations' own operations. *T = the term sizes. */
static double fm_sc_uf_tol(double *T, const fm_sched_val *v, double x, double x1)
{
  double ev = fm_sc_err_val(v), ed = fm_sc_err_der(v), c = v->dsigma / v->sigma;
  double r = fabs(x) + fabs(v->alpha * x1);
  *T = fabs(c) * r + fabs(v->dalpha * x1);
  double dc = (ed + fabs(c) * ev) / fabs(v->sigma);
  return dc * r + fabs(c) * ev * fabs(x1) + ed * fabs(x1) + 64.0 * FM_SC_EPS * *T +
         FM_SC_TINY;
}

/* --- grid routes --- */

static double fm_sc_snr(double a, double s)
{
  return s != 0.0 ? a / s : (a > 0.0 ? INFINITY : NAN);
}

/* Relative decrease from snr0 to snr1 (<= 0 when increasing). */
static double fm_sc_decrease(double snr0, double snr1)
{
  if (isinf(snr0) || isinf(snr1)) /* sigma = 0: +inf is the largest SNR */
    return snr0 == snr1 ? 0.0 : (snr1 > snr0 ? -1.0 : 1.0);
  double den = fmax(fabs(snr0), fabs(snr1));
  return den > 0.0 ? (snr0 - snr1) / den : 0.0;
}

static int fm_sc_fd_fn(double *y, double t, void *ctx)
{
  const fm_sc_cand *k = ctx;
  fm_sched_val v;
  int st = fm_sc_eval(&v, k, t);
  if (st != FM_OK && st != FM_ESING)
    return st;
  y[0] = v.alpha;
  y[1] = v.sigma;
  return FM_OK;
}

/* max over (alpha, sigma) of |d_j - D_j| / tol_j; *val and *tol at that j. */
static double fm_sc_fd_margin(double *val, double *tol, const double *d, const double *D,
                              const double *err, const fm_sched_val *v, double h)
{
  double m = -INFINITY, ev = fm_sc_err_val(v), ed = fm_sc_err_der(v);
  for (int j = 0; j < 2; j++) {
    double tj = 2.0 * err[j] + 2.0 * (ev / h + ed);
    double e = fabs(d[j] - D[j]), mj = isnan(e) ? INFINITY : e / tj;
    if (mj > m) {
      m = mj;
      *val = e;
      *tol = tj;
    }
  }
  return m;
}

/* Largest first step: table schedules are cubic splines, only C^2 at the
 * knots (see the header). */
static double fm_sc_fd_hmax(const fm_schedule *s)
{
  return strcmp(fm_schedule_type_name(s), "table") == 0 ? FM_SC_FD_HMAX_C2 : FM_SC_FD_HMAX;
}

static void fm_sc_at(fm_sc_worst *w, int became, double t)
{
  if (became)
    snprintf(w->where, sizeof w->where, "t=%.10g", t);
}

/* Finite differences at interior node t: closed form and claims. */
static int fm_sc_fd_node(fm_sc_work *w, double t)
{
  double tc, h0;
  if (fm_fdiff_grid(&tc, &h0, t, fm_sc_fd_hmax(w->c->sched)) != FM_OK)
    return FM_OK; /* within 2^-30 of an end: no room for a central difference */
  double D[2], err[2];
  fm_fdiff_info info;
  int st = fm_fdiff_central(D, err, &info, fm_sc_fd_fn, &w->k, 2, tc, h0, FM_SC_FD_LEVELS);
  if (st != FM_OK)
    return st;
  fm_sched_val v;
  st = fm_sc_eval(&v, &w->k, tc);
  if (st != FM_OK)
    return st == FM_ESING ? FM_OK : st; /* counted by the grid route */
  double d[2] = {v.dalpha, v.dsigma};
  double scale = fmax(fabs(v.dalpha) + fabs(v.dsigma), DBL_MIN), val, tol;
  fm_sc_fd_margin(&val, &tol, d, D, err, &v, info.h_used);
  fm_sc_at(&w->w[FM_SC_R_FD], fm_sc_worst_add(&w->w[FM_SC_R_FD], val / scale, tol / scale),
           tc);
  if (w->has_claim) {
    st = fm_sc_claimed(&d[0], &d[1], &w->k, tc);
    if (st != FM_OK)
      return st;
    fm_sc_fd_margin(&val, &tol, d, D, err, &v, info.h_used);
    fm_sc_at(&w->w[FM_SC_R_CLAIM],
             fm_sc_worst_add(&w->w[FM_SC_R_CLAIM], val / scale, tol / scale), tc);
  }
  return FM_OK;
}

/* Double vs twin at one node: max over the four values of err/tol. */
static void fm_sc_twin_node(fm_sc_work *w, const fm_sched_val *v, const fm_sched_mp *m,
                            double t)
{
  double kappa = fm_sched_cond(v);
  const double dv[4] = {v->alpha, v->sigma, v->dalpha, v->dsigma};
  mpfr_srcptr mv[4] = {m->alpha, m->sigma, m->dalpha, m->dsigma};
  double ref[4];
  for (int j = 0; j < 4; j++)
    ref[j] = mpfr_get_d(mv[j], MPFR_RNDN);
  /* values relative to |alpha| + |sigma|, derivatives to |alpha'| + |sigma'| */
  double sv = fabs(ref[0]) + fabs(ref[1]), sd = fabs(ref[2]) + fabs(ref[3]);
  for (int j = 0; j < 4; j++) {
    double e, tol, s = j < 2 ? sv : sd;
    if (isinf(ref[j]) || isinf(dv[j]) || isinf(s)) {
      e = isinf(ref[j]) || isinf(dv[j]) ? (ref[j] == dv[j] ? 0.0 : INFINITY) : 0.0;
      tol = s = 1.0;
    } else {
      e = fabs(dv[j] - ref[j]);
      tol = 4.0 * kappa * FM_SC_EPS * s + FM_SC_TINY;
      s = fmax(s, DBL_MIN);
    }
    fm_sc_at(&w->w[FM_SC_R_MP], fm_sc_worst_add(&w->w[FM_SC_R_MP], e / s, tol / s), t);
  }
}

static int fm_sc_grid(fm_sc_work *w)
{
  size_t N = w->N;
  double snr_prev = NAN, kap_prev = 0.0, snrm_prev = NAN;
  fm_sched_mp m;
  fm_sched_mp_init(&m, w->k.prec);
  mpfr_t q;
  mpfr_init2(q, w->k.prec);
  int st = FM_OK;
  for (size_t i = 0; i <= N && st == FM_OK; i++) {
    double t = (double)i / (double)N;
    fm_sched_val v;
    int se = fm_sc_eval(&v, &w->k, t);
    int interior = i > 0 && i < N;
    if ((se != FM_OK && se != FM_ESING) || (se == FM_ESING && interior)) {
      if (w->n_eval_bad++ == 0)
        snprintf(w->w[FM_SC_R_EVAL].where, sizeof w->w[FM_SC_R_EVAL].where,
                 "t=%.10g: %s", t, fm_strerror(se));
      if (se != FM_ESING)
        continue;
    }
    if ((i < N && !(v.sigma > 0.0)) || (i == N && v.sigma < 0.0)) {
      if (w->n_nonpos++ == 0)
        snprintf(w->w[FM_SC_R_POS].where, sizeof w->w[FM_SC_R_POS].where,
                 "t=%.10g: sigma=%.6g", t, v.sigma);
    }
    /* relative error of the ratio: the absolute value errors over each value */
    double ev = fm_sc_err_val(&v), snr = fm_sc_snr(v.alpha, v.sigma);
    double kap = (v.alpha != 0.0 ? ev / fabs(v.alpha) : 0.0) +
                 (v.sigma != 0.0 ? ev / fabs(v.sigma) : 0.0) + FM_SC_EPS;
    if (i > 0) {
      double dec = fm_sc_decrease(snr_prev, snr);
      double tol = 2.0 * fmax(kap, kap_prev);
      fm_sc_at(&w->w[FM_SC_R_SNR], fm_sc_worst_add(&w->w[FM_SC_R_SNR], dec, tol), t);
    }
    snr_prev = snr;
    kap_prev = kap;
    if (w->has_twin) {
      int sm = fm_sc_eval_mp(&m, &w->k, t);
      if (sm != FM_OK && sm != FM_ESING) {
        st = sm;
        break;
      }
      fm_sc_twin_node(w, &v, &m, t);
      double snrm;
      if (mpfr_zero_p(m.sigma))
        snrm = mpfr_sgn(m.alpha) > 0 ? INFINITY : NAN;
      else {
        mpfr_div(q, m.alpha, m.sigma, MPFR_RNDN);
        snrm = mpfr_get_d(q, MPFR_RNDN);
      }
      if (i > 0) {
        double dec = fm_sc_decrease(snrm_prev, snrm);
        fm_sc_at(&w->w[FM_SC_R_SNR_MP],
                 fm_sc_worst_add(&w->w[FM_SC_R_SNR_MP], dec, 4.0 * w->eps_mp), t);
      }
      snrm_prev = snrm;
    }
    if (interior && se == FM_OK)
      st = fm_sc_fd_node(w, t);
  }
  mpfr_clear(q);
  fm_sched_mp_clear(&m);
  return st;
}

/* --- the user's cond_field --- */

static int fm_sc_uf_point(fm_sc_work *w, double t, double x0, double x1, double xoff)
{
  fm_sched_val v;
  int st = fm_sc_eval(&v, &w->k, t);
  if (st != FM_OK)
    return st;
  /* against the formula, off the path */
  double u, T;
  st = fm_schedule_user_cond_field(&u, w->c->sched, t, xoff, x1);
  if (st != FM_OK)
    return st;
  double uf = v.dsigma / v.sigma * (xoff - v.alpha * x1) + v.dalpha * x1;
  double tol = fm_sc_uf_tol(&T, &v, xoff, x1), sc = fmax(T, DBL_MIN);
  fm_sc_at(&w->w[FM_SC_R_UF], fm_sc_worst_add(&w->w[FM_SC_R_UF], fabs(u - uf) / sc, tol / sc),
           t);
  /* against the path: d/dt psi_t(x0) = cond_field(t, psi_t(x0), x1) */
  double tc, h0;
  if (fm_fdiff_grid(&tc, &h0, t, fm_sc_fd_hmax(w->c->sched)) != FM_OK)
    return FM_OK;
  st = fm_sc_eval(&v, &w->k, tc);
  if (st != FM_OK)
    return st;
  double D[2], err[2];
  fm_fdiff_info info;
  st = fm_fdiff_central(D, err, &info, fm_sc_fd_fn, &w->k, 2, tc, h0, FM_SC_FD_LEVELS);
  if (st != FM_OK)
    return st;
  double x = v.sigma * x0 + v.alpha * x1;
  st = fm_schedule_user_cond_field(&u, w->c->sched, tc, x, x1);
  if (st != FM_OK)
    return st;
  double dpsi = D[1] * x0 + D[0] * x1, e_fd = err[1] * fabs(x0) + err[0] * fabs(x1);
  double delta = fm_sc_err_val(&v) * (fabs(x0) + fabs(x1)) +
                 2.0 * FM_SC_EPS * (fabs(v.sigma * x0) + fabs(v.alpha * x1));
  tol = 2.0 * e_fd + 2.0 * delta / info.h_used + fm_sc_uf_tol(&T, &v, x, x1);
  sc = fmax(fabs(dpsi), fmax(T, DBL_MIN));
  fm_sc_at(&w->w[FM_SC_R_UF_PATH],
           fm_sc_worst_add(&w->w[FM_SC_R_UF_PATH], fabs(u - dpsi) / sc, tol / sc), tc);
  return FM_OK;
}

/* Seeded points: t near either end for 1 in 4, else uniform; x0, x1 ~ N(0,
 * 2.385^2) (high-entropy scale), x off the path by another such normal. */
static int fm_sc_uf(fm_sc_work *w, uint64_t seed, size_t n)
{
  fm_rng ru = fm_rng_make(seed, FM_RNG_STREAM(FM_SC_RNG_TAG, 0));
  fm_rng rn = fm_rng_make(seed, FM_RNG_STREAM(FM_SC_RNG_TAG, 1));
  int st = FM_OK;
  for (size_t i = 0; i < n && st == FM_OK; i++) {
    double u = fm_rng_uniform(&ru, i), z[3];
    double t = i % 4 == 0 ? 1e-6 * (1.0 + u) : (i % 4 == 1 ? 1.0 - 1e-6 * (1.0 + u) : u);
    fm_rng_normals(z, 3, &rn, 3 * (uint64_t)i);
    st = fm_sc_uf_point(w, t, 2.385 * z[0], 2.385 * z[1], 2.385 * z[2]);
  }
  return st;
}

/* --- boundary --- */

static int fm_sc_boundary(fm_verdict *vd, fm_sc_work *w)
{
  fm_sched_val v0, v1;
  int st = fm_sc_eval(&v0, &w->k, 0.0);
  if (st != FM_OK && st != FM_ESING)
    return st;
  st = fm_sc_eval(&v1, &w->k, 1.0);
  if (st != FM_OK && st != FM_ESING)
    return st;
  const double tiny = 4.0 * FM_SC_EPS;
  int ve = strcmp(fm_schedule_type_name(w->c->sched), "ve") == 0;
  double ba0 = fabs(v0.alpha), bs0 = fabs(v0.sigma - 1.0), kpq, kqp, klow;
  if (ve) {
    st = fm_boundary_kl(&kpq, &kqp, &klow, w->c->gmm, v0.alpha, v0.sigma, v0.sigma);
    if (st != FM_OK)
      return st;
    fm_verdict_warn(vd);
    fm_verdict_notef(vd, "VE: alpha_0 = %.6g (outside the convention), judged against "
                     "its prior N(0, sigma_max^2 I), sigma_0 = %.6g: KL(p_0||prior) in "
                     "[%.3g, %.3g], KL(prior||p_0) <= %.3g nats", v0.alpha, v0.sigma, klow,
                     kpq, kqp);
  } else {
    fm_verdict_route(vd, "|alpha_0| (noise end)", ba0, FM_SC_ALPHA0_WARN, 0.0, "t=0");
    fm_verdict_route(vd, "|sigma_0 - 1| (noise end)", bs0, FM_SC_SIGMA0_WARN, 0.0, "t=0");
    if (ba0 > tiny || bs0 > tiny) {
      st = fm_boundary_kl(&kpq, &kqp, &klow, w->c->gmm, v0.alpha, v0.sigma, 1.0);
      if (st != FM_OK)
        return st;
      double cost = fmax(kpq, kqp);
      fm_verdict_route(vd, "KL cost of the noise-end break (upper bound)", cost,
                       FM_SC_KL_MAX, 0.0, "t=0");
      fm_verdict_warn(vd);
      fm_verdict_notef(vd, "noise-end break: alpha_0 = %.6g, sigma_0 - 1 = %.3g; cost "
                       "KL(p_0||N(0,I)) <= %.3g (>= %.3g by moment matching), "
                       "KL(N(0,I)||p_0) <= %.3g nats (upper bounds by convexity decide; "
                       "threshold %.0e)", v0.alpha, v0.sigma - 1.0, kpq, klow, kqp,
                       FM_SC_KL_MAX);
    }
  }
  double ba1 = fabs(v1.alpha - 1.0);
  fm_verdict_route(vd, "|alpha_1 - 1| (data end)", ba1, FM_SC_ALPHA1_TOL, 0.0, "t=1");
  if (ba1 > tiny) {
    fm_verdict_warn(vd);
    fm_verdict_notef(vd, "data-end break: alpha_1 - 1 = %.3g", v1.alpha - 1.0);
  }
  fm_verdict_route(vd, "sigma_1 (sigma_min)", fabs(v1.sigma), FM_SC_SIGMA_MIN_MAX, 0.0, "t=1");
  fm_verdict_notef(vd, "sigma_min = sigma_1 = %.6g", v1.sigma);
  return FM_OK;
}

/* --- setup and report --- */

/* Bump amplitude for mutant 2 from s0 = d log SNR/dt at t = 1/2. */
static double fm_sc_bump_amplitude(const fm_schedule *s)
{
  fm_sched_val v;
  if (fm_schedule_eval(&v, s, 0.5) != FM_OK)
    return 0.5;
  double s0 = v.dalpha / v.alpha - v.dsigma / v.sigma;
  if (!(s0 > 0.0) || !isfinite(s0))
    return 0.5;
  return 2.0 * FM_SC_BUMP_W * s0 * exp(0.5);
}

/* alpha' = 0 at every one of 17 nodes: a relative perturbation is none. */
static int fm_sc_dalpha_zero(const fm_schedule *s)
{
  for (int i = 0; i <= 16; i++) {
    fm_sched_val v;
    int st = fm_schedule_eval(&v, s, i / 16.0);
    if ((st == FM_OK || st == FM_ESING) && v.dalpha != 0.0)
      return 0;
  }
  return 1;
}

static int fm_sc_setup(fm_sc_work *w, const fm_case *c, const fm_check_opts *o, int mutant)
{
  *w = (fm_sc_work){.c = c};
  w->k = (fm_sc_cand){c->sched, mutant, 0.0, (mpfr_prec_t)o->prec};
  if (mutant == FM_SC_BUMP)
    w->k.bump_a = fm_sc_bump_amplitude(c->sched);
  w->N = FM_SC_GRID * (size_t)(o->multiplier > 1 ? o->multiplier : 1);
  w->eps_mp = ldexp(1.0, FM_SC_GUARD_BITS - (int)o->prec);
  fm_sched_mp m;
  fm_sched_mp_init(&m, w->k.prec);
  mpfr_t h;
  mpfr_init2(h, 64);
  mpfr_set_d(h, 0.5, MPFR_RNDN);
  w->has_twin = fm_schedule_eval_mp(&m, c->sched, h) != FM_ENOTAVAIL;
  mpfr_clear(h);
  fm_sched_mp_clear(&m);
  double da, ds, u;
  w->has_claim = fm_schedule_claimed_deriv(&da, &ds, c->sched, 0.5) != FM_ENOTAVAIL;
  w->has_uf = fm_schedule_user_cond_field(&u, c->sched, 0.5, 0.3, 0.7) != FM_ENOTAVAIL;
  return FM_OK;
}

static void fm_sc_report(fm_verdict *vd, fm_sc_work *w)
{
  fm_sc_worst *e = &w->w[FM_SC_R_EVAL], *p = &w->w[FM_SC_R_POS];
  fm_verdict_route(vd, fm_sc_route_names[FM_SC_R_EVAL], (double)w->n_eval_bad, 0.5, 0.0,
                   e->where);
  fm_verdict_route(vd, fm_sc_route_names[FM_SC_R_POS], (double)w->n_nonpos, 0.5, 0.0,
                   p->where);
  for (int r = FM_SC_R_SNR; r < FM_SC_NR; r++)
    if (w->w[r].have)
      fm_verdict_route(vd, fm_sc_route_names[r], w->w[r].value, w->w[r].tol, 0.0,
                       w->w[r].where);
  fm_verdict_notef(vd, "grid of %zu intervals", w->N);
  if (!w->has_twin)
    fm_verdict_notef(vd, "no MPFR twin (%s schedule): twin routes n/a",
                     fm_schedule_type_name(w->c->sched));
  if (w->k.mutant == FM_SC_BUMP)
    fm_verdict_notef(vd, "bump amplitude %.3g, width %.3g at t = 0.5", w->k.bump_a,
                     FM_SC_BUMP_W);
}

static int fm_schedule_check(fm_verdict *v, const fm_case *c, const fm_check_opts *o,
                             int mutant)
{
  if (mutant == FM_SC_DALPHA && fm_sc_dalpha_zero(c->sched)) {
    fm_verdict_na(v, "alpha' = 0 identically: a relative error in it is no error");
    return FM_OK;
  }
  fm_sc_work w;
  int st = fm_sc_setup(&w, c, o, mutant);
  if (st == FM_OK)
    st = fm_sc_boundary(v, &w);
  if (st == FM_OK)
    st = fm_sc_grid(&w);
  if (st == FM_OK && w.has_uf)
    st = fm_sc_uf(&w, fm_check_seed(o, c), fm_check_npoints(o));
  if (st == FM_OK)
    fm_sc_report(v, &w);
  return st;
}

const fm_theorem fm_thm_schedule = {
    "schedule",
    "sigma > 0 on [0,1), alpha_0 = 0, sigma_0 = 1, alpha_1 = 1, sigma_1 = sigma_min, "
    "SNR alpha/sigma strictly increasing, and the reported derivatives are those of "
    "the values",
    fm_schedule_check,
    fm_sc_mutants,
};
