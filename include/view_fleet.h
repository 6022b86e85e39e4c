/*
 * view_fleet: the Fleet view (key 0), the console's home when it watches
 * more than one database: one row per database of the session (of every
 * profile given), with its state, the server's connections against the
 * usable max_connections, sessions and PgBouncer clients waiting, its
 * busiest application pools, PgBouncer's utilisation and saturation, the
 * pending service and tenant migrations, the tenant count and its alerts.
 * Enter opens the database under the cursor in the Pools view.
 *
 * The per-second columns come from the monitors' and bouncers' snapshots
 * (no query of its own); tenants and migrations come from the session's
 * inventories, read on their slow cadence (R reads them now).
 *
 * The view is a struct tui_view_class the screen manager (tui.c) drives;
 * its state is created and freed through the class.
 */
#ifndef PGDBM_VIEW_FLEET_H
#define PGDBM_VIEW_FLEET_H

#include "tui.h"

extern const struct tui_view_class view_fleet_class;

#endif
