// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_ntpd_config.c - every ntpd.conf directive, flags over the file, and rejected input. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <criterion/criterion.h>

#include "dns_config.h"
#include "ntpd_config.h"
#include "xt_tmp.h"

static char conf_path[64], err_path[64];

static void write_conf(const char *text)
{
	cr_assert_eq(xt_tmp_file("conf", text, 0, conf_path), 0);
}

/* Loads with argv after "-c FILE"; stderr goes to a file the test can read. */
static int load(struct ntpd_config *c, const char *const *extra, int n)
{
	char *argv[32] = { "xpool-ntpd", "-c", conf_path };
	int argc = 3, ret, fd;

	for (int i = 0; i < n; i++)
		argv[argc++] = (char *)extra[i];
	strcpy(err_path, "/tmp/xpool-err.XXXXXX");
	fd = mkstemp(err_path);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	ret = ntpd_config_load(c, argc, argv);
	fflush(stderr);
	return ret;
}

static char *errors(void)
{
	static char buf[4096];
	FILE *f = fopen(err_path, "r");
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);

	buf[n] = 0;
	fclose(f);
	return buf;
}

Test(ntpd_config, every_directive)
{
	struct ntpd_config c;
	uint8_t a6[16];

	write_conf("# comment\n"
		   "interface eth0\ninterface eth1   ; two\n"
		   "address 192.0.2.1\naddress 2001:db8::1\n"
		   "xdp-mode generic\n"
		   "chrony-socket /run/x/chronyd.sock\n"
		   "stale-after 5\n"
		   "ratelimit interval 2 burst 4 leak 3 kod\n"
		   "ratelimit-clients 4096\n"
		   "allow 10.0.0.0/8\n"
		   "deny 10.1.0.0/16 kod\n"
		   "deny 2001:db8::/32\n"
		   "control-mode pass\n"
		   "unsync pass\n"
		   "metrics [::1]:9123\n"
		   "pin-path /sys/fs/bpf/xp1\n"
		   "stratum 3\nrefid GPS\n"
		   "no-chrony\nadopt\ndetach-on-exit\n");
	cr_assert_eq(load(&c, NULL, 0), 0, "%s", errors());
	cr_expect_eq(c.n_if, 2);
	cr_expect_str_eq(c.ifaces[1], "eth1");
	cr_expect_eq(c.n_addrs, 2);
	cr_expect_eq(c.addrs[0][10], 0xff);
	cr_expect_eq(c.addrs[0][15], 1);
	inet_pton(AF_INET6, "2001:db8::1", a6);
	cr_expect_eq(memcmp(c.addrs[1], a6, 16), 0);
	cr_expect_eq(c.xdp_mode, RSP_XDP_GENERIC);
	cr_expect_str_eq(c.chrony_socket, "/run/x/chronyd.sock");
	cr_expect_eq(c.stale_after, 5);
	cr_expect(c.rl_enabled && c.rl_kod);
	cr_expect_eq(c.rl_interval, 2);
	cr_expect_eq(c.rl_burst, 4);
	cr_expect_eq(c.rl_leak, 3);
	cr_expect_eq(c.rl_clients, 4096);
	cr_expect_eq(c.n_acl, 3);
	cr_expect_eq(c.acl[0].prefixlen, 96 + 8);
	cr_expect_eq(c.acl[1].action, XPOOL_ACL_DENY_KOD);
	cr_expect_eq(c.acl[2].prefixlen, 32);
	cr_expect_eq(c.acl[2].action, XPOOL_ACL_DENY);
	cr_expect_eq(c.control_mode, XPOOL_CONTROL_PASS);
	cr_expect(c.unsync_pass);
	cr_expect_str_eq(c.metrics, "[::1]:9123");
	cr_expect_str_eq(c.pin_path, "/sys/fs/bpf/xp1");
	cr_expect_eq(c.stratum, 3);
	cr_expect_eq(memcmp(&c.refid_be, "GPS", 4), 0);
	cr_expect(c.no_chrony && c.adopt && c.detach_on_exit);
	unlink(conf_path);
}

