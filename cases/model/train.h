/* train.h -- conditional flow matching (CFM) training of the MLP of mlp.h on
 * a case (README.md), where the optimum is known in closed form.
 *
 * Loss of one minibatch of B triples (t_i, x0_i, x1_i):
 *   L = (1/B) sum_i || v_theta(t_i, x_i) - u_t(x_i | x1_i) ||^2,
 *   x_i = psi_t(x0_i) = alpha_t x1_i + sigma_t x0_i        (fm_cond_flow)
 * with the conditional target of fm_cond_field, on any schedule of the case
 * (built-in, expr or table).  t ~ U[t_lo, t_hi] (default U[0,1]) or
 * logit-normal (t = sigmoid(m + s z), z ~ N(0,1), Esser et al. 2024);
 * x0 ~ N(0, I); x1 ~ the case's GMM (fm_gmm_sample).  Optimiser: Adam
 * (adam.h) with optional cosine decay lr_k = lr_min + (lr - lr_min)
 * (1 + cos(pi min(k, steps)/steps))/2 for update k = 0, 1, ..., and optional
 * clipping of the gradient's global L2 norm.
 *
 * Optional minibatch optimal-transport coupling (OT-CFM, Tong et al. 2024):
 * the batch's x1 are permuted by the exact assignment (assign.h, Hungarian
 * method in shortest-augmenting-path form) minimising sum_i ||x0_i -
 * x1_perm(i)||^2.  Note the consequence: the OT-coupled objective's
 * minimiser is no longer the independent-coupling field u_t of the case, so
 * with ot on the reported field error measures distance to a different
 * field and need not go to 0.
 *
 * Reproducibility: every random number is a pure function of (seed, step,
 * row) through counter-based streams (rng.h) with purpose tag FM_TRAIN_TAG:
 * child(base, 0) initialises theta, children 1, 2, 3 give t, x0, x1 of the
 * training rows (row i of step k has index k B + i), children 4, 5, 6 the
 * held-out rows.  So the state of a run is (theta, Adam's (k, m, v), step,
 * the loss accumulator), which the model file saves: a resumed run continues
 * bit for bit (same machine and build; OpenBLAS pinned to one thread).
 *
 * Held-out set (drawn once from the training t-distribution, the case's
 * data and N(0, I)): because the target is known, every log_every steps the
 * trainer reports the true field error E||v - u_t(x)||^2 (analytic u_t from
 * fm_gmm_marginal) with its standard error, the held-out L_CFM, and the
 * held-out estimate of the floor C = E||u_t(x|x1) - u_t(x)||^2 (the minimum
 * of L_CFM: L_CFM(theta) = E||v - u||^2 + C).
 */
#ifndef FM_TRAIN_H
#define FM_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "adam.h"
#include "case.h"
#include "fm_status.h"
#include "mlp.h"

#define FM_TRAIN_TAG 0x5452 /* "TR": rng stream purpose tag */

/* Limits validated by fm_train_config_check (and so by the model loader). */
#define FM_TRAIN_MAXBATCH 65536
#define FM_TRAIN_MAXBATCH_OT 4096 /* O(B^3) assignment, B^2 cost matrix */
#define FM_TRAIN_MAXHELDOUT (1u << 24)

typedef enum {
  FM_TRAIN_T_UNIFORM = 0,     /* t ~ U[t_lo, t_hi] */
  FM_TRAIN_T_LOGIT_NORMAL = 1 /* t = 1/(1 + exp(-(ln_mean + ln_std z))) */
} fm_train_tdist;

typedef struct {
  fm_mlp_arch arch;      /* arch.d must be the case's dimension */
  uint64_t steps;        /* horizon of the cosine decay (and the CLI's run) */
  size_t batch;          /* B */
  double lr, lr_min;     /* peak and final learning rate */
  int cosine;            /* 1: cosine decay lr -> lr_min; 0: constant lr */
  double clip;           /* clip the gradient's L2 norm to this; 0 = off */
  int ot;                /* 1: minibatch OT coupling */
  fm_train_tdist tdist;  /* t-distribution */
  double t_lo, t_hi;     /* uniform: 0 <= t_lo < t_hi <= 1 */
  double ln_mean, ln_std;/* logit-normal: location, scale > 0 */
  uint64_t log_every;    /* K: held-out evaluation every K steps; 0 = never */
  size_t heldout;        /* held-out rows (>= 2 when log_every > 0) */
  uint64_t seed;
  fm_adam_param adam;
} fm_train_config;

