/* cmd_sample.c -- `fmcheck sample`: draw samples from a trained model by
 * transporting N(0, I) noise from t = 0 to t = 1 (cases/sample.h): ODE with
 * any fixed-step method of the ode.h table or adaptive rk8pd, or the SDE of
 * sde-marginals by Euler-Maruyama (score from the model's v through the
 * case's schedule, eps_t = eps sigma_t).  CSV of d columns (%.17g) to
 * stdout or --out (atomically); NFE per sample reported on stderr. */
#include "cli.h"
#include "cli_array.h"
#include "cli_model.h"
#include "cli_opts.h"
#include "field.h"
#include "sample.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void fm_sample_help(FILE *f)
{
  fprintf(f,
          "usage: fmcheck sample --model M --n N [--solver S] [--steps K] [--out S.csv]\n"
          "                      [--seed S] [--eps E] [--rtol R] [--atol A] [--case F]\n\n"
          "Draw N samples from model M: noise x0 ~ N(0, I) at t = 0 transported to t = 1.\n"
          "  --solver S  euler | midpoint | rk4 (fixed steps, default rk4) | adaptive\n"
          "              (GSL rk8pd) | sde (Euler-Maruyama on dX = [v + eps_t^2/2 score] dt\n"
          "              + eps_t dW, score from v, eps_t = eps sigma_t)\n"
          "  --steps K   steps of the fixed-step and SDE solvers (default 100)\n"
          "  --rtol R, --atol A  tolerances of the adaptive solver (default 1e-6, 1e-8)\n"
          "  --eps E     SDE noise scale (default 1)\n"
          "  --seed S    noise seed (default 1)\n"
          "  --case F    the model's case (checked against the model); the SDE needs its\n"
          "              schedule and otherwise uses the case recorded in the model\n"
          "  --out FILE  write the CSV there (atomically) instead of stdout ('-'); .npy\n"
          "              (float64, shape (N, d)) when FILE ends in .npy\n"
          "Output: header x[0],...,x[d-1], then one sample per row (%%.17g).  The number\n"
          "of field evaluations per sample (NFE) is reported on stderr.\n"
          "Exit status: 0 ok, 2 bad input or usage.\n");
}

typedef struct {
  const char *model, *solver, *out, *casef;
  unsigned long long n, steps, seed, chunk;
  double eps, rtol, atol;
} fm_sample_args;

static int fm_sample_write(FILE *f, const double *X, size_t n, size_t d)
{
  for (size_t j = 0; j < d; j++)
    fprintf(f, "%sx[%zu]", j ? "," : "", j);
  fputc('\n', f);
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < d; j++)
      fprintf(f, "%s%.17g", j ? "," : "", X[i * d + j]);
    fputc('\n', f);
  }
  return ferror(f) ? -1 : 0;
}

static int fm_sample_output(const fm_sample_args *a, const double *X, size_t n, size_t d)
{
  fm_cli_out o;
  int rc = fm_cli_out_open(&o, a->out);
  if (rc != FM_EXIT_OK)
    return rc;
  if (o.npy) /* its error flag is what the close reports */
    fm_array_write_npy(o.f, X, n, d);
  else
    fm_sample_write(o.f, X, n, d);
  return fm_cli_out_close(&o, 1);
}

static int fm_sample_options(fm_sample_opts *o, const fm_sample_args *a)
{
  fm_sample_opts_default(o);
  if (fm_sample_opts_solver(o, a->solver) != FM_OK)
    return fm_cli_error("sample: unknown solver '%s' (euler, midpoint, rk4, adaptive, sde)",
                        a->solver);
  o->steps = a->steps;
  o->seed = a->seed;
  o->eps = a->eps;
  o->adaptive.rtol = a->rtol;
  o->adaptive.atol = a->atol;
  o->chunk = a->chunk;
  return FM_EXIT_OK;
}

