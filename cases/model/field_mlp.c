/* field_mlp.c -- a trained MLP v_theta(t, x) (mlp.h) as an fm_field
 * (field.h): batched forward, exact divergence (one forward and d tangent
 * passes) and Jacobian-vector products, split into sub-batches of at most
 * max_batch rows so that the work space stays bounded whatever n is. */
#include "field.h"

#include <stdlib.h>

typedef struct {
  const fm_mlp *m;
  fm_mlp_work *w;
  size_t max_batch;
  double *t;       /* max_batch copies of the current time */
} fm_fm_ctx;

static void fm_fm_destroy(fm_field *f)
{
  fm_fm_ctx *c = f->ctx;
  fm_mlp_work_free(c->w);
  free(c->t);
  free(c);
  free(f);
}

static void fm_fm_fill_t(fm_fm_ctx *c, double t, size_t n)
{
  for (size_t i = 0; i < n; i++)
    c->t[i] = t;
}

/* The n rows in batches of at most max_batch (the work space's size): one
 * call of op per batch with its row offset r and size b. */
typedef int (*fm_fm_batch_fn)(fm_fm_ctx *c, size_t r, size_t b, void *arg);

static int fm_fm_batches(fm_fm_ctx *c, double t, size_t n, fm_fm_batch_fn op, void *arg)
{
  int st = FM_OK;
  fm_fm_fill_t(c, t, n < c->max_batch ? n : c->max_batch);
  for (size_t r = 0; r < n && st == FM_OK; r += c->max_batch)
    st = op(c, r, n - r < c->max_batch ? n - r : c->max_batch, arg);
  return st;
}

typedef struct {
  double *v, *out;           /* out: div (one per row) or jv (d per row) */
  const double *x, *w;
} fm_fm_io;

static int fm_fm_eval_batch(fm_fm_ctx *c, size_t r, size_t b, void *arg)
{
  const fm_fm_io *io = arg;
  size_t d = c->m->arch.d;
  return fm_mlp_forward(io->v + r * d, c->w, c->m, c->t, io->x + r * d, b);
}

static int fm_fm_div_batch(fm_fm_ctx *c, size_t r, size_t b, void *arg)
{
  const fm_fm_io *io = arg;
  size_t d = c->m->arch.d;
  return fm_mlp_divergence(io->v + r * d, io->out + r, c->w, c->m, c->t, io->x + r * d, b);
}

static int fm_fm_jvp_batch(fm_fm_ctx *c, size_t r, size_t b, void *arg)
{
  const fm_fm_io *io = arg;
  size_t d = c->m->arch.d;
  return fm_mlp_jvp(io->v + r * d, io->out + r * d, c->w, c->m, c->t, io->x + r * d,
                    io->w + r * d, b);
}

static int fm_fm_eval(double *v, double t, const double *x, size_t n, void *ctx)
{
  fm_fm_io io = {v, NULL, x, NULL};
  return fm_fm_batches(ctx, t, n, fm_fm_eval_batch, &io);
}

static int fm_fm_div(double *v, double *div, double t, const double *x, size_t n, void *ctx)
{
  fm_fm_io io = {v, div, x, NULL};
  return fm_fm_batches(ctx, t, n, fm_fm_div_batch, &io);
}

static int fm_fm_jvp(double *v, double *jv, double t, const double *x, const double *w,
                     size_t n, void *ctx)
{
  fm_fm_io io = {v, jv, x, w};
  return fm_fm_batches(ctx, t, n, fm_fm_jvp_batch, &io);
}

int fm_field_mlp_alloc(fm_field **fp, const fm_mlp *m, const fm_schedule *sched,
                       size_t max_batch, fm_errmsg *e)
{
  *fp = NULL;
  if (max_batch == 0)
    return fm_errmsg_set(e, FM_EINVAL, "MLP field: max_batch must be positive");
  fm_field *f = calloc(1, sizeof *f);
  fm_fm_ctx *c = calloc(1, sizeof *c);
  double *t = malloc(max_batch * sizeof *t);
  if (f == NULL || c == NULL || t == NULL) {
    free(f);
    free(c);
    free(t);
    return fm_errmsg_set(e, FM_ENOMEM, "MLP field: out of memory");
  }
  int st = fm_mlp_work_alloc(&c->w, &m->arch, max_batch, e);
  if (st != FM_OK) {
    free(f);
    free(c);
    free(t);
    return st;
  }
  c->m = m;
  c->max_batch = max_batch;
  c->t = t;
  *f = (fm_field){.d = m->arch.d, .eval = fm_fm_eval, .div = fm_fm_div, .jvp = fm_fm_jvp,
                  .ctx = c, .sched = sched, .destroy = fm_fm_destroy};
  *fp = f;
  return FM_OK;
}
