/* test_array_io.c -- the array reader and writers (numerics/array_io.h):
 * CSV <-> .npy round trips are exact, every separator reads the same
 * numbers, a header is recognised only when it is not numbers, and every
 * malformed input (bad rows, NUL bytes, truncated or foreign .npy) is
 * refused with a message naming the file, line and column. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_io.h"

#define FM_MAX ((uint64_t)1 << 30)

/* Parse n bytes as a file called "in". */
static int fm_test_parse(fm_array *a, const void *bytes, size_t n, size_t cols, fm_errmsg *e)
{
  FILE *f = fmemopen((void *)bytes, n, "r");
  cr_assert_not_null(f);
  int st = fm_array_fread(a, f, "in", cols, FM_MAX, e);
  fclose(f);
  return st;
}

/* A malloc'd image of what a writer puts on a stream. */
static char *fm_test_written(size_t *len, const double *x, size_t r, size_t c, int npy)
{
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  cr_assert_not_null(f);
  const char *names[] = {"a", "b", "c"};
  int rc = npy ? fm_array_write_npy(f, x, r, c) : fm_array_write_csv(f, x, r, c, names);
  cr_assert_eq(rc, 0);
  fclose(f);
  return buf;
}

/* High-entropy values, corners included: tiny, huge, negative zero. */
static const double fm_test_vals[6] = {2.385, -1e-300, 6.02214076e23, -0.0, 1.0 / 3.0,
                                       4.9e-324};

Test(array_io, csv_and_npy_round_trips_are_bit_exact)
{
  for (int npy = 0; npy < 2; npy++) {
    size_t len;
    char *img = fm_test_written(&len, fm_test_vals, 2, 3, npy);
    fm_array a;
    fm_errmsg e = {""};
    cr_assert_eq(fm_test_parse(&a, img, len, 3, &e), FM_OK, "%s", e.msg);
    cr_expect_eq(a.rows, 2);
    cr_expect_eq(a.cols, 3);
    cr_expect_eq(a.npy, npy);
    cr_expect_eq(memcmp(a.data, fm_test_vals, sizeof fm_test_vals), 0, "npy %d", npy);
    if (npy)
      cr_expect_eq((len - 6 * 8) % 64, 0, "data start at a multiple of 64: %zu", len);
    /* and back through the other format */
    size_t len2;
    char *img2 = fm_test_written(&len2, a.data, a.rows, a.cols, !npy);
    fm_array b;
    cr_assert_eq(fm_test_parse(&b, img2, len2, 0, &e), FM_OK, "%s", e.msg);
    cr_expect_eq(memcmp(b.data, fm_test_vals, sizeof fm_test_vals), 0);
    fm_array_free(&a);
    fm_array_free(&b);
    free(img);
    free(img2);
  }
}

Test(array_io, every_separator_reads_the_same_numbers)
{
  const char *const texts[] = {
      "2.385,-1e-300\n0.5,7\n",         "2.385\t-1e-300\n0.5\t7\n",
      "2.385 -1e-300\n  0.5    7  \n",  "2.385 , -1e-300\r\n0.5,7\r\n",
      "x y\n2.385 \t -1e-300\n0.5 7\n", "# comment\n\nt,x\n2.385,-1e-300\n\n# c\n0.5,7",
      "t x\n2.385,-1e-300\n0.5,7\n",   "t,x\n2.385\t-1e-300\n0.5\t7\n",
  };
  const double want[4] = {2.385, -1e-300, 0.5, 7.0};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    fm_array a;
    fm_errmsg e = {""};
    cr_assert_eq(fm_test_parse(&a, texts[i], strlen(texts[i]), 2, &e), FM_OK, "text %zu: %s",
                 i, e.msg);
    cr_expect_eq(a.rows, 2, "text %zu", i);
    cr_expect_eq(memcmp(a.data, want, sizeof want), 0, "text %zu", i);
    fm_array_free(&a);
  }
}

