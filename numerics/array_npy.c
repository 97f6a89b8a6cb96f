/* array_npy.c -- the .npy half of the array reader (array_io.h): magic,
 * version, the header dictionary ({'descr': '<f8', 'fortran_order': False,
 * 'shape': (R, C), }), then exactly R x C little-endian float64. */
#include "array_io.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array_io_impl.h"

typedef struct {
  char descr[32];
  int fortran, have_descr, have_fortran, have_shape;
  size_t rank;
  uint64_t shape[2];
} fm_npy_head;

typedef struct {
  const char *p, *end;
} fm_npy_scan;

static void fm_npy_ws(fm_npy_scan *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static int fm_npy_eat(fm_npy_scan *s, char c)
{
  fm_npy_ws(s);
  if (s->p < s->end && *s->p == c) {
    s->p++;
    return 1;
  }
  return 0;
}

/* A quoted string into out (cut to size). */
static int fm_npy_string(fm_npy_scan *s, char *out, size_t size)
{
  fm_npy_ws(s);
  if (s->p >= s->end || (*s->p != '\'' && *s->p != '"'))
    return 0;
  char q = *s->p++;
  size_t k = 0;
  while (s->p < s->end && *s->p != q) {
    if (k + 1 < size)
      out[k++] = *s->p;
    s->p++;
  }
  out[k] = '\0';
  if (s->p >= s->end)
    return 0;
  s->p++;
  return 1;
}

static int fm_npy_word(fm_npy_scan *s, const char *w)
{
  fm_npy_ws(s);
  size_t n = strlen(w);
  if ((size_t)(s->end - s->p) >= n && memcmp(s->p, w, n) == 0) {
    s->p += n;
    return 1;
  }
  return 0;
}

/* (a, b), (a,) or (): rank up to 2 kept, more counted. */
static int fm_npy_shape(fm_npy_scan *s, fm_npy_head *h)
{
  if (!fm_npy_eat(s, '('))
    return 0;
  h->rank = 0;
  for (;;) {
    if (fm_npy_eat(s, ')'))
      return 1;
    fm_npy_ws(s);
    if (s->p >= s->end || *s->p < '0' || *s->p > '9')
      return 0;
    uint64_t v = 0;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
      if (v > (UINT64_MAX - 9) / 10)
        return 0;
      v = 10 * v + (uint64_t)(*s->p++ - '0');
    }
    if (h->rank < 2)
      h->shape[h->rank] = v;
    h->rank++;
    if (!fm_npy_eat(s, ',') && !(fm_npy_ws(s), s->p < s->end && *s->p == ')'))
      return 0;
  }
}

/* One 'key': value pair. */
static int fm_npy_item(fm_npy_scan *s, fm_npy_head *h)
{
  char key[32];
  if (!fm_npy_string(s, key, sizeof key) || !fm_npy_eat(s, ':'))
    return 0;
  if (strcmp(key, "descr") == 0)
    return (h->have_descr = fm_npy_string(s, h->descr, sizeof h->descr));
  if (strcmp(key, "fortran_order") == 0) {
    h->fortran = fm_npy_word(s, "True");
    return (h->have_fortran = h->fortran || fm_npy_word(s, "False"));
  }
  if (strcmp(key, "shape") == 0)
    return (h->have_shape = fm_npy_shape(s, h));
  return 0;
}

static int fm_npy_dict(fm_npy_head *h, const char *text, size_t n)
{
  fm_npy_scan s = {text, text + n};
  memset(h, 0, sizeof *h);
  if (!fm_npy_eat(&s, '{'))
    return 0;
  while (!fm_npy_eat(&s, '}')) {
    if (!fm_npy_item(&s, h))
      return 0;
    if (!fm_npy_eat(&s, ',')) {
      if (!fm_npy_eat(&s, '}'))
        return 0;
      break;
    }
  }
  fm_npy_ws(&s);
  return s.p == s.end && h->have_descr && h->have_fortran && h->have_shape;
}

static uint64_t fm_npy_le(const unsigned char *b, int n)
{
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = (v << 8) | b[i];
  return v;
}

/* The header: magic, version, dictionary; *hl its length. */
static int fm_npy_head_read(fm_npy_head *h, FILE *f, const char *name, uint64_t *used,
                            fm_errmsg *e)
{
  unsigned char pre[12];
  if (fread(pre, 1, 8, f) != 8 || memcmp(pre, "\x93NUMPY", 6) != 0)
    return fm_errmsg_set(e, FM_EPARSE, "%s: starts with byte 0x93 but is not a .npy file "
                         "(the magic \\x93NUMPY is missing or cut short)", name);
  int major = pre[6], lenbytes = major == 1 ? 2 : 4;
  if (major < 1 || major > 3)
    return fm_errmsg_set(e, FM_EPARSE, "%s: .npy format version %d.%d is not supported "
                         "(1.0, 2.0 and 3.0 are)", name, pre[6], pre[7]);
  if (fread(pre + 8, 1, (size_t)lenbytes, f) != (size_t)lenbytes)
    return fm_errmsg_set(e, FM_EPARSE, "%s: truncated .npy header", name);
  uint64_t hl = fm_npy_le(pre + 8, lenbytes);
  if (hl > FM_NPY_MAX_HEADER)
    return fm_errmsg_set(e, FM_EPARSE, "%s: a .npy header of %llu bytes (more than %lu)",
                         name, (unsigned long long)hl, (unsigned long)FM_NPY_MAX_HEADER);
  char *text = malloc(hl + 1);
  if (text == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "%s: out of memory", name);
  int ok = fread(text, 1, hl, f) == hl;
  int parsed = ok && memchr(text, '\0', hl) == NULL && fm_npy_dict(h, text, hl);
  free(text);
  *used = 8 + (uint64_t)lenbytes + hl;
  if (!ok)
    return fm_errmsg_set(e, FM_EPARSE, "%s: truncated .npy header", name);
  if (!parsed)
    return fm_errmsg_set(e, FM_EPARSE, "%s: the .npy header is not a dictionary with "
                         "'descr', 'fortran_order' and 'shape'", name);
  return FM_OK;
}

