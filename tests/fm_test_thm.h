/* fm_test_thm.h -- the shared shape of a theorem test: run a theorem on
 * every built-in case, demand that the true statement passes and that every
 * applicable negative control fails with margin > 1, and print every margin
 * (so a run shows how far from the line each verdict is).
 * FM_TEST_MULTIPLIER scales the checks' work (Arb's convention). */
#ifndef FM_TEST_THM_H
#define FM_TEST_THM_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "check_row.h"
#include "fm_test_case.h"
#include "fm_test_perturb.h"
#include "theorems.h"

/* FM_TEST_MULTIPLIER scales the work; FM_TEST_SEED (a positive integer)
 * replaces every case's seed, to replay or vary a run (0 or unset: the
 * cases' own seeds, as `fmcheck check` uses them). */
static inline fm_check_opts fm_test_opts(void)
{
  fm_check_opts o = fm_check_opts_default();
  const char *m = getenv("FM_TEST_MULTIPLIER");
  if (m != NULL && atoi(m) > 1)
    o.multiplier = atoi(m);
  const char *seed = getenv("FM_TEST_SEED");
  if (seed != NULL)
    o.seed = strtoull(seed, NULL, 10);
  return o;
}

/* Verdict of theorem t (mutant, 0 = truth) on built-in case i, printed. */
static inline void fm_test_run(fm_verdict *v, const fm_theorem *t, size_t i, int mutant)
{
  fm_case *c;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_case_builtin_load(&c, i, &e), FM_OK, "%s: %s", fm_case_builtin_file(i),
               e.msg);
  fm_check_opts o = fm_test_opts();
  uint64_t c_seed = c->seed;
  int st = fm_theorem_run(v, t, c, &o, mutant);
  fm_case_free(c);
  cr_assert_eq(st, FM_OK, "%s: check could not run: %s", fm_case_builtin_file(i),
               fm_strerror(st));
  fprintf(stderr, "%s %-22s %-50s %-5s margin %9.3g  %s %.3g/%.3g  (seed %llu)\n", t->id,
          v->case_name, mutant ? v->mutant : "(true)", fm_outcome_name(v->outcome), v->margin,
          v->statistic, v->value, v->tol,
          (unsigned long long)(o.seed ? o.seed : c_seed));
}

/* The true statement passes (or, when allow_warn, passes with a warning) on
 * every built-in case. */
static inline void fm_test_truth_everywhere(const fm_theorem *t, int allow_warn)
{
  cr_assert_gt(fm_case_builtin_count(), 0);
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_verdict v;
    fm_test_run(&v, t, i, 0);
    int ok = fm_check_truth_holds(&v) && (allow_warn || v.outcome != FM_OUTCOME_WARN);
    cr_expect(ok, "%s: %s, margin %.3g (%s %.3g/%.3g at %s); %s", v.case_name,
              fm_outcome_name(v.outcome), v.margin, v.statistic, v.value, v.tol, v.worst,
              v.note);
  }
}

/* Every mutant fails with margin > 1 wherever it applies; na_expected(c, m)
 * says where n/a is the right answer (NULL: nowhere).  Returns the smallest
 * margin seen. */
static inline double fm_test_mutants_everywhere(const fm_theorem *t,
                                                int (*na_expected)(const char *case_file,
                                                                   int mutant))
{
  size_t nm = fm_theorem_mutant_count(t);
  double worst = INFINITY;
  cr_assert_gt(nm, 0, "%s has no negative controls", t->id);
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    for (int m = 1; m <= (int)nm; m++) {
      fm_verdict v;
      fm_test_run(&v, t, i, m);
      int na_ok = na_expected != NULL && na_expected(fm_case_builtin_file(i), m);
      if (v.outcome == FM_OUTCOME_NA) {
        cr_expect(na_ok, "%s: mutant '%s' reported n/a (%s)", v.case_name, v.mutant, v.note);
        continue;
      }
      cr_expect(!na_ok, "%s: mutant '%s' should be n/a here", v.case_name, v.mutant);
      cr_expect(fm_check_control_rejected(&v) && v.margin > 1.0,
                "%s: mutant '%s' not rejected: %s, margin %.3g (%s)", v.case_name, v.mutant,
                fm_outcome_name(v.outcome), v.margin, v.note);
      if (v.margin < worst)
        worst = v.margin;
    }
  return worst;
}

/* Every control of t (nmut of them; 0: do not check the count) is rejected
 * with margin > 1 wherever it applies (fm_test_mutants_everywhere); the
 * smallest margin is printed. */
