/* points_csv.c -- strict numeric CSV reader (see points_csv.h). */
#include "points_csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "fm_limits.h"

/* Parse one line into vals[0..ncol-1]; returns 0, or the 1-based field that
 * failed (ncol+1 for "too many fields"), and sets *nfields. */
static size_t fm_csv_line(double *vals, size_t ncol, char *line, size_t *nfields)
{
  size_t k = 0;
  char *p = line;
  for (;;) {
    char *end;
    while (*p == ' ' || *p == '\t')
      p++;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p)
      return (*nfields = k) + 1;
    if (k < ncol)
      vals[k] = v;
    k++;
    p = end;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
      p++;
    if (*p == '\0')
      break;
    if (*p != ',')
      return (*nfields = k);
    p++;
  }
  *nfields = k;
  return k == ncol ? 0 : ncol + 1;
}

static int fm_csv_is_blank(const char *s)
{
  while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
    s++;
  return *s == '\0' || *s == '#';
}

int fm_csv_read(double **data, size_t *rows, const char *path, size_t ncol, fm_errmsg *e)
{
  FILE *f;
  int fst = fm_file_fopen(&f, path, FM_LIMIT_POINTS_BYTES, "points file", e);
  if (fst != FM_OK)
    return fst;
  size_t cap = 64, n = 0, lineno = 0;
  double *d = malloc(cap * ncol * sizeof *d);
  char *line = NULL;
  size_t len = 0;
  int st = d ? FM_OK : FM_ENOMEM, seen = 0;
  while (st == FM_OK && getline(&line, &len, f) != -1) {
    lineno++;
    if (fm_csv_is_blank(line))
      continue;
    if (n == cap) {
      double *nd = realloc(d, 2 * cap * ncol * sizeof *d);
      if (nd == NULL) {
        st = FM_ENOMEM;
        break;
      }
      d = nd;
      cap *= 2;
    }
    size_t nf, bad = fm_csv_line(d + n * ncol, ncol, line, &nf);
    if (bad == 1 && !seen) { /* header */
      seen = 1;
      continue;
    }
    seen = 1;
    if (bad == ncol + 1)
      st = fm_errmsg_set(e, FM_EDIM, "%s:%zu: expected %zu fields, got %zu", path, lineno,
                         ncol, nf);
    else if (bad != 0)
      st = fm_errmsg_set(e, FM_EPARSE, "%s:%zu: field %zu is not a number", path, lineno, bad);
    for (size_t j = 0; st == FM_OK && j < ncol; j++)
      if (!isfinite(d[n * ncol + j]))
        st = fm_errmsg_set(e, FM_ENONFIN, "%s:%zu: field %zu is not finite", path, lineno,
                           j + 1);
    n++;
  }
  if (st == FM_OK && ferror(f))
    st = fm_errmsg_set(e, FM_EIO, "%s: read error", path);
  if (st == FM_OK && n == 0)
    st = fm_errmsg_set(e, FM_EINVAL, "%s: no data rows", path);
  if (st == FM_ENOMEM)
    fm_errmsg_set(e, st, "%s: out of memory", path);
  free(line);
  fclose(f);
  if (st != FM_OK) {
    free(d);
    return st;
  }
  *data = d;
  *rows = n;
  return FM_OK;
}
