/* schedule_expr.c -- the `expr` schedule: alpha(t) and sigma(t) written by the
 * user as libmatheval expressions (cases/README.md), so that a new schedule can be
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
 *    default rule), which would corrupt our CSV/TAP output, and its parser
 *    leaks the partial tree on a syntax error (32 bytes per lexed token);
 *    so every string is first checked here against libmatheval's grammar
 *    (fm_ex_syntax), which also says *where* it is wrong -- libmatheval
 *    only says no;
 *  - it recurses once per node (parser, node_simplify, node_derivative),
 *    so a long enough expression overflows the stack: fm_ex_syntax counts
 *    tokens first and refuses more than FM_LIMIT_EXPR_TOKENS (fm_limits.h
 *    says why that number), before the parenthesis depth;
 *  - it reads a^b^c as (a^b)^c; such chains must be parenthesised;
 *  - it reads numbers with atof, which follows LC_NUMERIC (keep it "C").
 * There is no MPFR twin (eval_mp = NULL): libmatheval evaluates in double,
 * and the routes that use a twin take these double values as exact.  The
 * same expressions are also compiled to MPFR (expr_mp.h) to *measure* the
 * double values' rounding (fm_schedule_eval_errors), which the checks fold
 * into their tolerances.
 */
#include "schedule_impl.h"

#include <matheval.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_mp.h"
#include "fm_limits.h"

enum { FM_EX_ALPHA, FM_EX_SIGMA, FM_EX_ALPHA_DOT, FM_EX_SIGMA_DOT, FM_EX_COND, FM_EX_N };

/* The field names, as in the case file; used in every message. */
static const char *const fm_ex_field[FM_EX_N] = {"alpha", "sigma", "alpha_dot",
                                                  "sigma_dot", "cond_field"};

typedef struct {
  void *ev[FM_EX_N];     /* the user's expressions; NULL when not supplied */
  void *dalpha, *dsigma; /* symbolic d/dt of ev[FM_EX_ALPHA], ev[FM_EX_SIGMA] */
  fm_expr_mp *mp[FM_EX_N]; /* alpha, sigma, cond_field in MPFR (expr_mp.h) */
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
  for (int i = 0; i < FM_EX_N; i++)
    fm_expr_mp_free(im->mp[i]);
  free(im);
}

/* ---- syntax check ----
 * libmatheval's grammar (lib/parser.y, lib/scanner.l of 1.1.11):
 *   expr := number | name | '-' expr | expr op expr | func '(' expr ')'
 *         | '(' expr ')',   op one of + - * / ^
 * i.e. operands joined by binary operators, each operand preceded by any
 * number of unary '-'.  It is recognised here first, so that libmatheval
 * only ever sees strings it accepts: its scanner echoes unknown characters
 * to stdout and its parser leaks on syntax errors (see the file comment).
 * Two deliberate restrictions: only ASCII blanks, letters, digits and
 * _ . + - * / ^ ( ) are allowed (libmatheval also takes '[' inside names),
 * and a chain a^b^c must be parenthesised -- libmatheval reads it as
 * (a^b)^c, not the usual a^(b^c), and a schedule silently off by that is
 * what this suite exists to prevent. */

enum { FM_TK_END, FM_TK_OPERAND, FM_TK_FUNC, FM_TK_OP, FM_TK_LPAR, FM_TK_RPAR, FM_TK_BAD };


static const char *const fm_ex_functions[] = {
    "exp",  "log",  "sqrt", "sin",   "cos",   "tan",   "cot",   "sec",     "csc",
    "asin", "acos", "atan", "acot",  "asec",  "acsc",  "sinh",  "cosh",    "tanh",
    "coth", "sech", "csch", "asinh", "acosh", "atanh", "acoth", "asech",   "acsch",
    "abs",  "step", "delta", "nandelta", "erf", NULL};

/* Constants whose names start with a digit (the scanner's longest match
 * takes them before the number rule). */
static const char *const fm_ex_digit_consts[] = {"2_sqrtpi", "1_pi", "2_pi", NULL};

typedef struct {
  const char *s;
  size_t pos;      /* next unread character */
  int kind;        /* current token, FM_TK_* */
  size_t at, len;  /* its offset and length */
  int depth;
  int field;       /* FM_EX_*: which expression (differentiated or not) */
  size_t tokens;   /* tokens scanned so far (FM_TK_END not counted) */
  char why[256];   /* what is wrong, once a check fails */
} fm_ex_scan;

