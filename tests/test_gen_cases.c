/* test_gen_cases.c -- the whole theorem battery on random *valid* cases
 * (fm_test_gen.h): every generated case loads, and no theorem's true
 * statement FAILs on it (a FAIL on a valid case is a false FAIL).
 *
 * A FAIL resting on statistical routes alone is replayed on two more seeds
 * (fm_gen_alarm); not reproduced, it is a false alarm at the route's stated
 * level, counted apart and bounded binomially at the end.
 * Per theorem the run tallies rows, FAIL / WARN / n/a / UNDECIDED truths
 * and the negative controls applicable and rejected, and prints the table
 * to stderr, with every n/a reason and every false FAIL (seed, case index,
 * description, deciding statistic value/tol, and the case JSON to replay).
 *
 * Built twice from this source (tests/meson.build):
 *  - `gen_cases_slow` (suite slow): FM_GEN_NCASES = 300 cases, d <= 16,
 *    K <= 12;
 *  - `gen_cases`: the defaults below, 20 small cases (d <= 3, K <= 3), about
 *    50 s on one core; meant for suite `theorem`, declared `slow` while the
 *    battery still FAILs on some valid generated cases (see meson.build).
 * Environment: FM_TEST_SEED (the seed), FM_TEST_GEN_CASES (how many cases),
 * FM_TEST_GEN_FIRST (the first index, 0 by default: shards of a battery),
 * FM_TEST_GEN_INDEX (only this case: replay one failure), FM_TEST_MULTIPLIER. */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_row.h"
#include "points.h"
#include "fm_test_gen.h"
#include "fm_test_thm.h"
#include "theorems.h"

#ifndef FM_GEN_NCASES
#define FM_GEN_NCASES 20
#endif
#ifndef FM_GEN_CASE_DMAX
#define FM_GEN_CASE_DMAX 3
#endif
#ifndef FM_GEN_CASE_KMAX
#define FM_GEN_CASE_KMAX 3
#endif

#define FM_GEN_MAXTHM 32

typedef struct {
  size_t rows, fail, warn, na, undecided, ctl_applicable, ctl_rejected, rows_not_ok;
  size_t stat_rows, alarms; /* rows with a statistical route; alarms not reproduced */
  double seconds;
} fm_gen_tally;

/* Does v rest on a statistical route that decided? */
static int fm_gen_has_stat(const fm_verdict *v)
{
  for (size_t r = 0; r < v->nroutes; r++)
    if (v->routes[r].decided && fm_check_route_statistical(v->routes[r].id))
      return 1;
  return 0;
}

/* A FAIL resting on statistical routes only (fm_check_fail_statistical) is
 * replayed on the two next seeds: if neither fails, it was a false alarm of
 * the route's stated level (FM_CHECK_STAT_LEVEL at most), which a battery of
 * hundreds of rows must expect now and then -- counted, and bounded at the
 * end; if one does, it reproduces and is a false FAIL. */
static int fm_gen_alarm(const fm_theorem *t, const fm_case *c, const fm_check_opts *o,
                        const fm_verdict *v)
{
  if (!fm_check_fail_statistical(v))
    return 0;
  for (uint64_t k = 1; k <= 2; k++) {
    fm_check_opts o2 = *o;
    o2.seed = fm_check_seed(o, c) + k;
    fm_verdict v2;
    int st = fm_theorem_run(&v2, t, c, &o2, 0);
    if (st != FM_OK || v2.outcome == FM_OUTCOME_FAIL)
      return 0;
  }
  return 1;
}

static size_t fm_env_size(const char *name, size_t dflt)
{
  const char *s = getenv(name);
  if (s == NULL || s[0] == '\0')
    return dflt;
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  return *end == '\0' ? (size_t)v : dflt;
}

