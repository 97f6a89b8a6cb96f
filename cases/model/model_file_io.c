/* model_file_io.c -- the byte level of the model file (model_file.h):
 * little-endian integers and reals assembled explicitly (shifts, not struct
 * dumps), so the format is little-endian whatever the host and no padding
 * or uninitialised byte ever reaches the file; a reader cursor that refuses
 * to step past the end; the atomic write and the whole-file read (opened
 * by fileio.h, the head checked before the rest is read).
 */
#include "model_file.h"
#include "model_file_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "fm_limits.h"

void fm_model_le_put(unsigned char *b, uint64_t v, int n)
{
  for (int i = 0; i < n; i++)
    b[i] = (unsigned char)(v >> (8 * i));
}

uint64_t fm_model_le_get(const unsigned char *b, int n)
{
  uint64_t x = 0;
  for (int i = 0; i < n; i++)
    x |= (uint64_t)b[i] << (8 * i);
  return x;
}

/* ------------------------------------------------------------ writer */

void fm_model_put_bytes(fm_model_wbuf *w, const void *src, size_t n)
{
  if (w->oom)
    return;
  if (w->len + n > w->cap) {
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n)
      cap *= 2;
    unsigned char *q = realloc(w->p, cap);
    if (q == NULL) {
      w->oom = 1;
      return;
    }
    w->p = q;
    w->cap = cap;
  }
  memcpy(w->p + w->len, src, n);
  w->len += n;
}

/* v as an n-byte little-endian integer. */
static void fm_model_put_le(fm_model_wbuf *w, uint64_t v, int n)
{
  unsigned char b[8];
  fm_model_le_put(b, v, n);
  fm_model_put_bytes(w, b, (size_t)n);
}

void fm_model_put_u32(fm_model_wbuf *w, uint32_t v)
{
  fm_model_put_le(w, v, 4);
}

void fm_model_put_u64(fm_model_wbuf *w, uint64_t v)
{
  fm_model_put_le(w, v, 8);
}

void fm_model_put_f64s(fm_model_wbuf *w, const double *x, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    uint64_t u;
    memcpy(&u, &x[i], 8);
    fm_model_put_u64(w, u);
  }
}

void fm_model_put_str(fm_model_wbuf *w, const char *s)
{
  size_t n = s ? strlen(s) : 0;
  if (n > FM_MODEL_MAXSTR)
    n = FM_MODEL_MAXSTR;
  fm_model_put_u32(w, (uint32_t)n);
  fm_model_put_bytes(w, s ? s : "", n);
}

/* ------------------------------------------------------------ reader */

static int fm_model_past_end(fm_model_rbuf *r, const char *field)
{
  return fm_errmsg_set(r->e, FM_EPARSE,
                       "%s: field %s extends past the end of the data (inconsistent "
                       "header)", r->name, field);
}

/* The n-byte little-endian integer at the cursor. */
static int fm_model_get_le(fm_model_rbuf *r, uint64_t *v, int n, const char *field)
{
  if (r->end - r->pos < (size_t)n)
    return fm_model_past_end(r, field);
  *v = fm_model_le_get(r->p + r->pos, n);
  r->pos += (size_t)n;
  return FM_OK;
}

int fm_model_get_u64(fm_model_rbuf *r, uint64_t *v, const char *field)
{
  return fm_model_get_le(r, v, 8, field);
}

int fm_model_get_u32(fm_model_rbuf *r, uint32_t *v, const char *field)
{
  uint64_t x = 0;
  int st = fm_model_get_le(r, &x, 4, field);
  if (st == FM_OK)
    *v = (uint32_t)x;
  return st;
}

int fm_model_get_f64(fm_model_rbuf *r, double *v, const char *field)
{
  uint64_t u;
  int st = fm_model_get_u64(r, &u, field);
  if (st == FM_OK)
    memcpy(v, &u, 8);
  return st;
}

int fm_model_get_f64s(fm_model_rbuf *r, double *x, size_t n, const char *field)
{
  for (size_t i = 0; i < n; i++) {
    int st = fm_model_get_f64(r, &x[i], field);
    if (st != FM_OK)
      return st;
    if (!isfinite(x[i]))
      return fm_errmsg_set(r->e, FM_EPARSE, "%s: field %s[%zu] is not finite", r->name,
                           field, i);
  }
  return FM_OK;
}

