/* stattest_impl.h -- internal to the statistical tests (stattest.h): the
 * helpers that more than one test file uses, and where each concept lives:
 *   stattest_kolmogorov.c  the Kolmogorov distribution (one- and two-sample
 *                          KS p-values);
 *   stattest_ks1.c         one-sample KS against a CDF;
 *   stattest_ks2.c         two-sample KS;
 *   stattest_proj.c        random directions, projections, ascending order;
 *   stattest_perm.c        relabellings and the sequential permutation p-value;
 *   stattest_kernel.c      MMD^2 and the energy distance (pairwise matrix);
 *   stattest_sw2.c         sliced W2;
 *   stattest_holm.c        Holm's step-down correction.
 * The tests against a GMM are cases/gmmtest.h.
 * Internal: only those files include it; callers include stattest.h. */
#ifndef FM_STATTEST_IMPL_H
#define FM_STATTEST_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "stattest.h"

/* --- stattest_perm.c --- */

/* A permutation test over a pooled sample of N = n + m rows: the first n
 * are "X".  P and rowall are the kernel tests' pairwise matrix
 * (stattest_kernel.c; NULL for sliced W2); lab and perm are the labels. */
typedef struct {
  size_t N, n, m;
  double *P;      /* packed pairwise values */
  double *rowall; /* sum of row i of P */
  double *lab;    /* 1 for "X", 0 for "Y" */
  size_t *perm;
} fm_stat_perm;

/* Frees the arrays (any may be NULL); not q itself. */
void fm_stat_perm_free(fm_stat_perm *q);
/* Labels of relabelling b (Fisher-Yates, uniforms of stream child(rng, b)). */
void fm_stat_perm_labels(fm_stat_perm *q, const fm_rng *rng, uint64_t b);
/* The data's own labels: rows 0 .. n-1 are "X". */
void fm_stat_perm_labels_identity(fm_stat_perm *q);
/* Besag-Clifford p-value after L draws of which ge reached the statistic. */
double fm_stat_perm_pvalue(size_t ge, size_t L, size_t nperm);

#endif
