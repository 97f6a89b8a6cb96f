/* array_io.h -- the arrays fmcheck reads and writes (points, fields,
 * samples, log-likelihoods): a table of `rows` x `cols` finite doubles in
 * row-major order, stored as CSV or as NumPy .npy.
 *
 * Reading (fm_array_read, fm_array_fread):
 *   - .npy is recognised by its magic bytes ("\x93NUMPY"), whatever the
 *     file is called: format version 1.0, 2.0 or 3.0, dtype float64
 *     little-endian ('<f8'), C order, shape (rows, cols) or (rows,) (one
 *     column).  Anything else (another dtype, big-endian, Fortran order, a
 *     shape of another rank, a truncated or over-long data part) is refused
 *     with a sentence saying what was found and how to save it instead.
 *   - Otherwise CSV: the separator is a comma when the first data line
 *     has one, else runs of blanks and tabs.  Blank
 *     lines and lines starting with '#' are skipped; '\r' before the end of
 *     a line is ignored.  The first line may be a header: a line none of
 *     whose fields starts like a number (a digit, or '.', '+' or '-'
 *     followed by one).  Every other line is data: exactly `cols` fields,
 *     each a whole finite number.  A malformed row (`0.5;0.3`, `0.5x,0.3`),
 *     first or not, is an error naming file:line:column -- never a header
 *     silently dropped.  An embedded NUL byte is an error.
 *   - The path "-" is standard input (CSV or .npy alike).
 *   - At most `max` bytes are read (fm_limits.h); a regular file larger
 *     than that, or anything but a regular file (a path other than "-"),
 *     is refused before it is read (fileio.h).
 *
 * Messages (fm_errmsg) have one form, "<file>:<line>: ..." or
 * "<file>:<line>:<column>: ..." for CSV, "<file>: row <r>: ..." for .npy
 * (fm_array_where gives the same prefix for a row found bad later, e.g. a
 * singular point).  Status FM_EPARSE (malformed), FM_EDIM (wrong number of
 * fields or columns), FM_ENONFIN, FM_EINVAL (no data, over a limit),
 * FM_EIO, FM_ENOMEM.
 *
 * Writing: fm_array_write_csv prints a header line then one row per line
 * with %.17g (round trip exact); fm_array_write_npy writes .npy version
 * 1.0, '<f8', C order, shape (rows, cols).  Both only write to
 * the stream; the caller checks it (ferror, fclose) and names the file.
 */
#ifndef FM_ARRAY_IO_H
#define FM_ARRAY_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fm_status.h"

/* A table read from a file.  line[r] is the 1-based line of row r in a CSV
 * file; line is NULL for .npy. */
typedef struct {
  double *data;  /* rows x cols, row-major */
  size_t rows, cols;
  size_t *line;
  int npy;       /* 1 when it was read from .npy */
} fm_array;

/* Read path ("-" = standard input).  cols = 0 accepts any (constant)
 * number of columns; otherwise every row must have exactly cols.  At
 * least one row.  On success *a is filled (free with fm_array_free). */
int fm_array_read(fm_array *a, const char *path, size_t cols, uint64_t max, fm_errmsg *e);

/* The same from an open stream; name stands for the file in messages.
 * Reads at most max bytes. */
int fm_array_fread(fm_array *a, FILE *f, const char *name, size_t cols, uint64_t max,
                   fm_errmsg *e);

void fm_array_free(fm_array *a);

/* "<name>:<line>" (CSV) or "<name>: row <r+1>" (.npy) for row r of a, in
 * out (size bytes; cut short if needed). */
void fm_array_where(char *out, size_t size, const fm_array *a, const char *name, size_t r);

/* A printable copy of s (at most n bytes of it) in out: control bytes,
 * DEL and bytes >= 0x80 as \xHH, a backslash as \\, cut with "..." to fit
 * size.  For putting untrusted text into a message. */
void fm_text_escape(char *out, size_t size, const char *s, size_t n);

/* Write rows x cols doubles.  colnames: cols names for the CSV header
 * (NULL: no header line).  Returns 0, or -1 when the stream reports an
 * error (the caller names the file). */
int fm_array_write_csv(FILE *f, const double *data, size_t rows, size_t cols,
                       const char *const *colnames);
int fm_array_write_npy(FILE *f, const double *data, size_t rows, size_t cols);

/* 1 when path names a .npy output (ends in ".npy"). */
int fm_array_path_is_npy(const char *path);

#endif
