/* fm_test_gen.h -- random *valid* cases and random correct / broken
 * schedules, for tests (Arb-style random inputs biased toward corners).
 *
 * Everything is a pure function of (seed, index): the draws come from the
 * project's counter-based streams (rng.h), stream
 * FM_RNG_STREAM(FM_GEN_TAG_*, index), so case i can be rebuilt on its own
 * from the seed printed with a failure.  The seed is FM_TEST_SEED when set,
 * else FM_GEN_SEED_DEFAULT.
 *
 * Cases (cases/README.md), with fm_gen_limits bounding d and K:
 *  - d in [1, dmax], K in [1, kmax] (dmax <= 16, kmax <= 12);
 *  - weights 0.05 + U(0,1), normalised except in about 1 case in 3 (the
 *    loader then warns and normalises);
 *  - means m_k = s z_k, z_k ~ N(0, I), s log-uniform in [0.1, 5] (so modes
 *    overlap or sit far apart depending on the covariance scale);
 *  - covariances `var`, `diag` or full `cov` = Q diag(lambda) Q^T (Q a
 *    random rotation: Gram-Schmidt of a Gaussian matrix; written from the
 *    upper triangle, so exactly symmetric), largest eigenvalue log-uniform in
 *    [1e-3, 4], condition number log-uniform in [1, 1e3] (the loader refuses
 *    lambda_min <= 1e-12 lambda_max; we stay at >= 1e-3);
 *  - schedules: every built-in (cond_ot sigma_min in [0, 0.05]; vp beta_min
 *    in [0.05, 1], beta_max in [5, 25] *restricted* to alpha_0 =
 *    exp(-(beta_min + beta_max)/4) <= 1e-2, i.e. beta_min + beta_max >=
 *    4 ln 100, since cases/README.md makes a larger noise-end break a failure; ve
 *    sigma_min in [0.005, 0.05], sigma_max in [10, 80]; cosine; polynomial
 *    n in [0.5, 4]; linear_vp), hand-written `expr` forms with correct
 *    claimed derivatives (cond_ot, cosine, polynomial n in [1, 4] with
 *    sigma = 1 - (1 - smin) t^n, Song's VP), and `table` CSVs (65, 129 or 257
 *    equispaced rows of cond_ot, cosine or polynomial paths with sigma_min in
 *    [1e-3, 0.05]) written beside the case file.
 * A generated case lives in its own temporary directory (case.json and, for
 * a table, sched.csv); load it with fm_gen_case_load (fm_case_load_file, so
 * the relative table path resolves), remove it with fm_gen_case_clear.
 *
 * Schedules for validate-schedule (fm_gen_sched_make): a correct one from
 * the families above but VE (outside validate-schedule's convention), or
 * one broken in exactly one known way
 * (fm_gen_break): alpha_0 = 0.05, alpha_1 = 0.98, sigma_1 = 0.3, an SNR bump
 * (a Gaussian bump in sigma), a claimed derivative wrong by 1e-3 relative,
 * or sigma <= 0 inside [0, 1).
 */
#ifndef FM_TEST_GEN_H
#define FM_TEST_GEN_H

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "rng.h"

#define FM_GEN_SEED_DEFAULT UINT64_C(20250611)
#define FM_GEN_TAG_CASE 0x6763u  /* "gc" */
#define FM_GEN_TAG_SCHED 0x6773u /* "gs" */
#define FM_GEN_DMAX 16
#define FM_GEN_KMAX 12
#define FM_GEN_PI 3.14159265358979323846

/* FM_TEST_SEED (decimal or 0x hex) or the default. */
static inline uint64_t fm_gen_seed(void)
{
  const char *s = getenv("FM_TEST_SEED");
  if (s != NULL && s[0] != '\0') {
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end == '\0')
      return (uint64_t)v;
  }
  return FM_GEN_SEED_DEFAULT;
}

/* A cursor on two counter-based streams (uniforms, normals). */
typedef struct {
  fm_rng u, n;
  uint64_t iu, in;
} fm_gen_draw;

