/* fm_test_case.h -- a built-in case by the file name it is stored under
 * ("ring8-vp.json"), for tests: its index, or the case itself.  A name that
 * is not built in, or a case that does not load, fails the test and says
 * which. */
#ifndef FM_TEST_CASE_H
#define FM_TEST_CASE_H

#include <criterion/criterion.h>
#include <string.h>

#include "case.h"

/* Index of the built-in case stored as `file`. */
static inline size_t fm_test_case_index(const char *file)
{
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    if (strcmp(fm_case_builtin_file(i), file) == 0)
      return i;
  cr_assert_fail("no built-in case %s", file);
  return 0;
}

/* The built-in case stored as `file` (caller frees with fm_case_free). */
static inline fm_case *fm_test_case_load(const char *file)
{
  fm_case *c = NULL;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_case_builtin_load(&c, fm_test_case_index(file), &e), FM_OK, "%s: %s", file,
               e.msg);
  return c;
}

/* Components K of the built-in case stored as `file` (where a control that
 * swaps posterior for prior weights changes nothing: K = 1). */
static inline size_t fm_test_case_components(const char *file)
{
  fm_case *c = fm_test_case_load(file);
  size_t K = c->gmm->K;
  fm_case_free(c);
  return K;
}

#endif