int fm_model_get_str(fm_model_rbuf *r, char **s, const char *field)
{
  uint32_t n;
  int st = fm_model_get_u32(r, &n, field);
  if (st != FM_OK)
    return st;
  if (n > FM_MODEL_MAXSTR)
    return fm_errmsg_set(r->e, FM_EPARSE, "%s: field %s has length %u, above %d", r->name,
                         field, n, FM_MODEL_MAXSTR);
  if (r->end - r->pos < n)
    return fm_model_past_end(r, field);
  if (memchr(r->p + r->pos, '\0', n) != NULL)
    return fm_errmsg_set(r->e, FM_EPARSE, "%s: field %s contains a NUL byte", r->name,
                         field);
  *s = malloc((size_t)n + 1);
  if (*s == NULL)
    return fm_errmsg_set(r->e, FM_ENOMEM, "%s: out of memory", r->name);
  memcpy(*s, r->p + r->pos, n);
  (*s)[n] = '\0';
  r->pos += n;
  return FM_OK;
}

/* ------------------------------------------------------------ files */

static int fm_model_write_all(int fd, const unsigned char *p, size_t n)
{
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

/* fsync the directory holding path, so that the rename itself is durable.
 * Best effort: some file systems refuse fsync on directories, and the data
 * is already safe in the renamed file. */
static void fm_model_sync_dir(const char *path)
{
  char dir[4096];
  const char *slash = strrchr(path, '/');
  if (slash == NULL)
    snprintf(dir, sizeof dir, ".");
  else
    snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
  int fd = open(dir, O_RDONLY);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
}

int fm_model_write_atomic(const char *path, const unsigned char *buf, size_t len,
                    fm_errmsg *e)
{
  size_t n = strlen(path);
  char *tmp = malloc(n + 16);
  if (tmp == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "%s: out of memory", path);
  snprintf(tmp, n + 16, "%s.tmp.XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    int err = errno;
    free(tmp);
    return fm_errmsg_set(e, FM_EIO, "%s: cannot create a temporary file beside it: %s",
                         path, strerror(err));
  }
  const char *what = NULL;
  if (fm_model_write_all(fd, buf, len) != 0)
    what = "write";
  else if (fchmod(fd, 0644) != 0)
    what = "chmod";
  else if (fsync(fd) != 0)
    what = "fsync";
  int err = errno;
  if (close(fd) != 0 && what == NULL) {
    what = "close";
    err = errno;
  }
  if (what == NULL && rename(tmp, path) != 0) {
    what = "rename";
    err = errno;
  }
  if (what != NULL) {
    unlink(tmp);
    free(tmp);
    return fm_errmsg_set(e, FM_EIO, "%s: cannot save the model (%s failed: %s)", path, what,
                         strerror(err));
  }
  free(tmp);
  fm_model_sync_dir(path);
  return FM_OK;
}

int fm_model_read_file(unsigned char **buf, size_t *len, const char *path, fm_errmsg *e)
{
  *buf = NULL;
  int fd;
  uint64_t size;
  int st = fm_file_open(&fd, &size, path, FM_LIMIT_MODEL_BYTES, "model file", e);
  if (st != FM_OK)
    return st;
  /* The head first: a file that is not a model (or lies about its length)
   * is refused after 20 bytes, before the rest is allocated or read.  A file
   * too short for a head is read whole: the parser says what it lacks. */
  size_t n = (size_t)size, got = n < FM_MODEL_PREFIX ? n : FM_MODEL_PREFIX;
  unsigned char head[FM_MODEL_PREFIX], *p = NULL;
  st = fm_file_read_exact(fd, head, got, path, e);
  if (st == FM_OK && got == FM_MODEL_PREFIX)
    st = fm_model_check_head(head, n, path, e);
  if (st == FM_OK && (p = malloc(n > 0 ? n : 1)) == NULL)
    st = fm_errmsg_set(e, FM_ENOMEM, "%s: out of memory for %zu bytes", path, n);
  if (st == FM_OK) {
    memcpy(p, head, got);
    st = fm_file_read_exact(fd, p + got, n - got, path, e);
  }
  close(fd);
  if (st != FM_OK) {
    free(p);
    return st;
  }
  *buf = p;
  *len = n;
  return FM_OK;
}

int fm_model_check_head(const unsigned char *head, size_t len, const char *name,
                        fm_errmsg *e)
{
  if (len < FM_MODEL_PREFIX + 4)
    return fm_errmsg_set(e, FM_EPARSE,
                         "%s: %zu bytes is too short to be an fmcheck model file "
                         "(truncated?)", name, len);
  if (memcmp(head, FM_MODEL_MAGIC, 8) != 0)
    return fm_errmsg_set(e, FM_EPARSE,
                         "%s: not an fmcheck model file (the first 8 bytes are not "
                         "\"%s\")", name, FM_MODEL_MAGIC);
  uint64_t declared = fm_model_le_get(head + 12, 8);
  if (declared != len)
    return fm_errmsg_set(e, FM_EPARSE,
                         "%s: the file has %zu bytes but its header says %llu: %s", name,
                         len, (unsigned long long)declared,
                         declared > len ? "truncated" : "corrupted (length field)");
  return FM_OK;
}
