/*
 * parse/exec.c: running a helper program (pdftotext, pdftoppm) under limits.
 *
 * The child gets /dev/null as stdin, a pipe as stdout (read up to a cap; more is an error),
 * a pipe as stderr (the first KiB kept for the reason), CPU and address-space limits, and is
 * killed (its whole process group) when it runs past the wall-clock limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/time.h"
#include "parse/exec.h"
#include "base/banned.h"

static void child(char *const argv[], int out, int err, const struct sf_exec_limits *l)
{
	int null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(126);
	setpgid(0, 0);
	struct rlimit rl;
	if (l->cpu_s) {
		rl.rlim_cur = l->cpu_s;
		rl.rlim_max = l->cpu_s + 1;
		setrlimit(RLIMIT_CPU, &rl);
	}
	if (l->mem_bytes) {
		rl.rlim_cur = rl.rlim_max = l->mem_bytes;
		setrlimit(RLIMIT_AS, &rl);
	}
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl);
	execvp(argv[0], argv);
	_exit(127);
}

enum sf_err sf_exec(char *const argv[], const struct sf_exec_limits *l, struct sf_buf *out,
		    struct sf_buf *errtext, int *status)
{
	int po[2], pe[2];
	*status = -1;
	if (pipe2(po, O_CLOEXEC) != 0) return SF_ERR_IO;
	if (pipe2(pe, O_CLOEXEC) != 0) {
		close(po[0]);
		close(po[1]);
		return SF_ERR_IO;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
		return SF_ERR_IO;
	}
	if (pid == 0) child(argv, po[1], pe[1], l);
	setpgid(pid, pid);
	close(po[1]);
	close(pe[1]);
	enum sf_err rc = SF_OK;
	uint64_t deadline = sf_now_ns() + (uint64_t)(l->wall_s ? l->wall_s : 60) * 1000000000ull;
	struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
	int open_fds = 2;
	char buf[65536];
	while (open_fds) {
		uint64_t now = sf_now_ns();
		if (now >= deadline) {
			rc = SF_ERR_LIMIT;
			break;
		}
		int ms = (int)((deadline - now) / 1000000ull) + 1;
		int k = poll(fds, 2, ms);
		if (k < 0) {
			if (errno == EINTR) continue;
			rc = SF_ERR_IO;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
			ssize_t n = read(fds[i].fd, buf, sizeof buf);
			if (n < 0 && errno == EINTR) continue;
			if (n <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			if (i == 0) {
				if (out && sf_buf_add(out, buf, (size_t)n) != SF_OK) {
					rc = SF_ERR_LIMIT;
					open_fds = 0;
					break;
				}
			} else if (errtext && errtext->len < 1024) {
				size_t room = 1024 - errtext->len;
				if (sf_buf_add(errtext, buf, (size_t)n < room ? (size_t)n : room) != SF_OK) { /* cap reached */ }
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0) close(fds[i].fd);
	if (rc) kill(-pid, SIGKILL);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
	*status = st;
	if (!rc && WIFSIGNALED(st)) rc = WTERMSIG(st) == SIGXCPU || WTERMSIG(st) == SIGKILL ? SF_ERR_LIMIT : SF_ERR_INVALID;
	return rc;
}
