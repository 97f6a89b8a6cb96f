/* sweep.h -- convergence sweeps behind `fmcheck report` (theorems/README.md): an
 * error measured against a resolution parameter (sample count, quadrature
 * nodes, difference step, time steps), the fitted slope with its confidence
 * band, the slope theory expects, and the verdict.
 *
 * A sweep kind is a const table entry (GSL's method-table idea)
 *     {name, theorem id, title, axis labels, axes, run}
 * and the report loops over the NULL-terminated fm_sweep_kinds[]: a new
 * sweep is one table entry and one file.  run() fills one or more *series*
 * (e.g. plain MC and importance sampling; Euler, midpoint and RK4), each a
 * list of points (x, err, se) with its expectation; fm_sweep_run then fits
 * and decides every series the same way:
 *
 *   fit     fm_mc_loglog_slope over the points marked `used` (a point is
 *           left out, with the reason in the series note, when it is under
 *           the round-off floor or its estimator is not in its asymptotic
 *           regime); log err against log x (FM_SWEEP_LOGLOG), or against x
 *           itself (FM_SWEEP_SEMILOGY: geometric convergence, err ~ e^{r x});
 *           band = slope -+ t_{n-2,0.975} se at level 0.95.
 *   verdict by the series' rule, the band widened by the stated tolerance
 *           (fm_sweep_rule).  Fewer than 3 usable points: not applicable
 *           (FM_OUTCOME_NA) with the reason, never a pass by default; nor
 *           does a band so wide that it also holds slope 0 (it cannot tell
 *           convergence at the expected rate from none).
 *
 * Every random number comes from counter-based streams keyed by the seed
 * (the case's own, or the override), so the same inputs and seed give the
 * same numbers.  The library never prints: progress goes through a callback.
 */
#ifndef FM_SWEEP_H
#define FM_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "case.h"
#include "mc.h"
#include "theorem.h"

#define FM_SWEEP_MAXPTS 32
#define FM_SWEEP_MAXSERIES 4
#define FM_SWEEP_LEVEL 0.95

typedef enum {
  FM_SWEEP_LOGLOG = 0,   /* log err vs log x: slope = order */
  FM_SWEEP_SEMILOGY = 1  /* log err vs x: slope = -(geometric rate per unit x) */
} fm_sweep_axes;

/* How a series' fitted band [lo, hi] is judged against the expected slope e
 * with tolerance tol. */
typedef enum {
  FM_SWEEP_BAND = 0,     /* two-sided: lo - tol <= e <= hi + tol */
  FM_SWEEP_AT_LEAST = 1, /* at least as steep (one-sided): lo - tol <= e, i.e.
                            fail only when the whole band is shallower than
                            e by more than tol */
  FM_SWEEP_STEEPER = 2,  /* steeper than e: pass when hi < e, fail when the
                            slope itself is >= e, otherwise not decided (NA);
                            tol unused */
  FM_SWEEP_DECREASING = 3/* the error falls: the same with e = 0 */
} fm_sweep_rule;

typedef struct {
  double x;      /* resolution: N, nodes, h, steps */
  double err;    /* error at x (> 0 to be fitted) */
  double se;     /* its standard error (0 for deterministic errors) */
  int used;      /* included in the fit */
} fm_sweep_point;

typedef struct {
  char label[64];          /* "plain MC (x1 ~ q)", "rk4", ... */
  double expected;         /* expected slope (NAN: none, rule DECREASING) */
  double tol;              /* tolerance added to the band */
  fm_sweep_rule rule;
  size_t n;
  fm_sweep_point pt[FM_SWEEP_MAXPTS];
  fm_slope fit;            /* valid when fitted */
  int fitted;
  fm_outcome outcome;      /* PASS, FAIL or NA */
  char note[512];          /* excluded points, ESS, observations */
} fm_sweep_series;

typedef struct fm_sweep_kind fm_sweep_kind;

typedef struct {
  const fm_sweep_kind *kind;
  char case_name[96];
  size_t nseries;
  fm_sweep_series s[FM_SWEEP_MAXSERIES];
  char setup[512];         /* what was measured, where, with how many samples */
  char na[256];            /* non-empty: the sweep does not apply to this case */
  int status;              /* FM_OK, or the library error that stopped it */
} fm_sweep_result;

typedef struct {
  uint64_t seed;           /* overrides the case seed when nonzero */
  int quick;               /* smaller sweeps (a few seconds per case) */
  uint64_t train_steps;    /* `train` sweep: training steps (0: default) */
  /* progress within one sweep, frac in [0,1] (may be NULL) */
  void (*progress)(double frac, void *ctx);
  void *progress_ctx;
} fm_sweep_opts;

struct fm_sweep_kind {
  const char *name;        /* "mc", "qmc", "quad", "fdiff", "ode", "em", "train" */
  const char *theorem;     /* theorem id the sweep supports */
  const char *title;       /* one line: what is swept */
  const char *xlabel, *ylabel;
  fm_sweep_axes axes;
  int on_request;          /* 1: run only when asked (train) */
  /* Fill r's setup, series and points (or r->na); FM_OK or a library error. */
  int (*run)(fm_sweep_result *r, const fm_case *c, const fm_sweep_opts *o);
};

extern const fm_sweep_kind fm_sweep_mc, fm_sweep_qmc, fm_sweep_quad, fm_sweep_fdiff,
    fm_sweep_ode, fm_sweep_em, fm_sweep_train;
/* NULL-terminated, in report order. */
extern const fm_sweep_kind *const fm_sweep_kinds[];

/* Run kind k on case c, then fit and decide every series.  r is fully
 * initialised here.  Returns r->status. */
int fm_sweep_run(fm_sweep_result *r, const fm_sweep_kind *k, const fm_case *c,
                 const fm_sweep_opts *o);

/* Overall outcome of a result: NA if it does not apply or nothing could be
 * decided, FAIL if a series failed or the run stopped with an error, else
 * PASS. */
fm_outcome fm_sweep_outcome(const fm_sweep_result *r);

/* The rule as a phrase for reports, e.g. "expected -0.5 inside the 95% band
 * +- 0.1" (written to buf, returned). */
const char *fm_sweep_rule_text(char *buf, size_t len, const fm_sweep_series *s);
const char *fm_sweep_rule_name(fm_sweep_rule rule);

/* --- helpers for sweep implementations (sweep.c) --- */
/* A new series (NULL when FM_SWEEP_MAXSERIES are in use). */
fm_sweep_series *fm_sweep_series_add(fm_sweep_result *r, const char *label, double expected,
                                     double tol, fm_sweep_rule rule);
/* Append a point (ignored beyond FM_SWEEP_MAXPTS). */
void fm_sweep_point_add(fm_sweep_series *s, double x, double err, double se, int used);
/* Append free text to a series note / to r->setup. */
void fm_sweep_notef(fm_sweep_series *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void fm_sweep_setupf(fm_sweep_result *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* o->seed if nonzero, else c->seed. */
uint64_t fm_sweep_seed(const fm_sweep_opts *o, const fm_case *c);
/* Report progress frac in [0,1] through o->progress (if any). */
void fm_sweep_progress(const fm_sweep_opts *o, double frac);
/* The evaluation point of the integral sweeps: schedule values v at t and
 * x = alpha_t x1 + sigma_t x0 for one seeded draw (x1 ~ q, x0 ~ N(0, I)),
 * u = the closed-form marginal field there (fm_gmm_marginal).  x, u: d. */
int fm_sweep_marginal_point(double *x, double *u, fm_sched_val *v, const fm_case *c,
                            uint64_t seed, double t);

#endif
