/* model_file_impl.h -- internal to the model file (model_file.h): the byte
 * level of model_file_io.c -- a growing little-endian writer, a bounded
 * reader cursor, atomic writing and whole-file reading -- for the layout and
 * validation in model_file.c.  Internal: only those two files include it. */
#ifndef FM_MODEL_FILE_IMPL_H
#define FM_MODEL_FILE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "fm_status.h"

/* magic(8) + version(4) + length(8): the prefix frozen across versions. */
#define FM_MODEL_PREFIX 20

/* The n low bytes of v, little-endian, into b (n <= 8). */
void fm_model_le_put(unsigned char *b, uint64_t v, int n);
/* The n-byte little-endian unsigned integer at b (n <= 8). */
uint64_t fm_model_le_get(const unsigned char *b, int n);

/* --- writer: appends to a growing buffer; on allocation failure it sets
 * oom and ignores everything after (the caller checks oom once). --- */
typedef struct {
  unsigned char *p;
  size_t len, cap;
  int oom;
} fm_model_wbuf;

void fm_model_put_bytes(fm_model_wbuf *w, const void *src, size_t n);
void fm_model_put_u32(fm_model_wbuf *w, uint32_t v);
void fm_model_put_u64(fm_model_wbuf *w, uint64_t v);
void fm_model_put_f64s(fm_model_wbuf *w, const double *x, size_t n);
/* u32 length (at most FM_MODEL_MAXSTR) + the bytes; NULL as "". */
void fm_model_put_str(fm_model_wbuf *w, const char *s);

/* --- reader: a cursor over the bytes before the CRC that refuses to step
 * past them; each refusal is an FM_EPARSE naming the file and the field. */
typedef struct {
  const unsigned char *p;
  size_t end, pos; /* end: where the CRC starts */
  const char *name;
  fm_errmsg *e;
} fm_model_rbuf;

int fm_model_get_u64(fm_model_rbuf *r, uint64_t *v, const char *field);
int fm_model_get_u32(fm_model_rbuf *r, uint32_t *v, const char *field);
int fm_model_get_f64(fm_model_rbuf *r, double *v, const char *field);
/* n finite reals. */
int fm_model_get_f64s(fm_model_rbuf *r, double *x, size_t n, const char *field);
/* A malloc'ed NUL-terminated string of at most FM_MODEL_MAXSTR bytes,
 * without NUL bytes inside. */
int fm_model_get_str(fm_model_rbuf *r, char **s, const char *field);

/* --- files --- */
/* The checks that need only the first FM_MODEL_PREFIX bytes (head) and the
 * file's length: long enough, the magic, the declared length.  The reader
 * makes them before reading the rest, the parser again on any image. */
int fm_model_check_head(const unsigned char *head, size_t len, const char *name,
                        fm_errmsg *e);
/* buf to path through a temporary file beside it, fsync and rename (see
 * model_file.h); FM_EIO with the path and the system's reason. */
int fm_model_write_atomic(const char *path, const unsigned char *buf, size_t len,
                          fm_errmsg *e);
/* The whole regular file path into a malloc'ed *buf, its head checked
 * (fm_model_check_head) before the rest is read: a file that is not a
 * model costs 20 bytes of reading, whatever its size.  At most
 * FM_LIMIT_MODEL_BYTES; FM_EIO with the system's reason, FM_EPARSE for a
 * bad head. */
int fm_model_read_file(unsigned char **buf, size_t *len, const char *path, fm_errmsg *e);

#endif
