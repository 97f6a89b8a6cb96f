/* schedule_expr.c -- the `expr` schedule: alpha(t) and sigma(t) written by the
 * user as libmatheval expressions (DESIGN §4), so that a new schedule can be
 * validated without writing C.
 *
 * alpha' and sigma' are libmatheval's *symbolic* derivatives d/dt, never the
 * user's claims: the claims (alpha_dot, sigma_dot) and the user's own
 * conditional field (cond_field, in t, x, x1) are kept separately and handed
 * out by fm_schedule_claimed_deriv / fm_schedule_user_cond_field, so that the
 * `schedule` theorem can check them against the symbolic route.
 *
 * libmatheval quirks this file guards against:
 *  - it is not re-entrant: the parser is a flex/bison pair with global state,
 *    and evaluator_evaluate writes the variable values into a symbol table
 *    that an evaluator shares with its derivative.  Every libmatheval call
 *    therefore holds one process-wide mutex, so a const schedule may be
 *    evaluated from several threads (they serialise on the lock);
 *  - its scanner echoes characters it does not know to stdout (flex's
 *    default rule), which would corrupt our CSV/TAP output, so such
 *    characters are rejected before the string reaches it;
 *  - it leaks its partial parse tree on some syntax errors (e.g. "t t"
 *    leaks 32 bytes).  Unbalanced parentheses, the commonest typo, are
 *    caught here first; the remaining leak is libmatheval's.
 * There is no MPFR twin (eval_mp = NULL): libmatheval evaluates in double.
 */
#include "schedule_impl.h"

#include <matheval.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FM_EX_ALPHA, FM_EX_SIGMA, FM_EX_ALPHA_DOT, FM_EX_SIGMA_DOT, FM_EX_COND, FM_EX_N };

/* The field names, as in the case file; used in every message. */
static const char *const fm_ex_field[FM_EX_N] = {"alpha", "sigma", "alpha_dot",
                                                  "sigma_dot", "cond_field"};

typedef struct {
  void *ev[FM_EX_N];     /* the user's expressions; NULL when not supplied */
  void *dalpha, *dsigma; /* symbolic d/dt of ev[FM_EX_ALPHA], ev[FM_EX_SIGMA] */
} fm_expr_impl;

static pthread_mutex_t fm_matheval_lock = PTHREAD_MUTEX_INITIALIZER;

/* libmatheval takes char ** names; it only reads them. */
static char fm_name_t[] = "t", fm_name_x[] = "x", fm_name_x1[] = "x1";

/* Evaluate at (t, x, x1); names an expression does not use are ignored. */
static double fm_ex_value(void *ev, double t, double x, double x1)
{
  char *names[3] = {fm_name_t, fm_name_x, fm_name_x1};
  double vals[3] = {t, x, x1};
  pthread_mutex_lock(&fm_matheval_lock);
  double r = evaluator_evaluate(ev, 3, names, vals);
  pthread_mutex_unlock(&fm_matheval_lock);
  return r;
}

static void fm_ex_destroy(void *ev)
{
  if (ev == NULL)
    return;
  pthread_mutex_lock(&fm_matheval_lock);
  evaluator_destroy(ev);
  pthread_mutex_unlock(&fm_matheval_lock);
}

static void fm_ex_free(void *impl)
{
  fm_expr_impl *im = impl;
  if (im == NULL)
    return;
  for (int i = 0; i < FM_EX_N; i++)
    fm_ex_destroy(im->ev[i]);
  fm_ex_destroy(im->dalpha);
  fm_ex_destroy(im->dsigma);
  free(im);
}

/* The characters of libmatheval's grammar (ASCII only, whatever the locale):
 * names, numbers, blanks, + - * / ^ and parentheses. */
static int fm_ex_char_ok(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         strchr("_. \t+-*/^()", c) != NULL;
}

/* Reject what libmatheval would echo, mis-handle or leak on: unknown
 * characters, unbalanced parentheses, an empty string.  Positions are 1-based. */
static int fm_ex_precheck(const char *src, int field, fm_errmsg *e)
{
  size_t depth = 0, open_at = 0;
  int blank = 1;
  for (size_t i = 0; src[i] != '\0'; i++) {
    char c = src[i];
    if (!fm_ex_char_ok(c))
      return fm_errmsg_set(e, FM_EPARSE,
                           "schedule expr: cannot parse the %s expression \"%s\": "
                           "unexpected character (code %d) at position %zu",
                           fm_ex_field[field], src, (unsigned char)c, i + 1);
    if (c != ' ' && c != '\t')
      blank = 0;
    if (c == '(' && depth++ == 0)
      open_at = i + 1;
    if (c == ')' && depth-- == 0)
      return fm_errmsg_set(e, FM_EPARSE,
                           "schedule expr: cannot parse the %s expression \"%s\": "
                           "unmatched ')' at position %zu",
                           fm_ex_field[field], src, i + 1);
  }
  if (depth > 0)
    return fm_errmsg_set(e, FM_EPARSE,
                         "schedule expr: cannot parse the %s expression \"%s\": "
                         "the '(' at position %zu is never closed",
                         fm_ex_field[field], src, open_at);
  if (blank)
    return fm_errmsg_set(e, FM_EPARSE, "schedule expr: the %s expression is empty",
                         fm_ex_field[field]);
  return FM_OK;
}

