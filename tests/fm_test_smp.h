/* fm_test_smp.h -- helpers shared by the sampler, likelihood and field
 * tests: built-in cases by name, their analytic field, and a deterministic
 * random MLP.  Helpers that assert are named fm_test_* (the review hook's
 * convention for assertions outside a Test body). */
#ifndef FM_TEST_SMP_H
#define FM_TEST_SMP_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "field.h"
#include "fm_test_case.h"
#include "mlp.h"
#include "rng.h"

/* The built-in case called name (file name without ".json"). */
static inline fm_case *fm_test_case(const char *name)
{
  char file[256];
  snprintf(file, sizeof file, "%s.json", name);
  return fm_test_case_load(file);
}

/* The analytic marginal field of c. */
static inline fm_field *fm_test_gmm_field(const fm_case *c)
{
  fm_field *f;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_field_gmm_alloc(&f, c->gmm, c->sched, &e), FM_OK, "%s: %s", c->name, e.msg);
  return f;
}

/* An MLP with LeCun-initialised weights plus 0.3 N(0,1) on every parameter
 * (biases too), so that no layer is trivially linear or zero. */
static inline fm_mlp *fm_test_random_mlp(size_t d, size_t width, size_t depth, size_t nfreq,
                                         uint64_t seed)
{
  fm_mlp_arch a = {d, width, depth, nfreq};
  fm_mlp *m;
  fm_errmsg e = {{0}};
  cr_assert_eq(fm_mlp_alloc(&m, &a, &e), FM_OK, "%s", e.msg);
  fm_rng r = fm_rng_make(seed, FM_RNG_STREAM(0x5454, 7));
  fm_mlp_init(m, &r);
  fm_rng r2 = fm_rng_child(&r, 1);
  for (size_t j = 0; j < m->n_params; j++)
    m->theta[j] += 0.3 * fm_rng_normal(&r2, j);
  return m;
}

#endif
