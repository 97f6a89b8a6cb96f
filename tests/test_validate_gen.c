/* test_validate_gen.c -- `fmcheck validate-schedule` on random schedules
 * from fm_test_gen.h, none of them tuned for: every correct one (a random
 * family: the built-ins with random parameters, their expr forms with
 * claimed derivatives and conditional fields, tables) is ADOPTed, and every
 * broken one is REJECTed *for its break* -- a reason of item 1 naming it:
 *   alpha_0 = 0.05          "noise-end break"
 *   alpha_1 = 0.98          "data-end break"
 *   sigma_1 = 0.3           "> 0.1"            (sigma_min above 0.1)
 *   a bump in sigma         "SNR alpha/sigma not increasing"
 *   alpha_dot or sigma_dot off by 1e-3 relative
 *                           "claimed alpha' differs" / "claimed sigma' differs"
 *   sigma <= 0 inside       "sigma <= 0 inside [0,1)"
 * A reject for another reason, or only through a downstream theorem, fails.
 *
 * Built as `validate_gen_slow` (suite slow, tests/meson.build): 60 correct
 * and 10 of each of the 6 kinds (60 broken), ~5 min; the defaults below
 * (6 and 1) are for a quick local run of the same source.  FM_TEST_SEED changes the seed; every failure prints
 * the seed, the index and the schedule JSON to replay it. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "fm_test_gen.h"
#include "fm_test_validate.h"

#ifndef FM_VGEN_GOOD
#define FM_VGEN_GOOD 6
#endif
#ifndef FM_VGEN_BAD
#define FM_VGEN_BAD 1
#endif

/* The words of item 1's reason for break b (deriv_which: 0 alpha, 1 sigma). */
static const char *fm_vgen_words(fm_gen_break b, int deriv_which)
{
  switch (b) {
  case FM_GEN_BREAK_ALPHA0: return "noise-end break";
  case FM_GEN_BREAK_ALPHA1: return "data-end break";
  case FM_GEN_BREAK_SIGMA1: return "> 0.1";
  case FM_GEN_BREAK_SNR: return "SNR alpha/sigma not increasing";
  case FM_GEN_BREAK_DERIV:
    return deriv_which == 0 ? "claimed alpha' differs" : "claimed sigma' differs";
  default: return "sigma <= 0 inside [0,1)";
  }
}

/* Schedule `index` with break b, as JSON text in a fresh directory t (a
 * table's sched.csv written there and registered for cleanup). */
static char *fm_vgen_make(fm_vdir *t, size_t index, fm_gen_break b, int *which, char *desc,
                          size_t ndesc)
{
  fm_vdir_make(t);
  fm_vdir_file(t, "sched.csv", NULL);
  json_t *o = fm_gen_sched_make(fm_gen_seed(), index, b, t->dir, desc, ndesc, which);
  cr_assert_not_null(o, "cannot write the schedule of index %zu", index);
  char *text = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  cr_assert_not_null(text);
  return text;
}

Test(validate_gen, adopts_random_correct_schedules, .timeout = 0)
{
  size_t adopted = 0;
  for (size_t i = 0; i < FM_VGEN_GOOD; i++) {
    fm_vdir t;
    char desc[512];
    char *text = fm_vgen_make(&t, i, FM_GEN_BREAK_NONE, NULL, desc, sizeof desc);
    fprintf(stderr, "seed %llu index %zu: %s\n", (unsigned long long)fm_gen_seed(), i, desc);
    char last[4096];
    int status;
    json_t *root = fm_test_validate_run(&t, text, &status, last, sizeof last);
    int ok = status == 0 && strcmp(last, "ADOPT") == 0;
    cr_expect(ok, "seed %llu index %zu (%s): final line '%.300s'; schedule %s",
              (unsigned long long)fm_gen_seed(), i, desc, last, text);
    adopted += (size_t)ok;
    json_decref(root);
    free(text);
    fm_vdir_clean(&t);
  }
  fprintf(stderr, "validate_gen: %zu of %d correct schedules ADOPTed\n", adopted,
          FM_VGEN_GOOD);
}

Test(validate_gen, rejects_random_broken_schedules_for_their_break, .timeout = 0)
{
  size_t rejected = 0, n = 0;
  for (int b = FM_GEN_BREAK_NONE + 1; b < FM_GEN_BREAK_COUNT; b++)
    for (size_t i = 0; i < FM_VGEN_BAD; i++, n++) {
      fm_vdir t;
      char desc[512];
      int which = 0;
      char *text = fm_vgen_make(&t, i, (fm_gen_break)b, &which, desc, sizeof desc);
      const char *words = fm_vgen_words((fm_gen_break)b, which);
      char last[8192];
      int status;
      json_t *root = fm_test_validate_run(&t, text, &status, last, sizeof last);
      int found = 0;
      json_t *reasons = json_object_get(root, "reasons");
      for (size_t k = 0; k < json_array_size(reasons); k++) {
        json_t *r = json_array_get(reasons, k);
        const char *why = json_string_value(json_object_get(r, "text"));
        found |= json_integer_value(json_object_get(r, "item")) == 1 && why != NULL &&
                 strstr(why, words) != NULL;
      }
      found &= status == 1;
      cr_expect(found,
                "seed %llu index %zu (%s): exit %d, no item-1 reason containing '%s': %.600s",
                (unsigned long long)fm_gen_seed(), i, desc, status, words, last);
      rejected += (size_t)found;
      json_decref(root);
      free(text);
      fm_vdir_clean(&t);
    }
  fprintf(stderr, "validate_gen: %zu of %zu broken schedules REJECTed for their break\n",
          rejected, n);
}
