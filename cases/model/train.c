/* train.c -- the CFM training loop of train.h.
 *
 * Placement: numerics/ (mlp, adam, assign) never includes a cases/ header;
 * the trainer needs the GMM, the schedule and the conditional path, so it
 * sits in cases/, the lowest layer that has both, and theorems/ (fm-cfm-grad,
 * cfm-minimizer) and reports/ (the train/sample CLI) build on it.
 *
 * All buffers are allocated once for the batch size; a step allocates
 * nothing.  Sums run in a fixed order, so a step is a deterministic function
 * of the state and the step number.
 */
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign.h"
#include "cond.h"
#include "gmm.h"

/* Children of the base stream, by purpose (train.h). */
enum { FM_TR_INIT = 0, FM_TR_T, FM_TR_X0, FM_TR_X1, FM_TR_HT, FM_TR_HX0, FM_TR_HX1 };

struct fm_train {
  const fm_case *c;
  fm_train_config cfg;
  size_t d, B;
  fm_mlp *mlp;
  fm_mlp_work *work;
  fm_adam *adam;
  fm_train_progress prog;
  double last_gnorm;
  fm_rng base;
  /* minibatch buffers: t (B); x0, x1, x1p, x, u, v, dv (B x d); grad (P) */
  double *t, *x0, *x1, *x1p, *x, *u, *v, *dv, *grad;
  /* OT: cost (B x B), col (B) */
  double *cost;
  size_t *col;
  fm_assign_work *aw;
  /* held-out rows: t, x, conditional and analytic targets */
  size_t nh;
  double *ht, *hx, *huc, *hu;
  double floor_c, floor_c_se;
};

/* ------------------------------------------------------------ config */

void fm_train_config_default(fm_train_config *cfg, size_t d, uint64_t seed)
{
  memset(cfg, 0, sizeof *cfg);
  cfg->arch = (fm_mlp_arch){d, 64, 3, 0};
  cfg->steps = 2000;
  cfg->batch = 256;
  cfg->lr = 1e-3;
  cfg->lr_min = 0.0;
  cfg->cosine = 1;
  cfg->clip = 0.0;
  cfg->ot = 0;
  cfg->tdist = FM_TRAIN_T_UNIFORM;
  cfg->t_lo = 0.0;
  cfg->t_hi = 1.0;
  cfg->ln_mean = 0.0;
  cfg->ln_std = 1.0;
  cfg->log_every = 100;
  cfg->heldout = 2048;
  cfg->seed = seed;
  cfg->adam = fm_adam_param_default();
}

static int fm_train_check_t(const fm_train_config *c, fm_errmsg *e)
{
  if (c->tdist == FM_TRAIN_T_UNIFORM) {
    if (!(c->t_lo >= 0.0 && c->t_lo < c->t_hi && c->t_hi <= 1.0))
      return fm_errmsg_set(e, FM_EINVAL,
                           "train: t range [%g, %g] is not a subinterval of [0, 1]", c->t_lo,
                           c->t_hi);
  } else if (c->tdist == FM_TRAIN_T_LOGIT_NORMAL) {
    if (!isfinite(c->ln_mean) || !(c->ln_std > 0.0 && isfinite(c->ln_std)))
      return fm_errmsg_set(e, FM_EINVAL,
                           "train: logit-normal t needs a finite mean (got %g) and a "
                           "positive scale (got %g)", c->ln_mean, c->ln_std);
  } else {
    return fm_errmsg_set(e, FM_EINVAL, "train: unknown t-distribution %d", (int)c->tdist);
  }
  return FM_OK;
}

