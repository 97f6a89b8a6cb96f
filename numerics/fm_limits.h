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
 * schedule expression.  Far above any real schedule: the longest built-in
 * expression (bimodal1d-expr's cond_field) has 64.  Far below what crashes
 * libmatheval 1.1.11 on an 8 MiB stack: a unary chain "-...-t" at about
 * 10,000 tokens, a sum "t+...+t" at about 210,000 (evaluator_derivative;
 * about 350,000 in evaluator_create alone).  Also bounds the cost of the
 * symbolic derivative, which is quadratic for a product chain: at this cap
 * "t*t*...*t" (512 factors) takes 0.1 s and 49 MB; at 4096 tokens it would
 * take 0.5 s and 194 MB per expression. */
#define FM_LIMIT_EXPR_TOKENS 1024

/* Parenthesis (and function-call) nesting in one expression: libmatheval
 * recurses on it too; 100 levels is more than any formula written by hand. */
#define FM_LIMIT_EXPR_DEPTH 100

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
