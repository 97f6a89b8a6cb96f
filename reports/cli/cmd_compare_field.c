/* cmd_compare_field.c -- `fmcheck compare-field`: score someone else's
 * velocity field (e.g. a PyTorch model's output) against the exact marginal
 * field u_t of a case.  Rows t,x[0..d-1],v[0..d-1]; the statistic is the
 * relative L2 error over the rows,
 *     R = sqrt( sum_i |v_i - u_i|^2 / sum_i |u_i|^2 ),
 * the empirical version of ||v - u||_{L2(rows)} / ||u||; the worst row is
 * the one with the largest |v_i - u_i| (the largest share of the
 * numerator).  Fails (exit 1) when R > tol (default 1e-6) or R is not a
 * number; every input row is validated first (exit 2 naming the line). */
#include "cli.h"
#include "cli_array.h"
#include "cli_model.h"
#include "cli_opts.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

static void fm_cfield_help(FILE *f)
{
  fprintf(f,
          "usage: fmcheck compare-field --case F --field V [--tol R] [--json FILE]\n\n"
          "Compare a velocity field given at points with the exact marginal field of\n"
          "case F.  V rows: t,x[0],...,x[d-1],v[0],...,v[d-1] (t in [0,1]), as CSV\n"
          "(commas, tabs or blanks; an optional header line and '#' comments are\n"
          "allowed) or .npy (float64, shape (n, 2d+1)); '-' reads standard input.\n"
          "Prints the relative\n"
          "L2 error sqrt(sum |v - u|^2 / sum |u|^2) over the rows and the worst row.\n"
          "  --tol R     fail above this relative L2 error (default 1e-6)\n"
          "  --json FILE also write the result as JSON (atomically)\n"
          "Exit status: 0 within tolerance, 1 above it, 2 bad input or usage.\n");
}

typedef struct {
  size_t n, worst;     /* rows; 0-based index of the worst row */
  double num, den, rel;
  double worst_err, worst_u;
} fm_cfield_res;

/* Accumulate the sums; u (d doubles) is scratch. */
static int fm_cfield_rows(fm_cfield_res *r, double *u, const fm_case *c, const fm_array *a,
                          const char *path)
{
  size_t d = c->gmm->d, n = a->rows;
  const double *rows = a->data;
  char at[1100];
  *r = (fm_cfield_res){n, 0, 0.0, 0.0, 0.0, -1.0, 0.0};
  for (size_t i = 0; i < n; i++) {
    const double *row = rows + i * (2 * d + 1), *v = row + 1 + d;
    if (!(row[0] >= 0.0 && row[0] <= 1.0))
      return fm_cli_error("%s: t = %.17g is outside [0, 1]",
                          fm_cli_array_where(at, sizeof at, a, path, i), row[0]);
    int st = fm_gmm_marginal(NULL, NULL, NULL, u, c->gmm, c->sched, row[0], row + 1);
    if (st != FM_OK)
      return fm_cli_error("%s (t = %.17g): the exact field is not defined there: %s",
                          fm_cli_array_where(at, sizeof at, a, path, i), row[0],
                          fm_strerror(st));
    double e2 = 0.0, u2 = 0.0;
    for (size_t j = 0; j < d; j++) {
      e2 += (v[j] - u[j]) * (v[j] - u[j]);
      u2 += u[j] * u[j];
    }
    r->num += e2;
    r->den += u2;
    if (sqrt(e2) > r->worst_err) {
      r->worst = i;
      r->worst_err = sqrt(e2);
      r->worst_u = sqrt(u2);
    }
  }
  r->rel = r->den > 0.0 ? sqrt(r->num / r->den) : (r->num > 0.0 ? INFINITY : 0.0);
  return FM_EXIT_OK;
}

static int fm_cfield_compute(fm_cfield_res *r, const fm_case *c, const fm_array *a,
                             const char *path)
{
  double *u = malloc(c->gmm->d * sizeof *u);
  if (u == NULL)
    return fm_cli_error("compare-field: out of memory");
  int rc = fm_cfield_rows(r, u, c, a, path);
  free(u);
  return rc;
}

