/* schedule.h -- Gaussian probability-path schedules (alpha_t, sigma_t).
 *
 * cases/README.md: x_t = alpha_t x1 + sigma_t x0, t = 0 noise, t = 1 data.  A
 * schedule is an object with a type (a const method table, GSL style); the
 * built-ins have closed-form derivatives in double *and* an independent MPFR
 * twin; `expr` schedules differentiate symbolically (libmatheval); `table`
 * schedules interpolate with a GSL cubic spline.
 *
 * Built-ins (parameters in brackets, defaults as in cases/README.md):
 *   cond_ot    [sigma_min=0]   alpha = t, sigma = 1 - (1 - sigma_min) t
 *   vp         [beta_min=0.1, beta_max=20]
 *              alpha = exp(-T(1-t)/2), sigma = sqrt(1 - alpha^2),
 *              T(s) = beta_min s + (beta_max - beta_min) s^2 / 2
 *   ve         [sigma_min=0.01, sigma_max=50]
 *              alpha = 1, sigma = sigma_min (sigma_max/sigma_min)^(1-t)
 *   cosine     alpha = sin(pi t/2), sigma = cos(pi t/2)
 *   polynomial [n]             alpha = t^n, sigma = 1 - t^n (n > 0)
 *   linear_vp  alpha = t, sigma = sqrt(1 - t^2)
 * The double formulas are arranged so that 1 - t (exact in binary floating
 * point for t in [1/2, 1]) carries the cancellation near t = 1, e.g. cosine's
 * sigma is evaluated as sin(pi (1-t)/2); see schedule_builtin.c.
 */
#ifndef FM_SCHEDULE_H
#define FM_SCHEDULE_H

#include <mpfr.h>
#include <stddef.h>

#include "fm_status.h"

/* Values and first t-derivatives at one t. */
typedef struct {
  double alpha, sigma, dalpha, dsigma;
} fm_sched_val;

/* The same in MPFR (init with fm_sched_mp_init, clear with _clear). */
typedef struct {
  mpfr_t alpha, sigma, dalpha, dsigma;
} fm_sched_mp;

void fm_sched_mp_init(fm_sched_mp *v, mpfr_prec_t prec);
void fm_sched_mp_clear(fm_sched_mp *v);
/* m = v (exact at m's precision >= 53 bits): an MPFR reference fed the
 * very schedule values the double code used. */
void fm_sched_mp_set_d(fm_sched_mp *m, const fm_sched_val *v);

typedef struct fm_schedule fm_schedule;

/* --- construction (each returns FM_OK or FM_EINVAL with a message) --- */
int fm_schedule_cond_ot(fm_schedule **s, double sigma_min, fm_errmsg *e);
int fm_schedule_vp(fm_schedule **s, double beta_min, double beta_max, fm_errmsg *e);
int fm_schedule_ve(fm_schedule **s, double sigma_min, double sigma_max, fm_errmsg *e);
int fm_schedule_cosine(fm_schedule **s, fm_errmsg *e);
int fm_schedule_polynomial(fm_schedule **s, double n, fm_errmsg *e);
int fm_schedule_linear_vp(fm_schedule **s, fm_errmsg *e);
/* Expressions in t (libmatheval syntax).  alpha_dot, sigma_dot, cond_field
 * may be NULL.  cond_field is a scalar expression in t, x, x1 applied per
 * coordinate (the user's own conditional field, kept for checking). */
int fm_schedule_expr(fm_schedule **s, const char *alpha, const char *sigma,
                     const char *alpha_dot, const char *sigma_dot,
                     const char *cond_field, fm_errmsg *e);
/* Rows (t_i, alpha_i, sigma_i), t strictly increasing from 0 to 1, n >= 4;
 * natural cubic splines; derivatives from the splines. */
int fm_schedule_table(fm_schedule **s, const double *t, const double *alpha,
                      const double *sigma, size_t n, fm_errmsg *e);
/* Reads a CSV file of rows t,alpha,sigma (optional header line, '#'
 * comments); errors name the file and line. */
