/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_wire.h - DNS message parsing and building: no I/O, no allocation, fuzzed. */
#ifndef DNS_WIRE_H
#define DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HDR_LEN	 12
#define DNS_MAX_LABELS	 127
#define DNS_UDP_MAX	 1232 /* our EDNS payload size: no fragmentation (DNS flag day 2020) */
#define DNS_UDP_MIN	 512
#define DNS_DROP	 (-1) /* no answer at all: not a query, or too short to have an ID */

enum dns_rcode {
	DNS_NOERROR = 0,
	DNS_FORMERR = 1,
	DNS_SERVFAIL = 2,
	DNS_NXDOMAIN = 3,
	DNS_NOTIMP = 4,
	DNS_REFUSED = 5,
	DNS_BADVERS = 16, /* extended: needs OPT */
};

enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_SOA = 6,
	DNS_T_HINFO = 13,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_OPT = 41,
	DNS_T_ANY = 255,
};

enum dns_class { DNS_C_IN = 1, DNS_C_CH = 3, DNS_C_ANY = 255 };
enum dns_section { DNS_AN, DNS_NS, DNS_AR };

struct dns_query {
	uint16_t id;
	uint16_t flags; /* as received */
	uint8_t opcode;
	bool question_ok;  /* the question parsed: echo it */
	size_t question_end;
	int labels;
	size_t name_wire_len; /* including the root label */
	uint16_t qtype, qclass;
	bool edns;
	uint16_t edns_udp;
	uint8_t edns_version;
	bool edns_do;
	bool ecs;
	uint16_t ecs_family; /* 1 IPv4, 2 IPv6 */
	uint8_t ecs_source;
	uint8_t ecs_addr[16];
	/* the name, lowercased, as labels: name[label_off[i]] .. + label_len[i] (not cleared) */
	uint8_t name[256];
	uint8_t label_off[DNS_MAX_LABELS], label_len[DNS_MAX_LABELS];
};

/*
 * Parses a query. 0: answer it; DNS_DROP: send nothing; otherwise the rcode of the error
 * response to send (FORMERR, NOTIMP, BADVERS), with whatever of q could be parsed.
 */
int dns_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q);

/* Does label i of q equal s (lowercase ASCII)? */
bool dns_label_is(const struct dns_query *q, int i, const char *s);

/* A response under construction. limit is the largest message the transport takes. */
struct dns_msg {
	uint8_t *buf;
	size_t limit, len, reserve; /* reserve: room kept for the OPT record */
	size_t qend;		    /* end of header and question */
	uint16_t count[3];
	bool tc;
};

/* Header and question (copied from pkt, so the client's 0x20 case is kept). */
void dns_msg_start(struct dns_msg *m, uint8_t *buf, size_t limit, const struct dns_query *q,
		   const uint8_t *pkt);
/*
 * Appends one RR. owner: a compression pointer target (12 = the question name), or
 * DNS_OWNER_WIRE with the wire name in owner_wire. -ENOSPC when it does not fit (nothing is
 * written; the caller sets TC for answers).
 */
#define DNS_OWNER_WIRE 0xffff
int dns_msg_rr(struct dns_msg *m, enum dns_section sec, uint16_t owner, const uint8_t *owner_wire,
	       size_t owner_len, uint16_t type, uint16_t class, uint32_t ttl, const void *rdata,
	       size_t rdlen);
/* Removes the answer section (for TC responses). */
void dns_msg_drop_answers(struct dns_msg *m, size_t answers_start);
/* Rcode, counts, and the OPT record when the query had one (ECS echoed with scope). */
size_t dns_msg_finish(struct dns_msg *m, const struct dns_query *q, int rcode, uint8_t ecs_scope);

/* Cuts a finished response to header and question with TC set (RRL slip): the new length. */
size_t dns_msg_truncate(uint8_t *msg, size_t len);

/* Dotted name to wire form: length, or -EINVAL. */
int dns_name_to_wire(const char *dotted, uint8_t *wire, size_t cap);

#endif