/* Every variable of ev must be t, or (cond_field only) x or x1. */
static int fm_ex_check_vars(void *ev, const char *src, int field, fm_errmsg *e)
{
  char **names;
  int count;
  pthread_mutex_lock(&fm_matheval_lock);
  evaluator_get_variables(ev, &names, &count);
  pthread_mutex_unlock(&fm_matheval_lock);
  for (int i = 0; i < count; i++) {
    const char *v = names[i];
    int ok = strcmp(v, "t") == 0 ||
             (field == FM_EX_COND && (strcmp(v, "x") == 0 || strcmp(v, "x1") == 0));
    if (!ok)
      return fm_errmsg_set(e, FM_EINVAL,
                           "schedule expr: the %s expression \"%s\" uses the unknown "
                           "variable '%s' (allowed: %s)",
                           fm_ex_field[field], src, v,
                           field == FM_EX_COND ? "t, x, x1" : "t");
  }
  return FM_OK;
}

static int fm_ex_parse(void **ev, const char *src, int field, fm_errmsg *e)
{
  int st = fm_ex_precheck(src, field, e);
  if (st != FM_OK)
    return st;
  char *copy = malloc(strlen(src) + 1);  /* evaluator_create takes char * */
  if (copy == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "schedule expr: out of memory");
  strcpy(copy, src);
  pthread_mutex_lock(&fm_matheval_lock);
  *ev = evaluator_create(copy);
  pthread_mutex_unlock(&fm_matheval_lock);
  free(copy);
  if (*ev == NULL)
    return fm_errmsg_set(e, FM_EPARSE,
                         "schedule expr: cannot parse the %s expression \"%s\" "
                         "(libmatheval syntax: + - * / ^, functions such as "
                         "sin(t), constants such as pi)",
                         fm_ex_field[field], src);
  return fm_ex_check_vars(*ev, src, field, e);
}

static int fm_ex_derivative(void **d, void *ev, int field, fm_errmsg *e)
{
  pthread_mutex_lock(&fm_matheval_lock);
  *d = evaluator_derivative(ev, fm_name_t);
  pthread_mutex_unlock(&fm_matheval_lock);
  if (*d == NULL)
    return fm_errmsg_set(e, FM_ENOMEM,
                         "schedule expr: libmatheval could not differentiate the %s "
                         "expression", fm_ex_field[field]);
  return FM_OK;
}

/* alpha' and sigma' are the symbolic derivatives; a claimed alpha_dot or
 * sigma_dot is *not* used here (see fm_schedule_claimed_deriv).  Non-finite
 * alpha/sigma give FM_ENONFIN; an infinite derivative is classified by
 * fm_schedule_eval as FM_ESING (as for the built-ins), a NaN one FM_ENONFIN. */
static int fm_ex_sched_eval(fm_sched_val *v, const fm_schedule *s, double t)
{
  const fm_expr_impl *im = s->impl;
  v->alpha = fm_ex_value(im->ev[FM_EX_ALPHA], t, 0.0, 0.0);
  v->sigma = fm_ex_value(im->ev[FM_EX_SIGMA], t, 0.0, 0.0);
  v->dalpha = fm_ex_value(im->dalpha, t, 0.0, 0.0);
  v->dsigma = fm_ex_value(im->dsigma, t, 0.0, 0.0);
  if (!isfinite(v->alpha) || !isfinite(v->sigma))
    return FM_ENONFIN;
  return FM_OK;
}

const fm_schedule_type fm_schedule_type_expr = {"expr", NULL, fm_ex_sched_eval, NULL,
                                                fm_ex_free};

/* "expr(alpha=..., sigma=..., ...)" within size bytes.  When it does not fit,
 * the space is shared by water-filling: short expressions are shown whole,
 * the long ones get equal shares and end in "...". */
