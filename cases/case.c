/* case.c -- the case-file parser (cases/README.md): JSON text -> fm_case.
 *
 * A case is {name, data, schedule, seed?, description?, provenance?}.  This
 * file reads the text, turns jansson's syntax errors into "FILE:LINE:COL:"
 * messages, walks the top level and the `data` (GMM) object, and hands the
 * `schedule` object to case_schedule.c.  Every content error names the JSON
 * path of the offending value ("data.components[2].cov[0][1]"), because a
 * case file is written by hand and the user must be able to find the typo.
 *
 * The GMM checks (shape, finiteness, positivity, symmetry, positive
 * definiteness) are done here, value by value, rather than left to
 * fm_gmm_finalize, so that each rejection can name its path; finalize then
 * only normalises the weights and factorises (its own checks become a
 * second line of defence whose message is prefixed with the path).
 */
#include "case_json.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "fm_limits.h"
#include "linalg.h"

/* cases/README.md limits; their reasons and costs in fm_limits.h. */
#define FM_CASE_MAXDIM FM_LIMIT_DIM
/* Relative asymmetry tolerated in a `cov` (the same threshold as
 * fm_gmm_finalize): 17-digit decimal round trips are exact, so a symmetric
 * matrix written by a program is exactly symmetric; 1e-12 only forgives
 * hand-rounded entries. */
#define FM_CASE_ASYM_TOL 1e-12
/* Smallest eigenvalue of a covariance, relative to its largest, below which
 * the case is refused as numerically singular.  Cholesky of S has a
 * backward error of about d eps |S| (eps = 2.2e-16), so a relative
 * eigenvalue of 1e-12 keeps only ~4 digits of S^{-1} in the smallest
 * direction; below that C_k(t) = alpha^2 S_k + sigma^2 I near t = 1, the
 * log densities and the posterior weights gamma_k lose every digit (and
 * [[0.1, 0.1], [0.1, 0.1]] factorises "successfully" on rounding noise). */
#define FM_CASE_EIG_RTOL 1e-12

/* ------------------------------------------------------------------ helpers */

/* ------------------------------------------------------------- data (GMM) */

/* A JSON array of exactly n finite numbers (each > 0 when `positive`). */
static int fm_case_parse_vector(double *out, size_t n, int positive, const json_t *j,
                                const char *origin, const char *path, fm_errmsg *e)
{
  if (!json_is_array(j))
    return fm_case_err(e, FM_EINVAL, origin, path, "must be an array of %zu numbers, not %s",
                       n, fm_case_json_kind(j));
  if (json_array_size(j) != n)
    return fm_case_err(e, FM_EDIM, origin, path, "has %zu entr%s, expected dim = %zu",
                       json_array_size(j), json_array_size(j) == 1 ? "y" : "ies", n);
  for (size_t i = 0; i < n; i++) {
    char ip[FM_CASE_PATHLEN];
    fm_case_path_index(ip, path, NULL, i);
    int st = fm_case_get_number(out + i, json_array_get(j, i), origin, ip, e);
    if (st != FM_OK)
      return st;
    if (positive && !(out[i] > 0.0))
      return fm_case_err(e, FM_EINVAL, origin, ip, "must be positive (got %.17g)", out[i]);
  }
  return FM_OK;
}

/* Symmetry to FM_CASE_ASYM_TOL, naming the worst off-diagonal pair. */
static int fm_case_check_symmetric(const double *S, size_t d, const char *origin,
                                   const char *path, fm_errmsg *e)
{
  double asym = fm_linalg_asymmetry(S, d);
  if (asym <= FM_CASE_ASYM_TOL)
    return FM_OK;
  size_t bi = 0, bj = 1;
  double worst = -1.0;
  for (size_t i = 0; i < d; i++)
    for (size_t j = i + 1; j < d; j++)
      if (fabs(S[i * d + j] - S[j * d + i]) > worst) {
        worst = fabs(S[i * d + j] - S[j * d + i]);
        bi = i;
        bj = j;
      }
  return fm_case_err(e, FM_ENOTPD, origin, path,
                     "not symmetric: [%zu][%zu] = %.17g but [%zu][%zu] = %.17g "
                     "(relative asymmetry %.3g > %g)",
                     bi, bj, S[bi * d + bj], bj, bi, S[bj * d + bi], asym, FM_CASE_ASYM_TOL);
}

