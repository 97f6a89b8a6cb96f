/* test_schedule_mp.c -- every built-in schedule's double evaluation
 * (schedule_builtin.c, rearranged forms) against its MPFR twin
 * (schedule_mp.c, textbook forms at 256 bits).
 *
 * Tolerances.  Each double formula is a short chain of operations; its
 * relative error is bounded by first-order propagation of
 *   EPS  = 2^-53 per correctly rounded + - * / sqrt (and for 1 - t when
 *          t < 1/2; for t >= 1/2, 1 - t is exact by Sterbenz),
 *   LIBM = 2 EPS (1 ulp) per glibc exp/log/log1p/expm1/sin call,
 * through the condition number of each later step with respect to its
 * argument (e.g. exp(w) turns an absolute error |w| delta in w into a
 * relative error |w| delta).  The per-schedule derivations are beside each
 * bound function.  The bound is multiplied by SAFETY = 2 to cover
 * second-order terms; it is NOT fitted to the measurements.  The 256-bit
 * reference error (< 2^-190 after the condition factors here) is negligible,
 * and the relative error itself is formed in MPFR so the reference is never
 * rounded to double first.
 *
 * The bounds describe what a *stable* evaluation achieves (the arguments of
 * log/log1p exact or correctly rounded).  A formula that is exact only on
 * part of [0,1] -- e.g. log1p(t - 1), whose t - 1 is inexact for t < 1/2 and
 * loses log2(1/t) bits near t = 0 -- is meant to fail here.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>

#include "fm_status.h"
#include "rng.h"
#include "schedule.h"

#define PREC 256
#define EPS 0x1p-53
#define LIBM (2 * EPS)
#define SAFETY 2.0
#define NQ 4

static const char *const quantity_name[NQ] = {"alpha", "sigma", "alpha'", "sigma'"};

/* Relative error of 1 - t in double: 0 when exact (t >= 1/2). */
static double du_err(double t)
{
  return t >= 0.5 ? 0.0 : EPS;
}

/* alpha = t exact; sigma = (1 - t) + s t: nonnegative terms, each with
 * relative error <= max(du, EPS), plus EPS for the sum; dalpha = 1 exact;
 * dsigma = -(1 - s): one rounding. */
static void bound_cond_ot(double tol[NQ], const double *par, double t)
{
  (void)par;
  tol[0] = 0.0;
  tol[1] = fmax(du_err(t), EPS) + EPS;
  tol[2] = 0.0;
  tol[3] = EPS;
}

/* u = 1 - t; T = b0 u + (b1 - b0) u^2 / 2: nonnegative terms; dT <= 4 EPS +
 * 2 du.  alpha = exp(-T/2): |T/2| dT + LIBM.  sigma = sqrt(-expm1(-T)):
 * expm1 has condition k1 = T e^-T / (1 - e^-T) <= 1, so (k1 dT + LIBM)/2 +
 * EPS.  beta = b0 + (b1 - b0) u: 3 EPS + du; dalpha = beta alpha / 2:
 * dbeta + dalpha + EPS; dsigma = -alpha dalpha / sigma: sum + 2 EPS. */
static void bound_vp(double tol[NQ], const double *par, double t)
{
  double u = 1.0 - t, du = du_err(t);
  double T = par[0] * u + 0.5 * (par[1] - par[0]) * u * u;
  double dT = 4 * EPS + 2 * du;
  double k1 = T > 0 ? T * exp(-T) / -expm1(-T) : 1.0;
  tol[0] = 0.5 * T * dT + LIBM;
  tol[1] = 0.5 * (k1 * dT + LIBM) + EPS;
  tol[2] = (3 * EPS + du) + tol[0] + EPS;
  tol[3] = tol[0] + tol[2] + tol[1] + 2 * EPS;
}

/* L = log(s1/s0): the ratio's EPS becomes an absolute EPS in L, so dL <=
 * EPS/|L| + LIBM.  sigma = s0 exp((1-t) L): the exponent's absolute error
 * (1-t)|L| (du + dL + EPS) plus LIBM plus EPS for the product.  dsigma =
 * -L sigma: dL + dsigma + EPS.  alpha = 1, dalpha = 0 exact. */
static void bound_ve(double tol[NQ], const double *par, double t)
{
  double L = log(par[1] / par[0]);
  double dL = EPS / fabs(L) + LIBM;
  tol[0] = 0.0;
  tol[1] = (1.0 - t) * fabs(L) * (du_err(t) + dL + EPS) + LIBM + EPS;
  tol[2] = 0.0;
  tol[3] = dL + tol[1] + EPS;
}

