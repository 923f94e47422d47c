// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lab state: /run/tunlab/NAME/state, one "key value..." line per fact.
 * It is written before anything is created and rewritten (atomically, by
 * rename) whenever the owner, the phase or the lab's processes change, so
 * that a SIGKILL at any moment leaves enough behind to clean up.  Changes
 * are made under a lock on /run/tunlab itself (flock), so that two tunlab
 * commands never pick the same id or take over the same lab.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "probe.h"

#define LOCK_WAIT_MS	5000
#define ID_TRIES	64
#define STATE_LINE_MAX	512

/* Take the lock on LAB_RUN_DIR (creating it); returns the fd to close. */
static int lock_run_dir(char *err)
{
	int fd, rc;

	if (mkdir(LAB_RUN_DIR, 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(err, LAB_ERRBUF, "creating " LAB_RUN_DIR ": %s",
			 strerror(-rc));
		return rc;
	}
	fd = open(LAB_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, LAB_ERRBUF, "opening " LAB_RUN_DIR ": %s",
			 strerror(-rc));
		return rc;
	}
	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 20) {
		struct timespec ts = { 0, 20 * 1000000L };

		if ((errno != EWOULDBLOCK && errno != EINTR) ||
		    waited >= LOCK_WAIT_MS) {
			rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
			snprintf(err, LAB_ERRBUF, "another tunlab command "
				 "holds the lock on " LAB_RUN_DIR " (%s)",
				 strerror(-rc));
			close(fd);
			return rc;
		}
		nanosleep(&ts, NULL);
	}
	return fd;
}

/* Read state and start time (field 22) of process pid from /proc. */
static int read_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and ')': fields follow the last. */
	p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	p++;
	for (int field = 3; field <= 22; field++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -EINVAL;
		if (field == 3)
			*state = *p;
		if (field == 22)
			v = strtoull(p, NULL, 10);
		while (*p && *p != ' ')
			p++;
	}
	*start = v;
	return 0;
}

unsigned long long lab_proc_start(pid_t pid)
{
	unsigned long long start;
	char state;

	return pid > 0 && read_stat(pid, &state, &start) == 0 ? start : 0;
}

bool lab_proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now;
	char state;

	if (pid <= 0 || read_stat(pid, &state, &now) < 0)
		return false;
	if (state == 'Z' || state == 'X')
		return false;	/* exited, not yet reaped */
	return start == 0 || now == start;
}