int fm_train_config_check(const fm_train_config *c, fm_errmsg *e)
{
  int st = fm_mlp_arch_check(&c->arch, e);
  if (st != FM_OK)
    return st;
  size_t bmax = c->ot ? FM_TRAIN_MAXBATCH_OT : FM_TRAIN_MAXBATCH;
  if (c->batch < 1 || c->batch > bmax)
    return fm_errmsg_set(e, FM_EINVAL, "train: batch = %zu outside [1, %zu]%s", c->batch,
                         bmax, c->ot ? " (with OT coupling)" : "");
  if (!(c->lr > 0.0 && isfinite(c->lr)))
    return fm_errmsg_set(e, FM_EINVAL, "train: learning rate %g is not positive", c->lr);
  if (!(c->lr_min >= 0.0 && c->lr_min <= c->lr))
    return fm_errmsg_set(e, FM_EINVAL, "train: lr_min = %g outside [0, lr = %g]", c->lr_min,
                         c->lr);
  if (c->cosine != 0 && c->cosine != 1)
    return fm_errmsg_set(e, FM_EINVAL, "train: cosine = %d is not 0 or 1", c->cosine);
  if (c->ot != 0 && c->ot != 1)
    return fm_errmsg_set(e, FM_EINVAL, "train: ot = %d is not 0 or 1", c->ot);
  if (c->cosine && c->steps < 1)
    return fm_errmsg_set(e, FM_EINVAL, "train: cosine decay needs steps >= 1");
  if (!(c->clip >= 0.0 && isfinite(c->clip)))
    return fm_errmsg_set(e, FM_EINVAL, "train: clip = %g is not >= 0", c->clip);
  st = fm_train_check_t(c, e);
  if (st != FM_OK)
    return st;
  if (c->heldout > FM_TRAIN_MAXHELDOUT || (c->log_every > 0 && c->heldout < 2))
    return fm_errmsg_set(e, FM_EINVAL, "train: heldout = %zu outside [2, %u]", c->heldout,
                         FM_TRAIN_MAXHELDOUT);
  return fm_adam_param_check(&c->adam, e);
}

double fm_train_lr(const fm_train_config *cfg, uint64_t k)
{
  if (!cfg->cosine)
    return cfg->lr;
  double f = k >= cfg->steps ? 1.0 : (double)k / (double)cfg->steps;
  return cfg->lr_min + 0.5 * (cfg->lr - cfg->lr_min) * (1.0 + cos(M_PI * f));
}

/* ------------------------------------------------------------ sampling */

/* Draw i of the t-distribution from stream r. */
static double fm_train_draw_t(const fm_train_config *c, const fm_rng *r, uint64_t i)
{
  if (c->tdist == FM_TRAIN_T_LOGIT_NORMAL)
    return 1.0 / (1.0 + exp(-(c->ln_mean + c->ln_std * fm_rng_normal(r, i))));
  double t = c->t_lo + (c->t_hi - c->t_lo) * fm_rng_uniform(r, i);
  return t > c->t_hi ? c->t_hi : t; /* rounding must not leave [t_lo, t_hi] */
}

/* x_i = psi_t(x0_i), u_i = u_t(x_i | x1_i) for n rows; FM_ENONFIN when the
 * schedule or a target is not finite.  `what` names the rows in messages. */
static int fm_train_targets(double *x, double *u, const fm_train *tr, const double *t,
                            const double *x0, const double *x1, size_t n,
                            const char *what, fm_errmsg *e)
{
  size_t d = tr->d;
  for (size_t i = 0; i < n; i++) {
    fm_sched_val sv;
    int st = fm_schedule_eval(&sv, tr->c->sched, t[i]);
    if (st != FM_OK)
      return fm_errmsg_set(e, st, "train: %s, row %zu: schedule at t = %.17g: %s", what, i,
                           t[i], fm_strerror(st));
    fm_cond_flow(x + i * d, &sv, x0 + i * d, x1 + i * d, d);
    fm_cond_field(u + i * d, &sv, x + i * d, x1 + i * d, d);
    for (size_t j = 0; j < d; j++)
      if (!isfinite(u[i * d + j]) || !isfinite(x[i * d + j]))
        return fm_errmsg_set(e, FM_ENONFIN,
                             "train: %s, row %zu: conditional target not finite at "
                             "t = %.17g (restrict the t range)", what, i, t[i]);
  }
  return FM_OK;
}

