/* cmd_field.c -- `fmcheck field`: the exact marginal field u_t, score
 * grad log p_t, log p_t and posterior mean E[x1|x_t = x] at given points,
 * printed with %.17g (round-trip precision), as an oracle for other code.
 * Every input row is validated before anything is printed. */
#include "cli.h"
#include "cli_opts.h"
#include "cli_array.h"
#include "precision.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void fm_field_help(FILE *f)
{
  fprintf(f, "usage: fmcheck field --case F --points P [--out FILE] [--nan-rows]\n\n"
             "Exact marginal quantities of case F's probability path.\n"
             "P rows: t,x[0],...,x[d-1] (t in [0,1]), as CSV (comma, tab or blank\n"
             "separated; an optional header line and '#' comments are allowed) or as\n"
             ".npy (float64, C order, shape (n, d+1)); '-' reads standard input.\n"
             "Output (stdout, or FILE written atomically; .npy when FILE ends in .npy)\n"
             "with columns\n"
             "  t,x[0]..x[d-1],u[0]..u[d-1],score[0]..score[d-1],logp,mean[0]..mean[d-1]\n"
             "where u is the marginal field, score = grad log p_t, mean = E[x1|x_t=x].\n"
             "  --nan-rows  a row where the field is not defined (t outside [0, 1], a\n"
             "              singular point such as t = 1 of vp) is written as NaN, with\n"
             "              its reason in a last CSV column `reason`, instead of failing\n"
             "              the whole file (.npy output: NaN rows, reasons on stderr)\n"
             "F is a case file or a built-in case name.\n"
             "A FILE that is a character device or FIFO is written into, not replaced.\n"
             "Exit status: 0 ok, 2 bad input, usage or a write error.\n");
}

/* The output columns: t, x (d), u (d), score (d), logp, mean (d). */
static char **fm_field_names(size_t d)
{
  size_t w = 4 * d + 2;
  char **nm = calloc(w, sizeof *nm);
  static const char *const g[] = {"x", "u", "score", "mean"};
  for (size_t j = 0; nm != NULL && j < w; j++) {
    char b[48];
    size_t k = j - 1, grp = j == 0 ? 0 : k < 3 * d ? k / d : k == 3 * d ? 9 : 3;
    if (j == 0)
      snprintf(b, sizeof b, "t");
    else if (grp == 9)
      snprintf(b, sizeof b, "logp");
    else
      snprintf(b, sizeof b, "%s[%zu]", g[grp], grp == 3 ? k - 3 * d - 1 : k % d);
    nm[j] = strdup(b);
  }
  return nm;
}

static void fm_field_names_free(char **nm, size_t w)
{
  for (size_t j = 0; nm != NULL && j < w; j++)
    free(nm[j]);
  free(nm);
}

/* Why row r has no value (NULL when it has one). */
static const char *fm_field_row(double *o, const fm_case *c, const double *row)
{
  size_t d = c->gmm->d;
  if (row[0] < 0.0 || row[0] > 1.0)
    return "t outside [0; 1]";
  int st = fm_gmm_marginal(o + 2 * d, o + d, o + 2 * d + 1, o, c->gmm, c->sched, row[0],
                           row + 1);
  return st == FM_OK ? NULL : fm_strerror(st);
}

/* full: rows x (4d + 2), the points then u, score, logp, mean; why[r] the
 * reason of a NaN row (--nan-rows) or NULL. */
static int fm_field_compute(double *full, const char **why, const fm_case *c,
                            const fm_array *pts, const char *path, int nan_rows)
{
  size_t d = c->gmm->d, w = 4 * d + 2;
  char at[1100];
  for (size_t r = 0; r < pts->rows; r++) {
    const double *row = pts->data + r * (d + 1);
    double *o = full + r * w;
    memcpy(o, row, (d + 1) * sizeof *o);
    why[r] = fm_field_row(o + d + 1, c, row);
    if (why[r] == NULL)
      continue;
    fm_cli_array_where(at, sizeof at, pts, path, r);
    if (!nan_rows && (row[0] < 0.0 || row[0] > 1.0))
      return fm_cli_error("%s: t = %.17g is outside [0, 1]", at, row[0]);
    if (!nan_rows)
      return fm_cli_error("%s (t = %.17g): %s (--nan-rows writes such rows as NaN)", at,
                          row[0], why[r]);
    for (size_t j = d + 1; j < w; j++)
      o[j] = NAN;
  }
  return FM_EXIT_OK;
}