static void fm_ex_describe(char *out, size_t size, const char *const src[FM_EX_N])
{
  size_t len[FM_EX_N] = {0}, cap[FM_EX_N] = {0}, over = strlen("expr()") + 1;
  int todo = 0, done[FM_EX_N] = {0};
  for (int i = 0; i < FM_EX_N; i++)
    if (src[i] != NULL) {
      len[i] = strlen(src[i]);
      over += strlen(fm_ex_field[i]) + 1 + (todo > 0 ? 2 : 0);
      todo++;
    } else {
      done[i] = 1;
    }
  size_t budget = size > over ? size - over : 0;
  for (; todo > 0; todo--) {
    int k = -1;
    for (int i = 0; i < FM_EX_N; i++)
      if (!done[i] && (k < 0 || len[i] < len[k]))
        k = i;
    size_t share = budget / (size_t)todo;
    cap[k] = len[k] < share ? len[k] : share;
    budget -= cap[k];
    done[k] = 1;
  }
  size_t pos = (size_t)snprintf(out, size, "expr(");
  for (int i = 0, first = 1; i < FM_EX_N; i++) {
    if (src[i] == NULL)
      continue;
    int cut = cap[i] < len[i], keep = (int)(cut ? (cap[i] > 3 ? cap[i] - 3 : 0) : cap[i]);
    pos += (size_t)snprintf(out + pos, size - pos, "%s%s=%.*s%s", first ? "" : ", ",
                            fm_ex_field[i], keep, src[i], cut ? "..." : "");
    first = 0;
  }
  snprintf(out + pos, size - pos, ")");
}

int fm_schedule_expr(fm_schedule **s, const char *alpha, const char *sigma,
                     const char *alpha_dot, const char *sigma_dot,
                     const char *cond_field, fm_errmsg *e)
{
  const char *src[FM_EX_N] = {alpha, sigma, alpha_dot, sigma_dot, cond_field};
  *s = NULL;
  if (alpha == NULL || sigma == NULL)
    return fm_errmsg_set(e, FM_EINVAL, "schedule expr: the %s expression is required",
                         alpha == NULL ? "alpha" : "sigma");
  fm_expr_impl *im = calloc(1, sizeof *im);
  if (im == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "schedule expr: out of memory");
  int st = FM_OK;
  for (int i = 0; i < FM_EX_N && st == FM_OK; i++)
    if (src[i] != NULL)
      st = fm_ex_parse(&im->ev[i], src[i], i, e);
  if (st == FM_OK)
    st = fm_ex_derivative(&im->dalpha, im->ev[FM_EX_ALPHA], FM_EX_ALPHA, e);
  if (st == FM_OK)
    st = fm_ex_derivative(&im->dsigma, im->ev[FM_EX_SIGMA], FM_EX_SIGMA, e);
  if (st == FM_OK)
    st = fm_schedule_new(s, &fm_schedule_type_expr, NULL, e);
  if (st != FM_OK) {
    fm_ex_free(im);
    return st;
  }
  (*s)->impl = im;
  fm_ex_describe((*s)->desc, sizeof (*s)->desc, src);
  return FM_OK;
}

static int fm_t_ok(double t)
{
  return isfinite(t) && t >= 0.0 && t <= 1.0;
}

/* The user's claimed derivatives.  When only one of alpha_dot, sigma_dot was
 * supplied, the other is the symbolic derivative (so a caller comparing
 * claims with the symbolic route sees agreement there by construction);
 * FM_ENOTAVAIL when neither was supplied or s is not an expr schedule. */
int fm_schedule_claimed_deriv(double *dalpha, double *dsigma, const fm_schedule *s,
                              double t)
{
  if (s->type != &fm_schedule_type_expr)
    return FM_ENOTAVAIL;
  const fm_expr_impl *im = s->impl;
  void *ea = im->ev[FM_EX_ALPHA_DOT], *es = im->ev[FM_EX_SIGMA_DOT];
  if (ea == NULL && es == NULL)
    return FM_ENOTAVAIL;
  if (!fm_t_ok(t))
    return FM_EDOM;
  *dalpha = fm_ex_value(ea != NULL ? ea : im->dalpha, t, 0.0, 0.0);
  *dsigma = fm_ex_value(es != NULL ? es : im->dsigma, t, 0.0, 0.0);
  return isfinite(*dalpha) && isfinite(*dsigma) ? FM_OK : FM_ENONFIN;
}

/* The user's conditional field u_t(x|x1) for one coordinate. */
int fm_schedule_user_cond_field(double *u, const fm_schedule *s, double t, double x,
                                double x1)
{
  if (s->type != &fm_schedule_type_expr)
    return FM_ENOTAVAIL;
  const fm_expr_impl *im = s->impl;
  if (im->ev[FM_EX_COND] == NULL)
    return FM_ENOTAVAIL;
  if (!fm_t_ok(t) || !isfinite(x) || !isfinite(x1))
    return FM_EDOM;
  *u = fm_ex_value(im->ev[FM_EX_COND], t, x, x1);
  return isfinite(*u) ? FM_OK : FM_ENONFIN;
}
