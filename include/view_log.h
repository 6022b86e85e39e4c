/*
 * view_log: the Message log screen: server notices, errors, alerts and
 * action results, newest last.
 *
 * The view is a struct tui_view_class the screen manager (tui.c) drives;
 * its state is created and freed through the class.
 */
#ifndef PGDBM_VIEW_LOG_H
#define PGDBM_VIEW_LOG_H

#include "tui.h"

extern const struct tui_view_class view_log_class;

#endif