Test(ntpd_config, defaults_and_map)
{
	struct ntpd_config c;
	struct xpool_config m;

	write_conf("interface eth0\nratelimit\n");
	cr_assert_eq(load(&c, NULL, 0), 0, "%s", errors());
	cr_expect_eq(c.stale_after, 10);
	cr_expect_str_eq(c.chrony_socket, "/run/chrony/chronyd.sock");
	cr_expect_str_eq(c.pin_path, "/sys/fs/bpf/xpool");
	cr_expect_eq(c.control_mode, XPOOL_CONTROL_DROP);
	ntpd_config_to_map(&c, &m);
	/* chrony's defaults: interval 3 (8 s), burst 8, leak 2 */
	cr_expect_eq(m.rl_interval_ns, 8000000000ULL);
	cr_expect_eq(m.rl_tolerance_ns, 56000000000ULL);
	cr_expect_eq(m.rl_leak, 2);
	cr_expect_eq(m.min_poll, 3);
	/* default: only the interfaces' own addresses (hostile-input review); any on request */
	cr_expect_eq(m.addr_filter, 1);
	cr_expect_eq(m.acl_enabled, 0);
	c.addr_any = true;
	ntpd_config_to_map(&c, &m);
	cr_expect_eq(m.addr_filter, 0, "address any: every destination");
	unlink(conf_path);
}

Test(ntpd_config, negative_interval)
{
	struct ntpd_config c;
	struct xpool_config m;

	write_conf("interface eth0\nratelimit interval -2 burst 1\n");
	cr_assert_eq(load(&c, NULL, 0), 0, "%s", errors());
	ntpd_config_to_map(&c, &m);
	cr_expect_eq(m.rl_interval_ns, 250000000ULL);
	cr_expect_eq(m.rl_tolerance_ns, 0);
	cr_expect_eq(m.min_poll, -2);
	unlink(conf_path);
}

Test(ntpd_config, flags_override_the_file)
{
	static const char *const flags[] = { "--stale-after", "7", "-i", "b", "--interface", "c",
					     "--deny", "192.0.2.0/24", "--allow", "192.0.2.9",
					     "--ratelimit=burst 2" };
	struct ntpd_config c;

	write_conf("interface a\nstale-after 5\nallow 10.0.0.0/8\ndeny all\n");
	cr_assert_eq(load(&c, flags, 11), 0, "%s", errors());
	cr_expect_eq(c.stale_after, 7);
	cr_expect_eq(c.n_if, 2, "the command line's interfaces replace the file's");
	cr_expect_str_eq(c.ifaces[0], "b");
	cr_expect_eq(c.n_acl, 2, "allow and deny flags replace the file's list once");
	cr_expect_eq(c.acl[1].prefixlen, 128);
	cr_expect(c.rl_enabled);
	cr_expect_eq(c.rl_burst, 2);
	unlink(conf_path);
}

