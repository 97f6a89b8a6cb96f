/* test_fuzz_regress.c -- every input the fuzzers start from or ever found
 * (tests/fuzz/seeds/<target>/, tests/fuzz/regress/<target>/) and a set of
 * generated pathological inputs (long flat chains, deep nesting, huge
 * token counts, many rows and components, dim x K at the limits), run
 * through the same parser entry points as the libFuzzer targets
 * (tests/fuzz/fm_fuzz.h).  Each must return -- no crash, no stack
 * overflow -- within a time bound: a slow input is a finding too. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <time.h>

#include "fm_fuzz.h"

/* Seconds one input may take (generous: a loaded 2-core machine, and the
 * valgrind setup multiplies it through FM_TEST_SLOWDOWN). */
static double fm_test_budget(void)
{
  const char *s = getenv("FM_TEST_SLOWDOWN");
  return 5.0 * (s ? atof(s) : 1.0);
}

static double fm_test_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef int (*fm_fuzz_fn)(const uint8_t *, size_t);

static void fm_test_timed(fm_fuzz_fn fn, const void *buf, size_t n, const char *what)
{
  double t0 = fm_test_now();
  fn(buf, n);
  double dt = fm_test_now() - t0;
  cr_expect_lt(dt, fm_test_budget(), "%s took %.2f s", what, dt);
}

/* Every file of FM_SOURCE_ROOT/tests/fuzz/<sub>; returns how many. */
static size_t fm_test_dir(fm_fuzz_fn fn, const char *sub)
{
  const char *root = getenv("FM_SOURCE_ROOT");
  cr_assert_not_null(root, "$FM_SOURCE_ROOT is not set");
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/tests/fuzz/%s", root, sub);
  DIR *d = opendir(dir);
  if (d == NULL && errno == ENOENT && strncmp(sub, "regress/", 8) == 0)
    return 0; /* no finding yet: git keeps no empty folder */
  cr_assert_not_null(d, "%s: %s", dir, strerror(errno));
  size_t count = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    unsigned char *buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    fm_test_timed(fn, buf, (size_t)n, path);
    free(buf);
    count++;
  }
  closedir(d);
  return count;
}

Test(fuzz_regress, every_seed_and_regression_input_returns_in_time)
{
  static const struct {
    const char *name;
    fm_fuzz_fn fn;
  } t[] = {{"case", fm_fuzz_case}, {"array", fm_fuzz_array}, {"model", fm_fuzz_model}};
  for (size_t i = 0; i < 3; i++) {
    char sub[64];
    snprintf(sub, sizeof sub, "seeds/%s", t[i].name);
    cr_expect_gt(fm_test_dir(t[i].fn, sub), 0, "no seeds for %s", t[i].name);
    snprintf(sub, sizeof sub, "regress/%s", t[i].name);
    fm_test_dir(t[i].fn, sub);
  }
}

/* A case whose `field` (alpha, sigma_dot or cond_field) is expr
 * (malloc'd, freed here). */
static void fm_test_expr_case(char *expr, const char *field, const char *what)
{
  int a = strcmp(field, "alpha") == 0;
  size_t n = strlen(expr) + 512;
  char *json = malloc(n);
  cr_assert_not_null(json);
  snprintf(json, n, "{\"name\": \"p\", \"data\": {\"type\": \"gmm\", \"dim\": 1, "
           "\"components\": [{\"weight\": 1, \"mean\": [0.5], \"var\": 0.04}]}, "
           "\"schedule\": {\"type\": \"expr\", \"alpha\": \"%s\", \"sigma\": \"1 - 0.999*t\""
           "%s%s%s%s%s}}", a ? expr : "t", a ? "" : ", \"", a ? "" : field, a ? "" : "\": \"",
           a ? "" : expr, a ? "" : "\"");
  fm_test_timed(fm_fuzz_case, json, strlen(json), what);
  free(json);
  free(expr);
}

/* `count` copies of unit joined by op, then tail. */
static char *fm_test_chain(const char *unit, const char *op, size_t count, const char *tail)
{
  size_t n = count * (strlen(unit) + strlen(op)) + strlen(tail) + 1;
  char *s = malloc(n);
  cr_assert_not_null(s);
  char *p = s;
  for (size_t i = 0; i < count; i++)
    p += sprintf(p, "%s%s", unit, i + 1 < count ? op : "");
  strcpy(p, tail);
  return s;
}

