/* cmd_loglik.c -- `fmcheck loglik`: CNF log-likelihood log p_1(x) of a
 * model's (or a case's analytic) field at given points (cases/loglik.h):
 * the augmented ODE (x, l) integrated from t = 1 back to 0 with the exact
 * divergence, or Hutchinson's estimator with P Rademacher probes per point
 * held fixed along its trajectory (then with a standard error).
 *
 * With --case the exact log p of the case is printed beside it, with the
 * difference.  The analytic field alone (--case without --model) runs on
 * the interval where its schedule can be evaluated (1 - 1e-6 instead of 1
 * for VP and linear_vp, whose sigma' is infinite at t = 1) and starts from
 * the exact log p_0 (N(0, I) itself when alpha_0 = 0 and sigma_0 = 1);
 * the exact column is then log p at that end.  A model uses [0, 1] and the
 * N(0, I) prior (cases/README.md). */
#include "cli.h"
#include "cli_array.h"
#include "cli_model.h"
#include "cli_opts.h"
#include "field.h"
#include "loglik.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void fm_loglik_help(FILE *f)
{
  fprintf(f,
          "usage: fmcheck loglik --model M --points X [--case F] [options]\n"
          "       fmcheck loglik --case F --points X [options]\n\n"
          "CNF log-likelihood log p_1(x) of model M (or of case F's exact field) at the\n"
          "points of X (rows of d coordinates: CSV separated by commas, tabs or blanks,\n"
          "or .npy float64 of shape (n, d); '-' reads standard input), by integrating\n"
          "(x, log-density) from t = 1 back to t = 0.\n"
          "  --hutchinson P  Hutchinson trace estimator with P Rademacher probes per\n"
          "                  point, fixed along its trajectory (default: exact trace)\n"
          "  --solver S      adaptive (default, GSL rk8pd) | euler | midpoint | rk4\n"
          "  --steps K       steps of a fixed-step solver (default 100)\n"
          "  --rtol R, --atol A  adaptive tolerances (default 1e-8 each)\n"
          "  --seed S        probe seed (default 1)\n"
          "  --out FILE      write the CSV there (atomically) instead of stdout; .npy\n"
          "                  (the same columns) when FILE ends in .npy\n"
          "Output CSV: x[0..d-1],logp [,logp_se with --hutchinson] [,logp_exact,diff with\n"
          "--case].  The analytic field of a schedule with an infinite sigma' at t = 1\n"
          "(vp, linear_vp) is integrated from 1 - 1e-6, and logp_exact is log p there.\n"
          "Exit status: 0 ok, 2 bad input or usage.\n");
}

typedef struct {
  const char *model, *casef, *points, *solver, *out;
  unsigned long long probes, steps, seed;
  double rtol, atol;
} fm_loglik_args;

typedef struct {
  size_t n, d;
  const double *X;
  double *lp, *se, *ex;  /* ex NULL without a case */
  int hutch;
} fm_loglik_table;

static void fm_loglik_write(FILE *f, const fm_loglik_table *t)
{
  for (size_t j = 0; j < t->d; j++)
    fprintf(f, "x[%zu],", j);
  fprintf(f, "logp%s%s\n", t->hutch ? ",logp_se" : "", t->ex ? ",logp_exact,diff" : "");
  for (size_t i = 0; i < t->n; i++) {
    for (size_t j = 0; j < t->d; j++)
      fprintf(f, "%.17g,", t->X[i * t->d + j]);
    fprintf(f, "%.17g", t->lp[i]);
    if (t->hutch)
      fprintf(f, ",%.6g", t->se[i]);
    if (t->ex)
      fprintf(f, ",%.17g,%.6g", t->ex[i], t->lp[i] - t->ex[i]);
    fputc('\n', f);
  }
}

/* .npy: the CSV's columns, as doubles. */
static int fm_loglik_write_npy(FILE *f, const fm_loglik_table *t)
{
  size_t w = t->d + 1 + (t->hutch ? 1 : 0) + (t->ex ? 2 : 0);
  double *m = malloc(t->n * w * sizeof *m);
  if (m == NULL)
    return fm_cli_error("loglik: out of memory");
  for (size_t i = 0; i < t->n; i++) {
    double *r = m + i * w;
    memcpy(r, t->X + i * t->d, t->d * sizeof *r);
    r += t->d;
    *r++ = t->lp[i];
    if (t->hutch)
      *r++ = t->se[i];
    if (t->ex) {
      *r++ = t->ex[i];
      *r = t->lp[i] - t->ex[i];
    }
  }
  fm_array_write_npy(f, m, t->n, w);
  free(m);
  return FM_EXIT_OK;
}