/* Defaults: width 64, depth 3, no time features, 2000 steps, batch 256,
 * lr 1e-3 with cosine decay to 0, no clipping, no OT, t ~ U[0,1], log every
 * 100 steps on 2048 held-out rows, Adam (0.9, 0.999, 1e-8). */
void fm_train_config_default(fm_train_config *cfg, size_t d, uint64_t seed);
/* FM_EINVAL naming the field when a value is out of range. */
int fm_train_config_check(const fm_train_config *cfg, fm_errmsg *e);

/* One held-out evaluation (the training log, every log_every steps). */
typedef struct {
  uint64_t step;       /* steps taken */
  double lr;           /* learning rate of the last step (NaN at step 0) */
  double loss;         /* mean minibatch L_CFM since the previous record (NaN at step 0) */
  double grad_norm;    /* gradient norm of the last step, before clipping (NaN at 0) */
  double field_err;    /* held-out mean ||v - u_t(x)||^2 (true field error) */
  double field_err_se; /* its standard error */
  double heldout_loss; /* held-out L_CFM */
  double floor_c;      /* held-out mean ||u_t(x|x1) - u_t(x)||^2, estimate of C */
  double floor_c_se;   /* its standard error */
} fm_train_log;

/* Called for each record; a non-zero return stops fm_train_run with it. */
typedef int (*fm_train_log_fn)(const fm_train_log *rec, void *ctx);

/* The part of the state that is not theta or Adam's. */
typedef struct {
  uint64_t step;       /* steps taken */
  double loss_sum;     /* sum of minibatch losses since the last record */
  uint64_t loss_count; /* and their number */
} fm_train_progress;

typedef struct fm_train fm_train;

/* A fresh run: theta initialised from the seed (fm_mlp_init on child 0), Adam
 * zeroed, held-out set drawn and its analytic fields computed.  The case is
 * borrowed and must outlive tr.  FM_EDIM if cfg->arch.d differs from the
 * case's dimension. */
int fm_train_alloc(fm_train **tr, const fm_case *c, const fm_train_config *cfg,
                   fm_errmsg *e);
void fm_train_free(fm_train *tr);

/* The minibatch of step k (after the OT permutation when ot is on): t (B),
 * x = psi_t(x0) (B x d), target u = u_t(x|x1) (B x d), x0 and x1 (B x d).
 * Any output except t, x, u may be NULL.  Pure function of (config, case,
 * k).  FM_ENONFIN naming k and t when a target is not finite (e.g. VP at
 * t -> 1, where sigma' blows up: restrict t_hi). */
int fm_train_batch(double *t, double *x, double *u, double *x0, double *x1, fm_train *tr,
                   uint64_t k, fm_errmsg *e);

/* One Adam step on the minibatch of step `progress.step`; *loss (may be
 * NULL) = its L_CFM before the update. */
int fm_train_step(fm_train *tr, double *loss, fm_errmsg *e);

/* nsteps steps, with a record (through log, may be NULL) whenever the step
 * count is a multiple of log_every, and at step 0 of a fresh run. */
int fm_train_run(fm_train *tr, uint64_t nsteps, fm_train_log_fn log, void *ctx,
                 fm_errmsg *e);

/* Held-out metrics of the current theta (rec->step, lr, loss, grad_norm are
 * filled from the last step as in the log). */
int fm_train_eval(fm_train_log *rec, fm_train *tr, fm_errmsg *e);

/* Accessors: the model is trained in place. */
const fm_train_config *fm_train_get_config(const fm_train *tr);
const fm_case *fm_train_get_case(const fm_train *tr);
fm_mlp *fm_train_mlp(fm_train *tr);
const fm_mlp *fm_train_mlp_const(const fm_train *tr);
const fm_adam *fm_train_adam(const fm_train *tr);
fm_train_progress fm_train_get_progress(const fm_train *tr);

/* Restore a saved state (theta: n_params values; adam of the same size).
 * FM_EINVAL when sizes disagree. */
int fm_train_restore(fm_train *tr, const double *theta, const fm_adam *adam,
                     const fm_train_progress *p, fm_errmsg *e);

/* Learning rate of update k under cfg (the cosine schedule above). */
double fm_train_lr(const fm_train_config *cfg, uint64_t k);

#endif
