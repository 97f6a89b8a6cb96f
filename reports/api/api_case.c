/* api_case.c -- loading a case (file, built-in name, JSON text, or what
 * the command line's --case accepts), its properties, the built-in list. */
#include "api_impl.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The handle around a parsed case; takes c over (freed on failure). */
static int fm_api_case_wrap(fmcheck_case **out, fm_case *c, fmcheck_error *err)
{
  *out = malloc(sizeof **out);
  if (*out == NULL) {
    fm_case_free(c);
    return fm_api_fail(err, FM_ENOMEM, "out of memory");
  }
  (*out)->c = c;
  return FM_OK;
}

int fmcheck_case_load_file(fmcheck_case **c, const char *path, fmcheck_error *err)
{
  fm_api_clear(err);
  *c = NULL;
  if (path == NULL)
    return fm_api_fail(err, FM_EINVAL, "case file: the path is NULL");
  fm_gsl_quiet();
  fm_case *fc;
  fm_errmsg e = {""};
  int st = fm_case_load_file(&fc, path, &e);
  if (st != FM_OK)
    return fm_api_fail_msg(err, st, &e);
  return fm_api_case_wrap(c, fc, err);
}

/* Index of the built-in whose file is name or name + ".json", or -1. */
static long fm_api_builtin_find(const char *name)
{
  size_t len = strlen(name);
  for (size_t i = 0; i < fm_case_builtin_count(); i++) {
    const char *f = fm_case_builtin_file(i);
    if (strcmp(f, name) == 0 || (strncmp(f, name, len) == 0 && strcmp(f + len, ".json") == 0))
      return (long)i;
  }
  return -1;
}

int fmcheck_case_load_builtin(fmcheck_case **c, const char *name, fmcheck_error *err)
{
  fm_api_clear(err);
  *c = NULL;
  if (name == NULL)
    return fm_api_fail(err, FM_EINVAL, "built-in case: the name is NULL");
  long i = fm_api_builtin_find(name);
  if (i < 0)
    return fm_api_fail(err, FM_EINVAL, "%s: no built-in case of that name", name);
  fm_gsl_quiet();
  fm_case *fc;
  fm_errmsg e = {""};
  int st = fm_case_builtin_load(&fc, (size_t)i, &e);
  if (st != FM_OK)
    return fm_api_fail(err, st, "built-in case %s: %s", fm_case_builtin_file((size_t)i), e.msg);
  return fm_api_case_wrap(c, fc, err);
}

int fmcheck_case_load_json(fmcheck_case **c, const char *json, const char *origin,
                           fmcheck_error *err)
{
  fm_api_clear(err);
  *c = NULL;
  if (json == NULL)
    return fm_api_fail(err, FM_EINVAL, "case JSON: the text is NULL");
  fm_gsl_quiet();
  fm_case *fc;
  fm_errmsg e = {""};
  int st = fm_case_load_string(&fc, json, origin != NULL ? origin : "<json>", NULL, &e);
  if (st != FM_OK)
    return fm_api_fail_msg(err, st, &e);
  return fm_api_case_wrap(c, fc, err);
}

/* As the command line: a path that exists or has a '/' is a file, anything
 * else a built-in name. */
int fmcheck_case_load(fmcheck_case **c, const char *arg, fmcheck_error *err)
{
  fm_api_clear(err);
  *c = NULL;
  if (arg == NULL)
    return fm_api_fail(err, FM_EINVAL, "case: the argument is NULL");
  struct stat sb;
  if (stat(arg, &sb) == 0 || strchr(arg, '/') != NULL)
    return fmcheck_case_load_file(c, arg, err);
  if (fm_api_builtin_find(arg) < 0)
    return fm_api_fail(err, FM_EIO, "%s: no such file, and no built-in case of that name "
                       "(see 'fmcheck check --list')", arg);
  return fmcheck_case_load_builtin(c, arg, err);
}

void fmcheck_case_free(fmcheck_case *c)
{
  if (c == NULL)
    return;
  fm_case_free(c->c);
  free(c);
}

const char *fmcheck_case_name(const fmcheck_case *c)
{
  return c->c->name;
}

const char *fmcheck_case_origin(const fmcheck_case *c)
{
  return c->c->origin;
}

const char *fmcheck_case_warning(const fmcheck_case *c)
{
  return c->c->warning;
}

size_t fmcheck_case_dim(const fmcheck_case *c)
{
  return c->c->gmm->d;
}

size_t fmcheck_case_components(const fmcheck_case *c)
{
  return c->c->gmm->K;
}

uint64_t fmcheck_case_seed(const fmcheck_case *c)
{
  return c->c->seed;
}

size_t fmcheck_builtin_count(void)
{
  return fm_case_builtin_count();
}

const char *fmcheck_builtin_name(size_t i)
{
  return i < fm_case_builtin_count() ? fm_case_builtin_file(i) : NULL;
}