static int fm_sample_draw(const fm_sample_args *a, const fm_model *m, const fm_case *c)
{
  fm_sample_opts o;
  int rc = fm_sample_options(&o, a);
  if (rc != FM_EXIT_OK)
    return rc;
  size_t d = m->mlp->arch.d, n = (size_t)a->n;
  if (n != a->n || n > ((size_t)-1) / sizeof(double) / d)
    return fm_cli_error("sample: --n %llu is too large", a->n);
  double *X = malloc(n * d * sizeof *X);
  fm_field *f = NULL;
  fm_errmsg e = {""};
  if (X == NULL)
    return fm_cli_error("sample: out of memory for %zu samples", n);
  if (fm_field_mlp_alloc(&f, m->mlp, c ? c->sched : NULL, o.chunk, &e) != FM_OK) {
    free(X);
    return fm_cli_error("sample: %s", e.msg);
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  fm_sample_noise(X, n, d, o.seed, 0);
  fm_sample_stats st;
  if (fm_sample_run(X, &st, f, n, &o, &e) != FM_OK)
    rc = fm_cli_error("%s: %s", m->path, e.msg);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (rc == FM_EXIT_OK) {
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    fprintf(stderr, "fmcheck: sample: %s, %zu samples, NFE %.1f per sample (%zu steps",
            a->solver, n, st.nfe, st.steps);
    if (o.kind == FM_SAMPLE_ADAPTIVE)
      fprintf(stderr, " accepted and %zu rejected, summed over chunks", st.rejected);
    fprintf(stderr, "), %.3g s, %.3g samples/s\n", s, s > 0 ? (double)n / s : 0.0);
    rc = fm_sample_output(a, X, n, d);
  }
  fm_field_free(f);
  free(X);
  return rc;
}

int fm_cli_sample(int argc, char **argv)
{
  fm_sample_args a = {.solver = "rk4", .steps = 100, .seed = 1, .chunk = 256, .eps = 1.0,
                      .rtol = 1e-6, .atol = 1e-8};
  fm_cli_opt opts[] = {
      {"--model", FM_OPT_STR, &a.model, 0, 0, 0, 0, 0},
      {"--n", FM_OPT_U64, &a.n, 0, 1, 0, 0, 0},
      {"--solver", FM_OPT_STR, &a.solver, 0, 0, 0, 0, 0},
      {"--steps", FM_OPT_U64, &a.steps, 0, 1, 0, 0, 0},
      {"--out", FM_OPT_STR, &a.out, 0, 0, 0, 0, 0},
      {"--seed", FM_OPT_U64, &a.seed, 0, 0, 0, 0, 0},
      {"--chunk", FM_OPT_U64, &a.chunk, 0, 1, 0, 0, 0},
      {"--eps", FM_OPT_DBL, &a.eps, 0, 0, 0.0, 1e3, 0},
      {"--rtol", FM_OPT_DBL, &a.rtol, 0, 0, 0.0, 1.0, 0},
      {"--atol", FM_OPT_DBL, &a.atol, 0, 0, 0.0, 1e3, 0},
      {"--case", FM_OPT_STR, &a.casef, 0, 0, 0, 0, 0},
      {NULL, FM_OPT_FLAG, NULL, 0, 0, 0, 0, 0},
  };
  int rc = fm_cli_opts_parse(opts, argc, argv, "sample", fm_sample_help);
  if (rc != 0)
    return rc == 1 ? FM_EXIT_OK : rc;
  if (a.model == NULL || a.n == 0)
    return fm_cli_opts_missing(fm_sample_help, "sample", "--model and --n are required");
  if (!(a.rtol + a.atol > 0.0))
    return fm_cli_error("sample: --rtol and --atol cannot both be 0");
  fm_sample_opts probe;
  if ((rc = fm_sample_options(&probe, &a)) != FM_EXIT_OK) /* a bad solver before any I/O */
    return rc;
  fm_model *m;
  if ((rc = fm_cli_model_load(&m, a.model)) != FM_EXIT_OK)
    return rc;
  fm_case *c = NULL; /* only the SDE needs it (the schedule), or a check asked for */
  if (a.casef != NULL || strcmp(a.solver, "sde") == 0)
    rc = fm_cli_model_case(&c, m, a.casef);
  if (rc == FM_EXIT_OK)
    rc = fm_sample_draw(&a, m, c);
  fm_case_free(c);
  fm_model_free(m);
  return rc;
}
