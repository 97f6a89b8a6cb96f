/* validate_item.c -- bookkeeping of `validate-schedule`'s items: table
 * lines, the theorem rows behind an item, and the reasons and warnings.
 *
 * A reason (or warning) has a key; a second note with the same key -- the
 * same defect seen on another case -- is merged into the first: the case is
 * appended to its list and the text of the worse (larger margin) instance
 * is kept, so the final verdict names each defect once with its worst size. */
#include "validate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fm_val_grow(void **p, size_t *cap, size_t n, size_t size)
{
  if (n < *cap)
    return FM_OK;
  size_t nc = *cap ? 2 * *cap : 8;
  void *q = realloc(*p, nc * size);
  if (q == NULL)
    return FM_ENOMEM;
  *p = q;
  *cap = nc;
  return FM_OK;
}

fm_val_line *fm_val_item_line(fm_val_item *it, const char *name, const char *where,
                              double value, double tol, fm_outcome outcome)
{
  if (fm_val_grow((void **)&it->lines, &it->lcap, it->nlines, sizeof *it->lines) != FM_OK)
    return NULL;
  fm_val_line *l = &it->lines[it->nlines++];
  memset(l, 0, sizeof *l);
  snprintf(l->name, sizeof l->name, "%s", name);
  snprintf(l->where, sizeof l->where, "%s", where != NULL ? where : "");
  l->value = value;
  l->tol = tol;
  l->outcome = outcome;
  return l;
}

int fm_val_item_row(fm_val_item *it, const fm_theorem *t, const fm_case *c,
                    const fm_check_opts *o)
{
  if (fm_val_grow((void **)&it->rows, &it->rcap, it->nrows, sizeof *it->rows) != FM_OK)
    return FM_ENOMEM;
  fm_check_row *r = &it->rows[it->nrows++];
  memset(r, 0, sizeof *r);
  fm_check_row_run(r, t, c, o, 1);
  return FM_OK;
}

void fm_val_item_clear(fm_val_item *it)
{
  for (size_t i = 0; i < it->nrows; i++)
    fm_check_row_clear(&it->rows[i]);
  free(it->rows);
  free(it->lines);
  it->rows = NULL;
  it->lines = NULL;
  it->nrows = it->rcap = it->nlines = it->lcap = 0;
}

static void fm_val_cases_append(fm_val_note *n, const char *case_name)
{
  if (case_name == NULL || case_name[0] == '\0')
    return;
  size_t len = strlen(n->cases), cl = strlen(case_name);
  /* already listed as a whole word? */
  for (const char *p = strstr(n->cases, case_name); p != NULL; p = strstr(p + 1, case_name))
    if ((p == n->cases || p[-1] == ' ') && (p[cl] == ',' || p[cl] == '\0'))
      return;
  if (len + cl + 3 < sizeof n->cases)
    snprintf(n->cases + len, sizeof n->cases - len, "%s%s", len ? ", " : "", case_name);
}

void fm_val_note_add(fm_val_result *res, int reason, int item, const char *key,
                     double margin, const char *case_name, const char *fmt, ...)
{
  fm_val_note **list = reason ? &res->reasons : &res->warnings;
  size_t *n = reason ? &res->nreasons : &res->nwarnings;
  size_t *cap = reason ? &res->rcap : &res->wcap;
  char text[sizeof(*list)->text];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  for (size_t i = 0; i < *n; i++) {
    fm_val_note *q = &(*list)[i];
    if (strcmp(q->key, key) != 0)
      continue;
    fm_val_cases_append(q, case_name);
    if (margin > q->margin || (isnan(q->margin) && !isnan(margin))) {
      q->margin = margin;
      snprintf(q->text, sizeof q->text, "%s", text);
    }
    return;
  }
  if (fm_val_grow((void **)list, cap, *n, sizeof **list) != FM_OK)
    return; /* out of memory: the note is lost, the verdict is not (see fm_val_run) */
  fm_val_note *q = &(*list)[(*n)++];
  memset(q, 0, sizeof *q);
  q->item = item;
  q->margin = margin;
  snprintf(q->key, sizeof q->key, "%s", key);
  snprintf(q->text, sizeof q->text, "%s", text);
  fm_val_cases_append(q, case_name);
}