int lab_proc_signal(pid_t pid, unsigned long long start, int sig)
{
	int fd, rc = 0;

	/* The pidfd pins the process: checked once it is open, it cannot
	 * turn into another process with the same pid. */
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (!lab_proc_alive(pid, start)) {
		rc = -ESRCH;
	} else if (fd >= 0) {
		if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
			rc = -errno;
	} else if (kill(pid, sig) < 0) {
		rc = -errno;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Write "word" or "-" when word is empty. */
static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* Write lab's state to f. */
static void write_state(FILE *f, const struct lab *lab)
{
	char opts[128];

	lab_opts_format(&lab->opts, opts, sizeof(opts));
	fprintf(f, "# tunlab lab state (docs/labs.md); written before "
		"anything is created\n");
	fprintf(f, "name %s\nid %s\n", lab->name, lab->id);
	fprintf(f, "owner %d %llu\n", (int)lab->owner, lab->owner_start);
	fprintf(f, "phase %s\n", lab->phase);
	fprintf(f, "options %s\n", opts);
	fprintf(f, "dev-type %s\nclients %d\nrouter %d\nlan %d\nipv6 %d\n"
		"offload %d\nkeylog %d\n", lab_dev_type_name(lab->opts.dev_type),
		lab->opts.clients, lab->opts.router, lab->opts.lan,
		lab->opts.ipv6, lab->opts.offload, lab->opts.keylog);
	for (int i = 0; i < lab->nhosts; i++) {
		const struct lab_host *h = &lab->hosts[i];

		fprintf(f, "host %s %s %s %d\n", h->name, h->ns, h->tag,
			h->forward);
	}
	for (int i = 0; i < lab->nwires; i++) {
		for (int e = 0; e < 2; e++) {
			const struct lab_end *d = &lab->wires[i].end[e];

			fprintf(f, "dev %s %s %s %s %s peer %s\n",
				lab->hosts[d->host].name, d->role, d->ifname,
				d->addr4, or_dash(d->addr6),
				lab->wires[i].end[!e].ifname);
		}
	}
	for (int i = 0; i < lab->nhosts; i++) {
		const struct lab_host *h = &lab->hosts[i];

		if (h->gw4[0])
			fprintf(f, "route %s default %s\n", h->name, h->gw4);
		if (h->gw6[0])
			fprintf(f, "route %s default %s\n", h->name, h->gw6);
	}
	for (int i = 0; i < lab->nhosts; i++) {
		const struct lab_host *h = &lab->hosts[i];

		if (h->tun_ifname[0])
			fprintf(f, "tunnel %s %s %s %s\n", h->name,
				h->tun_ifname, h->tun_addr4,
				or_dash(h->tun_addr6));
	}
	fprintf(f, "probe %s/%s\n", lab->dir, TL_PROBE_SOCK_NAME);
	for (int i = 0; i < lab->nprocs; i++)
		fprintf(f, "pid %d %llu %s\n", (int)lab->procs[i].pid,
			lab->procs[i].start, lab->procs[i].what);
}

int labstate_save(const struct lab *lab, char *err)
{
	char path[LAB_DIR_MAX + 16], tmp[LAB_DIR_MAX + 16];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/" LAB_STATE_FILE, lab->dir);
	snprintf(tmp, sizeof(tmp), "%s/" LAB_STATE_FILE ".tmp", lab->dir);
	f = fopen(tmp, "we");
	if (!f) {
		rc = -errno;
		snprintf(err, LAB_ERRBUF, "writing %s: %s", tmp, strerror(-rc));
		return rc;
	}
	write_state(f, lab);
	if (ferror(f) | (fclose(f) != 0)) {
		rc = -EIO;
		goto out_unlink_tmp;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		goto out_unlink_tmp;
	}
	return 0;

out_unlink_tmp:
	unlink(tmp);
	snprintf(err, LAB_ERRBUF, "writing %s: %s", path, strerror(-rc));
	return rc;
}

/* Find host name in lab; -1 if none. */
static int host_index(const struct lab *lab, const char *name)
{
	for (int i = 0; i < lab->nhosts; i++)
		if (strcmp(lab->hosts[i].name, name) == 0)
			return i;
	return -1;
}

/* Copy a state word, turning "-" back into "". */
static void copy_word(char *dst, size_t len, const char *w)
{
	snprintf(dst, len, "%s", strcmp(w, "-") == 0 ? "" : w);
}

/* Apply one state line to lab; -EINVAL when it makes no sense. */
static int parse_line(struct lab *lab, char *line, int *ndevs)
{
	char *w[10] = { 0 };
	int n = 0, hi;

	for (char *p = strtok(line, " \t\n"); p && n < 10;
	     p = strtok(NULL, " \t\n"))
		w[n++] = p;
	if (n == 0 || w[0][0] == '#')
		return 0;
	if (n < 2)
		return -EINVAL;
	if (strcmp(w[0], "name") == 0) {
		snprintf(lab->name, sizeof(lab->name), "%s", w[1]);
	} else if (strcmp(w[0], "id") == 0) {
		snprintf(lab->id, sizeof(lab->id), "%s", w[1]);
	} else if (strcmp(w[0], "owner") == 0 && n >= 3) {
		lab->owner = atoi(w[1]);
		lab->owner_start = strtoull(w[2], NULL, 10);
	} else if (strcmp(w[0], "phase") == 0) {
		snprintf(lab->phase, sizeof(lab->phase), "%s", w[1]);
	} else if (strcmp(w[0], "dev-type") == 0) {
		lab_dev_type_parse(w[1], &lab->opts.dev_type);
	} else if (strcmp(w[0], "clients") == 0) {
		lab->opts.clients = atoi(w[1]);
	} else if (strcmp(w[0], "router") == 0) {
		lab->opts.router = atoi(w[1]);
	} else if (strcmp(w[0], "lan") == 0) {
		lab->opts.lan = atoi(w[1]);
	} else if (strcmp(w[0], "ipv6") == 0) {
		lab->opts.ipv6 = atoi(w[1]);
	} else if (strcmp(w[0], "offload") == 0) {
		lab->opts.offload = atoi(w[1]);
	} else if (strcmp(w[0], "keylog") == 0) {
		lab->opts.keylog = atoi(w[1]);
	} else if (strcmp(w[0], "host") == 0 && n >= 5) {
		struct lab_host *h = &lab->hosts[lab->nhosts];

		if (lab->nhosts == LAB_MAX_HOSTS)
			return -EINVAL;
		memset(h, 0, sizeof(*h));
		snprintf(h->name, sizeof(h->name), "%s", w[1]);
		snprintf(h->ns, sizeof(h->ns), "%s", w[2]);
		snprintf(h->tag, sizeof(h->tag), "%s", w[3]);
		h->forward = atoi(w[4]);
		lab->nhosts++;
	} else if (strcmp(w[0], "dev") == 0 && n >= 6) {
		struct lab_end *e;

		hi = host_index(lab, w[1]);
		if (hi < 0 || *ndevs / 2 >= LAB_MAX_WIRES)
			return -EINVAL;
		e = &lab->wires[*ndevs / 2].end[*ndevs % 2];
		e->host = hi;
		snprintf(e->role, sizeof(e->role), "%s", w[2]);
		snprintf(e->ifname, sizeof(e->ifname), "%s", w[3]);
		copy_word(e->addr4, sizeof(e->addr4), w[4]);
		copy_word(e->addr6, sizeof(e->addr6), w[5]);
		(*ndevs)++;
		lab->nwires = *ndevs / 2;
	} else if (strcmp(w[0], "route") == 0 && n >= 4) {
		hi = host_index(lab, w[1]);
		if (hi < 0)
			return -EINVAL;
		if (strchr(w[3], ':'))
			copy_word(lab->hosts[hi].gw6, LAB_ADDR_MAX, w[3]);
		else
			copy_word(lab->hosts[hi].gw4, LAB_ADDR_MAX, w[3]);
	} else if (strcmp(w[0], "tunnel") == 0 && n >= 5) {
		struct lab_host *h;

		hi = host_index(lab, w[1]);
		if (hi < 0)
			return -EINVAL;
		h = &lab->hosts[hi];
		snprintf(h->tun_ifname, sizeof(h->tun_ifname), "%s", w[2]);
		copy_word(h->tun_addr4, sizeof(h->tun_addr4), w[3]);
		copy_word(h->tun_addr6, sizeof(h->tun_addr6), w[4]);
	} else if (strcmp(w[0], "pid") == 0 && n >= 4) {
		struct lab_proc *p = &lab->procs[lab->nprocs];

		if (lab->nprocs == LAB_MAX_PROCS)
			return -EINVAL;
		p->pid = atoi(w[1]);
		p->start = strtoull(w[2], NULL, 10);
		snprintf(p->what, sizeof(p->what), "%s", w[3]);
		lab->nprocs++;
	}
	/* Unknown keys are for newer versions: skip them. */
	return 0;
}

int labstate_load(const char *name, struct lab *lab, char *err)
{
	char path[LAB_DIR_MAX + 16], line[STATE_LINE_MAX];
	int ndevs = 0, lineno = 0, rc = 0;
	FILE *f;

	if (!lab_name_valid(name)) {
		snprintf(err, LAB_ERRBUF, "bad lab name '%s'", name);
		return -EINVAL;
	}
	memset(lab, 0, sizeof(*lab));
	snprintf(lab->dir, sizeof(lab->dir), LAB_RUN_DIR "/%s", name);
	snprintf(path, sizeof(path), "%s/" LAB_STATE_FILE, lab->dir);
	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		snprintf(err, LAB_ERRBUF, "%s: %s", path, strerror(-rc));
		return rc;
	}
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		lineno++;
		rc = parse_line(lab, line, &ndevs);
	}
	fclose(f);
	if (rc == 0 && (strcmp(lab->name, name) != 0 ||
			strlen(lab->id) != LAB_ID_LEN || ndevs % 2))
		rc = -EINVAL;
	if (rc < 0)
		snprintf(err, LAB_ERRBUF, "%s:%d: the state file makes no "
			 "sense", path, lineno);
	return rc;
}

