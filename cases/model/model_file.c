/* model_file.c -- the model file's layout and its validation (format in
 * model_file.h): the case identity, the serialised image, and the loader
 * that checks the frozen prefix and then every field.  The bytes themselves
 * -- little-endian writer, bounded reader, atomic write, whole-file read --
 * are model_file_io.c's: here the header's sizes are checked against the
 * file before anything is allocated from them.
 */
#include "model_file.h"
#include "model_file_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fnv.h"

/* ------------------------------------------------------------ case hash */

static uint64_t fm_model_hash_u64(uint64_t h, uint64_t v)
{
  unsigned char b[8];
  fm_model_le_put(b, v, 8);
  return fm_fnv_bytes(h, b, 8);
}

static uint64_t fm_model_hash_f64s(uint64_t h, const double *x, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    uint64_t u;
    memcpy(&u, &x[i], 8);
    h = fm_model_hash_u64(h, u);
  }
  return h;
}

uint64_t fm_model_case_hash(const fm_case *c)
{
  uint64_t h = FM_FNV_OFFSET;
  const fm_gmm *g = c->gmm;
  const char *tag = "fmcheck-case-v1", *type = fm_schedule_type_name(c->sched);
  h = fm_fnv_bytes(h, tag, strlen(tag) + 1);
  h = fm_model_hash_u64(h, g->d);
  h = fm_model_hash_u64(h, g->K);
  h = fm_model_hash_f64s(h, g->w, g->K);
  h = fm_model_hash_f64s(h, g->mean, g->K * g->d);
  h = fm_model_hash_f64s(h, g->cov, g->K * g->d * g->d);
  h = fm_fnv_bytes(h, type, strlen(type) + 1);
  for (int i = 0; i <= 16; i++) {
    fm_sched_val v;
    int st = fm_schedule_eval(&v, c->sched, i / 16.0);
    char buf[128] = {0};
    if (st == FM_OK)
      snprintf(buf, sizeof buf, "%.12e %.12e %.12e %.12e", v.alpha, v.sigma, v.dalpha,
               v.dsigma);
    h = fm_model_hash_u64(h, (uint64_t)st);
    h = fm_fnv_bytes(h, buf, strlen(buf));
  }
  return h;
}

/* ------------------------------------------------------------ writer */

static void fm_model_put_config(fm_model_wbuf *w, const fm_train_config *c)
{
  fm_model_put_u64(w, c->steps);
  fm_model_put_u64(w, c->batch);
  fm_model_put_f64s(w, &c->lr, 1);
  fm_model_put_f64s(w, &c->lr_min, 1);
  fm_model_put_u32(w, (uint32_t)c->cosine);
  fm_model_put_f64s(w, &c->clip, 1);
  fm_model_put_u32(w, (uint32_t)c->ot);
  fm_model_put_u32(w, (uint32_t)c->tdist);
  double tp[4] = {c->t_lo, c->t_hi, c->ln_mean, c->ln_std};
  fm_model_put_f64s(w, tp, 4);
  fm_model_put_u64(w, c->log_every);
  fm_model_put_u64(w, c->heldout);
  fm_model_put_u64(w, c->seed);
  double ap[3] = {c->adam.beta1, c->adam.beta2, c->adam.eps};
  fm_model_put_f64s(w, ap, 3);
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
  fm_model_wbuf w = {0};
  fm_model_put_bytes(&w, FM_MODEL_MAGIC, 8);
  fm_model_put_u32(&w, FM_MODEL_VERSION);
  fm_model_put_u64(&w, 0); /* length, patched below */
  fm_model_put_u32(&w, 0); /* flags */
  fm_model_put_u64(&w, m->arch.d);
  fm_model_put_u64(&w, m->arch.width);
  fm_model_put_u64(&w, m->arch.depth);
  fm_model_put_u64(&w, m->arch.n_freq);
  fm_model_put_u64(&w, m->n_params);
  fm_model_put_u64(&w, fm_model_case_hash(cs));
  fm_model_put_str(&w, cs->name);
  fm_model_put_str(&w, cs->origin);
  fm_model_put_str(&w, fm_schedule_describe(cs->sched));
  fm_model_put_config(&w, c);
  fm_model_put_u64(&w, p.step);
  fm_model_put_f64s(&w, &p.loss_sum, 1);
  fm_model_put_u64(&w, p.loss_count);
  fm_model_put_f64s(&w, m->theta, m->n_params);
  fm_model_put_u64(&w, a->k);
  fm_model_put_f64s(&w, a->m, a->n);
  fm_model_put_f64s(&w, a->v, a->n);
  if (w.oom) {
    free(w.p);
    return fm_errmsg_set(e, FM_ENOMEM, "model file: out of memory");
  }
  uint64_t total = (uint64_t)w.len + 4;
  fm_model_le_put(w.p + 12, total, 8);
  fm_model_put_u32(&w, (uint32_t)crc32_z(0L, w.p, w.len));
  if (w.oom) {
    free(w.p);
    return fm_errmsg_set(e, FM_ENOMEM, "model file: out of memory");
  }
  *buf = w.p;
  *len = w.len;
  return FM_OK;
}

