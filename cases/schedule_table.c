/* schedule_table.c -- the `table` schedule: alpha and sigma given as samples
 * (t_i, alpha_i, sigma_i), interpolated by GSL natural cubic splines
 * (gsl_interp_cspline); alpha' and sigma' are the splines' derivatives.
 *
 * This is for schedules that exist only as numbers (e.g. tuned or learned
 * ones).  What the interpolant costs, measured in tests/test_schedule_table.c
 * on cosine samples: in the interior the error is O(h^4) in value and O(h^3)
 * in derivative; within a few nodes of an end where the true alpha'' or
 * sigma'' is not 0, the natural end condition (S'' = 0) limits it to O(h^2)
 * in value and O(h) in derivative.
 *
 * Rows must start at t = 0 and end at t = 1 exactly (t strictly increasing,
 * alpha and sigma finite, sigma > 0 before t = 1 and >= 0 at it): the
 * schedule is never extrapolated, and the boundary values the `schedule`
 * theorem judges are the user's own numbers, not a spline's guess.
 *
 * Evaluation passes no gsl_interp_accel (GSL then bisects): an accelerator
 * is mutable state, and eval must work on a const schedule from any thread.
 */
#include "schedule_impl.h"

#include <errno.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_spline.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "fm_limits.h"

#define FM_TAB_MIN_ROWS 4

typedef struct {
  gsl_spline *alpha, *sigma;
} fm_table_impl;

static const char *const fm_par_table[] = {"rows", NULL};

static void fm_tab_free(void *impl)
{
  fm_table_impl *im = impl;
  if (im == NULL)
    return;
  gsl_spline_free(im->alpha);
  gsl_spline_free(im->sigma);
  free(im);
}

static int fm_tab_eval(fm_sched_val *v, const fm_schedule *s, double t)
{
  const fm_table_impl *im = s->impl;
  int st = gsl_spline_eval_e(im->alpha, t, NULL, &v->alpha);
  if (st == GSL_SUCCESS)
    st = gsl_spline_eval_e(im->sigma, t, NULL, &v->sigma);
  if (st == GSL_SUCCESS)
    st = gsl_spline_eval_deriv_e(im->alpha, t, NULL, &v->dalpha);
  if (st == GSL_SUCCESS)
    st = gsl_spline_eval_deriv_e(im->sigma, t, NULL, &v->dsigma);
  return st == GSL_SUCCESS ? FM_OK : FM_EDOM;  /* only t outside [t_0, t_n-1] */
}

const fm_schedule_type fm_schedule_type_table = {"table", fm_par_table, fm_tab_eval,
                                                 NULL, fm_tab_free};

/* Where row i came from: "path:line" for a file, "row i" (0-based) otherwise. */
static void fm_tab_where(char *buf, size_t size, const char *path, const size_t *line,
                         size_t i)
{
  if (path != NULL)
    snprintf(buf, size, "%s:%zu", path, line[i]);
  else
    snprintf(buf, size, "schedule table: row %zu", i);
}

static int fm_tab_check_row(const double *t, const double *alpha, const double *sigma,
                            size_t i, const char *where, fm_errmsg *e)
{
  const char *name[3] = {"t", "alpha", "sigma"};
  double val[3] = {t[i], alpha[i], sigma[i]};
  for (int k = 0; k < 3; k++)
    if (!isfinite(val[k]))
      return fm_errmsg_set(e, FM_EINVAL, "%s: %s is not finite (%g)", where, name[k],
                           val[k]);
  if (i == 0 && t[0] != 0.0)
    return fm_errmsg_set(e, FM_EINVAL, "%s: the first t must be exactly 0 (got %.17g)",
                         where, t[0]);
  if (i > 0 && !(t[i] > t[i - 1]))
    return fm_errmsg_set(e, FM_EINVAL,
                         "%s: t = %.17g does not increase (the row before has t = %.17g)",
                         where, t[i], t[i - 1]);
  if (t[i] > 1.0)
    return fm_errmsg_set(e, FM_EINVAL, "%s: t = %.17g is outside [0, 1]", where, t[i]);
  return FM_OK;
}

/* sigma is a standard deviation: p_t(x|x1) = N(alpha x1, sigma^2 I) and u_t
 * divides by it, so it must be > 0 wherever t < 1; only the data end may be
 * a point mass (sigma_1 = sigma_min >= 0, cases/README.md).  A negative node
 * would give a spline with sigma^2 > 0 -- plausible numbers from `field`
 * for a path that does not exist.  Checked after the t column is known to
 * run from 0 to 1, so that a short last t is reported as such. */