/* Order names alphabetically for qsort. */
static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int labstate_list(char (*names)[LAB_NAME_MAX + 1], int max)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(LAB_RUN_DIR);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.' || !lab_name_valid(de->d_name))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		/* lab_name_valid() bounds the length. */
		memcpy(names[n++], de->d_name, strlen(de->d_name) + 1);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	return n;
}

/* Whether a per-run id is in use: by a lab's state, a run directory or a
 * namespace (perhaps a leftover). */
static bool id_taken(const char *id)
{
	char names[256][LAB_NAME_MAX + 1], path[128], err[LAB_ERRBUF];
	struct dirent *de;
	bool taken = false;
	struct lab *other;
	int n;
	DIR *d;

	snprintf(path, sizeof(path), "tl%s-", id);
	d = opendir("/run/netns");
	while (d && (de = readdir(d)))
		if (strncmp(de->d_name, path, strlen(path)) == 0)
			taken = true;
	if (d)
		closedir(d);
	other = malloc(sizeof(*other));
	if (!other)
		return true;
	n = labstate_list(names, 256);
	for (int i = 0; i < n && !taken; i++) {
		snprintf(path, sizeof(path), "tl%s", id);
		if (strcmp(names[i], path) == 0 ||
		    (labstate_load(names[i], other, err) == 0 &&
		     strcmp(other->id, id) == 0))
			taken = true;
	}
	free(other);
	return taken;
}