/* dtype, order and shape acceptable; the shape as rows x cols. */
static int fm_npy_check(const fm_npy_head *h, size_t *rows, size_t *cols, size_t want,
                        const char *name, fm_errmsg *e)
{
  if (strcmp(h->descr, "<f8") != 0 && strcmp(h->descr, "=f8") != 0) {
    char d[96];
    fm_text_escape(d, sizeof d, h->descr, strlen(h->descr));
    return fm_errmsg_set(e, FM_EPARSE, "%s: dtype '%s' is not little-endian float64 ('<f8'); "
                         "save a.astype('<f8')", name, d);
  }
  if (h->fortran)
    return fm_errmsg_set(e, FM_EPARSE, "%s: the array is in Fortran order; save "
                         "np.ascontiguousarray(a) (C order)", name);
  if (h->rank < 1 || h->rank > 2)
    return fm_errmsg_set(e, FM_EDIM, "%s: an array of %zu dimensions; expected (rows, "
                         "columns) or (rows,)", name, h->rank);
  uint64_t r = h->shape[0], c = h->rank == 2 ? h->shape[1] : 1;
  if (want != 0 && c != want)
    return fm_errmsg_set(e, FM_EDIM, "%s: shape has %llu columns, expected %zu", name,
                         (unsigned long long)c, want);
  if (r == 0 || c == 0)
    return fm_errmsg_set(e, FM_EINVAL, "%s: no data rows (shape %llu x %llu)", name,
                         (unsigned long long)r, (unsigned long long)c);
  if (r > SIZE_MAX / 8 / c)
    return fm_errmsg_set(e, FM_EINVAL, "%s: shape %llu x %llu is too large", name,
                         (unsigned long long)r, (unsigned long long)c);
  *rows = (size_t)r;
  *cols = (size_t)c;
  return FM_OK;
}

/* n bytes of data into *buf, grown as they arrive (a header cannot make
 * us allocate more than the stream holds). */
static int fm_npy_data(unsigned char **buf, FILE *f, size_t n, const char *name,
                       fm_errmsg *e)
{
  size_t cap = n < ((size_t)1 << 20) ? n : (size_t)1 << 20, got = 0;
  unsigned char *b = malloc(cap);
  while (b != NULL) {
    got += fread(b + got, 1, cap - got, f);
    if (got < cap || cap == n)
      break;
    cap = cap > n / 2 ? n : 2 * cap;
    unsigned char *nb = realloc(b, cap);
    if (nb == NULL)
      free(b);
    b = nb;
  }
  if (b == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "%s: out of memory", name);
  if (ferror(f) || got < n) {
    free(b);
    return ferror(f) ? fm_errmsg_set(e, FM_EIO, "%s: read error", name)
                     : fm_errmsg_set(e, FM_EPARSE, "%s: truncated: the header declares %zu "
                                     "bytes of data, only %zu follow", name, n, got);
  }
  if (getc(f) != EOF) {
    free(b);
    return fm_errmsg_set(e, FM_EPARSE, "%s: more bytes after the %zu bytes of data the "
                         "header declares", name, n);
  }
  *buf = b;
  return FM_OK;
}

int fm_array_npy_fread(fm_array *a, FILE *f, const char *name, size_t cols, uint64_t max,
                       fm_errmsg *e)
{
  fm_npy_head h;
  uint64_t used = 0;
  size_t r = 0, c = 1;
  int st = fm_npy_head_read(&h, f, name, &used, e);
  if (st == FM_OK)
    st = fm_npy_check(&h, &r, &c, cols, name, e);
  if (st == FM_OK && (uint64_t)r * c * 8 > max - (used < max ? used : max))
    st = fm_errmsg_set(e, FM_EINVAL, "%s: shape %zu x %zu is more than %llu bytes, the limit "
                       "for a points file", name, r, c, (unsigned long long)max);
  unsigned char *b = NULL;
  if (st == FM_OK)
    st = fm_npy_data(&b, f, r * c * 8, name, e);
  /* decoded in place: each double overwrites its own 8 bytes */
  double *d = (double *)(void *)b;
  for (size_t i = 0; st == FM_OK && i < r * c; i++) {
    uint64_t bits = fm_npy_le(b + 8 * i, 8);
    memcpy(&d[i], &bits, 8);
    if (!isfinite(d[i]))
      st = fm_errmsg_set(e, FM_ENONFIN, "%s: row %zu, column %zu is not finite", name,
                         i / c + 1, i % c + 1);
  }
  if (st != FM_OK) {
    free(b);
    fm_array_free(a);
    return st;
  }
  a->data = d;
  a->rows = r;
  a->cols = c;
  a->npy = 1;
  return FM_OK;
}