/* x1p = x1 permuted by the exact assignment of x0 rows to x1 rows. */
static int fm_train_ot(fm_train *tr)
{
  size_t B = tr->B, d = tr->d;
  for (size_t i = 0; i < B; i++)
    for (size_t j = 0; j < B; j++) {
      double s = 0.0;
      for (size_t l = 0; l < d; l++) {
        double r = tr->x0[i * d + l] - tr->x1[j * d + l];
        s += r * r;
      }
      tr->cost[i * B + j] = s;
    }
  int st = fm_assign_solve(tr->col, NULL, NULL, NULL, tr->cost, B, tr->aw);
  if (st != FM_OK)
    return st;
  for (size_t i = 0; i < B; i++)
    memcpy(tr->x1p + i * d, tr->x1 + tr->col[i] * d, d * sizeof(double));
  return FM_OK;
}

/* Fill tr->t, x0, x1, x1p, x, u with the minibatch of step k. */
static int fm_train_make_batch(fm_train *tr, uint64_t k, fm_errmsg *e)
{
  size_t B = tr->B, d = tr->d;
  fm_rng rt = fm_rng_child(&tr->base, FM_TR_T), r0 = fm_rng_child(&tr->base, FM_TR_X0),
         r1 = fm_rng_child(&tr->base, FM_TR_X1);
  for (size_t i = 0; i < B; i++) {
    uint64_t idx = k * B + i;
    tr->t[i] = fm_train_draw_t(&tr->cfg, &rt, idx);
    fm_rng_normals(tr->x0 + i * d, d, &r0, idx * d);
    fm_gmm_sample(tr->x1 + i * d, tr->c->gmm, &r1, idx);
  }
  if (tr->cfg.ot) {
    int st = fm_train_ot(tr);
    if (st != FM_OK)
      return fm_errmsg_set(e, st, "train: step %llu: OT assignment failed: %s",
                           (unsigned long long)k, fm_strerror(st));
  } else {
    memcpy(tr->x1p, tr->x1, B * d * sizeof(double));
  }
  char what[48];
  snprintf(what, sizeof what, "step %llu", (unsigned long long)k);
  return fm_train_targets(tr->x, tr->u, tr, tr->t, tr->x0, tr->x1p, B, what, e);
}

int fm_train_batch(double *t, double *x, double *u, double *x0, double *x1, fm_train *tr,
                   uint64_t k, fm_errmsg *e)
{
  int st = fm_train_make_batch(tr, k, e);
  if (st != FM_OK)
    return st;
  size_t nd = tr->B * tr->d * sizeof(double);
  memcpy(t, tr->t, tr->B * sizeof(double));
  memcpy(x, tr->x, nd);
  memcpy(u, tr->u, nd);
  if (x0 != NULL)
    memcpy(x0, tr->x0, nd);
  if (x1 != NULL)
    memcpy(x1, tr->x1p, nd);
  return FM_OK;
}

/* ------------------------------------------------------------ held-out set */

