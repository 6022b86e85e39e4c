/*
 * view_migrations: the Migrations view (the queue): per module and for the
 * tenant set, every migration in order with its state (applied, pending,
 * modified, out of order, missing, failed), who holds the migration lock,
 * a scrollable preview of the rendered SQL and its down script, and the
 * actions apply next, apply all, roll back the last and repair, each after
 * a confirmation that says what will run.
 *
 * The view is a struct tui_view_class the screen manager (tui.c) drives;
 * its state is created and freed through the class.
 */
#ifndef PGDBM_VIEW_MIGRATIONS_H
#define PGDBM_VIEW_MIGRATIONS_H

#include "tui.h"

extern const struct tui_view_class view_migrations_class;

#endif