/* Positive definite with room to spare: lam_min > FM_CASE_EIG_RTOL lam_max,
 * naming the eigenvalues (all of them for d <= 6, else the extremes).
 * lam (d) is scratch. */
static int fm_case_check_conditioning(const double *S, double *lam, size_t d, size_t k,
                                      const char *origin, const char *path, fm_errmsg *e)
{
  int st = fm_gmm_sym_eigenvalues(lam, S, d);
  if (st != FM_OK)
    return fm_case_err(e, st, origin, path,
                       "not positive definite (component %zu): its eigenvalues cannot be "
                       "computed (%s)", k, fm_strerror(st));
  double lmin = lam[0], lmax = lam[d - 1];
  if (lmax > 0.0 && lmin > FM_CASE_EIG_RTOL * lmax)
    return FM_OK;
  char list[256];
  size_t len = 0;
  if (d <= 6) {
    for (size_t i = 0; i < d && len < sizeof list; i++)
      len += (size_t)snprintf(list + len, sizeof list - len, "%s%.6g", i ? ", " : "", lam[i]);
  } else {
    snprintf(list, sizeof list, "smallest %.6g, largest %.6g", lmin, lmax);
  }
  if (!(lmax > 0.0) || lmin <= 0.0)
    return fm_case_err(e, FM_ENOTPD, origin, path,
                       "not positive definite (component %zu): eigenvalues %s; a covariance "
                       "needs every eigenvalue > %g times the largest", k, list,
                       FM_CASE_EIG_RTOL);
  return fm_case_err(e, FM_ENOTPD, origin, path,
                     "not positive definite (component %zu): numerically singular, eigenvalues "
                     "%s (smallest/largest = %.3g <= %g: in double precision its inverse, the "
                     "densities and posterior weights would have no correct digits)",
                     k, list, lmin / lmax, FM_CASE_EIG_RTOL);
}

/* A full covariance: d arrays of d numbers, symmetric, positive definite.
 * work (d*d) receives a trial Cholesky factor. */
static int fm_case_parse_cov(double *S, double *work, size_t d, size_t k, const json_t *j,
                             const char *origin, const char *path, fm_errmsg *e)
{
  if (!json_is_array(j))
    return fm_case_err(e, FM_EINVAL, origin, path,
                       "must be an array of %zu rows of %zu numbers, not %s", d, d,
                       fm_case_json_kind(j));
  if (json_array_size(j) != d)
    return fm_case_err(e, FM_EDIM, origin, path, "has %zu row%s, expected dim = %zu",
                       json_array_size(j), json_array_size(j) == 1 ? "" : "s", d);
  for (size_t i = 0; i < d; i++) {
    char rp[FM_CASE_PATHLEN];
    fm_case_path_index(rp, path, NULL, i);
    int st = fm_case_parse_vector(S + i * d, d, 0, json_array_get(j, i), origin, rp, e);
    if (st != FM_OK)
      return st;
  }
  int st = fm_case_check_symmetric(S, d, origin, path, e);
  if (st == FM_OK)
    st = fm_case_check_conditioning(S, work, d, k, origin, path, e);
  if (st != FM_OK)
    return st;
  if (fm_linalg_chol(work, S, d) != FM_OK)
    return fm_case_err(e, FM_ENOTPD, origin, path,
                       "not positive definite (component %zu): its Cholesky factorisation fails",
                       k);
  /* Store the symmetric part: the Cholesky route reads one triangle, the
   * MPFR twin the whole matrix, and they must see the same S.  (Exactly
   * symmetric input is unchanged: a + (a - a)/2 = a.) */
  for (size_t i = 0; i < d; i++)
    for (size_t c = i + 1; c < d; c++)
      S[i * d + c] = S[c * d + i] = S[i * d + c] + 0.5 * (S[c * d + i] - S[i * d + c]);
  return FM_OK;
}

