/* test_convert.c -- the affine maps between u, x1hat, epshat and the score
 * (cases/convert.c).
 *
 * References are independent of the code under test: the DESIGN formulas
 * written out again here and evaluated in MPFR at 192 bits from the same
 * double schedule values (so the comparison measures the library's rounding
 * only), closed forms for a one-dimensional Gaussian, and the table of
 * singular ends in convert.h.  Tolerances are convert.h's documented claim:
 * each coefficient within (kW + 1) eps relative (kW for the six maps with u on
 * one side, kW = (|alpha' sigma| + |alpha sigma'|)/|W|), each output entry
 * within eps (|a x| + |b in|) more, eps = DBL_EPSILON.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <mpfr.h>
#include <stdio.h>

#include "convert.h"
#include "schedule.h"

#define PREC 192
#define EPS DBL_EPSILON
#define NP FM_PARAM_COUNT

/* High-entropy schedule values (GSL's advice: no 1s that hide a factor),
 * including ones near each singular end and one with alpha' sigma and
 * alpha sigma' of opposite signs (kW > 1). */
static const fm_sched_val test_vals[] = {
    {0.3817, 0.7264, 1.1193, -0.5521},
    {2.3e-7, 0.99999977, 1.0412, -0.9871},      /* near t = 0 */
    {0.99999893, 1.07e-6, 0.8123, -1.0377},     /* near t = 1 */
    {0.6102, 0.4419, 0.9314, 0.2071},           /* sigma rising: kW > 1 */
    {1.0, 3.7719, 0.0, -8.3317},                /* VE-like: alpha' = 0 */
};
#define NV (sizeof test_vals / sizeof test_vals[0])

static int uses_w(int to, int from)
{
  return (to == FM_PARAM_U) != (from == FM_PARAM_U);
}

static double kw_of(const fm_sched_val *v)
{
  double w = v->dalpha * v->sigma - v->alpha * v->dsigma;
  return (fabs(v->dalpha * v->sigma) + fabs(v->alpha * v->dsigma)) / fabs(w);
}

/* The DESIGN formulas in MPFR: out = a x + b in for map to <- from. */
static void ref_coef(mpfr_t a, mpfr_t b, int to, int from, const fm_sched_val *v)
{
  mpfr_t al, s, da, ds, W, t;
  mpfr_inits2(PREC, al, s, da, ds, W, t, (mpfr_ptr)0);
  mpfr_set_d(al, v->alpha, MPFR_RNDN);
  mpfr_set_d(s, v->sigma, MPFR_RNDN);
  mpfr_set_d(da, v->dalpha, MPFR_RNDN);
  mpfr_set_d(ds, v->dsigma, MPFR_RNDN);
  mpfr_mul(W, da, s, MPFR_RNDN);
  mpfr_mul(t, al, ds, MPFR_RNDN);
  mpfr_sub(W, W, t, MPFR_RNDN);
  mpfr_set_ui(a, 0, MPFR_RNDN);
  mpfr_set_ui(b, 1, MPFR_RNDN);
  if (to == FM_PARAM_U && from == FM_PARAM_X1) { /* (s'/s) x + (W/s) x1 */
    mpfr_div(a, ds, s, MPFR_RNDN);
    mpfr_div(b, W, s, MPFR_RNDN);
  } else if (to == FM_PARAM_U) { /* (a'/a) x - (W/a) eps = (a'/a) x + (s W/a) score */
    mpfr_div(a, da, al, MPFR_RNDN);
    mpfr_div(b, W, al, MPFR_RNDN);
    if (from == FM_PARAM_EPS)
      mpfr_neg(b, b, MPFR_RNDN);
    else
      mpfr_mul(b, b, s, MPFR_RNDN);
  } else if (from == FM_PARAM_U) {
    /* invert u = A x + B in: in = -(A/B) x + (1/B) u */
    mpfr_t A, B;
    mpfr_inits2(PREC, A, B, (mpfr_ptr)0);
    ref_coef(A, B, FM_PARAM_U, to, v);
    mpfr_div(a, A, B, MPFR_RNDN);
    mpfr_neg(a, a, MPFR_RNDN);
    mpfr_ui_div(b, 1, B, MPFR_RNDN);
    mpfr_clears(A, B, (mpfr_ptr)0);
  } else {
    /* x = alpha x1 + sigma eps, score = -eps/sigma */
    if (to == FM_PARAM_EPS && from == FM_PARAM_SCORE)
      mpfr_neg(b, s, MPFR_RNDN);
    else if (to == FM_PARAM_SCORE && from == FM_PARAM_EPS)
      mpfr_si_div(b, -1, s, MPFR_RNDN);
    else if (to == FM_PARAM_X1) { /* (x - sigma eps)/alpha, eps = -sigma score */
      mpfr_ui_div(a, 1, al, MPFR_RNDN);
      mpfr_div(b, s, al, MPFR_RNDN);
      if (from == FM_PARAM_EPS)
        mpfr_neg(b, b, MPFR_RNDN);
      else
        mpfr_mul(b, b, s, MPFR_RNDN);
    } else { /* eps or score from x1: eps = (x - alpha x1)/sigma */
      mpfr_ui_div(a, 1, s, MPFR_RNDN);
      mpfr_div(b, al, s, MPFR_RNDN);
      mpfr_neg(b, b, MPFR_RNDN);
      if (to == FM_PARAM_SCORE) { /* score = -eps/sigma */
        mpfr_div(a, a, s, MPFR_RNDN);
        mpfr_div(b, b, s, MPFR_RNDN);
        mpfr_neg(a, a, MPFR_RNDN);
        mpfr_neg(b, b, MPFR_RNDN);
      }
    }
  }
  mpfr_clears(al, s, da, ds, W, t, (mpfr_ptr)0);
}

