/*
 * view_advisor: the Advisor panel (key A, from any view): runs the core
 * advisor (include/advisor.h) on the selected database, shows its progress
 * over the observation window, then the pattern it detected with the
 * evidence and every finding (severity, title, the guide's rule, evidence
 * lines) on a scrollable page; re-run on demand. The run is asynchronous on
 * the console's event loop: the panel never waits for the server.
 *
 * The runs are the session's (session_advisor_start), one per database of
 * the profile, made when first needed and kept (with their report) while
 * the console runs, so switching databases or views does not lose a
 * report. The panel starts one when it is shown (its class's enter hook)
 * and goes back, on Esc or q, to the view it was shown from (`back`).
 *
 * The view is a struct tui_view_class the screen manager (tui.c) drives;
 * its state is created and freed through the class.
 */
#ifndef PGDBM_VIEW_ADVISOR_H
#define PGDBM_VIEW_ADVISOR_H

#include "tui.h"

extern const struct tui_view_class view_advisor_class;

#endif
