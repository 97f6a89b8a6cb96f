/* fnv.h -- FNV-1a 64 (Fowler, Noll, Vo), a small non-cryptographic hash for
 * identities that must be the same on every machine and in every run: the
 * model file's case identity (model_file.h) and the per-theorem Monte Carlo
 * streams (post_routes.c).  Byte order and word size never enter it. */
#ifndef FM_FNV_H
#define FM_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FM_FNV_OFFSET 0xcbf29ce484222325ULL /* offset basis */
#define FM_FNV_PRIME 0x100000001b3ULL

/* h continued over the n bytes at p (start a hash with FM_FNV_OFFSET). */
uint64_t fm_fnv_bytes(uint64_t h, const void *p, size_t n);

/* The hash of the NUL-terminated string s (the NUL not included). */
uint64_t fm_fnv_str(const char *s);

#endif