static int fm_tab_check_sigma(const double *t, const double *sigma, size_t i,
                              const char *where, fm_errmsg *e)
{
  if (t[i] < 1.0 && !(sigma[i] > 0.0))
    return fm_errmsg_set(e, FM_EINVAL,
                         "%s: sigma = %.17g at t = %.17g; sigma must be > 0 for t < 1", where,
                         sigma[i], t[i]);
  if (t[i] == 1.0 && sigma[i] < 0.0)
    return fm_errmsg_set(e, FM_EINVAL,
                         "%s: sigma = %.17g at t = 1; sigma_1 = sigma_min must be >= 0", where,
                         sigma[i]);
  return FM_OK;
}

/* The rows' contract: n >= 4, all finite, t strictly increasing from exactly
 * 0 to exactly 1, sigma > 0 on every row with t < 1 and >= 0 at t = 1.
 * line == NULL: rows are an array (messages say "row i"). */
static int fm_tab_check(const double *t, const double *alpha, const double *sigma,
                        size_t n, const char *path, const size_t *line, fm_errmsg *e)
{
  char where[1024];
  if (n < FM_TAB_MIN_ROWS)
    return fm_errmsg_set(e, FM_EINVAL, "%s: %zu data rows, a cubic spline table needs "
                         "at least %d", path != NULL ? path : "schedule table", n,
                         FM_TAB_MIN_ROWS);
  for (size_t i = 0; i < n; i++) {
    fm_tab_where(where, sizeof where, path, line, i);
    int st = fm_tab_check_row(t, alpha, sigma, i, where, e);
    if (st != FM_OK)
      return st;
  }
  if (t[n - 1] != 1.0) {
    fm_tab_where(where, sizeof where, path, line, n - 1);
    return fm_errmsg_set(e, FM_EINVAL, "%s: the last t must be exactly 1 (got %.17g)",
                         where, t[n - 1]);
  }
  for (size_t i = 0; i < n; i++) {
    fm_tab_where(where, sizeof where, path, line, i);
    int st = fm_tab_check_sigma(t, sigma, i, where, e);
    if (st != FM_OK)
      return st;
  }
  return FM_OK;
}

static int fm_tab_spline(gsl_spline **sp, const double *t, const double *y, size_t n,
                         fm_errmsg *e)
{
  *sp = gsl_spline_alloc(gsl_interp_cspline, n);
  if (*sp == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "schedule table: out of memory for a spline");
  if (gsl_spline_init(*sp, t, y, n) != GSL_SUCCESS)
    return fm_errmsg_set(e, FM_EINVAL, "schedule table: GSL could not build the spline");
  return FM_OK;
}

static int fm_tab_build(fm_schedule **s, const double *t, const double *alpha,
                        const double *sigma, size_t n, const char *path,
                        const size_t *line, fm_errmsg *e)
{
  *s = NULL;
  int st = fm_tab_check(t, alpha, sigma, n, path, line, e);
  if (st != FM_OK)
    return st;
  fm_gsl_quiet();
  fm_table_impl *im = calloc(1, sizeof *im);
  if (im == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "schedule table: out of memory");
  st = fm_tab_spline(&im->alpha, t, alpha, n, e);
  if (st == FM_OK)
    st = fm_tab_spline(&im->sigma, t, sigma, n, e);
  double rows = (double)n;
  if (st == FM_OK)
    st = fm_schedule_new(s, &fm_schedule_type_table, &rows, e);
  if (st != FM_OK) {
    fm_tab_free(im);
    return st;
  }
  (*s)->impl = im;
  return FM_OK;
}

int fm_schedule_table(fm_schedule **s, const double *t, const double *alpha,
                      const double *sigma, size_t n, fm_errmsg *e)
{
  return fm_tab_build(s, t, alpha, sigma, n, NULL, NULL, e);
}

/* ---- CSV reader ---- */

typedef struct {
  double *t, *alpha, *sigma;
  size_t *line;  /* file line of each row, for messages */
  size_t n, cap;
} fm_tab_rows;

static void fm_tab_rows_free(fm_tab_rows *r)
{
  free(r->t);
  free(r->alpha);
  free(r->sigma);
  free(r->line);
}

/* *p resized to cap elements of size elem; *p is kept on failure (freed
 * later with the rest), so the caller only reports FM_ENOMEM. */
static int fm_tab_grow(void **p, size_t cap, size_t elem)
{
  void *q = realloc(*p, cap * elem);
  if (q == NULL)
    return FM_ENOMEM;
  *p = q;
  return FM_OK;
}