/* |c - ref| / |ref| in MPFR (0 when both are 0). */
static double rel_err(double c, const mpfr_t ref)
{
  if (mpfr_zero_p(ref))
    return c == 0.0 ? 0.0 : INFINITY;
  mpfr_t e;
  mpfr_init2(e, PREC);
  mpfr_set_d(e, c, MPFR_RNDN);
  mpfr_sub(e, e, ref, MPFR_RNDN);
  mpfr_div(e, e, ref, MPFR_RNDN);
  double r = fabs(mpfr_get_d(e, MPFR_RNDU));
  mpfr_clear(e);
  return r;
}

Test(convert, coefficients_agree_with_mpfr_design_formulas)
{
  mpfr_t a, b;
  mpfr_inits2(PREC, a, b, (mpfr_ptr)0);
  for (size_t k = 0; k < NV; k++) {
    const fm_sched_val *v = &test_vals[k];
    for (int to = 0; to < NP; to++)
      for (int from = 0; from < NP; from++) {
        if (to == from)
          continue;
        double ca, cb;
        cr_assert_eq(fm_convert_coef(&ca, &cb, to, from, v), FM_OK);
        ref_coef(a, b, to, from, v);
        double tol = ((uses_w(to, from) ? kw_of(v) : 0.0) + 1.0) * EPS;
        double ea = rel_err(ca, a), eb = rel_err(cb, b);
        cr_expect_leq(ea, tol, "values %zu, %s<-%s: a = %.17g, rel err %.3g > %.3g", k,
                      fm_param_name(to), fm_param_name(from), ca, ea, tol);
        cr_expect_leq(eb, tol, "values %zu, %s<-%s: b = %.17g, rel err %.3g > %.3g", k,
                      fm_param_name(to), fm_param_name(from), cb, eb, tol);
      }
  }
  mpfr_clears(a, b, (mpfr_ptr)0);
}

/* Output entries against a x + b in with the exact coefficients. */
Test(convert, map_output_within_documented_bound)
{
  const double x[3] = {1.7171, -0.0392, 23.875}, in[3] = {-0.8813, 4.4412, 0.0017};
  mpfr_t a, b, o, t;
  mpfr_inits2(PREC, a, b, o, t, (mpfr_ptr)0);
  for (size_t k = 0; k < NV; k++)
    for (int to = 0; to < NP; to++)
      for (int from = 0; from < NP; from++) {
        if (to == from)
          continue;
        const fm_sched_val *v = &test_vals[k];
        double out[3];
        cr_assert_eq(fm_convert(out, to, from, v, x, in, 3), FM_OK);
        ref_coef(a, b, to, from, v);
        double c = (uses_w(to, from) ? kw_of(v) : 0.0) + 2.0;
        for (int j = 0; j < 3; j++) {
          mpfr_mul_d(o, a, x[j], MPFR_RNDN);
          mpfr_mul_d(t, b, in[j], MPFR_RNDN);
          double terms = fabs(mpfr_get_d(o, MPFR_RNDN)) + fabs(mpfr_get_d(t, MPFR_RNDN));
          mpfr_add(o, o, t, MPFR_RNDN);
          mpfr_sub_d(o, o, out[j], MPFR_RNDN);
          double err = fabs(mpfr_get_d(o, MPFR_RNDU)), tol = c * EPS * terms;
          cr_expect_leq(err, tol, "values %zu, %s<-%s, entry %d: error %.3g > %.3g", k,
                        fm_param_name(to), fm_param_name(from), j, err, tol);
        }
      }
  mpfr_clears(a, b, o, t, (mpfr_ptr)0);
}

