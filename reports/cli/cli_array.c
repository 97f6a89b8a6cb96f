/* cli_array.c -- array input and output of the commands (cli_array.h). */
#include "cli_array.h"

#include <string.h>

#include "fm_limits.h"

int fm_cli_array_read(fm_array *a, const char *path, size_t ncol, const char *what)
{
  fm_errmsg e = {""};
  if (fm_array_read(a, path, ncol, FM_LIMIT_POINTS_BYTES, &e) != FM_OK)
    return fm_cli_error("%s (%s)", e.msg, what);
  return FM_EXIT_OK;
}

const char *fm_cli_array_where(char *buf, size_t size, const fm_array *a, const char *path,
                               size_t r)
{
  fm_array_where(buf, size, a, strcmp(path, "-") == 0 ? "<stdin>" : path, r);
  return buf;
}

int fm_cli_points_work(const fm_case *c, size_t n, const char *path)
{
  double d = (double)c->gmm->d, K = (double)c->gmm->K, w = (double)n * K * (d * d * d + 1024);
  if (w <= FM_LIMIT_POINTS_WORK)
    return FM_EXIT_OK;
  return fm_cli_error("%s: %zu points of case %s (%.0f components in dimension %.0f) are "
                      "%.3g units of work (points x K x (dim^3 + 1024)), over the limit of "
                      "%.3g (about 20 minutes): split the file", path, n, c->name, K, d, w,
                      FM_LIMIT_POINTS_WORK);
}

int fm_cli_out_open(fm_cli_out *o, const char *path)
{
  memset(o, 0, sizeof *o);
  if (path == NULL || strcmp(path, "-") == 0) {
    o->f = stdout;
    return FM_EXIT_OK;
  }
  o->npy = fm_array_path_is_npy(path);
  o->atomic = 1;
  int rc = fm_cli_atomic_open(&o->at, path);
  o->f = rc == FM_EXIT_OK ? o->at.f : NULL;
  return rc;
}

int fm_cli_out_close(fm_cli_out *o, int ok)
{
  if (o->atomic)
    return fm_cli_atomic_commit(&o->at, ok);
  return fm_cli_stdout_flush();
}
