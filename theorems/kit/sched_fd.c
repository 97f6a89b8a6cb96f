/* sched_fd.c -- the largest first step of finite differences of a
 * schedule's values (sched_fd.h). */
#include "sched_fd.h"

#include <math.h>
#include <string.h>

double fm_sched_fd_cap(const fm_schedule *s, double hmax)
{
  return strcmp(fm_schedule_type_name(s), "table") == 0 ? fmin(hmax, FM_SCHED_FD_HMAX_C2)
                                                        : hmax;
}

double fm_sched_fd_hmax(const fm_schedule *s)
{
  return strcmp(fm_schedule_type_name(s), "table") == 0 ? FM_SCHED_FD_HMAX_C2
                                                        : FM_SCHED_FD_HMAX;
}