/* The table of convert.h, written out independently: which maps divide by
 * alpha, by sigma, by W. */
static unsigned expected_divisors(int to, int from)
{
  static const unsigned div[NP][NP] = {
      /*          u       x1      eps     score */
      /* u */ {0, 2, 1, 1},
      /* x1 */ {4, 0, 1, 1},
      /* eps */ {4, 2, 0, 0},
      /* score */ {6, 2, 2, 0},
  };
  return div[to][from];
}

Test(convert, singular_ends_are_where_the_table_says)
{
  /* alpha = 0 (t = 0), sigma = 0 (t = 1), W = 0 (alpha' = sigma' = 0) */
  const fm_sched_val ends[3] = {{0.0, 1.0, 1.3, -0.7},
                                {1.0, 0.0, 1.3, -0.7},
                                {0.4, 0.6, 0.0, 0.0}};
  const unsigned bit[3] = {FM_CONVERT_BY_ALPHA, FM_CONVERT_BY_SIGMA, FM_CONVERT_BY_W};
  for (int e = 0; e < 3; e++)
    for (int to = 0; to < NP; to++)
      for (int from = 0; from < NP; from++) {
        unsigned want = to == from ? 0u : expected_divisors(to, from);
        cr_expect_eq(fm_convert_divisors(to, from), want, "%s<-%s divisors",
                     fm_param_name(to), fm_param_name(from));
        unsigned sing = fm_convert_singularity(to, from, &ends[e]);
        cr_expect_eq(sing, want & bit[e], "end %d, %s<-%s: mask %u", e, fm_param_name(to),
                     fm_param_name(from), sing);
        double out[1] = {42.0}, x[1] = {0.3}, in[1] = {0.2};
        int st = fm_convert(out, to, from, &ends[e], x, in, 1);
        cr_expect_eq(st, sing ? FM_ESING : FM_OK, "end %d, %s<-%s: status %d", e,
                     fm_param_name(to), fm_param_name(from), st);
        if (sing)
          cr_expect_eq(out[0], 42.0, "output written at a singular point");
      }
}

/* B <- A composed with A <- B is the identity: b2 b1 = 1 and a2 + b2 a1 = 0,
 * each product of coefficients within the sum of their bounds (+ eps). */
Test(convert, forward_and_inverse_maps_compose_to_identity)
{
  for (size_t k = 0; k < NV; k++)
    for (int p = 0; p < NP; p++)
      for (int q = 0; q < NP; q++) {
        if (p == q)
          continue;
        const fm_sched_val *v = &test_vals[k];
        double a1, b1, a2, b2;
        cr_assert_eq(fm_convert_coef(&a1, &b1, q, p, v), FM_OK);
        cr_assert_eq(fm_convert_coef(&a2, &b2, p, q, v), FM_OK);
        double c = 2.0 * ((uses_w(p, q) ? kw_of(v) : 0.0) + 1.0) + 1.0;
        double e1 = fabs(b2 * b1 - 1.0), e2 = fabs(a2 + b2 * a1);
        double s2 = fabs(a2) + fabs(b2 * a1);
        cr_expect_leq(e1, c * EPS, "values %zu, %s->%s->%s: b2 b1 - 1 = %.3g > %.3g", k,
                      fm_param_name(p), fm_param_name(q), fm_param_name(p), e1, c * EPS);
        cr_expect_leq(e2, c * EPS * s2, "values %zu, %s->%s->%s: a2 + b2 a1 = %.3g > %.3g",
                      k, fm_param_name(p), fm_param_name(q), fm_param_name(p), e2,
                      c * EPS * s2);
      }
}

