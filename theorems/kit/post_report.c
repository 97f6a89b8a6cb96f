/* post_report.c -- summaries and the verdict of the posterior-expectation
 * check (post_routes.h: the decision rules): which points decide, each
 * route's statistic and worst point, the smallest perturbation of the
 * candidate each route detects, and the notes. */
#include "post_routes_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const fm_route_id fm_post_route_ids[FM_POST_NR] = {
    FM_R_POST_QUAD, FM_R_POST_PLAIN, FM_R_POST_IS,
};

/* MC route r decides at point i iff both the sample ESS and the population
 * ESS are >= FM_POST_ESS_MIN (see fm_post_population_ess). */
static int fm_post_mc_decides(const fm_post_work *w, int r, size_t i)
{
  return w->ess[r][i] >= FM_POST_ESS_MIN && w->essp[r][i] >= FM_POST_ESS_MIN &&
         (r != 0 || w->skew[i] <= FM_POST_SKEW_MAX);
}

double fm_post_quad_stat(const fm_post_work *w, const double *cand, double factor,
                         size_t *worst)
{
  double s = -INFINITY;
  for (size_t i = 0; i < w->n; i++) {
    if (w->qdec[i] != 1)
      continue;
    for (size_t j = 0; j < w->d; j++) {
      double e = fabs(w->Q[i * w->d + j] - factor * cand[i * w->d + j]) / w->tolq[i];
      if (isnan(e))
        e = INFINITY;
      if (e > s) {
        s = e;
        if (worst)
          *worst = i;
      }
    }
  }
  return s;
}

/* The estimate moved toward ex by the rounding allowance r (post_routes.h):
 * ex itself when they differ by no more than r. */
static double fm_post_shrink(double est, double ex, double r)
{
  double diff = est - ex, excess = fabs(diff) - r;
  return excess > 0.0 ? ex + copysign(excess, diff) : ex;
}

/* z-test of MC route r over the points with ESS >= FM_POST_ESS_MIN; the
 * candidate scaled by factor.  Returns the number of deciding points. */
size_t fm_post_mc_ztest(fm_ztest *z, const fm_post_work *w, int r, const double *cand,
                        double factor, size_t *worst)
{
  size_t d = w->d, m = 0, npt = 0;
  double *est = malloc(3 * w->nmc * d * sizeof *est);
  if (est == NULL)
    return 0;
  double *se = est + w->nmc * d, *ex = se + w->nmc * d;
  size_t *pt = malloc(w->nmc * d * sizeof *pt);
  if (pt == NULL) {
    free(est);
    return 0;
  }
  for (size_t i = 0; i < w->nmc; i++) {
    if (!fm_post_mc_decides(w, r, i))
      continue;
    npt++;
    for (size_t j = 0; j < d; j++, m++) {
      se[m] = w->se[r][i * d + j];
      ex[m] = factor * cand[i * d + j];
      est[m] = fm_post_shrink(w->est[r][i * d + j], ex[m], w->rnd[i]);
      pt[m] = i;
    }
  }
  if (m > 0 && fm_mc_ztest(z, est, se, ex, m, FM_POST_ALPHA) == FM_OK && worst)
    *worst = pt[z->imax];
  if (m == 0)
    npt = 0;
  free(est);
  free(pt);
  return npt;
}

/* Smallest relative perturbation 10^-k (k = 14 .. 1) of the candidate that
 * makes the route fail; NAN if none. */
static double fm_post_detect(const fm_post_work *w, int route)
{
  for (int k = 14; k >= 1; k--) {
    double f = 1.0 + pow(10.0, -k);
    if (route == FM_POST_R_QUAD) {
      if (fm_post_quad_stat(w, w->cand, f, NULL) > 1.0)
        return pow(10.0, -k);
    } else {
      fm_ztest z;
      if (fm_post_mc_ztest(&z, w, route - 1, w->mcand, f, NULL) > 0 && z.zmax > z.zcrit)
        return pow(10.0, -k);
    }
  }
  return NAN;
}

