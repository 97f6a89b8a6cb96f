/* api_check.c -- theorem checks on a case as records: the rows of
 * `fmcheck check` (check_row.h decides them, as for the command line),
 * read by index through fmcheck_verdict, fmcheck_route and fmcheck_fact. */
#include "api_impl.h"

#include "check_row.h"
#include "theorem.h"

#include <stdlib.h>
#include <string.h>

/* The public outcome values are fm_outcome's. */
_Static_assert(FMCHECK_PASS == (int)FM_OUTCOME_PASS && FMCHECK_WARN == (int)FM_OUTCOME_WARN &&
                   FMCHECK_FAIL == (int)FM_OUTCOME_FAIL && FMCHECK_NA == (int)FM_OUTCOME_NA &&
                   FMCHECK_UNDECIDED == (int)FM_OUTCOME_UNDECIDED,
               "fmcheck.h outcomes differ from theorem.h");

struct fmcheck_check {
  fm_check_row *rows;
  size_t n;
};

size_t fmcheck_theorem_count(void)
{
  size_t n = 0;
  while (fm_theorems[n] != NULL)
    n++;
  return n;
}

const char *fmcheck_theorem_id(size_t i)
{
  return i < fmcheck_theorem_count() ? fm_theorems[i]->id : NULL;
}

const char *fmcheck_theorem_statement(size_t i)
{
  return i < fmcheck_theorem_count() ? fm_theorems[i]->statement : NULL;
}

void fmcheck_check_opts_init(fmcheck_check_opts *o)
{
  fm_check_opts d = fm_check_opts_default();
  *o = (fmcheck_check_opts){d.seed, d.npoints, d.prec, 1};
}

/* The internal options from the public ones, with the command line's
 * ranges (--points [4, 1e6], --prec [128, 65536]). */
static int fm_api_check_opts(fm_check_opts *o, const fmcheck_check_opts *p, fmcheck_error *err)
{
  *o = fm_check_opts_default();
  if (p == NULL)
    return FM_OK;
  if (p->points < 4 || p->points > 1000000)
    return fm_api_fail(err, FM_EINVAL, "points = %d: expected an integer in [4, 1e6]",
                       p->points);
  if (p->prec < 128 || p->prec > 65536)
    return fm_api_fail(err, FM_EINVAL, "prec = %u: expected an integer in [128, 65536]",
                       p->prec);
  o->seed = p->seed;
  o->npoints = p->points;
  o->prec = p->prec;
  return FM_OK;
}

/* The theorems to run: ids resolved, or all of them. */
static int fm_api_check_list(const fm_theorem ***thms, size_t *n, const char *const *ids,
                             size_t nids, fmcheck_error *err)
{
  int all = ids == NULL || nids == 0;
  *n = all ? fmcheck_theorem_count() : nids;
  *thms = calloc(*n ? *n : 1, sizeof **thms);
  if (*thms == NULL)
    return fm_api_fail(err, FM_ENOMEM, "out of memory");
  for (size_t i = 0; i < *n; i++) {
    (*thms)[i] = all ? fm_theorems[i] : (ids[i] ? fm_theorem_find(ids[i]) : NULL);
    if ((*thms)[i] == NULL) {
      free(*thms);
      return fm_api_fail(err, FM_EINVAL, "%s: no such theorem (fmcheck_theorem_id lists "
                         "them)", ids[i] ? ids[i] : "(null)");
    }
  }
  return FM_OK;
}

int fmcheck_check_run(fmcheck_check **r, const fmcheck_case *c, const char *const *ids,
                      size_t ntheorems, const fmcheck_check_opts *o, fmcheck_error *err)
{
  fm_api_clear(err);
  *r = NULL;
  if (c == NULL)
    return fm_api_fail(err, FM_EINVAL, "the case is NULL");
  fm_check_opts opts;
  const fm_theorem **thms;
  size_t n;
  int st = fm_api_check_opts(&opts, o, err);
  if (st == FM_OK)
    st = fm_api_check_list(&thms, &n, ids, ntheorems, err);
  if (st != FM_OK)
    return st;
  fmcheck_check *res = malloc(sizeof *res);
  fm_check_row *rows = calloc(n ? n : 1, sizeof *rows);
  if (res == NULL || rows == NULL) {
    free(res);
    free(rows);
    free(thms);
    return fm_api_fail(err, FM_ENOMEM, "out of memory");
  }
  fm_gsl_quiet();
  for (size_t i = 0; i < n; i++)
    fm_check_row_run(&rows[i], thms[i], c->c, &opts, o == NULL || o->controls);
  free(thms);
  *res = (fmcheck_check){rows, n};
  *r = res;
  return FM_OK;
}

void fmcheck_check_free(fmcheck_check *r)
{
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->n; i++)
    fm_check_row_clear(&r->rows[i]);
  free(r->rows);
  free(r);
}

size_t fmcheck_check_rows(const fmcheck_check *r)
{
  return r->n;
}

int fmcheck_check_passed(const fmcheck_check *r)
{
  for (size_t i = 0; i < r->n; i++)
    if (!r->rows[i].ok)
      return 0;
  return 1;
}

void fmcheck_check_tally(fmcheck_check_counts *k, const fmcheck_check *r)
{
  fm_check_tally t;
  fm_check_tally_rows(&t, r->rows, r->n);
  *k = (fmcheck_check_counts){t.rows, t.passed, t.warned, t.failed, t.undecided, t.na};
}

int fmcheck_check_row(fmcheck_row *out, const fmcheck_check *r, size_t row)
{
  if (row >= r->n)
    return FM_EDOM;
  const fm_check_row *w = &r->rows[row];
  *out = (fmcheck_row){w->ok, w->nctl, w->applicable, w->rejected, w->undecided_controls,
                       w->min_margin};
  return FM_OK;
}

/* Verdict j of a row (0: the statement, j >= 1: control j), or NULL. */
static const fm_verdict *fm_api_verdict(const fmcheck_check *r, size_t row, size_t j)
{
  if (row >= r->n || j > r->rows[row].nctl)
    return NULL;
  return j == 0 ? &r->rows[row].truth : &r->rows[row].ctl[j - 1];
}

int fmcheck_check_verdict(fmcheck_verdict *out, const fmcheck_check *r, size_t row, size_t j)
{
  const fm_verdict *v = fm_api_verdict(r, row, j);
  if (v == NULL)
    return FM_EDOM;
  *out = (fmcheck_verdict){v->theorem ? v->theorem : "", v->case_name, v->mutant,
                           (int)v->outcome, fm_outcome_key(v->outcome), v->status,
                           v->statistic, v->value, v->tol, v->err, v->margin, v->worst,
                           v->nroutes, v->nfacts, v->note};
  return FM_OK;
}

int fmcheck_check_route(fmcheck_route *out, const fmcheck_check *r, size_t row, size_t j,
                        size_t k)
{
  const fm_verdict *v = fm_api_verdict(r, row, j);
  if (v == NULL || k >= v->nroutes)
    return FM_EDOM;
  const fm_route *x = &v->routes[k];
  *out = (fmcheck_route){x->key, x->label, x->value, x->tol, x->err, x->decided, x->worst};
  return FM_OK;
}

int fmcheck_check_fact(fmcheck_fact *out, const fmcheck_check *r, size_t row, size_t j,
                       size_t k)
{
  const fm_verdict *v = fm_api_verdict(r, row, j);
  if (v == NULL || k >= v->nfacts)
    return FM_EDOM;
  *out = (fmcheck_fact){v->facts[k].key, v->facts[k].value};
  return FM_OK;
}
