/* tests/unit/net/test_net.c: the HTTP client's backoff (full jitter within growing bounds) and
 * its behaviour when nothing answers: every attempt made, waits between them, a clear error
 * without the URL's query string (which may hold secrets). Answers, 429s and 5xx are covered
 * against the Pyrus stand-in by tests/integration/pyrus_sync.sh. */
#include "testutil.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/net.h"

struct sleeps {
	long ms[16];
	int n;
};

static void record(void *ctx, long ms)
{
	struct sleeps *s = ctx;
	if (s->n < 16) s->ms[s->n] = ms;
	s->n++;
}

static void test_backoff(void **state)
{
	(void)state;
	struct sf_net_opts o;
	sf_net_opts_default(&o);
	o.backoff_base_ms = 100;
	o.backoff_max_ms = 1000;
	o.seed = 42;
	struct sf_net *n;
	assert_int_equal(sf_net_new(&o, &n, NULL), SF_OK);
	long cap[] = { 100, 200, 400, 800, 1000, 1000 };
	for (int a = 1; a <= 6; a++) {
		long lo = 1 << 30, hi = -1;
		for (int k = 0; k < 200; k++) {
			long w = sf_net_backoff_ms(n, a);
			assert_true(w >= 0 && w <= cap[a - 1]);
			if (w < lo) lo = w;
			if (w > hi) hi = w;
		}
		/* jitter: the waits spread over the range */
		assert_true(hi - lo > cap[a - 1] / 2);
	}
	sf_net_free(n);
}

/* A port on 127.0.0.1 that refuses connections: bound, not listening. */
static int closed_port(int *fd)
{
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	if (bind(*fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(*fd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	return ntohs(a.sin_port);
}

static void test_no_answer(void **state)
{
	(void)state;
	int fd;
	int port = closed_port(&fd);
	assert_true(port > 0);
	struct sleeps sl = { { 0 }, 0 };
	struct sf_net_opts o;
	sf_net_opts_default(&o);
	o.attempts = 4;
	o.backoff_base_ms = 50;
	o.sleep_ms = record;
	o.sleep_ctx = &sl;
	struct sf_net *n;
	assert_int_equal(sf_net_new(&o, &n, NULL), SF_OK);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/api?token=SECRET", port);
	struct sf_net_req rq = { .url = url };
	struct sf_net_resp r;
	sf_net_resp_init(&r);
	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(sf_net_do(n, &rq, &r, &err), SF_ERR_IO);
	assert_int_equal(r.attempts, 4);
	assert_int_equal(r.status, 0);
	assert_int_equal(sl.n, 3); /* a wait between attempts, none after the last */
	assert_null(strstr(err.ptr, "SECRET"));
	assert_non_null(strstr(err.ptr, "127.0.0.1"));
	struct sf_net_stats st;
	sf_net_stats(n, &st);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.attempts, 4);
	assert_int_equal(st.retries, 3);
	/* a POST that could not connect never reached the server: retried too */
	sl.n = 0;
	struct sf_net_req post = { .method = "POST", .url = url, .body = "{}", .body_len = 2 };
	assert_int_equal(sf_net_do(n, &post, &r, &err), SF_ERR_IO);
	assert_int_equal(r.attempts, 4);
	/* a download that failed leaves no file behind */
	char path[] = "/tmp/sf-test-net-XXXXXX";
	int tfd = mkstemp(path);
	close(tfd);
	unlink(path);
	struct sf_net_req dl = { .url = url, .save_to = path, .attempts = 1 };
	assert_int_equal(sf_net_do(n, &dl, &r, &err), SF_ERR_IO);
	assert_int_equal(access(path, F_OK), -1);
	char part[64];
	snprintf(part, sizeof part, "%s.part", path);
	assert_int_equal(access(part, F_OK), -1);
	sf_net_resp_release(&r);
	sf_buf_release(&err);
	sf_net_free(n);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_no_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
