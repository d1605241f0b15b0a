/*
 * parse/pool.c: the parser worker pool (see pool.h).
 *
 * Protocol over two pipes: the parent writes u32 length + a file path; the worker answers u32
 * length + the result (parse/wire.h). The worker's stdin is the request pipe and its stdout the
 * answer pipe; its stderr goes to /dev/null (Tesseract and leptonica talk there), unless
 * SUFLER_WORKER_STDERR is set. The parse options travel once, on the worker's command line.
 *
 * Limits: RLIMIT_AS for the worker (set once), RLIMIT_CPU raised before each file to the CPU
 * time used so far plus cpu_s (SIGXCPU ends a file that spins), the wall clock watched by the
 * parent (SIGKILL to the worker's process group, so pdftotext and pdftoppm go too). A worker
 * also dies with its parent (PR_SET_PDEATHSIG) and when its request pipe closes. Each worker has
 * a temporary folder of its own (its TMPDIR), emptied and removed when the worker ends, so a
 * killed parse leaves no copies of documents behind.
 */
#include "parse/pool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/time.h"
#include "parse/wire.h"
#include "base/banned.h"

#define MAX_PATH_MSG 65536

void sf_parse_pool_opts_default(struct sf_parse_pool_opts *o)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	o->workers = n > 0 ? (unsigned)n : 1;
	o->wall_s = 300;
	o->cpu_s = 300;
	o->mem_bytes = (size_t)3 << 30;
	o->max_output = (size_t)512 << 20;
	o->exe = NULL;
}

struct worker {
	pid_t pid;               /* 0: not running */
	int to, from;            /* request pipe (write end), answer pipe (read end) */
	bool busy;
	uint64_t tag;
	uint64_t started;
	struct sf_buf rx;
	size_t need;             /* answer length once known (+4) */
	char tmp[256];           /* the worker's own TMPDIR ("" none), emptied when it ends */
};

/* Removes what a worker left in its temporary folder (a killed pdftotext's copy of a PDF, a
 * rendered page), and the folder. */
static void tmp_clean(struct worker *w)
{
	if (!w->tmp[0]) return;
	DIR *d = opendir(w->tmp);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
			char f[512];
			if ((size_t)snprintf(f, sizeof f, "%s/%s", w->tmp, de->d_name) < sizeof f) unlink(f);
		}
		closedir(d);
	}
	rmdir(w->tmp);
	w->tmp[0] = 0;
}

struct job {
	char *path;
	uint64_t tag;
};

struct fin {
	uint64_t tag;
	struct sf_presult r;
};

struct sf_parse_pool {
	struct sf_parse_pool_opts po;
	struct sf_parse_opts o;
	char *exe;
	char *map[6];            /* copies of the mapping strings */
	struct worker *w;
	struct job *q;
	size_t qhead, qn, qcap;
	struct fin *done;
	size_t ndone, capdone;
	size_t inflight;
};

enum sf_err sf_parse_pool_new(const struct sf_parse_pool_opts *po, const struct sf_parse_opts *o,
			      struct sf_parse_pool **out, struct sf_buf *err)
{
	struct sf_parse_pool *p = sf_xcalloc(1, sizeof *p);
	p->po = *po;
	if (!p->po.workers) p->po.workers = 1;
	if (p->po.workers > 64) p->po.workers = 64;
	p->o = *o;
	const char **m[6] = { &p->o.map.title, &p->o.map.text, &p->o.map.id, &p->o.map.url, &p->o.map.date,
			      &p->o.map.record };
	for (int i = 0; i < 6; i++)
		if (*m[i]) *m[i] = p->map[i] = sf_xstrdup(*m[i]);
	p->o.name = NULL;
	char self[PATH_MAX];
	ssize_t k = po->exe ? 0 : readlink("/proc/self/exe", self, sizeof self - 1);
	if (!po->exe && k <= 0) {
		sf_errf(err, "parse pool: cannot find the sufler binary: %s", strerror(errno));
		free(p);
		return SF_ERR_IO;
	}
	if (!po->exe) self[k] = 0;
	p->exe = sf_xstrdup(po->exe ? po->exe : self);
	p->w = sf_xcalloc(p->po.workers, sizeof *p->w);
	for (unsigned i = 0; i < p->po.workers; i++) {
		p->w[i].to = p->w[i].from = -1;
		sf_buf_init(&p->w[i].rx, p->po.max_output + 8);
	}
	*out = p;
	return SF_OK;
}

