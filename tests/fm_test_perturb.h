/* fm_test_perturb.h -- reading a check's "smallest perturbation detected"
 * report (theorems/perturb.h) from its verdict note, for the theorem tests
 * that demand a check resolves a stated perturbation.  Text, not a struct,
 * on purpose: the note is what a user reads, so the tests read the same. */
#ifndef FM_TEST_PERTURB_H
#define FM_TEST_PERTURB_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "theorem.h"

/* The smallest perturbation of `input` that `route` detects, from v's note
 * ("smallest <input> perturbation detected (of ...): ... <route> <e> ...");
 * INFINITY when the route reports "none".  Asserts that the report and the
 * route are there. */
static inline double fm_test_detected(const fm_verdict *v, const char *input,
                                      const char *route)
{
  char head[160], key[96];
  snprintf(head, sizeof head, "smallest %s perturbation detected (of ", input);
  const char *p = strstr(v->note, head);
  cr_assert_not_null(p, "%s: no \"%s\" report in the note: %s", v->case_name, head, v->note);
  p = strstr(p, "): ");
  cr_assert_not_null(p, "%s: malformed report: %s", v->case_name, v->note);
  snprintf(key, sizeof key, " %s ", route);
  const char *end = strchr(p, ';'), *q = strstr(p, key);
  cr_assert(q != NULL && (end == NULL || q < end), "%s: route %s not in the report: %s",
            v->case_name, route, p);
  q += strlen(key);
  if (strncmp(q, "none", 4) == 0)
    return INFINITY;
  char *stop;
  double e = strtod(q, &stop);
  cr_assert(stop != q && e > 0.0, "%s: unreadable amount after %s: %s", v->case_name, key, q);
  return e;
}

#endif
