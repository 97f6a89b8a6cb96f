/* adam.c -- Adam, Kingma & Ba Algorithm 1 (see adam.h). */
#include "adam.h"

#include <math.h>
#include <stdlib.h>

fm_adam_param fm_adam_param_default(void)
{
  return (fm_adam_param){0.9, 0.999, 1e-8};
}

int fm_adam_param_check(const fm_adam_param *p, fm_errmsg *e)
{
  if (!(p->beta1 >= 0.0 && p->beta1 < 1.0))
    return fm_errmsg_set(e, FM_EINVAL, "adam: beta1 = %g outside [0, 1)", p->beta1);
  if (!(p->beta2 >= 0.0 && p->beta2 < 1.0))
    return fm_errmsg_set(e, FM_EINVAL, "adam: beta2 = %g outside [0, 1)", p->beta2);
  if (!(p->eps > 0.0 && isfinite(p->eps)))
    return fm_errmsg_set(e, FM_EINVAL, "adam: eps = %g is not a positive number", p->eps);
  return FM_OK;
}

int fm_adam_alloc(fm_adam **a, size_t n)
{
  *a = NULL;
  fm_adam *r = calloc(1, sizeof *r);
  if (r == NULL)
    return FM_ENOMEM;
  r->n = n;
  r->m = calloc(n > 0 ? n : 1, sizeof *r->m);
  r->v = calloc(n > 0 ? n : 1, sizeof *r->v);
  if (r->m == NULL || r->v == NULL) {
    fm_adam_free(r);
    return FM_ENOMEM;
  }
  *a = r;
  return FM_OK;
}

void fm_adam_free(fm_adam *a)
{
  if (a == NULL)
    return;
  free(a->m);
  free(a->v);
  free(a);
}

void fm_adam_step(fm_adam *a, double *theta, const double *g, double lr,
                  const fm_adam_param *p)
{
  a->k++;
  /* 1 - beta^k by pow: exact enough (the corrections are O(1) factors) and
   * a function of k alone, so a resumed run recomputes the same bits. */
  double c1 = 1.0 - pow(p->beta1, (double)a->k);
  double c2 = 1.0 - pow(p->beta2, (double)a->k);
  for (size_t i = 0; i < a->n; i++) {
    a->m[i] = p->beta1 * a->m[i] + (1.0 - p->beta1) * g[i];
    a->v[i] = p->beta2 * a->v[i] + (1.0 - p->beta2) * g[i] * g[i];
    double mhat = a->m[i] / c1, vhat = a->v[i] / c2;
    theta[i] -= lr * mhat / (sqrt(vhat) + p->eps);
  }
}
