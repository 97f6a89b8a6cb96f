/* sched_fd.h -- the largest first step of Richardson central differences of
 * a schedule's values in t (theorems `schedule` and `pf-ode`).
 *
 * 2^-7, except 2^-17 for table schedules: a table is a cubic spline, only
 * C^2 at its knots, and a difference straddling a knot has an error
 * ~|jump f'''| h^2 / 12 outside the h^2, h^4 expansion Richardson removes;
 * the short step keeps that error below the round-off floor. */
#ifndef FM_SCHED_FD_H
#define FM_SCHED_FD_H

#include "schedule.h"

#define FM_SCHED_FD_HMAX 0x1p-7
#define FM_SCHED_FD_HMAX_C2 0x1p-17

/* FM_SCHED_FD_HMAX_C2 for a table schedule, else FM_SCHED_FD_HMAX. */
double fm_sched_fd_hmax(const fm_schedule *s);

/* A route's own largest step hmax, capped at FM_SCHED_FD_HMAX_C2 when s is a
 * table schedule (for the reason above); other schedules keep hmax.  Every
 * finite difference in t through a schedule goes through this or
 * fm_sched_fd_hmax. */
double fm_sched_fd_cap(const fm_schedule *s, double hmax);

#endif
