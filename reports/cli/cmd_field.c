/* cmd_field.c -- `fmcheck field`: the exact marginal field u_t, score
 * grad log p_t, log p_t and posterior mean E[x1|x_t = x] at given points,
 * printed with %.17g (round-trip precision), as an oracle for other code.
 * Every input row is validated before anything is printed. */
#include "cli.h"
#include "cli_opts.h"
#include "points_csv.h"
#include "precision.h"

#include <stdlib.h>

static void fm_field_help(FILE *f)
{
  fprintf(f, "usage: fmcheck field --case F --points P.csv [--out FILE]\n\n"
             "Exact marginal quantities of case F's probability path.\n"
             "P.csv rows: t,x[0],...,x[d-1] (t in [0,1]; an optional header line and\n"
             "'#' comments are allowed).  Output CSV (stdout, or FILE written\n"
             "atomically) with header\n"
             "  t,x[0]..x[d-1],u[0]..u[d-1],score[0]..score[d-1],logp,mean[0]..mean[d-1]\n"
             "where u is the marginal field, score = grad log p_t, mean = E[x1|x_t=x].\n"
             "F is a case file or a built-in case name.\n"
             "A FILE that is a character device or FIFO is written into, not replaced.\n"
             "Exit status: 0 ok, 2 bad input, usage or a write error.\n");
}

static void fm_field_header(FILE *f, size_t d)
{
  static const char *const names[] = {"x", "u", "score", "mean"};
  fputs("t", f);
  for (int g = 0; g < 4; g++) {
    if (g == 3)
      fputs(",logp", f);
    for (size_t i = 0; i < d; i++)
      fprintf(f, ",%s[%zu]", names[g], i);
  }
  fputc('\n', f);
}

/* out row layout: u (d), score (d), logp, mean (d) */
static int fm_field_compute(double *out, const fm_case *c, const double *pts, size_t n,
                            const char *path)
{
  size_t d = c->gmm->d, w = 3 * d + 1;
  for (size_t r = 0; r < n; r++) {
    const double *row = pts + r * (d + 1);
    double *o = out + r * w;
    if (row[0] < 0.0 || row[0] > 1.0)
      return fm_cli_error("%s: data row %zu: t = %.17g is outside [0, 1]", path, r + 1, row[0]);
    int st = fm_gmm_marginal(o + 2 * d, o + d, o + 2 * d + 1, o, c->gmm, c->sched, row[0],
                             row + 1);
    if (st != FM_OK)
      return fm_cli_error("%s: data row %zu (t = %.17g): %s", path, r + 1, row[0],
                          fm_strerror(st));
  }
  return FM_EXIT_OK;
}

static void fm_field_write(FILE *f, const double *pts, const double *out, size_t n, size_t d)
{
  fm_field_header(f, d);
  for (size_t r = 0; r < n; r++) {
    const double *row = pts + r * (d + 1), *o = out + r * (3 * d + 1);
    for (size_t j = 0; j <= d; j++)
      fprintf(f, "%s%.17g", j ? "," : "", row[j]);
    for (size_t j = 0; j < 3 * d + 1; j++)
      fprintf(f, ",%.17g", o[j]);
    fputc('\n', f);
  }
}

int fm_cli_field(int argc, char **argv)
{
  const char *casef = NULL, *points = NULL, *outf = NULL;
  fm_cli_opt opts[] = {
      {"--case", FM_OPT_STR, &casef, 0, 0, 0, 0, 0},
      {"--points", FM_OPT_STR, &points, 0, 0, 0, 0, 0},
      {"--out", FM_OPT_STR, &outf, 0, 0, 0, 0, 0},
      {NULL, FM_OPT_FLAG, NULL, 0, 0, 0, 0, 0},
  };
  int prc = fm_cli_opts_parse_ex(opts, argc, argv, "field", fm_field_help,
                                 FM_OPTS_UNKNOWN_SHOWS_HELP);
  if (prc != 0)
    return prc == 1 ? FM_EXIT_OK : prc;
  if (casef == NULL || points == NULL)
    return fm_cli_opts_missing(fm_field_help, "field", "--case and --points are required");
  if (!fm_precision_long_double_extended())
    fprintf(stderr, "fmcheck: warning: long double arithmetic is not extended here (valgrind, "
                    "or a platform where long double is double): far-tail values are accurate "
                    "to ~1e-13 relative instead of ~1e-16\n");
  fm_case **cs;
  size_t nc;
  char *files[1] = {(char *)casef};
  int rc = fm_cli_cases_load(&cs, &nc, files, 1);
  if (rc != FM_EXIT_OK)
    return rc;
  size_t d = cs[0]->gmm->d, n;
  double *pts = NULL, *out = NULL;
  fm_errmsg e = {""};
  if (fm_csv_read(&pts, &n, points, d + 1, &e) != FM_OK) {
    rc = fm_cli_error("%s (case %s has dimension %zu, so rows are t plus %zu coordinates)",
                      e.msg, cs[0]->name, d, d);
  } else if ((out = malloc(n * (3 * d + 1) * sizeof *out)) == NULL) {
    rc = fm_cli_error("out of memory");
  } else {
    rc = fm_field_compute(out, cs[0], pts, n, points);
  }
  if (rc == FM_EXIT_OK && outf == NULL) {
    fm_field_write(stdout, pts, out, n, d);
    rc = fm_cli_stdout_flush();
  } else if (rc == FM_EXIT_OK) {
    fm_cli_atomic a;
    rc = fm_cli_atomic_open(&a, outf);
    if (rc == FM_EXIT_OK) {
      fm_field_write(a.f, pts, out, n, d);
      rc = fm_cli_atomic_commit(&a, 1);
    }
  }
  free(pts);
  free(out);
  fm_cli_cases_free(cs, nc);
  return rc;
}
