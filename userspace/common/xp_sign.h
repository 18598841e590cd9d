/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_sign.h - Ed25519 keys and detached signatures for the snapshot (libsodium). */
#ifndef XP_SIGN_H
#define XP_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define XP_SIGN_PUBLIC 32
#define XP_SIGN_SECRET 64
#define XP_SIGN_BYTES  64
#define XP_SIGN_TEXT   160 /* a signature file: "xpool-ed25519 signature HEX\n" */

/*
 * Makes a key pair: the secret key in path (mode 0600, never overwritten) and the public key
 * in path.pub. 0, or -errno with the reason in err.
 */
int xp_sign_keygen(const char *path, char *err, size_t n);

/* Reads a key file written by xp_sign_keygen: 0, or -EINVAL / -errno with the reason in err. */
int xp_sign_load_secret(const char *path, uint8_t sk[XP_SIGN_SECRET], char *err, size_t n);
int xp_sign_load_public(const char *path, uint8_t pk[XP_SIGN_PUBLIC], char *err, size_t n);

/* The signature file's text for data (NUL-terminated, at most XP_SIGN_TEXT bytes). */
void xp_sign_text(const void *data, size_t len, const uint8_t sk[XP_SIGN_SECRET],
		  char out[XP_SIGN_TEXT]);

/* Does sig (a signature file's bytes) sign data under pk? 0, or -EBADMSG / -EINVAL. */
int xp_sign_verify(const void *data, size_t len, const char *sig, size_t sig_len,
		   const uint8_t pk[XP_SIGN_PUBLIC]);

/*
 * Writes data to path through a temporary file (synced) and a rename, with mode, then syncs
 * the directory: a reader sees the old file or the new one, never half of one. 0 or -errno.
 */
int xp_write_atomic(const char *path, const void *data, size_t len, int mode);

#endif
