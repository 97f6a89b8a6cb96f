/* test_fileio.c -- numerics/fileio.h: a regular file is read whole and
 * exactly, up to and including its limit; one byte over the limit, a
 * directory, a character device or a FIFO are refused before reading, each
 * with its own message naming the path. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "fm_test_tmp.h"

/* 100 bytes including a NUL in the middle (read_all must not stop there). */
static void fm_test_write(const char *path, size_t *len)
{
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  for (int i = 0; i < 100; i++)
    fputc(i == 37 ? 0 : 'a' + i % 26, f);
  cr_assert_eq(fclose(f), 0);
  *len = 100;
}

Test(fileio, a_file_at_its_limit_is_read_exactly_and_one_byte_over_is_refused)
{
  char dir[64], path[96];
  fm_test_tmpdir(dir, sizeof dir, "fileio");
  fm_test_tmppath(path, sizeof path, dir, "f");
  size_t n;
  fm_test_write(path, &n);
  fm_errmsg e = {""};
  char *buf;
  size_t len;
  cr_assert_eq(fm_file_read_all(&buf, &len, path, n, "test file", &e), FM_OK, "%s", e.msg);
  cr_expect_eq(len, n);
  cr_expect_eq(buf[37], 0);
  cr_expect_eq(buf[38], 'a' + 38 % 26);
  cr_expect_eq(buf[n], 0, "not NUL-terminated");
  free(buf);
  cr_expect_eq(fm_file_read_all(&buf, &len, path, n - 1, "test file", &e), FM_EINVAL);
  cr_expect(strstr(e.msg, path) != NULL && strstr(e.msg, "limit for a test file (99 bytes)"),
            "%s", e.msg);
  fm_test_tmpdir_remove(dir);
}

Test(fileio, what_is_not_a_regular_file_is_refused_without_blocking)
{
  char dir[64], fifo[96];
  fm_test_tmpdir(dir, sizeof dir, "fileio");
  fm_test_tmpfifo(fifo, sizeof fifo, dir, "fifo");
  const char *paths[] = {dir, "/dev/null", "/dev/zero", fifo};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    fm_errmsg e = {""};
    int fd;
    uint64_t size;
    cr_expect_eq(fm_file_open(&fd, &size, paths[i], 1000, "test file", &e), FM_EIO, "%s",
                 paths[i]);
    char want[128];
    snprintf(want, sizeof want, "%s: not a regular file", paths[i]);
    cr_expect_str_eq(e.msg, want);
  }
  fm_errmsg e = {""};
  FILE *f;
  cr_expect_eq(fm_file_fopen(&f, "/nonexistent/x.csv", 1000, "test file", &e), FM_EIO);
  cr_expect(strstr(e.msg, "/nonexistent/x.csv: cannot open") != NULL, "%s", e.msg);
  fm_test_tmpdir_remove(dir);
}