static void worker_stop(struct worker *w, bool kill_it)
{
	if (w->to >= 0) close(w->to);
	if (w->from >= 0) close(w->from);
	w->to = w->from = -1;
	if (w->pid > 0) {
		if (kill_it) kill(-w->pid, SIGKILL);
		int st;
		while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR) {}
	}
	w->pid = 0;
	w->busy = false;
	sf_buf_reset(&w->rx);
	w->need = 0;
	tmp_clean(w);
}

void sf_parse_pool_free(struct sf_parse_pool *p)
{
	if (!p) return;
	for (unsigned i = 0; i < p->po.workers; i++) {
		worker_stop(&p->w[i], true);
		sf_buf_release(&p->w[i].rx);
	}
	for (size_t i = 0; i < p->qn; i++) free(p->q[(p->qhead + i) % p->qcap].path);
	for (size_t i = 0; i < p->ndone; i++) sf_presult_release(&p->done[i].r);
	for (int i = 0; i < 6; i++) free(p->map[i]);
	free(p->done);
	free(p->q);
	free(p->w);
	free(p->exe);
	free(p);
}

void sf_parse_pool_submit(struct sf_parse_pool *p, const char *path, uint64_t tag)
{
	if (p->qn == p->qcap) {
		size_t nc = p->qcap ? p->qcap * 2 : 64;
		struct job *q = sf_xreallocarray(NULL, nc, sizeof *q);
		for (size_t i = 0; i < p->qn; i++) q[i] = p->q[(p->qhead + i) % p->qcap];
		free(p->q);
		p->q = q;
		p->qcap = nc;
		p->qhead = 0;
	}
	p->q[(p->qhead + p->qn) % p->qcap] = (struct job){ sf_xstrdup(path), tag };
	p->qn++;
}

size_t sf_parse_pool_pending(const struct sf_parse_pool *p)
{
	return p->qn + p->inflight + p->ndone;
}

static void arg(char ***v, size_t *n, size_t *cap, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void arg(char ***v, size_t *n, size_t *cap, const char *fmt, ...)
{
	SF_GROW(*v, *cap, *n + 2);
	struct sf_buf b = SF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	if (sf_buf_vaddf(&b, fmt, ap) != SF_OK) abort();
	va_end(ap);
	(*v)[(*n)++] = sf_buf_detach(&b, NULL);
	(*v)[*n] = NULL;
}

static bool worker_start(struct sf_parse_pool *p, struct worker *w, struct sf_buf *err)
{
	int req[2], ans[2];
	if (pipe2(req, O_CLOEXEC) != 0) goto fail;
	if (pipe2(ans, O_CLOEXEC) != 0) {
		close(req[0]);
		close(req[1]);
		goto fail;
	}
	/* the command line: limits and mapping as key=value */
	char **v = NULL;
	size_t n = 0, cap = 0;
	const struct sf_parse_limits *l = &p->o.limits;
	arg(&v, &n, &cap, "%s", p->exe);
	arg(&v, &n, &cap, "__parse-worker");
	arg(&v, &n, &cap, "cpu=%u", p->po.cpu_s);
	arg(&v, &n, &cap, "mem=%zu", p->po.mem_bytes);
	arg(&v, &n, &cap, "max_output=%zu", p->po.max_output);
	arg(&v, &n, &cap, "max_input=%zu", l->max_input);
	arg(&v, &n, &cap, "max_text=%zu", l->max_text);
	arg(&v, &n, &cap, "max_blocks=%zu", l->max_blocks);
	arg(&v, &n, &cap, "max_docs=%zu", l->max_docs);
	arg(&v, &n, &cap, "max_unzipped=%zu", l->max_unzipped);
	arg(&v, &n, &cap, "max_ratio=%u", l->max_ratio);
	arg(&v, &n, &cap, "max_depth=%u", l->max_depth);
	arg(&v, &n, &cap, "max_pages=%u", l->max_pages);
	arg(&v, &n, &cap, "ocr_dpi=%u", l->ocr_dpi);
	arg(&v, &n, &cap, "ocr=%d", l->ocr ? 1 : 0);
	arg(&v, &n, &cap, "min_ocr_conf=%g", l->min_ocr_conf);
	const char *mk[6] = { "map.title", "map.text", "map.id", "map.url", "map.date", "map.record" };
	const char *mv[6] = { p->o.map.title, p->o.map.text, p->o.map.id, p->o.map.url, p->o.map.date, p->o.map.record };
	for (int i = 0; i < 6; i++)
		if (mv[i]) arg(&v, &n, &cap, "%s=%s", mk[i], mv[i]);
	const char *t = getenv("TMPDIR");
	snprintf(w->tmp, sizeof w->tmp, "%s/sufler-worker-XXXXXX", t && *t && strlen(t) < 200 ? t : "/tmp");
	if (!mkdtemp(w->tmp)) w->tmp[0] = 0;
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		if (w->tmp[0]) setenv("TMPDIR", w->tmp, 1);
		if (dup2(req[0], 0) < 0 || dup2(ans[1], 1) < 0) _exit(126);
		if (!getenv("SUFLER_WORKER_STDERR")) {
			int null = open("/dev/null", O_WRONLY);
			if (null >= 0) dup2(null, 2);
		}
		/* Tesseract's OpenMP reads these when it loads, before the worker's main runs: one
		 * thread per worker (the pool is the parallelism), and no spinning while idle */
		setenv("OMP_THREAD_LIMIT", "1", 1);
		setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
		execv(p->exe, v);
		_exit(127);
	}
	for (size_t i = 0; i < n; i++) free(v[i]);
	free(v);
	close(req[0]);
	close(ans[1]);
	if (pid < 0) {
		close(req[1]);
		close(ans[0]);
		tmp_clean(w);
		goto fail;
	}
	setpgid(pid, pid);
	/* a worker that dies must not kill the parent with SIGPIPE on the next write */
	signal(SIGPIPE, SIG_IGN);
	w->pid = pid;
	w->to = req[1];
	w->from = ans[0];
	w->busy = false;
	sf_buf_reset(&w->rx);
	w->need = 0;
	return true;
fail:
	sf_errf(err, "parse pool: cannot start a worker: %s", strerror(errno));
	return false;
}

