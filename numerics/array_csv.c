/* array_csv.c -- the CSV half of the array reader (array_io.h): separator
 * from the first line, an optional header, then rows of finite numbers,
 * every fault named file:line:column. */
#include "array_io.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array_io_impl.h"

typedef struct {
  const char *name;
  size_t line;
  char sep;        /* ',' or ' ' (runs of blanks and tabs) */
  size_t sep_line; /* where the separator was decided */
  fm_errmsg *e;
} fm_csv_ctx;

typedef struct {
  const char *s; /* start of the field (after blanks) */
  size_t n;      /* its length (trailing blanks removed) */
} fm_csv_field;

static int fm_csv_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* The separator a first line implies: a comma, else runs of blanks and
 * tabs (a number holds neither, so tabs need no mode of their own). */
static char fm_csv_sep_of(const char *line)
{
  return strchr(line, ',') ? ',' : ' ';
}

/* The next blank-separated field of line from *p, or 0 at its end. */
static int fm_csv_next_blank(fm_csv_field *fl, const char **p)
{
  const char *q = *p;
  while (fm_csv_blank(*q))
    q++;
  if (*q == '\0')
    return 0;
  const char *s = q;
  while (*q != '\0' && !fm_csv_blank(*q))
    q++;
  fl->s = s;
  fl->n = (size_t)(q - s);
  *p = q;
  return 1;
}

/* Splits line into at most cap fields (counting them all in *count). */
static size_t fm_csv_split(fm_csv_field *f, size_t cap, const char *line, char sep)
{
  const char *p = line;
  size_t k = 0;
  fm_csv_field fl;
  if (sep != ' ') {
    /* a non-blank separator: every separator opens one more field, so
     * "1,,2" has an empty field 2 and "1," an empty field 2 */
    for (;;) {
      const char *q = p;
      while (*q != sep && fm_csv_blank(*q))
        q++;
      const char *s = q;
      while (*q != '\0' && *q != sep)
        q++;
      size_t n = (size_t)(q - s);
      while (n > 0 && fm_csv_blank(s[n - 1]))
        n--;
      if (k < cap)
        f[k] = (fm_csv_field){s, n};
      k++;
      if (*q == '\0')
        break;
      p = q + 1;
    }
    return k;
  }
  while (fm_csv_next_blank(&fl, &p)) {
    if (k < cap)
      f[k] = fl;
    k++;
  }
  return k;
}

/* The field parses as one whole number. */
static int fm_csv_number(double *v, const fm_csv_field *f)
{
  if (f->n == 0)
    return 0;
  char buf[512];
  if (f->n >= sizeof buf)
    return 0;
  memcpy(buf, f->s, f->n);
  buf[f->n] = '\0';
  char *end;
  errno = 0;
  *v = strtod(buf, &end);
  return end == buf + f->n;
}

/* Looks like the start of a number (so it cannot be a header name). */
static int fm_csv_numberlike(const fm_csv_field *f)
{
  double v;
  if (fm_csv_number(&v, f))
    return 1;
  size_t i = 0;
  if (i < f->n && (f->s[i] == '+' || f->s[i] == '-'))
    i++;
  if (i < f->n && f->s[i] == '.')
    i++;
  return i < f->n && f->s[i] >= '0' && f->s[i] <= '9';
}

static int fm_csv_bad_field(fm_csv_ctx *c, const char *line, const fm_csv_field *f, size_t k)
{
  char shown[96];
  fm_text_escape(shown, sizeof shown, f->s, f->n);
  size_t col = (size_t)(f->s - line) + 1;
  if (f->n == 0)
    return fm_errmsg_set(c->e, FM_EPARSE, "%s:%zu:%zu: field %zu is empty", c->name, c->line,
                         col, k + 1);
  const char *hint = "";
  int blank = memchr(f->s, ' ', f->n) != NULL || memchr(f->s, '\t', f->n) != NULL;
  if (c->sep == ',' && blank)
    hint = " (fields are separated by ',' in this file)";
  else if (c->sep == ' ' && (memchr(f->s, ';', f->n) || memchr(f->s, ',', f->n)))
    hint = " (separators are ',', tab or blanks)";
  return fm_errmsg_set(c->e, FM_EPARSE, "%s:%zu:%zu: field %zu is not a number: '%s'%s",
                       c->name, c->line, col, k + 1, shown, hint);
}

