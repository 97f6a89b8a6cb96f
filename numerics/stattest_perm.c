/* stattest_perm.c -- the permutation machinery shared by the kernel tests
 * (stattest_kernel.c) and sliced W2 (stattest_sw2.c): the data labels,
 * random relabellings of the pooled sample (Fisher-Yates, one stream per
 * relabelling, so that a test is reproducible whatever it stops at), and
 * Besag & Clifford's sequential p-value.  The tests differ only in the
 * statistic they recompute for each labelling.
 */
#include "stattest_impl.h"

#include <stdlib.h>

void fm_stat_perm_free(fm_stat_perm *q)
{
  free(q->P);
  free(q->rowall);
  free(q->lab);
  free(q->perm);
}

/* Labels of relabelling b: Fisher-Yates on 0..N-1 with uniforms of stream
 * child(rng, b); the first n positions are "X". */
void fm_stat_perm_labels(fm_stat_perm *q, const fm_rng *rng, uint64_t b)
{
  fm_rng rb = fm_rng_child(rng, b);
  for (size_t i = 0; i < q->N; i++)
    q->perm[i] = i;
  for (size_t i = q->N - 1; i > 0; i--) {
    size_t j = (size_t)(fm_rng_uniform(&rb, i) * (double)(i + 1));
    if (j > i)
      j = i;
    size_t t = q->perm[i];
    q->perm[i] = q->perm[j];
    q->perm[j] = t;
  }
  for (size_t i = 0; i < q->N; i++)
    q->lab[q->perm[i]] = i < q->n ? 1.0 : 0.0;
}

void fm_stat_perm_labels_identity(fm_stat_perm *q)
{
  for (size_t i = 0; i < q->N; i++)
    q->lab[i] = i < q->n ? 1.0 : 0.0;
}

/* Besag & Clifford's (1991) sequential permutation p-value: draw
 * relabellings until FM_STAT_PERM_H of them reach the observed statistic
 * (p = H / L after L draws) or nperm have been drawn (p = (1 + g)/(1 +
 * nperm), g of them reaching it).  Valid (P(p <= a) <= a) at every nperm;
 * a sample that fits stops after ~H/p draws, and only an extreme
 * statistic costs all nperm -- which is what lets a caller ask for enough
 * draws to reach a Holm threshold like 1e-3/6 without paying for it on
 * good samples.  *ge counts reaching draws, *L draws made; returns p. */
double fm_stat_perm_pvalue(size_t ge, size_t L, size_t nperm)
{
  if (ge >= FM_STAT_PERM_H)
    return (double)ge / (double)L;
  return (1.0 + (double)ge) / (1.0 + (double)nperm);
}