/* Exactly one of cov, var, diag -> the full d x d covariance S. */
static int fm_case_parse_covariance(double *S, double *work, size_t d, size_t k,
                                    const json_t *cj, const char *origin, const char *path,
                                    fm_errmsg *e)
{
  static const char *const forms[] = {"cov", "var", "diag"};
  const json_t *f[3];
  int nf = 0, which = 0;
  for (int i = 0; i < 3; i++) {
    f[i] = json_object_get(cj, forms[i]);
    if (f[i] != NULL) {
      if (nf == 1)
        return fm_case_err(e, FM_EINVAL, origin, path,
                           "has both %s and %s; give exactly one of cov, var, diag",
                           forms[which], forms[i]);
      nf++;
      which = i;
    }
  }
  if (nf == 0)
    return fm_case_err(e, FM_EINVAL, origin, path,
                       "needs a covariance: exactly one of cov, var, diag");
  char fp[FM_CASE_PATHLEN];
  fm_case_path(fp, path, forms[which]);
  if (which == 0)
    return fm_case_parse_cov(S, work, d, k, f[0], origin, fp, e);
  memset(S, 0, d * d * sizeof *S);
  if (which == 1) {
    double var;
    int st = fm_case_get_number(&var, f[1], origin, fp, e);
    if (st != FM_OK)
      return st;
    if (!(var > 0.0))
      return fm_case_err(e, FM_EINVAL, origin, fp, "must be positive (got %.17g)", var);
    for (size_t i = 0; i < d; i++)
      S[i * d + i] = var;
    return FM_OK;
  }
  int st = fm_case_parse_vector(work, d, 1, f[2], origin, fp, e);
  for (size_t i = 0; st == FM_OK && i < d; i++)
    S[i * d + i] = work[i];
  /* Each entry is positive, but a ratio like [1, 1e-13] is as singular
   * numerically as a full cov with those eigenvalues.  (var is one
   * eigenvalue, so its ratio is 1.) */
  return st == FM_OK ? fm_case_check_conditioning(S, work, d, k, origin, fp, e) : st;
}

/* data.components[k] -> weight, mean and covariance of component k. */
static int fm_case_parse_component(fm_gmm *g, size_t k, const json_t *cj,
                                   const char *origin, const char *path, fm_errmsg *e)
{
  static const char *const keys[] = {"weight", "mean", "cov", "var", "diag", NULL};
  size_t d = g->d;
  if (!json_is_object(cj))
    return fm_case_err(e, FM_EINVAL, origin, path,
                       "must be an object {weight, mean, cov|var|diag}, not %s",
                       fm_case_json_kind(cj));
  int st = fm_case_check_keys(cj, keys, origin, path, e);
  if (st != FM_OK)
    return st;
  char kp[FM_CASE_PATHLEN];
  fm_case_path(kp, path, "weight");
  const json_t *w = json_object_get(cj, "weight");
  if (w == NULL)
    return fm_case_err(e, FM_EINVAL, origin, kp, "required key missing");
  st = fm_case_get_number(&g->w[k], w, origin, kp, e);
  if (st != FM_OK)
    return st;
  if (!(g->w[k] > 0.0))
    return fm_case_err(e, FM_EINVAL, origin, kp, "must be positive (got %.17g)", g->w[k]);
  fm_case_path(kp, path, "mean");
  const json_t *m = json_object_get(cj, "mean");
  if (m == NULL)
    return fm_case_err(e, FM_EINVAL, origin, kp, "required key missing");
  st = fm_case_parse_vector(g->mean + k * d, d, 0, m, origin, kp, e);
  if (st != FM_OK)
    return st;
  /* g->chol is scratch here; fm_gmm_finalize overwrites it. */
  return fm_case_parse_covariance(g->cov + k * d * d, g->chol + k * d * d, d, k, cj, origin,
                                  path, e);
}

/* data.type and data.dim. */
static int fm_case_parse_header(size_t *d, const json_t *data, const char *origin,
                                const char *path, fm_errmsg *e)
{
  char kp[FM_CASE_PATHLEN];
  const char *type;
  fm_case_path(kp, path, "type");
  const json_t *t = json_object_get(data, "type");
  if (t == NULL)
    return fm_case_err(e, FM_EINVAL, origin, kp, "required key missing (the only type is \"gmm\")");
  int st = fm_case_get_string(&type, t, origin, kp, e);
  if (st != FM_OK)
    return st;
  if (strcmp(type, "gmm") != 0)
    return fm_case_err(e, FM_EINVAL, origin, kp,
                       "unknown data type \"%.64s\" (the only type is \"gmm\")", type);
  fm_case_path(kp, path, "dim");
  const json_t *dj = json_object_get(data, "dim");
  if (dj == NULL)
    return fm_case_err(e, FM_EINVAL, origin, kp, "required key missing");
  long long dim;
  st = fm_case_get_integer(&dim, dj, 1, FM_CASE_MAXDIM, origin, kp, e);
  *d = (size_t)dim;
  return st;
}

