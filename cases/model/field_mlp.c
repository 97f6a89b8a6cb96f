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

static int fm_fm_eval(double *v, double t, const double *x, size_t n, void *ctx)
{
  fm_fm_ctx *c = ctx;
  size_t d = c->m->arch.d;
  int st = FM_OK;
  fm_fm_fill_t(c, t, n < c->max_batch ? n : c->max_batch);
  for (size_t r = 0; r < n && st == FM_OK; r += c->max_batch) {
    size_t b = n - r < c->max_batch ? n - r : c->max_batch;
    st = fm_mlp_forward(v + r * d, c->w, c->m, c->t, x + r * d, b);
  }
  return st;
}

static int fm_fm_div(double *v, double *div, double t, const double *x, size_t n, void *ctx)
{
  fm_fm_ctx *c = ctx;
  size_t d = c->m->arch.d;
  int st = FM_OK;
  fm_fm_fill_t(c, t, n < c->max_batch ? n : c->max_batch);
  for (size_t r = 0; r < n && st == FM_OK; r += c->max_batch) {
    size_t b = n - r < c->max_batch ? n - r : c->max_batch;
    st = fm_mlp_divergence(v + r * d, div + r, c->w, c->m, c->t, x + r * d, b);
  }
  return st;
}

static int fm_fm_jvp(double *v, double *jv, double t, const double *x, const double *w,
                     size_t n, void *ctx)
{
  fm_fm_ctx *c = ctx;
  size_t d = c->m->arch.d;
  int st = FM_OK;
  fm_fm_fill_t(c, t, n < c->max_batch ? n : c->max_batch);
  for (size_t r = 0; r < n && st == FM_OK; r += c->max_batch) {
    size_t b = n - r < c->max_batch ? n - r : c->max_batch;
    st = fm_mlp_jvp(v + r * d, jv + r * d, c->w, c->m, c->t, x + r * d, w + r * d, b);
  }
  return st;
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
