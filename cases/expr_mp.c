/* expr_mp.c -- a user's expression in MPFR with its derivative
 * (expr_mp.h). */
#include "expr_mp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FM_XM_MAXVARS 4

/* Instructions of the postfix program. */
enum {
  FM_XM_NUM, FM_XM_CONST, FM_XM_VAR, FM_XM_NEG, FM_XM_ADD, FM_XM_SUB, FM_XM_MUL, FM_XM_DIV,
  FM_XM_POW, FM_XM_FUNC, FM_XM_LPAR /* only on the operator stack */
};

/* The functions, in the order of their names (schedule_expr.c's list). */
enum {
  FX_EXP, FX_LOG, FX_SQRT, FX_SIN, FX_COS, FX_TAN, FX_COT, FX_SEC, FX_CSC, FX_ASIN,
  FX_ACOS, FX_ATAN, FX_ACOT, FX_ASEC, FX_ACSC, FX_SINH, FX_COSH, FX_TANH, FX_COTH,
  FX_SECH, FX_CSCH, FX_ASINH, FX_ACOSH, FX_ATANH, FX_ACOTH, FX_ASECH, FX_ACSCH, FX_ABS,
  FX_STEP, FX_DELTA, FX_NANDELTA, FX_ERF, FX_N
};

static const char *const fm_xm_funcs[FX_N] = {
    "exp",  "log",  "sqrt", "sin",   "cos",   "tan",   "cot",   "sec",   "csc",
    "asin", "acos", "atan", "acot",  "asec",  "acsc",  "sinh",  "cosh",  "tanh",
    "coth", "sech", "csch", "asinh", "acosh", "atanh", "acoth", "asech", "acsch",
    "abs",  "step", "delta", "nandelta", "erf"};

enum {
  FC_E, FC_LOG2E, FC_LOG10E, FC_LN2, FC_LN10, FC_PI, FC_PI_2, FC_PI_4, FC_1_PI, FC_2_PI,
  FC_2_SQRTPI, FC_SQRT2, FC_SQRT1_2, FC_N
};

static const char *const fm_xm_consts[FC_N] = {
    "e", "log2e", "log10e", "ln2", "ln10", "pi", "pi_2", "pi_4", "1_pi", "2_pi",
    "2_sqrtpi", "sqrt2", "sqrt1_2"};

typedef struct {
  int op, arg;        /* arg: function, constant or variable index */
  size_t at, len;     /* NUM: the number's text in src */
} fm_xm_ins;

struct fm_expr_mp {
  char *src;
  fm_xm_ins *code;
  size_t n, depth;    /* instructions; the evaluation stack's maximum depth */
};

/* ---- compiling: shunting-yard ---- */

static int fm_xm_prec(int op)
{
  switch (op) {
  case FM_XM_ADD: case FM_XM_SUB: return 1;
  case FM_XM_MUL: case FM_XM_DIV: return 2;
  case FM_XM_NEG: return 3;
  case FM_XM_POW: return 4;
  default: return 0;  /* '(' and functions: never popped by an operator */
  }
}

static int fm_xm_lookup(const char *const *list, int n, const char *s, size_t len)
{
  for (int i = 0; i < n; i++)
    if (strlen(list[i]) == len && strncmp(list[i], s, len) == 0)
      return i;
  return -1;
}

static int fm_xm_is_digit(char c)
{
  return c >= '0' && c <= '9';
}

static int fm_xm_is_name(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || fm_xm_is_digit(c);
}

/* Length of the number at s (schedule_expr.c's number rule). */
static size_t fm_xm_number_len(const char *s)
{
  size_t n = 0;
  while (fm_xm_is_digit(s[n]))
    n++;
  if (s[n] == '.')
    for (n++; fm_xm_is_digit(s[n]);)
      n++;
  if (n > 0 && (s[n] == 'e' || s[n] == 'E')) {
    size_t k = n + 1 + (s[n + 1] == '+' || s[n + 1] == '-');
    if (fm_xm_is_digit(s[k])) {
      while (fm_xm_is_digit(s[k]))
        k++;
      n = k;
    }
  }
  return n;
}

/* Constants whose names start with a digit, taken before the number rule
 * (as libmatheval's scanner does): their length at s, else 0. */