/* A fresh random id of LAB_ID_LEN hex digits. */
static void random_id(char *id)
{
	unsigned char b[2] = { 0, 0 };

	if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
		unsigned int v = (unsigned int)getpid() ^
				 (unsigned int)time(NULL);

		b[0] = v;
		b[1] = v >> 8;
	}
	snprintf(id, LAB_ID_LEN + 1, "%02x%02x", b[0], b[1]);
}

int labstate_create(struct lab *lab, const char *name,
		    const struct lab_opts *opts, char *err)
{
	char id[LAB_ID_LEN + 1];
	int fd, rc = -EEXIST;

	if (name && *name && !lab_name_valid(name)) {
		snprintf(err, LAB_ERRBUF, "bad lab name '%s': use up to %d "
			 "letters, digits, '-' or '_'", name, LAB_NAME_MAX);
		return -EINVAL;
	}
	fd = lock_run_dir(err);
	if (fd < 0)
		return fd;
	for (int i = 0; i < ID_TRIES && rc == -EEXIST; i++) {
		random_id(id);
		if (!id_taken(id))
			rc = 0;
	}
	if (rc < 0) {
		snprintf(err, LAB_ERRBUF, "no free lab id after %d tries",
			 ID_TRIES);
		goto out_unlock;
	}
	rc = lab_plan(lab, name, id, opts, err);
	if (rc < 0)
		goto out_unlock;
	if (mkdir(lab->dir, 0755) < 0) {
		rc = -errno;
		if (rc == -EEXIST)
			snprintf(err, LAB_ERRBUF, "a lab named %s already "
				 "exists (tunlab status --lab %s)", lab->name,
				 lab->name);
		else
			snprintf(err, LAB_ERRBUF, "creating %s: %s", lab->dir,
				 strerror(-rc));
		goto out_unlock;
	}
	/* mkdir obeys the umask; the run directory is 0755 whatever it is. */
	chmod(lab->dir, 0755);
	lab->owner = getpid();
	lab->owner_start = lab_proc_start(lab->owner);
	snprintf(lab->phase, sizeof(lab->phase), "building");
	rc = labstate_save(lab, err);
	if (rc < 0)
		rmdir(lab->dir);

out_unlock:
	close(fd);
	return rc;
}

