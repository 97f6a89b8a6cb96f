/* api_error.c -- the version, status descriptions and fmcheck_error. */
#include "api_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef FM_VERSION
#error "FM_VERSION (the project version) must be defined by the build"
#endif

const char *fmcheck_version(void)
{
  return FM_VERSION;
}

const char *fmcheck_strerror(int status)
{
  return fm_strerror(status);
}

void fm_api_clear(fmcheck_error *err)
{
  if (err != NULL) {
    err->status = FM_OK;
    err->message[0] = '\0';
  }
}

int fm_api_fail(fmcheck_error *err, int status, const char *fmt, ...)
{
  if (err != NULL) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->status = status;
  }
  return status;
}

int fm_api_fail_msg(fmcheck_error *err, int status, const fm_errmsg *e)
{
  /* a library function that fails without a sentence still says what */
  const char *msg = e->msg[0] != '\0' ? e->msg : fm_strerror(status);
  return fm_api_fail(err, status, "%s", msg);
}
