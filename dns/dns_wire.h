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

/* header flags (RFC 1035 4.1.1, RFC 4035 3.2) */
#define DNS_FLAG_QR	0x8000
#define DNS_OPCODE_MASK 0x7800
#define DNS_FLAG_AA	0x0400
#define DNS_FLAG_TC	0x0200
#define DNS_FLAG_RD	0x0100
#define DNS_FLAG_RA	0x0080
#define DNS_FLAG_AD	0x0020
#define DNS_FLAG_CD	0x0010
#define DNS_EDNS_DO	0x8000 /* in the OPT record's TTL */

/* EDNS options (IANA DNS EDNS0 Option Codes) */
#define DNS_OPT_NSID   3  /* RFC 5001 */
#define DNS_OPT_ECS    8  /* RFC 7871 */
#define DNS_OPT_COOKIE 10 /* RFC 7873 */
#define DNS_COOKIE_CLIENT_LEN 8
#define DNS_COOKIE_SERVER_LEN 16 /* what we send (RFC 9018); we accept 8-32 */
#define DNS_NSID_MAX	      128

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
	bool nsid;	  /* the client asked for our NSID */
	bool cookie;	  /* a COOKIE option: the client cookie, and a server cookie if any */
	uint8_t cookie_client[DNS_COOKIE_CLIENT_LEN];
	uint8_t cookie_server[32];
	uint8_t cookie_server_len; /* 0, or 8-32 */
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

/* What the response's OPT record carries besides its header (the query's own options echoed). */
struct dns_opt_out {
	uint8_t ecs_scope; /* with the query's ECS option */
	bool cookie;	   /* COOKIE: the client cookie and a server cookie of ours */
	uint8_t cookie_data[DNS_COOKIE_CLIENT_LEN + DNS_COOKIE_SERVER_LEN];
	const uint8_t *nsid; /* NSID, when the query asked and we have one */
	uint8_t nsid_len;
};

/* A response under construction. limit is the largest message the transport takes. */
struct dns_msg {
	uint8_t *buf;
	size_t limit, len, reserve; /* reserve: room kept for the OPT record */
	size_t qend;		    /* end of header and question */
	uint16_t count[3];
	bool tc;
	const struct dns_opt_out *opt; /* may be NULL: ECS (scope 0) only */
};

/*
 * Header and question (copied from pkt, so the client's 0x20 case is kept). Opcodes other than
 * QUERY get none of the flags defined only for QUERY (AA, RD, CD; RA and AD are never set).
 * opt is read again by dns_msg_finish (the ECS scope may be set in between).
 */
void dns_msg_start(struct dns_msg *m, uint8_t *buf, size_t limit, const struct dns_query *q,
		   const uint8_t *pkt, const struct dns_opt_out *opt);
/* Clears AA (not authoritative for what we refuse). */
void dns_msg_not_authoritative(struct dns_msg *m);
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
/*
 * Rcode, counts, and the OPT record when the query had one (with the options of m->opt). Never
 * writes past the limit, whatever was reserved: records go first (TC), then ECS, NSID and
 * COOKIE, then the OPT record itself.
 */
size_t dns_msg_finish(struct dns_msg *m, const struct dns_query *q, int rcode);

/* Cuts a finished response to header and question with TC set (RRL slip): the new length. */
size_t dns_msg_truncate(uint8_t *msg, size_t len);

/* Dotted name to wire form: length, or -EINVAL. */
int dns_name_to_wire(const char *dotted, uint8_t *wire, size_t cap);

#endif
