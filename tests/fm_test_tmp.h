/* fm_test_tmp.h -- a private temporary directory per test, the paths and
 * FIFOs made inside it, what is left in it afterwards, and its removal:
 * the scaffolding of every test that writes files, devices or FIFOs. */
#ifndef FM_TEST_TMP_H
#define FM_TEST_TMP_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh directory /tmp/fmcheck-<tag>-XXXXXX, its name written to dir
 * (n bytes). */
static inline void fm_test_tmpdir(char *dir, size_t n, const char *tag)
{
  snprintf(dir, n, "/tmp/fmcheck-%s-XXXXXX", tag);
  cr_assert_not_null(mkdtemp(dir), "mkdtemp %s: %s", dir, strerror(errno));
}

/* path (n bytes) = dir/name. */
static inline void fm_test_tmppath(char *path, size_t n, const char *dir, const char *name)
{
  int k = snprintf(path, n, "%s/%s", dir, name);
  cr_assert(k > 0 && (size_t)k < n, "path %s/%s does not fit in %zu bytes", dir, name, n);
}

/* A FIFO dir/name, its path written to path (n bytes). */
static inline void fm_test_tmpfifo(char *path, size_t n, const char *dir, const char *name)
{
  fm_test_tmppath(path, n, dir, name);
  cr_assert_eq(mkfifo(path, 0600), 0, "mkfifo: %s", strerror(errno));
}

/* Entries of dir other than . and .. and the names in keep (NULL-ended). */
static inline size_t fm_test_tmpdir_extra(const char *dir, const char *const *keep)
{
  DIR *d = opendir(dir);
  cr_assert_not_null(d, "opendir %s: %s", dir, strerror(errno));
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    int known = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    for (size_t i = 0; keep[i] != NULL; i++)
      known |= strcmp(e->d_name, keep[i]) == 0;
    n += !known;
  }
  closedir(d);
  return n;
}

/* Remove every entry of dir (not recursively), then dir itself. */
static inline void fm_test_tmpdir_remove(const char *dir)
{
  DIR *d = opendir(dir);
  if (d == NULL)
    return;
  char path[1024];
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      remove(path);
    }
  closedir(d);
  rmdir(dir);
}

#endif
