/* fmcheck.h -- the public C interface of libfmcheck.
 *
 * fmcheck knows the exact probability path p_t, score grad log p_t, marginal
 * velocity field u_t and posterior mean E[x1 | x_t = x] of flow matching on
 * Gaussian-mixture data (a "case": data + schedule + seed; conventions and
 * the case-file format in cases/README.md of the source tree).  Through
 * this header a program can
 *   - load a case from a file, a built-in name or a JSON string;
 *   - evaluate u, the score, log p and the mean on arrays of points (t, x);
 *   - draw exact samples of p_t;
 *   - compare a field given at points with u_t, and samples with p_t,
 *     exactly as `fmcheck compare-field` and `fmcheck compare-samples` do;
 *   - run the theorem checks of `fmcheck check` and read their verdicts as
 *     records (outcome, routes, facts), not text.
 *
 * Build with   cc prog.c $(pkg-config --cflags --libs fmcheck)
 *
 * Conventions (those of GSL and MPFR):
 *   - Outputs come first, inputs next.  Arrays are row-major doubles: n
 *     points of dimension d are n*d doubles, point i at [i*d, i*d + d).
 *   - A function that can fail returns an int status from one list
 *     (fm_status_codes.h: FM_OK = 0, FM_EINVAL, FM_EDOM, FM_ENOMEM, ...;
 *     fmcheck_strerror describes a code) and, when given a non-NULL
 *     fmcheck_error, fills it with the same status and one sentence naming
 *     the file and line:column, the JSON path, or the point at fault
 *     (points are counted from 0).  On failure the outputs are unspecified
 *     (handles are set to NULL).
 *   - Handles (fmcheck_case, fmcheck_check) are opaque; each creating
 *     function has a _free, which accepts NULL.  Strings returned by
 *     accessors belong to the handle and live as long as it does.
 *   - The library never prints, exits or aborts; GSL's abort handler is
 *     turned off by every entry point that computes.
 *   - Threads: different handles are independent; one case handle must
 *     not be used by two threads at once (expression and table schedules
 *     keep evaluation state inside the case).
 */
#ifndef FMCHECK_H
#define FMCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "fm_status_codes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Version and errors                                                  */
/* ------------------------------------------------------------------ */

/* The library's version, "MAJOR.MINOR.PATCH" (the `fmcheck --version` of
 * the same build).  Static string. */
const char *fmcheck_version(void);

/* A static description of status code `status` ("invalid argument");
 * "unknown status code" for a value outside the list.  Never NULL. */
const char *fmcheck_strerror(int status);

/* Why a call failed: the status it returned and one sentence naming what
 * is at fault (a file and line:column, a JSON path such as
 * data.components[2].cov[0][1], or a point index).  The caller owns it
 * (usually on the stack); a successful call leaves status = FM_OK and
 * message "". */
typedef struct {
  int status;
  char message[1024];
} fmcheck_error;

/* ------------------------------------------------------------------ */
/* Cases                                                               */
/* ------------------------------------------------------------------ */

typedef struct fmcheck_case fmcheck_case;

/* Load a case file (JSON).  Relative paths inside it (a `table` schedule)
 * are resolved against the file's directory.  Returns FM_OK; FM_EIO
 * (unreadable or not a regular file), FM_EPARSE (malformed JSON:
 * "file:line:column: ..."), FM_EINVAL (bad content: the JSON path),
 * FM_ENOTPD (a covariance not symmetric positive definite), FM_EDIM,
 * FM_ENONFIN, FM_ENOMEM.  *c is a new handle (fmcheck_case_free), or NULL
 * on failure. */
int fmcheck_case_load_file(fmcheck_case **c, const char *path, fmcheck_error *err);

/* Load the built-in case `name` ("ring8-cond_ot", with or without ".json";
 * fmcheck_builtin_name lists them).  FM_EINVAL when there is none. */
int fmcheck_case_load_builtin(fmcheck_case **c, const char *name, fmcheck_error *err);

/* Load a case from the text of a case file.  `origin` names it in
 * messages and in fmcheck_case_origin (NULL: "<json>"); relative paths in
 * it resolve against the current directory.  Statuses as
 * fmcheck_case_load_file (FM_EPARSE messages give origin:line:column). */