static const struct {
	const char *line, *reason;
} bad_lines[] = {
	{ "stale-after 0", "stale-after: expected a whole number from 1 to 3600" },
	{ "stale-after 3601", "from 1 to 3600" },
	{ "ratelimit interval 13", "ratelimit interval: expected a whole number from -19 to 12" },
	{ "ratelimit burst 0", "ratelimit burst" },
	{ "ratelimit leak 5", "ratelimit leak" },
	{ "ratelimit burst", "needs a value" },
	{ "ratelimit speed 3", "unknown option 'speed'" },
	{ "ratelimit-clients 10", "ratelimit-clients" },
	{ "stratum 16", "stratum: expected a whole number from 1 to 15" },
	{ "refid TOOLONG", "refid" },
	{ "metrics 9123", "metrics: expected HOST:PORT" },
	{ "metrics 127.0.0.1:70000", "metrics: expected HOST:PORT" },
	{ "allow 10.0.0.0/33", "allow/deny: expected ADDR" },
	{ "deny 10.0.0.1 please", "deny: expected 'kod'" },
	{ "address 10.0.0.0/8", "address: not an IPv4 or IPv6 address" },
	/* regression: the listener takes numeric addresses only, and so does the check */
	{ "metrics localhost:9123", "metrics: expected HOST:PORT" },
	{ "xdp-mode fast", "xdp-mode: expected native, generic, auto or tail-call" },
	{ "control-mode maybe", "control-mode: expected drop or pass" },
	{ "unsync sometimes", "unsync: expected reply or pass" },
	{ "pin-path relative/dir", "pin-path: expected an absolute path" },
	{ "interface a b", "interface: expected 1 to 1 arguments, got 2" },
	{ "interface averyveryverylongname", "interface: name too long" },
	{ "frobnicate 1", "unknown directive 'frobnicate'" },
	{ "no-chrony yes", "no-chrony: expected 0 to 0 arguments" },
};

Test(ntpd_config, rejects_with_file_and_line)
{
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		struct ntpd_config c;
		char text[256], want[512];

		snprintf(text, sizeof(text), "# line 1\ninterface eth0\n%s\n", bad_lines[i].line);
		write_conf(text);
		cr_expect_neq(load(&c, NULL, 0), 0, "'%s' was accepted", bad_lines[i].line);
		snprintf(want, sizeof(want), "%s:3: ", conf_path);
		cr_expect(strstr(errors(), want) != NULL, "'%s': no '%s' in: %s", bad_lines[i].line,
			  want, errors());
		cr_expect(strstr(errors(), bad_lines[i].reason) != NULL, "'%s': no '%s' in: %s",
			  bad_lines[i].line, bad_lines[i].reason, errors());
		unlink(conf_path);
		unlink(err_path);
	}
}

Test(ntpd_config, every_error_reported_in_one_run)
{
	struct ntpd_config c;

	write_conf("interface eth0\nstale-after 0\nbogus\nstratum 99\n");
	cr_expect_neq(load(&c, NULL, 0), 0);
	cr_expect(strstr(errors(), ":2: ") && strstr(errors(), ":3: ") && strstr(errors(), ":4: "),
		  "%s", errors());
	unlink(conf_path);
}

Test(ntpd_config, bad_flag_and_missing_pieces)
{
	static const char *const bad_flag[] = { "--stale-after", "x" };
	struct ntpd_config c;

	write_conf("interface eth0\n");
	cr_expect_neq(load(&c, bad_flag, 2), 0);
	cr_expect(strstr(errors(), "command line (--stale-after): stale-after: expected") != NULL,
		  "%s", errors());
	write_conf("stale-after 3\n");
	cr_expect_neq(load(&c, NULL, 0), 0);
	cr_expect(strstr(errors(), "no interface") != NULL, "%s", errors());
	strcpy(conf_path, "/nonexistent/ntpd.conf");
	cr_expect_neq(load(&c, NULL, 0), 0);
	cr_expect(strstr(errors(), "-c /nonexistent/ntpd.conf: no such file") != NULL, "%s",
		  errors());
}

