#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# api.sh - helpers for the xpool-api tests and the demo: nginx (tools/nginx/xpool-api.conf) in
# front with a certificate of the run's own, a real MTA (Debian's exim4) delivering into a
# mailbox file, and a call helper. Sourced after lib.sh.

# xp_nginx_api NS ADDR UPSTREAM: nginx in NS, TLS on ADDR:443 as api.pool.test, proxying to
# UPSTREAM (the API's ADDR:PORT). Sets API (the base URL) and CURL (curl with the CA and name).
xp_nginx_api() {
	local ns=$1 addr=$2 up=$3 d=$XP_TMP/nginx
	mkdir -p "$d/tmp" && chown nobody "$d/tmp" && chmod 755 "$XP_TMP" "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$d/api.key" -out "$d/api.crt" -subj /CN=api.pool.test \
		-addext subjectAltName=DNS:api.pool.test 2>/dev/null || xp_fail "openssl: no certificate"
	# the shipped site, pointed at this run's addresses and certificate
	sed -e "s|127.0.0.1:8080|$up|" -e "s|/etc/ssl/xpool/|$d/|" -e "s|api.pool.example|api.pool.test|" \
		-e "s|listen 443 |listen $addr:443 |" -e "s|listen 80;|listen $addr:80;|" -e '/listen \[::\]/d' \
		tools/nginx/xpool-api.conf >"$d/site.conf"
	cat >"$d/nginx.conf" <<CONF
pid $d/nginx.pid;
error_log $d/error.log;
worker_processes 1;
events { worker_connections 64; }
http {
	access_log $d/access.log;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	include $d/site.conf;
}
CONF
	xp_ns "$ns" nginx -t -c "$d/nginx.conf" >"$d/test.out" 2>&1 || xp_fail "nginx -t: $(cat "$d/test.out")"
	xp_bg "$ns" "$d/nginx.out" nginx -c "$d/nginx.conf" -g 'daemon off;'
	API=https://api.pool.test
	CURL=(xp_ns "$ns" curl -sS -m 15 --cacert "$d/api.crt" --resolve "api.pool.test:443:$addr")
	for _ in $(seq 50); do
		"${CURL[@]}" -o /dev/null "$API/" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$d/nginx.out" "$d/error.log"
	xp_fail "nginx did not start on $addr:443"
}

# call METHOD PATH [BODY [TOKEN [CURL ARGS...]]]: "STATUS BODY" of one call through nginx
call() {
	local m=$1 p=$2 body=${3:-} tok=${4:-} out code
	local args=(-X "$m" -o "$XP_TMP/call.out" -w '%{http_code}')
	shift $(($# < 4 ? $# : 4))
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	[ -n "$tok" ] && args+=(-H "Authorization: Bearer $tok")
	rm -f "$XP_TMP/call.out"
	code=$("${CURL[@]}" "${args[@]}" "$@" "$API$p")
	out=$(cat "$XP_TMP/call.out" 2>/dev/null)
	echo "$m $p $code" >>"$XP_TMP/calls.log" # for xp_openapi_check
	echo "$code $out"
}

# xp_openapi_check: every call made through call() got a status docs/openapi.json documents for
# its route (calls to paths or methods the API does not serve excepted: 404 and 405), and every
# documented route was called and answered with one of its 2xx statuses at least once
xp_openapi_check() {
	python3 - "$XP_TMP/calls.log" <<'PY' || xp_fail "the daemon and docs/openapi.json disagree"
import json, re, sys
spec = json.load(open("docs/openapi.json"))
seen, bad = {}, []
for line in open(sys.argv[1]):
    method, path, code = line.split()
    path = path.split("?")[0]
    for pat in spec["paths"]:
        rx = "^" + re.escape(pat).replace(re.escape("{ip}"), "[^/]+") + "$"
        if re.match(rx, path):
            break
    else:
        continue  # not a route: 404 (documented as the API's answer to any unknown path)
    op = spec["paths"][pat].get(method.lower())
    if op is None:
        continue  # a method the route does not take: 405
    if code not in op["responses"]:
        bad.append("%s %s (%s): %s is not documented" % (method, path, pat, code))
    seen.setdefault((method, pat), set()).add(code)
for pat, ops in spec["paths"].items():
    for m in ops:
        if m == "parameters":
            continue
        codes = seen.get((m.upper(), pat), set())
        if not any(c.startswith("2") for c in codes):
            bad.append("%s %s: never answered 2xx in this test" % (m.upper(), pat))
for b in bad:
    print("openapi:", b)
if bad:
    sys.exit(1)
print("openapi: %d routes, %d (route, status) pairs seen, each documented" %
      (len(seen), sum(len(v) for v in seen.values())))
PY
}

# expect WHAT STATUS PATTERN METHOD PATH [BODY [TOKEN]]: the call answers STATUS with a body
# matching PATTERN (grep -E), logged as a refusal (or success) shown
expect() {
	local what=$1 want=$2 pat=$3 got
	shift 3
	got=$(call "$@")
	[ "${got%% *}" = "$want" ] && echo "$got" | grep -qE -- "$pat" ||
		xp_fail "$what: expected $want /$pat/, got: $got"
	xp_log "  $what: $got"
}

# xp_mta: Debian's exim4 with a configuration of this run's own (the system's is untouched):
# every message is delivered at once into $XP_TMP/mail/inbox. Sets XP_SENDMAIL, a sendmail
# interface for xpool-api's sendmail directive.
xp_mta() {
	local d=$XP_TMP/mta
	[ -x /usr/sbin/exim4 ] || xp_fail "exim4 missing (make deps installs exim4-daemon-light)"
	mkdir -p "$d/spool" "$XP_TMP/mail" && chown nobody:nogroup "$XP_TMP/mail" && chmod 755 "$XP_TMP" "$d"
	cat >"$d/exim.conf" <<CONF
primary_hostname = pool.test
spool_directory = $d/spool
log_file_path = $d/%slog
exim_user = root
exim_group = root
never_users =
keep_environment =
qualify_domain = pool.test
domainlist local_domains = *
begin routers
everyone:
  driver = accept
  transport = inbox
begin transports
inbox:
  driver = appendfile
  file = $XP_TMP/mail/inbox
  user = nobody
  group = nogroup
  mode = 0644
CONF
	XP_SENDMAIL=$d/sendmail
	printf '#!/bin/sh\nexec /usr/sbin/exim4 -C %s -odi "$@"\n' "$d/exim.conf" >"$XP_SENDMAIL"
	chmod 755 "$XP_SENDMAIL"
}
