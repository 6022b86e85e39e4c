/*
 * view_pools: the Pools view: one block per database of the profile with its
 * connections against max_connections, its application pools, alerts, the
 * console's own pool and history sparklines.
 *
 * The view is a struct tui_view_class the screen manager (tui.c) drives;
 * its state is created and freed through the class.
 */
#ifndef PGDBM_VIEW_POOLS_H
#define PGDBM_VIEW_POOLS_H

#include "tui.h"

extern const struct tui_view_class view_pools_class;

#endif
