// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_sign.c - Ed25519 keys and detached snapshot signatures: what verifies and what does not. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <criterion/criterion.h>

#include "xp_sign.h"
#include "xt_tmp.h"

static char key[XT_TMP_PATH], pub[XT_TMP_PATH + 8];

static void keys(void)
{
	char err[256];

	xt_tmp_name("key", "sec", key);
	snprintf(pub, sizeof(pub), "%s.pub", key);
	cr_assert_eq(xp_sign_keygen(key, err, sizeof(err)), 0, "%s", err);
}

static void drop(void)
{
	unlink(key);
	unlink(pub);
}

TestSuite(sign, .init = keys, .fini = drop);

Test(sign, round_trip_and_tampering)
{
	static const char doc[] = "{\"generated\": \"2026-11-26T12:00:00Z\", \"servers\": []}\n";
	uint8_t sk[XP_SIGN_SECRET], pk[XP_SIGN_PUBLIC];
	char sig[XP_SIGN_TEXT], err[256], other[XT_TMP_PATH];
	char bad[sizeof(doc)];

	cr_assert_eq(xp_sign_load_secret(key, sk, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(xp_sign_load_public(pub, pk, err, sizeof(err)), 0, "%s", err);
	xp_sign_text(doc, strlen(doc), sk, sig);
	cr_expect_eq(xp_sign_verify(doc, strlen(doc), sig, strlen(sig), pk), 0);
	/* one flipped bit anywhere in the document */
	for (size_t i = 0; i < strlen(doc); i++) {
		memcpy(bad, doc, sizeof(doc));
		bad[i] ^= 1;
		cr_expect_eq(xp_sign_verify(bad, strlen(doc), sig, strlen(sig), pk), -EBADMSG,
			     "%zu", i);
	}
	cr_expect_eq(xp_sign_verify(doc, strlen(doc) - 1, sig, strlen(sig), pk), -EBADMSG,
		     "a truncated document");
	/* another key's public key */
	xt_tmp_name("key2", "sec", other);
	cr_assert_eq(xp_sign_keygen(other, err, sizeof(err)), 0);
	{
		char opub[XT_TMP_PATH + 8];
		uint8_t pk2[XP_SIGN_PUBLIC];

		snprintf(opub, sizeof(opub), "%s.pub", other);
		cr_assert_eq(xp_sign_load_public(opub, pk2, err, sizeof(err)), 0);
		cr_expect_eq(xp_sign_verify(doc, strlen(doc), sig, strlen(sig), pk2), -EBADMSG);
		unlink(opub);
	}
	unlink(other);
	/* malformed signature files: a defined refusal, never a crash */
	cr_expect_eq(xp_sign_verify(doc, strlen(doc), "", 0, pk), -EINVAL);
	cr_expect_eq(xp_sign_verify(doc, strlen(doc), sig, strlen(sig) - 2, pk), -EINVAL);
	sig[20] = 'x';
	cr_expect_eq(xp_sign_verify(doc, strlen(doc), sig, strlen(sig), pk), -EINVAL);
	/* the wrong kind of key file */
	cr_expect_eq(xp_sign_load_public(key, pk, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "not an xpool public key") != NULL, "%s", err);
	cr_expect_neq(xp_sign_keygen(key, err, sizeof(err)), 0, "a key is never overwritten");
}

/* A secret key every user may read draws a warning with the fix (0600 from keygen: none). */
Test(sign, readable_secret_key_warns)
{
	char err[256], out[XT_TMP_PATH], buf[1024] = "";
	uint8_t sk[XP_SIGN_SECRET], pk[XP_SIGN_PUBLIC];
	FILE *f;
	int fd;

	cr_assert_eq(xt_tmp_file("err", "", 0, out), 0);
	fd = open(out, O_WRONLY);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	cr_assert_eq(xp_sign_load_secret(key, sk, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(xp_sign_load_public(pub, pk, err, sizeof(err)), 0, "%s", err);
	fflush(stderr);
	f = fopen(out, "r");
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = 0;
	fclose(f);
	cr_expect_str_eq(buf, "", "keygen's 0600 key, a 0644 public key: no warning");
	cr_assert_eq(chmod(key, 0644), 0);
	cr_assert_eq(xp_sign_load_secret(key, sk, err, sizeof(err)), 0, "%s", err);
	fflush(stderr);
	f = fopen(out, "r");
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = 0;
	fclose(f);
	cr_expect(strstr(buf, "warning: ") && strstr(buf, key) && strstr(buf, "(mode 0644)") &&
			  strstr(buf, "chmod o-r"),
		  "%s", buf);
	unlink(out);
}