static size_t fm_xm_digit_const(const char *s)
{
  static const char *const names[] = {"2_sqrtpi", "1_pi", "2_pi"};
  for (int i = 0; i < 3; i++)
    if (strncmp(s, names[i], strlen(names[i])) == 0)
      return strlen(names[i]);
  return 0;
}

typedef struct {
  fm_expr_mp *p;
  fm_xm_ins *ops;
  size_t nops, depth;
  const char *const *names;
  size_t nvars;
} fm_xm_build;

static void fm_xm_emit(fm_xm_build *b, fm_xm_ins ins)
{
  int arity = ins.op <= FM_XM_VAR ? 0 : (ins.op == FM_XM_NEG || ins.op == FM_XM_FUNC ? 1 : 2);
  b->depth = b->depth + 1 - (size_t)arity;
  if (b->depth > b->p->depth)
    b->p->depth = b->depth;
  b->p->code[b->p->n++] = ins;
}

/* Pop operators of higher precedence (or equal: all are left-associative)
 * than op; unary minus is a prefix operator and pops nothing. */
static void fm_xm_binary(fm_xm_build *b, int op)
{
  while (b->nops > 0 && fm_xm_prec(b->ops[b->nops - 1].op) >= fm_xm_prec(op))
    fm_xm_emit(b, b->ops[--b->nops]);
  b->ops[b->nops++] = (fm_xm_ins){op, 0, 0, 0};
}

/* ')' : pop to the '(' and emit the function that owns it, if any. */
static int fm_xm_close(fm_xm_build *b)
{
  while (b->nops > 0 && b->ops[b->nops - 1].op != FM_XM_LPAR)
    fm_xm_emit(b, b->ops[--b->nops]);
  if (b->nops == 0)
    return FM_EPARSE;
  b->nops--;
  if (b->nops > 0 && b->ops[b->nops - 1].op == FM_XM_FUNC)
    fm_xm_emit(b, b->ops[--b->nops]);
  return FM_OK;
}

/* An operand name at s[0..len): a variable or a constant. */
static int fm_xm_name(fm_xm_build *b, const char *s, size_t len)
{
  for (size_t i = 0; i < b->nvars; i++)
    if (strlen(b->names[i]) == len && strncmp(b->names[i], s, len) == 0) {
      fm_xm_emit(b, (fm_xm_ins){FM_XM_VAR, (int)i, 0, 0});
      return FM_OK;
    }
  int c = fm_xm_lookup(fm_xm_consts, FC_N, s, len);
  if (c < 0)
    return FM_EPARSE;
  fm_xm_emit(b, (fm_xm_ins){FM_XM_CONST, c, 0, 0});
  return FM_OK;
}

/* One token at src + *pos; *operand says whether an operand is expected
 * (so '-' is unary). */
static int fm_xm_token(fm_xm_build *b, const char *src, size_t *pos, int *operand)
{
  const char *s = src + *pos;
  size_t n = 1;
  int st = FM_OK;
  if (*operand && *s == '-') {
    b->ops[b->nops++] = (fm_xm_ins){FM_XM_NEG, 0, 0, 0};
  } else if (*s == '(') {
    b->ops[b->nops++] = (fm_xm_ins){FM_XM_LPAR, 0, 0, 0};
  } else if (*s == ')') {
    st = fm_xm_close(b);
    *operand = 0;
  } else if (strchr("+-*/^", *s) != NULL) {
    static const char ops[] = "+-*/^";
    static const int code[] = {FM_XM_ADD, FM_XM_SUB, FM_XM_MUL, FM_XM_DIV, FM_XM_POW};
    fm_xm_binary(b, code[strchr(ops, *s) - ops]);
    *operand = 1;
  } else if ((n = fm_xm_digit_const(s)) > 0) {
    st = fm_xm_name(b, s, n);
    *operand = 0;
  } else if (fm_xm_is_digit(*s) || *s == '.') {
    n = fm_xm_number_len(s);
    fm_xm_emit(b, (fm_xm_ins){FM_XM_NUM, 0, *pos, n});
    *operand = 0;
  } else {
    for (n = 1; fm_xm_is_name(s[n]);)
      n++;
    int f = fm_xm_lookup(fm_xm_funcs, FX_N, s, n);
    if (f >= 0) {
      b->ops[b->nops++] = (fm_xm_ins){FM_XM_FUNC, f, 0, 0};
    } else {
      st = fm_xm_name(b, s, n);
      *operand = 0;
    }
  }
  *pos += n == 0 ? 1 : n;
  return st;
}

