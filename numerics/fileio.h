/* fileio.h -- opening an input file without trusting it.  Every file fmcheck
 * reads (case JSON, table CSV, model file, points/field/samples CSV) is
 * opened here, so that what is not a regular file, or is larger than its
 * format's limit (fm_limits.h), is refused at once -- before any byte is
 * read -- instead of being read to the end of /dev/zero, blocking forever
 * in open() on a FIFO, or exhausting memory on a multi-gigabyte file.
 *
 * How: open(O_RDONLY | O_NONBLOCK) (so opening a FIFO with no writer
 * returns at once), fstat the descriptor (not the path: no race with a
 * rename in between), refuse anything but a regular file, refuse st_size
 * above the limit, then clear O_NONBLOCK and read.  The reader also stops
 * at the limit, should the file grow while it is read.
 *
 * Messages (fm_errmsg), each starting with the path:
 *   "<path>: cannot open: <reason>"                        FM_EIO
 *   "<path>: not a regular file"                           FM_EIO
 *   "<path>: N bytes is larger than the limit for a <what> (L bytes)"
 *                                                          FM_EINVAL
 * `what` names the format ("case file", "table file", ...).  Standard
 * input ("-") is not supported: a path is always a file name.
 */
#ifndef FM_FILEIO_H
#define FM_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fm_status.h"

/* A blocking read-only descriptor on the regular file path, at most max
 * bytes long; *size is its length at open.  The caller closes *fd. */
int fm_file_open(int *fd, uint64_t *size, const char *path, uint64_t max, const char *what,
                 fm_errmsg *e);

/* As fm_file_open, as a stdio stream (for line readers); the caller
 * fcloses *f. */
int fm_file_fopen(FILE **f, const char *path, uint64_t max, const char *what, fm_errmsg *e);

/* Exactly n bytes from fd into buf; FM_EIO naming path on a read error,
 * FM_EPARSE when the file ends first (it shrank since fm_file_open). */
int fm_file_read_exact(int fd, void *buf, size_t n, const char *path, fm_errmsg *e);

/* The whole regular file path (at most max bytes) in a malloc'ed buffer
 * with a NUL after the *len bytes (text formats can use it as a string). */
int fm_file_read_all(char **buf, size_t *len, const char *path, uint64_t max,
                     const char *what, fm_errmsg *e);

#endif
