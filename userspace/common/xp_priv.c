// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_priv.c - the daemons' one way to drop privileges: keep a set of capabilities, maybe a user. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "xp_priv.h"

static int switch_user(const char *user, char *why, size_t len)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		int ret = errno ? -errno : -ENOENT;

		snprintf(why, len, "user %s: %s", user, errno ? strerror(errno) : "no such user");
		return ret;
	}
	/* the capabilities kept survive the uid change; they are cut to the set just after */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || initgroups(pw->pw_name, pw->pw_gid) ||
	    setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
		int ret = -errno;

		snprintf(why, len, "cannot switch to user %s: %s", user, strerror(-ret));
		return ret;
	}
	return 0;
}

int xp_priv_drop(const cap_value_t *keep, int n, const char *user, char *why, size_t len)
{
	cap_t caps = NULL;
	int ret = 0;

	why[0] = 0;
	if (user && user[0]) {
		ret = switch_user(user, why, len);
		if (ret)
			goto out;
	}
	caps = cap_init(); /* empty: what is not kept is dropped */
	if (!caps ||
	    (n > 0 && (cap_set_flag(caps, CAP_PERMITTED, n, keep, CAP_SET) ||
		       cap_set_flag(caps, CAP_EFFECTIVE, n, keep, CAP_SET))) ||
	    cap_set_proc(caps)) {
		ret = -errno;
		snprintf(why, len, "cannot drop capabilities: %s", strerror(-ret));
		goto out;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		snprintf(why, len, "cannot set no_new_privs: %s", strerror(errno));
out:
	if (caps)
		cap_free(caps);
	return ret;
}
