/* fm_test_validate.h -- running `fmcheck validate-schedule` from a test:
 * a private temporary directory for the schedule and its files, one run
 * (--quick --no-train, JSON report), and the two assertions every
 * validate test makes: ADOPT (exit 0, no reason, items 1-4 ran and did not
 * fail) and REJECT for a given reason (exit 1, a reason of the expected
 * item containing the expected words). */
#ifndef FM_TEST_VALIDATE_H
#define FM_TEST_VALIDATE_H

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fm_test_cli.h"

#define FM_NFILES 8

typedef struct {
  char dir[64];
  char path[FM_NFILES][160];
  size_t n;
} fm_vdir;

static inline void fm_vdir_make(fm_vdir *t)
{
  snprintf(t->dir, sizeof t->dir, "/tmp/fmcheck-validate-XXXXXX");
  cr_assert_not_null(mkdtemp(t->dir), "mkdtemp failed");
  t->n = 0;
}

/* dir/name (registered for cleanup); text written when not NULL. */
static inline const char *fm_vdir_file(fm_vdir *t, const char *name, const char *text)
{
  cr_assert_lt(t->n, (size_t)FM_NFILES);
  char buf[sizeof t->path[0]];
  snprintf(buf, sizeof buf, "%s/%s", t->dir, name);
  char *p = t->path[t->n++];
  memcpy(p, buf, sizeof buf);
  if (text != NULL) {
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "cannot write %s", p);
    fputs(text, f);
    fclose(f);
  }
  return p;
}

static inline void fm_vdir_clean(fm_vdir *t)
{
  for (size_t i = 0; i < t->n; i++)
    remove(t->path[i]);
  cr_expect_eq(rmdir(t->dir), 0, "%s not empty: files left behind?", t->dir);
}


/* The last line of s (without its newline). */
static inline const char *fm_test_last_line(const char *s, char *buf, size_t n)
{
  size_t len = strlen(s);
  while (len > 0 && s[len - 1] == '\n')
    len--;
  size_t b = len;
  while (b > 0 && s[b - 1] != '\n')
    b--;
  size_t k = len - b < n - 1 ? len - b : n - 1;
  memcpy(buf, s + b, k);
  buf[k] = '\0';
  return buf;
}

/* Run validate-schedule on the schedule JSON text (quick, no training):
 * *status its exit status, last its final line, the parsed JSON report
 * (caller decrefs; NULL when there is none). */
static inline json_t *fm_test_validate_run(fm_vdir *t, const char *sched, int *status,
                                           char *last, size_t nlast)
{
  const char *f = fm_vdir_file(t, "schedule.json", sched);
  const char *j = fm_vdir_file(t, "validate.json", NULL);
  const char *args[] = {"validate-schedule", "--schedule", f, "--quick", "--no-train",
                        "--json", j, NULL};
  fm_cli_result r;
  cr_assert_eq(fm_cli_run(&r, args), 0, "cannot run $FMCHECK");
  fm_test_last_line(r.out, last, nlast);
  *status = r.status;
  if (r.status != 0 && r.status != 1)
    fprintf(stderr, "%s: exit %d, stderr: %.800s\n", sched, r.status, r.err);
  fm_cli_result_free(&r);
  return json_load_file(j, 0, NULL);
}

/* The same, asserting the exit status and that a report was written. */
static inline json_t *fm_test_validate(fm_vdir *t, const char *sched, int status, char *last,
                                       size_t nlast)
{
  int got;
  json_t *root = fm_test_validate_run(t, sched, &got, last, nlast);
  cr_assert_eq(got, status, "%s: exit %d (expected %d)\nlast line: %s", sched, got, status,
               last);
  cr_assert_not_null(root, "%s: no JSON report", sched);
  return root;
}

/* fm_test_validate in a fresh directory t, to which extra (when not NULL)
 * first adds its files. */
static inline json_t *fm_test_validate_fresh(fm_vdir *t, void (*extra)(fm_vdir *), const char *sched,
                                      int status, char *last, size_t nlast)
{
  fm_vdir_make(t);
  if (extra != NULL)
    extra(t);
  return fm_test_validate(t, sched, status, last, nlast);
}

static inline void fm_test_adopt(const char *sched, void (*extra)(fm_vdir *))
{
  fm_vdir t;
  char last[4096];
  json_t *root = fm_test_validate_fresh(&t, extra, sched, 0, last, sizeof last);
  cr_expect_str_eq(last, "ADOPT", "%s: final line '%s'", sched, last);
  cr_expect_str_eq(json_string_value(json_object_get(root, "verdict")), "ADOPT");
  json_t *reasons = json_object_get(root, "reasons");
  cr_expect_eq(json_array_size(reasons), 0u, "%s: %zu reasons, first: %s", sched,
               json_array_size(reasons),
               json_string_value(json_object_get(json_array_get(reasons, 0), "text")));
  json_t *items = json_object_get(root, "items");
  for (size_t i = 0; i < 4; i++) {
    json_t *it = json_array_get(items, i);
    cr_expect(json_is_true(json_object_get(it, "ran")), "%s: item %zu did not run", sched,
              i + 1);
    cr_expect_str_neq(json_string_value(json_object_get(it, "outcome")), "FAIL",
                      "%s: item %zu failed", sched, i + 1);
  }
  fprintf(stderr, "ADOPT  %s\n", sched);
  json_decref(root);
  fm_vdir_clean(&t);
}

static inline void fm_test_reject(const char *sched, int item, const char *words,
                           void (*extra)(fm_vdir *))
{
  fm_vdir t;
  char last[8192];
  json_t *root = fm_test_validate_fresh(&t, extra, sched, 1, last, sizeof last);
  cr_expect_eq(strncmp(last, "REJECT: ", 8), 0, "%s: final line '%.200s'", sched, last);
  cr_expect_not_null(strstr(last, words), "%s: final line lacks '%s': %.600s", sched, words,
                     last);
  json_t *reasons = json_object_get(root, "reasons");
  int found = 0;
  for (size_t i = 0; i < json_array_size(reasons); i++) {
    json_t *r = json_array_get(reasons, i);
    const char *text = json_string_value(json_object_get(r, "text"));
    if ((int)json_integer_value(json_object_get(r, "item")) == item && text != NULL &&
        strstr(text, words) != NULL) {
      found = 1;
      fprintf(stderr, "REJECT %s\n       item %d: %s\n", sched, item, text);
    }
  }
  cr_expect(found, "%s: no reason of item %d containing '%s' among: %.800s", sched, item, words,
            last);
  json_decref(root);
  fm_vdir_clean(&t);
}

#endif