Test(array_io, a_header_is_only_a_line_that_is_not_numbers)
{
  fm_array a;
  fm_errmsg e = {""};
  const char *t = "t,x[0]\n0.5,1\n";
  cr_assert_eq(fm_test_parse(&a, t, strlen(t), 2, &e), FM_OK, "%s", e.msg);
  cr_expect_eq(a.rows, 1);
  cr_expect_eq(a.line[0], 2, "the data row is line 2");
  fm_array_free(&a);
  /* malformed first rows are errors naming line and column, not headers */
  const struct {
    const char *text, *msg;
  } bad[] = {
      {"0.5;0.3\n", "in:1:1: field 1 is not a number: '0.5;0.3'"},
      {"0.5x,0.3\n", "in:1:1: field 1 is not a number: '0.5x'"},
      {"0.5,0.3x\n", "in:1:5: field 2 is not a number: '0.3x'"},
      {"t,0.3\n", "in:1:1: field 1 is not a number: 't'"},
      {"nan,1\n", "in:1:1: field 1 is not finite"},
      {"0.5,,1\n", "in:1:5: field 2 is empty"},
      {"0.5,1\n0.5 1\n", "in:2:1: field 1 is not a number: '0.5 1' (fields are separated by ','"},
      {"0.5 1\n0.5 1 2\n", "in:2: expected 2 fields, got 3"},
      {"x,y\n", "in: no data rows"},
      {"0.5,\x1b[31m\n", "in:1:5: field 2 is not a number: '\\x1b[31m'"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    fm_errmsg e2 = {""};
    cr_expect_neq(fm_test_parse(&a, bad[i].text, strlen(bad[i].text), 2, &e2), FM_OK, "%zu",
                  i);
    cr_expect(strstr(e2.msg, bad[i].msg) != NULL, "input %zu: '%s' lacks '%s'", i, e2.msg,
              bad[i].msg);
  }
}

Test(array_io, an_embedded_nul_is_an_error_naming_line_and_column)
{
  const char t[] = "0.5,1\n0.5,1\x00" "2\n";
  fm_array a;
  fm_errmsg e = {""};
  cr_expect_eq(fm_test_parse(&a, t, sizeof t - 1, 2, &e), FM_EPARSE);
  cr_expect(strstr(e.msg, "in:2:6: a NUL byte") != NULL, "%s", e.msg);
}

/* A .npy image with the given header dictionary and nbytes of data. */
static size_t fm_test_npy(unsigned char *buf, const char *dict, size_t nbytes)
{
  size_t hl = strlen(dict) + 1;
  hl += (64 - (10 + hl) % 64) % 64;
  memcpy(buf, "\x93NUMPY\x01\x00", 8);
  buf[8] = (unsigned char)(hl & 0xff);
  buf[9] = (unsigned char)(hl >> 8);
  memset(buf + 10, ' ', hl);
  memcpy(buf + 10, dict, strlen(dict));
  buf[10 + hl - 1] = '\n';
  for (size_t i = 0; i < nbytes; i++)
    buf[10 + hl + i] = 0; /* zeros: valid doubles */
  return 10 + hl + nbytes;
}

Test(array_io, foreign_or_damaged_npy_files_are_refused_with_a_reason)
{
  const struct {
    const char *dict;
    size_t nbytes;
    const char *msg;
  } bad[] = {
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 16, "dtype '<f4'"},
      {"{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }", 32, "dtype '>f8'"},
      {"{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", 32, "Fortran order"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 24, "truncated"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 40, "more bytes after"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48, "3 columns, expected 2"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 1), }", 32, "3 dimensions"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (0, 2), }", 0, "no data rows"},
      {"{'descr': '<f8', 'shape': (2, 2), }", 32, "not a dictionary"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 2), }", 32,
       "the limit for a points file"},
  };
  unsigned char buf[1024];
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t n = fm_test_npy(buf, bad[i].dict, bad[i].nbytes);
    fm_array a;
    fm_errmsg e = {""};
    cr_expect_neq(fm_test_parse(&a, buf, n, 2, &e), FM_OK, "%zu", i);
    cr_expect(strstr(e.msg, bad[i].msg) != NULL, "npy %zu: '%s' lacks '%s'", i, e.msg,
              bad[i].msg);
  }
  /* a header cut short, a wrong version, the magic alone */
  size_t n = fm_test_npy(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 8);
  fm_array a;
  fm_errmsg e = {""};
  cr_expect_eq(fm_test_parse(&a, buf, n, 1, &e), FM_OK, "(n,) is one column: %s", e.msg);
  fm_array_free(&a);
  cr_expect_eq(fm_test_parse(&a, buf, 40, 1, &e), FM_EPARSE);
  cr_expect(strstr(e.msg, "truncated .npy header") != NULL, "%s", e.msg);
  buf[6] = 7;
  cr_expect_eq(fm_test_parse(&a, buf, n, 1, &e), FM_EPARSE);
  cr_expect(strstr(e.msg, "version 7.0") != NULL, "%s", e.msg);
  cr_expect_eq(fm_test_parse(&a, "\x93NUM", 4, 1, &e), FM_EPARSE);
  cr_expect(strstr(e.msg, "not a .npy file") != NULL, "%s", e.msg);
}

Test(array_io, a_nan_in_npy_data_names_row_and_column)
{
  unsigned char buf[256];
  size_t n = fm_test_npy(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
                         32);
  double nan = NAN;
  memcpy(buf + n - 8, &nan, 8);
  fm_array a;
  fm_errmsg e = {""};
  cr_expect_eq(fm_test_parse(&a, buf, n, 2, &e), FM_ENONFIN);
  cr_expect(strstr(e.msg, "in: row 2, column 2 is not finite") != NULL, "%s", e.msg);
}

Test(array_io, escape_makes_control_bytes_visible)
{
  char out[64];
  fm_text_escape(out, sizeof out, "a\x1b[1m\\\n\xff", 8);
  cr_expect_str_eq(out, "a\\x1b[1m\\\\\\x0a\\xff");
  fm_text_escape(out, 8, "abcdefghij", 10);
  cr_expect_str_eq(out, "abcd...");
}