static inline fm_gen_draw fm_gen_draw_make(uint64_t seed, unsigned tag, uint64_t index)
{
  fm_rng r = fm_rng_make(seed, FM_RNG_STREAM(tag, index));
  fm_gen_draw g = {fm_rng_child(&r, 1), fm_rng_child(&r, 2), 0, 0};
  return g;
}

static inline double fm_gen_unif(fm_gen_draw *g)
{
  return fm_rng_uniform(&g->u, g->iu++);
}

static inline double fm_gen_normal(fm_gen_draw *g)
{
  return fm_rng_normal(&g->n, g->in++);
}

/* Uniform in [a, b]; log-uniform in [a, b] (a > 0). */
static inline double fm_gen_range(fm_gen_draw *g, double a, double b)
{
  return a + (b - a) * fm_gen_unif(g);
}

static inline double fm_gen_logrange(fm_gen_draw *g, double a, double b)
{
  return a * pow(b / a, fm_gen_unif(g));
}

/* Biased toward the corners: a with probability 1/8, b with 1/8, else
 * (log-)uniform in between. */
static inline double fm_gen_corner(fm_gen_draw *g, double a, double b, int logscale)
{
  double u = fm_gen_unif(g);
  if (u < 0.125)
    return a;
  if (u > 0.875)
    return b;
  return logscale ? fm_gen_logrange(g, a, b) : fm_gen_range(g, a, b);
}

/* Integer in [lo, hi]. */
static inline size_t fm_gen_int(fm_gen_draw *g, size_t lo, size_t hi)
{
  size_t k = lo + (size_t)(fm_gen_unif(g) * (double)(hi - lo + 1));
  return k > hi ? hi : k;
}

/* ------------------------------------------------------------------ */
/* Schedules                                                            */

typedef enum {
  FM_GEN_S_COND_OT = 0,
  FM_GEN_S_VP,
  FM_GEN_S_VE,
  FM_GEN_S_COSINE,
  FM_GEN_S_POLYNOMIAL,
  FM_GEN_S_LINEAR_VP,
  FM_GEN_S_EXPR_COND_OT,
  FM_GEN_S_EXPR_COSINE,
  FM_GEN_S_EXPR_POLYNOMIAL,
  FM_GEN_S_EXPR_VP,
  FM_GEN_S_TABLE,
  FM_GEN_S_COUNT
} fm_gen_family;

static const char *const fm_gen_family_names[FM_GEN_S_COUNT] = {
    "cond_ot",   "vp",          "ve",          "cosine",          "polynomial", "linear_vp",
    "expr:cond_ot", "expr:cosine", "expr:polynomial", "expr:vp",  "table"};

/* "%.17g" into a static-size buffer owned by the caller. */
#define FM_GEN_NUM(buf, x) snprintf((buf), sizeof(buf), "%.17g", (x))

/* Adds claimed derivatives to an expr object: both (probability 1/2), only
 * one (1/4), none (1/4: the symbolic ones are used). */
static inline void fm_gen_claims(fm_gen_draw *g, json_t *o, const char *adot, const char *sdot)
{
  double u = fm_gen_unif(g);
  if (u < 0.625)
    json_object_set_new(o, "alpha_dot", json_string(adot));
  if (u < 0.5 || (u >= 0.625 && u < 0.75))
    json_object_set_new(o, "sigma_dot", json_string(sdot));
}

/* The CSV of a smooth path: kind 0 cond_ot, 1 cosine, 2 polynomial, each
 * with sigma_1 = smin; returns 0 on success. */
static inline int fm_gen_table_write(const char *path, int kind, double smin, double n,
                                     int rows)
{
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -1;
  fprintf(f, "t,alpha,sigma\n");
  for (int i = 0; i < rows; i++) {
    double t = (double)i / (rows - 1), a, s;
    if (kind == 0) {
      a = t;
      s = 1.0 - (1.0 - smin) * t;
    } else if (kind == 1) {
      a = sin(0.5 * FM_GEN_PI * t);
      s = (1.0 - smin) * sin(0.5 * FM_GEN_PI * (1.0 - t)) + smin;
    } else {
      a = pow(t, n);
      s = 1.0 - (1.0 - smin) * a;
    }
    if (i == rows - 1)
      a = 1.0, s = smin;
    fprintf(f, "%.17g,%.17g,%.17g\n", t, a, s);
  }
  return fclose(f) == 0 ? 0 : -1;
}