static int fm_is_digit(char c)
{
  return c >= '0' && c <= '9';
}

static int fm_is_name_start(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Length of the number token at s, 0 if none:
 * ({d}+ | {d}+ '.' {d}* | {d}* '.' {d}+) ([Ee] [+-]? {d}+)? */
static size_t fm_ex_number_len(const char *s)
{
  size_t n = 0;
  while (fm_is_digit(s[n]))
    n++;
  size_t m = n;
  if (s[m] == '.')
    for (m++; fm_is_digit(s[m]);)
      m++;
  if (m == 1 && n == 0)
    return 0;  /* a lone '.' */
  if (m > 0 && (s[m] == 'e' || s[m] == 'E')) {
    size_t k = m + 1 + (s[m + 1] == '+' || s[m + 1] == '-');
    if (fm_is_digit(s[k])) {
      while (fm_is_digit(s[k]))
        k++;
      m = k;
    }
  }
  return m;
}

static size_t fm_ex_digit_const_len(const char *s)
{
  for (int i = 0; fm_ex_digit_consts[i] != NULL; i++) {
    size_t n = strlen(fm_ex_digit_consts[i]);
    if (strncmp(s, fm_ex_digit_consts[i], n) == 0)
      return n;
  }
  return 0;
}

static int fm_ex_is_function(const char *s, size_t n)
{
  for (int i = 0; fm_ex_functions[i] != NULL; i++)
    if (strlen(fm_ex_functions[i]) == n && strncmp(s, fm_ex_functions[i], n) == 0)
      return 1;
  return 0;
}

static void fm_ex_next(fm_ex_scan *sc)
{
  const char *s = sc->s;
  while (s[sc->pos] == ' ' || s[sc->pos] == '\t')
    sc->pos++;
  const char *p = s + sc->pos;
  size_t n = 1;
  sc->at = sc->pos;
  sc->kind = FM_TK_BAD;
  if (*p == '\0') {
    sc->kind = FM_TK_END;
    n = 0;
  } else if ((n = fm_ex_digit_const_len(p)) > 0 || (n = fm_ex_number_len(p)) > 0) {
    sc->kind = FM_TK_OPERAND;
  } else if (fm_is_name_start(*p)) {
    for (n = 1; fm_is_name_start(p[n]) || fm_is_digit(p[n]);)
      n++;
    sc->kind = fm_ex_is_function(p, n) ? FM_TK_FUNC : FM_TK_OPERAND;
  } else if (strchr("+-*/^", *p) != NULL) {
    sc->kind = FM_TK_OP;
    n = 1;
  } else if (*p == '(' || *p == ')') {
    sc->kind = *p == '(' ? FM_TK_LPAR : FM_TK_RPAR;
    n = 1;
  } else {
    n = 1;
  }
  sc->len = n;
  sc->pos += n;
  if (sc->kind != FM_TK_END)
    sc->tokens++;
}

static int fm_ex_fail(fm_ex_scan *sc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int fm_ex_fail(fm_ex_scan *sc, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sc->why, sizeof sc->why, fmt, ap);
  va_end(ap);
  return FM_EPARSE;
}

/* The current token, which cannot follow a complete operand here. */
static int fm_ex_unexpected(fm_ex_scan *sc)
{
  const char *tok = sc->s + sc->at;
  unsigned char c = (unsigned char)*tok;
  size_t at = sc->at + 1;
  switch (sc->kind) {
  case FM_TK_BAD:
    if (c > 0x20 && c < 0x7f)
      return fm_ex_fail(sc, "unexpected character '%c' at position %zu", c, at);
    return fm_ex_fail(sc, "unexpected byte 0x%02x at position %zu", c, at);
  case FM_TK_RPAR:
    return fm_ex_fail(sc, "unmatched ')' at position %zu", at);
  case FM_TK_LPAR:
    return fm_ex_fail(sc, "'(' at position %zu follows an operand: a product needs '*', "
                      "and only functions (exp, log, sqrt, sin, ...) take '('", at);
  case FM_TK_END:
    return fm_ex_fail(sc, "the expression ends where an operand is expected");
  default:
    return fm_ex_fail(sc, "missing operator before '%.*s' at position %zu", (int)sc->len,
                      tok, at);
  }
}

static int fm_ex_expr(fm_ex_scan *sc);

/* '(' expr ')', with the scanner on the '('. */
static int fm_ex_group(fm_ex_scan *sc)
{
  size_t open = sc->at + 1;
  if (++sc->depth > FM_LIMIT_EXPR_DEPTH)
    return fm_ex_fail(sc, "parentheses nested deeper than %d", FM_LIMIT_EXPR_DEPTH);
  fm_ex_next(sc);
  int st = fm_ex_expr(sc);
  if (st != FM_OK)
    return st;
  if (sc->kind == FM_TK_END)
    return fm_ex_fail(sc, "the '(' at position %zu is never closed", open);
  if (sc->kind != FM_TK_RPAR)
    return fm_ex_unexpected(sc);
  sc->depth--;
  fm_ex_next(sc);
  return FM_OK;
}

/* operand := {'-'} (number | name | func '(' expr ')' | '(' expr ')') */
static int fm_ex_operand(fm_ex_scan *sc)
{
  while (sc->kind == FM_TK_OP && sc->s[sc->at] == '-')
    fm_ex_next(sc);
  size_t at = sc->at, len = sc->len;
  switch (sc->kind) {
  case FM_TK_OPERAND:
    fm_ex_next(sc);
    return FM_OK;
  case FM_TK_FUNC:
    if ((sc->field == FM_EX_ALPHA || sc->field == FM_EX_SIGMA) &&
        ((len == 5 && strncmp(sc->s + at, "asinh", 5) == 0) ||
         (len == 5 && strncmp(sc->s + at, "acoth", 5) == 0)))
      return fm_ex_fail(sc, "'%.*s' at position %zu: libmatheval's derivative of it is wrong "
                        "(asinh' = 1/sqrt(1-x^2), acoth' = 1/(x^2-1)), and alpha' and sigma' "
                        "are taken from it; write asinh(x) as log(x + sqrt(x^2 + 1)) and "
                        "acoth(x) as log((x + 1)/(x - 1))/2", (int)len, sc->s + at, at + 1);
    fm_ex_next(sc);
    if (sc->kind != FM_TK_LPAR)
      return fm_ex_fail(sc, "the function '%.*s' at position %zu needs '(' after it",
                        (int)len, sc->s + at, at + 1);
    return fm_ex_group(sc);
  case FM_TK_LPAR:
    return fm_ex_group(sc);
  case FM_TK_OP:
  case FM_TK_RPAR:
    return fm_ex_fail(sc, "expected an operand at position %zu, found '%c'", at + 1,
                      sc->s[at]);
  default:
    return fm_ex_unexpected(sc);
  }
}

/* expr := operand {op operand}; a^b^c unparenthesised is refused. */
static int fm_ex_expr(fm_ex_scan *sc)
{
  int st = fm_ex_operand(sc), last_pow = 0;
  while (st == FM_OK && sc->kind == FM_TK_OP) {
    int pow = sc->s[sc->at] == '^';
    if (pow && last_pow)
      return fm_ex_fail(sc, "a^b^c at position %zu: libmatheval reads it as (a^b)^c; "
                        "write the parentheses", sc->at + 1);
    last_pow = pow;
    fm_ex_next(sc);
    st = fm_ex_operand(sc);
  }
  return st;
}

/* FM_OK if libmatheval will accept src, else FM_EPARSE with a message
 * naming the field and what is wrong where (positions are 1-based). */
static int fm_ex_syntax(const char *src, int field, fm_errmsg *e)
{
  fm_ex_scan sc = {.s = src};
  /* The length first, by a flat scan: libmatheval recurses once per node,
   * and a long enough chain overflows the stack (fm_limits.h).  The
   * expression itself is not quoted: it is too long to be read. */
  do
    fm_ex_next(&sc);
  while (sc.kind != FM_TK_END && sc.tokens <= FM_LIMIT_EXPR_TOKENS);
  if (sc.tokens > FM_LIMIT_EXPR_TOKENS)
    return fm_errmsg_set(e, FM_EPARSE,
                         "schedule expr: the %s expression is longer than %d tokens "
                         "(numbers, names, operators, parentheses), the limit that keeps "
                         "libmatheval's recursion within the stack",
                         fm_ex_field[field], FM_LIMIT_EXPR_TOKENS);
  sc = (fm_ex_scan){.s = src, .field = field};
  fm_ex_next(&sc);
  if (sc.kind == FM_TK_END)
    return fm_errmsg_set(e, FM_EPARSE, "schedule expr: the %s expression is empty",
                         fm_ex_field[field]);
  int st = fm_ex_expr(&sc);
  if (st == FM_OK && sc.kind != FM_TK_END)
    st = fm_ex_unexpected(&sc);
  if (st != FM_OK)
    return fm_errmsg_set(e, st, "schedule expr: cannot parse the %s expression \"%s\": %s",
                         fm_ex_field[field], src, sc.why);
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
  int st = fm_ex_syntax(src, field, e);
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
  if (*ev == NULL)  /* fm_ex_syntax accepted it: not expected to happen */
    return fm_errmsg_set(e, FM_EPARSE,
                         "schedule expr: libmatheval cannot parse the %s expression \"%s\"",
                         fm_ex_field[field], src);
  return fm_ex_check_vars(*ev, src, field, e);
}

static int fm_ex_derivative(void **d, void *ev, int field, fm_errmsg *e)
{
  pthread_mutex_lock(&fm_matheval_lock);
  *d = evaluator_derivative(ev, fm_name_t);
  size_t len = *d != NULL ? strlen(evaluator_get_string(*d)) : 0;
  if (len > FM_LIMIT_EXPR_DERIV_BYTES) { /* every evaluation would walk it */
    evaluator_destroy(*d);
    *d = NULL;
  }
  pthread_mutex_unlock(&fm_matheval_lock);
  if (len > FM_LIMIT_EXPR_DERIV_BYTES)
    return fm_errmsg_set(e, FM_EINVAL,
                         "schedule expr: the symbolic derivative of the %s expression is %zu "
                         "characters long, over the limit of %d (a product of many factors "
                         "grows quadratically when differentiated): write it more simply, "
                         "e.g. t^n instead of t*t*...*t", fm_ex_field[field], len,
                         FM_LIMIT_EXPR_DERIV_BYTES);
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
  static const char *const vars[] = {"t", "x", "x1"};
  for (int i = 0; i < FM_EX_N && st == FM_OK; i++)
    if (src[i] != NULL && (i == FM_EX_ALPHA || i == FM_EX_SIGMA || i == FM_EX_COND))
      st = fm_expr_mp_compile(&im->mp[i], src[i], vars, i == FM_EX_COND ? 3 : 1, e);
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

#define FM_EX_MP_PREC 128

int fm_schedule_eval_errors(double e[4], const fm_schedule *s, double t,
                            const fm_sched_val *v)
{
  if (s->type != &fm_schedule_type_expr)
    return FM_ENOTAVAIL;
  if (!fm_t_ok(t))
    return FM_EDOM;
  const fm_expr_impl *im = s->impl;
  double a, da, sg, dsg;
  int st = fm_expr_mp_eval(&a, &da, im->mp[FM_EX_ALPHA], &t, 0, FM_EX_MP_PREC);
  st = st ? st : fm_expr_mp_eval(&sg, &dsg, im->mp[FM_EX_SIGMA], &t, 0, FM_EX_MP_PREC);
  if (st != FM_OK)
    return st;
  e[0] = fabs(v->alpha - a);
  e[1] = fabs(v->sigma - sg);
  e[2] = fabs(v->dalpha - da);
  e[3] = fabs(v->dsigma - dsg);
  return FM_OK;
}

int fm_schedule_user_cond_field_error(double *err, const fm_schedule *s, double t, double x,
                                      double x1, double u)
{
  if (s->type != &fm_schedule_type_expr)
    return FM_ENOTAVAIL;
  const fm_expr_impl *im = s->impl;
  if (im->mp[FM_EX_COND] == NULL)
    return FM_ENOTAVAIL;
  if (!fm_t_ok(t) || !isfinite(x) || !isfinite(x1))
    return FM_EDOM;
  const double vars[3] = {t, x, x1};
  double ue, du;
  int st = fm_expr_mp_eval(&ue, &du, im->mp[FM_EX_COND], vars, -1, FM_EX_MP_PREC);
  if (st == FM_OK)
    *err = fabs(u - ue);
  return st;
}
