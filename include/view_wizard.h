/*
 * view_wizard: the Wizard view (key 6): pgdbm's architecture decision tree
 * asked question by question, with the path taken beside the current
 * question, back and restart, a text input for the free-form answers, and
 * a result page (the pattern, why, the pool size, the anti-patterns, the
 * generated profile) from which the profile is written and checked.
 *
 * Everything it knows comes from the core wizard (include/wizard.h): the
 * view walks what wizard_current() asks and draws what wizard_path() and
 * wizard_result() hold.
 *
 * The view is a struct tui_view_class the screen manager (tui.c) drives;
 * its state is created and freed through the class.
 */
#ifndef PGDBM_VIEW_WIZARD_H
#define PGDBM_VIEW_WIZARD_H

#include "tui.h"

extern const struct tui_view_class view_wizard_class;

#endif