/* h = pi/2 in double: EPS.  alpha = sin(h t): argument 2 EPS, sin's
 * condition |w cot w| <= 1 on [0, pi/2], plus LIBM.  sigma = sin(h (1-t)):
 * du + 2 EPS + LIBM.  dalpha = h sigma, dsigma = -h alpha: + 2 EPS. */
static void bound_cosine(double tol[NQ], const double *par, double t)
{
  (void)par;
  tol[0] = 2 * EPS + LIBM;
  tol[1] = du_err(t) + 2 * EPS + LIBM;
  tol[2] = tol[1] + 2 * EPS;
  tol[3] = tol[0] + 2 * EPS;
}

/* w = n log t with log t to LIBM (stable: log(t), or log1p(t - 1) where
 * t - 1 is exact): dw <= LIBM + EPS.  alpha = exp(w): |w| dw + LIBM.
 * sigma = -expm1(w): condition |w| e^w / |e^w - 1| = |w| alpha/sigma, plus
 * LIBM.  dalpha = n alpha / t: dalpha + 2 EPS.  t = 0: exact special
 * values. */
static void bound_polynomial(double tol[NQ], const double *par, double t)
{
  if (t == 0.0) {
    for (int q = 0; q < NQ; q++)
      tol[q] = 0.0;
    return;
  }
  double w = par[0] * log(t), dw = LIBM + EPS;
  double alpha = exp(w), sigma = -expm1(w);
  tol[0] = fabs(w) * dw + LIBM;
  tol[1] = (sigma > 0 ? fabs(w) * alpha / sigma : 1.0) * dw + LIBM;
  tol[2] = tol[0] + 2 * EPS;
  tol[3] = tol[2];
}

/* sigma = sqrt((1 - t)(1 + t)): (du + 2 EPS)/2 + EPS; dsigma = -t/sigma:
 * + EPS; alpha = t and dalpha = 1 exact. */
static void bound_linear_vp(double tol[NQ], const double *par, double t)
{
  (void)par;
  tol[0] = 0.0;
  tol[1] = 0.5 * (du_err(t) + 2 * EPS) + EPS;
  tol[2] = 0.0;
  tol[3] = tol[1] + EPS;
}

typedef int (*make_fn)(fm_schedule **s, const double *par, fm_errmsg *e);
typedef void (*bound_fn)(double tol[NQ], const double *par, double t);

static int make_cond_ot(fm_schedule **s, const double *p, fm_errmsg *e)
{
  return fm_schedule_cond_ot(s, p[0], e);
}
static int make_vp(fm_schedule **s, const double *p, fm_errmsg *e)
{
  return fm_schedule_vp(s, p[0], p[1], e);
}
static int make_ve(fm_schedule **s, const double *p, fm_errmsg *e)
{
  return fm_schedule_ve(s, p[0], p[1], e);
}
static int make_cosine(fm_schedule **s, const double *p, fm_errmsg *e)
{
  (void)p;
  return fm_schedule_cosine(s, e);
}
static int make_polynomial(fm_schedule **s, const double *p, fm_errmsg *e)
{
  return fm_schedule_polynomial(s, p[0], e);
}
static int make_linear_vp(fm_schedule **s, const double *p, fm_errmsg *e)
{
  (void)p;
  return fm_schedule_linear_vp(s, e);
}

typedef struct {
  make_fn make;
  bound_fn bound;
  int npar;
  double par[2];
} sched_case;

