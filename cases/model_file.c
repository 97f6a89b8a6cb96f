/* model_file.c -- serialise, write atomically, read and validate model files
 * (format in model_file.h).
 *
 * Bytes are assembled explicitly (shifts, not struct dumps), so the format
 * is little-endian whatever the host, and no padding or uninitialised byte
 * ever reaches the file.  The reader is a cursor over the bytes that refuses
 * to step past the end: the header's sizes are checked against the file
 * before anything is allocated from them.
 */
#include "model_file.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* magic(8) + version(4) + length(8): the prefix frozen across versions. */
#define FM_MODEL_PREFIX 20
/* Refuse files larger than this before reading them (a model this large
 * would have ~2.8e9 parameters). */
#define FM_MODEL_MAXFILE ((uint64_t)1 << 36)

/* ------------------------------------------------------------ case hash */

typedef struct {
  uint64_t h;
} fm_fnv;

static void fm_fnv_bytes(fm_fnv *f, const void *p, size_t n)
{
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    f->h ^= b[i];
    f->h *= 0x100000001b3ULL; /* FNV-1a 64 prime */
  }
}

static void fm_fnv_u64(fm_fnv *f, uint64_t v)
{
  unsigned char b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (unsigned char)(v >> (8 * i));
  fm_fnv_bytes(f, b, 8);
}

static void fm_fnv_f64s(fm_fnv *f, const double *x, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    uint64_t u;
    memcpy(&u, &x[i], 8);
    fm_fnv_u64(f, u);
  }
}

uint64_t fm_model_case_hash(const fm_case *c)
{
  fm_fnv f = {0xcbf29ce484222325ULL}; /* FNV-1a 64 offset basis */
  const fm_gmm *g = c->gmm;
  const char *tag = "fmcheck-case-v1", *type = fm_schedule_type_name(c->sched);
  fm_fnv_bytes(&f, tag, strlen(tag) + 1);
  fm_fnv_u64(&f, g->d);
  fm_fnv_u64(&f, g->K);
  fm_fnv_f64s(&f, g->w, g->K);
  fm_fnv_f64s(&f, g->mean, g->K * g->d);
  fm_fnv_f64s(&f, g->cov, g->K * g->d * g->d);
  fm_fnv_bytes(&f, type, strlen(type) + 1);
  for (int i = 0; i <= 16; i++) {
    fm_sched_val v;
    int st = fm_schedule_eval(&v, c->sched, i / 16.0);
    char buf[128] = {0};
    if (st == FM_OK)
      snprintf(buf, sizeof buf, "%.12e %.12e %.12e %.12e", v.alpha, v.sigma, v.dalpha,
               v.dsigma);
    fm_fnv_u64(&f, (uint64_t)st);
    fm_fnv_bytes(&f, buf, strlen(buf));
  }
  return f.h;
}

/* ------------------------------------------------------------ writer */

typedef struct {
  unsigned char *p;
  size_t len, cap;
  int oom;
} fm_wbuf;

static void fm_w_bytes(fm_wbuf *w, const void *src, size_t n)
{
  if (w->oom)
    return;
  if (w->len + n > w->cap) {
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n)
      cap *= 2;
    unsigned char *q = realloc(w->p, cap);
    if (q == NULL) {
      w->oom = 1;
      return;
    }
    w->p = q;
    w->cap = cap;
  }
  memcpy(w->p + w->len, src, n);
  w->len += n;
}

static void fm_w_u32(fm_wbuf *w, uint32_t v)
{
  unsigned char b[4];
  for (int i = 0; i < 4; i++)
    b[i] = (unsigned char)(v >> (8 * i));
  fm_w_bytes(w, b, 4);
}

static void fm_w_u64(fm_wbuf *w, uint64_t v)
{
  unsigned char b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (unsigned char)(v >> (8 * i));
  fm_w_bytes(w, b, 8);
}

static void fm_w_f64s(fm_wbuf *w, const double *x, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    uint64_t u;
    memcpy(&u, &x[i], 8);
    fm_w_u64(w, u);
  }
}

