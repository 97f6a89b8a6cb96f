/* fm_cfm_grad_mlp.h -- theorem `fm-cfm-grad` at the trainer's own network
 * (theorems/README.md, README.md): for the MLP v_theta of mlp.h, at its random
 * initialisation or after K CFM training steps,
 *     grad_theta L_FM(theta) = grad_theta L_CFM(theta),
 *     L_CFM(theta) - L_FM(theta) = C,
 * by Monte Carlo with common random numbers.  The route runs inside the
 * theorem's check (fm_cfm_grad.c calls fm_fgm_route) and on its own in the
 * trainer tests and the calibration.  Statement, estimator, tests and the
 * choices behind them: fm_cfm_grad_mlp.c. */
#ifndef FM_FM_CFM_GRAD_MLP_H
#define FM_FM_CFM_GRAD_MLP_H

#include <stddef.h>
#include <stdint.h>

#include "case.h"
#include "fm_status.h"
#include "mlp.h"
#include "theorem.h"

typedef struct {
  fm_mlp_arch arch;      /* the network ({d, 16, 2, 0}) */
  uint64_t train_steps;  /* K CFM steps before the test (0: theta at its init) */
  size_t train_batch;    /* their batch (64) */
  double train_lr;       /* their constant Adam rate (5e-3) */
  size_t n;              /* draws (t, x0, x1), rounded down to whole groups */
  size_t group;          /* draws per group = rows of one backward pass (16) */
  size_t nproj;          /* random directions of the Hotelling test (8) */
  double alpha;          /* family-wise level of the route (1e-3) */
  int scan;              /* 1: also find the smallest sigma' error detected */
  double t_lo, t_hi;     /* t ~ U[t_lo, t_hi], test and training
                            (the theorem's [1e-3, 1 - 1e-3]) */
} fm_fgm_opts;

/* Defaults above for dimension d; n = 32768 for d <= 4, else 262144/d (at
 * least 4096): 0.04 .. 0.12 s per run on the built-in cases in d <= 3 and
 * 0.3 s in d = 16, where a draw costs O(K d^2) in the GMM path (16384
 * draws keep the sigma-dropped control rejected there on every seed of the
 * calibration).  scan = 0, train_steps = 0. */
void fm_fgm_opts_default(fm_fgm_opts *o, size_t d);

/* The scan's grid of relative sigma' errors: 1, 2, 5 per decade, 1e-4 .. 1. */
#define FM_FGM_NSCAN 13
extern const double fm_fgm_scan_eps[FM_FGM_NSCAN];

typedef struct {
  size_t n, groups;          /* draws used; groups (iid group means) */
  size_t p, nproj;           /* parameters; projections */
  double loss_fm, loss_fm_se;   /* L_FM(theta) = E|v - u_t(x)|^2 */
  double loss_cfm, loss_cfm_se; /* L_CFM(theta) = E|v - u_t(x|x1)|^2 */
  double grad_fm, grad_cfm;  /* |estimated grad L_FM|, |estimated grad L_CFM| */
  double grad_diff;          /* |mean of their per-draw difference| */
  double t2, fstat, fcrit;   /* Hotelling T^2 of the projections, its F, the
                                critical F at level alpha/2 */
  double p_grad;             /* its p-value */
  double gap, gap_se;        /* L_CFM - L_FM (common random numbers) */
  double c_mc;               /* mean closed-form tr Cov(u(x|x1)|x) over the draws */
  double z_gapc;             /* z of mean(L_CFM - L_FM - tr Cov) per draw, vs 0 */
  double c_ref, c_ref_err;   /* C from the caller's route (NAN: none) */
  double z_gapq;             /* (|gap - c_ref| - c_ref_err)_+ / gap_se (NAN: none) */
  double zcrit_gap;          /* Holm critical |z| of the gap family at alpha/2 */
  double p_gap;              /* smallest Holm-adjusted p of the gap family */
  double p_adj;              /* route's p: min(1, 2 min(p_grad, p_gap)) */
  double margin;             /* max(fstat/fcrit, max|z|/zcrit_gap): > 1 rejects */
  int grad_decides;          /* the gradient family has the larger margin */
  double eps_detect;         /* scan: smallest relative sigma' error in the CFM
                                target rejected (INFINITY: none up to 1; NAN: no scan) */
  double scan_margin[FM_FGM_NSCAN]; /* the route's margin at each eps of the grid
                                       (NAN: no scan) */
} fm_fgm_result;

/* The network for seed: fm_mlp_init from the route's own stream when
 * o->train_steps = 0, else that many fm_train steps on c (Adam, constant
 * rate, t ~ U[t_lo, t_hi], seeded by seed).  Caller frees with fm_mlp_free. */
int fm_fgm_network(fm_mlp **m, const fm_case *c, const fm_fgm_opts *o, uint64_t seed,
                   fm_errmsg *e);

/* The route at network m (arch.d = the case's d) with draws from seed.
 * c_ref, c_ref_err: C over the same t-measure from another route, with an
 * error bound (NAN: that test is skipped).  mutant: FM_FG_* of
 * fm_cfm_grad.h (FM_ENOTAVAIL: prior weights with one component). */
int fm_fgm_mc(fm_fgm_result *r, const fm_case *c, const fm_mlp *m, uint64_t seed,
              const fm_fgm_opts *o, double c_ref, double c_ref_err, int mutant);

/* The route as the theorem runs it: the network after 200 CFM steps from
 * seed, default options with n times multiplier, the scan for the true
 * statement; records one route and a note in v.  c_ref as above. */
int fm_fgm_route(fm_verdict *v, const fm_case *c, uint64_t seed, int multiplier,
                 double c_ref, double c_ref_err, int mutant);

#endif