static int fm_train_heldout(fm_train *tr, fm_errmsg *e)
{
  size_t n = tr->nh, d = tr->d;
  double *x0 = malloc(n * d * sizeof(double)), *x1 = malloc(n * d * sizeof(double));
  int st = x0 && x1 ? FM_OK : fm_errmsg_set(e, FM_ENOMEM, "train: out of memory");
  fm_rng rt = fm_rng_child(&tr->base, FM_TR_HT), r0 = fm_rng_child(&tr->base, FM_TR_HX0),
         r1 = fm_rng_child(&tr->base, FM_TR_HX1);
  for (size_t i = 0; st == FM_OK && i < n; i++) {
    tr->ht[i] = fm_train_draw_t(&tr->cfg, &rt, i);
    fm_rng_normals(x0 + i * d, d, &r0, (uint64_t)i * d);
    fm_gmm_sample(x1 + i * d, tr->c->gmm, &r1, i);
  }
  if (st == FM_OK)
    st = fm_train_targets(tr->hx, tr->huc, tr, tr->ht, x0, x1, n, "held-out set", e);
  /* Analytic marginal field, and the floor C = E||u(x|x1) - u(x)||^2 by the
   * sample mean (Welford) with its standard error. */
  double mean = 0.0, m2 = 0.0;
  for (size_t i = 0; st == FM_OK && i < n; i++) {
    st = fm_gmm_marginal(NULL, NULL, NULL, tr->hu + i * d, tr->c->gmm, tr->c->sched,
                         tr->ht[i], tr->hx + i * d);
    if (st != FM_OK) {
      fm_errmsg_set(e, st, "train: held-out row %zu: marginal field at t = %.17g: %s", i,
                    tr->ht[i], fm_strerror(st));
      break;
    }
    double s = 0.0;
    for (size_t j = 0; j < d; j++) {
      double r = tr->huc[i * d + j] - tr->hu[i * d + j];
      s += r * r;
    }
    double dl = s - mean;
    mean += dl / (double)(i + 1);
    m2 += dl * (s - mean);
  }
  tr->floor_c = mean;
  tr->floor_c_se = n > 1 ? sqrt(m2 / (double)(n - 1) / (double)n) : NAN;
  free(x0);
  free(x1);
  return st;
}

/* ------------------------------------------------------------ alloc/free */

static int fm_train_buffers(fm_train *tr)
{
  size_t B = tr->B, nd = B * tr->d, P = tr->mlp->n_params, nh = tr->nh * tr->d;
  tr->t = malloc(B * sizeof(double));
  double **bufs[] = {&tr->x0, &tr->x1, &tr->x1p, &tr->x, &tr->u, &tr->v, &tr->dv};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
    *bufs[i] = malloc(nd * sizeof(double));
  tr->grad = malloc(P * sizeof(double));
  tr->ht = malloc((tr->nh > 0 ? tr->nh : 1) * sizeof(double));
  tr->hx = malloc((nh > 0 ? nh : 1) * sizeof(double));
  tr->huc = malloc((nh > 0 ? nh : 1) * sizeof(double));
  tr->hu = malloc((nh > 0 ? nh : 1) * sizeof(double));
  int ok = tr->t && tr->x0 && tr->x1 && tr->x1p && tr->x && tr->u && tr->v && tr->dv &&
           tr->grad && tr->ht && tr->hx && tr->huc && tr->hu;
  if (ok && tr->cfg.ot) {
    tr->cost = malloc(B * B * sizeof(double));
    tr->col = malloc(B * sizeof(size_t));
    ok = tr->cost && tr->col && fm_assign_work_alloc(&tr->aw, B) == FM_OK;
  }
  return ok ? FM_OK : FM_ENOMEM;
}

int fm_train_alloc(fm_train **trp, const fm_case *c, const fm_train_config *cfg,
                   fm_errmsg *e)
{
  *trp = NULL;
  int st = fm_train_config_check(cfg, e);
  if (st != FM_OK)
    return st;
  if (cfg->arch.d != c->gmm->d)
    return fm_errmsg_set(e, FM_EDIM, "train: model dimension %zu but case '%s' has %zu",
                         cfg->arch.d, c->name, c->gmm->d);
  fm_train *tr = calloc(1, sizeof *tr);
  if (tr == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "train: out of memory");
  tr->c = c;
  tr->cfg = *cfg;
  tr->d = cfg->arch.d;
  tr->B = cfg->batch;
  tr->nh = cfg->log_every > 0 ? cfg->heldout : 0;
  tr->last_gnorm = NAN;
  tr->base = fm_rng_make(cfg->seed, FM_RNG_STREAM(FM_TRAIN_TAG, 0));
  st = fm_mlp_alloc(&tr->mlp, &cfg->arch, e);
  if (st == FM_OK)
    st = fm_mlp_work_alloc(&tr->work, &cfg->arch, tr->B, e);
  if (st == FM_OK && fm_adam_alloc(&tr->adam, tr->mlp->n_params) != FM_OK)
    st = fm_errmsg_set(e, FM_ENOMEM, "train: out of memory");
  if (st == FM_OK && fm_train_buffers(tr) != FM_OK)
    st = fm_errmsg_set(e, FM_ENOMEM, "train: out of memory for batch %zu", tr->B);
  if (st == FM_OK) {
    fm_rng ri = fm_rng_child(&tr->base, FM_TR_INIT);
    fm_mlp_init(tr->mlp, &ri);
    st = fm_train_heldout(tr, e);
  }
  if (st != FM_OK) {
    fm_train_free(tr);
    return st;
  }
  *trp = tr;
  return FM_OK;
}

