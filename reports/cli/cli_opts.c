/* cli_opts.c -- table-driven option parsing (see cli_opts.h). */
#include "cli_opts.h"
#include "cli.h"

#include <string.h>

static int fm_opt_value(fm_cli_opt *o, const char *v, const char *cmd)
{
  if (o->kind == FM_OPT_STR) {
    *(const char **)o->out = v;
  } else if (o->kind == FM_OPT_FN) {
    const fm_cli_optfn *f = o->out;
    return f->fn(f->ctx, v);
  } else if (o->kind == FM_OPT_U64) {
    unsigned long long u;
    if (fm_cli_parse_u64(&u, v) != 0 || u < o->min_u)
      return fm_cli_error("%s: option %s needs an integer >= %llu, got '%s'", cmd, o->name,
                          o->min_u, v);
    *(unsigned long long *)o->out = u;
  } else {
    double x;
    int ranged = o->min_d != 0.0 || o->max_d != 0.0;
    if (fm_cli_parse_double(&x, v) != 0 || (ranged && !(x >= o->min_d && x <= o->max_d))) {
      if (ranged)
        return fm_cli_error("%s: option %s needs a number in [%g, %g], got '%s'", cmd,
                            o->name, o->min_d, o->max_d, v);
      return fm_cli_error("%s: option %s needs a finite number, got '%s'", cmd, o->name, v);
    }
    *(double *)o->out = x;
  }
  return 0;
}

/* Match argv[*i] against one option; 1 matched, 0 not, FM_EXIT_USAGE. */
static int fm_opt_match(fm_cli_opt *o, int argc, char **argv, int *i, const char *cmd)
{
  if (o->kind == FM_OPT_FLAG) {
    if (strcmp(argv[*i], o->name) != 0)
      return 0;
    *(int *)o->out = o->flag_value;
    o->given = 1;
    return 1;
  }
  int missing = 0;
  const char *v = fm_cli_optval(argc, argv, i, o->name, &missing);
  if (missing)
    return FM_EXIT_USAGE;
  if (v == NULL)
    return 0;
  if (fm_opt_value(o, v, cmd) != 0)
    return FM_EXIT_USAGE;
  o->given = 1;
  return 1;
}

int fm_cli_opts_parse(fm_cli_opt *opts, int argc, char **argv, const char *cmd,
                      fm_cli_help_fn help)
{
  return fm_cli_opts_parse_ex(opts, argc, argv, cmd, help, 0);
}

int fm_cli_opts_parse_ex(fm_cli_opt *opts, int argc, char **argv, const char *cmd,
                         fm_cli_help_fn help, unsigned flags)
{
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      help(stdout);
      return 1;
    }
  for (int i = 1; i < argc; i++) {
    int r = 0;
    for (fm_cli_opt *o = opts; o->name != NULL && r == 0; o++)
      r = fm_opt_match(o, argc, argv, &i, cmd);
    if (r == FM_EXIT_USAGE)
      return FM_EXIT_USAGE;
    if (r == 0 && (flags & FM_OPTS_UNKNOWN_SHOWS_HELP)) {
      help(stderr);
      return fm_cli_error("%s: unknown argument '%s'", cmd, argv[i]);
    }
    if (r == 0)
      return fm_cli_error("%s: unknown argument '%s' (see 'fmcheck %s --help')", cmd,
                          argv[i], cmd);
  }
  return 0;
}

int fm_cli_opts_missing(fm_cli_help_fn help, const char *cmd, const char *what)
{
  help(stderr);
  return fm_cli_error("%s: %s", cmd, what);
}

const fm_cli_opt *fm_cli_opt_get(const fm_cli_opt *opts, const char *name)
{
  for (; opts->name != NULL; opts++)
    if (strcmp(opts->name, name) == 0)
      return opts;
  return NULL;
}