static double fm_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One row on generated case gc: tallies, prints, and expects no false FAIL. */
static void fm_gen_row(fm_gen_tally *tl, const fm_theorem *t, const fm_case *c,
                       const fm_gen_case *gc, const fm_check_opts *o)
{
  fm_check_row row;
  double t0 = fm_now();
  fm_check_row_run(&row, t, c, o, 1);
  tl->seconds += fm_now() - t0;
  const fm_verdict *v = &row.truth;
  tl->rows++;
  size_t failed = v->outcome == FM_OUTCOME_FAIL;
  tl->warn += v->outcome == FM_OUTCOME_WARN;
  tl->na += v->outcome == FM_OUTCOME_NA;
  tl->undecided += v->outcome == FM_OUTCOME_UNDECIDED;
  tl->ctl_applicable += row.applicable;
  tl->ctl_rejected += row.rejected;
  tl->rows_not_ok += !row.ok;
  if (v->outcome == FM_OUTCOME_NA)
    fprintf(stderr, "  n/a  %-18s case %zu: %.300s\n", t->id, gc->index, v->note);
  /* the failing routes (a NaN route fails without being the largest margin) */
  char failing[1024] = "";
  size_t len = 0;
  for (size_t r = 0; r < v->nroutes && len < sizeof failing; r++)
    if (fm_route_fails(&v->routes[r]))
      len += (size_t)snprintf(failing + len, sizeof failing - len, "%s%s = %.6g > tol %.6g",
                              len ? "; " : "", v->routes[r].label, v->routes[r].value,
                              v->routes[r].tol);
  tl->stat_rows += (size_t)fm_gen_has_stat(v);
  int alarm = v->outcome == FM_OUTCOME_FAIL && fm_gen_alarm(t, c, o, v);
  tl->alarms += (size_t)alarm;
  tl->fail += failed && !alarm;
  if (alarm)
    fprintf(stderr, "  statistical alarm %s on case %zu, not reproduced on the next two "
            "seeds: %s (deciding %s = %.6g, tol %.6g)\n", t->id, gc->index, failing,
            v->statistic, v->value, v->tol);
  if (v->outcome == FM_OUTCOME_FAIL && !alarm) {
    fprintf(stderr,
            "  FALSE FAIL %s on case %zu (seed %llu): %s\n    failing: %s\n    status %s; "
            "deciding %s = %.6g, tol %.6g (margin %.3g) at %s\n    note: %.1500s\n"
            "    case: %s\n",
            t->id, gc->index, (unsigned long long)gc->seed, gc->desc, failing,
            fm_strerror(v->status), v->statistic, v->value, v->tol, v->margin, v->worst,
            v->note, gc->json);
  }
  for (size_t m = 0; m < row.nctl; m++) {
    const fm_verdict *cv = &row.ctl[m];
    if (cv->outcome != FM_OUTCOME_NA && !(cv->outcome == FM_OUTCOME_FAIL && cv->status == FM_OK))
      fprintf(stderr,
              "  control not rejected: %s '%s' on case %zu: %s margin %.3g (%s)\n"
              "    case: %s\n",
              t->id, cv->mutant, gc->index, fm_outcome_name(cv->outcome), cv->margin,
              cv->statistic, gc->json);
  }
  cr_expect(v->outcome != FM_OUTCOME_FAIL || alarm,
            "%s FAILs on a valid generated case (replay: FM_TEST_SEED=%llu "
            "FM_TEST_GEN_INDEX=%zu): %s; failing: %s; status %s; case %s",
            t->id, (unsigned long long)gc->seed, gc->index, gc->desc, failing,
            fm_strerror(v->status), gc->json);
  fm_check_row_clear(&row);
}