/* A correct schedule object of the given family; `dir` receives sched.csv
 * for a table (NULL: tables are not allowed and fall back to cosine).
 * desc receives a one-line description.  NULL when a file cannot be written. */
static inline json_t *fm_gen_schedule(fm_gen_draw *g, fm_gen_family fam, const char *dir,
                                      char *desc, size_t ndesc)
{
  json_t *o = json_object();
  char a[256], s[640], ad[640], sd[640];
  if (fam == FM_GEN_S_TABLE && dir == NULL)
    fam = FM_GEN_S_COSINE;
  switch (fam) {
  case FM_GEN_S_COND_OT: {
    double smin = fm_gen_corner(g, 0.0, 0.05, 0);
    json_object_set_new(o, "type", json_string("cond_ot"));
    json_object_set_new(o, "sigma_min", json_real(smin));
    snprintf(desc, ndesc, "cond_ot(sigma_min=%.3g)", smin);
    break;
  }
  case FM_GEN_S_VP: {
    /* alpha_0 = exp(-(bmin + bmax)/4) <= 1e-2 (cases/README.md: above is a failure) */
    double bmin = fm_gen_corner(g, 0.05, 1.0, 1);
    double lo = fmax(5.0, 4.0 * log(100.0) - bmin + 1e-6);
    double bmax = fm_gen_corner(g, lo, 25.0, 0);
    json_object_set_new(o, "type", json_string("vp"));
    json_object_set_new(o, "beta_min", json_real(bmin));
    json_object_set_new(o, "beta_max", json_real(bmax));
    snprintf(desc, ndesc, "vp(beta_min=%.3g, beta_max=%.3g)", bmin, bmax);
    break;
  }
  case FM_GEN_S_VE: {
    double smin = fm_gen_corner(g, 0.005, 0.05, 1), smax = fm_gen_corner(g, 10.0, 80.0, 1);
    json_object_set_new(o, "type", json_string("ve"));
    json_object_set_new(o, "sigma_min", json_real(smin));
    json_object_set_new(o, "sigma_max", json_real(smax));
    snprintf(desc, ndesc, "ve(sigma_min=%.3g, sigma_max=%.3g)", smin, smax);
    break;
  }
  case FM_GEN_S_COSINE:
    json_object_set_new(o, "type", json_string("cosine"));
    snprintf(desc, ndesc, "cosine");
    break;
  case FM_GEN_S_POLYNOMIAL: {
    double n = fm_gen_corner(g, 0.5, 4.0, 0);
    json_object_set_new(o, "type", json_string("polynomial"));
    json_object_set_new(o, "n", json_real(n));
    snprintf(desc, ndesc, "polynomial(n=%.3g)", n);
    break;
  }
  case FM_GEN_S_LINEAR_VP:
    json_object_set_new(o, "type", json_string("linear_vp"));
    snprintf(desc, ndesc, "linear_vp");
    break;
  case FM_GEN_S_EXPR_COND_OT: {
    double smin = fm_gen_corner(g, 0.0, 0.05, 0);
    char c[64];
    FM_GEN_NUM(c, 1.0 - smin);
    json_object_set_new(o, "type", json_string("expr"));
    json_object_set_new(o, "alpha", json_string("t"));
    snprintf(s, sizeof s, "1 - %s*t", c);
    snprintf(sd, sizeof sd, "-%s", c);
    json_object_set_new(o, "sigma", json_string(s));
    fm_gen_claims(g, o, "1", sd);
    snprintf(desc, ndesc, "expr cond_ot(sigma_min=%.3g)%s", smin,
             json_object_size(o) > 3 ? " +claims" : "");
    break;
  }
  case FM_GEN_S_EXPR_COSINE:
    json_object_set_new(o, "type", json_string("expr"));
    json_object_set_new(o, "alpha", json_string("sin(pi*t/2)"));
    json_object_set_new(o, "sigma", json_string("cos(pi*t/2)"));
    fm_gen_claims(g, o, "pi/2*cos(pi*t/2)", "-pi/2*sin(pi*t/2)");
    snprintf(desc, ndesc, "expr cosine%s", json_object_size(o) > 3 ? " +claims" : "");
    break;
  case FM_GEN_S_EXPR_POLYNOMIAL: {
    double n = fm_gen_corner(g, 1.0, 4.0, 0), smin = fm_gen_corner(g, 0.0, 0.05, 0);
    char cn[64], cn1[64], c[64];
    FM_GEN_NUM(cn, n);
    FM_GEN_NUM(cn1, n - 1.0);
    FM_GEN_NUM(c, 1.0 - smin);
    json_object_set_new(o, "type", json_string("expr"));
    snprintf(a, sizeof a, "t^%s", cn);
    snprintf(s, sizeof s, "1 - %s*t^%s", c, cn);
    snprintf(ad, sizeof ad, "%s*t^%s", cn, cn1);
    snprintf(sd, sizeof sd, "-%s*%s*t^%s", c, cn, cn1);
    json_object_set_new(o, "alpha", json_string(a));
    json_object_set_new(o, "sigma", json_string(s));
    fm_gen_claims(g, o, ad, sd);
    snprintf(desc, ndesc, "expr polynomial(n=%.3g, sigma_min=%.3g)%s", n, smin,
             json_object_size(o) > 3 ? " +claims" : "");
    break;
  }
  case FM_GEN_S_EXPR_VP: {
    /* Song's VP: T(s) = bmin s + (bmax - bmin) s^2 / 2, s = 1 - t;
     * alpha = exp(-T/2), alpha' = alpha beta(s)/2, sigma = sqrt(1 - e^-T),
     * sigma' = -alpha alpha'/sigma = -e^-T beta(s) / (2 sigma). */
    double bmin = fm_gen_corner(g, 0.05, 1.0, 1);
    double lo = fmax(5.0, 4.0 * log(100.0) - bmin + 1e-6);
    double bmax = fm_gen_corner(g, lo, 25.0, 0);
    char b0[64], b1[64], db[64], T[192], beta[192];
    FM_GEN_NUM(b0, bmin);
    FM_GEN_NUM(b1, 0.5 * (bmax - bmin));
    FM_GEN_NUM(db, bmax - bmin);
    snprintf(T, sizeof T, "(%s*(1-t) + %s*(1-t)^2)", b0, b1);
    snprintf(beta, sizeof beta, "(%s + %s*(1-t))", b0, db);
    json_object_set_new(o, "type", json_string("expr"));
    snprintf(a, sizeof a, "exp(-%s/2)", T);
    snprintf(s, sizeof s, "sqrt(1 - exp(-%s))", T);
    snprintf(ad, sizeof ad, "exp(-%s/2)*%s/2", T, beta);
    snprintf(sd, sizeof sd, "-exp(-%s)*%s/(2*sqrt(1 - exp(-%s)))", T, beta, T);
    json_object_set_new(o, "alpha", json_string(a));
    json_object_set_new(o, "sigma", json_string(s));
    fm_gen_claims(g, o, ad, sd);
    snprintf(desc, ndesc, "expr vp(beta_min=%.3g, beta_max=%.3g)%s", bmin, bmax,
             json_object_size(o) > 3 ? " +claims" : "");
    break;
  }
  case FM_GEN_S_TABLE:
  default: {
    static const int rows[3] = {65, 129, 257};
    static const char *const kinds[3] = {"cond_ot", "cosine", "polynomial"};
    int kind = (int)fm_gen_int(g, 0, 2), nr = rows[fm_gen_int(g, 0, 2)];
    /* n < 3: a natural cubic spline through t^n has a negative slope at
     * t = 0 for n > 3 (alpha dips below 0 and the SNR is not monotone --
     * validate-schedule rejects such a table, rightly), 0 at n = 3 */
    double smin = fm_gen_corner(g, 1e-3, 0.05, 1), n = fm_gen_corner(g, 1.0, 2.8, 0);
    char path[4096];
    snprintf(path, sizeof path, "%s/sched.csv", dir);
    if (fm_gen_table_write(path, kind, smin, n, nr) != 0) {
      json_decref(o);
      return NULL;
    }
    json_object_set_new(o, "type", json_string("table"));
    json_object_set_new(o, "file", json_string("sched.csv"));
    if (kind == 2)
      snprintf(desc, ndesc, "table %s(n=%.3g, sigma_min=%.3g) %d rows", kinds[kind], n, smin,
               nr);
    else
      snprintf(desc, ndesc, "table %s(sigma_min=%.3g) %d rows", kinds[kind], smin, nr);
    break;
  }
  }
  return o;
}

