/* expr_mp.h -- a user's expression (the `expr` schedule's alpha, sigma,
 * cond_field) evaluated exactly enough: the same function as libmatheval's
 * double evaluation, in MPFR, with its derivative in one variable by
 * forward-mode differentiation of the same tree.
 *
 * Why: libmatheval evaluates in double, operation by operation, and a
 * user's formula can cancel (sigma = sqrt(1 - exp(-T)) near t = 1 loses
 * log2(1/T) bits: at 1 - t = 4e-11 its double value is off by a relative
 * 5e-6).  A check whose tolerance uses the user's values must know that
 * error at the point it evaluates; estimating it from the scatter of nearby
 * values fails where the rounding is a staircase in t (a constant offset
 * shows no scatter).  This evaluator gives the value itself, so the error of
 * the double value is measured, not estimated.
 *
 * Grammar: libmatheval's (1.1.11, lib/parser.y), which schedule_expr.c's
 * syntax check admits: numbers, the variables given at compile time, the
 * constants e log2e log10e ln2 ln10 pi pi_2 pi_4 1_pi 2_pi 2_sqrtpi sqrt2
 * sqrt1_2, the functions of schedule_expr.c's list, binary + - * / ^ and
 * unary -, with libmatheval's precedences: + - lowest, then * /, then unary
 * minus, then ^ (so -t^2 = -(t^2), 2^-t^2 = 2^(-(t^2)), 8/t/2 = (8/t)/2;
 * all left-associative).  The derived functions are those of libmatheval's
 * xmath.c (cot = 1/tan, asec(x) = acos(1/x), acoth(x) = atanh(1/x), ...);
 * step(x) = 1 for x >= 0 else 0; delta(x) = inf at 0 else 0; nandelta(x) =
 * NaN at 0 else 0.  Numbers are read exactly (the decimal the user wrote),
 * not through atof.
 *
 * The compiled form is a postfix program, built by a shunting-yard pass and
 * run on an explicit stack: neither compiling nor evaluating recurses, so
 * no expression length can exhaust the C stack. */
#ifndef FM_EXPR_MP_H
#define FM_EXPR_MP_H

#include <mpfr.h>
#include <stddef.h>

#include "fm_status.h"

typedef struct fm_expr_mp fm_expr_mp;

/* Compile src over the variables names[0..nvars-1] (nvars <= 4).  src must
 * already have passed schedule_expr.c's syntax check; FM_EPARSE otherwise
 * (with a message in e), FM_ENOMEM. */
int fm_expr_mp_compile(fm_expr_mp **p, const char *src, const char *const *names,
                       size_t nvars, fm_errmsg *e);

void fm_expr_mp_free(fm_expr_mp *p);

/* f and df/dvars[dvar] at the point vars (doubles, exact in MPFR), computed
 * at prec bits and again at 2 prec bits, raised up to 4 prec bits until the
 * two agree to 2^-(prec/2) relative (or absolutely, for values below 2^-(prec/2)
 * of the largest intermediate): then *f and *df are the exact values to
 * within a relative 2^-(prec/2).  dvar < 0: no derivative (*df = 0).
 * FM_ENONFIN where the function or its derivative is not finite there
 * (log of a negative, 1/0, ...), FM_ECONV when the precisions never agree,
 * FM_ENOMEM. */
int fm_expr_mp_eval(double *f, double *df, const fm_expr_mp *p, const double *vars,
                    int dvar, mpfr_prec_t prec);

#endif