int fmcheck_case_load_json(fmcheck_case **c, const char *json, const char *origin,
                           fmcheck_error *err);

/* What the command line's --case does: `arg` is read as a file when a
 * file exists at that path or it contains '/', otherwise as a built-in
 * name.  FM_EIO when it is neither. */
int fmcheck_case_load(fmcheck_case **c, const char *arg, fmcheck_error *err);

void fmcheck_case_free(fmcheck_case *c);

/* The case's name (the file's "name"), its origin (the path, "builtin:
 * <file>" or the origin given to fmcheck_case_load_json), a non-fatal
 * remark from parsing ("" when none, e.g. weights that were normalised),
 * its dimension d and number of mixture components. */
const char *fmcheck_case_name(const fmcheck_case *c);
const char *fmcheck_case_origin(const fmcheck_case *c);
const char *fmcheck_case_warning(const fmcheck_case *c);
size_t fmcheck_case_dim(const fmcheck_case *c);
size_t fmcheck_case_components(const fmcheck_case *c);
/* The case's own seed (used by checks unless overridden). */
uint64_t fmcheck_case_seed(const fmcheck_case *c);

/* The built-in cases: their number, and the file name of the i-th
 * ("ring8-cond_ot.json"; fmcheck_case_load_builtin takes it with or
 * without ".json"), NULL when i is out of range.  Static strings. */
size_t fmcheck_builtin_count(void);
const char *fmcheck_builtin_name(size_t i);

/* ------------------------------------------------------------------ */
/* The exact path: field, score, log-density, posterior mean, draws    */
/* ------------------------------------------------------------------ */

/* At n points (t_i, x_i): u_t(x) the marginal velocity field, the score
 * grad log p_t(x), log p_t(x) and mean = E[x1 | x_t = x] -- the numbers
 * `fmcheck field` prints, bit for bit.  x is n*d; t has nt = n entries
 * (one per point) or nt = 1 (one time for all).  Outputs u, score, mean
 * (n*d) and logp (n) may each be NULL (not computed).  Every t must lie in
 * [0, 1].  Returns FM_OK; FM_EINVAL (nt neither 1 nor n, or x NULL with
 * n > 0), FM_EDOM (t outside [0, 1]), FM_ESING (the schedule has no finite
 * derivative there, e.g. vp at t = 1: the message names the point),
 * FM_ENONFIN (a non-finite coordinate), FM_ENOMEM.  Cost: O(n K d^2) after
 * one O(K d^3) factorisation per distinct consecutive t. */
int fmcheck_case_field(double *u, double *score, double *logp, double *mean,
                       const fmcheck_case *c, const double *t, size_t nt, const double *x,
                       size_t n, fmcheck_error *err);

/* n exact draws of p_t into x (n*d): draw i is component k ~ w, then
 * alpha_t m_k + chol(alpha_t^2 S_k + sigma_t^2 I) z with Philox normals z
 * (counter-based: draw i depends on (seed, i) only, so the first n draws
 * of a larger request are these, on any machine and thread count).  t in
 * [0, 1].  FM_EDOM for t outside [0, 1], FM_ENOTPD where p_t has no
 * density (alpha_t = sigma_t = 0), FM_ENONFIN where the schedule is not
 * finite, FM_ENOMEM. */
int fmcheck_case_sample(double *x, const fmcheck_case *c, size_t n, double t, uint64_t seed,
                        fmcheck_error *err);

/* ------------------------------------------------------------------ */
/* Comparing someone else's field and samples (compare-field, -samples) */
/* ------------------------------------------------------------------ */

/* The relative L2 error of a field v against u_t over n points,
 *   rel_l2 = sqrt( sum_i |v_i - u_i|^2 / sum_i |u_i|^2 ),
 * and the worst point (largest |v_i - u_i|), as `fmcheck compare-field`
 * reports them.  worst_row is 0-based (the command line counts from 1). */
typedef struct {
  size_t rows;
  double rel_l2;        /* +inf when sum |u|^2 = 0 < sum |v - u|^2 */
  double tol;
  size_t worst_row;
  double worst_t;
  double worst_abs_err; /* |v - u| at the worst point */
  double worst_norm_u;  /* |u| there */
  int passed;           /* rel_l2 <= tol (0 when rel_l2 is NaN) */
} fmcheck_field_cmp;

