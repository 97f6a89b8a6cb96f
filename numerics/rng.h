/* rng.h -- counter-based random streams (Random123 Philox-4x64-10).
 *
 * A stream is the pair (seed, stream id); its i-th variate is a pure function
 * of (seed, stream, i).  Nothing is stateful, so any sample can be regenerated
 * on its own and results cannot depend on evaluation order or thread count.
 *
 * Block b of a stream is philox4x64_10(counter = {b, 0, 0, 0},
 * key = {seed, stream}): four 64-bit words.
 *  - uniform i  = word i%4 of block i/4, top 53 bits, mapped to the open
 *    interval (0,1) as (k + 0.5) 2^-53;
 *  - normal i   = Box-Muller on the uniforms of block i/4: lanes (0,1) give
 *    normals 4b, 4b+1 as r cos, r sin with r = sqrt(-2 log u0), angle 2 pi u1;
 *    lanes (2,3) give normals 4b+2, 4b+3.  Uniforms are never 0, so r is
 *    finite (max |z| ~ 8.6).  Uniform and normal index spaces of one stream
 *    share blocks: use different stream ids for independent purposes.
 */
#ifndef FM_RNG_H
#define FM_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint64_t seed;
  uint64_t stream;
} fm_rng;

/* Stream ids: a purpose tag in the top 16 bits, an index below. */
#define FM_RNG_STREAM(tag, idx) ((((uint64_t)(tag)) << 48) ^ (uint64_t)(idx))

fm_rng fm_rng_make(uint64_t seed, uint64_t stream);
/* A derived, independent stream (key mixing by one Philox call). */
fm_rng fm_rng_child(const fm_rng *r, uint64_t id);

double fm_rng_uniform(const fm_rng *r, uint64_t i);
double fm_rng_normal(const fm_rng *r, uint64_t i);
/* z[k] = normal(first + k), k < n; faster than n single calls. */
void fm_rng_normals(double *z, size_t n, const fm_rng *r, uint64_t first);
void fm_rng_uniforms(double *u, size_t n, const fm_rng *r, uint64_t first);

#endif
