/*
 * pool_bench: figures for bench/pool.
 *
 *   pool_bench throughput SECONDS CLIENTS CONNECTIONS
 *       SELECT 1 through the pool: CLIENTS logical clients, each sending its
 *       next query when the previous one answers, over CONNECTIONS pooled
 *       connections to the server the PG* variables name. Prints queries/s.
 *   pool_bench acquire N
 *       N acquire+release cycles on a pool whose connections come from a
 *       fake transport (no server, no I/O): prints nanoseconds per cycle.
 *   pool_bench stall SECONDS
 *       the throughput run while a second pool keeps trying a database that
 *       accepts TCP and never answers (a listener on loopback that this
 *       program opens and never serves); prints the longest time one loop
 *       iteration's callbacks took and the worst query latency.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "msglog.h"
#include "pool.h"

struct client {
	struct pool *pool;
	uint64_t *count;
	int64_t *worst_us;
	int64_t sent_us;
	int64_t until_us;
	bool *stopped;
	int *running;
};

static void client_send(struct client *c);

static void
client_reply(struct pool *p, struct conn_reply *reply, void *arg)
{
	struct client *c = arg;
	int64_t now = loop_clock_us();

	(void)p;
	if (reply->conn_error != NULL || reply->error != NULL) {
		fprintf(stderr, "query failed: %s\n",
			reply->conn_error ? reply->conn_error : PQresultErrorMessage(reply->error));
		exit(1);
	}
	(*c->count)++;
	if (now - c->sent_us > *c->worst_us)
		*c->worst_us = now - c->sent_us;
	if (now < c->until_us) {
		client_send(c);
	} else if (--*c->running == 0) {
		*c->stopped = true;
	}
}

static void
client_send(struct client *c)
{
	c->sent_us = loop_clock_us();
	pool_query(c->pool, "SELECT 1", 0, NULL, client_reply, c);
}

static void
config(struct pool_config *cfg, const char *conninfo, int conns)
{
	pool_config_defaults(cfg);
	cfg->conn.label = "bench";
	cfg->conn.conninfo = conninfo;
	cfg->conn.application_name = "pgdbm-bench";
	cfg->min = conns;
	cfg->max = conns;
	cfg->acquire_timeout_ms = 60000;
	cfg->health_check_ms = 0;
}

/* Warm the pool up, then run the clients for `seconds`. */
static double
run_clients(struct loop *loop, struct pool *pool, int seconds, int nclients, int64_t *worst_us)
{
	struct client *cl = calloc((size_t)nclients, sizeof *cl);
	uint64_t count = 0;
	bool stopped = false;
	int running = nclients, i;
	int64_t t0, t1;
	char *err = NULL;
	PGresult *r;

	r = pool_query_sync(pool, "SELECT 1", 0, NULL, &err);
	if (r == NULL) {
		fprintf(stderr, "cannot reach the server: %s\n", err);
		exit(1);
	}
	PQclear(r);
	t0 = loop_clock_us();
	for (i = 0; i < nclients; i++) {
		cl[i].pool = pool;
		cl[i].count = &count;
		cl[i].worst_us = worst_us;
		cl[i].until_us = t0 + (int64_t)seconds * 1000000;
		cl[i].stopped = &stopped;
		cl[i].running = &running;
		client_send(&cl[i]);
	}
	loop_run_until(loop, &stopped, -1);
	t1 = loop_clock_us();
	free(cl);
	return (double)count / ((double)(t1 - t0) / 1e6);
}

static int
cmd_throughput(int seconds, int nclients, int conns)
{
	struct loop *loop = loop_new();
	struct msglog log;
	struct pool_config cfg;
	struct pool *pool;
	int64_t worst = 0;
	double qps;

	msglog_init(&log, 100);
	config(&cfg, "", conns);
	pool = pool_new(loop, &cfg, &log);
	qps = run_clients(loop, pool, seconds, nclients, &worst);
	printf("%.0f\n", qps);
	pool_free(&pool);
	loop_free(&loop);
	msglog_free(&log);
	return 0;
}

/* ---- a transport that connects at once and never does I/O ---- */

static int fake_fd = -1;

static PGconn *
fk_start(const char *const *k, const char *const *v)
{
	(void)k;
	(void)v;
	return (PGconn *)&fake_fd;
}

static PostgresPollingStatusType
fk_poll(PGconn *pg)
{
	(void)pg;
	return PGRES_POLLING_OK;
}

static ConnStatusType
fk_status(const PGconn *pg)
{
	(void)pg;
	return CONNECTION_OK;
}

static int
fk_socket(const PGconn *pg)
{
	(void)pg;
	return fake_fd;
}

static int
fk_nonblock(PGconn *pg, int on)
{
	(void)pg;
	(void)on;
	return 0;
}

static PQnoticeReceiver
fk_notice(PGconn *pg, PQnoticeReceiver fn, void *arg)
{
	(void)pg;
	(void)fn;
	(void)arg;
	return NULL;
}

