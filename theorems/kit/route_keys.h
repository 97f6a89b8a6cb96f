/* route_keys.h -- the stable names of every route and every fact a verdict
 * can carry, as one X-macro list each (the SUNDIALS way: one list, symbols
 * everywhere, text only for people).
 *
 * A *route* is one way of deciding a theorem: a statistic compared with a
 * tolerance.  A route's key is stable within its theorem (the JSON key of
 * theorems/README.md); its label is the human description printed in tables
 * and summaries.  A route whose label depends on the case (the solver's
 * name, the SDE family and time) has NULL here and gets its label, and a
 * qualifier appended to its key, where it is recorded.
 *
 * A *fact* is a number a check reports for information -- an observed
 * order, a condition number, a detection level, a flag -- that tests and
 * validate-schedule read by symbol instead of parsing a sentence.
 */
#ifndef FM_ROUTE_KEYS_H
#define FM_ROUTE_KEYS_H

/* X(symbol, key, label) */
#define FM_ROUTE_LIST(X)                                                                    \
  /* cond-field */                                                                         \
  X(CF_MP, "mpfr", "vs MPFR |u - u_mp|/scale")                                             \
  X(CF_FD, "fd-psi", "vs FD d/dt psi_t |D - u|/tol")                                       \
  X(CF_VP, "vp-closed-form", "vs Lipman VP closed form |u - u_L|/scale")                   \
  /* push-forward */                                                                       \
  X(PUSH_COV_D, "cov-double", "change of variables vs fm_cond_logpdf |diff|/scale")        \
  X(PUSH_COV_MP, "cov-mpfr", "change of variables vs MPFR log p |diff|/scale")             \
  X(PUSH_CONT, "continuity", "continuity |d/dt log p + u.grad log p + div u|/tol")         \
  /* marginal-field, marginal-score (theorems/post_routes.h) */                            \
  X(POST_QUAD, "quad", "quadrature |Q - cand|/tol")                                        \
  X(POST_PLAIN, "mc-plain", "MC-plain (x1 ~ q) max|z|")                                    \
  X(POST_IS, "mc-is", "MC-IS (posterior comps, prior w) max|z|")                           \
  /* continuity */                                                                         \
  X(CT_LOG, "log-form", "log form |d/dt log p + u.grad log p + div u|/tol (FD in t)")      \
  X(CT_DENS, "density-form", "density form |d/dt p + p div u + u.grad p|/(p tol) (FD in t)") \
  X(CT_DIV, "div-fd", "div u closed form vs FD in x |diff|/tol")                           \
  X(CT_MP, "mpfr", "MPFR residual |R|/terms (h = 1e-20)")                                  \
  /* fm-cfm-grad */                                                                        \
  X(FG_QGRAD, "quad-grad", "quadrature |grad L_FM - grad L_CFM|/tol (3 random Theta)")     \
  X(FG_QGAP, "quad-gap", "quadrature |L_CFM - L_FM - C|/tol (3 random Theta)")             \
  X(FG_MC, "mc-crn",                                                                       \
    "MC with common random numbers max |z|/crit (Holm, 2 families, FWER 1e-3)")            \
  X(FG_MLP, "mlp", "MLP at its own theta (MC, common random numbers, FWER 1e-3)")          \
  X(FG_BACKPROP, "mlp-backprop", "MLP backprop vs central differences of its CFM loss")     \
  /* cfm-minimizer */                                                                      \
  X(CM_MEAN, "mean", "R1 mean of u(x|x1) vs minimiser max|z|")                             \
  X(CM_MIN, "min", "R2 min value vs tr Cov max|z|")                                        \
  X(CM_ID, "identity", "R3 E|u - v|^2 vs trCov + |v - u|^2 max|z|")                        \
  X(CM_EXCESS, "excess", "R4 CRN excess vs |v - u|^2 max|z|")                              \
  /* tweedie */                                                                            \
  X(TW_MEAN, "mean-mpfr", "mean: double vs MPFR")                                          \
  X(TW_RHS, "rhs", "(x + sigma^2 score)/alpha (double) vs MPFR mean")                      \
  X(TW_MP, "mpfr-twin", "identity at prec bits (MPFR twin)")                               \
  /* pf-ode */                                                                             \
  X(PF_U, "u-mpfr", "u (double) vs f x - g^2/2 score (MPFR)")                              \
  X(PF_RHS, "rhs-mpfr", "f x - g^2/2 score (double) vs u (MPFR)")                          \
  X(PF_MP, "mpfr-twin", "identity at prec bits (MPFR twin)")                               \
  X(PF_VP, "vp-sde", "VP-SDE fbar, gbar^2 vs Song (double)")                               \
  X(PF_VP_MP, "vp-sde-mpfr", "VP-SDE fbar, gbar^2 vs Song (MPFR twin)")                    \
  X(PF_DRIFT, "diffusion-drift", "diffusion drift vs -u_{1-s}")                            \
  X(PF_TRAJ, "trajectories", "FM ODE vs diffusion PF-ODE endpoints")                       \
  /* sde-marginals: one route per (family, time), qualified "eps0-t0.5" */                 \
  X(SM_HOLM, "holm", NULL)                                                                 \
  /* likelihood */                                                                         \
  X(LK_BACKWARD, "backward-cnf", "backward CNF log p (exact trace, rk8pd) vs analytic")    \
  X(LK_FORWARD, "forward-identity", "forward identity log p_t0 - int div = log p_t1")      \
  X(LK_ROUND, "round-trip", "round trip backward then forward (relative x)")               \
  X(LK_HUTCH, "hutchinson", "Hutchinson - exact trace (t-test, alpha 1e-4)")               \
  X(LK_DIV, "div-fd", "closed-form div u vs central differences")                          \
  X(LK_LOGP_MP, "logp-mpfr", "analytic log p_t1 (double) vs MPFR twin, rel. max(1, |log p|)") \
  /* schedule */                                                                           \
  X(SC_EVAL, "evaluable", "interior points not evaluable or not differentiable")           \
  X(SC_POS, "positivity", "points with sigma <= 0 on [0,1)")                               \
  X(SC_SNR, "snr", "SNR relative decrease (double)")                                       \
  X(SC_SNR_MP, "snr-mpfr", "SNR relative decrease (MPFR twin)")                            \
  X(SC_MP, "mpfr-twin", "values and derivatives vs MPFR twin")                             \
  X(SC_FD, "derivs-fd", "closed-form derivatives vs FD")                                   \
  X(SC_CLAIM, "claimed-fd", "claimed derivatives vs FD")                                   \
  X(SC_UF, "cond-field-formula", "cond_field vs (sigma'/sigma)(x - alpha x1) + alpha' x1") \
  X(SC_UF_PATH, "cond-field-psi", "cond_field vs d/dt psi_t")                              \
  X(SC_ALPHA0, "alpha0", "|alpha_0| (noise end)")                                          \
  X(SC_SIGMA0, "sigma0", "|sigma_0 - 1| (noise end)")                                      \
  X(SC_ALPHA1, "alpha1", "|alpha_1 - 1| (data end)")                                       \
  X(SC_SIGMA1, "sigma1", "sigma_1 (sigma_min)")                                            \
  /* solver-order: one route per method, qualified by its name */                          \
  X(SO_ORDER, "order", NULL)                                                               \
  X(SO_ADAPTIVE, "adaptive", "adaptive rk8pd vs exact flow (abs)")                         \
  /* conversions */                                                                        \
  X(CV_ANALYTIC, "analytic", "maps of the analytic quantities (double) vs MPFR")           \
  X(CV_ROUND, "round-trip", "round trips A -> B -> A (double)")                            \
  X(CV_MP, "mpfr-twin", "maps at prec bits (MPFR twin)")                                   \
  /* schedule-transform */                                                                 \
  X(ST_DOUBLE, "double", "transformed field vs B's field (double)")                        \
  X(ST_MP, "mpfr", "transformed field vs B's field (MPFR)")                                \
  X(ST_FD_T, "fd-t", "t_r' vs Richardson differences")                                    \
  X(ST_FD_S, "fd-s", "s_r' vs Richardson differences")                                    \
  X(ST_FROM_CONDOT, "from-cond-ot", "CondOT field transformed to this schedule vs its field")

