/* schedule_transform.h -- private to theorem `schedule-transform`: its
 * negative controls (the candidate's field assembly changed) and its route
 * from CondOT (schedule_transform_condot.c), which schedule_transform.c
 * records after its own. */
#ifndef FM_SCHEDULE_TRANSFORM_H
#define FM_SCHEDULE_TRANSFORM_H

#include "theorem.h"

/* mutant numbers (theorem.h): the true statement, then the controls */
enum { FM_ST_TRUE, FM_ST_NO_DLOGS, FM_ST_NO_DT, FM_ST_NO_RESCALE };

/* Route from-cond-ot on case c under `mutant`: records route
 * FM_R_ST_FROM_CONDOT and its facts (qualified by the route's key) in v.
 * Returns FM_ENOMEM (or the status of an allocation) only; what the route
 * finds is in the record. */
int fm_st_from_condot(fm_verdict *v, const fm_case *c, const fm_check_opts *o, int mutant);

#endif
