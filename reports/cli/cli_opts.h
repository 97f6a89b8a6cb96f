/* cli_opts.h -- table-driven option parsing for the subcommands: each
 * command lists its options once (name, kind, destination) and one loop
 * parses `--name VALUE`, `--name=VALUE` and flags, validating numbers, so
 * every command rejects bad input with the same kind of message. */
#ifndef FM_CLI_OPTS_H
#define FM_CLI_OPTS_H

#include <stdio.h>

typedef enum {
  FM_OPT_FLAG,   /* int *: set to `flag_value` */
  FM_OPT_STR,    /* const char ** */
  FM_OPT_U64,    /* unsigned long long *, decimal, >= min_u */
  FM_OPT_DBL,    /* double *, finite, in [min_d, max_d] */
  FM_OPT_FN      /* fm_cli_optfn *: its fn takes the value (repeatable options,
                    checks with their own wording) */
} fm_cli_optkind;

/* An option whose value a function takes: fn(ctx, value) returns 0, or
 * FM_EXIT_USAGE after printing its own message.  Kept behind `out` (a data
 * pointer) so the option table keeps its shape. */
typedef struct {
  int (*fn)(void *ctx, const char *value);
  void *ctx;
} fm_cli_optfn;

typedef struct {
  const char *name;     /* "--steps" */
  fm_cli_optkind kind;
  void *out;
  int flag_value;       /* FLAG */
  unsigned long long min_u;
  double min_d, max_d;  /* DBL: both 0 means any finite value */
  int given;            /* set by the parser */
} fm_cli_opt;

/* A command's usage text, written to f. */
typedef void (*fm_cli_help_fn)(FILE *f);

/* Parse argv[1..argc-1] (argv[0] is the command) against opts, terminated
 * by an entry with name == NULL.  Returns 0; 1 when --help or -h was seen
 * (help(stdout) printed, nothing else checked: the command exits 0); or
 * FM_EXIT_USAGE after printing a message naming the command, the option and
 * the bad value. */
int fm_cli_opts_parse(fm_cli_opt *opts, int argc, char **argv, const char *cmd,
                      fm_cli_help_fn help);

/* Flags of fm_cli_opts_parse_ex. */
enum {
  /* an unknown argument prints help(stderr), then "<cmd>: unknown argument
   * 'X'" (the wording check, field and report always had) */
  FM_OPTS_UNKNOWN_SHOWS_HELP = 1
};

/* fm_cli_opts_parse with flags (0 gives fm_cli_opts_parse). */
int fm_cli_opts_parse_ex(fm_cli_opt *opts, int argc, char **argv, const char *cmd,
                         fm_cli_help_fn help, unsigned flags);

/* A required option is missing: help(stderr), then "fmcheck: <cmd>: <what>";
 * returns FM_EXIT_USAGE. */
int fm_cli_opts_missing(fm_cli_help_fn help, const char *cmd, const char *what);

/* The entry named name (it must exist in the table). */
const fm_cli_opt *fm_cli_opt_get(const fm_cli_opt *opts, const char *name);

#endif