static bool write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t k = write(fd, c, n);
		if (k < 0 && errno == EINTR) continue;
		if (k <= 0) return false;
		c += k;
		n -= (size_t)k;
	}
	return true;
}

static struct fin *fin_add(struct sf_parse_pool *p, uint64_t tag)
{
	SF_GROW(p->done, p->capdone, p->ndone + 1);
	struct fin *f = &p->done[p->ndone++];
	f->tag = tag;
	sf_presult_init(&f->r);
	return f;
}

/* Gives queued files to idle workers. false when a worker cannot be started at all. */
static bool dispatch(struct sf_parse_pool *p, struct sf_buf *err)
{
	for (unsigned i = 0; i < p->po.workers && p->qn; i++) {
		struct worker *w = &p->w[i];
		if (w->busy) continue;
		if (!w->pid && !worker_start(p, w, err)) return false;
		struct job j = p->q[p->qhead];
		p->qhead = (p->qhead + 1) % p->qcap;
		p->qn--;
		size_t len = strlen(j.path);
		uint8_t hdr[4] = { (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24) };
		if (len > MAX_PATH_MSG) {
			struct fin *f = fin_add(p, j.tag);
			sf_presult_fail(&f->r, SF_ERR_LIMIT, "path too long");
			free(j.path);
			continue;
		}
		if (!write_all(w->to, hdr, 4) || !write_all(w->to, j.path, len)) {
			/* the worker is gone: start another and try again with this file */
			worker_stop(w, true);
			if (!worker_start(p, w, err) || !write_all(w->to, hdr, 4) || !write_all(w->to, j.path, len)) {
				struct fin *f = fin_add(p, j.tag);
				sf_presult_fail(&f->r, SF_ERR_INTERNAL, "parser worker unavailable");
				free(j.path);
				continue;
			}
		}
		free(j.path);
		w->busy = true;
		w->tag = j.tag;
		w->started = sf_now_ns();
		p->inflight++;
	}
	return true;
}

