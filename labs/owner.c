// SPDX-License-Identifier: GPL-2.0-only
/*
 * The owner of a running lab: the process recorded in its state.  It waits
 * for SIGTERM, SIGINT or SIGHUP (tunlab down sends SIGTERM), supervises the
 * processes it started in the lab (tunnel daemons), and then tears the lab
 * down.  By default it runs in the background, detached from the terminal
 * that ran tunlab up; with --foreground it is tunlab up itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"

#define TAKEOVER_WAIT_MS 10000

static volatile sig_atomic_t stop_sig;
static volatile sig_atomic_t child_exited;

/* A stop signal: remember the first one. */
static void on_stop(int sig)
{
	if (!stop_sig)
		stop_sig = sig;
}

/* A child exited: the owner's loop reaps it. */
static void on_child(int sig)
{
	(void)sig;
	child_exited = 1;
}

void lab_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;	/* poll, nanosleep still see EINTR */
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int lab_stop_requested(void)
{
	return stop_sig;
}

/* In the detached owner: stdin from /dev/null, output to the lab's log. */
static void redirect_stdio(const struct lab *lab)
{
	char path[LAB_DIR_MAX + 16];
	int fd;

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/" LAB_LOG_FILE, lab->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
}

pid_t lab_owner_detach(struct lab *lab, char *err)
{
	char msg[LAB_ERRBUF + 1];
	int pfd[2], rc;
	ssize_t n = 0;
	pid_t pid;

	pid = lab_fork_pipe(pfd, err, LAB_ERRBUF);
	if (pid < 0)
		return pid;
	if (pid == 0) {
		close(pfd[0]);
		setsid();
		if (chdir("/") < 0)
			_exit(1);
		redirect_stdio(lab);
		rc = labstate_take(lab, "up", false, msg);
		if (rc < 0) {
			if (write(pfd[1], msg, strlen(msg)) < 0)
				_exit(1);
			_exit(1);
		}
		if (write(pfd[1], "", 1) != 1)
			_exit(1);
		close(pfd[1]);
		/* Hold no descriptor of whoever ran tunlab up: a pipe kept
		 * open here would keep a script waiting until tunlab down. */
		close_range(STDERR_FILENO + 1, ~0U, 0);
		return 0;
	}
	close(pfd[1]);
	pfd[1] = -1;

	/* The child writes one NUL byte once it owns the lab, or why not. */
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };

		rc = poll(&p, 1, TAKEOVER_WAIT_MS);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0) {
			snprintf(err, LAB_ERRBUF, "the lab's owner (pid %d) "
				 "did not take over within %d s", (int)pid,
				 TAKEOVER_WAIT_MS / 1000);
			kill(pid, SIGKILL);	/* our own child */
			waitpid(pid, NULL, 0);
			rc = -ETIMEDOUT;
			goto out_close_pipe;
		}
		n = read(pfd[0], msg, sizeof(msg) - 1);
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (n == 1 && msg[0] == '\0') {
		rc = pid;
		goto out_close_pipe;
	}
	msg[n > 0 ? n : 0] = '\0';
	snprintf(err, LAB_ERRBUF, "the lab's owner could not start: %.400s",
		 msg[0] ? msg : "it exited");
	waitpid(pid, NULL, 0);
	rc = -EIO;

out_close_pipe:
	close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	return rc;
}

/* Reap our exited children and say which of the lab's processes ended. */
static void reap_children(struct lab *lab)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < lab->nprocs; i++) {
			if (lab->procs[i].pid != pid)
				continue;
			printf("lab %s: process %d (%s) ended (status 0x%x)\n",
			       lab->name, (int)pid, lab->procs[i].what, status);
			fflush(stdout);
		}
	}
}

int lab_owner_wait(struct lab *lab)
{
	sigset_t block, old;
	char err[LAB_ERRBUF];

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	/* Checked with the signals blocked, so none is lost before the
	 * sigsuspend that would wake up for it. */
	while (!stop_sig) {
		if (child_exited) {
			child_exited = 0;
			reap_children(lab);
			continue;
		}
		sigsuspend(&old);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	reap_children(lab);
	if (labstate_take(lab, "stopping", false, err) < 0) {
		printf("lab %s: %s\n", lab->name, err);
		fflush(stdout);
	}
	return stop_sig;
}

pid_t lab_owner_spawn(struct lab *lab, const char *what, char *const argv[],
		      char *err)
{
	struct lab_proc *p;
	int gate[2], rc;
	pid_t pid;
	char go;

	if (lab->nprocs == LAB_MAX_PROCS) {
		snprintf(err, LAB_ERRBUF, "lab %s already runs %d processes",
			 lab->name, LAB_MAX_PROCS);
		return -ENOSPC;
	}
	pid = lab_fork_pipe(gate, err, LAB_ERRBUF);
	if (pid < 0)
		return pid;
	if (pid == 0) {
		sigset_t none;

		/* Wait until the state names this process, then run. */
		close(gate[1]);
		if (read(gate[0], &go, 1) != 1)
			_exit(1);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(gate[0]);
	gate[0] = -1;
	p = &lab->procs[lab->nprocs++];
	p->pid = pid;
	p->start = lab_proc_start(pid);
	snprintf(p->what, sizeof(p->what), "%s", what);
	/* One word in the state file. */
	for (char *c = p->what; *c; c++)
		if (*c == ' ' || *c == '\t' || *c == '\n')
			*c = '-';
	rc = labstate_save(lab, err);
	if (rc < 0) {
		lab->nprocs--;
		kill(pid, SIGKILL);	/* our own child, never exec'd */
		waitpid(pid, NULL, 0);
		goto out_close_gate;
	}
	go = 'G';
	if (write(gate[1], &go, 1) != 1) {
		rc = -errno;
		snprintf(err, LAB_ERRBUF, "starting %s: %s", what,
			 strerror(-rc));
		goto out_close_gate;
	}
	rc = pid;

out_close_gate:
	if (gate[0] >= 0)
		close(gate[0]);
	close(gate[1]);
	return rc;
}