int fm_schedule_table_file(fm_schedule **s, const char *path, fm_errmsg *e);

void fm_schedule_free(fm_schedule *s);

/* --- evaluation --- */
/* FM_EDOM if t is not finite or outside [0,1]; FM_ESING where a value or
 * derivative is infinite (e.g. polynomial n < 1 at t = 0); FM_ENONFIN if the
 * expression evaluates to NaN/Inf. */
int fm_schedule_eval(fm_sched_val *v, const fm_schedule *s, double t);

/* High-precision twin at v's precision.  Built-ins: independent MPFR
 * formulas.  expr/table: FM_ENOTAVAIL (libmatheval and GSL splines evaluate
 * in double only) -- callers then use fm_schedule_eval_mp_or_double(). */
int fm_schedule_eval_mp(fm_sched_mp *v, const fm_schedule *s, const mpfr_t t);

/* As fm_schedule_eval_mp, but for a schedule without an MPFR twin the double
 * values are taken as exact inputs (the GMM algebra downstream is then still
 * checked at high precision; the schedule itself is checked by the `schedule`
 * theorem).  *exact_schedule says which happened (may be NULL). */
int fm_schedule_eval_mp_or_double(fm_sched_mp *v, int *exact_schedule,
                                  const fm_schedule *s, double t);

/* The actual rounding errors of fm_schedule_eval's double values v at t,
 * e[k] = |v_k - f_k(t)|, f = (alpha, sigma, alpha', sigma') exactly, for a
 * schedule whose double evaluation has no a priori accuracy: expr, whose
 * formulas are the user's and may cancel (expr_mp.h evaluates the same
 * expressions in MPFR, derivatives by forward-mode differentiation of the
 * user's alpha and sigma -- not libmatheval's symbolic derivative, whose
 * own rounding is thus measured too).  Exact to within a relative 2^-60 of
 * f_k.  FM_ENOTAVAIL for other schedules (built-ins have MPFR twins; table
 * splines are well conditioned in double); FM_EDOM outside [0, 1]; the
 * status of fm_expr_mp_eval (FM_ENONFIN, FM_ECONV) where the exact values
 * cannot be had. */
int fm_schedule_eval_errors(double e[4], const fm_schedule *s, double t,
                            const fm_sched_val *v);

/* The same for a user cond_field's double value u at (t, x, x1): *err =
 * |u - u_exact|.  FM_ENOTAVAIL when s has none. */
int fm_schedule_user_cond_field_error(double *err, const fm_schedule *s, double t, double x,
                                      double x1, double u);

const char *fm_schedule_type_name(const fm_schedule *s);
/* A one-line description with parameters, e.g. "vp(beta_min=0.1, beta_max=20)". */
const char *fm_schedule_describe(const fm_schedule *s);
/* Named parameter of a built-in ("sigma_min", "beta_max", "n", ...);
 * FM_ENOTAVAIL if the schedule has no such parameter. */
int fm_schedule_param(double *value, const fm_schedule *s, const char *name);

/* expr schedules only (FM_ENOTAVAIL otherwise, or when not supplied):
 * the user's claimed derivatives (when only one of alpha_dot, sigma_dot was
 * supplied, the other is returned as the symbolic derivative), and the
 * user's conditional field. */
int fm_schedule_claimed_deriv(double *dalpha, double *dsigma, const fm_schedule *s,
                              double t);
int fm_schedule_user_cond_field(double *u, const fm_schedule *s, double t, double x,
                                double x1);

/* --- derived quantities (cases/README.md), from one fm_sched_val --- */
/* signal-to-noise ratio alpha/sigma */
double fm_sched_snr(const fm_sched_val *v);
/* drift f_t = alpha'/alpha and g_t^2 = 2 sigma sigma' - 2 (alpha'/alpha) sigma^2 */
double fm_sched_drift_f(const fm_sched_val *v);
double fm_sched_diffusion_g2(const fm_sched_val *v);

#endif
