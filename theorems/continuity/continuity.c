/* continuity.c -- theorem `continuity` (theorems/README.md): the marginal path and the
 * marginal field satisfy the continuity equation
 *     d/dt p_t(x) + div(p_t u_t)(x) = 0,   div(p u) = p div u + u.grad p,
 * equivalently (divide by p > 0; grad p = p grad log p) the log form
 *     d/dt log p_t(x) + u_t(x).grad log p_t(x) + div u_t(x) = 0.
 *
 * The candidate is the field: u from fm_gmm_path_eval with its divergence in
 * closed form (gmm_post.h: div u = alpha' alpha sum gamma tau1 + sigma sigma'
 * sum gamma tau0 + V), or a negative control.  The density p_t and its score
 * are always the true ones (the field is what a sampler integrates).  Points:
 * fm_pointset (typical, t within 2e-6 of either end, tails 50 std out).
 * eps = DBL_EPSILON (twice the unit roundoff).
 *
 * Routes (each derivation is in the file of its route):
 *   1 log form, double: D = d/dt log p by Richardson central differences in
 *     t at tc (t on the 2^-40 grid, steps <= a quarter of the radius of
 *     analyticity); R = D + u.s + div u,
 *         tol = err + 2 delta/h_fin + tol_an
 *     (fm_fdiff's estimate, the error delta of one log p through the finest
 *     step: continuity_fd.c; the error of the analytic terms:
 *     continuity_field.c).  The statistic is max |R|/tol (tol 1).  The
 *     observed order of the raw central differences is reported: min/median
 *     over the points; a median outside 2 +- 0.5 gives WARN.
 *   2 density form, double: the same with f = p_t(x)/p_tc(x),
 *         tol = err + 2 (delta + 2 eps) f_max / h_fin + delta |D_f| + tol_an
 *     (continuity_fd.c).
 *   3 div u: closed form vs Richardson central differences in x,
 *         tol = sum_j err_j + 2 d (2 B_u)/h_fin,x + e_div
 *     (continuity_field.c).
 *   4 the whole residual in MPFR at max(o->prec, 256) bits on the first 4
 *     points (2 for d >= 8), h = 1e-20 and one Richardson step: pass iff
 *     |R| <= 1e-40 of its terms (continuity_mp.c); n/a, said in the note,
 *     for schedules without an MPFR twin.
 *
 * Mutants: 1 "prior weights in place of posterior weights in u" (u_w =
 * sum w_k (alpha' mu_k + sigma sigma' z_k) with its own divergence; n/a for
 * one component); 2 "sigma' off by 1%" (field and divergence); 3 "time run
 * backwards" (the field of the reversed path, alpha_{1-t}, sigma_{1-t} with
 * chain-rule derivatives: what a sampler started at the wrong end follows);
 * 4 "divergence missing" (div u dropped from the residual and from route 3).
 * For the true statement the note gives the smallest relative sigma'
 * perturbation (1e-14 .. 1e-2 by decades, first 10 points) route 1 detects.
 */
#include "theorems.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "continuity_impl.h"
#include "perturb.h"
#include "worst.h"

#define FM_CT_ORDER_BAND 0.5
#define FM_CT_MP_TOL 1e-40
#define FM_CT_MP_MINPREC 256
#define FM_CT_MP_POINTS 4
#define FM_CT_MP_POINTS_HIGHD 2
#define FM_CT_HIGHD 8
#define FM_CT_SCAN_POINTS 10

enum { FM_CT_TRUE, FM_CT_PRIOR_W, FM_CT_SIGMA_OFF, FM_CT_REVERSED, FM_CT_NO_DIV };
enum { FM_CT_R_LOG, FM_CT_R_DENS, FM_CT_R_DIV, FM_CT_R_MP, FM_CT_NR };

static const char *const fm_ct_mutants[] = {
    "prior weights in place of posterior weights in u",
    "sigma' off by 1%",
    "time run backwards",
    "divergence missing",
    NULL,
};

static const fm_route_id fm_ct_route_ids[FM_CT_NR] = {
    FM_R_CT_LOG, FM_R_CT_DENS, FM_R_CT_DIV, FM_R_CT_MP,
};

/* ------------------------- bookkeeping ------------------------- */

typedef struct {
  fm_worst w[FM_CT_NR];
  double relres, mp_raw;
  size_t n_mp;
  long prec;
} fm_ct_stats;

static void fm_ct_stat_add(fm_ct_stats *s, int r, double value, double tol, size_t i)
{
  /* a NaN is recorded as an infinite value (printed "inf": no number) */
  fm_worst_add(&s->w[r], isnan(value) ? INFINITY : value, tol, i);
}