static void fm_field_csv(FILE *f, const double *full, const char **why, size_t n, size_t d,
                         char **names, int nan_rows)
{
  size_t w = 4 * d + 2;
  for (size_t j = 0; j < w; j++)
    fprintf(f, "%s%s", j ? "," : "", names[j]);
  fputs(nan_rows ? ",reason\n" : "\n", f);
  for (size_t r = 0; r < n; r++) {
    for (size_t j = 0; j < w; j++)
      fprintf(f, "%s%.17g", j ? "," : "", full[r * w + j]);
    if (nan_rows)
      fprintf(f, ",%s", why[r] ? why[r] : "");
    fputc('\n', f);
  }
}

static int fm_field_output(const char *outf, const double *full, const char **why, size_t n,
                           size_t d, int nan_rows)
{
  char **names = fm_field_names(d);
  if (names == NULL)
    return fm_cli_error("out of memory");
  fm_cli_out o;
  int rc = fm_cli_out_open(&o, outf);
  if (rc == FM_EXIT_OK) {
    if (o.npy)
      fm_array_write_npy(o.f, full, n, 4 * d + 2);
    else
      fm_field_csv(o.f, full, why, n, d, names, nan_rows);
    rc = fm_cli_out_close(&o, 1);
  }
  fm_field_names_free(names, 4 * d + 2);
  return rc;
}

static void fm_field_nan_note(const char **why, const fm_array *pts, const char *path)
{
  size_t k = 0;
  char at[1100];
  for (size_t r = 0; r < pts->rows; r++)
    if (why[r] != NULL && k++ < 5)
      fprintf(stderr, "fmcheck: field: %s: written as NaN: %s\n",
              fm_cli_array_where(at, sizeof at, pts, path, r), why[r]);
  if (k > 5)
    fprintf(stderr, "fmcheck: field: %zu rows written as NaN in all\n", k);
}

int fm_cli_field(int argc, char **argv)
{
  const char *casef = NULL, *points = NULL, *outf = NULL;
  int nan_rows = 0;
  fm_cli_opt opts[] = {
      {"--case", FM_OPT_STR, &casef, 0, 0, 0, 0, 0},
      {"--points", FM_OPT_STR, &points, 0, 0, 0, 0, 0},
      {"--out", FM_OPT_STR, &outf, 0, 0, 0, 0, 0},
      {"--nan-rows", FM_OPT_FLAG, &nan_rows, 1, 0, 0, 0, 0},
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
  size_t d = cs[0]->gmm->d;
  fm_array pts = {0};
  double *full = NULL;
  const char **why = NULL;
  char what[160];
  snprintf(what, sizeof what, "case %s has dimension %zu, so rows are t plus %zu "
           "coordinates", cs[0]->name, d, d);
  rc = fm_cli_array_read(&pts, points, d + 1, what);
  if (rc == FM_EXIT_OK)
    rc = fm_cli_points_work(cs[0], pts.rows, points);
  if (rc == FM_EXIT_OK && ((full = malloc(pts.rows * (4 * d + 2) * sizeof *full)) == NULL ||
                           (why = calloc(pts.rows, sizeof *why)) == NULL))
    rc = fm_cli_error("out of memory");
  if (rc == FM_EXIT_OK)
    rc = fm_field_compute(full, why, cs[0], &pts, points, nan_rows);
  if (rc == FM_EXIT_OK && nan_rows)
    fm_field_nan_note(why, &pts, points);
  if (rc == FM_EXIT_OK)
    rc = fm_field_output(outf, full, why, pts.rows, d, nan_rows);
  fm_array_free(&pts);
  free(full);
  free(why);
  fm_cli_cases_free(cs, nc);
  return rc;
}