Test(gen_cases, every_theorem_holds_on_random_valid_cases, .timeout = 0)
{
  uint64_t seed = fm_gen_seed();
  size_t n = fm_env_size("FM_TEST_GEN_CASES", FM_GEN_NCASES);
  size_t only = fm_env_size("FM_TEST_GEN_INDEX", (size_t)-1);
  size_t from = fm_env_size("FM_TEST_GEN_FIRST", 0);
  size_t first = only == (size_t)-1 ? from : only, last = only == (size_t)-1 ? from + n : only + 1;
  fm_gen_limits lim = {FM_GEN_CASE_DMAX, FM_GEN_CASE_KMAX};
  fm_check_opts o = fm_test_opts();
  size_t nthm = 0;
  while (fm_theorems[nthm] != NULL)
    nthm++;
  cr_assert_leq(nthm, FM_GEN_MAXTHM);
  fm_gen_tally tl[FM_GEN_MAXTHM];
  memset(tl, 0, sizeof tl);
  size_t fam_cases[FM_GEN_S_COUNT] = {0}, fam_fail[FM_GEN_S_COUNT] = {0};
  double start = fm_now();

  fprintf(stderr, "gen_cases: seed %llu, cases %zu..%zu, d <= %d, K <= %d\n",
          (unsigned long long)seed, first, last - 1, FM_GEN_CASE_DMAX, FM_GEN_CASE_KMAX);
  for (size_t i = first; i < last; i++) {
    fm_gen_case gc;
    cr_assert_eq(fm_gen_case_make(&gc, seed, i, lim, FM_GEN_S_COUNT), 0,
                 "seed %llu case %zu: cannot write the temporary case files",
                 (unsigned long long)seed, i);
    fm_case *c = NULL;
    fm_errmsg e = {{0}};
    int st = fm_gen_case_load(&c, &gc, &e);
    cr_expect_eq(st, FM_OK, "generated case does not load (seed %llu, index %zu): %s; %s; case %s",
                 (unsigned long long)seed, i, e.msg, gc.desc, gc.json);
    if (st != FM_OK) {
      fm_gen_case_clear(&gc);
      continue;
    }
    cr_expect_eq(c->renormalised, gc.unnormalised, "seed %llu case %zu: renormalised %d, "
                 "generated unnormalised %d", (unsigned long long)seed, i, c->renormalised,
                 gc.unnormalised);
    double t0 = fm_now();
    size_t fails_before = 0;
    for (size_t k = 0; k < nthm; k++)
      fails_before += tl[k].fail;
    fprintf(stderr, "case %zu: %s\n", i, gc.desc);
    for (size_t k = 0; k < nthm; k++)
      fm_gen_row(&tl[k], fm_theorems[k], c, &gc, &o);
    size_t fails_after = 0;
    for (size_t k = 0; k < nthm; k++)
      fails_after += tl[k].fail;
    fam_cases[gc.family]++;
    fam_fail[gc.family] += fails_after > fails_before;
    fprintf(stderr, "case %zu: %.2f s, %zu false FAIL\n", i, fm_now() - t0,
            fails_after - fails_before);
    fm_case_free(c);
    fm_gen_case_clear(&gc);
  }

  fprintf(stderr, "\n%-20s %5s %5s %5s %5s %5s  %-17s %5s %6s %8s\n", "theorem", "rows",
          "FAIL", "WARN", "n/a", "UND", "controls rej/appl", "!ok", "alarm", "seconds");
  size_t stat_rows = 0, alarms = 0;
  for (size_t k = 0; k < nthm; k++) {
    fprintf(stderr, "%-20s %5zu %5zu %5zu %5zu %5zu  %8zu/%-8zu %5zu %6zu %8.1f\n",
            fm_theorems[k]->id, tl[k].rows, tl[k].fail, tl[k].warn, tl[k].na,
            tl[k].undecided, tl[k].ctl_rejected, tl[k].ctl_applicable, tl[k].rows_not_ok,
            tl[k].alarms, tl[k].seconds);
    stat_rows += tl[k].stat_rows;
    alarms += tl[k].alarms;
  }
  /* alarms ~ Bin(stat_rows, <= FM_CHECK_STAT_LEVEL): more than the count a
   * binomial exceeds with probability 1e-3 says a level is not kept */
  unsigned crit = 0;
  while (crit <= stat_rows &&
         (crit == 0 ? 1.0
                    : gsl_cdf_binomial_Q(crit - 1, FM_CHECK_STAT_LEVEL, (unsigned)stat_rows)) >
             1e-3)
    crit++;
  fprintf(stderr, "statistical alarms not reproduced: %zu over %zu rows with a statistical "
          "route (level <= %g; allowed < %u)\n", alarms, stat_rows, FM_CHECK_STAT_LEVEL, crit);
  cr_expect_lt(alarms, (size_t)crit, "%zu statistical alarms over %zu rows: more than level "
               "%g allows", alarms, stat_rows, FM_CHECK_STAT_LEVEL);
  fprintf(stderr, "\n%-18s %6s %18s\n", "schedule family", "cases", "cases with a FAIL");
  for (int f = 0; f < FM_GEN_S_COUNT; f++)
    if (fam_cases[f] > 0)
      fprintf(stderr, "%-18s %6zu %18zu\n", fm_gen_family_names[f], fam_cases[f], fam_fail[f]);
  fprintf(stderr, "gen_cases: seed %llu, %zu cases in %.1f s\n", (unsigned long long)seed,
          last - first, fm_now() - start);
}