/* Routes 1 and 2 for candidate k over the first n points (refs given). */
static int fm_ct_routes_fd(fm_ct_stats *s, fm_ct_work *w, const fm_ct_cand *k,
                           const fm_ct_ref *ref, const fm_pointset *ps, size_t n,
                           double *relD)
{
  int st = FM_OK;
  s->relres = 0.0;
  for (size_t i = 0; i < n && st == FM_OK; i++) {
    fm_ct_tr tr;
    st = fm_ct_transport(&tr, w, k, ref[i].tc, ps->x + i * w->d, ref[i].es);
    if (st != FM_OK)
      break;
    double R = ref[i].D + tr.val, Rd = ref[i].Dd + tr.val;
    fm_ct_stat_add(s, FM_CT_R_LOG, fabs(R) / (ref[i].tol_fd + tr.tol), 1.0, i);
    fm_ct_stat_add(s, FM_CT_R_DENS, fabs(Rd) / (ref[i].tol_fdd + tr.tol), 1.0, i);
    double rel = fabs(R) / (fabs(ref[i].D) + tr.mag);
    s->relres = isnan(rel) || rel > s->relres ? rel : s->relres;
    if (relD != NULL)
      relD[i] = fabs(ref[i].D) > 0.0 ? fabs(R) / fabs(ref[i].D) : NAN;
  }
  return st;
}

static int fm_ct_routes_div(fm_ct_stats *s, fm_ct_work *w, const fm_ct_cand *k,
                            fm_ct_ref *ref, const fm_pointset *ps)
{
  int st = FM_OK;
  for (size_t i = 0; i < ps->n && st == FM_OK; i++) {
    double val, tol;
    st = fm_ct_route_div(&val, &tol, w, k, &ref[i], ps, i);
    if (st == FM_OK)
      fm_ct_stat_add(s, FM_CT_R_DIV, val, tol, i);
  }
  return st;
}

/* Route 4 on the first few points; FM_ENOTAVAIL when the schedule has no
 * MPFR twin. */
static int fm_ct_routes_mp(fm_ct_stats *s, const fm_case *c, const fm_ct_cand *k,
                           const fm_ct_ref *ref, const fm_pointset *ps, mpfr_prec_t prec)
{
  fm_ct_mp *m;
  int st = fm_ct_mp_alloc(&m, c, prec, k->prior);
  if (st != FM_OK)
    return st;
  size_t n = c->gmm->d >= FM_CT_HIGHD ? FM_CT_MP_POINTS_HIGHD : FM_CT_MP_POINTS;
  n = n < ps->n ? n : ps->n;
  s->mp_raw = 0.0;
  for (size_t i = 0; i < n && st == FM_OK; i++) {
    double rel, raw;
    st = fm_ct_mp_point(&rel, &raw, m, k, ps, i, ref[i].ell);
    if (st == FM_OK) {
      fm_ct_stat_add(s, FM_CT_R_MP, rel, FM_CT_MP_TOL, i);
      s->mp_raw = fmax(s->mp_raw, raw);
    }
  }
  s->n_mp = n;
  s->prec = (long)prec;
  fm_ct_mp_free(m);
  return st;
}

