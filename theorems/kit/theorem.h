/* theorem.h -- verdicts and the theorem registry (theorems/README.md).
 *
 * A theorem is a const table entry {id, statement, check, mutants}.  Its
 * check(v, c, o, mutant) runs the evidence on case c and fills a verdict:
 * mutant = 0 checks the true statement (must PASS); mutant = i >= 1 runs the
 * same check against the i-th deliberately wrong candidate in `mutants` (must
 * FAIL; a check that cannot tell is a defect).  A mutant that does not apply
 * to a case (e.g. the VP misprint on a cond_ot case) gives FM_OUTCOME_NA.
 *
 * Every check compares one or more *routes* with a tolerance each; the
 * verdict records every route (fm_route: stable key, label, value, tol,
 * error estimate, worst point), keeps a copy of the one with the largest
 * margin = value / tol (a route fails when margin > 1), and writes the same
 * routes and its remarks as text in `note` for people.  Programs read the
 * records, never the note.
 */
#ifndef FM_THEOREM_H
#define FM_THEOREM_H

#include <stdint.h>

#include "case.h"
#include "route_keys.h"

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

/* One route: a statistic against its tolerance (fails when value > tol or
 * value is NaN).  `decided` is 0 when the route could not buy the power it
 * claims on this case (its value then decides nothing). */
typedef struct {
  fm_route_id id;
  char key[48];              /* fm_route_key(id), "-<qualifier>" appended */
  char label[128];           /* for people */
  double value, tol, err;
  int decided;
  char worst[256];           /* where the route was worst */
  size_t note_at, note_len;  /* its text in the verdict's note (with the "; "
                                before it): bookkeeping for
                                fm_verdict_drop_route, never parsed */
} fm_route;

/* A number reported for information (route_keys.h). */
typedef struct {
  fm_fact_id id;
  char key[48];              /* fm_fact_key(id), ".<qualifier>" appended */
  double value;
} fm_fact;

#define FM_VERDICT_MAX_ROUTES 24
#define FM_VERDICT_MAX_FACTS 48

typedef struct {
  const char *theorem;       /* theorem id */
  char case_name[96];
  char mutant[96];           /* "" for the true statement */
  fm_outcome outcome;
  int status;                /* FM_OK, or why the check could not run (then
                                outcome is FAIL) */
  /* the deciding route (largest margin): copies of its fields */
  char statistic[128];       /* its label */
  double value;
  double tol;
  double err;
  double margin;             /* value / tol */
  char worst[256];
  int decider;               /* index of the deciding route, -1 before any */
  fm_route routes[FM_VERDICT_MAX_ROUTES];
  size_t nroutes;
  fm_fact facts[FM_VERDICT_MAX_FACTS];
  size_t nfacts;
  char note[4096];           /* for people: every route "label value/tol" and
                                every remark, in the order recorded */
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
/* Record route `id` (its fixed label): value against tol.  Keeps the largest
 * margin as the deciding route; appends "label value/tol" to note.  `worst`
 * may be NULL. */
void fm_verdict_route(fm_verdict *v, fm_route_id id, double value, double tol, double err,
                      const char *worst);
/* Record route `id` as not deciding (decided = 0): kept and written like any
 * other, but it neither becomes the deciding route nor changes the outcome
 * -- e.g. a route under a negative control that removes nothing there. */
void fm_verdict_route_nd(fm_verdict *v, fm_route_id id, double value, double tol, double err,
                         const char *worst);
/* The same with a qualifier and label (as fm_verdict_route_q); `why` (in
 * the worst field) says why the route cannot decide here.  A verdict whose
 * routes all do not decide is UNDECIDED (fm_theorem_run). */
void fm_verdict_route_q_nd(fm_verdict *v, fm_route_id id, const char *qual, const char *label,
                           double value, double tol, double err, const char *why);
/* The verdict as if route `id` had never been recorded: its records, the
 * text they wrote in note, and the facts qualified by its key ("decided.
 * <key>", "<fact>.<key>.<more>") removed; the deciding route recomputed from
 * the others by fm_verdict_route's rule; a FAIL from a check that ran turns
 * PASS when no remaining route fails.  For checks whose outcome only routes
 * set (e.g. schedule-transform): presenting one route apart from the rest. */
void fm_verdict_drop_route(fm_verdict *v, fm_route_id id);
/* The same with a qualifier appended to the key ("order-rk4") and an explicit
 * label (either may be NULL: no qualifier; the fixed label). */
void fm_verdict_route_q(fm_verdict *v, fm_route_id id, const char *qual, const char *label,
                        double value, double tol, double err, const char *worst);
/* Record a fact (qual may be NULL).  Recording the same (id, qual) again
 * replaces the value. */
void fm_verdict_fact(fm_verdict *v, fm_fact_id id, const char *qual, double value);
/* The recorded route / fact with this id and qualifier (NULL qual: the first
 * with this id), or NULL. */
const fm_route *fm_verdict_route_get(const fm_verdict *v, fm_route_id id, const char *qual);
const fm_fact *fm_verdict_fact_get(const fm_verdict *v, fm_fact_id id, const char *qual);
/* The deciding route (largest margin), NULL when none was recorded. */
const fm_route *fm_verdict_decider(const fm_verdict *v);
/* margin of a route: value/tol, INFINITY when it produced no number */
double fm_route_margin(const fm_route *r);
int fm_route_fails(const fm_route *r);
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
