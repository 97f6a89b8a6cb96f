/* validate_routes.c -- the routes of a verdict, read back from its note.
 *
 * fm_verdict_route (theorems/verdict.c) records every route in the note as
 * "name value/tol", entries separated by "; ", and keeps only the deciding
 * route in the verdict's fields.  validate-schedule must name *every*
 * failing route (a schedule can break its boundary and its SNR at once), so
 * it parses the note: an entry is a route when it ends in " <number>/<number>"
 * (both parsed completely by strtod, so "inf" and "nan" count); free-text
 * entries -- warnings, observed orders, descriptions that contain "; " --
 * do not end that way and are skipped.  A note truncated at its 1024 bytes
 * loses its last routes; the caller adds the deciding route from the
 * verdict's fields, which are never truncated. */
#include "validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse "<a>/<b>" exactly (the whole of s..end). */
static int fm_val_ratio(double *a, double *b, const char *s, const char *end)
{
  char buf[80];
  size_t n = (size_t)(end - s);
  if (n == 0 || n >= sizeof buf)
    return 0;
  memcpy(buf, s, n);
  buf[n] = '\0';
  char *slash = strchr(buf, '/'), *e1, *e2;
  if (slash == NULL || slash == buf || slash[1] == '\0')
    return 0;
  *slash = '\0';
  *a = strtod(buf, &e1);
  *b = strtod(slash + 1, &e2);
  return *e1 == '\0' && *e2 == '\0';
}

static int fm_val_route_entry(fm_val_route *r, const char *s, const char *end)
{
  const char *sp = end;
  while (sp > s && sp[-1] != ' ')
    sp--;
  if (sp <= s + 1 || !fm_val_ratio(&r->value, &r->tol, sp, end))
    return 0;
  size_t n = (size_t)(sp - 1 - s);
  if (n >= sizeof r->name)
    n = sizeof r->name - 1;
  memcpy(r->name, s, n);
  r->name[n] = '\0';
  return 1;
}

size_t fm_val_routes_parse(fm_val_route *r, size_t max, const char *note)
{
  size_t k = 0;
  const char *s = note;
  while (s != NULL && *s != '\0' && k < max) {
    const char *end = strstr(s, "; ");
    const char *stop = end != NULL ? end : s + strlen(s);
    if (fm_val_route_entry(&r[k], s, stop))
      k++;
    s = end != NULL ? end + 2 : NULL;
  }
  return k;
}

int fm_val_route_fails(const fm_val_route *r)
{
  double m = r->value / r->tol;
  return isnan(r->value) || isnan(m) || !(r->tol > 0.0) || m > 1.0;
}
