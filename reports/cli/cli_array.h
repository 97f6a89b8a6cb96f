/* cli_array.h -- the array files of the commands (points, fields, samples,
 * log-likelihoods): reading CSV or .npy or standard input with one message
 * on bad input, and one output stream that is standard output ("-" or no
 * --out) or a file written atomically (cli.h), in CSV or, when the path
 * ends in .npy, in .npy (numerics/array_io.h). */
#ifndef FM_CLI_ARRAY_H
#define FM_CLI_ARRAY_H

#include <stddef.h>

#include "array_io.h"
#include "cli.h"

/* Rows of exactly ncol finite numbers from path ("-" = stdin); `what`
 * says what the columns are in the message ("rows are t plus 2
 * coordinates").  Prints the message and returns FM_EXIT_USAGE on bad
 * input. */
int fm_cli_array_read(fm_array *a, const char *path, size_t ncol, const char *what);

/* "<file>:<line>" or "<file>: row <r>" of row r, for messages. */
const char *fm_cli_array_where(char *buf, size_t size, const fm_array *a, const char *path,
                               size_t r);

/* Refuses (message, FM_EXIT_USAGE) n points of case c when
 * n K (d^3 + 1024), the work of evaluating the exact field at each, is over
 * FM_LIMIT_POINTS_WORK (fm_limits.h). */
int fm_cli_points_work(const fm_case *c, size_t n, const char *path);

typedef struct {
  FILE *f;
  int npy;       /* write .npy (path ends in .npy) */
  int atomic;    /* a file, not standard output */
  fm_cli_atomic at;
} fm_cli_out;

/* Open the output: path NULL or "-" is standard output (CSV). */
int fm_cli_out_open(fm_cli_out *o, const char *path);
/* Finish it: flush and check standard output, or commit the file (ok = 0
 * drops it).  Returns the exit code. */
int fm_cli_out_close(fm_cli_out *o, int ok);

#endif
