// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* ntp_probe.c - xpool-ntp-probe: sends one NTP request and decodes the reply, or listens for requests. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "xp_ntp.h"
#include "xp_parse.h"
#include "xp_time.h"
#include "xp_version.h"

#define EXIT_USAGE   2
#define EXIT_TIMEOUT 3

struct probe_opts {
	const char *addr, *bind;
	long port, ext, version, timeout_ms, count, mode, rate, duration_ms;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: xpool-ntp-probe send ADDR [--port N] [--ntp-version N] [--mode N]\n"
		   "                        [--ext BYTES] [--timeout MS]\n"
		   "       xpool-ntp-probe listen [ADDR] [--port N] [--count N] [--timeout MS]\n"
		   "       xpool-ntp-probe stream ADDR --rate N --duration MS [--bind ADDR]\n"
		   "       xpool-ntp-probe --version | --help\n"
		   "send: one request (with an extension field of BYTES if given); prints the reply.\n"
		   "listen: prints each datagram received; exit 0 once COUNT arrived, 3 on timeout.\n"
		   "stream: RATE requests/s for MS; prints sent, received, lost, the longest gap\n"
		   "        between replies, KoDs, and the sequence of strata that answered.\n");
}

static int resolve(const char *addr, long port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST }, *ai;
	char svc[8];
	int ret;

	snprintf(svc, sizeof(svc), "%ld", port);
	ret = getaddrinfo(addr, svc, &hints, &ai);
	if (ret) {
		fprintf(stderr, "xpool-ntp-probe: %s: %s\n", addr, gai_strerror(ret));
		return -EINVAL;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int do_send(const struct probe_opts *o)
{
	uint8_t req[1024] = { 0 }, rep[2048];
	struct sockaddr_storage ss;
	struct timespec t1, t4;
	struct pollfd pfd;
	size_t len = 48;
	socklen_t sl;
	ssize_t n;
	int fd, ret = 1;

	if (resolve(o->addr, o->port, &ss, &sl))
		return EXIT_USAGE;
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl)) {
		perror("xpool-ntp-probe: socket");
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &t1);
	xp_ntp_request(req, o->version, o->mode, xp_timespec_to_ntp64(&t1));
	if (o->ext) {
		/* one extension field: type 0x0104 (NTS Unique Identifier), length, zero body */
		req[48] = 0x01;
		req[49] = 0x04;
		req[50] = o->ext >> 8;
		req[51] = o->ext;
		len += o->ext;
	}
	if (send(fd, req, len, 0) != (ssize_t)len) {
		perror("xpool-ntp-probe: send");
		goto out;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, o->timeout_ms) <= 0) {
		printf("timeout\n");
		ret = EXIT_TIMEOUT;
		goto out;
	}
	n = recv(fd, rep, sizeof(rep), 0);
	clock_gettime(CLOCK_REALTIME, &t4);
	if (n < 0) {
		printf("error: %s\n", strerror(errno)); /* refused: the kernel stack answered */
		goto out;
	}
	if (n < 48) {
		printf("short reply: %zd bytes\n", n);
		goto out;
	}
	{
		struct xp_ntp_reply r;
		double offset, delay;
		char refid[5] = { 0 };

		xp_ntp_parse(rep, n, &r);
		xp_ntp_offset_delay(&r, &t1, &t4, &offset, &delay);
		memcpy(refid, &r.refid, 4);
		for (int i = 0; i < 4; i++)
			if (refid[i] && (refid[i] < 0x20 || refid[i] > 0x7e))
				refid[i] = '.';
		printf("len=%zd li=%d vn=%d mode=%d stratum=%d poll=%d precision=%d "
		       "rootdelay=%08x rootdisp=%08x refid=%02x%02x%02x%02x(%s) origin_ok=%d "
		       "offset_ns=%lld delay_ns=%lld\n",
		       n, r.li, r.vn, r.mode, r.stratum, r.poll, r.precision, r.root_delay,
		       r.root_disp, rep[12], rep[13], rep[14], rep[15], refid,
		       !memcmp(rep + 24, req + 40, 8), (long long)(offset * 1e9),
		       (long long)(delay * 1e9));
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Sends at a fixed rate and accounts for every reply, matched by its origin timestamp. */
static int do_stream(const struct probe_opts *o)
{
	struct sockaddr_storage ss, bs;
	socklen_t sl, bl;
	int64_t start, next, last_reply = -1, max_gap = 0, end, last_send = -1, max_send_gap = 0;
	long sent = 0, received = 0, kod = 0, interval_us = 1000000 / o->rate;
	char strata[512] = "";
	int fd, last_stratum = -1, ret = 1;
	size_t slen = 0;

	if (resolve(o->addr, o->port, &ss, &sl) || (o->bind && resolve(o->bind, 0, &bs, &bl)))
		return EXIT_USAGE;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || (o->bind && bind(fd, (struct sockaddr *)&bs, bl)) ||
	    connect(fd, (struct sockaddr *)&ss, sl)) {
		perror("xpool-ntp-probe: socket");
		goto out;
	}
	start = xp_mono_ms();
	next = 0;
	end = start + o->duration_ms;
	for (;;) {
		int64_t now_us = (xp_mono_ms() - start) * 1000;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint8_t buf[512];
		ssize_t n;

		if (now_us >= next && xp_mono_ms() < end) {
			uint8_t req[XP_NTP_LEN];
			struct timespec t;

			clock_gettime(CLOCK_REALTIME, &t);
			xp_ntp_request(req, 4, 3, xp_timespec_to_ntp64(&t) + sent); /* unique each */
			if (send(fd, req, sizeof(req), 0) == sizeof(req))
				sent++;
			/* how late this sender ran: a reply gap is judged against it */
			if (last_send >= 0 && xp_mono_ms() - last_send > max_send_gap)
				max_send_gap = xp_mono_ms() - last_send;
			last_send = xp_mono_ms();
			next += interval_us;
		}
		if (xp_mono_ms() >= end + 1000)
			break; /* one second for the last replies */
		poll(&pfd, 1, 1);
		while ((n = recv(fd, buf, sizeof(buf), 0)) >= 48) {
			int64_t now = xp_mono_ms();
			int stratum = buf[1];

			received++;
			if (buf[1] == 0 && (buf[0] >> 6) == 3 && !memcmp(buf + 12, "RATE", 4))
				kod++;
			if (last_reply >= 0 && now - last_reply > max_gap && now <= end)
				max_gap = now - last_reply;
			last_reply = now;
			if (stratum != last_stratum && slen < sizeof(strata) - 16) {
				slen += snprintf(strata + slen, sizeof(strata) - slen, "%s%d@%lldms",
						 slen ? "," : "", stratum, (long long)(now - start));
				last_stratum = stratum;
			}
		}
	}
	printf("sent=%ld received=%ld lost=%ld max_gap_ms=%lld max_send_gap_ms=%lld kod=%ld "
	       "strata=%s\n",
	       sent, received, sent - received, (long long)max_gap, (long long)max_send_gap, kod,
	       strata);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int do_listen(const struct probe_opts *o)
{
	struct sockaddr_storage ss, from;
	socklen_t sl, fl;
	uint8_t buf[2048];
	char host[INET6_ADDRSTRLEN];
	long got = 0;
	int fd, one = 1, zero = 0, ret = 1;

	if (resolve(o->addr ? o->addr : "::", o->port, &ss, &sl))
		return EXIT_USAGE;
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd >= 0 && ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, sl)) {
		perror("xpool-ntp-probe: bind");
		goto out;
	}
	printf("listening\n");
	fflush(stdout);
	while (got < o->count) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, o->timeout_ms) <= 0) {
			printf("timeout after %ld datagrams\n", got);
			ret = EXIT_TIMEOUT;
			goto out;
		}
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			continue;
		getnameinfo((struct sockaddr *)&from, fl, host, sizeof(host), NULL, 0, NI_NUMERICHOST);
		printf("received %zd bytes from %s mode=%d\n", n, host, n ? buf[0] & 7 : -1);
		fflush(stdout);
		got++;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },   { "ext", required_argument, NULL, 'e' },
		{ "ntp-version", required_argument, NULL, 'V' },
		{ "version", no_argument, NULL, 'v' },	     { "mode", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' }, { "count", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },    { "duration", required_argument, NULL, 'd' },
		{ "bind", required_argument, NULL, 'b' },    { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_opts o = { .port = 123, .version = 4, .mode = 3, .timeout_ms = 2000, .count = 1,
				.rate = 10, .duration_ms = 1000 };
	const char *cmd;
	int c, bad = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			bad |= xp_parse_long(optarg, 1, 65535, &o.port);
			break;
		case 'e':
			bad |= xp_parse_long(optarg, 16, 512, &o.ext) || o.ext % 4;
			break;
		case 'V':
			bad |= xp_parse_long(optarg, 0, 7, &o.version);
			break;
		case 'm':
			bad |= xp_parse_long(optarg, 0, 7, &o.mode);
			break;
		case 't':
			bad |= xp_parse_long(optarg, 1, 600000, &o.timeout_ms);
			break;
		case 'c':
			bad |= xp_parse_long(optarg, 1, 1000000, &o.count);
			break;
		case 'r':
			bad |= xp_parse_long(optarg, 1, 100000, &o.rate);
			break;
		case 'd':
			bad |= xp_parse_long(optarg, 1, 3600000, &o.duration_ms);
			break;
		case 'b':
			o.bind = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			printf("xpool-ntp-probe %s\n", xp_version());
			return 0;
		default:
			bad = 1;
		}
	}
	if (bad || optind >= argc) {
		fprintf(stderr, "xpool-ntp-probe: invalid arguments (--ext takes 16-512, a multiple of 4)\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	o.addr = optind < argc ? argv[optind] : NULL;
	if (!strcmp(cmd, "send") && o.addr)
		return do_send(&o);
	if (!strcmp(cmd, "listen"))
		return do_listen(&o);
	if (!strcmp(cmd, "stream") && o.addr)
		return do_stream(&o);
	usage(stderr);
	return EXIT_USAGE;
}