static int fm_xm_compile(fm_xm_build *b, const char *src)
{
  size_t pos = 0;
  int operand = 1, st = FM_OK;
  while (st == FM_OK && src[pos] != '\0') {
    if (src[pos] == ' ' || src[pos] == '\t') {
      pos++;
      continue;
    }
    st = fm_xm_token(b, src, &pos, &operand);
  }
  while (st == FM_OK && b->nops > 0) {
    fm_xm_ins op = b->ops[--b->nops];
    if (op.op == FM_XM_LPAR)
      return FM_EPARSE;
    fm_xm_emit(b, op);
  }
  return st == FM_OK && b->depth == 1 ? FM_OK : FM_EPARSE;
}

int fm_expr_mp_compile(fm_expr_mp **p, const char *src, const char *const *names,
                       size_t nvars, fm_errmsg *e)
{
  *p = NULL;
  size_t len = strlen(src);
  fm_expr_mp *q = calloc(1, sizeof *q);
  fm_xm_build b = {.p = q, .names = names, .nvars = nvars};
  if (q != NULL) {
    q->src = malloc(len + 1);
    q->code = malloc((len + 1) * sizeof *q->code);  /* at most one instruction a character */
    b.ops = malloc((len + 1) * sizeof *b.ops);
  }
  if (q == NULL || q->src == NULL || q->code == NULL || b.ops == NULL || nvars > FM_XM_MAXVARS) {
    free(b.ops);
    fm_expr_mp_free(q);
    return fm_errmsg_set(e, nvars > FM_XM_MAXVARS ? FM_EINVAL : FM_ENOMEM,
                         "expression \"%.60s\": cannot compile its MPFR form", src);
  }
  memcpy(q->src, src, len + 1);
  int st = fm_xm_compile(&b, src);
  free(b.ops);
  if (st != FM_OK) {
    fm_expr_mp_free(q);
    return fm_errmsg_set(e, st, "expression \"%.60s\": cannot compile its MPFR form", src);
  }
  *p = q;
  return FM_OK;
}

void fm_expr_mp_free(fm_expr_mp *p)
{
  if (p == NULL)
    return;
  free(p->src);
  free(p->code);
  free(p);
}

/* ---- evaluating: (value, derivative) pairs on a stack ---- */

typedef struct {
  mpfr_t *v, *d;       /* the stack */
  mpfr_t w1, w2;       /* scratch */
  mpfr_t scale;        /* the largest |intermediate value| seen */
  size_t n;
} fm_xm_stack;

/* w1 = 1 / sqrt(s (1 - u^2)) for s = +1, or 1 / sqrt(u^2 - 1) for s = -1,
 * times sign; w2 is overwritten. */
static void fm_xm_rsqrt1(mpfr_t w1, mpfr_t w2, const mpfr_t u, int s, int sign)
{
  mpfr_sqr(w2, u, MPFR_RNDN);
  if (s > 0)
    mpfr_ui_sub(w2, 1, w2, MPFR_RNDN);
  else
    mpfr_sub_ui(w2, w2, 1, MPFR_RNDN);
  mpfr_rec_sqrt(w1, w2, MPFR_RNDN);
  if (sign < 0)
    mpfr_neg(w1, w1, MPFR_RNDN);
}

/* v <- 1/v (the inverse functions of 1/u). */
static void fm_xm_recip(mpfr_t v)
{
  mpfr_ui_div(v, 1, v, MPFR_RNDN);
}

/* Inverse trigonometric and hyperbolic functions: the value into v (u is
 * v on entry), the factor f'(u) into w1. */
