/* pointwise_check.c -- the check driver of the pointwise theorems
 * (pointwise_check.h): the point set, the loops over it, the routes on the
 * verdict and the perturbation scan. */
#include "pointwise_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fm_status.h"
#include "perturb.h"

/* What the scan's reruns need. */
typedef struct {
  const fm_ptcheck_spec *spec;
  fm_ptcheck *run;
  void *work;
  size_t nscan;
  size_t route[FM_PTCHECK_MAX_ROUTES]; /* the k-th scanned route */
} fm_ptcheck_scan_ctx;

static int fm_ptcheck_applies(const fm_ptcheck_spec *spec, const void *work, size_t r)
{
  return spec->applies == NULL || spec->applies(work, r);
}

/* The limit route r's worst margin must not exceed (header). */
static double fm_ptcheck_limit(const fm_ptcheck_spec *spec, const void *work, size_t r)
{
  return spec->route_tol != NULL ? spec->route_tol(work, r) : 1.0;
}

static void fm_ptcheck_record(fm_verdict *v, const fm_ptcheck_spec *spec, void *work,
                              const fm_ptcheck *run)
{
  for (size_t r = 0; r < spec->nroutes; r++) {
    const fm_worst *w = &run->w[r];
    if (!fm_ptcheck_applies(spec, work, r))
      continue;
    if (!w->have) {
      if (spec->missing_where != NULL)
        fm_verdict_route(v, spec->routes[r].id, NAN, 1.0, 0.0, spec->missing_where);
      continue;
    }
    char where[256];
    if (spec->where != NULL)
      spec->where(where, sizeof where, work, run, r);
    else if (w->where[0] != '\0')
      snprintf(where, sizeof where, "%s", w->where);
    else
      fm_point_describe(where, sizeof where, run->ps, w->at);
    double tol = spec->route_tol != NULL ? spec->route_tol(work, r) : w->tol;
    fm_verdict_route(v, spec->routes[r].id, w->value, tol, 0.0, where);
  }
}

/* The scan's rerun (perturb.h): the scanned routes on the first points with
 * the input times 1 + e. */
static int fm_ptcheck_fails(int *fails, double e, void *vctx)
{
  fm_ptcheck_scan_ctx *s = vctx;
  const fm_ptcheck_spec *spec = s->spec;
  fm_ptcheck *run = s->run;
  size_t n = run->ps->n < spec->scan_points ? run->ps->n : spec->scan_points;
  memset(run->w, 0, sizeof run->w);
  spec->perturb(s->work, e);
  int st = FM_OK;
  for (size_t i = 0; st == FM_OK && i < n; i++)
    st = spec->point(s->work, run, i);
  for (size_t k = 0; k < s->nscan; k++) {
    size_t r = s->route[k];
    fails[k] = run->w[r].have && run->w[r].margin > fm_ptcheck_limit(spec, s->work, r);
  }
  return st;
}

static int fm_ptcheck_scan(fm_verdict *v, const fm_ptcheck_spec *spec, void *work,
                           fm_ptcheck *run)
{
  fm_ptcheck_scan_ctx s = {spec, run, work, 0, {0}};
  const char *names[FM_PTCHECK_MAX_ROUTES];
  for (size_t r = 0; r < spec->nroutes; r++)
    if (spec->routes[r].scan_name != NULL && fm_ptcheck_applies(spec, work, r)) {
      names[s.nscan] = spec->routes[r].scan_name;
      s.route[s.nscan++] = r;
    }
  double found[FM_PTCHECK_MAX_ROUTES];
  int st = fm_perturb_scan(found, s.nscan, fm_perturb_decades, FM_PERTURB_NDECADES,
                           FM_PERTURB_UP, fm_ptcheck_fails, &s);
  if (st != FM_OK)
    return st;
  if (spec->scan_note != NULL)
    spec->scan_note(v, s.nscan, names, found);
  else
    fm_perturb_note(v, spec->scan_input, FM_PERTURB_DECADES_RANGE, s.nscan, names, found);
  return FM_OK;
}

/* Steps 4-7 of the header, on an allocated work space. */
static int fm_ptcheck_body(fm_verdict *v, const fm_ptcheck_spec *spec, void *work,
                           fm_ptcheck *run)
{
  size_t n = run->ps->n;
  int st = FM_OK;
  for (size_t i = 0; spec->prepare != NULL && st == FM_OK && i < n; i++)
    st = spec->prepare(work, run, i);
  for (size_t i = 0; st == FM_OK && i < n; i++)
    st = spec->point(work, run, i);
  if (st == FM_OK && spec->finish != NULL)
    st = spec->finish(v, work, run);
  if (st != FM_OK || v->outcome == FM_OUTCOME_NA)
    return st;
  fm_ptcheck_record(v, spec, work, run);
  if (spec->report != NULL)
    spec->report(v, work, run);
  if (run->mutant == 0 && spec->scan_input != NULL)
    st = fm_ptcheck_scan(v, spec, work, run);
  return st;
}

int fm_ptcheck_run(fm_verdict *v, const fm_ptcheck_spec *spec, void *work, const fm_case *c,
                   const fm_check_opts *o, int mutant)
{
  if (spec->nroutes > FM_PTCHECK_MAX_ROUTES)
    return FM_EINVAL;
  const char *na = spec->na_case != NULL ? spec->na_case(c, mutant) : NULL;
  if (na != NULL) {
    fm_verdict_na(v, na);
    return FM_OK;
  }
  fm_pointset *ps;
  int st = fm_pointset_make(&ps, c, fm_check_seed(o, c), fm_check_npoints(o));
  if (st != FM_OK)
    return st;
  fm_ptcheck run = {.c = c, .o = o, .mutant = mutant, .ps = ps};
  st = spec->init(work, &run);
  if (st == FM_OK) {
    st = fm_ptcheck_body(v, spec, work, &run);
    spec->clear(work);
  }
  fm_pointset_free(ps);
  return st;
}