int labstate_take(struct lab *lab, const char *phase, bool only_if_stale,
		  char *err)
{
	struct lab *now;
	int fd, rc;

	now = malloc(sizeof(*now));
	if (!now) {
		snprintf(err, LAB_ERRBUF, "out of memory");
		return -ENOMEM;
	}
	fd = lock_run_dir(err);
	if (fd < 0) {
		rc = fd;
		goto out_free;
	}
	/* Decide on what the file says now, not on what we read before. */
	rc = labstate_load(lab->name, now, err);
	if (rc < 0)
		goto out_unlock;
	if (only_if_stale && labstate_owner_alive(now)) {
		snprintf(err, LAB_ERRBUF, "lab %s is owned by process %d, "
			 "which still runs", now->name, (int)now->owner);
		rc = -EBUSY;
		goto out_unlock;
	}
	now->owner = getpid();
	now->owner_start = lab_proc_start(now->owner);
	snprintf(now->phase, sizeof(now->phase), "%s", phase);
	rc = labstate_save(now, err);
	if (rc == 0)
		*lab = *now;

out_unlock:
	close(fd);
out_free:
	free(now);
	return rc;
}

bool labstate_owner_alive(const struct lab *lab)
{
	return lab_proc_alive(lab->owner, lab->owner_start);
}

/* Remove the files of dir (one level: the lab PKI lives in a
 * subdirectory), then dir itself. */
static int remove_flat_dir(const char *dir)
{
	char path[LAB_DIR_MAX + 600];
	struct dirent *de;
	int rc = 0;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) < 0 && errno != ENOENT)
			rc = -errno;
	}
	closedir(d);
	if (rc == 0 && rmdir(dir) < 0 && errno != ENOENT)
		rc = -errno;
	return rc;
}

int labstate_remove(const char *name)
{
	char dir[LAB_DIR_MAX], path[LAB_DIR_MAX + 300];
	struct dirent *de;
	int rc = 0;
	DIR *d;

	if (!lab_name_valid(name))
		return -EINVAL;
	snprintf(dir, sizeof(dir), LAB_RUN_DIR "/%s", name);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	/* Everything but the state first: a run cut short here still has
	 * its state, and tunlab down --stale finishes the job. */
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, LAB_STATE_FILE) == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) == 0 || errno == ENOENT)
			continue;
		if (errno == EISDIR) {
			int sub = remove_flat_dir(path);

			if (sub)
				rc = sub;
		} else {
			rc = -errno;
		}
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/" LAB_STATE_FILE, dir);
	if (rc == 0 && unlink(path) < 0 && errno != ENOENT)
		rc = -errno;
	if (rc == 0 && rmdir(dir) < 0 && errno != ENOENT)
		rc = -errno;
	return rc;
}

int labstate_remove_orphan(const char *name, char *err)
{
	char path[LAB_DIR_MAX + 16];
	int fd, rc = 0;

	if (!lab_name_valid(name))
		return -EINVAL;
	fd = lock_run_dir(err);
	if (fd < 0)
		return fd;
	/* Under the lock no tunlab up is between mkdir and its first save. */
	snprintf(path, sizeof(path), LAB_RUN_DIR "/%s/" LAB_STATE_FILE, name);
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		rc = labstate_remove(name);
		if (rc == 0)
			rc = 1;
		else
			snprintf(err, LAB_ERRBUF, "removing " LAB_RUN_DIR
				 "/%s: %s", name, strerror(-rc));
	}
	close(fd);
	return rc;
}
