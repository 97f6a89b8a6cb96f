/* cli.h -- shared pieces of the fmcheck command line. */
#ifndef FM_CLI_H
#define FM_CLI_H

#include <stdio.h>

#include "case.h"

#ifndef FM_VERSION
#define FM_VERSION "0.1.0"
#endif

enum { FM_EXIT_OK = 0, FM_EXIT_FAIL = 1, FM_EXIT_USAGE = 2 };

typedef struct {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv); /* argv[0] is the command name */
} fm_cli_command;

int fm_cli_check(int argc, char **argv);
int fm_cli_field(int argc, char **argv);
int fm_cli_train(int argc, char **argv);
int fm_cli_sample(int argc, char **argv);
int fm_cli_loglik(int argc, char **argv);
int fm_cli_compare_field(int argc, char **argv);
int fm_cli_compare_samples(int argc, char **argv);
int fm_cli_report(int argc, char **argv);
int fm_cli_validate_schedule(int argc, char **argv);

/* Print "fmcheck: <msg>\n" to stderr, control characters in msg shown
 * as \xHH (it may quote untrusted text); returns FM_EXIT_USAGE. */
int fm_cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* The same as "fmcheck: warning: <msg>\n". */
void fm_cli_warn(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Standard output.  fm_cli_stdout_flush flushes it and returns FM_EXIT_OK
 * when everything written so far has reached it; otherwise it prints
 * "fmcheck: write error on standard output: <reason>" (once per process:
 * later calls return FM_EXIT_USAGE silently) and returns FM_EXIT_USAGE.  A
 * command that streams rows calls it after each row, so that it stops at
 * the first lost line instead of computing for nothing.  main() calls
 * fm_cli_stdout_close after every command: flush, error flag, fclose -- no
 * command exits 0 with its output lost. */
int fm_cli_stdout_flush(void);
int fm_cli_stdout_close(void);

/* If argv[*i] is `name VALUE` or `name=VALUE`, return VALUE (advancing *i
 * past it); otherwise NULL.  Sets *missing (and prints) when the value is
 * absent. */
const char *fm_cli_optval(int argc, char **argv, int *i, const char *name, int *missing);

/* Parse a decimal unsigned integer / a finite double; 0 on success. */
int fm_cli_parse_u64(unsigned long long *out, const char *s);
int fm_cli_parse_double(double *out, const char *s);

/* The cases named by --case options, or every built-in when none: *n cases,
 * free with fm_cli_cases_free.  On a bad file prints the message and returns
 * FM_EXIT_USAGE. */
int fm_cli_cases_load(fm_case ***cases, size_t *n, char **files, size_t nfiles);
void fm_cli_cases_free(fm_case **cases, size_t n);

/* Atomic output: write to PATH.tmpXXXXXX in the same directory, then fsync
 * and rename.  fm_cli_atomic_open returns the stream (NULL + message on
 * error); fm_cli_atomic_commit flushes, checks for write errors (message,
 * FM_EXIT_USAGE, PATH as it was) and renames, or removes the temp file when
 * ok == 0 (silently: the caller reports why).  An existing PATH that is a
 * character device or a FIFO is written in place, not replaced (as cp
 * does); any other non-regular PATH (directory, socket, block device) is
 * refused with FM_EXIT_USAGE.  The temporary file is removed should
 * SIGINT, SIGTERM or SIGHUP arrive while it exists (cli_signal.h). */
typedef struct {
  FILE *f;
  char *path;
  char *tmp;      /* NULL when direct */
  int direct;     /* PATH itself is open (device or FIFO): no rename */
  int slot;       /* the temporary file's cli_signal.h registration */
} fm_cli_atomic;
int fm_cli_atomic_open(fm_cli_atomic *a, const char *path);
int fm_cli_atomic_commit(fm_cli_atomic *a, int ok);

/* doc written to path atomically, as every JSON file of fmcheck is: indent
 * 2, doubles to 17 significant digits (they read back exactly), a final
 * newline.  Takes over the reference to doc.  A document that cannot be
 * dumped leaves path untouched. */
struct json_t;
int fm_cli_json_write(struct json_t *doc, const char *path);

#endif