static void fm_xm_inverse(int f, mpfr_t v, mpfr_t w1, mpfr_t w2)
{
  mpfr_t u;
  mpfr_init2(u, mpfr_get_prec(v));
  mpfr_set(u, v, MPFR_RNDN);
  int neg = mpfr_sgn(u) < 0 ? -1 : 1;
  switch (f) {
  case FX_ASIN: fm_xm_rsqrt1(w1, w2, u, 1, 1); mpfr_asin(v, u, MPFR_RNDN); break;
  case FX_ACOS: fm_xm_rsqrt1(w1, w2, u, 1, -1); mpfr_acos(v, u, MPFR_RNDN); break;
  case FX_ASINH: mpfr_sqr(w2, u, MPFR_RNDN); mpfr_add_ui(w2, w2, 1, MPFR_RNDN);
    mpfr_rec_sqrt(w1, w2, MPFR_RNDN); mpfr_asinh(v, u, MPFR_RNDN); break;
  case FX_ACOSH: fm_xm_rsqrt1(w1, w2, u, -1, 1); mpfr_acosh(v, u, MPFR_RNDN); break;
  case FX_ATAN: case FX_ACOT: /* atan(u), atan(1/u): +-1/(1 + u^2) */
    mpfr_sqr(w2, u, MPFR_RNDN); mpfr_add_ui(w2, w2, 1, MPFR_RNDN);
    mpfr_ui_div(w1, 1, w2, MPFR_RNDN);
    if (f == FX_ACOT) { mpfr_neg(w1, w1, MPFR_RNDN); fm_xm_recip(v); }
    mpfr_atan(v, v, MPFR_RNDN); break;
  case FX_ATANH: case FX_ACOTH: /* atanh(u), atanh(1/u): 1/(1 - u^2) */
    mpfr_sqr(w2, u, MPFR_RNDN); mpfr_ui_sub(w2, 1, w2, MPFR_RNDN);
    mpfr_ui_div(w1, 1, w2, MPFR_RNDN);
    if (f == FX_ACOTH) fm_xm_recip(v);
    mpfr_atanh(v, v, MPFR_RNDN); break;
  case FX_ASEC: case FX_ACSC: /* acos(1/u), asin(1/u): +-1/(|u| sqrt(u^2 - 1)) */
    fm_xm_rsqrt1(w1, w2, u, -1, f == FX_ASEC ? 1 : -1);
    mpfr_div(w1, w1, u, MPFR_RNDN); mpfr_abs(w1, w1, MPFR_RNDN);
    if (f == FX_ACSC) mpfr_neg(w1, w1, MPFR_RNDN);
    fm_xm_recip(v);
    if (f == FX_ASEC) mpfr_acos(v, v, MPFR_RNDN); else mpfr_asin(v, v, MPFR_RNDN);
    break;
  case FX_ASECH: /* acosh(1/u) = log((1 + sqrt(1 - u^2))/u): -1/(u sqrt(1 - u^2)) */
    fm_xm_rsqrt1(w1, w2, u, 1, -1); mpfr_div(w1, w1, u, MPFR_RNDN);
    fm_xm_recip(v); mpfr_acosh(v, v, MPFR_RNDN); break;
  default: /* FX_ACSCH = log((1 + sqrt(1 + u^2))/u): NaN for u < 0 as there */
    mpfr_sqr(w2, u, MPFR_RNDN); mpfr_add_ui(w2, w2, 1, MPFR_RNDN);
    mpfr_rec_sqrt(w1, w2, MPFR_RNDN); mpfr_div(w1, w1, u, MPFR_RNDN);
    mpfr_neg(w1, w1, MPFR_RNDN);
    if (neg < 0) mpfr_set_nan(v); else { fm_xm_recip(v); mpfr_asinh(v, v, MPFR_RNDN); }
    break;
  }
  mpfr_clear(u);
}