int fm_model_save(const char *path, const fm_train *tr, fm_errmsg *e)
{
  unsigned char *buf;
  size_t len;
  int st = fm_model_image(&buf, &len, tr, e);
  if (st != FM_OK)
    return st;
  st = fm_model_write_atomic(path, buf, len, e);
  free(buf);
  return st;
}

/* ------------------------------------------------------------ reader */

/* A u64 field that must fit in [lo, hi]. */
static int fm_model_get_range(fm_model_rbuf *r, uint64_t *v, uint64_t lo, uint64_t hi,
                              const char *field)
{
  int st = fm_model_get_u64(r, v, field);
  if (st == FM_OK && (*v < lo || *v > hi))
    return fm_errmsg_set(r->e, FM_EPARSE, "%s: field %s = %llu outside [%llu, %llu]",
                         r->name, field, (unsigned long long)*v, (unsigned long long)lo,
                         (unsigned long long)hi);
  return st;
}

static int fm_model_get_arch(fm_model_rbuf *r, fm_mlp_arch *a)
{
  uint64_t v[4] = {0, 0, 0, 0};
  int st = fm_model_get_range(r, &v[0], 1, FM_MLP_MAXDIM, "arch.d");
  if (st == FM_OK)
    st = fm_model_get_range(r, &v[1], 1, FM_MLP_MAXWIDTH, "arch.width");
  if (st == FM_OK)
    st = fm_model_get_range(r, &v[2], 1, FM_MLP_MAXDEPTH, "arch.depth");
  if (st == FM_OK)
    st = fm_model_get_range(r, &v[3], 0, FM_MLP_MAXFREQ, "arch.n_freq");
  *a = (fm_mlp_arch){(size_t)v[0], (size_t)v[1], (size_t)v[2], (size_t)v[3]};
  return st;
}

/* A u32 field that must be 0 or 1 (a switch, or the t-distribution). */
static int fm_model_get_flag(fm_model_rbuf *r, int *v, const char *field)
{
  uint32_t x;
  int st = fm_model_get_u32(r, &x, field);
  if (st == FM_OK && x > 1)
    return fm_errmsg_set(r->e, FM_EPARSE, "%s: field %s = %u is not 0 or 1", r->name,
                         field, x);
  *v = (int)x;
  return st;
}