static int fm_loglik_output(const char *out, const fm_loglik_table *t)
{
  fm_cli_out o;
  int rc = fm_cli_out_open(&o, out);
  if (rc != FM_EXIT_OK)
    return rc;
  if (o.npy)
    rc = fm_loglik_write_npy(o.f, t);
  else
    fm_loglik_write(o.f, t);
  int rc2 = fm_cli_out_close(&o, rc == FM_EXIT_OK);
  return rc != FM_EXIT_OK ? rc : rc2;
}

/* logp_exact: log p_{t1} of the case at every point. */
static int fm_loglik_exact(double *ex, const fm_case *c, double t1, const double *X, size_t n)
{
  fm_gmm *pt;
  int rc = fm_cli_case_at(&pt, c, t1);
  for (size_t i = 0; i < n && rc == FM_EXIT_OK; i++)
    ex[i] = fm_gmm_logpdf(pt, X + i * c->gmm->d);
  if (rc == FM_EXIT_OK)
    fm_gmm_free(pt);
  return rc;
}

/* The analytic field starts from the exact p_{t0}: replace the N(0, I)
 * prior in lp by log p_{t0}(x0). */
static int fm_loglik_exact_prior(double *lp, const double *dl, const double *x0,
                                 const fm_case *c, double t0, size_t n)
{
  fm_gmm *p0;
  int rc = fm_cli_case_at(&p0, c, t0);
  for (size_t i = 0; i < n && rc == FM_EXIT_OK; i++)
    lp[i] = fm_gmm_logpdf(p0, x0 + i * c->gmm->d) + dl[i];
  if (rc == FM_EXIT_OK)
    fm_gmm_free(p0);
  return rc;
}

static int fm_loglik_options(fm_loglik_opts *o, const fm_loglik_args *a, const fm_case *c,
                             int analytic)
{
  fm_loglik_opts_default(o);
  if (strcmp(a->solver, "adaptive") != 0) {
    o->kind = FM_SAMPLE_FIXED;
    o->method = fm_ode_method_find(a->solver);
    if (o->method == NULL)
      return fm_cli_error("loglik: unknown solver '%s' (adaptive, euler, midpoint, rk4)",
                          a->solver);
  }
  o->steps = a->steps;
  o->adaptive.rtol = a->rtol;
  o->adaptive.atol = a->atol;
  o->probes = a->probes;
  o->seed = a->seed;
  if (analytic && fm_field_gmm_interval(&o->t0, &o->t1, c->sched) != FM_OK)
    return fm_cli_error("loglik: case %s: the schedule cannot be evaluated near t = 0 or 1",
                        c->name);
  return FM_EXIT_OK;
}

static int fm_loglik_compute(const fm_loglik_args *a, fm_field *f, const fm_case *c,
                             int analytic, fm_loglik_table *t)
{
  fm_loglik_opts o;
  int rc = fm_loglik_options(&o, a, c, analytic);
  if (rc != FM_EXIT_OK)
    return rc;
  size_t n = t->n, d = t->d;
  double *dl = malloc(n * (d + 1) * sizeof *dl);
  if (dl == NULL)
    return fm_cli_error("loglik: out of memory");
  double *x0 = dl + n;
  fm_errmsg e = {""};
  fm_loglik_stats st;
  if (fm_loglik_run(t->lp, t->se, dl, x0, &st, f, t->X, n, &o, &e) != FM_OK)
    rc = fm_cli_error("%s: %s", a->points, e.msg);
  if (rc == FM_EXIT_OK && analytic)
    rc = fm_loglik_exact_prior(t->lp, dl, x0, c, o.t0, n);
  if (rc == FM_EXIT_OK && t->ex != NULL)
    rc = fm_loglik_exact(t->ex, c, o.t1, t->X, n);
  if (rc == FM_EXIT_OK)
    fprintf(stderr, "fmcheck: loglik: %s field on [%g, %.17g], %s divergence, NFE %.1f per "
                    "point%s\n", analytic ? "analytic" : "model", o.t0, o.t1,
            o.probes ? "Hutchinson" : "exact", st.nfe,
            analytic && o.t1 < 1.0 ? " (logp is log p at the upper end)" : "");
  free(dl);
  return rc;
}

