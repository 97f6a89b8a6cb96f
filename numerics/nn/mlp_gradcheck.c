/* mlp_gradcheck.c -- see mlp_gradcheck.h. */
#include "mlp_gradcheck.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fdiff.h"
#include "fm_status.h"

#define FM_GC_H0 0x1p-4
#define FM_GC_LEVELS 5
#define FM_GC_EPS DBL_EPSILON

typedef struct {
  fm_mlp *m;
  fm_mlp_work *w;
  const double *theta0, *r, *t, *x, *u;
  size_t n;
  double *v;
  double scale; /* the largest S seen (see the header) */
} fm_gc_ctx;

/* L, and the loss's magnitude S, at theta currently in m. */
static int fm_gc_loss(double *L, double *S, fm_gc_ctx *c)
{
  size_t d = c->m->arch.d, nd = c->n * d;
  int st = fm_mlp_forward(c->v, c->w, c->m, c->t, c->x, c->n);
  if (st != FM_OK)
    return st;
  double l = 0.0, s = 0.0;
  for (size_t q = 0; q < nd; q++) {
    double e = c->v[q] - c->u[q];
    l += e * e;
    s += fabs(c->v[q]) * (fabs(c->v[q]) + fabs(c->u[q]));
  }
  *L = l / (double)c->n;
  *S = s / (double)c->n;
  return FM_OK;
}

/* f(s) = L(theta0 + s r). */
static int fm_gc_f(double *y, double s, void *ctx)
{
  fm_gc_ctx *c = ctx;
  for (size_t a = 0; a < c->m->n_params; a++)
    c->m->theta[a] = c->theta0[a] + s * c->r[a];
  double S = 0.0;
  int st = fm_gc_loss(y, &S, c);
  if (st == FM_OK)
    c->scale = fmax(c->scale, S + *y);
  return st;
}

int fm_mlp_loss_grad(double *L, double *g, fm_mlp *m, fm_mlp_work *w, const double *t,
                     const double *x, const double *u, size_t n)
{
  size_t nd = n * m->arch.d;
  double *v = malloc(2 * nd * sizeof *v);
  if (v == NULL)
    return FM_ENOMEM;
  double *dv = v + nd;
  int st = fm_mlp_forward(v, w, m, t, x, n);
  double l = 0.0;
  for (size_t q = 0; q < nd && st == FM_OK; q++) {
    double e = v[q] - u[q];
    l += e * e;
    dv[q] = 2.0 * e / (double)n;
  }
  *L = l / (double)n;
  st = st ? st : fm_mlp_backward(g, NULL, w, m, dv, n);
  free(v);
  return st;
}

int fm_mlp_gradcheck(fm_mlp_gradcheck_result *res, fm_mlp *m, fm_mlp_work *w, const double *g,
                     const double *t, const double *x, const double *u, size_t n,
                     const double *R, size_t k)
{
  size_t p = m->n_params, nd = n * m->arch.d;
  double *buf = malloc((p + nd) * sizeof *buf);
  if (buf == NULL)
    return FM_ENOMEM;
  memcpy(buf, m->theta, p * sizeof *buf);
  fm_gc_ctx c = {m, w, buf, NULL, t, x, u, n, buf + p, 0.0};
  double gn = 0.0;
  for (size_t a = 0; a < p; a++)
    gn += g[a] * g[a];
  gn = sqrt(gn);
  *res = (fm_mlp_gradcheck_result){0.0, 0, NAN, NAN, NAN};
  int st = FM_OK;
  for (size_t j = 0; j < k && st == FM_OK; j++) {
    c.r = R + j * p;
    c.scale = 0.0;
    double D, err, gr = 0.0;
    fm_fdiff_info info;
    st = fm_fdiff_central(&D, &err, &info, fm_gc_f, &c, 1, 0.0, FM_GC_H0, FM_GC_LEVELS);
    for (size_t a = 0; a < p; a++)
      gr += g[a] * c.r[a];
    double delta = 4.0 * FM_GC_EPS * c.scale;
    double tol = err + 2.0 * delta / info.h_used + 64.0 * FM_GC_EPS * (fabs(gr) + gn);
    double ratio = fabs(gr - D) / tol;
    if (st == FM_OK && !(ratio <= res->ratio)) /* NaN counts as the worst */
      *res = (fm_mlp_gradcheck_result){isnan(ratio) ? INFINITY : ratio, j, gr, D, tol};
  }
  memcpy(m->theta, buf, p * sizeof *buf);
  free(buf);
  return st;
}