static int fm_model_get_config(fm_model_rbuf *r, fm_train_config *c)
{
  uint64_t batch, nh;
  int tdist = 0;
  double tp[4], ap[3];
  int st = fm_model_get_u64(r, &c->steps, "config.steps");
  if (st == FM_OK)
    st = fm_model_get_range(r, &batch, 1, FM_TRAIN_MAXBATCH, "config.batch");
  if (st == FM_OK)
    st = fm_model_get_f64(r, &c->lr, "config.lr");
  if (st == FM_OK)
    st = fm_model_get_f64(r, &c->lr_min, "config.lr_min");
  if (st == FM_OK)
    st = fm_model_get_flag(r, &c->cosine, "config.cosine");
  if (st == FM_OK)
    st = fm_model_get_f64(r, &c->clip, "config.clip");
  if (st == FM_OK)
    st = fm_model_get_flag(r, &c->ot, "config.ot");
  if (st == FM_OK)
    st = fm_model_get_flag(r, &tdist, "config.tdist");
  if (st == FM_OK)
    st = fm_model_get_f64s(r, tp, 4, "config.t_params");
  if (st == FM_OK)
    st = fm_model_get_u64(r, &c->log_every, "config.log_every");
  if (st == FM_OK)
    st = fm_model_get_range(r, &nh, 0, FM_TRAIN_MAXHELDOUT, "config.heldout");
  if (st == FM_OK)
    st = fm_model_get_u64(r, &c->seed, "config.seed");
  if (st == FM_OK)
    st = fm_model_get_f64s(r, ap, 3, "config.adam");
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

static int fm_model_get_progress(fm_model_rbuf *r, fm_train_progress *p, uint64_t K)
{
  int st = fm_model_get_u64(r, &p->step, "progress.step");
  if (st == FM_OK)
    st = fm_model_get_f64s(r, &p->loss_sum, 1, "progress.loss_sum");
  if (st == FM_OK)
    st = fm_model_get_u64(r, &p->loss_count, "progress.loss_count");
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
static int fm_model_get_params(fm_model_rbuf *r, fm_model *m)
{
  size_t P = m->mlp->n_params;
  int st = fm_model_get_f64s(r, m->mlp->theta, P, "theta");
  if (st == FM_OK && fm_adam_alloc(&m->adam, P) != FM_OK)
    st = fm_errmsg_set(r->e, FM_ENOMEM, "%s: out of memory", r->name);
  uint64_t k = 0;
  if (st == FM_OK)
    st = fm_model_get_u64(r, &k, "adam.k");
  if (st == FM_OK && k != m->progress.step)
    st = fm_errmsg_set(r->e, FM_EPARSE, "%s: field adam.k = %llu differs from "
                       "progress.step = %llu", r->name, (unsigned long long)k,
                       (unsigned long long)m->progress.step);
  if (st == FM_OK)
    st = fm_model_get_f64s(r, m->adam->m, P, "adam.m");
  if (st == FM_OK)
    st = fm_model_get_f64s(r, m->adam->v, P, "adam.v");
  for (size_t i = 0; st == FM_OK && i < P; i++)
    if (m->adam->v[i] < 0.0)
      st = fm_errmsg_set(r->e, FM_EPARSE, "%s: field adam.v[%zu] = %g is negative",
                         r->name, i, m->adam->v[i]);
  if (st == FM_OK)
    m->adam->k = k;
  return st;
}

/* Everything after the frozen prefix (whose checks are done). */
static int fm_model_get_body(fm_model_rbuf *r, fm_model *m)
{
  uint32_t flags;
  uint64_t np;
  fm_mlp_arch a;
  int st = fm_model_get_u32(r, &flags, "flags");
  if (st == FM_OK && flags != 0)
    st = fm_errmsg_set(r->e, FM_EPARSE, "%s: field flags = 0x%x (version 1 defines none)",
                       r->name, flags);
  if (st == FM_OK)
    st = fm_model_get_arch(r, &a);
  if (st == FM_OK)
    st = fm_model_get_u64(r, &np, "n_params");
  if (st == FM_OK && np != fm_mlp_arch_nparams(&a))
    st = fm_errmsg_set(r->e, FM_EPARSE,
                       "%s: field n_params = %llu, but the architecture (d %zu, width %zu, "
                       "depth %zu, n_freq %zu) has %zu", r->name, (unsigned long long)np,
                       a.d, a.width, a.depth, a.n_freq, fm_mlp_arch_nparams(&a));
  if (st == FM_OK)
    st = fm_model_get_u64(r, &m->case_hash, "case.hash");
  if (st == FM_OK)
    st = fm_model_get_str(r, &m->case_name, "case.name");
  if (st == FM_OK)
    st = fm_model_get_str(r, &m->case_origin, "case.origin");
  if (st == FM_OK)
    st = fm_model_get_str(r, &m->schedule, "case.schedule");
  m->config.arch = a;
  if (st == FM_OK)
    st = fm_model_get_config(r, &m->config);
  if (st != FM_OK)
    return st;
  st = fm_model_get_progress(r, &m->progress, m->config.log_every);
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
    st = fm_model_get_params(r, m);
  return st;
}

/* The frozen prefix: length, magic, declared length, CRC, version. */
static int fm_model_get_prefix(fm_model_rbuf *r, const unsigned char *buf, size_t len,
                               uint32_t *ver)
{
  int st = fm_model_check_head(buf, len, r->name, r->e);
  if (st != FM_OK)
    return st;
  uint32_t stored = (uint32_t)fm_model_le_get(buf + len - 4, 4);
  uint32_t have = (uint32_t)crc32_z(0L, buf, len - 4);
  if (stored != have)
    return fm_errmsg_set(r->e, FM_EPARSE,
                         "%s: checksum mismatch (CRC-32 stored 0x%08x, computed 0x%08x): "
                         "the file is corrupted", r->name, stored, have);
  *ver = (uint32_t)fm_model_le_get(buf + 8, 4);
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
  fm_model_rbuf r = {buf, 0, 0, name, e};
  fm_model *m = calloc(1, sizeof *m);
  if (m == NULL || (m->path = strdup(name)) == NULL) {
    free(m);
    return fm_errmsg_set(e, FM_ENOMEM, "%s: out of memory", name);
  }
  int st = fm_model_get_prefix(&r, buf, len, &m->version);
  if (st == FM_OK)
    st = fm_model_get_body(&r, m);
  if (st != FM_OK) {
    fm_model_free(m);
    return st;
  }
  *mp = m;
  return FM_OK;
}

int fm_model_load(fm_model **m, const char *path, fm_errmsg *e)
{
  *m = NULL;
  unsigned char *buf;
  size_t len = 0;
  int st = fm_model_read_file(&buf, &len, path, e);
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
