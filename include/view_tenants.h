/*
 * view_tenants: the Tenants view: every tenant of the selected database with
 * its size and migration counts, filtered as you type and sorted by any
 * column (100,000 tenants: only the visible rows are drawn, filtering never
 * asks the server); the provision dialog, deprovision with the id typed
 * back, restore, and the fan-out of pending migrations with its progress,
 * failures and cancel.
 *
 * The view is a struct tui_view_class the screen manager (tui.c) drives;
 * its state is created and freed through the class.
 */
#ifndef PGDBM_VIEW_TENANTS_H
#define PGDBM_VIEW_TENANTS_H

#include "tui.h"

extern const struct tui_view_class view_tenants_class;

#endif
