/* model_file.h -- the trained-model file: versioned, checksummed, written
 * atomically, validated field by field on load.
 *
 * Layout, version 1 (integers unsigned little-endian, reals IEEE 754
 * binary64 little-endian, str = u32 length + that many bytes, no NUL):
 *   off  0  magic "FMCKMODL"                          8 bytes  } frozen in
 *   off  8  u32 format version (1)                             } every
 *   off 12  u64 total file length in bytes, CRC included       } version
 *   off 20  u32 flags (0; reserved)
 *           arch:     u64 d, width, depth, n_freq; u64 n_params
 *           case:     u64 content hash (fm_model_case_hash); str name;
 *                     str origin; str schedule description
 *           config:   u64 steps, batch; f64 lr, lr_min; u32 cosine; f64 clip;
 *                     u32 ot, tdist; f64 t_lo, t_hi, ln_mean, ln_std;
 *                     u64 log_every, heldout, seed; f64 beta1, beta2, eps
 *           progress: u64 step; f64 loss_sum; u64 loss_count
 *           theta:    f64 x n_params
 *           adam:     u64 k; f64 m x n_params; f64 v x n_params
 *   last 4  u32 CRC-32 (zlib crc32, the ISO-HDLC polynomial) of all bytes
 *           before it
 * The loader checks, in this order: the file can be read; it is long
 * enough for the frozen prefix; the magic; the length field against the
 * real size (truncation); the CRC (corruption); the version; then every
 * field (ranges, finiteness, n_params against the architecture, the exact
 * end of the data).  Each rejection is one sentence naming the file and the
 * field.  Nothing is trusted before it is checked, so no input crashes it.
 *
 * Writing: the whole image is built in memory, written to a temporary file
 * in the target's directory (mkstemp), fsync'ed, renamed over the target
 * (atomic on POSIX), and the directory is fsync'ed: a crash leaves either
 * the old file or the new one, never a torn one.
 *
 * Case identity: FNV-1a 64 of the case's content -- dimension, component
 * count, normalised weights, means and covariances (exact bits), the
 * schedule's type name, and its values (alpha, sigma, alpha', sigma')
 * printed to 12 significant digits at t = 0, 1/16, ..., 1.  Content, not
 * text, so reformatting or moving a case file keeps its identity while any
 * change of data or schedule (including an expr or a table) changes it; the
 * 12-digit rounding absorbs last-bit libm differences between machines.
 */
#ifndef FM_MODEL_FILE_H
#define FM_MODEL_FILE_H

#include <stdint.h>

#include "adam.h"
#include "case.h"
#include "fm_status.h"
#include "mlp.h"
#include "train.h"

#define FM_MODEL_MAGIC "FMCKMODL"
#define FM_MODEL_VERSION 1u
#define FM_MODEL_MAXSTR 4096

/* A loaded model file. */
typedef struct {
  char *path;          /* as given to the loader (messages) */
  uint32_t version;
  uint64_t case_hash;
  char *case_name, *case_origin, *schedule;
  fm_train_config config; /* config.arch == mlp->arch */
  fm_train_progress progress;
  fm_mlp *mlp;         /* architecture + trained parameters: what samplers use */
  fm_adam *adam;       /* optimiser state, for resuming */
} fm_model;

/* Content hash of a case (above). */
uint64_t fm_model_case_hash(const fm_case *c);

/* Save the training state atomically to path.  FM_EIO with the path and
 * the system's reason on failure (the target is then left untouched). */
int fm_model_save(const char *path, const fm_train *tr, fm_errmsg *e);

/* Load and validate.  FM_EIO (unreadable), FM_EPARSE (not a model file,
 * truncated, corrupted, unsupported version, a field out of range),
 * FM_ENOMEM.  The CLI maps all of them to exit code 2. */
int fm_model_load(fm_model **m, const char *path, fm_errmsg *e);
void fm_model_free(fm_model *m);

/* FM_EDIM when the model's dimension differs from the case's, FM_EINVAL
 * when the case content hash differs (naming both cases). */
int fm_model_check_case(const fm_model *m, const fm_case *c, fm_errmsg *e);

/* Continue training: check the case, rebuild the trainer from the saved
 * config and restore theta, Adam and progress.  fm_train_run then continues
 * bit for bit as if the run had not stopped. */
int fm_model_resume(fm_train **tr, const fm_model *m, const fm_case *c, fm_errmsg *e);

/* The serialised image (exactly what fm_model_save writes) in a malloc'ed
 * buffer -- for tests that corrupt it and for callers that store it
 * elsewhere. */
int fm_model_image(unsigned char **buf, size_t *len, const fm_train *tr, fm_errmsg *e);
/* Parse an image held in memory; `name` stands for the file in messages. */
int fm_model_parse(fm_model **m, const unsigned char *buf, size_t len, const char *name,
                   fm_errmsg *e);

#endif