/* Direct functions: the value into v (u is v on entry), f'(u) into w1. */
static void fm_xm_direct(int f, mpfr_t v, mpfr_t w1, mpfr_t w2)
{
  const mpfr_rnd_t r = MPFR_RNDN;
  switch (f) {
  case FX_EXP: mpfr_exp(v, v, r); mpfr_set(w1, v, r); break;
  case FX_LOG: mpfr_ui_div(w1, 1, v, r); mpfr_log(v, v, r); break;
  case FX_SQRT: mpfr_sqrt(v, v, r); mpfr_mul_2ui(w1, v, 1, r); mpfr_ui_div(w1, 1, w1, r); break;
  case FX_SIN: mpfr_cos(w1, v, r); mpfr_sin(v, v, r); break;
  case FX_COS: mpfr_sin(w1, v, r); mpfr_neg(w1, w1, r); mpfr_cos(v, v, r); break;
  case FX_TAN: case FX_TANH: case FX_COT: case FX_COTH:
    if (f == FX_TAN) mpfr_tan(v, v, r); else if (f == FX_TANH) mpfr_tanh(v, v, r);
    else if (f == FX_COT) mpfr_cot(v, v, r); else mpfr_coth(v, v, r);
    mpfr_sqr(w1, v, r); /* tan: 1 + v^2; tanh, coth: 1 - v^2; cot: -(1 + v^2) */
    if (f == FX_TAN || f == FX_COT) mpfr_add_ui(w1, w1, 1, r); else mpfr_ui_sub(w1, 1, w1, r);
    if (f == FX_COT) mpfr_neg(w1, w1, r);
    break;
  case FX_SEC: mpfr_tan(w2, v, r); mpfr_sec(v, v, r); mpfr_mul(w1, v, w2, r); break;
  case FX_CSC: mpfr_cot(w2, v, r); mpfr_csc(v, v, r); mpfr_mul(w1, v, w2, r);
    mpfr_neg(w1, w1, r); break;
  case FX_SINH: mpfr_cosh(w1, v, r); mpfr_sinh(v, v, r); break;
  case FX_COSH: mpfr_sinh(w1, v, r); mpfr_cosh(v, v, r); break;
  case FX_SECH: mpfr_tanh(w2, v, r); mpfr_sech(v, v, r); mpfr_mul(w1, v, w2, r);
    mpfr_neg(w1, w1, r); break;
  case FX_CSCH: mpfr_coth(w2, v, r); mpfr_csch(v, v, r); mpfr_mul(w1, v, w2, r);
    mpfr_neg(w1, w1, r); break;
  case FX_ABS: mpfr_set_si(w1, mpfr_sgn(v), r); mpfr_abs(v, v, r); break;
  case FX_ERF: mpfr_sqr(w1, v, r); mpfr_neg(w1, w1, r); mpfr_exp(w1, w1, r);
    mpfr_const_pi(w2, r); mpfr_rec_sqrt(w2, w2, r); mpfr_mul(w1, w1, w2, r);
    mpfr_mul_2ui(w1, w1, 1, r); mpfr_erf(v, v, r); break;
  default: { /* step, delta, nandelta: piecewise constant */
    int zero = mpfr_zero_p(v), neg = mpfr_sgn(v) < 0;
    mpfr_set_zero(w1, 1);
    if (f == FX_STEP) mpfr_set_ui(v, neg ? 0 : 1, r);
    else if (!zero) mpfr_set_zero(v, 1);
    else if (f == FX_DELTA) mpfr_set_inf(v, 1);
    else mpfr_set_nan(v);
  }
  }
}

static int fm_xm_is_inverse(int f)
{
  return (f >= FX_ASIN && f <= FX_ACSC) || (f >= FX_ASINH && f <= FX_ACSCH);
}

/* (v, d) <- (f(v), f'(v) d); a zero d stays zero (a constant argument). */
static void fm_xm_apply(fm_xm_stack *k, size_t i, int f)
{
  if (fm_xm_is_inverse(f))
    fm_xm_inverse(f, k->v[i], k->w1, k->w2);
  else
    fm_xm_direct(f, k->v[i], k->w1, k->w2);
  if (!mpfr_zero_p(k->d[i]))
    mpfr_mul(k->d[i], k->d[i], k->w1, MPFR_RNDN);
}

/* a^b with a = (v[i], d[i]), b = (v[i+1], d[i+1]) into i. */
static void fm_xm_pow(fm_xm_stack *k, size_t i)
{
  const mpfr_rnd_t r = MPFR_RNDN;
  mpfr_t *v = k->v + i, *d = k->d + i;
  if (mpfr_zero_p(d[1])) {        /* b constant: b a^(b-1) a' */
    if (!mpfr_zero_p(d[0])) {
      mpfr_sub_ui(k->w1, v[1], 1, r);
      mpfr_pow(k->w1, v[0], k->w1, r);
      mpfr_mul(k->w1, k->w1, v[1], r);
      mpfr_mul(d[0], d[0], k->w1, r);
    }
    mpfr_pow(v[0], v[0], v[1], r);
    return;
  }
  /* a^b (b' log a + b a'/a) */
  mpfr_log(k->w1, v[0], r);
  mpfr_mul(k->w1, k->w1, d[1], r);
  mpfr_div(k->w2, d[0], v[0], r);
  mpfr_mul(k->w2, k->w2, v[1], r);
  mpfr_add(k->w1, k->w1, k->w2, r);
  mpfr_pow(v[0], v[0], v[1], r);
  mpfr_mul(d[0], k->w1, v[0], r);
}

