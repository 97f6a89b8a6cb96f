/* assign.h -- exact linear assignment (the OT coupling of a minibatch).
 *
 * Given an n x n cost matrix c (row-major), find the permutation col that
 * minimises sum_i c[i][col[i]].  Algorithm: the Hungarian method in its
 * shortest-augmenting-path form -- for each row in turn, a Dijkstra search
 * on the reduced costs c_ij - u_i - v_j >= 0 finds the cheapest augmenting
 * path, and the dual potentials (u, v) are updated so that the reduced costs
 * stay non-negative and vanish on the matching.  This is the augmentation
 * phase of Jonker & Volgenant (Computing 38, 1987, "A shortest augmenting
 * path algorithm for dense and sparse linear assignment problems") without
 * their initialisation heuristics (column reduction, reduction transfer,
 * augmenting row reduction), which only speed it up.  O(n^3) time, O(n)
 * memory besides the costs.
 *
 * The potentials are a certificate: u_i + v_j <= c_ij for all i, j with
 * equality on the assignment, so sum u + sum v = the assignment's cost is a
 * lower bound for every permutation (LP duality) -- the tests check
 * optimality this way for n too large for brute force.
 */
#ifndef FM_ASSIGN_H
#define FM_ASSIGN_H

#include <stddef.h>

#include "fm_status.h"

typedef struct fm_assign_work fm_assign_work;

/* Workspace for problems of size up to nmax (so that a trainer allocates
 * once per batch size). */
int fm_assign_work_alloc(fm_assign_work **w, size_t nmax);
void fm_assign_work_free(fm_assign_work *w);

/* col[i] = column assigned to row i (n entries); *total = its cost; u, v
 * (n each, may be NULL) the dual potentials.  total may be NULL.  w may be
 * NULL (then allocated and freed inside).  FM_ENONFIN if a cost is not
 * finite, FM_EINVAL if n exceeds w's size, FM_ENOMEM. */
int fm_assign_solve(size_t *col, double *total, double *u, double *v, const double *cost,
                    size_t n, fm_assign_work *w);

#endif
