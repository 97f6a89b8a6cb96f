/* cmd_validate.c -- `fmcheck validate-schedule --schedule F`: the adoption
 * check of a new path schedule (validate.h).  Prints a table per item and
 * ends with "ADOPT" or "REJECT: <reasons>"; --out DIR writes report.md and
 * validate.json, --json F the JSON alone (each atomically).  Exit 0 on
 * ADOPT, 1 on REJECT, 2 on bad input or usage. */
#include "cli.h"
#include "cli_opts.h"
#include "cli_progress.h"
#include "validate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void fm_validate_help(FILE *f)
{
  fprintf(f,
          "usage: fmcheck validate-schedule --schedule F [--out DIR] [--json F] [--quick]\n"
          "                                 [--no-train] [--all] [--seed N] [--points N]\n"
          "                                 [--prec BITS]\n\n"
          "The adoption check of a new path schedule.  F is a JSON file whose top-level\n"
          "object is either a schedule object (it has \"type\": cond_ot, vp, ve, cosine,\n"
          "polynomial, linear_vp, expr or table; optional \"name\", \"description\") or a\n"
          "case file (it has \"schedule\"; its data joins the standard cases).\n\n"
          "  1 admissibility   theorem schedule: boundary breaks and their KL cost,\n"
          "                    positivity, SNR monotonicity, claimed vs symbolic vs\n"
          "                    numeric derivatives, a user cond_field; the ends\n"
          "  2 battery         every other theorem with its negative controls on\n"
          "                    gauss1d, bimodal1d, ring8, aniso3d (+ mix16d with --all)\n"
          "  3 conversions     u, x1-prediction, epsilon, score\n"
          "  4 transform       the CondOT field mapped to this schedule vs its closed\n"
          "                    form; theorem schedule-transform\n"
          "  5 training        small MLP under this schedule and under cond_ot on\n"
          "                    bimodal1d and ring8 (informative)\n\n"
          "  --schedule F   the schedule (required)\n"
          "  --out DIR      write DIR/report.md and DIR/validate.json\n"
          "  --json F       write the JSON report to F\n"
          "  --quick        smaller budgets: 16 points, item 2 without fm-cfm-grad and\n"
          "                 sde-marginals, item 5 at 300 steps; items 2-4 skipped once\n"
          "                 item 1 rejects the schedule\n"
          "  --no-train     skip item 5\n"
          "  --all          add mix16d to the standard cases\n"
          "  --seed N       override the cases' seeds\n"
          "  --points N     random points per pointwise check (default 48)\n"
          "  --prec BITS    MPFR reference precision (default 256)\n\n"
          "Exit status: 0 ADOPT, 1 REJECT, 2 bad input or usage.\n");
}

static void fm_validate_progress(const char *what, size_t k, size_t n, void *ctx)
{
  fm_cli_progress_show(ctx, k, n, what, -1.0);
}

static int fm_validate_outdir(const char *dir)
{
  struct stat sb;
  if (stat(dir, &sb) == 0)
    return S_ISDIR(sb.st_mode) ? FM_EXIT_OK
                               : fm_cli_error("--out %s: exists and is not a directory", dir);
  if (mkdir(dir, 0777) != 0)
    return fm_cli_error("--out %s: cannot create the directory (%s)", dir, strerror(errno));
  return FM_EXIT_OK;
}

static int fm_validate_write(const fm_val_result *r, const char *out, const char *json)
{
  int rc = FM_EXIT_OK;
  if (out != NULL) {
    size_t n = strlen(out) + 32;
    char *p = malloc(n);
    if (p == NULL)
      return fm_cli_error("out of memory");
    snprintf(p, n, "%s/report.md", out);
    rc = fm_val_write_md(r, p);
    snprintf(p, n, "%s/validate.json", out);
    if (rc == FM_EXIT_OK)
      rc = fm_val_write_json(r, p);
    free(p);
  }
  if (rc == FM_EXIT_OK && json != NULL)
    rc = fm_val_write_json(r, json);
  return rc;
}

int fm_cli_validate_schedule(int argc, char **argv)
{
  const char *sched = NULL, *out = NULL, *json = NULL;
  int quick = 0, notrain = 0, all = 0;
  unsigned long long seed = 0, points = 48, prec = 256;
  fm_cli_opt opts[] = {
      {"--schedule", FM_OPT_STR, &sched, 0, 0, 0, 0, 0},
      {"--out", FM_OPT_STR, &out, 0, 0, 0, 0, 0},
      {"--json", FM_OPT_STR, &json, 0, 0, 0, 0, 0},
      {"--quick", FM_OPT_FLAG, &quick, 1, 0, 0, 0, 0},
      {"--no-train", FM_OPT_FLAG, &notrain, 1, 0, 0, 0, 0},
      {"--all", FM_OPT_FLAG, &all, 1, 0, 0, 0, 0},
      {"--seed", FM_OPT_U64, &seed, 0, 1, 0, 0, 0},
      {"--points", FM_OPT_U64, &points, 0, 4, 0, 0, 0},
      {"--prec", FM_OPT_U64, &prec, 0, 128, 0, 0, 0},
      {NULL, FM_OPT_FLAG, NULL, 0, 0, 0, 0, 0},
  };
  int rc = fm_cli_opts_parse(opts, argc, argv, "validate-schedule", fm_validate_help);
  if (rc != 0)
    return rc == 1 ? FM_EXIT_OK : rc;
  if (sched == NULL)
    return fm_cli_opts_missing(fm_validate_help, "validate-schedule", "--schedule F is required");
  if (points > 1000000 || prec > 65536)
    return fm_cli_error("validate-schedule: --points at most 1e6, --prec at most 65536");
  if (out != NULL && (rc = fm_validate_outdir(out)) != FM_EXIT_OK)
    return rc;
  fm_val_opts o = {.path = sched, .quick = quick, .train = !notrain, .all = all,
                   .check = fm_check_opts_default()};
  o.check.seed = seed;
  o.check.prec = (unsigned)prec;
  o.check.npoints = fm_cli_opt_get(opts, "--points")->given ? (int)points : 0;
  fm_cli_progress prog;
  fm_cli_progress_init(&prog, "validate-schedule");
  o.progress = fm_validate_progress;
  o.progress_ctx = &prog;
  fm_val_result r;
  fm_errmsg e = {""};
  int st = fm_val_run(&r, &o, &e);
  fm_cli_progress_done(&prog);
  if (st != FM_OK) {
    fm_val_result_clear(&r);
    return fm_cli_error("%s", e.msg[0] ? e.msg : fm_strerror(st));
  }
  fm_val_print(stdout, &r);
  fflush(stdout);
  rc = fm_validate_write(&r, out, json);
  int adopt = r.adopt;
  fm_val_result_clear(&r);
  if (rc != FM_EXIT_OK)
    return rc;
  return adopt ? FM_EXIT_OK : FM_EXIT_FAIL;
}