/* The non-empty components array, with a bound on the storage it implies. */
static int fm_case_components(const json_t **comps, size_t d, const json_t *data,
                              const char *origin, const char *path, fm_errmsg *e)
{
  char kp[FM_CASE_PATHLEN];
  fm_case_path(kp, path, "components");
  const json_t *c = json_object_get(data, "components");
  if (c == NULL)
    return fm_case_err(e, FM_EINVAL, origin, kp, "required key missing");
  if (!json_is_array(c) || json_array_size(c) == 0)
    return fm_case_err(e, FM_EINVAL, origin, kp, "must be a non-empty array of components%s%s",
                       json_is_array(c) ? "; it is empty" : ", not ",
                       json_is_array(c) ? "" : fm_case_json_kind(c));
  /* before any covariance is allocated: storage K d^2, work K d^3 */
  double K = (double)json_array_size(c), dd = (double)d;
  if (K > FM_LIMIT_COMPONENTS)
    return fm_case_err(e, FM_EINVAL, origin, kp,
                       "%.0f components, over the limit of %d (every evaluation visits "
                       "each)", K, FM_LIMIT_COMPONENTS);
  if (K * dd * dd > FM_LIMIT_COV_ENTRIES)
    return fm_case_err(e, FM_EINVAL, origin, kp,
                       "%.0f components in dimension %zu exceed the storage limit: K dim^2 = "
                       "%.4g > %.0f (%.0f MiB per covariance array)", K, d, K * dd * dd,
                       FM_LIMIT_COV_ENTRIES, FM_LIMIT_COV_ENTRIES * 8 / 1048576);
  if (K * dd * dd * dd > FM_LIMIT_CASE_WORK)
    return fm_case_err(e, FM_EINVAL, origin, kp,
                       "%.0f components in dimension %zu exceed the work limit: K dim^3 = "
                       "%.4g > %.0f (each evaluation would refactor every covariance, "
                       "seconds per point)", K, d, K * dd * dd * dd, FM_LIMIT_CASE_WORK);
  *comps = c;
  return FM_OK;
}

/* Weights are positive (checked per component); normalise them through
 * fm_gmm_finalize and record a warning when they did not sum to 1. */
static int fm_case_finalize(fm_gmm *g, int *renormalised, char *warning, size_t wlen,
                            const char *origin, const char *path, fm_errmsg *e)
{
  char kp[FM_CASE_PATHLEN];
  fm_case_path(kp, path, "components");
  double sum = 0.0;
  for (size_t k = 0; k < g->K; k++)
    sum += g->w[k];
  if (!isfinite(sum))
    return fm_case_err(e, FM_ENONFIN, origin, kp, "the weights sum to %g", sum);
  int st = fm_gmm_finalize(g, renormalised, e);
  if (st != FM_OK) {
    fm_errmsg_prefix(e, "%s: %s: ", origin, kp);
    return st;
  }
  /* The warning is informative only: a long origin may cut it short. */
  if (*renormalised &&
      snprintf(warning, wlen, "%s: %s: the weights sum to %.17g, not 1; normalised", origin,
               kp, sum) >= (int)wlen)
    warning[wlen - 1] = '\0';
  return FM_OK;
}

static int fm_case_parse_gmm(fm_gmm **gout, int *renormalised, char *warning, size_t wlen,
                             const json_t *data, const char *origin, const char *path,
                             fm_errmsg *e)
{
  static const char *const keys[] = {"type", "dim", "components", NULL};
  if (!json_is_object(data))
    return fm_case_err(e, FM_EINVAL, origin, path,
                       "must be an object {type, dim, components}, not %s",
                       fm_case_json_kind(data));
  size_t d = 0;
  const json_t *comps = NULL;
  int st = fm_case_check_keys(data, keys, origin, path, e);
  if (st == FM_OK)
    st = fm_case_parse_header(&d, data, origin, path, e);
  if (st == FM_OK)
    st = fm_case_components(&comps, d, data, origin, path, e);
  if (st != FM_OK)
    return st;
  fm_gmm *g;
  st = fm_gmm_alloc(&g, d, json_array_size(comps));
  if (st != FM_OK)
    return fm_case_err(e, st, origin, path, "cannot allocate the mixture (%s)",
                       fm_strerror(st));
  for (size_t k = 0; st == FM_OK && k < g->K; k++) {
    char cp[FM_CASE_PATHLEN];
    fm_case_path_index(cp, path, "components", k);
    st = fm_case_parse_component(g, k, json_array_get(comps, k), origin, cp, e);
  }
  if (st == FM_OK)
    st = fm_case_finalize(g, renormalised, warning, wlen, origin, path, e);
  if (st != FM_OK) {
    fm_gmm_free(g);
    return st;
  }
  *gout = g;
  return FM_OK;
}

