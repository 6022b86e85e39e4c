/*
 * tui_helper: the load and the dead server that console tests and the
 * console benchmark need, without a scripting language.
 *
 *   tui_helper hold APP IDLE ACTIVE IDLE_TX
 *       open IDLE + ACTIVE + IDLE_TX sessions with application_name APP to
 *       the server the PG* variables name: IDLE do nothing, ACTIVE run
 *       pg_sleep(3600), IDLE_TX sit in an open transaction. Prints "ready"
 *       when every session is up, then holds them until a signal (TERM,
 *       INT) arrives, or for an hour at most.
 *   tui_helper listen
 *       listen on 127.0.0.1 on a free port, print the port, accept
 *       connections and never answer (a hung server), until a signal
 *       arrives, or for an hour at most.
 *
 * Test code: blocking libpq is fine here.
 */
#include "config.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 256

/* Hold on until a signal ends the program (an hour at most). */
static void
wait_for_signal(int listen_fd)
{
	int held[MAX_FDS];
	int n_held = 0;
	struct pollfd pfd;

	pfd.fd = listen_fd;
	pfd.events = POLLIN;
	for (;;) {
		int r = poll(&pfd, listen_fd >= 0 ? 1 : 0, 3600 * 1000);

		if (r <= 0)
			break;
		if (pfd.revents & POLLIN) {
			int c = accept(listen_fd, NULL, NULL);

			if (c >= 0 && n_held < MAX_FDS)
				held[n_held++] = c; /* hold it open, never answer */
			else if (c >= 0)
				close(c);
		}
	}
	while (n_held > 0)
		close(held[--n_held]);
}

static PGconn *
open_session(const char *app)
{
	const char *keys[] = { "application_name", "dbname", NULL };
	const char *values[] = { app, getenv("PGDATABASE") ? getenv("PGDATABASE") : "postgres",
				 NULL };
	PGconn *c = PQconnectdbParams(keys, values, 0);

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "tui_helper: %s", PQerrorMessage(c));
		exit(1);
	}
	return c;
}

static void
run(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "tui_helper: %s: %s", sql, PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
}

static int
hold(const char *app, int idle, int active, int idle_tx)
{
	int total = idle + active + idle_tx, i;
	PGconn **conns = calloc((size_t)total + 1, sizeof *conns);

	for (i = 0; i < total; i++) {
		conns[i] = open_session(app);
		if (i < active) {
			if (!PQsendQuery(conns[i], "SELECT pg_sleep(3600)")) {
				fprintf(stderr, "tui_helper: %s", PQerrorMessage(conns[i]));
				return 1;
			}
		} else if (i < active + idle_tx) {
			run(conns[i], "BEGIN");
			run(conns[i], "SELECT 1");
		}
	}
	printf("ready\n");
	fflush(stdout);
	wait_for_signal(-1);
	for (i = 0; i < total; i++)
		PQfinish(conns[i]);
	free(conns);
	return 0;
}

static int
listen_forever(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		perror("tui_helper: listen");
		return 1;
	}
	printf("%d\n", ntohs(sa.sin_port));
	fflush(stdout);
	wait_for_signal(fd);
	close(fd);
	return 0;
}

static void
on_term(int sig)
{
	(void)sig;
	_exit(0);
}

int
main(int argc, char **argv)
{
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	if (argc == 6 && strcmp(argv[1], "hold") == 0)
		return hold(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	if (argc == 2 && strcmp(argv[1], "listen") == 0)
		return listen_forever();
	fprintf(stderr, "usage: tui_helper hold APP IDLE ACTIVE IDLE_TX | tui_helper listen\n");
	return 2;
}
