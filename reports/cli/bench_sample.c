/* bench_sample.c -- fmcheck-bench-sample: sampling throughput of a model
 * (issue 4's performance figure; a benchmark, not a test: it reports, it
 * does not fail).
 *
 * The model: the MLP of mlp.h at d = 2, width 256, depth 3, no time
 * features, LeCun-initialised (throughput does not depend on the values).
 * The sampler: fm_sample_run with RK4, 50 steps (200 field evaluations per
 * sample), N(0, I) noise, in chunks of 64, 256 and 1024 trajectories (the
 * chunk is the batch of every dense layer's dgemm).  Each configuration
 * runs for at least --seconds (default 2) of whole sampling calls of
 * --n samples (default 4096); samples/s = samples drawn / elapsed time.
 * Also printed: the dense-layer flop rate (fm_mlp_forward_flops per
 * evaluation), against the one-thread dgemm rate at 2048^2 as in
 * bench_train.c, and for context the adaptive (rk8pd, 1e-6) and SDE (100
 * steps; the score from v through the cond_ot schedule) samplers and the
 * exact-divergence likelihood (RK4, 50 steps) at chunk 256.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "field.h"
#include "loglik.h"
#include "mlp.h"
#include "sample.h"

static double fm_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Best-of-3 dgemm rate at 2048 x 2048 (one OpenBLAS thread: the MLP's
 * work allocation pins it). */
static double fm_peak(void)
{
  const int n = 2048;
  size_t nn = (size_t)n * n;
  double *a = malloc(3 * nn * sizeof *a), best = 0.0;
  if (a == NULL)
    return 0.0;
  for (size_t i = 0; i < 3 * nn; i++)
    a[i] = 1.0 + 1e-3 * (double)(i % 97);
  for (int r = 0; r < 3; r++) {
    double t0 = fm_now();
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, a + nn, n, 0.0,
                a + 2 * nn, n);
    double dt = fm_now() - t0, rate = 2.0 * (double)n * n * n / dt;
    best = rate > best ? rate : best;
  }
  free(a);
  return best;
}

typedef struct {
  double rate;    /* samples per second */
  double nfe;     /* evaluations per sample */
} fm_bench_res;

static int fm_bench_sampler(fm_bench_res *res, fm_field *f, size_t n,
                            const fm_sample_opts *o, double seconds)
{
  double *X = malloc(n * f->d * sizeof *X);
  if (X == NULL)
    return FM_ENOMEM;
  size_t drawn = 0;
  int st = FM_OK;
  fm_sample_stats s = {0.0, 0, 0, 0};
  double t0 = fm_now(), el = 0.0;
  for (uint64_t rep = 0; st == FM_OK && (el < seconds || drawn == 0); rep++) {
    fm_sample_noise(X, n, f->d, 1, rep * n);
    st = fm_sample_run(X, &s, f, n, o, NULL);
    drawn += n;
    el = fm_now() - t0;
  }
  *res = (fm_bench_res){(double)drawn / el, s.nfe};
  free(X);
  return st;
}

static int fm_bench_loglik(fm_bench_res *res, fm_field *f, size_t n, double seconds)
{
  double *X = malloc(n * f->d * sizeof *X), *lp = malloc(n * sizeof *lp);
  int st = X && lp ? FM_OK : FM_ENOMEM;
  fm_loglik_opts o;
  fm_loglik_opts_default(&o);
  o.kind = FM_SAMPLE_FIXED;
  o.method = &fm_ode_rk4;
  o.steps = 50;
  o.chunk = 256;
  fm_loglik_stats s = {0.0, 0, 0};
  size_t done = 0;
  double t0 = fm_now(), el = 0.0;
  while (st == FM_OK && (el < seconds || done == 0)) {
    fm_sample_noise(X, n, f->d, 2, done);
    st = fm_loglik_run(lp, NULL, NULL, NULL, &s, f, X, n, &o, NULL);
    done += n;
    el = fm_now() - t0;
  }
  *res = (fm_bench_res){st == FM_OK ? (double)done / el : 0.0, s.nfe};
  free(X);
  free(lp);
  return st;
}

static fm_mlp *fm_bench_model(size_t width)
{
  fm_mlp_arch a = {2, width, 3, 0};
  fm_mlp *m;
  if (fm_mlp_alloc(&m, &a, NULL) != FM_OK)
    return NULL;
  fm_rng r = fm_rng_make(7, 1);
  fm_mlp_init(m, &r);
  return m;
}

int main(int argc, char **argv)
{
  double seconds = 2.0;
  size_t n = 4096;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--seconds") == 0)
      seconds = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--n") == 0)
      n = (size_t)atol(argv[i + 1]);
  }
  fm_mlp *m = fm_bench_model(256);
  fm_field *f = NULL;
  fm_schedule *sch = NULL; /* the SDE converts v to a score through a schedule */
  if (m == NULL || fm_schedule_cond_ot(&sch, 0.0, NULL) != FM_OK ||
      fm_field_mlp_alloc(&f, m, sch, 1024, NULL) != FM_OK) {
    fprintf(stderr, "fmcheck-bench-sample: cannot allocate the model\n");
    fm_field_free(f);
    fm_schedule_free(sch);
    fm_mlp_free(m);
    return 2;
  }
  double peak = fm_peak(), fl = fm_mlp_forward_flops(&m->arch, 1);
  printf("fmcheck-bench-sample: d = 2, width 256, depth 3; dgemm peak (1 thread) %.2f GFLOP/s\n",
         peak * 1e-9);
  printf("%-34s %8s %12s %10s %9s\n", "sampler", "NFE", "samples/s", "GFLOP/s", "of peak");
  const size_t chunks[] = {64, 256, 1024};
  int st = FM_OK;
  for (size_t k = 0; k < 3 && st == FM_OK; k++) {
    fm_sample_opts o;
    fm_sample_opts_default(&o);
    o.steps = 50;
    o.chunk = chunks[k];
    fm_bench_res r;
    st = fm_bench_sampler(&r, f, n, &o, seconds);
    if (st != FM_OK)
      break;
    char name[64];
    snprintf(name, sizeof name, "rk4, 50 steps, chunk %zu", chunks[k]);
    double g = r.rate * r.nfe * fl;
    printf("%-34s %8.0f %12.4g %10.3g %8.1f%%\n", name, r.nfe, r.rate, g * 1e-9,
           100.0 * g / peak);
  }
  const char *ctx[] = {"adaptive", "sde"};
  for (size_t k = 0; k < 2 && st == FM_OK; k++) {
    fm_sample_opts o;
    fm_sample_opts_default(&o);
    fm_sample_opts_solver(&o, ctx[k]);
    fm_bench_res r;
    st = fm_bench_sampler(&r, f, n, &o, seconds);
    if (st == FM_OK)
      printf("%-34s %8.1f %12.4g\n", k ? "sde (EM), 100 steps, chunk 256" :
                                        "adaptive rk8pd 1e-6/1e-8, chunk 256", r.nfe, r.rate);
  }
  fm_bench_res r;
  if (st == FM_OK && (st = fm_bench_loglik(&r, f, n / 4, seconds)) == FM_OK)
    printf("%-34s %8.0f %12.4g  (points/s; each evaluation = forward + d tangents)\n",
           "loglik exact div, rk4 50 steps", r.nfe, r.rate);
  if (st != FM_OK)
    fprintf(stderr, "fmcheck-bench-sample: %s\n", fm_strerror(st));
  fm_field_free(f);
  fm_schedule_free(sch);
  fm_mlp_free(m);
  return st == FM_OK ? 0 : 2;
}