static void fm_w_str(fm_wbuf *w, const char *s)
{
  size_t n = s ? strlen(s) : 0;
  if (n > FM_MODEL_MAXSTR)
    n = FM_MODEL_MAXSTR;
  fm_w_u32(w, (uint32_t)n);
  fm_w_bytes(w, s ? s : "", n);
}

static void fm_w_config(fm_wbuf *w, const fm_train_config *c)
{
  fm_w_u64(w, c->steps);
  fm_w_u64(w, c->batch);
  fm_w_f64s(w, &c->lr, 1);
  fm_w_f64s(w, &c->lr_min, 1);
  fm_w_u32(w, (uint32_t)c->cosine);
  fm_w_f64s(w, &c->clip, 1);
  fm_w_u32(w, (uint32_t)c->ot);
  fm_w_u32(w, (uint32_t)c->tdist);
  double tp[4] = {c->t_lo, c->t_hi, c->ln_mean, c->ln_std};
  fm_w_f64s(w, tp, 4);
  fm_w_u64(w, c->log_every);
  fm_w_u64(w, c->heldout);
  fm_w_u64(w, c->seed);
  double ap[3] = {c->adam.beta1, c->adam.beta2, c->adam.eps};
  fm_w_f64s(w, ap, 3);
}

int fm_model_image(unsigned char **buf, size_t *len, const fm_train *tr, fm_errmsg *e)
{
  *buf = NULL;
  *len = 0;
  const fm_train_config *c = fm_train_get_config(tr);
  const fm_case *cs = fm_train_get_case(tr);
  const fm_mlp *m = fm_train_mlp_const(tr);
  const fm_adam *a = fm_train_adam(tr);
  fm_train_progress p = fm_train_get_progress(tr);
  fm_wbuf w = {0};
  fm_w_bytes(&w, FM_MODEL_MAGIC, 8);
  fm_w_u32(&w, FM_MODEL_VERSION);
  fm_w_u64(&w, 0); /* length, patched below */
  fm_w_u32(&w, 0); /* flags */
  fm_w_u64(&w, m->arch.d);
  fm_w_u64(&w, m->arch.width);
  fm_w_u64(&w, m->arch.depth);
  fm_w_u64(&w, m->arch.n_freq);
  fm_w_u64(&w, m->n_params);
  fm_w_u64(&w, fm_model_case_hash(cs));
  fm_w_str(&w, cs->name);
  fm_w_str(&w, cs->origin);
  fm_w_str(&w, fm_schedule_describe(cs->sched));
  fm_w_config(&w, c);
  fm_w_u64(&w, p.step);
  fm_w_f64s(&w, &p.loss_sum, 1);
  fm_w_u64(&w, p.loss_count);
  fm_w_f64s(&w, m->theta, m->n_params);
  fm_w_u64(&w, a->k);
  fm_w_f64s(&w, a->m, a->n);
  fm_w_f64s(&w, a->v, a->n);
  if (w.oom) {
    free(w.p);
    return fm_errmsg_set(e, FM_ENOMEM, "model file: out of memory");
  }
  uint64_t total = (uint64_t)w.len + 4;
  for (int i = 0; i < 8; i++)
    w.p[12 + i] = (unsigned char)(total >> (8 * i));
  fm_w_u32(&w, (uint32_t)crc32_z(0L, w.p, w.len));
  if (w.oom) {
    free(w.p);
    return fm_errmsg_set(e, FM_ENOMEM, "model file: out of memory");
  }
  *buf = w.p;
  *len = w.len;
  return FM_OK;
}

/* ------------------------------------------------------------ atomic write */