/* One-dimensional data N(m, S): E[x1|x] = m + alpha S (x - alpha m)/C,
 * score = -(x - alpha m)/C, C = alpha^2 S + sigma^2, and cases/README.md's
 * u = (sigma'/sigma) x + (alpha' - sigma' alpha/sigma) E, all in MPFR.  The
 * three maps to u, fed the double-rounded predictions, must give u within
 * c eps (|a x| + |b in|) + |b| eps |in| (the rounding of the input) +
 * eps |u|. */
Test(convert, velocity_from_each_prediction_matches_design_field)
{
  const double m = 1.3719, S = 0.3847, x = -0.6213;
  const fm_sched_val vals[2] = {{0.4127, 0.5873, 1.0, -1.0},   /* cond_ot at 0.4127 */
                                {0.2588190451025208, 0.9659258262890683,
                                 1.5172733529204240, -0.4065471672577063}}; /* cosine */
  mpfr_t al, s, da, ds, C, E, sc, u, t;
  mpfr_inits2(PREC, al, s, da, ds, C, E, sc, u, t, (mpfr_ptr)0);
  for (int k = 0; k < 2; k++) {
    const fm_sched_val *v = &vals[k];
    mpfr_set_d(al, v->alpha, MPFR_RNDN);
    mpfr_set_d(s, v->sigma, MPFR_RNDN);
    mpfr_set_d(da, v->dalpha, MPFR_RNDN);
    mpfr_set_d(ds, v->dsigma, MPFR_RNDN);
    mpfr_sqr(C, al, MPFR_RNDN);
    mpfr_mul_d(C, C, S, MPFR_RNDN);
    mpfr_fma(C, s, s, C, MPFR_RNDN);
    mpfr_mul_d(t, al, -m, MPFR_RNDN);
    mpfr_add_d(t, t, x, MPFR_RNDN);           /* x - alpha m */
    mpfr_div(sc, t, C, MPFR_RNDN);
    mpfr_neg(sc, sc, MPFR_RNDN);              /* score */
    mpfr_mul(E, al, t, MPFR_RNDN);
    mpfr_mul_d(E, E, S, MPFR_RNDN);
    mpfr_div(E, E, C, MPFR_RNDN);
    mpfr_add_d(E, E, m, MPFR_RNDN);           /* E[x1|x] */
    mpfr_div(t, ds, s, MPFR_RNDN);
    mpfr_mul_d(u, t, x, MPFR_RNDN);
    mpfr_mul(t, t, al, MPFR_RNDN);
    mpfr_sub(t, da, t, MPFR_RNDN);
    mpfr_fma(u, t, E, u, MPFR_RNDN);          /* u */
    double in[NP];
    in[FM_PARAM_X1] = mpfr_get_d(E, MPFR_RNDN);
    in[FM_PARAM_SCORE] = mpfr_get_d(sc, MPFR_RNDN);
    mpfr_mul(t, sc, s, MPFR_RNDN);
    in[FM_PARAM_EPS] = -mpfr_get_d(t, MPFR_RNDN);
    double uref = mpfr_get_d(u, MPFR_RNDN), kW = kw_of(v);
    for (int from = FM_PARAM_X1; from < NP; from++) {
      double out, a, b;
      cr_assert_eq(fm_convert(&out, FM_PARAM_U, from, v, &x, &in[from], 1), FM_OK);
      cr_assert_eq(fm_convert_coef(&a, &b, FM_PARAM_U, from, v), FM_OK);
      double tol = (kW + 2.0) * EPS * (fabs(a * x) + fabs(b * in[from])) +
                   fabs(b) * EPS * fabs(in[from]) + EPS * fabs(uref);
      cr_expect_leq(fabs(out - uref), tol, "values %d, u<-%s: %.17g vs %.17g (tol %.3g)", k,
                    fm_param_name(from), out, uref, tol);
    }
  }
  mpfr_clears(al, s, da, ds, C, E, sc, u, t, (mpfr_ptr)0);
}

/* u <- eps on cond_ot divides by alpha = t: at a fixed x for N(m, S) data
 * the condition number grows like 1/t toward t = 0.  Between t = 1e-4 and
 * 1e-6 the log-log slope must be -1: |x| + |eps| and |u| vary by O(t) there,
 * moving the slope by < 1e-3; 0.01 leaves a factor 10. */