void fm_train_free(fm_train *tr)
{
  if (tr == NULL)
    return;
  fm_mlp_free(tr->mlp);
  fm_mlp_work_free(tr->work);
  fm_adam_free(tr->adam);
  double *bufs[] = {tr->t, tr->x0, tr->x1, tr->x1p, tr->x,  tr->u,   tr->v,
                    tr->dv, tr->grad, tr->cost, tr->ht, tr->hx, tr->huc, tr->hu};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
    free(bufs[i]);
  free(tr->col);
  fm_assign_work_free(tr->aw);
  free(tr);
}

/* ------------------------------------------------------------ the step */

int fm_train_step(fm_train *tr, double *loss_out, fm_errmsg *e)
{
  uint64_t k = tr->prog.step;
  int st = fm_train_make_batch(tr, k, e);
  if (st != FM_OK)
    return st;
  size_t nd = tr->B * tr->d, P = tr->mlp->n_params;
  st = fm_mlp_forward(tr->v, tr->work, tr->mlp, tr->t, tr->x, tr->B);
  double loss = 0.0, scale = 2.0 / (double)tr->B;
  for (size_t j = 0; j < nd; j++) {
    double r = tr->v[j] - tr->u[j];
    loss += r * r;
    tr->dv[j] = scale * r;
  }
  loss /= (double)tr->B;
  if (st == FM_OK)
    st = fm_mlp_backward(tr->grad, NULL, tr->work, tr->mlp, tr->dv, tr->B);
  if (st != FM_OK)
    return fm_errmsg_set(e, st, "train: step %llu: network pass failed",
                         (unsigned long long)k);
  double g2 = 0.0;
  for (size_t j = 0; j < P; j++)
    g2 += tr->grad[j] * tr->grad[j];
  double gnorm = sqrt(g2);
  if (!isfinite(loss) || !isfinite(gnorm))
    return fm_errmsg_set(e, FM_ENONFIN,
                         "train: step %llu: loss %g or gradient norm %g is not finite "
                         "(diverged: lower the learning rate or clip)",
                         (unsigned long long)k, loss, gnorm);
  if (tr->cfg.clip > 0.0 && gnorm > tr->cfg.clip) {
    double f = tr->cfg.clip / gnorm;
    for (size_t j = 0; j < P; j++)
      tr->grad[j] *= f;
  }
  fm_adam_step(tr->adam, tr->mlp->theta, tr->grad, fm_train_lr(&tr->cfg, k), &tr->cfg.adam);
  tr->last_gnorm = gnorm;
  tr->prog.step++;
  tr->prog.loss_sum += loss;
  tr->prog.loss_count++;
  if (loss_out != NULL)
    *loss_out = loss;
  return FM_OK;
}

/* ------------------------------------------------------------ evaluation */