/* ---------------------------------------------------------------- top level */

static int fm_case_dup_string(char **dst, const json_t *root, const char *key, int required,
                              const char *origin, fm_errmsg *e)
{
  const json_t *j = json_object_get(root, key);
  const char *s;
  if (j == NULL)
    return required ? fm_case_err(e, FM_EINVAL, origin, key, "required key missing") : FM_OK;
  int st = fm_case_get_string(&s, j, origin, key, e);
  if (st != FM_OK)
    return st;
  if (required && s[0] == '\0')
    return fm_case_err(e, FM_EINVAL, origin, key, "must not be empty");
  /* the name is printed in tables and file names: no terminal controls */
  for (const unsigned char *p = (const unsigned char *)s; required && *p != '\0'; p++)
    if (*p < 0x20 || *p == 0x7f)
      return fm_case_err(e, FM_EINVAL, origin, key, "contains the control character 0x%02x "
                         "at byte %zu", *p, (size_t)(p - (const unsigned char *)s));
  *dst = strdup(s);
  if (*dst == NULL)
    return fm_case_err(e, FM_ENOMEM, origin, key, "out of memory");
  return FM_OK;
}

static int fm_case_parse_seed(uint64_t *seed, const json_t *root, const char *origin,
                              fm_errmsg *e)
{
  const json_t *j = json_object_get(root, "seed");
  long long v;
  *seed = 1;
  if (j == NULL)
    return FM_OK;
  int st = fm_case_get_integer(&v, j, 0, LLONG_MAX, origin, "seed", e);
  if (st == FM_OK)
    *seed = (uint64_t)v;
  return st;
}

static int fm_case_parse_required(fm_case *c, const json_t *root, const char *basedir,
                                  fm_errmsg *e)
{
  const json_t *data = json_object_get(root, "data");
  const json_t *sched = json_object_get(root, "schedule");
  if (data == NULL)
    return fm_case_err(e, FM_EINVAL, c->origin, "data", "required key missing");
  int st = fm_case_parse_gmm(&c->gmm, &c->renormalised, c->warning, sizeof c->warning, data,
                             c->origin, "data", e);
  if (st != FM_OK)
    return st;
  if (sched == NULL)
    return fm_case_err(e, FM_EINVAL, c->origin, "schedule", "required key missing");
  return fm_case_parse_schedule(&c->sched, sched, c->origin, "schedule", basedir, e);
}

static int fm_case_from_json(fm_case **out, const json_t *root, const char *origin,
                             const char *basedir, fm_errmsg *e)
{
  static const char *const keys[] = {"name",        "data",       "schedule", "seed",
                                     "description", "provenance", NULL};
  if (!json_is_object(root))
    return fm_case_err(e, FM_EINVAL, origin, NULL,
                       "the top-level value must be an object {name, data, schedule}, not %s",
                       fm_case_json_kind(root));
  int st = fm_case_check_keys(root, keys, origin, NULL, e);
  if (st != FM_OK)
    return st;
  fm_case *c = calloc(1, sizeof *c);
  if (c == NULL || (c->origin = strdup(origin)) == NULL) {
    free(c);
    return fm_errmsg_set(e, FM_ENOMEM, "%s: out of memory", origin);
  }
  st = fm_case_dup_string(&c->name, root, "name", 1, origin, e);
  if (st == FM_OK)
    st = fm_case_dup_string(&c->description, root, "description", 0, origin, e);
  if (st == FM_OK)
    st = fm_case_dup_string(&c->provenance, root, "provenance", 0, origin, e);
  if (st == FM_OK)
    st = fm_case_parse_seed(&c->seed, root, origin, e);
  if (st == FM_OK)
    st = fm_case_parse_required(c, root, basedir, e);
  if (st != FM_OK) {
    fm_case_free(c);
    return st;
  }
  *out = c;
  return FM_OK;
}

/* ------------------------------------------------------------ text and files */

