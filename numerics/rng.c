/* rng.c -- Philox streams: see rng.h for the exact mapping of indices. */
#include "rng.h"

#include <math.h>
#include <Random123/philox.h>

static philox4x64_ctr_t fm_rng_block(const fm_rng *r, uint64_t b)
{
  philox4x64_ctr_t c = {{b, 0, 0, 0}};
  philox4x64_key_t k = {{r->seed, r->stream}};
  return philox4x64(c, k);
}

static double fm_rng_u53(uint64_t w)
{
  /* (k + 1/2) 2^-53 with k the top 53 bits: in (0,1), never 0 or 1. */
  return ((double)(w >> 11) + 0.5) * 0x1p-53;
}

fm_rng fm_rng_make(uint64_t seed, uint64_t stream)
{
  fm_rng r = {seed, stream};
  return r;
}

fm_rng fm_rng_child(const fm_rng *r, uint64_t id)
{
  /* Counter (id, stream, 1, 0) under key (seed, ~stream) is never used as a
   * variate block (variate blocks have zeros in words 2,3), so the child key
   * is a fresh pseudo-random word. */
  philox4x64_ctr_t c = {{id, r->stream, 1, 0}};
  philox4x64_key_t k = {{r->seed, ~r->stream}};
  philox4x64_ctr_t o = philox4x64(c, k);
  fm_rng child = {r->seed, o.v[0]};
  return child;
}

double fm_rng_uniform(const fm_rng *r, uint64_t i)
{
  philox4x64_ctr_t o = fm_rng_block(r, i / 4);
  return fm_rng_u53(o.v[i % 4]);
}

static void fm_rng_box_muller(double z[4], const philox4x64_ctr_t *o)
{
  for (int p = 0; p < 2; p++) {
    double u0 = fm_rng_u53(o->v[2 * p]), u1 = fm_rng_u53(o->v[2 * p + 1]);
    double rad = sqrt(-2.0 * log(u0));
    double ang = 2.0 * M_PI * u1;
    z[2 * p] = rad * cos(ang);
    z[2 * p + 1] = rad * sin(ang);
  }
}

double fm_rng_normal(const fm_rng *r, uint64_t i)
{
  double z[4];
  philox4x64_ctr_t o = fm_rng_block(r, i / 4);
  fm_rng_box_muller(z, &o);
  return z[i % 4];
}

void fm_rng_normals(double *z, size_t n, const fm_rng *r, uint64_t first)
{
  size_t k = 0;
  while (k < n) {
    uint64_t i = first + k, b = i / 4;
    double blk[4];
    philox4x64_ctr_t o = fm_rng_block(r, b);
    fm_rng_box_muller(blk, &o);
    for (unsigned lane = (unsigned)(i % 4); lane < 4 && k < n; lane++)
      z[k++] = blk[lane];
  }
}

void fm_rng_uniforms(double *u, size_t n, const fm_rng *r, uint64_t first)
{
  size_t k = 0;
  while (k < n) {
    uint64_t i = first + k;
    philox4x64_ctr_t o = fm_rng_block(r, i / 4);
    for (unsigned lane = (unsigned)(i % 4); lane < 4 && k < n; lane++)
      u[k++] = fm_rng_u53(o.v[lane]);
  }
}
