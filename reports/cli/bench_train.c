/* bench_train.c -- fmcheck-bench: training throughput of the CFM trainer
 * against the machine's double-precision peak (issue 4's performance
 * targets; a benchmark, not a test: it reports, it does not fail).
 *
 * Peak: the best of several runs of cblas_dgemm on 2048 x 2048 matrices on
 * one OpenBLAS thread (2 n^3 flops each) -- the rate one core reaches in
 * the best-tuned double-precision kernel available, which is what the
 * "fraction of peak" below is relative to (the nominal rate, FMA units x
 * vector width x clock, is not observable from inside a virtual machine).
 * The peak is measured before and after the training runs and the larger
 * value is used, so that a burst of load elsewhere cannot flatter the
 * fraction.  OpenBLAS picks its kernels by CPU model: on CPUs newer than
 * the OpenBLAS build (e.g. Zen 5 with 0.3.21, reported as "Haswell") the
 * AVX-512 kernels can be forced with OPENBLAS_CORETYPE=SkylakeX, which
 * raises the peak and the training rate together.
 *
 * Training: ring8-cond_ot (d = 2), depth 3, batch 256, widths 64 and 256,
 * no held-out evaluation; whole steps (minibatch generation, forward,
 * backward, gradient norm, Adam) timed over at least --seconds.  Flops per
 * step: forward F = 2 B sum_l n_in(l) n_out(l); backward 2F minus the
 * input gradient of the first layer (not needed): dW and dZ for each layer.
 * Elementwise work (SiLU, Adam, data) is not counted as flops.
 *
 * Targets: width 256 at >= 30% of peak; width 64 at <= 3x its flops' time
 * at that rate (i.e. >= 10% of peak).
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "case.h"
#include "mlp.h"
#include "train.h"

static double fm_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Best-of-reps dgemm rate (flop/s) at size n, one thread. */
static double fm_bench_peak(int n, int reps)
{
  size_t nn = (size_t)n * (size_t)n;
  double *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b), *c = malloc(nn * sizeof *c);
  if (!a || !b || !c) {
    free(a);
    free(b);
    free(c);
    return 0.0;
  }
  for (size_t i = 0; i < nn; i++) {
    a[i] = 1.0 + 1e-3 * (double)(i % 97);
    b[i] = 1.0 - 1e-3 * (double)(i % 89);
  }
  double best = 0.0;
  for (int r = 0; r < reps; r++) {
    double t0 = fm_now();
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c,
                n);
    double rate = 2.0 * (double)n * (double)n * (double)n / (fm_now() - t0);
    best = rate > best ? rate : best;
  }
  free(a);
  free(b);
  free(c);
  return best;
}

/* Flops of one training step (see the header comment). */
static double fm_step_flops(const fm_mlp_arch *a, size_t B)
{
  double F = fm_mlp_forward_flops(a, B);
  double first_dx = 2.0 * (double)B * (double)(1 + 2 * a->n_freq + a->d) * (double)a->width;
  return 3.0 * F - first_dx;
}

typedef struct {
  double steps_per_s, flops_per_step, rate;
} fm_bench_row;

static int fm_bench_train(fm_bench_row *row, const fm_case *c, size_t width, int ot,
                          double seconds)
{
  fm_train_config cfg;
  fm_train_config_default(&cfg, c->gmm->d, 1);
  cfg.arch.width = width;
  cfg.arch.depth = 3;
  cfg.batch = 256;
  cfg.log_every = 0;
  cfg.ot = ot;
  cfg.steps = 1u << 30;
  fm_train *tr;
  fm_errmsg e = {{0}};
  int st = fm_train_alloc(&tr, c, &cfg, &e);
  if (st != FM_OK) {
    fprintf(stderr, "fmcheck-bench: %s\n", e.msg);
    return st;
  }
  for (int i = 0; i < 20 && st == FM_OK; i++) /* warm-up: caches, OpenBLAS init */
    st = fm_train_step(tr, NULL, &e);
  uint64_t n = 0;
  double t0 = fm_now(), t = t0;
  while (st == FM_OK && t - t0 < seconds) {
    for (int i = 0; i < 10 && st == FM_OK; i++, n++)
      st = fm_train_step(tr, NULL, &e);
    t = fm_now();
  }
  if (st != FM_OK)
    fprintf(stderr, "fmcheck-bench: %s\n", e.msg);
  row->steps_per_s = (double)n / (t - t0);
  row->flops_per_step = fm_step_flops(&cfg.arch, cfg.batch);
  row->rate = row->flops_per_step * row->steps_per_s;
  fm_train_free(tr);
  return st;
}

int main(int argc, char **argv)
{
  double seconds = 2.0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = atof(argv[++i]);
    } else {
      printf("usage: fmcheck-bench [--seconds S]\n"
             "Training throughput (steps/s, GFLOP/s) of the CFM trainer, depth 3, batch "
             "256, d = 2,\nat widths 64 and 256, against a one-thread dgemm peak.\n");
      return strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  openblas_set_num_threads(1);
  fm_case *c = NULL;
  fm_errmsg e = {{0}};
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    if (strcmp(fm_case_builtin_file(i), "ring8-cond_ot.json") == 0 &&
        fm_case_builtin_load(&c, i, &e) != FM_OK) {
      fprintf(stderr, "fmcheck-bench: %s\n", e.msg);
      return 2;
    }
  if (c == NULL)
    return 2;
  double peak = fm_bench_peak(2048, 5);
  struct {
    size_t width;
    int ot;
  } runs[] = {{64, 0}, {256, 0}, {64, 1}, {256, 1}};
  fm_bench_row rows[4];
  for (int r = 0; r < 4; r++)
    if (fm_bench_train(&rows[r], c, runs[r].width, runs[r].ot, seconds) != FM_OK) {
      fm_case_free(c);
      return 2;
    }
  double peak2 = fm_bench_peak(2048, 5);
  printf("peak: one-thread dgemm 2048^3, best of 5, before and after the runs: %.2f and "
         "%.2f GFLOP/s (OpenBLAS kernel %s)\n", peak * 1e-9, peak2 * 1e-9,
         openblas_get_corename());
  peak = peak2 > peak ? peak2 : peak;
  printf("%-22s %10s %12s %10s %9s\n", "config", "steps/s", "MFLOP/step", "GFLOP/s",
         "of peak");
  for (int r = 0; r < 4; r++) {
    char name[32];
    snprintf(name, sizeof name, "width %zu%s", runs[r].width, runs[r].ot ? " + OT" : "");
    printf("%-22s %10.1f %12.2f %10.2f %8.1f%%\n", name, rows[r].steps_per_s,
           rows[r].flops_per_step * 1e-6, rows[r].rate * 1e-9, 100.0 * rows[r].rate / peak);
  }
  double f256 = rows[1].rate / peak;
  double cost64 = (1.0 / rows[0].steps_per_s) / (rows[0].flops_per_step / (0.3 * peak));
  printf("target width 256 >= 30%% of peak: %.1f%% -> %s\n", 100.0 * f256,
         f256 >= 0.3 ? "met" : "NOT met");
  printf("target width 64 step <= 3x its flops at 30%% of peak: %.2fx -> %s\n", cost64,
         cost64 <= 3.0 ? "met" : "NOT met");
  fm_case_free(c);
  return 0;
}
