/*
 * view_log: the Message log screen: server notices, errors, alerts and
 * action results, newest last.
 *
 * The view is a struct tui_view_class the screen manager (tui.c) drives;
 * its state is created and freed through the class.
 */
#ifndef PGDBM_VIEW_LOG_H
#define PGDBM_VIEW_LOG_H

#include "msglog.h"
#include "tui.h"
#include "tui_draw.h"

extern const struct tui_view_class view_log_class;

/* The style a message of this level is shown in (here and in the status line). */
enum tui_style view_log_style(enum msg_level level);

#endif