/* Regression (hostile-input review): hostile config files get the right reason. */
Test(ntpd_config, hostile_files)
{
	struct ntpd_config c;

	/* a directory as the config file: "Is a directory", not "Input/output error" */
	strcpy(conf_path, "/tmp");
	cr_expect_neq(load(&c, NULL, 0), 0);
	cr_expect(strstr(errors(), "Is a directory") != NULL, "%s", errors());
	unlink(err_path);
	/* a NUL byte: named as such, not as an overlong line */
	cr_assert_eq(xt_tmp_file("conf", "interface eth0\nstale\0-after 3\n", 31, conf_path), 0);
	cr_expect_neq(load(&c, NULL, 0), 0);
	cr_expect(strstr(errors(), ":2: a NUL byte") != NULL, "%s", errors());
	cr_expect(strstr(errors(), "longer than") == NULL, "%s", errors());
	unlink(conf_path);
	unlink(err_path);
	/* an overlong line is still reported as one */
	{
		char text[3000];

		memset(text, 'x', sizeof(text));
		memcpy(text, "interface eth0\n", 15);
		text[sizeof(text) - 2] = '\n';
		text[sizeof(text) - 1] = 0;
		write_conf(text);
	}
	cr_expect_neq(load(&c, NULL, 0), 0);
	cr_expect(strstr(errors(), ":2: line longer than 1023 characters") != NULL, "%s", errors());
	unlink(conf_path);
	unlink(err_path);
}

/* The tables' defaults parse, and the help printed from a table names every directive. */
Test(ntpd_config, tables_are_consistent)
{
	const struct xp_conf_spec *specs[] = { ntpd_config_spec(), dns_config_spec() };

	for (size_t k = 0; k < sizeof(specs) / sizeof(specs[0]); k++) {
		static char cfg[65536];

		cr_expect_eq(xp_conf_defaults(specs[k], cfg), 0, "%s: a default does not parse",
			     specs[k]->prog);
		for (size_t i = 0; i < specs[k]->n_dirs; i++) {
			const struct xp_directive *d = &specs[k]->dirs[i];

			cr_expect(d->help && d->help[0], "%s %s: no help", specs[k]->prog, d->name);
			cr_expect(d->type != XP_D_INT || d->min <= d->max, "%s: range", d->name);
			cr_expect(d->type == XP_D_FN || d->type == XP_D_FLAG || d->size > 0, "%s",
				  d->name);
		}
	}
}

/* Relative paths stay relative (the bench and operators use them); pin paths are absolute. */
Test(ntpd_config, relative_snapshot_path)
{
	static struct dns_config dc;
	char empty[XT_TMP_PATH];
	char *argv[] = { "xpool-dns", "-c", empty, "--snapshot", "build/snap.json", "-l", "127.0.0.1",
			 NULL };

	cr_assert_eq(xt_tmp_file("conf", "", 0, empty), 0);
	cr_expect_eq(dns_config_load(&dc, 7, argv), 0);
	cr_expect_str_eq(dc.snapshot, "build/snap.json");
	unlink(empty);
}

/* Loads dns.conf FILE with stderr in err_path (as load() does for ntpd.conf). */
static int load_dns(struct dns_config *c)
{
	char *argv[] = { "xpool-dns", "-c", conf_path, NULL };
	int ret, fd;

	strcpy(err_path, "/tmp/xpool-err.XXXXXX");
	fd = mkstemp(err_path);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	ret = dns_config_load(c, 3, argv);
	fflush(stderr);
	return ret;
}

/*
 * Regression (issue 18, defect 11): a config file that holds a secret (a DNS Cookies secret, a
 * password in a URI) and that every user may read draws one warning naming the file, the line,
 * the directive and the fix (the units read it as the user xpool: 0640 root:xpool), never the
 * secret itself. The same file at 0640 or 0600, or without a secret, draws none.
 */