static int fm_loglik_main(const fm_loglik_args *a)
{
  fm_model *m = NULL;
  fm_case *c = NULL;
  int rc = FM_EXIT_OK;
  if (a->model != NULL) {
    rc = fm_cli_model_load(&m, a->model);
    if (rc == FM_EXIT_OK && a->casef != NULL)
      rc = fm_cli_model_case(&c, m, a->casef);
  } else {
    rc = fm_cli_case_load(&c, a->casef);
  }
  fm_field *f = NULL;
  fm_errmsg e = {""};
  if (rc == FM_EXIT_OK &&
      (m ? fm_field_mlp_alloc(&f, m->mlp, NULL, 256, &e)
         : fm_field_gmm_alloc(&f, c->gmm, c->sched, &e)) != FM_OK)
    rc = fm_cli_error("loglik: %s", e.msg);
  fm_loglik_table t = {0, f ? f->d : 0, NULL, NULL, NULL, NULL, a->probes > 0};
  fm_array X = {0};
  char what[96];
  snprintf(what, sizeof what, "rows are %zu coordinates", t.d);
  if (rc == FM_EXIT_OK)
    rc = fm_cli_array_read(&X, a->points, t.d, what);
  t.X = X.data;
  t.n = X.rows;
  if (rc == FM_EXIT_OK && (t.lp = malloc(3 * t.n * sizeof *t.lp)) == NULL)
    rc = fm_cli_error("loglik: out of memory");
  if (rc == FM_EXIT_OK) {
    t.se = t.lp + t.n;
    t.ex = c ? t.lp + 2 * t.n : NULL;
    rc = fm_loglik_compute(a, f, c, m == NULL, &t);
  }
  if (rc == FM_EXIT_OK)
    rc = fm_loglik_output(a->out, &t);
  free(t.lp);
  fm_array_free(&X);
  fm_field_free(f);
  fm_case_free(c);
  fm_model_free(m);
  return rc;
}

int fm_cli_loglik(int argc, char **argv)
{
  fm_loglik_args a = {.solver = "adaptive", .steps = 100, .seed = 1, .rtol = 1e-8,
                      .atol = 1e-8};
  fm_cli_opt opts[] = {
      {"--model", FM_OPT_STR, &a.model, 0, 0, 0, 0, 0},
      {"--case", FM_OPT_STR, &a.casef, 0, 0, 0, 0, 0},
      {"--points", FM_OPT_STR, &a.points, 0, 0, 0, 0, 0},
      {"--hutchinson", FM_OPT_U64, &a.probes, 0, 1, 0, 0, 0},
      {"--solver", FM_OPT_STR, &a.solver, 0, 0, 0, 0, 0},
      {"--steps", FM_OPT_U64, &a.steps, 0, 1, 0, 0, 0},
      {"--seed", FM_OPT_U64, &a.seed, 0, 0, 0, 0, 0},
      {"--rtol", FM_OPT_DBL, &a.rtol, 0, 0, 0.0, 1.0, 0},
      {"--atol", FM_OPT_DBL, &a.atol, 0, 0, 0.0, 1e3, 0},
      {"--out", FM_OPT_STR, &a.out, 0, 0, 0, 0, 0},
      {NULL, FM_OPT_FLAG, NULL, 0, 0, 0, 0, 0},
  };
  int rc = fm_cli_opts_parse(opts, argc, argv, "loglik", fm_loglik_help);
  if (rc != 0)
    return rc == 1 ? FM_EXIT_OK : rc;
  if ((a.model == NULL && a.casef == NULL) || a.points == NULL)
    return fm_cli_opts_missing(fm_loglik_help, "loglik",
                               "--points and --model or --case are required");
  if (!(a.rtol + a.atol > 0.0))
    return fm_cli_error("loglik: --rtol and --atol cannot both be 0");
  if (a.probes > 4096)
    return fm_cli_error("loglik: --hutchinson %llu is more probes than useful (max 4096)",
                        a.probes);
  return fm_loglik_main(&a);
}
