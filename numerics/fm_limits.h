/* fm_limits.h -- every size limit fmcheck puts on its inputs, in one place,
 * each with the reason for its value.  An input over a limit is refused
 * before it is read or parsed, with a message naming the file, the limit
 * and (for expressions) the JSON path; the CLI exits 2.  README.md
 * ("Limits") lists the same numbers for users.
 *
 * Why limits at all: libmatheval recurses once per node of an expression
 * tree (parser, node_simplify, node_derivative), so an expression that is
 * long enough overflows the stack and kills the process; and a file read
 * "to the end" never ends on /dev/zero or a FIFO, or takes all memory on a
 * multi-gigabyte file, before anything could say it is wrong.
 */
#ifndef FM_LIMITS_H
#define FM_LIMITS_H

#include <stdint.h>

/* Tokens (numbers, names, functions, operators, parentheses) in one expr
 * schedule expression.  Checked in the 1024-token test inputs of
 * tests/test_fuzz_regress.c: chains of +, -, *, / and ^ of 512 terms in
 * alpha and in cond_field, and a 1023-token unary chain, load without
 * overflowing the stack (libmatheval's recursion depth is at most the
 * token count).  Far above any real schedule: the longest built-in
 * expression (bimodal1d-expr's cond_field) has 64.  Far below what crashes
 * libmatheval 1.1.11 on an 8 MiB stack: a unary chain "-...-t" at about
 * 10,000 tokens, a sum "t+...+t" at about 210,000 (evaluator_derivative;
 * about 350,000 in evaluator_create alone).  Also bounds the cost of the
 * symbolic derivative, which is quadratic for a product chain: at this cap
 * "t*t*...*t" (512 factors) takes 0.1 s and 49 MB; at 4096 tokens it would
 * take 0.5 s and 194 MB per expression. */
#define FM_LIMIT_EXPR_TOKENS 1024

/* The printed form of libmatheval's symbolic derivative of alpha or sigma
 * (each evaluation walks the whole tree).  A product chain grows
 * quadratically when differentiated: t*t*...*t of 64 factors (253
 * characters) has a 8,313-character derivative, and `fmcheck check
 * --theorem schedule` took 10 s on it (36 s at 128 factors, 120 s at 256;
 * 39 s for every theorem at 64), against 0.2 s for bimodal1d-expr.  Real
 * schedules stay far below: "(sin(t)*cos(t)*exp(t)*log(t+1)*sqrt(t+2)*
 * tanh(t))^2/(1+t^2+t^3+t^4)" differentiates to 510 characters. */
#define FM_LIMIT_EXPR_DERIV_BYTES 8192

/* Parenthesis (and function-call) nesting in one expression: libmatheval
 * recurses on it too; 100 levels is more than any formula written by hand. */
#define FM_LIMIT_EXPR_DEPTH 100

/* A mixture of K components in dimension d (cases/case.c).  Covariances
 * and their Cholesky factors are stored full, so a case takes K d^2
 * doubles per array, and every evaluation of p_t, its score or its field
 * at a new (t, x) refactors each component: about K d^3 / 3 flops.  An
 * isotropic "var" costs a few bytes of JSON per component whatever d is,
 * so the file size does not bound either.  Measured with `fmcheck field`
 * on 3 points (2 cores shared, -O2, gcc 12), K d^3 = 2^32 (d = 1024,
 * K = 4): 11.9 s and 158 MB; d = 512, K = 16 (2^31): 4.7 s, 145 MB; the
 * case refused before (d = 1024, K = 64, 2^36) took 153 s and 2.1 GB.
 * About 0.6 s per 1e9 K d^3 per point. */
#define FM_LIMIT_DIM 1024
/* Components, whatever the dimension: every evaluation visits each, at
 * about 0.8 us per component in d = 1 (K = 10^4: `field` 8 ms per point,
 * `check --theorem marginal-field` 115 s; K = 10^5 loads in 1.4 s), and the
 * 16 MiB case file would otherwise admit ~480,000. */
#define FM_LIMIT_COMPONENTS 4096
#define FM_LIMIT_COV_ENTRIES ((double)((uint64_t)1 << 24)) /* K d^2: 128 MiB per array */
#define FM_LIMIT_CASE_WORK ((double)((uint64_t)1 << 32))   /* K d^3 */

/* Points x K (d^3 + 1024) for the commands that evaluate the exact field
 * at every row (field, compare-field): the per-component cost is about
 * 0.6 ns (d^3 + 1400) per point (0.8 us at d = 1, 0.6 s at d = 1024), so
 * 2^41 is about 20 to 30 minutes. */
#define FM_LIMIT_POINTS_WORK ((double)((uint64_t)1 << 41))

/* A case file (JSON), also a validate-schedule input.  The largest built-in
 * case is a few KB; 16 MiB holds e.g. a 64-dimensional mixture of 64
 * full-covariance components (5 MB of numbers) with room to spare.  Cost at
 * the limit, jansson's tree included: 0.5 s and 56 MB for 16 MiB of
 * full-precision numbers; 2.5 s and 770 MB for the worst filler found
 * ("[],[],..."), bounded either way. */
#define FM_LIMIT_CASE_BYTES ((uint64_t)16 << 20)

/* A `table` schedule's CSV file: about 270,000 rows of "t,alpha,sigma" at
 * full precision, far more than a cubic spline of a schedule needs. */
#define FM_LIMIT_TABLE_BYTES ((uint64_t)16 << 20)

/* Rows of a table given inline in a case file ("rows"): as many as the
 * CSV limit holds; the case file's own size limit bounds them first. */
#define FM_LIMIT_TABLE_ROWS 270000

/* A model file.  Its header declares its length and that is checked first
 * (model_file.h); this cap only bounds what a header may declare: 2^36 bytes
 * would be about 2.8e9 parameters (theta plus Adam's m and v, 8 bytes
 * each), far beyond an MLP trained on the CPU. */
#define FM_LIMIT_MODEL_BYTES ((uint64_t)1 << 36)

/* A points, field or samples CSV file (fmcheck field, loglik,
 * compare-field, compare-samples): at ~20 bytes per number, 4 GiB is about
 * 2e8 numbers, 1.6 GB once parsed -- large runs are welcome, an endless or
 * mistaken file is not. */
#define FM_LIMIT_POINTS_BYTES ((uint64_t)4 << 30)

#endif