/* Binary operator op on entries i, i+1 into i. */
static void fm_xm_binop(fm_xm_stack *k, size_t i, int op)
{
  const mpfr_rnd_t r = MPFR_RNDN;
  mpfr_t *v = k->v + i, *d = k->d + i;
  switch (op) {
  case FM_XM_ADD: mpfr_add(v[0], v[0], v[1], r); mpfr_add(d[0], d[0], d[1], r); break;
  case FM_XM_SUB: mpfr_sub(v[0], v[0], v[1], r); mpfr_sub(d[0], d[0], d[1], r); break;
  case FM_XM_MUL: /* a' b + a b' */
    mpfr_mul(d[0], d[0], v[1], r);
    mpfr_mul(k->w1, v[0], d[1], r);
    mpfr_add(d[0], d[0], k->w1, r);
    mpfr_mul(v[0], v[0], v[1], r);
    break;
  case FM_XM_DIV: /* (a' - (a/b) b') / b */
    mpfr_div(v[0], v[0], v[1], r);
    mpfr_mul(k->w1, v[0], d[1], r);
    mpfr_sub(d[0], d[0], k->w1, r);
    mpfr_div(d[0], d[0], v[1], r);
    break;
  default: fm_xm_pow(k, i); break;
  }
}

static void fm_xm_const(mpfr_t v, int c)
{
  const mpfr_rnd_t r = MPFR_RNDN;
  switch (c) {
  case FC_E: mpfr_set_ui(v, 1, r); mpfr_exp(v, v, r); break;
  case FC_LOG2E: mpfr_const_log2(v, r); mpfr_ui_div(v, 1, v, r); break;
  case FC_LOG10E: mpfr_set_ui(v, 10, r); mpfr_log(v, v, r); mpfr_ui_div(v, 1, v, r); break;
  case FC_LN2: mpfr_const_log2(v, r); break;
  case FC_LN10: mpfr_set_ui(v, 10, r); mpfr_log(v, v, r); break;
  case FC_PI: mpfr_const_pi(v, r); break;
  case FC_PI_2: mpfr_const_pi(v, r); mpfr_div_2ui(v, v, 1, r); break;
  case FC_PI_4: mpfr_const_pi(v, r); mpfr_div_2ui(v, v, 2, r); break;
  case FC_1_PI: mpfr_const_pi(v, r); mpfr_ui_div(v, 1, v, r); break;
  case FC_2_PI: mpfr_const_pi(v, r); mpfr_ui_div(v, 2, v, r); break;
  case FC_2_SQRTPI: mpfr_const_pi(v, r); mpfr_rec_sqrt(v, v, r); mpfr_mul_2ui(v, v, 1, r); break;
  case FC_SQRT2: mpfr_sqrt_ui(v, 2, r); break;
  default: mpfr_sqrt_ui(v, 2, r); mpfr_div_2ui(v, v, 1, r); break;
  }
}

/* Push one operand (number, constant, variable) onto entry i. */
static void fm_xm_push(fm_xm_stack *k, size_t i, const fm_expr_mp *p, const fm_xm_ins *in,
                       const double *vars, int dvar)
{
  mpfr_set_zero(k->d[i], 1);
  if (in->op == FM_XM_VAR) {
    mpfr_set_d(k->v[i], vars[in->arg], MPFR_RNDN);
    if (in->arg == dvar)
      mpfr_set_ui(k->d[i], 1, MPFR_RNDN);
  } else if (in->op == FM_XM_CONST) {
    fm_xm_const(k->v[i], in->arg);
  } else {
    char buf[128];
    size_t n = in->len < sizeof buf - 1 ? in->len : sizeof buf - 1;
    memcpy(buf, p->src + in->at, n);
    buf[n] = '\0';
    mpfr_strtofr(k->v[i], buf, NULL, 10, MPFR_RNDN);
  }
}