static inline void fm_test_every_mutant_fails(const fm_theorem *t, size_t nmut,
                                              int (*na_expected)(const char *case_file,
                                                                 int mutant))
{
  if (nmut > 0)
    cr_assert_eq(fm_theorem_mutant_count(t), nmut, "%s: %zu controls expected", t->id, nmut);
  double m = fm_test_mutants_everywhere(t, na_expected);
  fprintf(stderr, "%s: smallest mutant margin %.3g\n", t->id, m);
}

/* The two tests every theorem's test file starts with (their names are the
 * claims): the true statement passes on every built-in case (a WARN counts
 * when allow_warn), and every control is rejected wherever it applies. */
#define FM_TEST_THEOREM_ROWS(suite, thm, nmut, na_expected, allow_warn)                     \
  Test(suite, true_statement_passes_on_every_builtin_case)                                  \
  {                                                                                         \
    fm_test_truth_everywhere(thm, allow_warn);                                              \
  }                                                                                         \
  Test(suite, every_mutant_fails_on_every_builtin_case)                                     \
  {                                                                                         \
    fm_test_every_mutant_fails(thm, nmut, na_expected);                                     \
  }

/* The route id (qualifier, NULL: the first with this id) of v; asserts it
 * was recorded. */
static inline const fm_route *fm_test_route(const fm_verdict *v, fm_route_id id,
                                            const char *qual)
{
  const fm_route *r = fm_verdict_route_get(v, id, qual);
  cr_assert_not_null(r, "%s: route %s%s%s not recorded: %s", v->case_name, fm_route_key(id),
                     qual ? "-" : "", qual ? qual : "", v->note);
  return r;
}

/* The value of fact id (qualifier, NULL: the first with this id) of v;
 * asserts it was recorded. */
static inline double fm_test_fact(const fm_verdict *v, fm_fact_id id, const char *qual)
{
  const fm_fact *f = fm_verdict_fact_get(v, id, qual);
  cr_assert_not_null(f, "%s: fact %s%s%s not recorded: %s", v->case_name, fm_fact_key(id),
                     qual ? "." : "", qual ? qual : "", v->note);
  return f->value;
}

/* The margin of route id (qualifier qual) of v, asserted recorded; NaN for
 * a route without a number, which has failed but has not seen a mutant. */
static inline double fm_test_route_margin(const fm_verdict *v, fm_route_id id,
                                          const char *qual)
{
  const fm_route *r = fm_test_route(v, id, qual);
  return isnan(r->value) ? NAN : fm_route_margin(r);
}

/* A route of a perturbation scan (its qualifier in the FM_F_DETECTED
 * report), the largest perturbation it must detect, and its name in the
 * failure message. */
typedef struct {
  const char *route;
  double at_most;
  const char *name;
  /* the bound on a `table` schedule (0: at_most): a natural cubic spline's
   * third derivative jumps at every knot, so the difference quotients in t
   * that these routes compare with see the knots and their error estimates
   * -- hence the tolerances -- are 1-2 decades wider than on an analytic
   * schedule (ring8-table: 1e-8 .. 1e-7 where analytic cases reach 1e-10 ..
   * 1e-9); the table bounds are those measured with a decade of margin;
   * INFINITY: the route does not apply to a table, the row is skipped */
  double at_most_table;
} fm_test_resolve;

/* On every built-in case the true statement's run of t reports, for each
 * of rows[0..n), a smallest detected `what` error that is positive and at
 * most rows[k].at_most. */
static inline void fm_test_resolves_everywhere(const fm_theorem *t, const char *what,
                                               const fm_test_resolve *rows, size_t n)
{
  cr_assert_gt(fm_case_builtin_count(), 0);
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    fm_verdict v;
    fm_test_run(&v, t, i, 0);
    int table = strstr(fm_case_builtin_file(i), "table") != NULL;
    for (size_t k = 0; k < n; k++) {
      if (table && isinf(rows[k].at_most_table))
        continue; /* the route does not apply to a spline (see the row) */
      double e = fm_test_detected(&v, rows[k].route);
      double at_most = table && rows[k].at_most_table > 0.0 ? rows[k].at_most_table
                                                              : rows[k].at_most;
      cr_expect_leq(e, at_most, "%s: %s detects %s errors from %.3g only (> %.3g): %s",
                    v.case_name, rows[k].name, what, e, at_most, v.note);
    }
  }
}

#endif
