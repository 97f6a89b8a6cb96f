/* linfeat.c -- features of the linear-in-parameters field and the moments of
 * its squared loss (see linfeat.h). */
#include "linfeat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t fm_linfeat_count(size_t d)
{
  return 2 * d + 3;
}

void fm_linfeat_eval(double *phi, double t, const double *x, size_t d)
{
  phi[0] = 1.0;
  phi[1] = t;
  phi[2] = t * t;
  for (size_t j = 0; j < d; j++) {
    phi[3 + j] = x[j];
    phi[3 + d + j] = t * x[j];
  }
}

void fm_linfeat_name(char *buf, size_t len, size_t a, size_t d)
{
  if (a < 3)
    snprintf(buf, len, "%s", a == 0 ? "1" : (a == 1 ? "t" : "t^2"));
  else if (a < 3 + d)
    snprintf(buf, len, "x%zu", a - 2);
  else
    snprintf(buf, len, "t*x%zu", a - 2 - d);
}

void fm_linfeat_apply(double *v, const double *Theta, const double *phi, size_t d, size_t p)
{
  for (size_t i = 0; i < d; i++) {
    double acc = 0.0;
    for (size_t a = 0; a < p; a++)
      acc += Theta[i * p + a] * phi[a];
    v[i] = acc;
  }
}

int fm_linfeat_mom_alloc(fm_linfeat_mom *m, size_t d)
{
  size_t p = fm_linfeat_count(d);
  m->d = d;
  m->p = p;
  m->G = calloc(p * p + d * p, sizeof *m->G);
  if (m->G == NULL)
    return FM_ENOMEM;
  m->B = m->G + p * p;
  m->c = 0.0;
  return FM_OK;
}

void fm_linfeat_mom_free(fm_linfeat_mom *m)
{
  free(m->G);
  m->G = m->B = NULL;
}

void fm_linfeat_mom_zero(fm_linfeat_mom *m)
{
  memset(m->G, 0, (m->p * m->p + m->d * m->p) * sizeof *m->G);
  m->c = 0.0;
}

void fm_linfeat_mom_add(fm_linfeat_mom *m, double w, const double *phi, const double *y)
{
  size_t p = m->p, d = m->d;
  for (size_t a = 0; a < p; a++) {
    double wa = w * phi[a];
    for (size_t b = 0; b < p; b++)
      m->G[a * p + b] += wa * phi[b];
  }
  double yy = 0.0;
  for (size_t i = 0; i < d; i++) {
    double wy = w * y[i];
    for (size_t a = 0; a < p; a++)
      m->B[i * p + a] += wy * phi[a];
    yy += y[i] * y[i];
  }
  m->c += w * yy;
}

void fm_linfeat_mom_axpy(fm_linfeat_mom *a, double w, const fm_linfeat_mom *b)
{
  size_t n = a->p * a->p + a->d * a->p;
  for (size_t i = 0; i < n; i++)
    a->G[i] += w * b->G[i];
  a->c += w * b->c;
}

size_t fm_linfeat_mom_size(const fm_linfeat_mom *m)
{
  return m->p * m->p + m->d * m->p + 1;
}

void fm_linfeat_mom_pack(double *v, const fm_linfeat_mom *m)
{
  size_t n = m->p * m->p + m->d * m->p;
  memcpy(v, m->G, n * sizeof *v);
  v[n] = m->c;
}

void fm_linfeat_mom_unpack(fm_linfeat_mom *m, const double *v)
{
  size_t n = m->p * m->p + m->d * m->p;
  memcpy(m->G, v, n * sizeof *v);
  m->c = v[n];
}

double fm_linfeat_loss(double *grad, const fm_linfeat_mom *m, const double *Theta)
{
  size_t p = m->p, d = m->d;
  double L = m->c;
  for (size_t i = 0; i < d; i++) {
    const double *th = Theta + i * p;
    for (size_t a = 0; a < p; a++) {
      double tg = 0.0;
      for (size_t b = 0; b < p; b++)
        tg += th[b] * m->G[b * p + a];
      L += th[a] * (tg - 2.0 * m->B[i * p + a]);
      if (grad != NULL)
        grad[i * p + a] = 2.0 * (tg - m->B[i * p + a]);
    }
  }
  return L;
}