static int
fk_send(PGconn *pg, const char *sql)
{
	(void)pg;
	(void)sql;
	return 1;
}

static int
fk_send_params(PGconn *pg, const char *sql, int n, const char *const *v)
{
	(void)pg;
	(void)sql;
	(void)n;
	(void)v;
	return 1;
}

static int
fk_prepared(PGconn *pg, const char *name, int n, const char *const *v)
{
	(void)pg;
	(void)name;
	(void)n;
	(void)v;
	return 1;
}

static int
fk_zero(PGconn *pg)
{
	(void)pg;
	return 0;
}

static int
fk_one(PGconn *pg)
{
	(void)pg;
	return 1;
}

static PGresult *
fk_result(PGconn *pg)
{
	(void)pg;
	return NULL;
}

static int
fk_copy(PGconn *pg, char **buffer, int async)
{
	(void)pg;
	(void)async;
	*buffer = NULL;
	return -1;
}

static PGTransactionStatusType
fk_tx(const PGconn *pg)
{
	(void)pg;
	return PQTRANS_IDLE;
}

static const char *
fk_err(const PGconn *pg)
{
	(void)pg;
	return "";
}

static int
fk_pid(const PGconn *pg)
{
	(void)pg;
	return 1;
}

static int
fk_version(const PGconn *pg)
{
	(void)pg;
	return 150000;
}

static void
fk_finish(PGconn *pg)
{
	(void)pg;
}

static const struct conn_transport fake = {
	fk_start,	fk_poll,     fk_status, fk_socket,  fk_nonblock, fk_notice, fk_send,
	fk_send_params, fk_prepared, fk_zero,	fk_one,	    fk_zero,	 fk_result, fk_copy,
	fk_tx,		fk_err,	     fk_pid,	fk_version, fk_finish,	 NULL,	    NULL,
};

static void
got_conn(struct pool *p, struct conn *c, const char *error, void *arg)
{
	(void)error;
	*(struct conn **)arg = c;
	(void)p;
}

static int
cmd_acquire(long n)
{
	struct loop *loop = loop_new();
	struct msglog log;
	struct pool_config cfg;
	struct pool *pool;
	struct conn *c = NULL;
	int sv[2];
	int64_t t0, t1;
	long i;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	fake_fd = sv[0];
	msglog_init(&log, 100);
	config(&cfg, "", 8);
	cfg.min = 0;
	pool = pool_new(loop, &cfg, &log);
	pool_set_transport(pool, &fake);
	/* open the connections (the fake connects on the first poll) */
	for (i = 0; i < 8; i++)
		pool_acquire(pool, got_conn, &c);
	while (c == NULL)
		loop_run_once(loop, 10);
	pool_release(pool, c);
	for (i = 0; i < 20; i++)
		loop_run_once(loop, 0);
	t0 = loop_clock_us();
	for (i = 0; i < n; i++) {
		c = NULL;
		pool_acquire(pool, got_conn, &c);
		pool_release(pool, c);
	}
	t1 = loop_clock_us();
	printf("%.1f\n", (double)(t1 - t0) * 1000.0 / (double)n);
	pool_free(&pool);
	loop_free(&loop);
	msglog_free(&log);
	close(sv[0]);
	close(sv[1]);
	return 0;
}

static int
cmd_stall(int seconds)
{
	struct loop *loop = loop_new();
	struct msglog log;
	struct pool_config cfg, hcfg;
	struct pool *pool, *hung;
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	char conninfo[128];
	int64_t worst = 0, stall;
	double qps;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) != 0) {
		perror("listener");
		return 1;
	}
	msglog_init(&log, 100);
	snprintf(conninfo, sizeof conninfo, "host=127.0.0.1 port=%d dbname=x sslmode=disable",
		 ntohs(sa.sin_port));
	config(&hcfg, conninfo, 4);
	hcfg.conn.label = "hung";
	hcfg.conn.connect_timeout_ms = 2000;
	hung = pool_new(loop, &hcfg, &log);
	config(&cfg, "", 8);
	pool = pool_new(loop, &cfg, &log);
	loop_take_max_dispatch_us(loop);
	qps = run_clients(loop, pool, seconds, 64, &worst);
	stall = loop_take_max_dispatch_us(loop);
	printf("%.1f %.1f %.0f %s\n", (double)stall / 1000.0, (double)worst / 1000.0, qps,
	       pool_health_name(pool_health(hung)));
	pool_free(&hung);
	pool_free(&pool);
	loop_free(&loop);
	msglog_free(&log);
	close(lfd);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "throughput") == 0)
		return cmd_throughput(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (argc == 3 && strcmp(argv[1], "acquire") == 0)
		return cmd_acquire(atol(argv[2]));
	if (argc == 3 && strcmp(argv[1], "stall") == 0)
		return cmd_stall(atoi(argv[2]));
	fprintf(stderr, "usage: pool_bench throughput SECONDS CLIENTS CONNECTIONS | "
			"acquire N | stall SECONDS\n");
	return 2;
}
