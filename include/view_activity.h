/*
 * view_activity: the Activity view: the sessions of the selected database in
 * a sortable, filterable table, the blocking tree (advisory locks included,
 * pgdbm migration locks labelled), a detail pane with the session's locks,
 * and cancel/terminate after a confirmation.
 *
 * The view is a struct tui_view_class the screen manager (tui.c) drives;
 * its state is created and freed through the class.
 */
#ifndef PGDBM_VIEW_ACTIVITY_H
#define PGDBM_VIEW_ACTIVITY_H

#include "tui.h"

extern const struct tui_view_class view_activity_class;

/* Show only the sessions matching text (the Pools view opens an application this way). */
void view_activity_set_filter(void *view, const char *text);

#endif
