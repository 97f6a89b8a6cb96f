/* fm_cfm_grad.h -- the Monte Carlo route of theorem `fm-cfm-grad` on its
 * own, for calibration (tests/test_calibration_fmg.c): the same estimator,
 * z-tests and Holm correction the theorem's check uses, for any seed, sample
 * size and family level.  See fm_cfm_grad.c for the statement and the
 * estimator, fm_cfm_grad_mc.c for its code. */
#ifndef FM_FM_CFM_GRAD_H
#define FM_FM_CFM_GRAD_H

#include <stddef.h>
#include <stdint.h>

#include "case.h"

/* Negative controls (theorem mutant numbers). */
enum {
  FM_FG_TRUE = 0,
  FM_FG_CFM_SIGMA_OFF = 1, /* CFM target with sigma' off by 1% */
  FM_FG_FM_PRIOR_W = 2,    /* FM target with prior weights */
  FM_FG_CFM_NO_SIGMA = 3   /* CFM loss with x = alpha x1 + x0 */
};

typedef struct {
  size_t n;            /* draws used (whole groups sharing one t) */
  size_t m_grad;       /* gradient comparisons d*p (at Theta_1) */
  double z_grad;       /* max |z| over them */
  size_t i_grad;       /* where: i*p + a (component i, feature a) */
  double zcrit_grad;   /* Holm critical |z| of that family at alpha/2 */
  double z_gap;        /* max |z| of (L_CFM - L_FM) - C over the 3 Theta */
  size_t i_gap;        /* which Theta */
  double zcrit_gap;    /* Holm critical |z| of that family at alpha/2 */
  double p_adj;        /* family-wise adjusted p-value: the route rejects at any
                          level >= p_adj (= min(1, 2 min of the two families'
                          smallest Holm-adjusted p)) */
  double margin;       /* max(z_grad/zcrit_grad, z_gap/zcrit_gap): > 1 rejects */
  double gap[3], gap_se[3]; /* (L_CFM - L_FM) - C estimates at the 3 Theta, SEs */
} fm_fg_mc_result;

/* The MC route on case c: seed drives the three random Theta and every
 * draw; n draws (rounded down to whole groups sharing one t);
 * family level alpha in (0,1); mutant as above (FM_FG_FM_PRIOR_W with one
 * component gives FM_ENOTAVAIL). */
int fm_fg_mc(fm_fg_mc_result *r, const fm_case *c, uint64_t seed, size_t n, double alpha,
             int mutant);

/* C = E_t E_x tr Cov(u_t(x|x1) | x_t = x) over the theorem's t-measure
 * U[*t_lo, *t_hi] (returned), by route 1's quadrature (the t-rule plus the
 * x-rule's error in *err) -- for the MLP route (fm_cfm_grad_mlp.h), which
 * compares its Monte Carlo loss gap with it.  FM_ENOTAVAIL for d > 3 (no
 * quadrature route); *t_lo, *t_hi are set in every case. */
int fm_fg_floor(double *C, double *err, double *t_lo, double *t_hi, const fm_case *c);

#endif