/* ------------------------------------------------------------------ */
/* Cases                                                                */

typedef struct {
  size_t dmax, kmax; /* <= FM_GEN_DMAX, FM_GEN_KMAX */
} fm_gen_limits;

typedef struct {
  uint64_t seed;
  size_t index;
  size_t d, K;
  fm_gen_family family;
  int unnormalised;
  char dir[256];      /* temporary directory holding case.json (+ sched.csv) */
  char path[320];     /* dir/case.json */
  char *json;         /* the case file's text (malloc'd) */
  char desc[512];     /* one line, for failure messages */
} fm_gen_case;

/* Random rotation (d x d, row-major) by Gram-Schmidt of a Gaussian matrix. */
static inline void fm_gen_rotation(fm_gen_draw *g, double *Q, size_t d)
{
  for (;;) {
    int ok = 1;
    for (size_t i = 0; i < d * d; i++)
      Q[i] = fm_gen_normal(g);
    for (size_t j = 0; j < d && ok; j++) { /* column j */
      for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < j; k++) {
          double dot = 0.0;
          for (size_t i = 0; i < d; i++)
            dot += Q[i * d + j] * Q[i * d + k];
          for (size_t i = 0; i < d; i++)
            Q[i * d + j] -= dot * Q[i * d + k];
        }
      double nrm = 0.0;
      for (size_t i = 0; i < d; i++)
        nrm += Q[i * d + j] * Q[i * d + j];
      nrm = sqrt(nrm);
      if (!(nrm > 1e-8))
        ok = 0;
      for (size_t i = 0; i < d && ok; i++)
        Q[i * d + j] /= nrm;
    }
    if (ok)
      return;
  }
}

