/* test_gen_case_load.c -- every case fm_test_gen.h generates is valid: the
 * loader (fm_case_load_file, so a table's relative path resolves) accepts
 * it, with the generated d and K, and warns exactly when the weights were
 * left unnormalised.  Quick (no theorem runs), so it covers the whole range
 * (d <= 16, K <= 12) and every schedule family: NCASES cases, plus
 * NFORCED per family.  FM_TEST_SEED changes the seed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fm_test_gen.h"

#define NCASES 300
#define NFORCED 10

static void fm_test_case_loads(uint64_t seed, size_t index, fm_gen_family fam)
{
  fm_gen_limits lim = {FM_GEN_DMAX, FM_GEN_KMAX};
  fm_gen_case gc;
  cr_assert_eq(fm_gen_case_make(&gc, seed, index, lim, fam), 0,
               "seed %llu case %zu: cannot write the temporary files",
               (unsigned long long)seed, index);
  fm_case *c = NULL;
  fm_errmsg e = {{0}};
  int st = fm_gen_case_load(&c, &gc, &e);
  cr_expect_eq(st, FM_OK, "seed %llu case %zu does not load: %s; %s; case %s",
               (unsigned long long)seed, index, e.msg, gc.desc, gc.json);
  if (st == FM_OK) {
    cr_expect(c->gmm->d == gc.d && c->gmm->K == gc.K, "%s: loaded d=%zu K=%zu", gc.desc,
              c->gmm->d, c->gmm->K);
    cr_expect_eq(c->renormalised, gc.unnormalised, "%s: renormalised %d (warning '%s')",
                 gc.desc, c->renormalised, c->warning);
    cr_expect_eq(c->warning[0] != '\0', gc.unnormalised, "%s: warning '%s'", gc.desc,
                 c->warning);
    fm_case_free(c);
  }
  fm_gen_case_clear(&gc);
}

Test(gen_case_load, every_generated_case_loads)
{
  uint64_t seed = fm_gen_seed();
  for (size_t i = 0; i < NCASES; i++)
    fm_test_case_loads(seed, i, FM_GEN_S_COUNT);
}

Test(gen_case_load, every_schedule_family_loads)
{
  uint64_t seed = fm_gen_seed();
  for (int f = 0; f < FM_GEN_S_COUNT; f++)
    for (size_t i = 0; i < NFORCED; i++)
      fm_test_case_loads(seed, NCASES + (size_t)f * NFORCED + i, (fm_gen_family)f);
}

/* The same seed and index give the same case text (counter-based). */
Test(gen_case_load, generation_is_reproducible)
{
  fm_gen_limits lim = {FM_GEN_DMAX, FM_GEN_KMAX};
  fm_gen_case a, b;
  for (size_t i = 0; i < 20; i++) {
    cr_assert_eq(fm_gen_case_make(&a, 7, i, lim, FM_GEN_S_COUNT), 0);
    cr_assert_eq(fm_gen_case_make(&b, 7, i, lim, FM_GEN_S_COUNT), 0);
    cr_expect_str_eq(a.json, b.json, "case %zu", i);
    fm_gen_case_clear(&a);
    fm_gen_case_clear(&b);
  }
}
