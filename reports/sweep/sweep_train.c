/* sweep_train.c -- sweep `train` (theorem cfm-minimizer; run only when
 * asked, `fmcheck report --train`): the trainer's true field error
 * E||v_theta(t, x) - u_t(x)||^2 on its held-out set (analytic u_t; train.h)
 * vs training steps.
 *
 * cfm-minimizer says the minimiser of L_CFM is u_t, so CFM training should
 * drive the true field error down.  How fast depends on the network, the
 * optimiser and the learning-rate schedule -- there is no theoretical
 * slope -- so the sweep claims only a downward trend: the whole 95% band of
 * the log-log slope below 0.  The raw records (with their standard errors,
 * and the count of records where the error rose) are in the report.
 *
 * Configuration: the trainer's defaults (fm_train_config_default: MLP
 * width 64, depth 3, batch 256, Adam lr 1e-3 with cosine decay) with
 * t ~ U[0, 1 - 1e-3] (the conditional targets of VP-type paths blow up as
 * t -> 1; train.h), 2000 steps (quick 300; or o->train_steps), a held-out
 * record every steps/8.  The seed is the sweep seed.
 */
#include "sweep.h"

#include <math.h>
#include <stdio.h>

#include "train.h"

#define FM_STR_STEPS 2000
#define FM_STR_QUICK 300
#define FM_STR_RECORDS 8
#define FM_STR_THI (1.0 - 1e-3)

typedef struct {
  fm_sweep_series *s;
  const fm_sweep_opts *o;
  uint64_t steps;
  double first;
  size_t rises;
  double last;
} fm_str_ctx;

static int fm_str_log(const fm_train_log *rec, void *p)
{
  fm_str_ctx *c = p;
  if (rec->step == 0) {
    c->first = rec->field_err;
  } else {
    fm_sweep_point_add(c->s, (double)rec->step, rec->field_err, rec->field_err_se, 1);
    c->rises += rec->field_err > c->last;
  }
  c->last = rec->field_err;
  fm_sweep_progress(c->o, (double)rec->step / (double)c->steps);
  return 0;
}

static int fm_str_run(fm_sweep_result *r, const fm_case *c, const fm_sweep_opts *o)
{
  fm_train_config cfg;
  fm_train_config_default(&cfg, c->gmm->d, fm_sweep_seed(o, c));
  cfg.steps = o->train_steps ? o->train_steps : (o->quick ? FM_STR_QUICK : FM_STR_STEPS);
  if (cfg.steps < FM_STR_RECORDS)
    cfg.steps = FM_STR_RECORDS;
  cfg.log_every = cfg.steps / FM_STR_RECORDS;
  cfg.t_hi = FM_STR_THI;
  fm_errmsg e = {""};
  int st = fm_train_config_check(&cfg, &e);
  fm_train *tr = NULL;
  st = st ? st : fm_train_alloc(&tr, c, &cfg, &e);
  fm_sweep_setupf(r, "MLP width %zu depth %zu, batch %zu, Adam lr %g cosine, t ~ U[0, %g], "
                  "%llu steps, %zu held-out rows; error = held-out mean |v - u_t(x)|^2",
                  (size_t)cfg.arch.width, (size_t)cfg.arch.depth, cfg.batch, cfg.lr,
                  FM_STR_THI, (unsigned long long)cfg.steps, cfg.heldout);
  fm_sweep_series *s = fm_sweep_series_add(r, "CFM training (true field error)", NAN, 0.0,
                                           FM_SWEEP_DECREASING);
  fm_str_ctx ctx = {s, o, cfg.steps, NAN, 0, INFINITY};
  st = st ? st : fm_train_run(tr, cfg.steps, fm_str_log, &ctx, &e);
  if (st == FM_OK)
    fm_sweep_notef(s, "field error %.3g at step 0 -> %.3g at step %llu; rose at %zu of %zu "
                   "records", ctx.first, ctx.last, (unsigned long long)cfg.steps, ctx.rises,
                   s->n);
  else if (e.msg[0] != '\0')
    fm_sweep_notef(s, "trainer: %s", e.msg);
  fm_train_free(tr);
  return st;
}

const fm_sweep_kind fm_sweep_train = {
    "train",
    "cfm-minimizer",
    "trainer's true field error E|v - u_t|^2 on held-out points vs training steps",
    "training steps",
    "held-out E|v - u_t(x)|^2",
    FM_SWEEP_LOGLOG,
    1,
    fm_str_run,
};