static int fm_write_all(int fd, const unsigned char *p, size_t n)
{
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

/* fsync the directory holding path, so that the rename itself is durable.
 * Best effort: some file systems refuse fsync on directories, and the data
 * is already safe in the renamed file. */
static void fm_sync_dir(const char *path)
{
  char dir[4096];
  const char *slash = strrchr(path, '/');
  if (slash == NULL)
    snprintf(dir, sizeof dir, ".");
  else
    snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
  int fd = open(dir, O_RDONLY);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
}

static int fm_write_atomic(const char *path, const unsigned char *buf, size_t len,
                           fm_errmsg *e)
{
  size_t n = strlen(path);
  char *tmp = malloc(n + 16);
  if (tmp == NULL)
    return fm_errmsg_set(e, FM_ENOMEM, "%s: out of memory", path);
  snprintf(tmp, n + 16, "%s.tmp.XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    int err = errno;
    free(tmp);
    return fm_errmsg_set(e, FM_EIO, "%s: cannot create a temporary file beside it: %s",
                         path, strerror(err));
  }
  const char *what = NULL;
  if (fm_write_all(fd, buf, len) != 0)
    what = "write";
  else if (fchmod(fd, 0644) != 0)
    what = "chmod";
  else if (fsync(fd) != 0)
    what = "fsync";
  int err = errno;
  if (close(fd) != 0 && what == NULL) {
    what = "close";
    err = errno;
  }
  if (what == NULL && rename(tmp, path) != 0) {
    what = "rename";
    err = errno;
  }
  if (what != NULL) {
    unlink(tmp);
    free(tmp);
    return fm_errmsg_set(e, FM_EIO, "%s: cannot save the model (%s failed: %s)", path, what,
                         strerror(err));
  }
  free(tmp);
  fm_sync_dir(path);
  return FM_OK;
}

int fm_model_save(const char *path, const fm_train *tr, fm_errmsg *e)
{
  unsigned char *buf;
  size_t len;
  int st = fm_model_image(&buf, &len, tr, e);
  if (st != FM_OK)
    return st;
  st = fm_write_atomic(path, buf, len, e);
  free(buf);
  return st;
}

/* ------------------------------------------------------------ reader */

typedef struct {
  const unsigned char *p;
  size_t end, pos; /* end: where the CRC starts */
  const char *name;
  fm_errmsg *e;
} fm_rbuf;

static int fm_r_short(fm_rbuf *r, const char *field)
{
  return fm_errmsg_set(r->e, FM_EPARSE,
                       "%s: field %s extends past the end of the data (inconsistent "
                       "header)", r->name, field);
}

static int fm_r_u64(fm_rbuf *r, uint64_t *v, const char *field)
{
  if (r->end - r->pos < 8)
    return fm_r_short(r, field);
  uint64_t x = 0;
  for (int i = 0; i < 8; i++)
    x |= (uint64_t)r->p[r->pos + (size_t)i] << (8 * i);
  r->pos += 8;
  *v = x;
  return FM_OK;
}

static int fm_r_u32(fm_rbuf *r, uint32_t *v, const char *field)
{
  if (r->end - r->pos < 4)
    return fm_r_short(r, field);
  uint32_t x = 0;
  for (int i = 0; i < 4; i++)
    x |= (uint32_t)r->p[r->pos + (size_t)i] << (8 * i);
  r->pos += 4;
  *v = x;
  return FM_OK;
}

static int fm_r_f64(fm_rbuf *r, double *v, const char *field)
{
  uint64_t u;
  int st = fm_r_u64(r, &u, field);
  if (st == FM_OK)
    memcpy(v, &u, 8);
  return st;
}

/* n finite reals (the caller has checked that n * 8 bytes remain). */
static int fm_r_f64s(fm_rbuf *r, double *x, size_t n, const char *field)
{
  for (size_t i = 0; i < n; i++) {
    int st = fm_r_f64(r, &x[i], field);
    if (st != FM_OK)
      return st;
    if (!isfinite(x[i]))
      return fm_errmsg_set(r->e, FM_EPARSE, "%s: field %s[%zu] is not finite", r->name,
                           field, i);
  }
  return FM_OK;
}

static int fm_r_str(fm_rbuf *r, char **s, const char *field)
{
  uint32_t n;
  int st = fm_r_u32(r, &n, field);
  if (st != FM_OK)
    return st;
  if (n > FM_MODEL_MAXSTR)
    return fm_errmsg_set(r->e, FM_EPARSE, "%s: field %s has length %u, above %d", r->name,
                         field, n, FM_MODEL_MAXSTR);
  if (r->end - r->pos < n)
    return fm_r_short(r, field);
  if (memchr(r->p + r->pos, '\0', n) != NULL)
    return fm_errmsg_set(r->e, FM_EPARSE, "%s: field %s contains a NUL byte", r->name,
                         field);
  *s = malloc((size_t)n + 1);
  if (*s == NULL)
    return fm_errmsg_set(r->e, FM_ENOMEM, "%s: out of memory", r->name);
  memcpy(*s, r->p + r->pos, n);
  (*s)[n] = '\0';
  r->pos += n;
  return FM_OK;
}

/* A u64 field that must fit in [lo, hi]. */
static int fm_r_range(fm_rbuf *r, uint64_t *v, uint64_t lo, uint64_t hi, const char *field)
{
  int st = fm_r_u64(r, v, field);
  if (st == FM_OK && (*v < lo || *v > hi))
    return fm_errmsg_set(r->e, FM_EPARSE, "%s: field %s = %llu outside [%llu, %llu]",
                         r->name, field, (unsigned long long)*v, (unsigned long long)lo,
                         (unsigned long long)hi);
  return st;
}

static int fm_r_arch(fm_rbuf *r, fm_mlp_arch *a)
{
  uint64_t v[4] = {0, 0, 0, 0};
  int st = fm_r_range(r, &v[0], 1, FM_MLP_MAXDIM, "arch.d");
  if (st == FM_OK)
    st = fm_r_range(r, &v[1], 1, FM_MLP_MAXWIDTH, "arch.width");
  if (st == FM_OK)
    st = fm_r_range(r, &v[2], 1, FM_MLP_MAXDEPTH, "arch.depth");
  if (st == FM_OK)
    st = fm_r_range(r, &v[3], 0, FM_MLP_MAXFREQ, "arch.n_freq");
  *a = (fm_mlp_arch){(size_t)v[0], (size_t)v[1], (size_t)v[2], (size_t)v[3]};
  return st;
}

/* A u32 field that must be 0 or 1 (a switch, or the t-distribution). */
static int fm_r_flag(fm_rbuf *r, int *v, const char *field)
{
  uint32_t x;
  int st = fm_r_u32(r, &x, field);
  if (st == FM_OK && x > 1)
    return fm_errmsg_set(r->e, FM_EPARSE, "%s: field %s = %u is not 0 or 1", r->name,
                         field, x);
  *v = (int)x;
  return st;
}

static int fm_r_config(fm_rbuf *r, fm_train_config *c)
{
  uint64_t batch, nh;
  int tdist = 0;
  double tp[4], ap[3];
  int st = fm_r_u64(r, &c->steps, "config.steps");
  if (st == FM_OK)
    st = fm_r_range(r, &batch, 1, FM_TRAIN_MAXBATCH, "config.batch");
  if (st == FM_OK)
    st = fm_r_f64(r, &c->lr, "config.lr");
  if (st == FM_OK)
    st = fm_r_f64(r, &c->lr_min, "config.lr_min");
  if (st == FM_OK)
    st = fm_r_flag(r, &c->cosine, "config.cosine");
  if (st == FM_OK)
    st = fm_r_f64(r, &c->clip, "config.clip");
  if (st == FM_OK)
    st = fm_r_flag(r, &c->ot, "config.ot");
  if (st == FM_OK)
    st = fm_r_flag(r, &tdist, "config.tdist");
  if (st == FM_OK)
    st = fm_r_f64s(r, tp, 4, "config.t_params");
  if (st == FM_OK)
    st = fm_r_u64(r, &c->log_every, "config.log_every");
  if (st == FM_OK)
    st = fm_r_range(r, &nh, 0, FM_TRAIN_MAXHELDOUT, "config.heldout");
  if (st == FM_OK)
    st = fm_r_u64(r, &c->seed, "config.seed");
  if (st == FM_OK)
    st = fm_r_f64s(r, ap, 3, "config.adam");
  if (st != FM_OK)
    return st;
  c->batch = (size_t)batch;
  c->tdist = (fm_train_tdist)tdist;
  c->t_lo = tp[0];
  c->t_hi = tp[1];
  c->ln_mean = tp[2];
  c->ln_std = tp[3];
  c->heldout = (size_t)nh;
  c->adam = (fm_adam_param){ap[0], ap[1], ap[2]};
  /* The remaining cross-field rules are the trainer's own. */
  st = fm_train_config_check(c, r->e);
  if (st != FM_OK)
    fm_errmsg_prefix(r->e, "%s: field config: ", r->name);
  return st == FM_OK ? FM_OK : FM_EPARSE;
}

static int fm_r_progress(fm_rbuf *r, fm_train_progress *p, uint64_t K)
{
  int st = fm_r_u64(r, &p->step, "progress.step");
  if (st == FM_OK)
    st = fm_r_f64s(r, &p->loss_sum, 1, "progress.loss_sum");
  if (st == FM_OK)
    st = fm_r_u64(r, &p->loss_count, "progress.loss_count");
  if (st != FM_OK)
    return st;
  /* The accumulator restarts at every multiple of K (train.c). */
  uint64_t want = K > 0 ? p->step % K : p->step;
  if (p->loss_count != want)
    return fm_errmsg_set(r->e, FM_EPARSE,
                         "%s: field progress.loss_count = %llu, but step %llu with "
                         "log_every %llu implies %llu",
                         r->name, (unsigned long long)p->loss_count,
                         (unsigned long long)p->step, (unsigned long long)K,
                         (unsigned long long)want);
  return FM_OK;
}

/* theta and Adam's state; n_params already checked against the data left. */
static int fm_r_params(fm_rbuf *r, fm_model *m)
{
  size_t P = m->mlp->n_params;
  int st = fm_r_f64s(r, m->mlp->theta, P, "theta");
  if (st == FM_OK && fm_adam_alloc(&m->adam, P) != FM_OK)
    st = fm_errmsg_set(r->e, FM_ENOMEM, "%s: out of memory", r->name);
  uint64_t k = 0;
  if (st == FM_OK)
    st = fm_r_u64(r, &k, "adam.k");
  if (st == FM_OK && k != m->progress.step)
    st = fm_errmsg_set(r->e, FM_EPARSE, "%s: field adam.k = %llu differs from "
                       "progress.step = %llu", r->name, (unsigned long long)k,
                       (unsigned long long)m->progress.step);
  if (st == FM_OK)
    st = fm_r_f64s(r, m->adam->m, P, "adam.m");
  if (st == FM_OK)
    st = fm_r_f64s(r, m->adam->v, P, "adam.v");
  for (size_t i = 0; st == FM_OK && i < P; i++)
    if (m->adam->v[i] < 0.0)
      st = fm_errmsg_set(r->e, FM_EPARSE, "%s: field adam.v[%zu] = %g is negative",
                         r->name, i, m->adam->v[i]);
  if (st == FM_OK)
    m->adam->k = k;
  return st;
}

/* Everything after the frozen prefix (whose checks are done). */
static int fm_r_body(fm_rbuf *r, fm_model *m)
{
  uint32_t flags;
  uint64_t np;
  fm_mlp_arch a;
  int st = fm_r_u32(r, &flags, "flags");
  if (st == FM_OK && flags != 0)
    st = fm_errmsg_set(r->e, FM_EPARSE, "%s: field flags = 0x%x (version 1 defines none)",
                       r->name, flags);
  if (st == FM_OK)
    st = fm_r_arch(r, &a);
  if (st == FM_OK)
    st = fm_r_u64(r, &np, "n_params");
  if (st == FM_OK && np != fm_mlp_arch_nparams(&a))
    st = fm_errmsg_set(r->e, FM_EPARSE,
                       "%s: field n_params = %llu, but the architecture (d %zu, width %zu, "
                       "depth %zu, n_freq %zu) has %zu", r->name, (unsigned long long)np,
                       a.d, a.width, a.depth, a.n_freq, fm_mlp_arch_nparams(&a));
  if (st == FM_OK)
    st = fm_r_u64(r, &m->case_hash, "case.hash");
  if (st == FM_OK)
    st = fm_r_str(r, &m->case_name, "case.name");
  if (st == FM_OK)
    st = fm_r_str(r, &m->case_origin, "case.origin");
  if (st == FM_OK)
    st = fm_r_str(r, &m->schedule, "case.schedule");
  m->config.arch = a;
  if (st == FM_OK)
    st = fm_r_config(r, &m->config);
  if (st != FM_OK)
    return st;
  st = fm_r_progress(r, &m->progress, m->config.log_every);
  /* 3 P reals + adam.k must fill the rest exactly; check before allocating. */
  size_t left = r->end - r->pos;
  if (st == FM_OK && left != 24 * np + 8) /* np <= 2^39 by the arch limits */
    st = fm_errmsg_set(r->e, FM_EPARSE,
                       "%s: %zu bytes remain for the parameters and optimiser state, "
                       "but n_params = %llu needs %.0f", r->name, left,
                       (unsigned long long)np, 24.0 * (double)np + 8.0);
  if (st == FM_OK)
    st = fm_mlp_alloc(&m->mlp, &a, r->e);
  if (st == FM_OK)
    st = fm_r_params(r, m);
  return st;
}

/* The frozen prefix: length, magic, declared length, CRC, version. */
static int fm_r_prefix(fm_rbuf *r, const unsigned char *buf, size_t len, uint32_t *ver)
{
  if (len < FM_MODEL_PREFIX + 4)
    return fm_errmsg_set(r->e, FM_EPARSE,
                         "%s: %zu bytes is too short to be an fmcheck model file "
                         "(truncated?)", r->name, len);
  if (memcmp(buf, FM_MODEL_MAGIC, 8) != 0)
    return fm_errmsg_set(r->e, FM_EPARSE,
                         "%s: not an fmcheck model file (the first 8 bytes are not "
                         "\"%s\")", r->name, FM_MODEL_MAGIC);
  uint64_t declared = 0;
  for (int i = 0; i < 8; i++)
    declared |= (uint64_t)buf[12 + i] << (8 * i);
  if (declared != len)
    return fm_errmsg_set(r->e, FM_EPARSE,
                         "%s: the file has %zu bytes but its header says %llu: %s", r->name,
                         len, (unsigned long long)declared,
                         declared > len ? "truncated" : "corrupted (length field)");
  uint32_t stored = 0, have = (uint32_t)crc32_z(0L, buf, len - 4);
  for (int i = 0; i < 4; i++)
    stored |= (uint32_t)buf[len - 4 + (size_t)i] << (8 * i);
  if (stored != have)
    return fm_errmsg_set(r->e, FM_EPARSE,
                         "%s: checksum mismatch (CRC-32 stored 0x%08x, computed 0x%08x): "
                         "the file is corrupted", r->name, stored, have);
  *ver = 0;
  for (int i = 0; i < 4; i++)
    *ver |= (uint32_t)buf[8 + i] << (8 * i);
  if (*ver != FM_MODEL_VERSION)
    return fm_errmsg_set(r->e, FM_EPARSE,
                         "%s: field version = %u is not supported (this fmcheck reads "
                         "version %u)", r->name, *ver, FM_MODEL_VERSION);
  r->pos = FM_MODEL_PREFIX;
  r->end = len - 4;
  return FM_OK;
}

int fm_model_parse(fm_model **mp, const unsigned char *buf, size_t len, const char *name,
                   fm_errmsg *e)
{
  *mp = NULL;
  fm_rbuf r = {buf, 0, 0, name, e};
  fm_model *m = calloc(1, sizeof *m);
  if (m == NULL || (m->path = strdup(name)) == NULL) {
    free(m);
    return fm_errmsg_set(e, FM_ENOMEM, "%s: out of memory", name);
  }
  int st = fm_r_prefix(&r, buf, len, &m->version);
  if (st == FM_OK)
    st = fm_r_body(&r, m);
  if (st != FM_OK) {
    fm_model_free(m);
    return st;
  }
  *mp = m;
  return FM_OK;
}

/* The whole file into memory; FM_EIO with the system's reason. */
static int fm_read_file(unsigned char **buf, size_t *len, const char *path, fm_errmsg *e)
{
  *buf = NULL;
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return fm_errmsg_set(e, FM_EIO, "%s: cannot open: %s", path, strerror(errno));
  struct stat sb;
  int st = FM_OK;
  if (fstat(fd, &sb) != 0)
    st = fm_errmsg_set(e, FM_EIO, "%s: cannot stat: %s", path, strerror(errno));
  else if (!S_ISREG(sb.st_mode))
    st = fm_errmsg_set(e, FM_EIO, "%s: not a regular file", path);
  else if ((uint64_t)sb.st_size > FM_MODEL_MAXFILE)
    st = fm_errmsg_set(e, FM_EPARSE, "%s: %lld bytes is larger than any model file",
                       path, (long long)sb.st_size);
  size_t n = st == FM_OK ? (size_t)sb.st_size : 0, got = 0;
  unsigned char *p = st == FM_OK ? malloc(n > 0 ? n : 1) : NULL;
  if (st == FM_OK && p == NULL)
    st = fm_errmsg_set(e, FM_ENOMEM, "%s: out of memory for %zu bytes", path, n);
  while (st == FM_OK && got < n) {
    ssize_t k = read(fd, p + got, n - got);
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0)
      st = fm_errmsg_set(e, FM_EIO, "%s: read error: %s", path, strerror(errno));
    else if (k == 0)
      n = got; /* shrank while reading: parse what is there */
    else
      got += (size_t)k;
  }
  close(fd);
  if (st != FM_OK) {
    free(p);
    return st;
  }
  *buf = p;
  *len = n;
  return FM_OK;
}