/* Eigenvalues: lam_max, lam_max/cond and the rest log-uniform in between. */
static inline void fm_gen_eigen(fm_gen_draw *g, double *lam, size_t d, double lmax,
                                double cond)
{
  for (size_t i = 0; i < d; i++)
    lam[i] = lmax * pow(cond, -fm_gen_unif(g));
  lam[0] = lmax;
  if (d > 1)
    lam[d - 1] = lmax / cond;
}

/* The covariance entry of component k (json), one of var / diag / cov. */
static inline const char *fm_gen_cov(fm_gen_draw *g, json_t *comp, size_t d, double lmax,
                                     double cond)
{
  double lam[FM_GEN_DMAX], Q[FM_GEN_DMAX * FM_GEN_DMAX];
  size_t form = fm_gen_int(g, 0, 2);
  if (form == 0) {
    json_object_set_new(comp, "var", json_real(lmax * pow(cond, -fm_gen_unif(g))));
    return "var";
  }
  fm_gen_eigen(g, lam, d, lmax, cond);
  if (form == 1) {
    json_t *a = json_array();
    for (size_t i = 0; i < d; i++) /* shuffle by a random start */
      json_array_append_new(a, json_real(lam[(i + d / 2) % d]));
    json_object_set_new(comp, "diag", a);
    return "diag";
  }
  fm_gen_rotation(g, Q, d);
  double S[FM_GEN_DMAX][FM_GEN_DMAX];
  for (size_t i = 0; i < d; i++)
    for (size_t j = i; j < d; j++) {
      double sum = 0.0;
      for (size_t k = 0; k < d; k++)
        sum += Q[i * d + k] * lam[k] * Q[j * d + k];
      S[i][j] = S[j][i] = sum;
    }
  json_t *rowsj = json_array();
  for (size_t i = 0; i < d; i++) {
    json_t *r = json_array();
    for (size_t j = 0; j < d; j++)
      json_array_append_new(r, json_real(S[i][j]));
    json_array_append_new(rowsj, r);
  }
  json_object_set_new(comp, "cov", rowsj);
  return "cov";
}