Test(fuzz_regress, pathological_expressions_are_refused_or_cheap)
{
  /* flat chains at and far over the token cap, in alpha and cond_field */
  static const size_t counts[] = {500, 512, 513, 1000, 105000, 1000000};
  static const char *const ops[] = {"+", "*", "-", "/", "^"};
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
      char what[96];
      snprintf(what, sizeof what, "chain t%st... of %zu terms in alpha", ops[k], counts[i]);
      fm_test_expr_case(fm_test_chain("t", ops[k], counts[i], ""), "alpha", what);
      snprintf(what, sizeof what, "chain x%sx... of %zu terms in cond_field", ops[k],
               counts[i]);
      fm_test_expr_case(fm_test_chain("x", ops[k], counts[i], ""), "cond_field", what);
    }
  /* unary chains and nesting around the depth cap */
  static const size_t depths[] = {99, 100, 101, 5000, 200000};
  for (size_t i = 0; i < sizeof depths / sizeof depths[0]; i++) {
    char what[96];
    snprintf(what, sizeof what, "%zu unary minus", depths[i]);
    fm_test_expr_case(fm_test_chain("-", "", depths[i], "t"), "alpha", what);
    size_t n = depths[i];
    char *s = malloc(2 * n + 2);
    cr_assert_not_null(s);
    memset(s, '(', n);
    s[n] = 't';
    memset(s + n + 1, ')', n);
    s[2 * n + 1] = '\0';
    snprintf(what, sizeof what, "%zu nested parentheses", n);
    fm_test_expr_case(s, "alpha", what);
    snprintf(what, sizeof what, "%zu nested sin(", n);
    fm_test_expr_case(fm_test_chain("sin(", "", n, "t"), "sigma_dot", what);
  }
}

/* A case of K components in dimension d, isotropic: a few bytes each. */
static void fm_test_big_case(size_t d, size_t K, const char *what)
{
  char *s = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&s, &n);
  cr_assert_not_null(f);
  fprintf(f, "{\"name\": \"b\", \"data\": {\"type\": \"gmm\", \"dim\": %zu, "
             "\"components\": [", d);
  for (size_t k = 0; k < K; k++) {
    fprintf(f, "%s{\"weight\": 1, \"var\": 0.5, \"mean\": [", k ? "," : "");
    for (size_t i = 0; i < d; i++)
      fprintf(f, "%s%zu", i ? "," : "", (i + k) % 7);
    fprintf(f, "]}");
  }
  fprintf(f, "]}, \"schedule\": {\"type\": \"cond_ot\"}}");
  cr_assert_eq(fclose(f), 0);
  fm_test_timed(fm_fuzz_case, s, n, what);
  free(s);
}

Test(fuzz_regress, mixtures_at_and_over_the_size_limits_are_refused_or_cheap)
{
  /* the work limit K d^3 <= 2^32 refuses these before any allocation */
  fm_test_big_case(1024, 64, "d 1024 x K 64 (the 153 s case)");
  fm_test_big_case(1024, 5, "d 1024 x K 5 (over the work limit)");
  fm_test_big_case(128, 1025, "d 128 x K 1025 (over the storage limit)");
  fm_test_big_case(1025, 1, "d 1025 (over the dimension limit)");
  /* many small components */
  fm_test_big_case(1, 20000, "d 1 x K 20000");
  fm_test_big_case(16, 2000, "d 16 x K 2000");
}

Test(fuzz_regress, huge_and_hostile_arrays_are_read_or_refused_in_time)
{
  /* 200,000 rows; one row of 100,000 fields; a 1 MB line of digits */
  size_t n = 200000 * 12 + 2;
  char *s = malloc(n + 1000000);
  cr_assert_not_null(s);
  char *p = s;
  *p++ = 2;
  for (size_t i = 0; i < 200000; i++)
    p += sprintf(p, "0.%zu,%zu\n", i % 97, i % 13);
  fm_test_timed(fm_fuzz_array, s, (size_t)(p - s), "200000 rows");
  p = s;
  *p++ = 0;
  for (size_t i = 0; i < 100000; i++)
    p += sprintf(p, "%s1", i ? "," : "");
  fm_test_timed(fm_fuzz_array, s, (size_t)(p - s), "100000 fields");
  p = s;
  *p++ = 1;
  memset(p, '7', 1000000);
  fm_test_timed(fm_fuzz_array, s, 1000001, "a 1 MB number");
  /* a .npy header declaring 2^40 rows over 16 bytes of data */
  const char dict[] = "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1), "
                      "}\n";
  memcpy(s, "\x01\x93NUMPY\x01\x00", 9);
  s[9] = (char)(sizeof dict - 1);
  s[10] = 0;
  memcpy(s + 11, dict, sizeof dict - 1);
  memset(s + 11 + sizeof dict - 1, 0, 16);
  fm_test_timed(fm_fuzz_array, s, 11 + sizeof dict - 1 + 16, "npy of 2^40 declared rows");
  free(s);
}
