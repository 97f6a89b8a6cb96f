/* worst.h -- the worst point of one route of a pointwise check: the largest
 * margin value/tol offered so far, with its value, tol and where it was
 * attained, for fm_verdict_route.  A NaN value counts as an infinite margin,
 * so a route that produced one cannot pass. */
#ifndef FM_WORST_H
#define FM_WORST_H

#include <stddef.h>

typedef struct {
  double margin, value, tol;
  size_t at;       /* index of the point (for fm_point_describe) */
  int have;        /* something was offered */
  char where[160]; /* description, for routes not located at a point */
} fm_worst;

/* Offers (value, tol) found at index at.  Returns 1 when it became the
 * worst -- where is then cleared, for the caller to fill -- else 0. */
int fm_worst_add(fm_worst *w, double value, double tol, size_t at);

/* For a route whose tolerance is common to all points (applied after the
 * loop): offers a plain value >= 0 found at index at, and keeps the
 * largest, starting from 0 at index 0 (tol 1, so margin = value).  A NaN
 * is kept as +infinity and replaces any earlier worst, NaN included (the
 * rule cond-field and push-forward have always used).  Returns 1 when it
 * became the worst (where then cleared), else 0. */
int fm_worst_add_max(fm_worst *w, double value, size_t at);

#endif
