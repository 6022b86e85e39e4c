/*
 * view_schemas: the Schemas view: every non-system schema of the selected
 * database with its kind (service module, tenant, archived tenant, other),
 * its estimated size (exact on demand, under a short lock_timeout), its
 * tables and the migration state of the module that owns it; Enter drills
 * into a schema: its tables and its migration history.
 *
 * The view is a struct tui_view_class the screen manager (tui.c) drives;
 * its state is created and freed through the class.
 */
#ifndef PGDBM_VIEW_SCHEMAS_H
#define PGDBM_VIEW_SCHEMAS_H

#include "tui.h"

extern const struct tui_view_class view_schemas_class;

/* Open schema `name` of the selected database (the Tenants view's Enter). */
void view_schemas_open(void *view, const char *name);

#endif