typedef enum {
#define FM_ROUTE_ENUM(sym, key, label) FM_R_##sym,
  FM_ROUTE_LIST(FM_ROUTE_ENUM)
#undef FM_ROUTE_ENUM
  FM_R_COUNT
} fm_route_id;

const char *fm_route_key(fm_route_id id);
/* The fixed label, NULL for routes labelled where they are recorded. */
const char *fm_route_label(fm_route_id id);

/* X(symbol, key): numbers reported for information.  A fact may be
 * qualified (e.g. per route of a perturbation scan); its JSON key is then
 * "<key>.<qualifier>". */
#define FM_FACT_LIST(X)                                                                     \
  X(DETECTED, "detected")         /* smallest perturbation a route detects, qualified by \
                                     the route's short name; INFINITY: none on the grid */ \
  X(DETECT_FROM, "detect-from")   /* smallest delta of x (1+delta) a posterior route \
                                     detects, by route key; INFINITY: none */              \
  X(FD_ORDER_MIN, "fd-order-min") /* smallest observed FD order in t */                    \
  X(FD_ORDER_MEDIAN, "fd-order-median") /* median observed FD order in t */                \
  X(ORDER, "order")               /* observed convergence order, qualified by method */    \
  X(COND_MAX, "cond-max")         /* largest condition number over the points */          \
  X(QUAD_ACC, "quad-accuracy")    /* accuracy the quadrature reached, relative to terms */ \
  X(EM_BIAS, "em-bias-percent")   /* predicted Euler-Maruyama variance bias (percent) */   \
  X(EM_BIAS_ABOVE, "em-bias-above-target") /* 1: the step cap was reached first */         \
  X(MC_ONLY, "mc-only")           /* 1: no quadrature route runs on this case */           \
  X(NO_MP_TWIN, "no-mpfr-twin")   /* 1: the MPFR route is n/a, no MPFR twin */             \
  X(MOMENT_MATCHED, "moment-matched") /* 1: mixture replaced by its moment match */        \
  X(ALPHA0, "alpha0")             /* alpha at t = 0 (noise-end break) */                   \
  X(SIGMA0_M1, "sigma0-minus-1")  /* sigma_0 - 1 */                                        \
  X(KL0_UPPER_PQ, "kl-p0-n-upper") /* KL(p_0 || N(0,I)) upper bound (nats) */             \
  X(KL0_UPPER_QP, "kl-n-p0-upper") /* KL(N(0,I) || p_0) upper bound (nats) */             \
  X(KL0_LOWER, "kl-p0-n-lower")   /* KL(p_0 || N(0,I)) lower bound by moment matching */   \
  X(SIGMA_MIN, "sigma-min")       /* sigma_1 */                                            \
  X(SINGULAR, "singular")         /* 1: a map singular at an end; qualified \
                                     "t0.<to><-<from>" or "t1.<to><-<from>" */            \
  X(NA_SPIKE, "na-spike")         /* points skipped a priori, posterior a spike of \
                                     width sigma/alpha below the rule's resolution */      \
  X(DECIDED, "decided")           /* points a route decided, qualified by route key */    \
  X(UNDECIDED, "undecided")       /* points a route left undecided, qualified \
                                     "<route key>.<point kind>" */                         \
  X(SNR_IN_RANGE, "snr-in-range") /* points in snr_A's range, qualified by schedule B */   \
  X(SNR_POINTS, "snr-points")     /* points tried against snr_A's range, qualified by B */ \
  X(LOOSE, "loose")               /* points a route left undecided, its tolerance above \
                                     its share of the terms; qualified by route key */     \
  X(FAILED, "failed")             /* points where a route's evaluation failed, qualified \
                                     by route key */                                       \
  X(REMOVED, "removed")           /* under a negative control: the largest size of what \
                                     it removes, qualified by route key */                 \
  X(NO_TRANSFORM, "no-transform") /* 1: a route's transform could not be set up (its \
                                     worst says why), qualified by route key */            \
  X(LEFT_OUT, "left-out")         /* runs of a test left out of a Holm family, its      \
                                     preconditions failing there; qualified by test */

typedef enum {
#define FM_FACT_ENUM(sym, key) FM_F_##sym,
  FM_FACT_LIST(FM_FACT_ENUM)
#undef FM_FACT_ENUM
  FM_F_COUNT
} fm_fact_id;

const char *fm_fact_key(fm_fact_id id);

#endif