static void worker_failed(struct sf_parse_pool *p, struct worker *w, bool timed_out)
{
	struct fin *f = fin_add(p, w->tag);
	int st = 0;
	pid_t pid = w->pid;
	if (w->to >= 0) close(w->to);
	if (w->from >= 0) close(w->from);
	w->to = w->from = -1;
	kill(-pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
	w->pid = 0;
	w->busy = false;
	sf_buf_reset(&w->rx);
	w->need = 0;
	tmp_clean(w);
	p->inflight--;
	if (timed_out)
		sf_presult_fail(&f->r, SF_ERR_LIMIT, "parsing took longer than %u s (stopped)", p->po.wall_s);
	else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGXCPU)
		sf_presult_fail(&f->r, SF_ERR_LIMIT, "parsing used more than %u s of CPU (stopped)", p->po.cpu_s);
	else if (WIFSIGNALED(st) && (WTERMSIG(st) == SIGABRT || WTERMSIG(st) == SIGKILL))
		sf_presult_fail(&f->r, SF_ERR_LIMIT, "parser ran out of memory (limit %zu MiB) or aborted",
				p->po.mem_bytes >> 20);
	else if (WIFSIGNALED(st))
		sf_presult_fail(&f->r, SF_ERR_INTERNAL, "parser crashed (signal %d)", WTERMSIG(st));
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
		sf_presult_fail(&f->r, SF_ERR_LIMIT, "result larger than %zu MiB", p->po.max_output >> 20);
	else
		sf_presult_fail(&f->r, SF_ERR_INTERNAL, "parser worker ended unexpectedly (exit %d)",
				WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* Reads what worker w has sent; a whole answer becomes a finished file. */
static void worker_read(struct sf_parse_pool *p, struct worker *w)
{
	char buf[65536];
	ssize_t k = read(w->from, buf, sizeof buf);
	if (k < 0 && (errno == EINTR || errno == EAGAIN)) return;
	if (k <= 0 || sf_buf_add(&w->rx, buf, (size_t)k) != SF_OK) {
		worker_failed(p, w, false);
		return;
	}
	if (!w->need && w->rx.len >= 4) {
		const uint8_t *h = (const uint8_t *)w->rx.ptr;
		size_t len = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16 | (size_t)h[3] << 24;
		if (len > p->po.max_output) {
			worker_failed(p, w, false);
			return;
		}
		w->need = len + 4;
	}
	if (!w->need || w->rx.len < w->need) return;
	if (w->rx.len > w->need) { /* a worker answers once per request */
		worker_failed(p, w, false);
		return;
	}
	struct fin *f = fin_add(p, w->tag);
	struct sf_buf why = SF_BUF_INIT;
	if (sf_wire_decode((const uint8_t *)w->rx.ptr + 4, w->need - 4, &p->o.limits, &f->r, &why) != SF_OK) {
		sf_presult_release(&f->r);
		sf_presult_init(&f->r);
		sf_presult_fail(&f->r, SF_ERR_INTERNAL, "%s", why.ptr);
	}
	sf_buf_release(&why);
	w->busy = false;
	sf_buf_reset(&w->rx);
	w->need = 0;
	p->inflight--;
}

enum sf_err sf_parse_pool_next(struct sf_parse_pool *p, uint64_t *tag, struct sf_presult *r,
			       struct sf_buf *err)
{
	for (;;) {
		if (p->ndone) {
			*tag = p->done[0].tag;
			*r = p->done[0].r;
			memmove(p->done, p->done + 1, (p->ndone - 1) * sizeof *p->done);
			p->ndone--;
			return SF_OK;
		}
		if (!dispatch(p, err)) return SF_ERR_IO;
		if (p->ndone) continue;
		if (!p->inflight) return SF_ERR_NOTFOUND;
		struct pollfd fds[64];
		struct worker *who[64];
		int n = 0;
		uint64_t now = sf_now_ns(), wall = (uint64_t)p->po.wall_s * 1000000000ull, wait = UINT64_MAX;
		for (unsigned i = 0; i < p->po.workers; i++) {
			struct worker *w = &p->w[i];
			if (!w->busy) continue;
			if (now - w->started >= wall) {
				worker_failed(p, w, true);
				continue;
			}
			uint64_t left = wall - (now - w->started);
			if (left < wait) wait = left;
			fds[n] = (struct pollfd){ w->from, POLLIN, 0 };
			who[n++] = w;
		}
		if (p->ndone || !n) continue;
		int ms = (int)(wait / 1000000ull) + 1;
		int k = poll(fds, (nfds_t)n, ms);
		if (k < 0 && errno != EINTR) {
			sf_errf(err, "parse pool: poll: %s", strerror(errno));
			return SF_ERR_IO;
		}
		for (int i = 0; i < n && k > 0; i++)
			if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) worker_read(p, who[i]);
	}
}

/* ---- the worker ---- */

static bool read_all(int fd, void *p, size_t n)
{
	char *c = p;
	while (n) {
		ssize_t k = read(fd, c, n);
		if (k < 0 && errno == EINTR) continue;
		if (k <= 0) return false;
		c += k;
		n -= (size_t)k;
	}
	return true;
}

static uint64_t cpu_used_s(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
	return (uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec + 1;
}

int sf_parse_worker_main(int argc, char **argv)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1) return 1;
	struct sf_parse_opts o;
	sf_parse_opts_default(&o);
	unsigned cpu = 300;
	size_t mem = 0, max_output = (size_t)512 << 20;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		if (!eq) continue;
		size_t kl = (size_t)(eq - a);
		const char *v = eq + 1;
		unsigned long long u = strtoull(v, NULL, 10);
#define KEY(s) (kl == sizeof(s) - 1 && !memcmp(a, s, kl))
		if (KEY("cpu")) cpu = (unsigned)u;
		else if (KEY("mem")) mem = (size_t)u;
		else if (KEY("max_output")) max_output = (size_t)u;
		else if (KEY("max_input")) o.limits.max_input = (size_t)u;
		else if (KEY("max_text")) o.limits.max_text = (size_t)u;
		else if (KEY("max_blocks")) o.limits.max_blocks = (size_t)u;
		else if (KEY("max_docs")) o.limits.max_docs = (size_t)u;
		else if (KEY("max_unzipped")) o.limits.max_unzipped = (size_t)u;
		else if (KEY("max_ratio")) o.limits.max_ratio = (unsigned)u;
		else if (KEY("max_depth")) o.limits.max_depth = (unsigned)u;
		else if (KEY("max_pages")) o.limits.max_pages = (unsigned)u;
		else if (KEY("ocr_dpi")) o.limits.ocr_dpi = (unsigned)u;
		else if (KEY("ocr")) o.limits.ocr = u != 0;
		else if (KEY("min_ocr_conf")) o.limits.min_ocr_conf = strtod(v, NULL);
		else if (KEY("map.title")) o.map.title = v;
		else if (KEY("map.text")) o.map.text = v;
		else if (KEY("map.id")) o.map.id = v;
		else if (KEY("map.url")) o.map.url = v;
		else if (KEY("map.date")) o.map.date = v;
		else if (KEY("map.record")) o.map.record = v;
#undef KEY
	}
	struct rlimit rl = { 0, 0 };
	setrlimit(RLIMIT_CORE, &rl);
