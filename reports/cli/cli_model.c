/* cli_model.c -- model, case and CSV loading for the commands (see
 * cli_model.h). */
#include "cli_model.h"
#include "cli.h"

#include <math.h>
#include <string.h>

int fm_cli_model_load(fm_model **m, const char *path)
{
  fm_errmsg e = {""};
  if (fm_model_load(m, path, &e) != FM_OK)
    return fm_cli_error("%s", e.msg);
  return FM_EXIT_OK;
}

int fm_cli_case_load(fm_case **c, const char *arg)
{
  fm_case **cs;
  size_t n;
  char *files[1] = {(char *)arg};
  int rc = fm_cli_cases_load(&cs, &n, files, 1);
  if (rc != FM_EXIT_OK)
    return rc;
  *c = cs[0];
  cs[0] = NULL;
  fm_cli_cases_free(cs, n);
  return FM_EXIT_OK;
}

/* The case a model records, without printing: a built-in by file name, or
 * the file path used at training time. */
static int fm_cli_recorded_case(fm_case **c, const fm_model *m)
{
  fm_errmsg e = {""};
  const char *o = m->case_origin;
  if (strncmp(o, "builtin:", 8) != 0)
    return fm_case_load_file(c, o, &e);
  for (size_t i = 0; i < fm_case_builtin_count(); i++)
    if (strcmp(fm_case_builtin_file(i), o + 8) == 0)
      return fm_case_builtin_load(c, i, &e);
  return FM_EIO;
}

int fm_cli_model_case(fm_case **c, const fm_model *m, const char *casearg)
{
  *c = NULL;
  fm_case *cs = NULL;
  if (casearg != NULL) {
    if (fm_cli_case_load(&cs, casearg) != FM_EXIT_OK)
      return FM_EXIT_USAGE;
  } else if (fm_cli_recorded_case(&cs, m) != FM_OK) {
    return fm_cli_error("%s: the model's case '%s' (%s) cannot be loaded; pass it with "
                        "--case", m->path, m->case_name, m->case_origin);
  }
  fm_errmsg e = {""};
  if (fm_model_check_case(m, cs, &e) != FM_OK) {
    fm_case_free(cs);
    return fm_cli_error("%s", e.msg);
  }
  *c = cs;
  return FM_EXIT_OK;
}

int fm_cli_case_at(fm_gmm **pt, const fm_case *c, double t)
{
  fm_sched_val v;
  int st = fm_schedule_eval(&v, c->sched, t);
  if (st == FM_ESING && isfinite(v.alpha) && isfinite(v.sigma))
    st = FM_OK; /* an infinite derivative: the values are all p_t needs */
  if (st == FM_OK)
    st = fm_gmm_at_time(pt, c->gmm, &v);
  if (st != FM_OK)
    return fm_cli_error("case %s (%s): p_t at t = %.17g: %s", c->name, c->origin, t,
                        fm_strerror(st));
  return FM_EXIT_OK;
}