static inline void fm_gen_rmdir(const char *dir)
{
  char p[512];
  snprintf(p, sizeof p, "%s/case.json", dir);
  unlink(p);
  snprintf(p, sizeof p, "%s/sched.csv", dir);
  unlink(p);
  rmdir(dir);
}

/* Case `index` of `seed` within lim; family < FM_GEN_S_COUNT forces a
 * schedule family, FM_GEN_S_COUNT draws one.  Returns 0, or -1 when the
 * temporary files cannot be written. */
static inline int fm_gen_case_make(fm_gen_case *gc, uint64_t seed, size_t index,
                                   fm_gen_limits lim, fm_gen_family family)
{
  fm_gen_draw g = fm_gen_draw_make(seed, FM_GEN_TAG_CASE, index);
  memset(gc, 0, sizeof *gc);
  gc->seed = seed;
  gc->index = index;
  const char *tmp = getenv("TMPDIR");
  snprintf(gc->dir, sizeof gc->dir, "%s/fmgen-XXXXXX",
           tmp != NULL && tmp[0] != '\0' && strlen(tmp) < 200 ? tmp : "/tmp");
  if (mkdtemp(gc->dir) == NULL)
    return -1;
  snprintf(gc->path, sizeof gc->path, "%s/case.json", gc->dir);

  size_t d = fm_gen_int(&g, 1, lim.dmax < FM_GEN_DMAX ? lim.dmax : FM_GEN_DMAX);
  size_t K = fm_gen_int(&g, 1, lim.kmax < FM_GEN_KMAX ? lim.kmax : FM_GEN_KMAX);
  gc->d = d;
  gc->K = K;
  gc->unnormalised = fm_gen_unif(&g) < 1.0 / 3.0;
  double mscale = fm_gen_corner(&g, 0.1, 5.0, 1);
  double lscale = fm_gen_corner(&g, 1e-3, 4.0, 1);
  double cond = fm_gen_corner(&g, 1.0, 1e3, 1);

  double w[FM_GEN_KMAX], wsum = 0.0;
  for (size_t k = 0; k < K; k++)
    wsum += (w[k] = 0.05 + fm_gen_unif(&g));
  json_t *comps = json_array();
  size_t nform[3] = {0, 0, 0};
  for (size_t k = 0; k < K; k++) {
    json_t *c = json_object();
    json_object_set_new(c, "weight", json_real(gc->unnormalised ? w[k] : w[k] / wsum));
    json_t *m = json_array();
    for (size_t i = 0; i < d; i++)
      json_array_append_new(m, json_real(mscale * fm_gen_normal(&g)));
    json_object_set_new(c, "mean", m);
    /* per component: largest eigenvalue within a factor 2 of the case's
     * scale, kept in [1e-3, 4] */
    double lmax = fmin(4.0, fmax(1e-3, lscale * pow(2.0, fm_gen_range(&g, -1.0, 1.0))));
    const char *f = fm_gen_cov(&g, c, d, lmax, cond);
    nform[f[0] == 'v' ? 0 : f[0] == 'd' ? 1 : 2]++;
    json_array_append_new(comps, c);
  }
  json_t *data = json_object();
  json_object_set_new(data, "type", json_string("gmm"));
  json_object_set_new(data, "dim", json_integer((json_int_t)d));
  json_object_set_new(data, "components", comps);

  gc->family = family < FM_GEN_S_COUNT ? family
                                       : (fm_gen_family)fm_gen_int(&g, 0, FM_GEN_S_COUNT - 1);
  char sdesc[192];
  json_t *sched = fm_gen_schedule(&g, gc->family, gc->dir, sdesc, sizeof sdesc);
  if (sched == NULL) {
    json_decref(data);
    fm_gen_rmdir(gc->dir);
    return -1;
  }
  snprintf(gc->desc, sizeof gc->desc,
           "gen seed=%llu index=%zu: d=%zu K=%zu weights %s, mean scale %.3g, lambda_max "
           "~%.3g, cond %.3g, forms var/diag/cov %zu/%zu/%zu; schedule %s",
           (unsigned long long)seed, index, d, K,
           gc->unnormalised ? "unnormalised" : "normalised", mscale, lscale, cond, nform[0],
           nform[1], nform[2], sdesc);

  json_t *root = json_object();
  char name[64];
  snprintf(name, sizeof name, "gen-%zu", index);
  json_object_set_new(root, "name", json_string(name));
  json_object_set_new(root, "description", json_string(gc->desc));
  json_object_set_new(root, "data", data);
  json_object_set_new(root, "schedule", sched);
  json_object_set_new(root, "seed", json_integer((json_int_t)(1 + index)));
  gc->json = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
  json_decref(root);
  FILE *f = gc->json != NULL ? fopen(gc->path, "w") : NULL;
  int ok = f != NULL && fputs(gc->json, f) >= 0;
  if (f != NULL)
    ok = (fclose(f) == 0) && ok;
  if (!ok) {
    free(gc->json);
    gc->json = NULL;
    fm_gen_rmdir(gc->dir);
    return -1;
  }
  return 0;
}