/* The token of buf around byte offset pos (jansson's error position lies
 * inside or just after the offending token). */
static size_t fm_case_token_at(const char *buf, size_t len, size_t pos, const char **tok)
{
  size_t a = pos < len ? pos : len, b;
#define FM_TOKCH(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || \
                     ((c) >= '0' && (c) <= '9') || (c) == '+' || (c) == '-' || (c) == '.')
  while (a > 0 && FM_TOKCH(buf[a - 1]))
    a--;
  for (b = a; b < len && FM_TOKCH(buf[b]); b++)
    ;
#undef FM_TOKCH
  *tok = buf + a;
  return b - a;
}

/* jansson's own words plus a hint for the two mistakes people make most:
 * NaN/Infinity (not JSON, but what printf writes for them) and numbers
 * beyond the double range. */
static const char *fm_case_syntax_hint(const json_error_t *je, const char *buf, size_t len)
{
  if (strstr(je->text, "real number overflow") != NULL)
    return " (the number does not fit in a double; every number must be finite)";
  if (strstr(je->text, "too big integer") != NULL)
    return " (integers must fit in 64 bits)";
  const char *tok;
  size_t n = fm_case_token_at(buf, len, (size_t)je->position, &tok);
  if (n > 0 && (*tok == '-' || *tok == '+')) {
    tok++;
    n--;
  }
  char low[4] = {0};
  for (size_t i = 0; i < 3 && i < n; i++)
    low[i] = (char)(tok[i] | 0x20);
  if (strcmp(low, "nan") == 0 || strcmp(low, "inf") == 0)
    return " (JSON has no NaN or Infinity; every number must be finite)";
  return "";
}

static int fm_case_load_buffer(fm_case **c, const char *buf, size_t len, const char *origin,
                               const char *basedir, fm_errmsg *e)
{
  json_error_t je;
  json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL)
    return fm_errmsg_set(e, FM_EPARSE, "%s:%d:%d: %s%s", origin, je.line, je.column, je.text,
                         fm_case_syntax_hint(&je, buf, len));
  int st = fm_case_from_json(c, root, origin, basedir, e);
  json_decref(root);
  return st;
}

int fm_case_load_string(fm_case **c, const char *json, const char *origin,
                        const char *basedir, fm_errmsg *e)
{
  if (origin == NULL)
    origin = "<string>";
  if (json == NULL)
    return fm_errmsg_set(e, FM_EINVAL, "%s: no JSON text", origin);
  return fm_case_load_buffer(c, json, strlen(json), origin, basedir, e);
}

/* The whole file in memory (so that a directory or a read error is reported
 * as such, not as a JSON syntax error at 1:0); fileio.h refuses what is not
 * a regular file or is over FM_LIMIT_CASE_BYTES before reading. */
static int fm_case_read_file(char **buf, size_t *len, const char *path, fm_errmsg *e)
{
  return fm_file_read_all(buf, len, path, FM_LIMIT_CASE_BYTES, "case file", e);
}

/* Directory part of path ("a/b/c.json" -> "a/b", "/c.json" -> "/"), or NULL
 * for a bare file name (relative paths then resolve against the current
 * directory, which is that file's directory). */
static char *fm_case_dirname(const char *path)
{
  const char *slash = strrchr(path, '/');
  if (slash == NULL)
    return NULL;
  size_t n = slash == path ? 1 : (size_t)(slash - path);
  char *d = malloc(n + 1);
  if (d != NULL) {
    memcpy(d, path, n);
    d[n] = '\0';
  }
  return d;
}

int fm_case_load_file(fm_case **c, const char *path, fm_errmsg *e)
{
  char *buf = NULL;
  size_t len = 0;
  int st = fm_case_read_file(&buf, &len, path, e);
  if (st != FM_OK)
    return st;
  char *dir = fm_case_dirname(path);
  if (dir == NULL && strchr(path, '/') != NULL)
    st = fm_errmsg_set(e, FM_ENOMEM, "%s: out of memory", path);
  else
    st = fm_case_load_buffer(c, buf, len, path, dir, e);
  free(dir);
  free(buf);
  return st;
}

void fm_case_free(fm_case *c)
{
  if (c == NULL)
    return;
  free(c->name);
  free(c->description);
  free(c->provenance);
  free(c->origin);
  fm_gmm_free(c->gmm);
  fm_schedule_free(c->sched);
  free(c);
}
