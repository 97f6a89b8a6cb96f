/* cmd_train.c -- `fmcheck train`: CFM training of the MLP on a case
 * (cases/train.h), writing the versioned, checksummed model file atomically
 * (cases/model_file.h).
 *
 * Output: the training log as CSV on stdout (one line per held-out
 * evaluation: loss, gradient norm, and the TRUE field error E||v - u||^2
 * with its standard error -- known because u is analytic -- next to the
 * held-out L_CFM and its floor C); a progress bar on stderr only when
 * stderr is a terminal.  --save-every K also checkpoints the model every K
 * steps (same file, atomically), so an interrupted run can be continued
 * with --resume: the saved configuration is used (options that would
 * change it are refused) and the run continues bit for bit.  --steps with
 * --resume sets the new total; if it differs from the saved horizon the
 * cosine schedule is re-horizoned (a note says so: the continuation then
 * differs from an uninterrupted run of the new length).
 */
#include "cli.h"
#include "cli_model.h"
#include "cli_opts.h"
#include "train.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void fm_train_help(FILE *f)
{
  fprintf(f,
          "usage: fmcheck train --case F --steps N --out M [options]\n"
          "       fmcheck train --case F --resume M0 --out M [--steps N]\n\n"
          "Train the flow-matching MLP v(t, x) on case F with the CFM loss and write\n"
          "the model file M atomically.  The training log (CSV: step, lr, loss,\n"
          "grad_norm, field_err, field_err_se, heldout_loss, floor_c, floor_c_se) goes\n"
          "to stdout; field_err is the true E||v - u||^2 against the analytic field.\n\n"
          "  --case F        case file or built-in case name (required)\n"
          "  --steps N       total optimisation steps (the cosine horizon)\n"
          "  --out M         model file to write (required)\n"
          "  --width W       hidden units per layer (default 64)\n"
          "  --depth D       hidden layers (default 3)\n"
          "  --freq F        sinusoidal time features (default 0)\n"
          "  --batch B       minibatch size (default 256)\n"
          "  --lr LR         peak learning rate (default 1e-3)\n"
          "  --lr-min X      final learning rate of the cosine decay (default 0)\n"
          "  --cosine        cosine decay of the learning rate (default)\n"
          "  --no-cosine     constant learning rate\n"
          "  --clip C        clip the gradient's L2 norm to C (default off)\n"
          "  --ot            minibatch optimal-transport coupling\n"
          "  --seed S        seed of every random number (default: the case's)\n"
          "  --log-every K   held-out evaluation every K steps (default 100; 0 = never)\n"
          "  --heldout H     held-out rows (default 2048)\n"
          "  --save-every K  also checkpoint M every K steps\n"
          "  --resume M0     continue the run saved in M0 (its configuration is used)\n"
          "  --quiet         no log on stdout\n\n"
          "Exit status: 0 ok, 2 bad input or usage (or a failure while training).\n");
}

typedef struct {
  const char *casef, *out, *resume;
  unsigned long long steps, width, depth, freq, batch, seed, log_every, heldout, save_every;
  double lr, lr_min, clip;
  int cosine, ot, quiet;
} fm_train_args;

typedef struct {
  int quiet, bar;   /* bar: progress bar active on stderr */
  uint64_t total;
  double t_start;
  double last_err;
  int write_failed;  /* stdout lost (message printed by fm_cli_stdout_flush) */
} fm_train_ui;

static double fm_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fm_train_bar(const fm_train_ui *ui, uint64_t step)
{
  int w = 30, k = ui->total ? (int)((double)w * (double)step / (double)ui->total) : w;
  fprintf(stderr, "\r[");
  for (int i = 0; i < w; i++)
    fputc(i < k ? '#' : '.', stderr);
  fprintf(stderr, "] %llu/%llu  field error %.3g  %.0f s", (unsigned long long)step,
          (unsigned long long)ui->total, ui->last_err, fm_now() - ui->t_start);
  fflush(stderr);
}

static int fm_train_log_line(const fm_train_log *r, void *ctx)
{
  fm_train_ui *ui = ctx;
  ui->last_err = r->field_err;
  if (ui->quiet)
    return FM_OK;
  if (ui->bar)
    fputs("\r\033[K", stderr);
  printf("%llu,%.6g,%.9g,%.6g,%.9g,%.3g,%.9g,%.9g,%.3g\n", (unsigned long long)r->step, r->lr,
         r->loss, r->grad_norm, r->field_err, r->field_err_se, r->heldout_loss, r->floor_c,
         r->floor_c_se);
  /* a log line that cannot be written stops training (fm_train_run passes
   * FM_EIO back): the log is the run's record */
  if (fm_cli_stdout_flush() != FM_EXIT_OK) {
    ui->write_failed = 1;
    return FM_EIO;
  }
  return FM_OK;
}