static int fm_cfield_json(const char *path, const fm_cfield_res *r, const fm_case *c,
                          const double *rows, double tol, int pass)
{
  size_t d = c->gmm->d;
  json_t *j = json_pack("{s:s, s:s, s:I, s:f, s:f, s:{s:I, s:f, s:f, s:f}, s:b}", "case",
                        c->name, "origin", c->origin, "rows", (json_int_t)r->n, "rel_l2",
                        isfinite(r->rel) ? r->rel : -1.0, "tol", tol, "worst_row", "row",
                        (json_int_t)(r->worst + 1), "t", rows[r->worst * (2 * d + 1)],
                        "abs_err", r->worst_err, "norm_u", r->worst_u, "pass", pass);
  if (j == NULL)
    return fm_cli_error("compare-field: out of memory");
  return fm_cli_json_write(j, path);
}

static void fm_cfield_print(const fm_cfield_res *r, const fm_case *c, const double *rows,
                            double tol, int pass)
{
  size_t d = c->gmm->d;
  printf("compare-field: case %s (%s), %zu rows, dimension %zu\n", c->name, c->origin, r->n,
         d);
  printf("relative L2 error  %.6g  (tolerance %.3g)\n", r->rel, tol);
  if (r->n > 0)
    printf("worst row          %zu (t = %.17g): |v - u| = %.6g, |u| = %.6g, relative %.6g\n",
           r->worst + 1, rows[r->worst * (2 * d + 1)], r->worst_err, r->worst_u,
           r->worst_u > 0.0 ? r->worst_err / r->worst_u : INFINITY);
  printf("%s\n", pass ? "PASS" : "FAIL");
}

int fm_cli_compare_field(int argc, char **argv)
{
  const char *casef = NULL, *field = NULL, *json = NULL;
  double tol = 1e-6;
  fm_cli_opt opts[] = {
      {"--case", FM_OPT_STR, &casef, 0, 0, 0, 0, 0},
      {"--field", FM_OPT_STR, &field, 0, 0, 0, 0, 0},
      {"--tol", FM_OPT_DBL, &tol, 0, 0, 0.0, 1e300, 0},
      {"--json", FM_OPT_STR, &json, 0, 0, 0, 0, 0},
      {NULL, FM_OPT_FLAG, NULL, 0, 0, 0, 0, 0},
  };
  int rc = fm_cli_opts_parse(opts, argc, argv, "compare-field", fm_cfield_help);
  if (rc != 0)
    return rc == 1 ? FM_EXIT_OK : rc;
  if (casef == NULL || field == NULL)
    return fm_cli_opts_missing(fm_cfield_help, "compare-field", "--case and --field are required");
  fm_case *c;
  if ((rc = fm_cli_case_load(&c, casef)) != FM_EXIT_OK)
    return rc;
  size_t d = c->gmm->d;
  fm_array a = {0};
  const double *rows = NULL;
  char what[128];
  snprintf(what, sizeof what, "case %s has dimension %zu, so rows are t, %zu coordinates "
           "and %zu field values", c->name, d, d, d);
  rc = fm_cli_array_read(&a, field, 2 * d + 1, what);
  if (rc == FM_EXIT_OK)
    rc = fm_cli_points_work(c, a.rows, field);
  rows = a.data;
  fm_cfield_res r = {0, 0, 0.0, 0.0, 0.0, 0.0, 0.0};
  if (rc == FM_EXIT_OK)
    rc = fm_cfield_compute(&r, c, &a, field);
  if (rc == FM_EXIT_OK) {
    int pass = r.rel <= tol;
    fm_cfield_print(&r, c, rows, tol, pass);
    if (json != NULL)
      rc = fm_cfield_json(json, &r, c, rows, tol, pass);
    if (rc == FM_EXIT_OK)
      rc = fm_cli_stdout_flush();
    if (rc == FM_EXIT_OK && !pass)
      rc = FM_EXIT_FAIL;
  }
  fm_array_free(&a);
  fm_case_free(c);
  return rc;
}
