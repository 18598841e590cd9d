/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xt_dns.h - test DNS queries, built byte by byte, and a reader for responses. */
#ifndef XT_DNS_H
#define XT_DNS_H

#include <stddef.h>
#include <stdint.h>

struct xt_q {
	const char *name;
	uint16_t qtype, qclass; /* default A, IN */
	uint16_t flags;		/* default RD */
	int edns;		/* add an OPT */
	uint16_t udp;		/* its payload size, default 1232 */
	uint8_t version;
	int ecs_family;		/* 1 or 2: add ECS */
	uint8_t ecs_source, ecs_scope;
	const char *ecs_addr;
	const uint8_t *cookie; /* a COOKIE option of cookie_len bytes */
	size_t cookie_len;
	int nsid;	       /* an empty NSID option */
};

size_t xt_dns_query(const struct xt_q *q, uint16_t id, uint8_t *buf);

/* A parsed response: header fields and the answers' addresses. */
struct xt_r {
	uint16_t id, flags, qd, an, ns, ar;
	int rcode;	  /* with the extended bits from OPT */
	int has_opt, ecs_scope;
	uint16_t opt_udp;
	int n_addr;
	char addr[16][48]; /* A/AAAA rdata as text */
	uint16_t an_type[32];
	uint32_t an_ttl[32], ns_ttl;
	uint16_t ns_type;
	uint8_t cookie[40];	  /* the COOKIE option of the OPT record */
	int cookie_len;		  /* -1: none */
	uint8_t nsid[128];
	int nsid_len;		  /* -1: none */
};

int xt_dns_read(const uint8_t *msg, size_t len, struct xt_r *r);

#endif