static const sched_case cases[] = {
    {make_cond_ot, bound_cond_ot, 1, {0.0, 0}},
    {make_cond_ot, bound_cond_ot, 1, {1e-4, 0}},
    {make_vp, bound_vp, 2, {0.1, 20.0}},
    {make_vp, bound_vp, 2, {0.2385, 13.7}},
    {make_ve, bound_ve, 2, {0.01, 50.0}},
    {make_cosine, bound_cosine, 0, {0, 0}},
    {make_polynomial, bound_polynomial, 1, {0.5, 0}},
    {make_polynomial, bound_polynomial, 1, {1.0, 0}},
    {make_polynomial, bound_polynomial, 1, {2.385, 0}},
    {make_linear_vp, bound_linear_vp, 0, {0, 0}},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* The fixed corners, then NRANDOM seeded uniforms. */
#define NFIXED 9
#define NRANDOM 24
#define NGRID (NFIXED + NRANDOM)

static void make_grid(double *t)
{
  const double fixed[NFIXED] = {0.0, 1e-12, 1e-6, 0.2385, 0.5,
                                0.70710678118654752, 1.0 - 1e-6, 1.0 - 1e-12, 1.0};
  for (int i = 0; i < NFIXED; i++)
    t[i] = fixed[i];
  fm_rng r = fm_rng_make(20240611, FM_RNG_STREAM(0x5c, 0));
  fm_rng_uniforms(t + NFIXED, NRANDOM, &r, 0);
}

static fm_schedule *make_schedule(const sched_case *c, const double *par)
{
  fm_schedule *s = NULL;
  fm_errmsg e;
  int st = c->make(&s, par, &e);
  cr_assert_eq(st, FM_OK, "schedule construction failed: %s", e.msg);
  return s;
}

/* Relative error |d - ref| / |ref| formed in MPFR; 0 when both are the same
 * infinity or both zero, +Inf when only one is. */
static double rel_err(double d, const mpfr_t ref)
{
  if (mpfr_inf_p(ref))
    return (isinf(d) && (d > 0) == (mpfr_sgn(ref) > 0)) ? 0.0 : INFINITY;
  if (mpfr_zero_p(ref))
    return d == 0.0 ? 0.0 : INFINITY;
  mpfr_t e;
  mpfr_init2(e, PREC);
  mpfr_d_sub(e, d, ref, MPFR_RNDN);
  mpfr_div(e, e, ref, MPFR_RNDN);
  double r = fabs(mpfr_get_d(e, MPFR_RNDN));
  mpfr_clear(e);
  return r;
}

typedef struct {
  double margin[NQ];   /* worst err / tol (err > 0 with tol 0 gives Inf) */
  double err[NQ], tol[NQ], t[NQ];
  int status_mismatch; /* first t with different statuses, or -1 */
} compare_result;

/* Compares the double eval of `sd` with the twin of `sm` over the grid,
 * using the tolerances of case c at its nominal parameters. */
static compare_result compare(const sched_case *c, const fm_schedule *sd,
                              const fm_schedule *sm, const double *grid, int n)
{
  compare_result res = {.status_mismatch = -1, .margin = {-1, -1, -1, -1}};
  fm_sched_mp v;
  fm_sched_mp_init(&v, PREC);
  mpfr_t tm;
  mpfr_init2(tm, PREC);
  for (int i = 0; i < n; i++) {
    double t = grid[i];
    fm_sched_val dv;
    int sd_st = fm_schedule_eval(&dv, sd, t);
    mpfr_set_d(tm, t, MPFR_RNDN);
    int sm_st = fm_schedule_eval_mp(&v, sm, tm);
    if (sd_st != sm_st && res.status_mismatch < 0)
      res.status_mismatch = i;
    if ((sd_st != FM_OK && sd_st != FM_ESING) || (sm_st != FM_OK && sm_st != FM_ESING))
      continue;
    double tol[NQ];
    c->bound(tol, c->par, t);
    const double dq[NQ] = {dv.alpha, dv.sigma, dv.dalpha, dv.dsigma};
    mpfr_ptr mq[NQ] = {v.alpha, v.sigma, v.dalpha, v.dsigma};
    for (int q = 0; q < NQ; q++) {
      double err = rel_err(dq[q], mq[q]);
      double m = err == 0.0 ? 0.0 : err / (SAFETY * tol[q]);
      if (m > res.margin[q]) {
        res.margin[q] = m;
        res.err[q] = err;
        res.tol[q] = SAFETY * tol[q];
        res.t[q] = t;
      }
    }
  }
  mpfr_clear(tm);
  fm_sched_mp_clear(&v);
  return res;
}

Test(schedule_mp, every_builtin_matches_its_mpfr_twin)
{
  double grid[NGRID];
  make_grid(grid);
  for (size_t c = 0; c < NCASES; c++) {
    fm_schedule *s = make_schedule(&cases[c], cases[c].par);
    compare_result r = compare(&cases[c], s, s, grid, NGRID);
    cr_expect_lt(r.status_mismatch, 0, "%s: double and MPFR statuses differ at t = %.17g",
                 fm_schedule_describe(s),
                 r.status_mismatch >= 0 ? grid[r.status_mismatch] : 0.0);
    for (int q = 0; q < NQ; q++) {
      cr_log_info("%-36s %-6s worst rel err %.3g (tol %.3g, margin %.3g) at t = %.17g",
                  fm_schedule_describe(s), quantity_name[q], r.err[q], r.tol[q],
                  r.margin[q], r.t[q]);
      cr_expect_leq(r.margin[q], 1.0,
                    "%s %s: relative error %.3g at t = %.17g exceeds the derived bound "
                    "%.3g", fm_schedule_describe(s), quantity_name[q], r.err[q],
                    r.t[q], r.tol[q]);
    }
    fm_schedule_free(s);
  }
}

/* Status and values at the endpoint singularities, case by case. */
static void fm_test_status(const sched_case *c, double t, int want)
{
  fm_schedule *s = make_schedule(c, c->par);
  fm_sched_val dv;
  fm_sched_mp v;
  fm_sched_mp_init(&v, PREC);
  mpfr_t tm;
  mpfr_init2(tm, PREC);
  mpfr_set_d(tm, t, MPFR_RNDN);
  int sd = fm_schedule_eval(&dv, s, t);
  int sm = fm_schedule_eval_mp(&v, s, tm);
  cr_expect_eq(sd, want, "%s at t = %g: double status %d (%s), expected %d (%s)",
               fm_schedule_describe(s), t, sd, fm_strerror(sd), want, fm_strerror(want));
  cr_expect_eq(sm, want, "%s at t = %g: MPFR status %d (%s), expected %d (%s)",
               fm_schedule_describe(s), t, sm, fm_strerror(sm), want, fm_strerror(want));
  mpfr_clear(tm);
  fm_sched_mp_clear(&v);
  fm_schedule_free(s);
}

Test(schedule_mp, endpoint_singularities_are_reported_by_both)
{
  /* alpha' = n t^(n-1) is infinite at t = 0 for n < 1 */
  fm_test_status(&cases[6], 0.0, FM_ESING);
  /* n = 1 and n > 1 are regular there (alpha' = 1, 0) */
  fm_test_status(&cases[7], 0.0, FM_OK);
  fm_test_status(&cases[8], 0.0, FM_OK);
  /* sigma' = -alpha alpha'/sigma, -t/sigma are infinite where sigma_1 = 0 */
  fm_test_status(&cases[2], 1.0, FM_ESING);
  fm_test_status(&cases[9], 1.0, FM_ESING);
  /* cond_ot with sigma_min = 0 and cosine reach sigma = 0 with a finite
   * sigma' (-1, -pi/2): the schedule is regular; what is singular there is
   * the conditional field's sigma'/sigma, not the schedule. */
  fm_test_status(&cases[0], 1.0, FM_OK);
  fm_test_status(&cases[5], 1.0, FM_OK);
}

/* Negative control: the twin evaluated with one parameter multiplied by
 * (1 + rel) must be told apart from the double code at the nominal
 * parameter.  rel = 1e-9 must be detected for every parameter (the smallest
 * detected rel among 1e-9 .. 1e-15 is logged).  cond_ot's sigma_min is
 * perturbed on the sigma_min = 1e-4 case, since 0 (1 + rel) = 0. */
Test(schedule_mp, perturbed_parameter_twin_is_detected)
{
  double grid[NGRID];
  make_grid(grid);
  for (size_t c = 0; c < NCASES; c++) {
    for (int p = 0; p < cases[c].npar; p++) {
      if (cases[c].par[p] == 0.0)
        continue;
      fm_schedule *sd = make_schedule(&cases[c], cases[c].par);
      double smallest = NAN, m9 = 0.0;
      for (double rel = 1e-9; rel > 1e-16; rel /= 10) {
        double par[2] = {cases[c].par[0], cases[c].par[1]};
        par[p] *= 1.0 + rel;
        fm_schedule *sm = make_schedule(&cases[c], par);
        compare_result r = compare(&cases[c], sd, sm, grid, NGRID);
        double m = 0.0;
        for (int q = 0; q < NQ; q++)
          m = fmax(m, r.margin[q]);
        if (rel == 1e-9)
          m9 = m;
        if (m > 1.0)
          smallest = rel;
        fm_schedule_free(sm);
      }
      cr_log_info("%s: parameter %d perturbed by 1e-9 gives margin %.3g; smallest "
                  "detected relative perturbation %.0e", fm_schedule_describe(sd), p, m9,
                  smallest);
      cr_expect_gt(m9, 1.0,
                   "%s: twin with parameter %d * (1 + 1e-9) was NOT detected (worst "
                   "margin %.3g)", fm_schedule_describe(sd), p, m9);
      fm_schedule_free(sd);
    }
  }
}

/* The beta_max mutant named in the brief, spelled out. */
Test(schedule_mp, vp_twin_with_beta_max_off_by_1e9_is_detected)
{
  double grid[NGRID];
  make_grid(grid);
  const sched_case *c = &cases[2];
  double par[2] = {c->par[0], c->par[1] * (1.0 + 1e-9)};
  fm_schedule *sd = make_schedule(c, c->par), *sm = make_schedule(c, par);
  compare_result r = compare(c, sd, sm, grid, NGRID);
  cr_expect_gt(r.margin[0], 1.0, "alpha: beta_max * (1 + 1e-9) not detected (margin %.3g)",
               r.margin[0]);
  fm_schedule_free(sd);
  fm_schedule_free(sm);
}
