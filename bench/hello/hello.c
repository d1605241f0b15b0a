/* A minimal libmicrohttpd server for bench/serve: the HTTP floor sufler's numbers are compared
 * with. Same threading as sufler's server (src/http/server.c): an internal polling thread pool
 * of N threads with epoll and TURBO. Every request gets the same small JSON body; the answer is
 * queued on the second access-handler call (after the headers), so keep-alive holds as it does
 * in sufler.
 *
 *   cc -O2 bench/hello/hello.c -o hello $(pkg-config --cflags --libs libmicrohttpd)
 *   hello [PORT [THREADS]]     PORT 0 (default) picks a free one; THREADS default 2
 *
 * Listens on 127.0.0.1 only; prints "hello: listening on http://127.0.0.1:PORT" on stderr and
 * runs until SIGINT or SIGTERM. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if MHD_VERSION < 0x00097002
typedef int MHD_Result_t;
#else
typedef enum MHD_Result MHD_Result_t;
#endif

static const char BODY[] = "{\"query\":\"hello\",\"took_ms\":0.0,\"hits\":[]}\n";
static struct MHD_Response *resp;
static int started_marker;

static MHD_Result_t on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			       const char *version, const char *upload_data, size_t *upload_data_size,
			       void **con_cls)
{
	(void)cls, (void)url, (void)method, (void)version, (void)upload_data;
	if (!*con_cls) { /* first call: headers only */
		*con_cls = &started_marker;
		return MHD_YES;
	}
	if (*upload_data_size) { /* a body (none expected): swallow it */
		*upload_data_size = 0;
		return MHD_YES;
	}
	return MHD_queue_response(conn, MHD_HTTP_OK, resp);
}

int main(int argc, char **argv)
{
	unsigned port = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 0;
	unsigned threads = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 2;
	if (port > 65535 || threads < 1) {
		fprintf(stderr, "usage: hello [PORT [THREADS]]\n");
		return 2;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* MHD's threads inherit the mask */
	signal(SIGPIPE, SIG_IGN);

	resp = MHD_create_response_from_buffer(sizeof BODY - 1, (void *)BODY, MHD_RESPMEM_PERSISTENT);
	if (!resp) return 1;
	MHD_add_response_header(resp, "Content-Type", "application/json");

	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "hello: cannot listen on 127.0.0.1:%u\n", port);
		return 1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	fprintf(stderr, "hello: listening on http://127.0.0.1:%u (%u threads)\n", di ? (unsigned)di->port : port,
		threads);
	fflush(stderr);
	int sig = 0;
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	MHD_destroy_response(resp);
	return 0;
}
