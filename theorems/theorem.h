/* theorem.h -- verdicts and the theorem registry (DESIGN §2, §3).
 *
 * A theorem is a const table entry {id, statement, check, mutants}.  Its
 * check(v, c, o, mutant) runs the evidence on case c and fills a verdict:
 * mutant = 0 checks the true statement (must PASS); mutant = i >= 1 runs the
 * same check against the i-th deliberately wrong candidate in `mutants` (must
 * FAIL; a check that cannot tell is a defect).  A mutant that does not apply
 * to a case (e.g. the VP misprint on a cond_ot case) gives FM_OUTCOME_NA.
 *
 * Every check compares one or more *routes* with a tolerance each; the
 * verdict keeps the route with the largest margin = value / tol (a route
 * fails when margin > 1) and lists all routes in `note`.
 */
#ifndef FM_THEOREM_H
#define FM_THEOREM_H

#include <stdint.h>

#include "case.h"

typedef enum {
  FM_OUTCOME_PASS = 0,
  FM_OUTCOME_WARN,  /* passes, with a reported non-fatal defect (e.g. a small
                       boundary break) */
  FM_OUTCOME_FAIL,
  FM_OUTCOME_NA,    /* a hypothesis does not hold on this case (reason given) */
  FM_OUTCOME_UNDECIDED /* the budget could not buy the stated power; the
                          smallest perturbation reached is reported */
} fm_outcome;

/* "PASS", "WARN", "FAIL", "n/a", "UNDECIDED" (tables for people). */
const char *fm_outcome_name(fm_outcome o);
/* "pass", "warn", "fail", "n/a", "undecided" (JSON). */
const char *fm_outcome_key(fm_outcome o);

typedef struct {
  const char *theorem;       /* theorem id */
  char case_name[96];
  char mutant[96];           /* "" for the true statement */
  char statistic[128];       /* what `value` measures (the deciding route) */
  double value;              /* the statistic */
  double tol;                /* its tolerance */
  double err;                /* error estimate of the statistic (0 if none) */
  double margin;             /* value / tol of the deciding route */
  fm_outcome outcome;
  char worst[256];           /* where the deciding route was worst */
  char note[4096];           /* every route: name value/tol; warnings */
} fm_verdict;

typedef struct {
  uint64_t seed;             /* overrides the case seed when nonzero */
  int npoints;               /* pointwise checks: random points per case */
  unsigned prec;             /* MPFR precision in bits (>= 256) */
  int multiplier;            /* FM_TEST_MULTIPLIER-style scaling (>= 1) */
} fm_check_opts;

/* defaults: seed 0 (use the case's), 48 points, 256 bits, multiplier 1 */
fm_check_opts fm_check_opts_default(void);

typedef int (*fm_check_fn)(fm_verdict *v, const fm_case *c, const fm_check_opts *o,
                           int mutant);

typedef struct {
  const char *id;
  const char *statement;
  fm_check_fn check;
  const char *const *mutants; /* NULL-terminated; mutant i is mutants[i-1] */
} fm_theorem;

/* NULL-terminated list of all theorems, in catalogue order. */
extern const fm_theorem *const fm_theorems[];
const fm_theorem *fm_theorem_find(const char *id);
size_t fm_theorem_mutant_count(const fm_theorem *t);

/* Run check; fills the bookkeeping fields (theorem, case, mutant). */
int fm_theorem_run(fm_verdict *v, const fm_theorem *t, const fm_case *c,
                   const fm_check_opts *o, int mutant);

/* --- helpers for check implementations (verdict.c) --- */
void fm_verdict_init(fm_verdict *v);
/* Record one route: value against tol (fails when value > tol or value is
 * NaN).  Keeps the largest margin as the deciding route; appends
 * "name: value/tol" to note.  `worst` may be NULL. */
void fm_verdict_route(fm_verdict *v, const char *name, double value, double tol,
                      double err, const char *worst);
/* Append free text to note (warnings, ESS, observed orders). */
void fm_verdict_notef(fm_verdict *v, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Downgrade PASS to WARN (keeps FAIL). */
void fm_verdict_warn(fm_verdict *v);
/* Mark as not applicable with a reason. */
void fm_verdict_na(fm_verdict *v, const char *why);

#endif