Test(convert, condition_number_grows_like_one_over_alpha_at_t0)
{
  const double m = 0.8127, S = 0.4421, x = 1.2093, ts[2] = {1e-4, 1e-6};
  double kappa[2];
  for (int k = 0; k < 2; k++) {
    double t = ts[k], s = 1.0 - t, C = t * t * S + s * s;
    fm_sched_val v = {t, s, 1.0, -1.0};
    double score = -(x - t * m) / C, E = m + t * S * (x - t * m) / C;
    double eps = -s * score;
    double u = (-1.0 / s) * x + (1.0 + t / s) * E;
    kappa[k] = fm_convert_cond(FM_PARAM_U, FM_PARAM_EPS, &v, &x, &eps, 1);
    cr_expect(fabs(kappa[k] * fabs(u) * t / (fabs(x) + fabs(eps)) - 1.0) < 0.01,
              "t=%g: kappa %.6g, expected (|x| + |eps|)/(t |u|)", t, kappa[k]);
  }
  double slope = log(kappa[1] / kappa[0]) / log(ts[1] / ts[0]);
  cr_expect(fabs(slope + 1.0) < 0.01, "log-log slope of kappa %.4f, expected -1", slope);
}

/* n = rows*d entries at one time: the same as row by row; out may alias in. */
Test(convert, batch_and_aliasing)
{
  const fm_sched_val *v = &test_vals[0];
  double x[6] = {0.31, -1.7, 2.2, 0.05, -0.4, 9.1}, in[6] = {1.1, 0.2, -0.3, 4.4, 0.5, -6.6};
  double all[6], one[6], alias[6];
  cr_assert_eq(fm_convert(all, FM_PARAM_SCORE, FM_PARAM_U, v, x, in, 6), FM_OK);
  for (int r = 0; r < 3; r++)
    cr_assert_eq(fm_convert_score_from_u(one + 2 * r, v, x + 2 * r, in + 2 * r, 2), FM_OK);
  for (int j = 0; j < 6; j++)
    alias[j] = in[j];
  cr_assert_eq(fm_convert(alias, FM_PARAM_SCORE, FM_PARAM_U, v, x, alias, 6), FM_OK);
  for (int j = 0; j < 6; j++) {
    cr_expect_eq(all[j], one[j], "entry %d: batch %.17g, row %.17g", j, all[j], one[j]);
    cr_expect_eq(alias[j], all[j], "entry %d: aliased %.17g", j, alias[j]);
  }
}

/* The named wrappers are the generic map with their pair. */
Test(convert, named_wrappers_select_their_pair)
{
  typedef int (*wrapper)(double *, const fm_sched_val *, const double *, const double *,
                         size_t);
  const struct {
    wrapper f;
    int to, from;
  } w[6] = {{fm_convert_u_from_x1, FM_PARAM_U, FM_PARAM_X1},
            {fm_convert_x1_from_u, FM_PARAM_X1, FM_PARAM_U},
            {fm_convert_u_from_eps, FM_PARAM_U, FM_PARAM_EPS},
            {fm_convert_eps_from_u, FM_PARAM_EPS, FM_PARAM_U},
            {fm_convert_u_from_score, FM_PARAM_U, FM_PARAM_SCORE},
            {fm_convert_score_from_u, FM_PARAM_SCORE, FM_PARAM_U}};
  const double x = 0.7319, in = -1.4427;
  for (int k = 0; k < 6; k++) {
    double a, b, out;
    cr_assert_eq(w[k].f(&out, &test_vals[3], &x, &in, 1), FM_OK);
    cr_assert_eq(fm_convert_coef(&a, &b, w[k].to, w[k].from, &test_vals[3]), FM_OK);
    cr_expect_eq(out, a * x + b * in, "wrapper %d (%s<-%s)", k, fm_param_name(w[k].to),
                 fm_param_name(w[k].from));
  }
}

Test(convert, invalid_parameterisation_is_rejected)
{
  double a, b;
  cr_expect_eq(fm_convert_coef(&a, &b, FM_PARAM_COUNT, FM_PARAM_U, &test_vals[0]), FM_EINVAL);
  cr_expect_eq(fm_convert_coef(&a, &b, FM_PARAM_U, (fm_param)-1, &test_vals[0]), FM_EINVAL);
  fm_sched_val bad = {NAN, 0.5, 1.0, -1.0};
  cr_expect_eq(fm_convert_coef(&a, &b, FM_PARAM_U, FM_PARAM_X1, &bad), FM_ENONFIN);
  cr_expect_str_eq(fm_param_name(FM_PARAM_COUNT), "?");
}
