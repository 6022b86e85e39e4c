/*
 * view_advisor: the Advisor panel (key A, from any view): runs the core
 * advisor (include/advisor.h) on the selected database, shows its progress
 * over the observation window, then the pattern it detected with the
 * evidence and every finding (severity, title, the guide's rule, evidence
 * lines) on a scrollable page; re-run on demand. The run is asynchronous on
 * the console's event loop: the panel never waits for the server.
 *
 * One run per database of the profile, made when first needed and kept
 * (with its report) while the console runs, so switching databases or
 * views does not lose a report.
 *
 * The view is a struct tui_view_class the screen manager (tui.c) drives;
 * its state is created and freed through the class.
 */
#ifndef PGDBM_VIEW_ADVISOR_H
#define PGDBM_VIEW_ADVISOR_H

#include "tui.h"

extern const struct tui_view_class view_advisor_class;

/*
 * The panel is about to be shown, opened from view `from` (where Esc and q
 * go back to): starts a run on the selected database unless it has one.
 */
void view_advisor_open(void *view, enum tui_view_id from);

/* Go back to the view the panel was opened from; returns reactions. */
unsigned view_advisor_close(void *view);

#endif
