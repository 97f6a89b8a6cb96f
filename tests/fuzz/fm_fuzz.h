/* fm_fuzz.h -- one function per parser of untrusted input, shared by the
 * libFuzzer targets (fuzz_<name>.c, built with -Dfuzz=true) and by the
 * default test suite (test_fuzz_regress.c, which runs every seed and every
 * regression input through the same functions).  Each takes arbitrary bytes
 * and must return without crashing, leaking or hanging, whatever they are.
 *
 * case:  the bytes are a case file (JSON).  When they contain the line
 *        "%%table", what follows it is written to t.csv in a private
 *        directory and the case is parsed with that directory as its base,
 *        so a {"type": "table", "file": "t.csv"} schedule reads it.  A case
 *        that loads is also evaluated once (alpha, sigma and derivatives at
 *        a few t, the conditional field of an expr), as check would.
 * array: the bytes are a points/field/samples file: CSV or .npy (the
 *        first byte selects the expected column count: 0 = any, else 1..8).
 * model: the bytes after the first are a model file; when the first byte
 *        is odd, its length field and CRC are fixed up first, so that the
 *        fuzzer reaches the fields behind them.
 */
#ifndef FM_FUZZ_H
#define FM_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "array_io.h"
#include "case.h"
#include "fm_limits.h"
#include "model_file.h"
#include "schedule.h"

static char fm_fuzz_dirname[64] = "";

static inline void fm_fuzz_dir_remove(void)
{
  char path[128];
  snprintf(path, sizeof path, "%s/t.csv", fm_fuzz_dirname);
  unlink(path);
  rmdir(fm_fuzz_dirname);
}

/* A private directory for table files, made once per process and removed
 * at its exit. */
static inline const char *fm_fuzz_dir(void)
{
  if (fm_fuzz_dirname[0] == '\0') {
    snprintf(fm_fuzz_dirname, sizeof fm_fuzz_dirname, "/tmp/fm-fuzz-XXXXXX");
    if (mkdtemp(fm_fuzz_dirname) == NULL)
      abort();
    atexit(fm_fuzz_dir_remove);
  }
  return fm_fuzz_dirname;
}

static inline void fm_fuzz_case_use(const fm_case *c)
{
  static const double ts[] = {0.0, 0.25, 0.5, 0.999, 1.0};
  for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
    fm_sched_val v;
    double u, da, ds;
    (void)fm_schedule_eval(&v, c->sched, ts[i]);
    (void)fm_schedule_claimed_deriv(&da, &ds, c->sched, ts[i]);
    (void)fm_schedule_user_cond_field(&u, c->sched, ts[i], 0.5, -1.25);
  }
}

static inline int fm_fuzz_case(const uint8_t *data, size_t size)
{
  char *text = malloc(size + 1);
  if (text == NULL)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  char *table = strstr(text, "\n%%table\n");
  const char *dir = NULL;
  if (table != NULL) {
    *table = '\0';
    table += 9;
    dir = fm_fuzz_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
      abort();
    fwrite(table, 1, strlen(table), f);
    fclose(f);
  }
  fm_case *c = NULL;
  fm_errmsg e = {""};
  if (fm_case_load_string(&c, text, "fuzz.json", dir, &e) == FM_OK) {
    fm_fuzz_case_use(c);
    fm_case_free(c);
  }
  free(text);
  return 0;
}

static inline int fm_fuzz_array(const uint8_t *data, size_t size)
{
  if (size < 2) /* the empty file is a unit test's */
    return 0;
  size_t cols = data[0] % 9;
  FILE *f = fmemopen((void *)(data + 1), size - 1, "r");
  if (f == NULL)
    return 0;
  fm_array a;
  fm_errmsg e = {""};
  if (fm_array_fread(&a, f, "fuzz", cols, FM_LIMIT_POINTS_BYTES, &e) == FM_OK)
    fm_array_free(&a);
  fclose(f);
  return 0;
}

static inline int fm_fuzz_model(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  size_t n = size - 1;
  unsigned char *b = malloc(n ? n : 1);
  if (b == NULL)
    return 0;
  memcpy(b, data + 1, n);
  if ((data[0] & 1) && n >= 24) {
    for (int i = 0; i < 8; i++)
      b[12 + i] = (unsigned char)((uint64_t)n >> (8 * i));
    uint32_t crc = (uint32_t)crc32_z(0L, b, n - 4);
    for (int i = 0; i < 4; i++)
      b[n - 4 + i] = (unsigned char)(crc >> (8 * i));
  }
  fm_model *m = NULL;
  fm_errmsg e = {""};
  if (fm_model_parse(&m, b, n, "fuzz.fmm", &e) == FM_OK)
    fm_model_free(m);
  free(b);
  return 0;
}

#endif