/* Run the program at the stack's precision; the result in v[0], d[0]. */
static void fm_xm_run(fm_xm_stack *k, const fm_expr_mp *p, const double *vars, int dvar)
{
  size_t top = 0;
  mpfr_set_zero(k->scale, 1);
  for (size_t j = 0; j < p->n; j++) {
    const fm_xm_ins *in = p->code + j;
    if (in->op <= FM_XM_VAR) {
      fm_xm_push(k, top++, p, in, vars, dvar);
    } else if (in->op == FM_XM_NEG) {
      mpfr_neg(k->v[top - 1], k->v[top - 1], MPFR_RNDN);
      mpfr_neg(k->d[top - 1], k->d[top - 1], MPFR_RNDN);
    } else if (in->op == FM_XM_FUNC) {
      fm_xm_apply(k, top - 1, in->arg);
    } else {
      top--;
      fm_xm_binop(k, top - 1, in->op);
    }
    if (mpfr_number_p(k->v[top - 1]) && mpfr_cmpabs(k->v[top - 1], k->scale) > 0)
      mpfr_abs(k->scale, k->v[top - 1], MPFR_RNDN);
  }
}

static int fm_xm_stack_init(fm_xm_stack *k, size_t n, mpfr_prec_t prec)
{
  k->n = n;
  k->v = malloc(n * sizeof *k->v);
  k->d = malloc(n * sizeof *k->d);
  if (k->v == NULL || k->d == NULL) {
    free(k->v);
    free(k->d);
    return FM_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    mpfr_init2(k->v[i], prec);
    mpfr_init2(k->d[i], prec);
  }
  mpfr_inits2(prec, k->w1, k->w2, k->scale, (mpfr_ptr)0);
  return FM_OK;
}

static void fm_xm_stack_clear(fm_xm_stack *k)
{
  for (size_t i = 0; i < k->n; i++) {
    mpfr_clear(k->v[i]);
    mpfr_clear(k->d[i]);
  }
  mpfr_clears(k->w1, k->w2, k->scale, (mpfr_ptr)0);
  free(k->v);
  free(k->d);
}

/* One run at prec bits: the value and derivative as doubles (correctly
 * rounded from the prec-bit results) and the absolute scale of the run's
 * rounding, 2^(8 - prec) times its largest intermediate. */
static int fm_xm_once(double r[3], const fm_expr_mp *p, const double *vars, int dvar,
                      mpfr_prec_t prec)
{
  fm_xm_stack k;
  if (fm_xm_stack_init(&k, p->depth, prec) != FM_OK)
    return FM_ENOMEM;
  fm_xm_run(&k, p, vars, dvar);
  r[0] = mpfr_get_d(k.v[0], MPFR_RNDN);
  r[1] = mpfr_get_d(k.d[0], MPFR_RNDN);
  r[2] = ldexp(mpfr_get_d(k.scale, MPFR_RNDU), 8 - (int)prec);
  fm_xm_stack_clear(&k);
  return isfinite(r[0]) && isfinite(r[1]) ? FM_OK : FM_ENONFIN;
}

/* Two runs agree: each number within 2^-60 of itself, or within the
 * lower-precision run's rounding scale. */
static int fm_xm_agree(const double a[3], const double b[3])
{
  for (int i = 0; i < 2; i++) {
    double diff = fabs(a[i] - b[i]);
    if (!(diff <= 0x1p-60 * fabs(b[i]) || diff <= a[2]))
      return 0;
  }
  return 1;
}

int fm_expr_mp_eval(double *f, double *df, const fm_expr_mp *p, const double *vars,
                    int dvar, mpfr_prec_t prec)
{
  double lo[3], hi[3];
  int st = fm_xm_once(lo, p, vars, dvar, prec);
  for (int level = 0; st == FM_OK && level < 3; level++) {
    prec *= 2;
    st = fm_xm_once(hi, p, vars, dvar, prec);
    if (st == FM_OK && fm_xm_agree(lo, hi)) {
      *f = hi[0];
      *df = hi[1];
      return FM_OK;
    }
    memcpy(lo, hi, sizeof lo);
  }
  return st == FM_OK ? FM_ECONV : st;
}