static void fm_ct_note_order(fm_verdict *v, const fm_ct_ref *ref, size_t n)
{
  double *o = malloc(n * sizeof *o), omin, omed;
  if (o == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    o[i] = ref[i].order;
  size_t m = fm_min_median(&omin, &omed, o, n);
  free(o);
  if (m == 0) {
    fm_verdict_notef(v, "FD observed order: differences at round-off everywhere");
    return;
  }
  fm_verdict_notef(v, "FD observed order in t min %.2f median %.2f (%zu/%zu points above "
                      "round-off; 2 expected)", omin, omed, m, n);
  fm_verdict_fact(v, FM_F_FD_ORDER_MIN, NULL, omin);
  fm_verdict_fact(v, FM_F_FD_ORDER_MEDIAN, NULL, omed);
  if (fabs(omed - 2.0) > FM_CT_ORDER_BAND) {
    fm_verdict_notef(v, "warning: median observed order off 2 by more than %.1f",
                     FM_CT_ORDER_BAND);
    fm_verdict_warn(v);
  }
}

/* Smallest relative sigma' perturbation route 1 detects (first 10 points). */
static int fm_ct_scan(fm_verdict *v, fm_ct_work *w, const fm_ct_ref *ref,
                      const fm_pointset *ps)
{
  size_t n = ps->n < FM_CT_SCAN_POINTS ? ps->n : FM_CT_SCAN_POINTS;
  for (int e = -14; e <= -2; e++) {
    fm_ct_cand k = {1.0 + pow(10.0, e), 0, 0, 1};
    fm_ct_stats s;
    memset(&s, 0, sizeof s);
    int st = fm_ct_routes_fd(&s, w, &k, ref, ps, n, NULL);
    if (st != FM_OK)
      return st;
    if (s.w[FM_CT_R_LOG].value > 1.0) {
      fm_verdict_notef(v, "smallest sigma' perturbation detected (of 1e-14..1e-2): "
                          "log form %.0e", pow(10.0, e));
      fm_verdict_fact(v, FM_F_DETECTED, "log form", fm_perturb_decades[e + 14]);
      return FM_OK;
    }
  }
  fm_verdict_notef(v, "smallest sigma' perturbation detected (of 1e-14..1e-2): none");
  fm_verdict_fact(v, FM_F_DETECTED, "log form", INFINITY);
  return FM_OK;
}

static void fm_ct_record(fm_verdict *v, const fm_ct_stats *s, const fm_pointset *ps)
{
  for (int r = 0; r < FM_CT_NR; r++) {
    if (!s->w[r].have)
      continue;
    char where[256];
    fm_point_describe(where, sizeof where, ps, s->w[r].at);
    fm_verdict_route(v, fm_ct_route_ids[r], s->w[r].value, s->w[r].tol, 0.0, where);
  }
}

static void fm_ct_note_rel(fm_verdict *v, const fm_ct_stats *s, const double *relD,
                           size_t n)
{
  double mn, med;
  fm_verdict_notef(v, "largest log-form residual relative to its terms %.3g", s->relres);
  if (fm_min_median(&mn, &med, relD, n) > 0)
    fm_verdict_notef(v, "median |residual|/|d/dt log p| %.3g", med);
  if (s->w[FM_CT_R_MP].have)
    fm_verdict_notef(v, "MPFR (%ld bits) on %zu points at h = 1e-20: the plain central "
                        "difference would leave %.2g of the terms (hence one Richardson "
                        "step)", s->prec, s->n_mp, s->mp_raw);
}

static int fm_ct_run(fm_verdict *v, fm_ct_work *w, const fm_case *c, const fm_ct_cand *k,
                     const fm_pointset *ps, const fm_check_opts *o, int truth)
{
  fm_ct_ref *ref = calloc(ps->n, sizeof *ref);
  double *relD = calloc(ps->n, sizeof *relD);
  fm_ct_stats s;
  memset(&s, 0, sizeof s);
  int st = ref && relD ? FM_OK : FM_ENOMEM;
  for (size_t i = 0; i < ps->n && st == FM_OK; i++)
    st = fm_ct_ref_fd(&ref[i], w, ps, i);
  st = st ? st : fm_ct_routes_fd(&s, w, k, ref, ps, ps->n, relD);
  st = st ? st : fm_ct_routes_div(&s, w, k, ref, ps);
  mpfr_prec_t prec = o->prec > FM_CT_MP_MINPREC ? (mpfr_prec_t)o->prec : FM_CT_MP_MINPREC;
  int stmp = st ? st : fm_ct_routes_mp(&s, c, k, ref, ps, prec);
  if (stmp != FM_ENOTAVAIL)
    st = stmp;
  if (st == FM_OK) {
    fm_ct_record(v, &s, ps);
    if (stmp == FM_ENOTAVAIL) {
      fm_verdict_notef(v, "MPFR route n/a: schedule %s has no MPFR twin",
                       fm_schedule_type_name(c->sched));
      fm_verdict_fact(v, FM_F_NO_MP_TWIN, NULL, 1.0);
    }
    fm_ct_note_rel(v, &s, relD, ps->n);
    fm_ct_note_order(v, ref, ps->n);
    if (truth)
      st = fm_ct_scan(v, w, ref, ps);
  }
  free(ref);
  free(relD);
  return st;
}

static int fm_continuity_check(fm_verdict *v, const fm_case *c, const fm_check_opts *o,
                               int mutant)
{
  if (mutant == FM_CT_PRIOR_W && c->gmm->K == 1) {
    fm_verdict_na(v, "one component: prior and posterior weights coincide");
    return FM_OK;
  }
  fm_ct_cand k = {mutant == FM_CT_SIGMA_OFF ? 1.01 : 1.0, mutant == FM_CT_REVERSED,
                  mutant == FM_CT_PRIOR_W, mutant != FM_CT_NO_DIV};
  fm_pointset *ps;
  int st = fm_pointset_make(&ps, c, fm_check_seed(o, c), fm_check_npoints(o));
  if (st != FM_OK)
    return st;
  fm_ct_work w;
  st = fm_ct_work_alloc(&w, c);
  if (st == FM_OK) {
    st = fm_ct_run(v, &w, c, &k, ps, o, mutant == FM_CT_TRUE);
    fm_ct_work_free(&w);
  }
  fm_pointset_free(ps);
  return st;
}

const fm_theorem fm_thm_continuity = {
    "continuity",
    "d/dt p_t(x) + div(p_t u_t)(x) = 0 for the marginal path and field, "
    "equivalently d/dt log p_t + u_t.grad log p_t + div u_t = 0",
    fm_continuity_check,
    fm_ct_mutants,
};
