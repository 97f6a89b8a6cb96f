/* fileio.c -- opening an input file without trusting it (see fileio.h). */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fm_file_open(int *fd, uint64_t *size, const char *path, uint64_t max, const char *what,
                 fm_errmsg *e)
{
  *fd = -1;
  /* O_NONBLOCK: a FIFO without a writer would otherwise block open()
   * forever; O_NOCTTY: a terminal must not become ours by being named. */
  int d = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (d < 0)
    return fm_errmsg_set(e, FM_EIO, "%s: cannot open: %s", path, strerror(errno));
  struct stat sb;
  int st = FM_OK;
  if (fstat(d, &sb) != 0)
    st = fm_errmsg_set(e, FM_EIO, "%s: cannot stat: %s", path, strerror(errno));
  else if (!S_ISREG(sb.st_mode))
    st = fm_errmsg_set(e, FM_EIO, "%s: not a regular file", path);
  else if ((uint64_t)sb.st_size > max)
    st = fm_errmsg_set(e, FM_EINVAL,
                       "%s: %llu bytes is larger than the limit for a %s (%llu bytes)", path,
                       (unsigned long long)sb.st_size, what, (unsigned long long)max);
  int fl = st == FM_OK ? fcntl(d, F_GETFL) : 0;
  if (st == FM_OK && (fl < 0 || fcntl(d, F_SETFL, fl & ~O_NONBLOCK) < 0))
    st = fm_errmsg_set(e, FM_EIO, "%s: cannot read: %s", path, strerror(errno));
  if (st != FM_OK) {
    close(d);
    return st;
  }
  *fd = d;
  *size = (uint64_t)sb.st_size;
  return FM_OK;
}

int fm_file_fopen(FILE **f, const char *path, uint64_t max, const char *what, fm_errmsg *e)
{
  *f = NULL;
  int fd;
  uint64_t size;
  int st = fm_file_open(&fd, &size, path, max, what, e);
  if (st != FM_OK)
    return st;
  *f = fdopen(fd, "r");
  if (*f == NULL) {
    int err = errno;
    close(fd);
    return fm_errmsg_set(e, err == ENOMEM ? FM_ENOMEM : FM_EIO, "%s: cannot read: %s", path,
                         strerror(err));
  }
  return FM_OK;
}

/* Up to n bytes (fewer only at the end of the file); -1 on a read error. */
static ssize_t fm_file_read_some(int fd, unsigned char *p, size_t n)
{
  size_t got = 0;
  while (got < n) {
    ssize_t k = read(fd, p + got, n - got);
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0)
      return -1;
    if (k == 0)
      break;
    got += (size_t)k;
  }
  return (ssize_t)got;
}

int fm_file_read_exact(int fd, void *buf, size_t n, const char *path, fm_errmsg *e)
{
  ssize_t k = fm_file_read_some(fd, buf, n);
  if (k < 0)
    return fm_errmsg_set(e, FM_EIO, "%s: read error: %s", path, strerror(errno));
  if ((size_t)k < n)
    return fm_errmsg_set(e, FM_EPARSE, "%s: the file ended after %zd of %zu bytes (it "
                         "changed while being read?)", path, k, n);
  return FM_OK;
}

int fm_file_read_all(char **buf, size_t *len, const char *path, uint64_t max,
                     const char *what, fm_errmsg *e)
{
  *buf = NULL;
  *len = 0;
  int fd;
  uint64_t size;
  int st = fm_file_open(&fd, &size, path, max, what, e);
  if (st != FM_OK)
    return st;
  /* One byte more than fstat said, to see whether the file grew since;
   * growth is followed in doublings, up to max. */
  size_t cap = (size_t)size + 1, n = 0;
  unsigned char *b = malloc(cap + 1);
  for (;;) {
    if (b == NULL) {
      st = fm_errmsg_set(e, FM_ENOMEM, "%s: out of memory for %zu bytes", path, cap);
      break;
    }
    ssize_t k = fm_file_read_some(fd, b + n, cap - n);
    if (k < 0) {
      st = fm_errmsg_set(e, FM_EIO, "%s: read error: %s", path, strerror(errno));
      break;
    }
    n += (size_t)k;
    if (n < cap)
      break;
    if ((uint64_t)n > max) {
      st = fm_errmsg_set(e, FM_EINVAL, "%s: more than %llu bytes, the limit for a %s "
                         "(it grew while being read)", path, (unsigned long long)max, what);
      break;
    }
    cap = (uint64_t)2 * cap > max + 1 ? (size_t)max + 1 : 2 * cap;
    unsigned char *nb = realloc(b, cap + 1);
    if (nb == NULL)
      free(b);
    b = nb;
  }
  close(fd);
  if (st != FM_OK) {
    free(b);
    return st;
  }
  b[n] = '\0';
  *buf = (char *)b;
  *len = n;
  return FM_OK;
}