/* One data line into vals (cols of them). */
static int fm_csv_row(fm_csv_ctx *c, double *vals, fm_csv_field *fl, size_t cols,
                      const char *line)
{
  size_t k = fm_csv_split(fl, cols + 1, line, c->sep);
  for (size_t j = 0; j < k && j < cols; j++)
    if (!fm_csv_number(&vals[j], &fl[j]))
      return fm_csv_bad_field(c, line, &fl[j], j);
  if (k != cols)
    return fm_errmsg_set(c->e, FM_EDIM, "%s:%zu: expected %zu fields, got %zu", c->name,
                         c->line, cols, k);
  for (size_t j = 0; j < cols; j++)
    if (!isfinite(vals[j]))
      return fm_errmsg_set(c->e, FM_ENONFIN, "%s:%zu:%zu: field %zu is not finite", c->name,
                           c->line, (size_t)(fl[j].s - line) + 1, j + 1);
  return FM_OK;
}

/* A header: no field looks like a number. */
static int fm_csv_is_header(const char *line, char sep)
{
  fm_csv_field fl[64];
  size_t k = fm_csv_split(fl, 64, line, sep);
  for (size_t j = 0; j < k && j < 64; j++)
    if (fm_csv_numberlike(&fl[j]))
      return 0;
  return 1;
}

static int fm_csv_skip(const char *s)
{
  while (fm_csv_blank(*s))
    s++;
  return *s == '\0' || *s == '#';
}

/* Room for one more row in a (rows and line numbers). */
static int fm_csv_grow(fm_array *a, size_t *cap)
{
  if (a->rows < *cap)
    return FM_OK;
  size_t nc = *cap ? 2 * *cap : 64;
  if (nc > ((size_t)-1) / sizeof(double) / (a->cols ? a->cols : 1))
    return FM_ENOMEM;
  double *d = realloc(a->data, nc * a->cols * sizeof *d);
  if (d == NULL)
    return FM_ENOMEM;
  a->data = d;
  size_t *l = realloc(a->line, nc * sizeof *l);
  if (l == NULL)
    return FM_ENOMEM;
  a->line = l;
  *cap = nc;
  return FM_OK;
}

/* One non-blank line: the header, or a row appended to a. */
static int fm_csv_line(fm_csv_ctx *c, fm_array *a, size_t *cap, fm_csv_field **fl,
                       size_t *flcap, const char *line, int first)
{
  if (first || c->sep_line == 0) { /* after a header the data decide */
    c->sep = fm_csv_sep_of(line);
    c->sep_line = c->line;
    if (first && fm_csv_is_header(line, c->sep)) {
      c->sep_line = 0;
      return FM_OK;
    }
  }
  if (a->cols == 0) /* any width: the first data row decides */
    a->cols = fm_csv_split(NULL, 0, line, c->sep);
  if (*flcap < a->cols + 1) {
    fm_csv_field *nf = realloc(*fl, (a->cols + 1) * sizeof *nf);
    if (nf == NULL)
      return fm_errmsg_set(c->e, FM_ENOMEM, "%s: out of memory", c->name);
    *fl = nf;
    *flcap = a->cols + 1;
  }
  if (fm_csv_grow(a, cap) != FM_OK)
    return fm_errmsg_set(c->e, FM_ENOMEM, "%s: out of memory at line %zu", c->name, c->line);
  int st = fm_csv_row(c, a->data + a->rows * a->cols, *fl, a->cols, line);
  if (st == FM_OK)
    a->line[a->rows++] = c->line;
  return st;
}

int fm_array_csv_fread(fm_array *a, FILE *f, const char *name, size_t cols, uint64_t max,
                       fm_errmsg *e)
{
  fm_csv_ctx c = {name, 0, ',', 0, e};
  a->cols = cols;
  char *line = NULL;
  size_t len = 0, cap = 0, flcap = 0;
  fm_csv_field *fl = NULL;
  uint64_t total = 0;
  int st = FM_OK, first = 1;
  ssize_t n;
  while (st == FM_OK && (n = getline(&line, &len, f)) != -1) {
    c.line++;
    total += (uint64_t)n;
    const char *nul = memchr(line, '\0', (size_t)n);
    if (total > max)
      st = fm_errmsg_set(e, FM_EINVAL, "%s: more than %llu bytes, the limit for a points "
                         "file", name, (unsigned long long)max);
    else if (nul != NULL)
      st = fm_errmsg_set(e, FM_EPARSE, "%s:%zu:%zu: a NUL byte (binary data?)", name, c.line,
                         (size_t)(nul - line) + 1);
    else if (!fm_csv_skip(line)) {
      st = fm_csv_line(&c, a, &cap, &fl, &flcap, line, first);
      first = 0;
    }
  }
  if (st == FM_OK && ferror(f))
    st = fm_errmsg_set(e, FM_EIO, "%s: read error", name);
  if (st == FM_OK && a->rows == 0)
    st = fm_errmsg_set(e, FM_EINVAL, "%s: no data rows", name);
  free(line);
  free(fl);
  if (st != FM_OK)
    fm_array_free(a);
  return st;
}