int fm_model_load(fm_model **m, const char *path, fm_errmsg *e)
{
  *m = NULL;
  unsigned char *buf;
  size_t len = 0;
  int st = fm_read_file(&buf, &len, path, e);
  if (st != FM_OK)
    return st;
  st = fm_model_parse(m, buf, len, path, e);
  free(buf);
  return st;
}

void fm_model_free(fm_model *m)
{
  if (m == NULL)
    return;
  free(m->path);
  free(m->case_name);
  free(m->case_origin);
  free(m->schedule);
  fm_mlp_free(m->mlp);
  fm_adam_free(m->adam);
  free(m);
}

/* ------------------------------------------------------------ case, resume */

int fm_model_check_case(const fm_model *m, const fm_case *c, fm_errmsg *e)
{
  if (m->mlp->arch.d != c->gmm->d)
    return fm_errmsg_set(e, FM_EDIM,
                         "%s: the model is for dimension %zu (case '%s'), but case '%s' "
                         "(%s) has dimension %zu", m->path, m->mlp->arch.d, m->case_name,
                         c->name, c->origin, c->gmm->d);
  uint64_t h = fm_model_case_hash(c);
  if (h != m->case_hash)
    return fm_errmsg_set(e, FM_EINVAL,
                         "%s: the model was trained on case '%s' (%s, content hash "
                         "%016llx), not on case '%s' (%s, hash %016llx): data or schedule "
                         "differ", m->path, m->case_name, m->case_origin,
                         (unsigned long long)m->case_hash, c->name, c->origin,
                         (unsigned long long)h);
  return FM_OK;
}

int fm_model_resume(fm_train **tr, const fm_model *m, const fm_case *c, fm_errmsg *e)
{
  *tr = NULL;
  int st = fm_model_check_case(m, c, e);
  if (st == FM_OK)
    st = fm_train_alloc(tr, c, &m->config, e);
  if (st == FM_OK)
    st = fm_train_restore(*tr, m->mlp->theta, m->adam, &m->progress, e);
  if (st != FM_OK) {
    fm_train_free(*tr);
    *tr = NULL;
  }
  return st;
}