int fm_train_eval(fm_train_log *rec, fm_train *tr, fm_errmsg *e)
{
  uint64_t k = tr->prog.step;
  rec->step = k;
  rec->lr = k > 0 ? fm_train_lr(&tr->cfg, k - 1) : NAN;
  rec->loss = tr->prog.loss_count > 0 ? tr->prog.loss_sum / (double)tr->prog.loss_count : NAN;
  rec->grad_norm = tr->last_gnorm;
  rec->floor_c = tr->floor_c;
  rec->floor_c_se = tr->floor_c_se;
  if (tr->nh < 2)
    return fm_errmsg_set(e, FM_ENOTAVAIL, "train: no held-out set (log_every = 0)");
  size_t d = tr->d;
  double mean = 0.0, m2 = 0.0, lc = 0.0;
  for (size_t off = 0; off < tr->nh; off += tr->B) {
    size_t nb = tr->nh - off < tr->B ? tr->nh - off : tr->B;
    int st = fm_mlp_forward(tr->v, tr->work, tr->mlp, tr->ht + off, tr->hx + off * d, nb);
    if (st != FM_OK)
      return fm_errmsg_set(e, st, "train: held-out evaluation failed");
    for (size_t i = 0; i < nb; i++) {
      double s = 0.0, sc = 0.0;
      for (size_t j = 0; j < d; j++) {
        double r = tr->v[i * d + j] - tr->hu[(off + i) * d + j];
        double rc = tr->v[i * d + j] - tr->huc[(off + i) * d + j];
        s += r * r;
        sc += rc * rc;
      }
      double dl = s - mean;
      mean += dl / (double)(off + i + 1);
      m2 += dl * (s - mean);
      lc += sc;
    }
  }
  rec->field_err = mean;
  rec->field_err_se = sqrt(m2 / (double)(tr->nh - 1) / (double)tr->nh);
  rec->heldout_loss = lc / (double)tr->nh;
  return FM_OK;
}

int fm_train_run(fm_train *tr, uint64_t nsteps, fm_train_log_fn log, void *ctx,
                 fm_errmsg *e)
{
  uint64_t K = tr->cfg.log_every;
  fm_train_log rec;
  int st = FM_OK;
  if (log != NULL && K > 0 && tr->prog.step == 0) {
    st = fm_train_eval(&rec, tr, e);
    if (st == FM_OK)
      st = log(&rec, ctx);
  }
  for (uint64_t s = 0; st == FM_OK && s < nsteps; s++) {
    st = fm_train_step(tr, NULL, e);
    if (st != FM_OK || K == 0 || tr->prog.step % K != 0)
      continue;
    /* The accumulator restarts at every multiple of K whether or not anyone
     * listens, so the state stays a function of the step count alone. */
    if (log != NULL) {
      st = fm_train_eval(&rec, tr, e);
      if (st == FM_OK)
        st = log(&rec, ctx);
    }
    tr->prog.loss_sum = 0.0;
    tr->prog.loss_count = 0;
  }
  return st;
}

/* ------------------------------------------------------------ state */

const fm_train_config *fm_train_get_config(const fm_train *tr)
{
  return &tr->cfg;
}

const fm_case *fm_train_get_case(const fm_train *tr)
{
  return tr->c;
}

fm_mlp *fm_train_mlp(fm_train *tr)
{
  return tr->mlp;
}

const fm_mlp *fm_train_mlp_const(const fm_train *tr)
{
  return tr->mlp;
}

const fm_adam *fm_train_adam(const fm_train *tr)
{
  return tr->adam;
}

fm_train_progress fm_train_get_progress(const fm_train *tr)
{
  return tr->prog;
}

int fm_train_restore(fm_train *tr, const double *theta, const fm_adam *adam,
                     const fm_train_progress *p, fm_errmsg *e)
{
  size_t P = tr->mlp->n_params;
  if (adam->n != P)
    return fm_errmsg_set(e, FM_EINVAL, "train: optimiser state has %zu entries, model %zu",
                         adam->n, P);
  memcpy(tr->mlp->theta, theta, P * sizeof(double));
  tr->adam->k = adam->k;
  memcpy(tr->adam->m, adam->m, P * sizeof(double));
  memcpy(tr->adam->v, adam->v, P * sizeof(double));
  tr->prog = *p;
  tr->last_gnorm = NAN;
  return FM_OK;
}
