// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_priv.c - the daemons' one privilege drop: the set kept, nothing more, maybe a user. */
#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "xp_priv.h"

static int has(cap_value_t c, cap_flag_t set)
{
	cap_t now = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	cr_assert_not_null(now);
	cr_assert_eq(cap_get_flag(now, c, set, &v), 0);
	cap_free(now);
	return v == CAP_SET;
}

/* Each test runs in a process of its own (Criterion forks): the drop ends with it. */
Test(xp_priv, keeps_the_set_and_no_more)
{
	static const cap_value_t keep[] = {CAP_NET_ADMIN, CAP_DAC_OVERRIDE};
	char why[256];

	if (geteuid())
		cr_skip_test("needs root: capabilities to drop");
	cr_assert_eq(xp_priv_drop(keep, 2, NULL, why, sizeof(why)), 0, "%s", why);
	cr_expect_str_empty(why);
	cr_expect(has(CAP_NET_ADMIN, CAP_EFFECTIVE) && has(CAP_NET_ADMIN, CAP_PERMITTED));
	cr_expect(has(CAP_DAC_OVERRIDE, CAP_EFFECTIVE));
	cr_expect(!has(CAP_SYS_ADMIN, CAP_PERMITTED), "CAP_SYS_ADMIN was not kept");
	cr_expect(!has(CAP_NET_RAW, CAP_PERMITTED), "CAP_NET_RAW was not kept");
	cr_expect_eq(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
}

Test(xp_priv, an_empty_set_drops_everything)
{
	char why[256];

	if (geteuid())
		cr_skip_test("needs root: capabilities to drop");
	cr_assert_eq(xp_priv_drop(NULL, 0, NULL, why, sizeof(why)), 0, "%s", why);
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		cr_expect(!has(c, CAP_PERMITTED), "capability %d kept", c);
}

/* A user switch keeps the set across the change of uid, and only it. */
Test(xp_priv, switches_user_keeping_the_set)
{
	static const cap_value_t keep[] = {CAP_NET_BIND_SERVICE};
	struct passwd *pw = getpwnam("nobody");
	char why[256];

	if (geteuid())
		cr_skip_test("needs root: a user to switch from");
	cr_assert_not_null(pw, "no user nobody");
	cr_assert_eq(xp_priv_drop(keep, 1, "nobody", why, sizeof(why)), 0, "%s", why);
	cr_expect_eq(getuid(), pw->pw_uid);
	cr_expect_eq(geteuid(), pw->pw_uid);
	cr_expect_eq(getgid(), pw->pw_gid);
	cr_expect(has(CAP_NET_BIND_SERVICE, CAP_EFFECTIVE));
	cr_expect(!has(CAP_NET_ADMIN, CAP_PERMITTED));
}

Test(xp_priv, an_unknown_user_is_refused_with_its_name)
{
	char why[256];

	cr_expect_eq(xp_priv_drop(NULL, 0, "xpool-no-such-user", why, sizeof(why)), -ENOENT);
	cr_expect(strstr(why, "xpool-no-such-user") != NULL, "%s", why);
}