#ifndef SF_SANITIZE
	/* (ASan reserves terabytes of address space for its shadow: no RLIMIT_AS under it) */
	if (mem) {
		rl.rlim_cur = rl.rlim_max = mem;
		setrlimit(RLIMIT_AS, &rl);
	}
#endif
	char *path = sf_xmalloc(MAX_PATH_MSG + 1);
	struct sf_buf out;
	sf_buf_init(&out, max_output);
	for (;;) {
		uint8_t h[4];
		if (!read_all(0, h, 4)) break;
		size_t len = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16 | (size_t)h[3] << 24;
		if (len > MAX_PATH_MSG || !read_all(0, path, len)) break;
		path[len] = 0;
		if (getrlimit(RLIMIT_CPU, &rl) == 0) {
			rl.rlim_cur = cpu ? cpu_used_s() + cpu : RLIM_INFINITY;
			if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max) rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_CPU, &rl);
		}
		/* Fault injection for the tests (sqlite-style): files named *.crash, *.hang, *.spin,
		 * *.oom make this worker misbehave, so the pool's handling can be checked. */
		if (getenv("SUFLER_FAULT_INJECT")) {
			size_t pl = strlen(path);
			if (pl > 6 && !strcmp(path + pl - 6, ".crash")) raise(SIGSEGV);
			if (pl > 5 && !strcmp(path + pl - 5, ".hang")) pause();
			if (pl > 5 && !strcmp(path + pl - 5, ".spin"))
				for (volatile unsigned long x = 0;; x++) {}
			if (pl > 4 && !strcmp(path + pl - 4, ".oom")) {
				/* what running into RLIMIT_AS ends in: an allocation fails, sf_xmalloc aborts
				 * (counted here under ASan, which cannot run with that limit) */
				for (size_t got = 0;; got += 1 << 20) {
					if (mem && got > mem) abort();
					memset(sf_xmalloc(1 << 20), 1, 1 << 20);
				}
			}
		}
		struct sf_presult r;
		sf_presult_init(&r);
		sf_parse_file(path, &o, &r);
		sf_buf_reset(&out);
		if (sf_buf_add(&out, "\0\0\0\0", 4) != SF_OK || sf_wire_encode(&r, &out) != SF_OK) {
			sf_presult_release(&r);
			return 3; /* too large to send */
		}
		sf_presult_release(&r);
		size_t n = out.len - 4;
		uint8_t *p = (uint8_t *)out.ptr;
		p[0] = (uint8_t)n, p[1] = (uint8_t)(n >> 8), p[2] = (uint8_t)(n >> 16), p[3] = (uint8_t)(n >> 24);
		if (!write_all(1, out.ptr, out.len)) break;
	}
	free(path);
	sf_buf_release(&out);
	return 0;
}