/* Compare v (n*d) given at (t_i, x_i) (t of nt = 1 or n entries, x n*d)
 * with the exact field; tol >= 0.  A failed comparison is not an error:
 * it returns FM_OK with r->passed = 0.  Errors as fmcheck_case_field
 * (FM_EINVAL also for a negative or NaN tol, or n = 0). */
int fmcheck_compare_field(fmcheck_field_cmp *r, const fmcheck_case *c, const double *t,
                          size_t nt, const double *x, const double *v, size_t n, double tol,
                          fmcheck_error *err);

/* The result as the lines `fmcheck compare-field` prints (case, error,
 * worst row counted from 1, PASS/FAIL), NUL-terminated in buf (size len;
 * truncated to fit).  Returns the length of the whole text, as snprintf. */
size_t fmcheck_field_cmp_text(char *buf, size_t len, const fmcheck_field_cmp *r,
                              const fmcheck_case *c);

#define FMCHECK_SAMPLE_TESTS 6

/* One test of the compare-samples battery.  name: "chisq-modes",
 * "ks-proj", "logp-ks", "mmd", "energy" or "sliced-w2" (static strings).
 * A test that does not apply (na != NULL, e.g. mode occupancy near t = 0
 * where the modes of p_t coincide) has NaN statistic and p-values,
 * reject = 0, and in na_lambda_n the largest effective sample size it
 * saw. */
typedef struct {
  const char *name;
  size_t n, m;          /* sample sizes used (m: exact draws; 0 if none) */
  double statistic, pvalue, p_holm;
  int reject;
  const char *na;       /* NULL, or why the test does not apply */
  double na_lambda_n;
} fmcheck_sample_test;

typedef struct {
  double t, alpha;
  uint64_t seed;
  size_t n;                   /* samples */
  size_t ntests, napplicable; /* rows of test[]; those in the Holm family */
  fmcheck_sample_test test[FMCHECK_SAMPLE_TESTS];
  int rejected;               /* some test rejects at family-wise level alpha */
  int passed;                 /* !rejected */
} fmcheck_samples_cmp;

/* Are the n rows of x (n*d) samples of p_t?  The battery of `fmcheck
 * compare-samples` (mode occupancy, KS on random projections against the
 * exact mixture CDF, KS of log p_t against exact draws, MMD, energy and
 * sliced W2 with permutation p-values), Holm-corrected at family-wise
 * level alpha in (0, 0.5]; seed (the command line's default is 1) drives
 * the exact draws, directions and permutations.  A rejection is not an
 * error: FM_OK with r->rejected = 1.  FM_EINVAL when n is too small for
 * the tests (mode occupancy needs n w_k >= 5 for every component) or an
 * argument is out of range, FM_EDOM for t outside [0, 1], FM_ENONFIN for a
 * non-finite sample, FM_ENOMEM. */
int fmcheck_compare_samples(fmcheck_samples_cmp *r, const fmcheck_case *c, const double *x,
                            size_t n, double t, double alpha, uint64_t seed,
                            fmcheck_error *err);

/* The result as the table `fmcheck compare-samples` prints, in buf (as
 * fmcheck_field_cmp_text). */
size_t fmcheck_samples_cmp_text(char *buf, size_t len, const fmcheck_samples_cmp *r,
                                const fmcheck_case *c);

/* ------------------------------------------------------------------ */
/* Theorem checks (fmcheck check)                                      */
/* ------------------------------------------------------------------ */

/* The theorems, in catalogue order: id ("cond-field", ...) and statement
 * of the i-th (NULL when i is out of range).  Static strings. */
size_t fmcheck_theorem_count(void);
const char *fmcheck_theorem_id(size_t i);
const char *fmcheck_theorem_statement(size_t i);

/* Outcome of a verdict (values fixed). */
enum {
  FMCHECK_PASS = 0,
  FMCHECK_WARN = 1,      /* passes, with something to know */
  FMCHECK_FAIL = 2,
  FMCHECK_NA = 3,        /* a hypothesis does not hold on this case */
  FMCHECK_UNDECIDED = 4  /* the budget could not buy the stated power */
};

