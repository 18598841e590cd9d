/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dns_frame.h - Ethernet frames of the AF_XDP path: a UDP query parsed, its reply built in place.
 */
#ifndef DNS_FRAME_H
#define DNS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_answer.h"

struct dns_frame {
	size_t l3;	/* the IP header's offset (after 0-2 VLAN tags) */
	size_t msg;	/* the DNS message's offset */
	size_t msg_len; /* its length, from the UDP header */
	bool v6;
	struct dns_client cl; /* the source */
};

/*
 * Parses a frame holding one UDP datagram: 0-2 VLAN tags, IPv4 without fragments (options
 * allowed), IPv6 without extension headers, lengths consistent with the frame, a unicast source.
 * 0; -EINVAL for a malformed frame; -EADDRNOTAVAIL for a source no reply may go to (port 0, a
 * group MAC, unspecified, loopback, multicast, broadcast, IPv4-mapped or -compatible, or the
 * destination itself). The caller drops either and counts it: the XDP program already sent
 * everything it does not own, and every frame whose checksums do not verify, to the kernel, and
 * dropped the sources it knows to be bad (the host's addresses and broadcasts among them), so
 * what fails here is malformed or spoofed. Checksums are the program's to judge, not this.
 */
int dns_frame_parse(const uint8_t *f, size_t len, struct dns_frame *fr);

/*
 * Makes f the reply to the query fr describes: MACs, addresses and ports swapped, a fresh IP
 * header (IPv4: 20 bytes, DF, TTL 64; IPv6: hop limit 64), msg copied after the UDP header,
 * full IP and UDP checksums. Never writes past cap. The reply's length, or 0 when it does not
 * fit in cap.
 */
size_t dns_frame_reply(uint8_t *f, size_t cap, const struct dns_frame *fr, const uint8_t *msg,
		       size_t msg_len);

#endif
