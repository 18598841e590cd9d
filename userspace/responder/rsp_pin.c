// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* rsp_pin.c - whether the responder's pin path outlives the process that pins there. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "rsp_pin.h"

/* The nearest existing path at or above dir, into p; 0 or -errno. */
static int nearest_existing(const char *dir, char *p, size_t n, struct stat *st)
{
	if (snprintf(p, n, "%s", dir) >= (int)n)
		return -ENAMETOOLONG;
	for (;;) {
		char *slash;

		if (!stat(p, st))
			return 0;
		if (errno != ENOENT)
			return -errno;
		slash = strrchr(p, '/');
		if (!slash)
			return -ENOENT;
		if (slash == p)
			slash[1] = 0; /* "/" */
		else
			*slash = 0;
	}
}

/* The parent of pid, from /proc/PID/stat (the command name may hold spaces and parentheses). */
static int parent_of(int pid)
{
	char path[64], buf[512], *close_paren;
	FILE *f;
	int ppid = -1;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	close_paren = strrchr(buf, ')');
	if (!close_paren || sscanf(close_paren + 1, " %*c %d", &ppid) != 1)
		return -EINVAL;
	return ppid;
}

/*
 * The nearest ancestor in another mount namespace than ours: its pid, 0 when every ancestor up
 * to PID 1 shares ours, or -errno when one cannot be read.
 */
static int ancestor_elsewhere(void)
{
	char self[64], other[64], path[64];
	ssize_t n = readlink("/proc/self/ns/mnt", self, sizeof(self) - 1);
	int pid = getpid();

	if (n < 0)
		return -errno;
	self[n] = 0;
	for (int depth = 0; depth < 256 && pid > 1; depth++) {
		pid = parent_of(pid);
		if (pid <= 0)
			return pid < 0 ? pid : 0; /* 0: outside our PID namespace */
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
		n = readlink(path, other, sizeof(other) - 1);
		if (n < 0)
			return -errno;
		other[n] = 0;
		if (strcmp(self, other))
			return pid;
	}
	return 0;
}

int rsp_pin_lasting(const char *dir)
{
	char p[PATH_MAX], theirs[PATH_MAX + 64];
	struct stat here, there;
	struct statfs fs;
	int ret, pid;

	ret = nearest_existing(dir, p, sizeof(p), &here);
	if (ret)
		return ret;
	if (statfs(p, &fs))
		return -errno;
	if (fs.f_type != BPF_FS_MAGIC)
		return -ENOTSUP;
	pid = ancestor_elsewhere();
	if (pid <= 0)
		return pid; /* 0: our mount namespace is our ancestors', PID 1's: the pins last */
	snprintf(theirs, sizeof(theirs), "/proc/%d/root%s", pid, p);
	if (stat(theirs, &there))
		return errno == ENOENT ? -EXDEV : -errno;
	return there.st_dev == here.st_dev ? 0 : -EXDEV;
}

/* The name under /run/netns of our network namespace, or "" (not one that ip made). */
static void netns_name(char *name, size_t n)
{
	struct stat self, st;
	struct dirent *e;
	DIR *d;

	name[0] = 0;
	if (stat("/proc/self/ns/net", &self))
		return;
	d = opendir("/run/netns");
	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[300];

		snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
		if (e->d_name[0] != '.' && !stat(path, &st) && st.st_dev == self.st_dev &&
		    st.st_ino == self.st_ino) {
			snprintf(name, n, "%s", e->d_name);
			break;
		}
	}
	closedir(d);
}

const char *rsp_pin_advice(const char *dir, int verdict, char *buf, size_t n)
{
	char ns[256];

	if (verdict == -ENOTSUP) {
		snprintf(buf, n,
			 "pin-path %s is not on a bpffs: the maps cannot be pinned there; give a "
			 "pin-path under the host's bpffs (/sys/fs/bpf/NAME)",
			 dir);
		return buf;
	}
	netns_name(ns, sizeof(ns));
	snprintf(buf, n,
		 "pin-path %s is on a bpffs private to this process's mount namespace (as `ip "
		 "netns exec` makes one per command): the pinned maps vanish when it exits, and "
		 "a restarted xpool-ntpd, xpoolctl ntp stats and detach --unpin will not find "
		 "them; start it with `nsenter --net=/run/netns/%s` instead, which keeps the "
		 "host's /sys/fs/bpf, or give a pin-path on the host's bpffs",
		 dir, ns[0] ? ns : "NAME");
	return buf;
}
