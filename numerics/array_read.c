/* array_read.c -- reading an array file, CSV or .npy told apart by the
 * first byte (array_io.h). */
#include "array_io.h"

#include <stdlib.h>
#include <string.h>

#include "array_io_impl.h"
#include "fileio.h"

int fm_array_fread(fm_array *a, FILE *f, const char *name, size_t cols, uint64_t max,
                   fm_errmsg *e)
{
  memset(a, 0, sizeof *a);
  int c = getc(f);
  if (c == EOF)
    return ferror(f) ? fm_errmsg_set(e, FM_EIO, "%s: read error", name)
                     : fm_errmsg_set(e, FM_EINVAL, "%s: the file is empty: no data rows", name);
  ungetc(c, f);
  if (c == FM_NPY_FIRST)
    return fm_array_npy_fread(a, f, name, cols, max, e);
  return fm_array_csv_fread(a, f, name, cols, max, e);
}

int fm_array_read(fm_array *a, const char *path, size_t cols, uint64_t max, fm_errmsg *e)
{
  memset(a, 0, sizeof *a);
  if (strcmp(path, "-") == 0)
    return fm_array_fread(a, stdin, "<stdin>", cols, max, e);
  FILE *f;
  int st = fm_file_fopen(&f, path, max, "points file", e);
  if (st != FM_OK)
    return st;
  st = fm_array_fread(a, f, path, cols, max, e);
  fclose(f);
  return st;
}

void fm_array_free(fm_array *a)
{
  if (a == NULL)
    return;
  free(a->data);
  free(a->line);
  memset(a, 0, sizeof *a);
}

void fm_array_where(char *out, size_t size, const fm_array *a, const char *name, size_t r)
{
  if (a->line != NULL)
    snprintf(out, size, "%s:%zu", name, a->line[r]);
  else
    snprintf(out, size, "%s: row %zu", name, r + 1);
}
