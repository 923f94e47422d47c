// SPDX-License-Identifier: GPL-2.0-only
/*
 * Printing and running the commands that build a lab.  tunlab runs the
 * very ip, ethtool and sysctl commands it prints, so what a student reads
 * ("+ ip netns add tl3fa2-mobile") is exactly what happened, and the lab can
 * be rebuilt by hand from the printout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "lab.h"

#define CMD_LINE_MAX	1024
#define CMD_ARGS_MAX	32
#define CMD_TIMEOUT_MS	10000

/* Milliseconds on CLOCK_MONOTONIC. */
static long long now_ms(void)
{
	return (long long)(tl_now_ns() / 1000000);
}

/* Split line in place into words at single spaces; returns the count. */
static int split_words(char *line, char **argv, int max)
{
	int n = 0;

	for (char *p = strtok(line, " "); p; p = strtok(NULL, " ")) {
		if (n == max - 1)
			return -E2BIG;
		argv[n++] = p;
	}
	argv[n] = NULL;
	return n;
}

/* In the child: become a plain command and exec it; never returns. */
static void exec_child(char **argv, int out_fd)
{
	sigset_t none;
	int null_fd;

	/* Ignored signals and the blocked mask survive exec: reset them. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	setpgid(0, 0);
	null_fd = open("/dev/null", O_RDONLY);
	if (null_fd >= 0)
		dup2(null_fd, STDIN_FILENO);
	dup2(out_fd, STDOUT_FILENO);
	dup2(out_fd, STDERR_FILENO);
	execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0],
		strerror(errno));
	_exit(127);
}

/* The last non-empty line of out, for an error message. */
static void last_line(const char *out, char *buf, size_t len)
{
	const char *end = out + strlen(out), *start;

	while (end > out && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > out && start[-1] != '\n')
		start--;
	snprintf(buf, len, "%.*s", (int)(end - start), start);
}

/* Read the child's output until EOF or the deadline; returns -ETIMEDOUT
 * when the deadline passed first. */
static int collect(int fd, char *buf, size_t len, long long deadline)
{
	size_t used = 0;
	char scratch[512];

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;
		int rc;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;	/* a stop request lets it finish */
		if (rc < 0)
			return -errno;
		if (rc == 0)
			continue;
		if (used + 1 < len)
			n = read(fd, buf + used, len - used - 1);
		else
			n = read(fd, scratch, sizeof(scratch));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (used + 1 < len)
			used += n;
	}
	buf[used] = '\0';
	return 0;
}

/* Say in r->err that line failed, and why (printf-style). */
static void __attribute__((format(printf, 3, 4)))
set_err(struct cmdrun *r, const char *line, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = snprintf(r->err, sizeof(r->err), "%.300s: ", line);
	if (n >= sizeof(r->err))
		return;
	va_start(ap, fmt);
	vsnprintf(r->err + n, sizeof(r->err) - n, fmt, ap);
	va_end(ap);
}

pid_t lab_fork_pipe(int pfd[2], char *err, size_t errlen)
{
	pid_t pid;
	int rc;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		rc = -errno;
		snprintf(err, errlen, "pipe: %s", strerror(-rc));
		return rc;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		snprintf(err, errlen, "fork: %s", strerror(-rc));
		close(pfd[0]);
		close(pfd[1]);
		return rc;
	}
	return pid;
}

int cmdrun(struct cmdrun *r, const char *fmt, ...)
{
	char line[CMD_LINE_MAX], words[CMD_LINE_MAX], local[2048];
	char *argv[CMD_ARGS_MAX], msg[256];
	char *out = r->out ? r->out : local;
	size_t outlen = r->out ? r->outlen : sizeof(local);
	int timeout = r->timeout_ms ? r->timeout_ms : CMD_TIMEOUT_MS;
	int pfd[2], status, rc;
	va_list ap;
	pid_t pid;

	r->err[0] = '\0';
	va_start(ap, fmt);
	rc = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (rc < 0 || (size_t)rc >= sizeof(line)) {
		set_err(r, line, "command too long");
		return -E2BIG;
	}
	memcpy(words, line, sizeof(line));
	if (split_words(words, argv, CMD_ARGS_MAX) <= 0) {
		set_err(r, line, "bad command");
		return -EINVAL;
	}
	if (r->echo) {
		printf("+ %s\n", line);
		fflush(stdout);
	}
	pid = lab_fork_pipe(pfd, msg, sizeof(msg));
	if (pid < 0) {
		set_err(r, line, "%s", msg);
		return pid;
	}
	if (pid == 0)
		exec_child(argv, pfd[1]);
	close(pfd[1]);
	pfd[1] = -1;

	rc = collect(pfd[0], out, outlen, now_ms() + timeout);
	if (rc == -ETIMEDOUT)
		kill(pid, SIGKILL);	/* our own child, by pid */
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	if (rc == -ETIMEDOUT) {
		set_err(r, line, "did not finish within %d s (killed)",
			timeout / 1000);
		goto out_close_pipe;
	}
	if (rc < 0) {
		set_err(r, line, "reading its output: %s", strerror(-rc));
		goto out_close_pipe;
	}
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		last_line(out, msg, sizeof(msg));
		if (status != -1 && WIFSIGNALED(status))
			set_err(r, line, "killed by signal %d",
				WTERMSIG(status));
		else
			set_err(r, line, "failed (exit status %d)%s%s",
				status == -1 ? -1 : WEXITSTATUS(status),
				msg[0] ? ": " : "", msg);
		rc = -EIO;
	}

out_close_pipe:
	close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	return rc;
}

bool cmdrun_have(const char *prog)
{
	const char *path = getenv("PATH");
	char dir[512], file[600];

	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		       "/sbin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		struct stat st;

		snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
		snprintf(file, sizeof(file), "%s/%s", dir[0] ? dir : ".",
			 prog);
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(file, X_OK) == 0)
			return true;
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}
