/* main.c -- the fmcheck command line (README.md): dispatch to subcommands.
 * Exit codes: 0 ok, 1 a check failed, 2 bad input, usage or a write error. */
#include "cli.h"
#include "cli_signal.h"

#include <cblas.h>
#include <stdio.h>
#include <string.h>

static const fm_cli_command fm_commands[] = {
    {"check", "run theorems on cases and print a verdict table", fm_cli_check},
    {"field", "print the exact marginal field, score, log-density and posterior mean",
     fm_cli_field},
    {"report", "convergence report: sweeps, fitted slopes, verdicts (md, json, plots)",
     fm_cli_report},
    {"train", "train the flow-matching MLP on a case (CFM) and save the model", fm_cli_train},
    {"sample", "draw samples from a model (ODE: euler/midpoint/rk4/adaptive, or SDE)",
     fm_cli_sample},
    {"loglik", "CNF log-likelihood of points under a model or a case's exact field",
     fm_cli_loglik},
    {"compare-field", "score a velocity field against the exact marginal field",
     fm_cli_compare_field},
    {"compare-samples", "test samples against p_t of a case (Holm-corrected battery)",
     fm_cli_compare_samples},
    {"validate-schedule", "adoption check of a new schedule: ADOPT or REJECT with reasons",
     fm_cli_validate_schedule},
    {NULL, NULL, NULL},
};

static void fm_usage(FILE *f)
{
  fprintf(f, "usage: fmcheck COMMAND [OPTIONS]\n\n"
             "Numerical verification of flow-matching theory on Gaussian mixtures.\n\n"
             "Commands:\n");
  for (const fm_cli_command *c = fm_commands; c->name != NULL; c++)
    fprintf(f, "  %-18s %s\n", c->name, c->summary);
  fprintf(f, "  %-18s %s\n", "help", "'fmcheck help COMMAND' is 'fmcheck COMMAND --help'");
  fprintf(f, "\nRun 'fmcheck COMMAND --help' (or 'fmcheck help COMMAND') for a command's\n"
             "options.\n"
             "Output files (--out, --json) are written atomically (a temporary file\n"
             "renamed into place); an existing character device or FIFO is written\n"
             "into instead, any other non-regular file is refused.\n"
             "Exit status: 0 ok, 1 a check failed, 2 bad input, usage or a write\n"
             "error (standard output included).\n");
}

/* `fmcheck help` (and `fmcheck help help`) is `fmcheck --help`; `fmcheck
 * help CMD` is `fmcheck CMD --help` (the command prints its own text, so the
 * two cannot differ). */
static int fm_help(int argc, char **argv)
{
  if (argc == 2 || strcmp(argv[2], "help") == 0) {
    fm_usage(stdout);
    return FM_EXIT_OK;
  }
  if (argc > 3)
    return fm_cli_error("help: one command at most (usage: fmcheck help [COMMAND])");
  for (const fm_cli_command *c = fm_commands; c->name != NULL; c++)
    if (strcmp(argv[2], c->name) == 0) {
      static char opt_help[] = "--help";
      char *args[] = {argv[2], opt_help, NULL};
      return c->run(2, args);
    }
  fprintf(stderr, "fmcheck: help: unknown command '%s'\n", argv[2]);
  fm_usage(stderr);
  return FM_EXIT_USAGE;
}

static int fm_main(int argc, char **argv)
{
  if (argc < 2) {
    fm_usage(stderr);
    return FM_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fm_usage(stdout);
    return FM_EXIT_OK;
  }
  if (strcmp(argv[1], "help") == 0)
    return fm_help(argc, argv);
  if (strcmp(argv[1], "--version") == 0) {
    printf("fmcheck %s\n", FM_VERSION);
    return FM_EXIT_OK;
  }
  for (const fm_cli_command *c = fm_commands; c->name != NULL; c++)
    if (strcmp(argv[1], c->name) == 0)
      return c->run(argc - 1, argv + 1);
  fprintf(stderr, "fmcheck: unknown command '%s'\n", argv[1]);
  fm_usage(stderr);
  return FM_EXIT_USAGE;
}

int main(int argc, char **argv)
{
  fm_cli_signals_install();
  /* One OpenBLAS thread from the start, as the MLP sets it (mlp.h): a
   * threaded BLAS call need not sum in the same order for every thread
   * count, so without this a number could depend on the cores of the
   * machine and on whether an MLP had already run in the process -- e.g.
   * the fdiff sweep on aniso3d-vp changed in its 14th digit after the
   * fm-cfm-grad check, and `report --from-check` (no MLP) would not write
   * the report of `report`. */
  openblas_set_num_threads(1);
  int rc = fm_main(argc, argv);
  /* output that did not reach stdout (full disk, device) is an error even
   * when the command itself succeeded */
  int wr = fm_cli_stdout_close();
  return wr != FM_EXIT_OK ? wr : rc;
}