static int fm_tab_rows_push(fm_tab_rows *r, const double v[3], size_t line)
{
  if (r->n == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 64;
    int st = fm_tab_grow((void **)&r->t, cap, sizeof *r->t);
    st = st ? st : fm_tab_grow((void **)&r->alpha, cap, sizeof *r->alpha);
    st = st ? st : fm_tab_grow((void **)&r->sigma, cap, sizeof *r->sigma);
    st = st ? st : fm_tab_grow((void **)&r->line, cap, sizeof *r->line);
    if (st != FM_OK)
      return st;
    r->cap = cap;
  }
  r->t[r->n] = v[0];
  r->alpha[r->n] = v[1];
  r->sigma[r->n] = v[2];
  r->line[r->n] = line;
  r->n++;
  return FM_OK;
}

static int fm_is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Split s in place at commas into at most max trimmed fields; returns the
 * number of fields found (which may exceed max: the extra are not stored). */
static int fm_tab_split(char *s, char **field, int max)
{
  int nf = 0;
  for (char *p = s;; p++) {
    char *end = strchr(p, ',');
    if (end != NULL)
      *end = '\0';
    while (fm_is_blank(*p))
      p++;
    size_t len = strlen(p);
    while (len > 0 && fm_is_blank(p[len - 1]))
      p[--len] = '\0';
    if (nf < max)
      field[nf] = p;
    nf++;
    if (end == NULL)
      return nf;
    p = end;
  }
}

/* A whole field as a double (strtod: decimal, exponent, inf, nan).  strtod
 * follows LC_NUMERIC: the library never calls setlocale, and a program that
 * does must leave LC_NUMERIC at "C" or "0.5" stops being a number. */
static int fm_tab_number(double *v, const char *f)
{
  char *end;
  if (*f == '\0')
    return 0;
  *v = strtod(f, &end);
  return *end == '\0';
}

/* One content line: a data row (FM_OK, v filled), the header (returns -1,
 * only when may_be_header), or an error naming path:line. */
static int fm_tab_parse_line(double v[3], char *s, int may_be_header, const char *path,
                             size_t line, fm_errmsg *e)
{
  static const char *const name[3] = {"t", "alpha", "sigma"};
  char *field[3];
  int nf = fm_tab_split(s, field, 3), numeric = 0, bad = -1;
  for (int k = 0; k < nf && k < 3; k++) {
    if (fm_tab_number(&v[k], field[k]))
      numeric++;
    else if (bad < 0)
      bad = k;
  }
  if (nf != 3)
    return fm_errmsg_set(e, FM_EPARSE, "%s:%zu: expected 3 fields (t,alpha,sigma), "
                         "found %d", path, line, nf);
  if (may_be_header && numeric == 0)
    return -1;
  if (bad >= 0)
    return fm_errmsg_set(e, FM_EPARSE, "%s:%zu: field %d (%s) is not a number: '%s'",
                         path, line, bad + 1, name[bad], field[bad]);
  return FM_OK;
}

static int fm_tab_read(fm_tab_rows *r, FILE *f, const char *path, fm_errmsg *e)
{
  char *buf = NULL;
  size_t bufcap = 0, line = 0;
  int st = FM_OK, content = 0;
  while (st == FM_OK && getline(&buf, &bufcap, f) != -1) {
    line++;
    char *p = buf;
    while (fm_is_blank(*p))
      p++;
    if (*p == '\0' || *p == '#')
      continue;
    double v[3];
    st = fm_tab_parse_line(v, buf, content++ == 0, path, line, e);
    if (st == -1)
      st = FM_OK;  /* the header */
    else if (st == FM_OK && fm_tab_rows_push(r, v, line) != FM_OK)
      st = fm_errmsg_set(e, FM_ENOMEM, "%s:%zu: out of memory", path, line);
  }
  if (st == FM_OK && ferror(f))
    st = fm_errmsg_set(e, FM_EIO, "%s:%zu: read error", path, line + 1);
  free(buf);
  return st;
}

int fm_schedule_table_file(fm_schedule **s, const char *path, fm_errmsg *e)
{
  *s = NULL;
  FILE *f;
  int st = fm_file_fopen(&f, path, FM_LIMIT_TABLE_BYTES, "table file", e);
  if (st != FM_OK)
    return st;
  fm_tab_rows r = {0};
  st = fm_tab_read(&r, f, path, e);
  fclose(f);
  if (st == FM_OK)
    st = fm_tab_build(s, r.t, r.alpha, r.sigma, r.n, path, r.line, e);
  fm_tab_rows_free(&r);
  if (st == FM_OK)
    snprintf((*s)->desc, sizeof (*s)->desc, "table(file=%.200s, rows=%zu)", path, r.n);
  return st;
}