Test(ntpd_config, secret_in_a_readable_file_warns)
{
	static const struct {
		const char *line;
		bool secret;
	} cases[] = {
		{ "cookie-secret 000102030405060708090a0b0c0d0e0f", true },
		{ "cookie-secret-previous 000102030405060708090a0b0c0d0e0f", true },
		{ "snapshot-url http://pool:hunter2secret@192.0.2.1/snap.json", true },
		{ "snapshot-url http://192.0.2.1/snap.json", false },
		{ "snapshot-url http://pool@192.0.2.1/snap.json", false },
	};
	static const mode_t modes[] = { 0644, 0604, 0640, 0600 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (size_t k = 0; k < sizeof(modes) / sizeof(modes[0]); k++) {
			static struct dns_config c;
			bool url = !strncmp(cases[i].line, "snapshot-url ", 13), warned;
			char text[512], want[256];
			const char *w;
			int n = 0;

			/* the secret on line 2, or line 3 after the URL */
			snprintf(text, sizeof(text),
				 "listen 127.0.0.1\n%s%s\nsnapshot-key /etc/xpool/pool.key.pub\n",
				 url ? "" : "snapshot-url http://192.0.2.1/snap.json\n",
				 cases[i].line);
			write_conf(text);
			cr_assert_eq(chmod(conf_path, modes[k]), 0);
			cr_expect_eq(load_dns(&c), 0, "%s", errors());
			for (w = strstr(errors(), "warning"); w; w = strstr(w + 1, "warning"))
				n++;
			warned = n > 0;
			cr_expect_eq(warned, cases[i].secret && (modes[k] & 04), "'%s' at %04o: %s",
				     cases[i].line, (unsigned)modes[k], errors());
			if (warned) {
				cr_expect_eq(n, 1, "one warning: %s", errors());
				snprintf(want, sizeof(want),
					 "xpool-dns: warning: %s:%d: %.*s holds a secret",
					 conf_path, url ? 2 : 3,
					 (int)strcspn(cases[i].line, " "), cases[i].line);
				cr_expect(strstr(errors(), want), "no '%s' in: %s", want,
					  errors());
				snprintf(want, sizeof(want),
					 "(mode %04o): chown root:xpool %s; chmod 0640 %s\n",
					 (unsigned)modes[k], conf_path, conf_path);
				cr_expect(strstr(errors(), want), "no '%s' in: %s", want,
					  errors());
				cr_expect(!strstr(errors(), "0e0f") && !strstr(errors(), "hunter2"),
					  "the secret was printed: %s", errors());
			}
			unlink(conf_path);
			unlink(err_path);
		}
}

/* What counts as a password in a registry URI or a snapshot URL (libpq's forms too). */
Test(ntpd_config, password_in_a_uri)
{
	static const struct {
		const char *uri;
		bool secret;
	} cases[] = {
		{ "postgresql://xpool:pw@registry.example.org/pool", true },
		{ "postgres://u:@h/db", true },
		{ "postgresql://u:p%40ss@[2001:db8::1]:5432/pool?sslmode=verify-full", true },
		{ "postgresql://registry.example.org/pool?sslmode=require&password=pw", true },
		{ "postgresql:///pool?password=pw", true },
		{ "password=pw", true },
		{ "https://user:token@snap.example.org/snap.json", true },
		{ "postgresql://xpool_mon_fra1@registry.example.org/pool?sslmode=require", false },
		{ "postgresql:///pool", false },
		{ "postgresql://[::1]:5432/pool", false },
		{ "postgresql://u@[::1]:5432/pool", false },
		{ "postgresql://h1:5432,h2:5433/pool", false },
		{ "/var/lib/xpool/registry.db", false },
		{ "/var/lib/xpool/password=.db", false },
		{ "http://snap.example.org/a:b@c.json", false },
		{ "http://snap.example.org/snap.json?x=a:b@c", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(xp_conf_secret_uri(cases[i].uri), cases[i].secret, "%s",
			     cases[i].uri);
}

/* A configuration every user may change is not trusted silently, secret or not. */
Test(ntpd_config, world_writable_file_warns)
{
	struct ntpd_config c;

	write_conf("interface eth0\n");
	cr_assert_eq(chmod(conf_path, 0666), 0);
	cr_expect_eq(load(&c, NULL, 0), 0, "%s", errors());
	cr_expect(strstr(errors(), "every user may change this configuration (mode 0666)"), "%s",
		  errors());
	unlink(err_path);
	cr_assert_eq(chmod(conf_path, 0644), 0);
	cr_expect_eq(load(&c, NULL, 0), 0, "%s", errors());
	cr_expect_str_eq(errors(), "", "no secret in ntpd.conf: no warning at 0644");
	unlink(conf_path);
	unlink(err_path);
}

/* A comment begins a word: a URI's %-escapes and a password's '#' or '!' are the word's. */
Test(ntpd_config, comment_characters_inside_a_word)
{
	static struct dns_config c;

	write_conf("listen 127.0.0.1 # the service address\n"
		   "snapshot-url http://pool:p%40ss#1!@192.0.2.1/snap.json ; a comment\n"
		   "snapshot-key /etc/xpool/pool.key.pub\n"
		   "% a whole line of comment\n");
	chmod(conf_path, 0600);
	cr_expect_eq(load_dns(&c), 0, "%s", errors());
	cr_expect_str_eq(c.snapshot_url, "http://pool:p%40ss#1!@192.0.2.1/snap.json");
	unlink(conf_path);
	unlink(err_path);
}

struct one_flag {
	bool on;
};

static const struct xp_directive one_dir[] = {
	XP_FLAG("on", struct one_flag, on, "a flag"),
};

/* --check-config never calls a file it did not read OK: an absent default file is said to be
 * absent, a missing -c FILE is an error naming it (issue 19). */
Test(xp_conf, check_verdict_names_a_missing_file)
{
	const struct xp_conf_spec spec = { .prog = "xpool-x",
					   .default_path = "/nonexistent-xpool/x.conf",
					   .dirs = one_dir,
					   .n_dirs = 1 };
	struct xp_conf_opts o = { .config_path = "" };
	struct one_flag f = { false };
	char *argv[] = { "xpool-x", "--on", NULL, NULL, NULL };
	char v[512], want[128];
	int fd;

	cr_assert_eq(xp_conf_load(&spec, &f, 2, argv, &o), 0);
	cr_expect(f.on);
	cr_expect_eq(o.file_err, -ENOENT);
	cr_expect_str_eq(xp_conf_verdict(o.config_path, o.file_err, v, sizeof(v)),
			 "/nonexistent-xpool/x.conf: no such file; the built-in defaults and the "
			 "flags are OK");

	/* a file given with -c that does not exist: an error with the path and what to do */
	argv[1] = "-c";
	argv[2] = "/nonexistent-xpool/given.conf";
	strcpy(err_path, "/tmp/xpool-err.XXXXXX");
	fd = mkstemp(err_path);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	memset(&o, 0, sizeof(o));
	cr_expect_eq(xp_conf_load(&spec, &f, 3, argv, &o), -ENOENT);
	fflush(stderr);
	cr_expect(strstr(errors(), "xpool-x: -c /nonexistent-xpool/given.conf: no such file (give an "
				   "existing file; without -c, /nonexistent-xpool/x.conf is read "
				   "when it exists)"),
		  "%s", errors());
	unlink(err_path);

	/* a file read: OK, by name */
	write_conf("on\n");
	argv[2] = conf_path;
	memset(&o, 0, sizeof(o));
	cr_assert_eq(xp_conf_load(&spec, &f, 3, argv, &o), 0);
	cr_expect_eq(o.file_err, 0);
	snprintf(want, sizeof(want), "%s: configuration OK", conf_path);
	cr_expect_str_eq(xp_conf_verdict(o.config_path, o.file_err, v, sizeof(v)), want);
	unlink(conf_path);

	/* a default file that could not be read: not checked, and said so */
	cr_expect_str_eq(xp_conf_verdict("/etc/xpool/x.conf", -EACCES, v, sizeof(v)),
			 "/etc/xpool/x.conf: not checked (Permission denied: run the check as a "
			 "user who may read it); the built-in defaults and the flags are OK");
	cr_expect_str_eq(xp_conf_verdict("", -ENOENT, v, sizeof(v)),
			 "no configuration file; the built-in defaults and the flags are OK");
}