void fm_post_summarise(fm_post_report *rep, const fm_post_work *w)
{
  memset(rep, 0, sizeof *rep);
  rep->gh_n = w->gh_n;
  rep->mc_n = w->N;
  rep->quad_name = w->d <= 3 ? "Q-GH" : "Q-post";
  fm_post_route_rep *q = &rep->r[FM_POST_R_QUAD];
  *q = (fm_post_route_rep){.used = 1, .npoints = w->n, .tol = 1.0, .t_undecided_min = INFINITY};
  for (size_t i = 0; i < w->n; i++) {
    q->ndecided += w->qdec[i] == 1;
    if (w->qdec[i] != 1)
      q->t_undecided_min = fmin(q->t_undecided_min, w->ps->t[i]);
  }
  q->stat = fm_post_quad_stat(w, w->cand, 1.0, &q->worst);
  q->detect_rel = fm_post_detect(w, FM_POST_R_QUAD);
  for (int r = 0; r < 2; r++) {
    fm_post_route_rep *m = &rep->r[FM_POST_R_PLAIN + r];
    *m = (fm_post_route_rep){.used = 1, .npoints = w->nmc, .t_undecided_min = INFINITY};
    fm_min_median(&m->ess_min, &m->ess_med, w->ess[r], w->nmc);
    for (size_t i = 0; i < w->nmc; i++)
      if (!fm_post_mc_decides(w, r, i))
        m->t_undecided_min = fmin(m->t_undecided_min, w->ps->t[i]);
    m->ndecided = fm_post_mc_ztest(&m->z, w, r, w->mcand, 1.0, &m->worst);
    m->stat = m->ndecided ? m->z.zmax : NAN;
    m->tol = m->ndecided ? m->z.zcrit : NAN;
    m->detect_rel = fm_post_detect(w, FM_POST_R_PLAIN + r);
  }
}

/* "near1 2, tail 4" for the points i < n where sel[i] holds. */
static void fm_post_kinds(char *buf, size_t len, const fm_pointset *ps, const int *sel,
                          size_t n)
{
  size_t cnt[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < n; i++)
    if (sel[i])
      cnt[ps->kind[i]]++;
  buf[0] = '\0';
  for (int k = 0; k < 4; k++)
    if (cnt[k] > 0) {
      size_t l = strlen(buf);
      snprintf(buf + l, len - l, "%s%s %zu", l ? ", " : "", fm_point_kind_name(k), cnt[k]);
    }
}

/* The same counts as facts "undecided.<route key>.<kind>". */
static void fm_post_kind_facts(fm_verdict *v, fm_route_id id, const fm_pointset *ps,
                               const int *sel, size_t n)
{
  size_t cnt[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < n; i++)
    if (sel[i])
      cnt[ps->kind[i]]++;
  for (int k = 0; k < 4; k++)
    if (cnt[k] > 0) {
      char qual[40];
      snprintf(qual, sizeof qual, "%s.%s", fm_route_key(id), fm_point_kind_name(k));
      fm_verdict_fact(v, FM_F_UNDECIDED, qual, (double)cnt[k]);
    }
}

