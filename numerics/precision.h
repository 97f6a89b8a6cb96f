/* precision.h -- what the floating-point environment actually provides.
 *
 * The GMM path (cases/gmm_path.c) carries its per-component algebra in long
 * double to keep posterior weights accurate to ~1e-16 far in the tails.  That
 * needs long double to be wider than double *at run time*: it is on x86-64
 * (80-bit x87) and aarch64 (binary128), but not where long double is double
 * (MSVC, 32-bit ARM) nor under valgrind, which emulates x87 arithmetic in
 * 64-bit doubles.  There the results are those of a double algorithm
 * (~1e-13 relative far in the tails instead of ~1e-16); callers that promise
 * more (`fmcheck field`) say so.
 */
#ifndef FM_PRECISION_H
#define FM_PRECISION_H

/* 1 when long double arithmetic, evaluated at run time, has more than 53
 * significand bits. */
int fm_precision_long_double_extended(void);

#endif