/* Options that define the run: refused with --resume. */
static const char *const fm_train_config_opts[] = {
    "--width", "--depth", "--freq", "--batch", "--lr", "--lr-min", "--cosine", "--no-cosine",
    "--clip", "--ot", "--seed", "--log-every", "--heldout", NULL};

static int fm_train_fresh(fm_train **tr, const fm_case *c, const fm_train_args *a,
                          const fm_cli_opt *opts)
{
  fm_train_config cfg;
  fm_train_config_default(&cfg, c->gmm->d, fm_cli_opt_get(opts, "--seed")->given ? a->seed
                                                                                   : c->seed);
  cfg.arch.width = a->width;
  cfg.arch.depth = a->depth;
  cfg.arch.n_freq = a->freq;
  cfg.steps = a->steps;
  cfg.batch = a->batch;
  cfg.lr = a->lr;
  cfg.lr_min = a->lr_min;
  cfg.cosine = a->cosine;
  cfg.clip = a->clip;
  cfg.ot = a->ot;
  cfg.log_every = a->log_every;
  cfg.heldout = a->heldout;
  fm_errmsg e = {""};
  if (fm_train_config_check(&cfg, &e) != FM_OK)
    return fm_cli_error("train: %s", e.msg);
  if (fm_train_alloc(tr, c, &cfg, &e) != FM_OK)
    return fm_cli_error("train: %s", e.msg);
  return FM_EXIT_OK;
}

static int fm_train_resume(fm_train **tr, const fm_case *c, const fm_train_args *a,
                           const fm_cli_opt *opts)
{
  for (size_t i = 0; fm_train_config_opts[i] != NULL; i++)
    if (fm_cli_opt_get(opts, fm_train_config_opts[i])->given)
      return fm_cli_error("train: option %s cannot be combined with --resume (the saved "
                          "configuration is used)", fm_train_config_opts[i]);
  fm_model *m;
  int rc = fm_cli_model_load(&m, a->resume);
  if (rc != FM_EXIT_OK)
    return rc;
  if (fm_cli_opt_get(opts, "--steps")->given) {
    if (a->steps < m->progress.step) {
      rc = fm_cli_error("train: --steps %llu is below the %llu steps already taken in %s",
                        a->steps, (unsigned long long)m->progress.step, a->resume);
    } else if (a->steps != m->config.steps) {
      fprintf(stderr, "fmcheck: note: the learning-rate horizon changes from %llu to %llu "
                      "steps: the continuation differs from an uninterrupted run\n",
              (unsigned long long)m->config.steps, a->steps);
      m->config.steps = a->steps;
    }
  }
  fm_errmsg e = {""};
  if (rc == FM_EXIT_OK && fm_model_resume(tr, m, c, &e) != FM_OK)
    rc = fm_cli_error("train: %s", e.msg);
  fm_model_free(m);
  return rc;
}

/* The model image through the CLI's atomic output (cli.h): a temporary
 * file removed on a signal, fsync and rename; a device or FIFO given as
 * --out is written into, never replaced, as for every --out. */
static int fm_train_save(const fm_train *tr, const char *out)
{
  fm_errmsg e = {""};
  unsigned char *buf;
  size_t len;
  if (fm_model_image(&buf, &len, tr, &e) != FM_OK)
    return fm_cli_error("%s", e.msg);
  fm_cli_atomic a;
  int rc = fm_cli_atomic_open(&a, out);
  if (rc == FM_EXIT_OK) {
    fwrite(buf, 1, len, a.f); /* an error is in the stream's flag: commit reports it */
    rc = fm_cli_atomic_commit(&a, 1);
  }
  free(buf);
  return rc;
}

/* Run to the configured total in legs (for the bar and the checkpoints). */
static int fm_train_loop(fm_train *tr, const fm_train_args *a, fm_train_ui *ui)
{
  uint64_t total = fm_train_get_config(tr)->steps, step = fm_train_get_progress(tr).step;
  uint64_t leg = total / 200 > 0 ? total / 200 : 1;
  if (a->save_every > 0 && a->save_every < leg)
    leg = a->save_every;
  ui->total = total;
  int rc = FM_EXIT_OK;
  while (rc == FM_EXIT_OK && step < total) {
    uint64_t n = total - step < leg ? total - step : leg;
    fm_errmsg e = {""};
    if (fm_train_run(tr, n, fm_train_log_line, ui, &e) != FM_OK)
      rc = ui->write_failed ? FM_EXIT_USAGE : fm_cli_error("train: step %llu: %s", (unsigned long long)step, e.msg);
    step = fm_train_get_progress(tr).step;
    if (ui->bar)
      fm_train_bar(ui, step);
    if (rc == FM_EXIT_OK && a->save_every > 0 && step % a->save_every == 0 && step < total)
      rc = fm_train_save(tr, a->out);
  }
  if (ui->bar)
    fputc('\n', stderr);
  return rc;
}