void fm_post_verdict(fm_verdict *v, const fm_post_report *rep, const fm_post_work *w)
{
  char where[256], kinds[128];
  int *sel = malloc(w->n * sizeof *sel);
  if (sel == NULL)
    return;
  const fm_post_route_rep *q = &rep->r[FM_POST_R_QUAD];
  if (q->ndecided > 0) {
    fm_point_describe(where, sizeof where, w->ps, q->worst);
    fm_verdict_route(v, fm_post_route_ids[FM_POST_R_QUAD], q->stat, q->tol, 0.0, where);
  }
  size_t apriori = 0, est = 0;
  for (size_t i = 0; i < w->n; i++) {
    apriori += w->qdec[i] == 0;
    est += w->qdec[i] == -1;
    sel[i] = w->qdec[i] != 1;
  }
  fm_post_kinds(kinds, sizeof kinds, w->ps, sel, w->n);
  if (w->d <= 3)
    fm_verdict_notef(v, "Q-GH prior-centred %zu/%zu nodes per axis: decided %zu/%zu", w->gh_n,
                     2 * w->gh_n, q->ndecided, q->npoints);
  else
    fm_verdict_notef(v, "Q-post posterior-centred 1 vs 2d nodes (exact here): decided %zu/%zu",
                     q->ndecided, q->npoints);
  fm_verdict_fact(v, FM_F_DECIDED, fm_route_key(fm_post_route_ids[FM_POST_R_QUAD]),
                  (double)q->ndecided);
  if (apriori + est > 0) {
    fm_verdict_notef(v,
                     "Q not decisive at %zu (%s): %zu spike of width sigma/alpha unresolved "
                     "or outside the nodes, %zu n-vs-2n estimate > tol -- reported, not failed",
                     apriori + est, kinds, apriori, est);
    fm_verdict_fact(v, FM_F_NA_SPIKE, NULL, (double)apriori);
    fm_post_kind_facts(v, fm_post_route_ids[FM_POST_R_QUAD], w->ps, sel, w->n);
  }
  for (int r = FM_POST_R_PLAIN; r <= FM_POST_R_IS; r++) {
    const fm_post_route_rep *m = &rep->r[r];
    const char *nm = r == FM_POST_R_PLAIN ? "MC-plain" : "MC-IS";
    if (m->ndecided > 0) {
      fm_point_describe(where, sizeof where, w->ps, m->worst);
      fm_verdict_route(v, fm_post_route_ids[r], m->stat, m->tol, 0.0, where);
    }
    double pmin, pmed;
    fm_min_median(&pmin, &pmed, w->essp[r - 1], w->nmc);
    fm_verdict_notef(v, "%s N=%zu: ESS min %.3g med %.3g, population ESS%s min %.3g med %.3g, "
                        "decided %zu/%zu",
                     nm, rep->mc_n, m->ess_min, m->ess_med, r == FM_POST_R_PLAIN ? "" : " bound",
                     pmin, pmed, m->ndecided, m->npoints);
    fm_verdict_fact(v, FM_F_DECIDED, fm_route_key(fm_post_route_ids[r]), (double)m->ndecided);
    for (size_t i = 0; i < w->nmc; i++)
      sel[i] = !fm_post_mc_decides(w, r - 1, i);
    fm_post_kinds(kinds, sizeof kinds, w->ps, sel, w->nmc);
    if (m->ndecided < m->npoints) {
      fm_verdict_notef(v, "%s (population) ESS collapsed (< %g)%s at %zu (%s): not decided there",
                       nm, FM_POST_ESS_MIN, r == FM_POST_R_PLAIN ? " or weights too skewed" : "",
                       m->npoints - m->ndecided, kinds);
      fm_post_kind_facts(v, fm_post_route_ids[r], w->ps, sel, w->nmc);
    }
  }
  fm_verdict_notef(v, "MC z-tests Holm, family level %g per route", FM_POST_ALPHA);
  if (w->mutant == 0)
    fm_verdict_notef(v, "detects closed form x (1+delta) from delta = Q %.0e, plain %.0e, IS %.0e",
                     q->detect_rel, rep->r[FM_POST_R_PLAIN].detect_rel,
                     rep->r[FM_POST_R_IS].detect_rel);
  if (w->mutant == 0)
    for (int r = FM_POST_R_QUAD; r <= FM_POST_R_IS; r++)
      fm_verdict_fact(v, FM_F_DETECT_FROM, fm_route_key(fm_post_route_ids[r]),
                      isnan(rep->r[r].detect_rel) ? INFINITY : rep->r[r].detect_rel);
  free(sel);
}
