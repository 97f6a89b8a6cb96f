/* theorems.h -- the theorem objects (one file each under theorems/). */
#ifndef FM_THEOREMS_H
#define FM_THEOREMS_H

#include "theorem.h"

extern const fm_theorem fm_thm_cond_field, fm_thm_push_forward;
extern const fm_theorem fm_thm_tweedie, fm_thm_pf_ode, fm_thm_schedule;

#endif