typedef struct {
  uint64_t seed;    /* overrides the case's seed when nonzero (default 0) */
  int points;       /* random points per pointwise check, in [4, 1e6] (48) */
  unsigned prec;    /* MPFR reference precision in bits, >= 128 (256) */
  int controls;     /* run the negative controls (1) */
} fmcheck_check_opts;

/* The defaults of `fmcheck check`. */
void fmcheck_check_opts_init(fmcheck_check_opts *o);

typedef struct fmcheck_check fmcheck_check;

/* Run the theorems `ids` (ntheorems of them; ids = NULL or ntheorems = 0:
 * every theorem) on case c, each with its negative controls: one row per
 * theorem, the rows `fmcheck check --case C --json F` writes for the same
 * options.  o = NULL: the defaults.  A failed theorem is not an error: it
 * is in the rows (fmcheck_check_passed).  FM_EINVAL for an unknown id or
 * an option out of range, FM_ENOMEM.  *r is a new handle
 * (fmcheck_check_free), NULL on failure.  Seconds to a minute per theorem
 * depending on the case. */
int fmcheck_check_run(fmcheck_check **r, const fmcheck_case *c, const char *const *ids,
                      size_t ntheorems, const fmcheck_check_opts *o, fmcheck_error *err);
void fmcheck_check_free(fmcheck_check *r);

/* Rows: one per theorem run. */
size_t fmcheck_check_rows(const fmcheck_check *r);
/* 1 when no row failed (UNDECIDED and n/a rows do not fail). */
int fmcheck_check_passed(const fmcheck_check *r);

/* The summary counts of `fmcheck check` (passed includes warned;
 * passed + failed + undecided + na = rows). */
typedef struct {
  size_t rows, passed, warned, failed, undecided, na;
} fmcheck_check_counts;
void fmcheck_check_tally(fmcheck_check_counts *k, const fmcheck_check *r);

/* How row `row` was decided: ok = the statement was not refuted (PASS,
 * WARN, n/a or UNDECIDED) and every applicable control was rejected. */
typedef struct {
  int ok;
  size_t controls;           /* negative controls run (verdicts 1..controls) */
  size_t applicable, rejected, undecided_controls;
  double min_margin;         /* smallest value/tol among applicable controls */
} fmcheck_row;
int fmcheck_check_row(fmcheck_row *out, const fmcheck_check *r, size_t row);

/* A verdict: that of the true statement (j = 0) or of negative control j
 * (1 <= j <= controls).  The deciding route's numbers are copied at the
 * top level; every route and fact is read by index.  Strings belong to r. */
typedef struct {
  const char *theorem;
  const char *case_name;
  const char *mutant;        /* "" for the true statement */
  int outcome;               /* FMCHECK_PASS, ... */
  const char *outcome_key;   /* "pass", "warn", "fail", "n/a", "undecided" */
  int status;                /* FM_OK, or why the check could not run */
  const char *statistic;     /* the deciding route's label */
  double value, tol, err, margin;
  const char *worst;
  size_t nroutes, nfacts;
  const char *summary;       /* every route and remark as text, for people */
} fmcheck_verdict;

/* One route: a statistic against its tolerance.  key is stable (e.g.
 * "mpfr", "fd-psi", "order-rk4"), label is for people; decided = 0 when the
 * route could not buy its power here (its value then decides nothing). */
typedef struct {
  const char *key, *label;
  double value, tol, err;
  int decided;
  const char *worst;
} fmcheck_route;

/* A number reported for information, by stable key (e.g. "detected.MPFR",
 * "order.rk4"); may be infinite. */
typedef struct {
  const char *key;
  double value;
} fmcheck_fact;

/* Each returns FM_OK, or FM_EDOM when an index is out of range. */
int fmcheck_check_verdict(fmcheck_verdict *out, const fmcheck_check *r, size_t row, size_t j);
int fmcheck_check_route(fmcheck_route *out, const fmcheck_check *r, size_t row, size_t j,
                        size_t k);
int fmcheck_check_fact(fmcheck_fact *out, const fmcheck_check *r, size_t row, size_t j,
                       size_t k);

#ifdef __cplusplus
}
#endif

#endif