int fm_cli_train(int argc, char **argv)
{
  fm_train_args a = {.width = 64, .depth = 3, .batch = 256, .log_every = 100,
                     .heldout = 2048, .lr = 1e-3, .cosine = 1};
  fm_cli_opt opts[] = {
      {"--case", FM_OPT_STR, &a.casef, 0, 0, 0, 0, 0},
      {"--out", FM_OPT_STR, &a.out, 0, 0, 0, 0, 0},
      {"--resume", FM_OPT_STR, &a.resume, 0, 0, 0, 0, 0},
      {"--steps", FM_OPT_U64, &a.steps, 0, 1, 0, 0, 0},
      {"--width", FM_OPT_U64, &a.width, 0, 1, 0, 0, 0},
      {"--depth", FM_OPT_U64, &a.depth, 0, 1, 0, 0, 0},
      {"--freq", FM_OPT_U64, &a.freq, 0, 0, 0, 0, 0},
      {"--batch", FM_OPT_U64, &a.batch, 0, 1, 0, 0, 0},
      {"--seed", FM_OPT_U64, &a.seed, 0, 0, 0, 0, 0},
      {"--log-every", FM_OPT_U64, &a.log_every, 0, 0, 0, 0, 0},
      {"--heldout", FM_OPT_U64, &a.heldout, 0, 2, 0, 0, 0},
      {"--save-every", FM_OPT_U64, &a.save_every, 0, 1, 0, 0, 0},
      {"--lr", FM_OPT_DBL, &a.lr, 0, 0, 1e-300, 1e3, 0},
      {"--lr-min", FM_OPT_DBL, &a.lr_min, 0, 0, 0.0, 1e3, 0},
      {"--clip", FM_OPT_DBL, &a.clip, 0, 0, 0.0, 1e300, 0},
      {"--cosine", FM_OPT_FLAG, &a.cosine, 1, 0, 0, 0, 0},
      {"--no-cosine", FM_OPT_FLAG, &a.cosine, 0, 0, 0, 0, 0},
      {"--ot", FM_OPT_FLAG, &a.ot, 1, 0, 0, 0, 0},
      {"--quiet", FM_OPT_FLAG, &a.quiet, 1, 0, 0, 0, 0},
      {NULL, FM_OPT_FLAG, NULL, 0, 0, 0, 0, 0},
  };
  int rc = fm_cli_opts_parse(opts, argc, argv, "train", fm_train_help);
  if (rc != 0)
    return rc == 1 ? FM_EXIT_OK : rc;
  if (a.casef == NULL || a.out == NULL || (a.resume == NULL && a.steps == 0))
    return fm_cli_opts_missing(fm_train_help, "train",
                               "--case, --out and --steps (or --resume) are required");
  fm_case *c;
  if ((rc = fm_cli_case_load(&c, a.casef)) != FM_EXIT_OK)
    return rc;
  fm_train *tr = NULL;
  rc = a.resume ? fm_train_resume(&tr, c, &a, opts) : fm_train_fresh(&tr, c, &a, opts);
  fm_train_ui ui = {a.quiet, isatty(STDERR_FILENO), 0, fm_now(), 0.0, 0};
  if (rc == FM_EXIT_OK && !a.quiet)
    printf("step,lr,loss,grad_norm,field_err,field_err_se,heldout_loss,floor_c,floor_c_se\n");
  if (rc == FM_EXIT_OK)
    rc = fm_train_loop(tr, &a, &ui);
  if (rc == FM_EXIT_OK) /* the log is lost: no model that claims a clean run */
    rc = fm_cli_stdout_flush();
  if (rc == FM_EXIT_OK)
    rc = fm_train_save(tr, a.out);
  if (rc == FM_EXIT_OK)
    fprintf(stderr, "fmcheck: train: %llu steps on %s in %.1f s; model written to %s\n",
            (unsigned long long)fm_train_get_progress(tr).step, c->name,
            fm_now() - ui.t_start, a.out);
  fm_train_free(tr);
  fm_case_free(c);
  return rc;
}
