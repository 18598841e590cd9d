// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xp_sign.c - Ed25519 keys and detached signatures for the snapshot (libsodium). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "xp_log.h"
#include "xp_sign.h"

#define TAG "xpool-ed25519"

_Static_assert(crypto_sign_PUBLICKEYBYTES == XP_SIGN_PUBLIC, "Ed25519 public key");
_Static_assert(crypto_sign_SECRETKEYBYTES == XP_SIGN_SECRET, "Ed25519 secret key");
_Static_assert(crypto_sign_BYTES == XP_SIGN_BYTES, "Ed25519 signature");

/* The rename reaches the disk too (best effort: not every file system syncs a directory). */
static void sync_dir(const char *path)
{
	char dir[4200];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int xp_write_atomic(const char *path, const void *data, size_t len, int mode)
{
	char tmp[4200];
	int fd, ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	/* the whole file reaches the disk before it takes the name: a reader never sees half */
	if (write(fd, data, len) != (ssize_t)len || fsync(fd))
		ret = errno ? -errno : -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	else
		sync_dir(path);
	return ret;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, b, n);
}

int xp_sign_keygen(const char *path, char *err, size_t n)
{
	uint8_t pk[XP_SIGN_PUBLIC], sk[XP_SIGN_SECRET];
	char line[2 * XP_SIGN_SECRET + 64], pub[4200];
	int fd, ret = 0;

	if (sodium_init() < 0)
		return snprintf(err, n, "libsodium cannot start"), -EIO;
	crypto_sign_keypair(pk, sk);
	/* never overwrite a key: a pool's DNS hosts trust it */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, n, "%s: %s", path, strerror(errno));
		goto out;
	}
	memcpy(line, TAG " secret ", sizeof(TAG " secret ") - 1);
	hex(sk, sizeof(sk), line + sizeof(TAG " secret ") - 1);
	strcat(line, "\n");
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line) || fsync(fd))
		ret = -EIO;
	close(fd);
	if (ret) {
		snprintf(err, n, "%s: cannot write the key", path);
		unlink(path);
		goto out;
	}
	snprintf(pub, sizeof(pub), "%s.pub", path);
	memcpy(line, TAG " public ", sizeof(TAG " public ") - 1);
	hex(pk, sizeof(pk), line + sizeof(TAG " public ") - 1);
	strcat(line, "\n");
	ret = xp_write_atomic(pub, line, strlen(line), 0644);
	if (ret) {
		snprintf(err, n, "%s: %s", pub, strerror(-ret));
		unlink(path);
	}
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(line, sizeof(line));
	return ret;
}

/* Reads "xpool-ed25519 KIND HEX" from path into out (len bytes). */
static int load_key(const char *path, const char *kind, uint8_t *out, size_t len, char *err,
		    size_t n)
{
	char buf[512], want[64];
	size_t got = 0, pl;
	FILE *f = fopen(path, "r");
	struct stat st;
	int ret = 0;

	if (!f)
		return snprintf(err, n, "%s: %s", path, strerror(errno)), -errno;
	/* a secret key every user may read is no longer the pool's alone */
	if (!strcmp(kind, "secret") && !fstat(fileno(f), &st) && (st.st_mode & S_IROTH))
		xp_warn("%s: a secret key every user may read (mode %04o): chmod o-r %s (xpoolctl "
			"key generate writes 0600)",
			path, (unsigned)(st.st_mode & 07777), path);
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	snprintf(want, sizeof(want), TAG " %s ", kind);
	pl = strlen(want);
	buf[strcspn(buf, "\n")] = 0;
	if (strncmp(buf, want, pl) || strlen(buf + pl) != 2 * len ||
	    sodium_hex2bin(out, len, buf + pl, 2 * len, NULL, &got, NULL) || got != len) {
		snprintf(err, n, "%s: not an xpool %s key (expected '%sHEX')", path, kind, want);
		ret = -EINVAL;
	}
	sodium_memzero(buf, sizeof(buf));
	return ret;
}

int xp_sign_load_secret(const char *path, uint8_t sk[XP_SIGN_SECRET], char *err, size_t n)
{
	return load_key(path, "secret", sk, XP_SIGN_SECRET, err, n);
}

int xp_sign_load_public(const char *path, uint8_t pk[XP_SIGN_PUBLIC], char *err, size_t n)
{
	return load_key(path, "public", pk, XP_SIGN_PUBLIC, err, n);
}

void xp_sign_text(const void *data, size_t len, const uint8_t sk[XP_SIGN_SECRET],
		  char out[XP_SIGN_TEXT])
{
	uint8_t sig[XP_SIGN_BYTES];
	size_t o = sizeof(TAG " signature ") - 1;

	crypto_sign_detached(sig, NULL, data, len, sk);
	memcpy(out, TAG " signature ", o);
	hex(sig, sizeof(sig), out + o);
	strcat(out, "\n");
}

int xp_sign_verify(const void *data, size_t len, const char *sig, size_t sig_len,
		   const uint8_t pk[XP_SIGN_PUBLIC])
{
	const size_t pl = sizeof(TAG " signature ") - 1;
	uint8_t s[XP_SIGN_BYTES];
	size_t got = 0;

	/* exactly one line: the tag and 128 hex digits, a newline at most after them */
	if (sig_len < pl + 2 * XP_SIGN_BYTES || sig_len > pl + 2 * XP_SIGN_BYTES + 1 ||
	    memcmp(sig, TAG " signature ", pl) ||
	    (sig_len == pl + 2 * XP_SIGN_BYTES + 1 && sig[sig_len - 1] != '\n') ||
	    sodium_hex2bin(s, sizeof(s), sig + pl, 2 * XP_SIGN_BYTES, NULL, &got, NULL) ||
	    got != sizeof(s))
		return -EINVAL;
	return crypto_sign_verify_detached(s, data, len, pk) ? -EBADMSG : 0;
}
