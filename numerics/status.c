/* status.c -- fm_strerror and the error-message buffer. */
#include "fm_status.h"

#include <gsl/gsl_errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *fm_strerror(int status)
{
  switch (status) {
#define FM_X_CASE(name, value, msg) case name: return msg;
    FM_STATUS_LIST(FM_X_CASE)
#undef FM_X_CASE
  default:
    return "unknown status code";
  }
}

int fm_errmsg_set(fm_errmsg *e, int status, const char *fmt, ...)
{
  if (e != NULL) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
  }
  return status;
}

void fm_errmsg_prefix(fm_errmsg *e, const char *fmt, ...)
{
  if (e == NULL)
    return;
  char head[sizeof e->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(head, sizeof head, fmt, ap);
  va_end(ap);
  size_t hl = strlen(head), ol = strlen(e->msg), cap = sizeof e->msg - 1;
  if (hl > cap)
    hl = cap;
  if (hl + ol > cap)
    ol = cap - hl;
  memmove(e->msg + hl, e->msg, ol);
  memcpy(e->msg, head, hl);
  e->msg[hl + ol] = '\0';
}

void fm_gsl_quiet(void)
{
  gsl_set_error_handler_off();
}