static inline int fm_gen_case_load(fm_case **c, const fm_gen_case *gc, fm_errmsg *e)
{
  return fm_case_load_file(c, gc->path, e);
}

static inline const char *fm_gen_case_describe(const fm_gen_case *gc)
{
  return gc->desc;
}

static inline void fm_gen_case_clear(fm_gen_case *gc)
{
  if (gc->dir[0] != '\0')
    fm_gen_rmdir(gc->dir);
  free(gc->json);
  gc->json = NULL;
  gc->dir[0] = '\0';
}

/* ------------------------------------------------------------------ */
/* Correct and broken schedules for validate-schedule                   */

typedef enum {
  FM_GEN_BREAK_NONE = 0,
  FM_GEN_BREAK_ALPHA0,      /* alpha_0 = 0.05 (noise end) */
  FM_GEN_BREAK_ALPHA1,      /* alpha_1 = 0.98 (data end) */
  FM_GEN_BREAK_SIGMA1,      /* sigma_1 = 0.3 (sigma_min too large) */
  FM_GEN_BREAK_SNR,         /* alpha/sigma decreases somewhere (a bump in sigma) */
  FM_GEN_BREAK_DERIV,       /* a claimed derivative wrong by 1e-3 relative */
  FM_GEN_BREAK_SIGMA_NONPOS,/* sigma <= 0 somewhere in [0, 1) */
  FM_GEN_BREAK_COUNT
} fm_gen_break;

static const char *const fm_gen_break_names[FM_GEN_BREAK_COUNT] = {
    "correct", "alpha_0 = 0.05", "alpha_1 = 0.98", "sigma_1 = 0.3",
    "SNR not monotone", "claimed derivative off by 1e-3", "sigma <= 0 inside [0,1)"};

#define FM_GEN_BREAK_ALPHA0_VALUE 0.05
#define FM_GEN_BREAK_ALPHA1_VALUE 0.98
#define FM_GEN_BREAK_SIGMA1_VALUE 0.3
#define FM_GEN_BREAK_DERIV_REL 1e-3

/* Schedule `index` of `seed` with break b (NONE: a correct one of a random
 * family; tables write dir/sched.csv).  *deriv_which receives, for
 * FM_GEN_BREAK_DERIV, 0 when alpha_dot is the wrong claim and 1 for
 * sigma_dot (may be NULL).  NULL when a file cannot be written. */
