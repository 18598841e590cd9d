// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fuzz_api.c - libFuzzer target: any request (method, path, headers, body) to xpool-api's routes. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "reg_acct.h"
#include "reg_db.h"

/*
 * The input is "METHOD\nPATH\nAUTH\nCLIENT\nBODY": AUTH "T" stands for a valid token of the
 * fuzzer's account, "R" for a revoked one; anything else is sent as the Authorization header
 * ("-" for none). The registry is a SQLite file of the run's own; the check before listing is a
 * stand-in (no packet leaves): an address whose last byte is even passes.
 */
static struct api a;
static char db_path[64], token[REG_TOKEN_LEN + 8], revoked[REG_TOKEN_LEN + 8];
static long fuzz_account;

static int probe(const char *ip, uint16_t port, int tries, int timeout_ms, struct xp_ntp_reply *out,
		 char *why, size_t n)
{
	size_t len = strlen(ip);

	(void)port;
	(void)tries;
	(void)timeout_ms;
	memset(out, 0, sizeof(*out));
	out->stratum = 2;
	if (len && (ip[len - 1] - '0') % 2 == 0)
		return 0;
	snprintf(why, n, "no answer");
	return -ETIMEDOUT;
}

static void cleanup(void)
{
	char p[80];

	unlink(db_path);
	snprintf(p, sizeof(p), "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db_path);
	unlink(p);
}

static void init(void)
{
	char hash[REG_PWHASH_MAX], tok[REG_TOKEN_LEN + 1];
	struct reg *db;
	long id;

	reg_password_fuzz_cost();
	snprintf(db_path, sizeof(db_path), "/dev/shm/xpool-fuzz-api-%d.db", (int)getpid());
	cleanup();
	atexit(cleanup);
	if (reg_open(db_path, REG_OPEN_CREATE, &db) ||
	    reg_password_hash("correct horse", hash, NULL, 0) ||
	    reg_account_add(db, "fuzz@pool.test", hash, &id) || reg_token_new(db, id, tok))
		abort();
	fuzz_account = id;
	snprintf(token, sizeof(token), "Bearer %s", tok);
	if (reg_token_new(db, id, tok) || reg_token_revoke(db, tok))
		abort();
	snprintf(revoked, sizeof(revoked), "Bearer %s", tok);
	reg_close(db);
	a.max_body = 4096;
	a.max_servers = 3;
	a.account_rate = a.signup_rate = 100000;
	a.check_tries = 1;
	a.check_timeout_ms = 100;
	a.retention_days = 90;
	a.test_addresses = true;
	sem_init(&a.hash_slots, 0, 2);
	if (api_limit_init(&a.by_account, 100000) || api_limit_init(&a.by_addr, 100000) ||
	    api_limit_init(&a.check_fails, 100000) ||
	    api_db_open(&a.db, db_path, 1) || api_checks_start(&a.checks, 1, 60, 123, 1, 100, probe))
		abort();
}

static void new_token(void)
{
	char tok[REG_TOKEN_LEN + 1];
	struct reg *db;
	long id;

	if (api_db_take(&a.db, &db))
		abort();
	if (reg_token_account(db, revoked + 7, &id) != -EACCES)
		abort(); /* the revoked token must stay refused */
	if (reg_token_new(db, fuzz_account, tok))
		abort();
	api_db_give(&a.db, db);
	snprintf(token, sizeof(token), "Bearer %s", tok);
}

/* The next '\n'-ended field of in[*off..n) as a string (NULL: the input ended first). */
static char *field(const uint8_t *in, size_t n, size_t *off)
{
	const uint8_t *nl = *off < n ? memchr(in + *off, '\n', n - *off) : NULL;
	char *s;

	if (!nl)
		return NULL;
	s = strndup((const char *)in + *off, (size_t)(nl - (in + *off)));
	*off = (size_t)(nl - in) + 1;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static bool ready;
	char *method = NULL, *path = NULL, *auth = NULL, *client = NULL;
	struct api_req q = {0};
	struct api_resp r;
	size_t off = 0;

	if (!ready) {
		init();
		ready = true;
	}
	if (!(method = field(in, size, &off)) || !(path = field(in, size, &off)) ||
	    !(auth = field(in, size, &off)) || !(client = field(in, size, &off)))
		goto out;
	q.method = method;
	q.path = path;
	q.auth = !strcmp(auth, "T") ? token : !strcmp(auth, "R") ? revoked
					      : !strcmp(auth, "-") ? NULL
								   : auth;
	snprintf(q.client, sizeof(q.client), "%s", client);
	q.body = (const char *)in + off;
	q.len = size - off;
	q.too_big = q.len > (size_t)a.max_body;
	api_handle(&a, &q, &r);
	/* every answer is defined: a status, and a JSON body but for 204 */
	if (r.status < 200 || r.status > 599 || (r.status != 204 && (!r.body || r.len == 0)))
		abort();
	free(r.body);
	if (q.auth == token && !strcmp(method, "DELETE") && !strcmp(path, "/v1/tokens"))
		new_token(); /* the fuzzer revoked its own token: the next inputs get another */
out:
	free(method);
	free(path);
	free(auth);
	free(client);
	return 0;
}