static inline json_t *fm_gen_sched_make(uint64_t seed, size_t index, fm_gen_break b,
                                        const char *dir, char *desc, size_t ndesc,
                                        int *deriv_which)
{
  fm_gen_draw g = fm_gen_draw_make(seed, FM_GEN_TAG_SCHED, index * FM_GEN_BREAK_COUNT + b);
  char a[256], s[256], ad[256], sd[256], c1[64], c2[64];
  json_t *o;
  if (b == FM_GEN_BREAK_NONE) {
    char sdesc[192];
    /* VE is a valid path but outside the convention validate-schedule
     * judges (its noise end is N(x1, sigma_max^2 I), not N(0, I)): it is
     * rejected there by design, so it is not drawn here */
    fm_gen_family fam = (fm_gen_family)fm_gen_int(&g, 0, FM_GEN_S_COUNT - 2);
    if (fam >= FM_GEN_S_VE)
      fam = (fm_gen_family)(fam + 1);
    o = fm_gen_schedule(&g, fam, dir, sdesc, sizeof sdesc);
    snprintf(desc, ndesc, "correct %s", sdesc);
    return o;
  }
  o = json_object();
  json_object_set_new(o, "type", json_string("expr"));
  double smin = fm_gen_corner(&g, 0.0, 0.05, 0);
  FM_GEN_NUM(c1, 1.0 - smin);
  snprintf(s, sizeof s, "1 - %s*t", c1);
  switch (b) {
  case FM_GEN_BREAK_ALPHA0:
    FM_GEN_NUM(c2, 1.0 - FM_GEN_BREAK_ALPHA0_VALUE);
    snprintf(a, sizeof a, fm_gen_unif(&g) < 0.5 ? "0.05 + %s*t" : "0.05 + %s*sin(pi*t/2)",
             c2);
    break;
  case FM_GEN_BREAK_ALPHA1:
    snprintf(a, sizeof a, fm_gen_unif(&g) < 0.5 ? "0.98*t" : "0.98*sin(pi*t/2)");
    break;
  case FM_GEN_BREAK_SIGMA1:
    snprintf(a, sizeof a, "t");
    snprintf(s, sizeof s, fm_gen_unif(&g) < 0.5 ? "1 - 0.7*t" : "1 - 0.7*sin(pi*t/2)");
    break;
  case FM_GEN_BREAK_SNR: {
    /* sigma = 1 - (1-smin) t + B exp(-((t - c)/w)^2): with B >= 0.1,
     * c >= 0.4, w = 0.02 the bump's slope, up to 0.86 B / w - 1, makes
     * alpha sigma' exceed alpha' sigma = sigma (alpha = t) */
    double B = fm_gen_range(&g, 0.1, 0.2), ctr = fm_gen_range(&g, 0.4, 0.7);
    snprintf(a, sizeof a, "t");
    snprintf(s, sizeof s, "1 - %s*t + %.17g*exp(-((t - %.17g)/0.02)^2)", c1, B, ctr);
    break;
  }
  case FM_GEN_BREAK_DERIV: {
    int which = fm_gen_unif(&g) < 0.5;
    if (deriv_which != NULL)
      *deriv_which = which;
    snprintf(a, sizeof a, "sin(pi*t/2)");
    snprintf(s, sizeof s, "cos(pi*t/2)");
    snprintf(ad, sizeof ad, "%s*pi/2*cos(pi*t/2)", which == 0 ? "1.001" : "1");
    snprintf(sd, sizeof sd, "-%s*pi/2*sin(pi*t/2)", which == 1 ? "1.001" : "1");
    json_object_set_new(o, "alpha_dot", json_string(ad));
    json_object_set_new(o, "sigma_dot", json_string(sd));
    break;
  }
  case FM_GEN_BREAK_SIGMA_NONPOS:
  default: {
    /* sigma = (1 - t)(1 - t/t0): zero at t0 < 1, negative on (t0, 1) */
    double t0 = fm_gen_range(&g, 0.5, 0.9);
    snprintf(a, sizeof a, "t");
    snprintf(s, sizeof s, "(1 - t)*(1 - t/%.17g)", t0);
    break;
  }
  }
  json_object_set_new(o, "alpha", json_string(a));
  json_object_set_new(o, "sigma", json_string(s));
  snprintf(desc, ndesc, "broken (%s): alpha = %.150s, sigma = %.150s", fm_gen_break_names[b], a, s);
  return o;
}

#endif
