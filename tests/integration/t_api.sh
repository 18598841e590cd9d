#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_api.sh - xpool-api through a real nginx (TLS): every route of docs/openapi.json answered as
# documented, and every refusal: bodies, JSON, fields, tokens, accounts, addresses, the check
# before listing (servers that answer wrong on purpose), duplicates, another account's servers,
# limits per account and per address, and settings start-up refuses.
. "$(dirname "$0")/lib.sh"
xp_need_built "$BUILD/tests/geo-test.mmdb"
. "$(dirname "$0")/api.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
for c in nginx openssl curl python3 sqlite3; do command -v $c >/dev/null || { echo "$c missing"; exit 77; }; done
A=$XP_PREFIX-api
N=$XP_PREFIX-ntp
for ns in $A $N; do ip netns add "$ns" && XP_NETNS+=("$ns") || xp_fail "netns"; done
ip link add va netns "$A" type veth peer name vn netns "$N"
# the API host and the volunteers' servers on one link (10.203.1.0/24 is DE in the test GeoIP)
ip -n "$A" addr add 10.203.1.2/24 dev va
ip -n "$A" addr add 10.203.1.3/24 dev va
ip -n "$A" addr add 10.203.1.4/24 dev va
for i in 11 12 13 14 15 16 17 20 21 22; do ip -n "$N" addr add 10.203.1.$i/24 dev vn; done
ip -n "$N" addr add 10.203.1.18/24 dev vn # nothing listens: port unreachable
for ns in $A $N; do ip -n "$ns" link set lo up; done
ip -n "$A" link set va up && ip -n "$N" link set vn up
xp_bg "$N" "$XP_TMP/fake.log" python3 tests/integration/fake_ntp.py 10.203.1.11=good 10.203.1.12=stratum16 \
	10.203.1.13=li3 10.203.1.14=kod 10.203.1.15=mode3 10.203.1.16=noorigin 10.203.1.17=silent \
	10.203.1.20=good 10.203.1.21=good 10.203.1.22=good
for _ in $(seq 50); do grep -q ready "$XP_TMP/fake.log" && break; sleep 0.1; done
grep -q ready "$XP_TMP/fake.log" || xp_fail "fake NTP servers: $(cat "$XP_TMP/fake.log")"

# settings start-up refuses, --check-config refuses too (exit 2)
out=$("$BUILD/xpool-api" --check-config --test-check-port 1123 2>&1)
[ $? -eq 2 ] && echo "$out" | grep -q "test-only setting" || xp_fail "test-check-port without test-mode: $out"
out=$("$BUILD/xpool-api" --check-config --sendmail sendmail 2>&1)
[ $? -eq 2 ] && echo "$out" | grep -q "absolute path" || xp_fail "relative sendmail: $out"
out=$("$BUILD/xpool-api" --check-config --max-body 10 2>&1)
[ $? -eq 2 ] || xp_fail "max-body 10 accepted: $out"
out=$("$BUILD/xpool-api" --db "$XP_TMP/none.db" --listen 127.0.0.1:1 2>&1)
[ $? -eq 1 ] && [ ! -e "$XP_TMP/none.db" ] || xp_fail "a missing registry: $out"
xp_log "refused settings: test-check-port without test-mode, a relative sendmail, max-body 10, a missing registry"

DB=$XP_TMP/reg.db
"$BUILD/xpoolctl" --db "$DB" init || xp_fail "init"
xp_ready api "$A" "$XP_TMP/api.log" "$BUILD/xpool-api" --db "$DB" --listen 127.0.0.1:8080 \
	--metrics 127.0.0.1:9180 --geoip "$PWD/$BUILD/tests/geo-test.mmdb" --test-addresses --max-servers 3 \
	--signup-rate 30 --account-rate 200 --check-timeout-ms 300 --sendmail off
API_PID=$XP_LAST_PID
xp_nginx_api "$A" 10.203.1.2 127.0.0.1:8080
xp_verify_unit xpool-api

# every documented route is served, and every route served is documented
python3 -c 'import json,sys; d=json.load(open("docs/openapi.json"))
for p, ops in d["paths"].items():
    for m in ops:
        if m != "parameters": print(m.upper(), p)' | sort >"$XP_TMP/doc.routes"
"$BUILD/xpool-api" routes | sort >"$XP_TMP/srv.routes"
diff "$XP_TMP/doc.routes" "$XP_TMP/srv.routes" || xp_fail "docs/openapi.json and the daemon's routes differ"
xp_log "docs/openapi.json and the daemon agree on $(wc -l <"$XP_TMP/doc.routes") routes"

xp_log "accounts:"
expect "sign-up" 201 '"email":"vol@pool.test"' POST /v1/accounts '{"email":"Vol@Pool.test","password":"correct horse"}'
expect "the same address again" 409 "exists" POST /v1/accounts '{"email":"vol@pool.test","password":"correct horse"}'
expect "not an address" 400 "email: not an address" POST /v1/accounts '{"email":"vol.pool.test","password":"correct horse"}'
expect "a header in the address" 400 "email: letters" POST /v1/accounts '{"email":"a@b.test\nBcc: x","password":"correct horse"}'
expect "a short password" 400 "password: 10 to 256" POST /v1/accounts '{"email":"v2@pool.test","password":"short"}'
expect "malformed JSON" 400 "malformed JSON" POST /v1/accounts '{"email":"v2@pool.test",'
expect "not an object" 400 "must be a JSON object" POST /v1/accounts '["v2@pool.test"]'
expect "an unknown field" 400 "unknown field 'admin'" POST /v1/accounts '{"email":"v2@pool.test","password":"correct horse","admin":true}'
expect "a duplicate field" 400 "malformed JSON: duplicate" POST /v1/accounts '{"email":"v2@pool.test","email":"v3@pool.test","password":"correct horse"}'
expect "a missing field" 400 "missing field 'password'" POST /v1/accounts '{"email":"v2@pool.test"}'
expect "a wrong type" 400 "password: expected a string" POST /v1/accounts '{"email":"v2@pool.test","password":12345678901}'
head -c 5000 /dev/zero | tr '\0' x >"$XP_TMP/big"
expect "a body over max-body" 413 "over 4096 bytes" POST /v1/accounts "@$XP_TMP/big"
got=$(call POST /v1/accounts "" "" -H 'Transfer-Encoding: chunked' --data-binary "@$XP_TMP/big")
[ "${got%% *}" = 413 ] || xp_fail "a chunked body over max-body: $got"
xp_log "  a chunked body over max-body: $got"
expect "a second account" 201 "other@pool.test" POST /v1/accounts '{"email":"other@pool.test","password":"another horse"}'

xp_log "tokens:"
got=$(call POST /v1/tokens '{"email":"vol@pool.test","password":"correct horse"}')
T1=$(echo "${got#* }" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') || xp_fail "login: $got"
[ "${got%% *}" = 201 ] && [[ $T1 =~ ^xpt_[0-9a-f]{64}$ ]] || xp_fail "login: $got"
T2=$(call POST /v1/tokens '{"email":"other@pool.test","password":"another horse"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
expect "a wrong password" 401 "wrong email or password" POST /v1/tokens '{"email":"vol@pool.test","password":"wrong horse!"}'
expect "an unknown address (the same answer)" 401 "wrong email or password" POST /v1/tokens '{"email":"nobody@pool.test","password":"correct horse"}'
db_hash=$(sqlite3 "$DB" "SELECT pwhash FROM accounts WHERE email = 'vol@pool.test'")
[[ $db_hash == '$argon2id$'* ]] || xp_fail "the password is not stored as argon2id: $db_hash"
sqlite3 "$DB" "SELECT hash FROM tokens" | grep -q "${T1#xpt_}" && xp_fail "a token stored in clear"
xp_log "  stored: the password as ${db_hash:0:30}..., tokens only as their SHA-256"
expect "no token" 401 "needs a token" GET /v1/servers
"${CURL[@]}" -D - -o /dev/null "$API/v1/servers" | grep -qi '^WWW-Authenticate: Bearer' || xp_fail "no WWW-Authenticate"
expect "a made-up token" 401 "unknown, revoked" GET /v1/servers "" "xpt_$(printf '%064d' 0)"
expect "not a bearer token" 401 "needs a token" GET /v1/servers "" "" -H "Authorization: Basic dm9sOng="
T3=$(call POST /v1/tokens '{"email":"vol@pool.test","password":"correct horse"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
expect "revoke a token" 204 "" DELETE /v1/tokens "" "$T3"
expect "a revoked token" 401 "unknown, revoked" GET /v1/servers "" "$T3"

xp_log "servers:"
expect "add (country from GeoIP)" 201 '"ip":"10.203.1.11".*"country":"de".*"in_dns":false' POST /v1/servers '{"ip":"10.203.1.11","netspeed":1000}' "$T1"
expect "a duplicate" 409 "already in the pool" POST /v1/servers '{"ip":"10.203.1.11","netspeed":1000}' "$T1"
expect "the same server by another account" 409 "already in the pool" POST /v1/servers '{"ip":"10.203.1.11","netspeed":5}' "$T2"
expect "loopback" 400 "loopback address: not global unicast" POST /v1/servers '{"ip":"127.0.0.1","netspeed":1000}' "$T1"
expect "multicast" 400 "multicast" POST /v1/servers '{"ip":"ff02::1","netspeed":1000}' "$T1"
expect "link-local" 400 "link-local" POST /v1/servers '{"ip":"fe80::1","netspeed":1000}' "$T1"
expect "not an address" 400 "ip: not an IPv4 or IPv6" POST /v1/servers '{"ip":"ntp.example","netspeed":1000}' "$T1"
expect "a negative netspeed" 400 "netspeed: an integer" POST /v1/servers '{"ip":"10.203.1.20","netspeed":-1}' "$T1"
expect "netspeed as text" 400 "netspeed: an integer" POST /v1/servers '{"ip":"10.203.1.20","netspeed":"fast"}' "$T1"
expect "an unknown country" 400 "country: not an ISO" POST /v1/servers '{"ip":"10.203.1.20","netspeed":1,"country":"XX"}' "$T1"
expect "no country, none in GeoIP" 400 "no country in the GeoIP" POST /v1/servers '{"ip":"192.0.2.7","netspeed":1}' "$T1"
expect "check: stratum 16" 422 "stratum 16: the server is not synchronised" POST /v1/servers '{"ip":"10.203.1.12","netspeed":1}' "$T1"
expect "check: leap indicator 3" 422 "leap indicator 3" POST /v1/servers '{"ip":"10.203.1.13","netspeed":1}' "$T1"
expect "check: kiss-o'-death" 422 "kiss-o'-death .*RATE" POST /v1/servers '{"ip":"10.203.1.14","netspeed":1}' "$T1"
expect "check: a client-mode reply" 422 "mode 3, not a server reply" POST /v1/servers '{"ip":"10.203.1.15","netspeed":1}' "$T1"
expect "check: origin not echoed" 422 "does not echo" POST /v1/servers '{"ip":"10.203.1.16","netspeed":1}' "$T1"
expect "check: silent" 422 "no reply from 10.203.1.17 port 123 to 3 requests of 300 ms" POST /v1/servers '{"ip":"10.203.1.17","netspeed":1}' "$T1"
expect "check: port unreachable" 422 "refused the request" POST /v1/servers '{"ip":"10.203.1.18","netspeed":1}' "$T1"
n=$(sqlite3 "$DB" "SELECT count(*) FROM servers")
[ "$n" = 1 ] || xp_fail "refused servers reached the registry ($n rows)"
expect "add, country given" 201 '"country":"nz"' POST /v1/servers '{"ip":"10.203.1.20","netspeed":0,"country":"nz"}' "$T1"
expect "add the third" 201 '"ip":"10.203.1.21"' POST /v1/servers '{"ip":"10.203.1.21","netspeed":10}' "$T1"
expect "over max-servers" 403 "limit of 3 servers" POST /v1/servers '{"ip":"10.203.1.22","netspeed":10}' "$T1"
expect "list" 200 '"servers":\[\{"ip":"10.203.1.11".*10.203.1.20.*10.203.1.21' GET /v1/servers "" "$T1"

xp_log "one account never sees or changes another's servers:"
expect "another account's list" 200 '^200 \{"servers":\[\]\}$' GET /v1/servers "" "$T2"
expect "change another's server" 404 "no server 10.203.1.11 in this account" PATCH /v1/servers/10.203.1.11 '{"netspeed":1}' "$T2"
expect "delete another's server" 404 "no server 10.203.1.11 in this account" DELETE /v1/servers/10.203.1.11 "" "$T2"
expect "read another's scores" 404 "no server 10.203.1.11 in this account" GET /v1/servers/10.203.1.11/scores "" "$T2"

xp_log "changes:"
expect "netspeed 0 (monitor only)" 200 '"netspeed":0' PATCH /v1/servers/10.203.1.11 '{"netspeed":0}' "$T1"
expect "pause" 200 '"paused":true' PATCH /v1/servers/10.203.1.11 '{"paused":true}' "$T1"
expect "resume, netspeed back" 200 '"netspeed":1500,.*"paused":false' PATCH /v1/servers/10.203.1.11 '{"paused":false,"netspeed":1500}' "$T1"
expect "nothing to change" 400 "nothing to change" PATCH /v1/servers/10.203.1.11 '{}' "$T1"
expect "paused as text" 400 "paused: expected true or false" PATCH /v1/servers/10.203.1.11 '{"paused":"yes"}' "$T1"
expect "a field PATCH does not take" 400 "unknown field 'ip'" PATCH /v1/servers/10.203.1.11 '{"ip":"10.203.1.12"}' "$T1"
expect "a path that is no address" 400 "not an IPv4 or IPv6" PATCH /v1/servers/bogus '{"netspeed":1}' "$T1"
# a check recorded by a monitor shows in the scores (the data behind the status graph)
"$BUILD/xpoolctl" --db "$DB" monitor add m1 >/dev/null && "$BUILD/xpoolctl" --db "$DB" monitor set m1 status active || xp_fail "monitor"
sqlite3 "$DB" "INSERT INTO history (server_id, monitor, ts, offset, step, score, note, check_id)
	SELECT id, 'm1', strftime('%s','now'), 0.0012, 1, 1, 'ok', 1 FROM servers WHERE ip = '10.203.1.11';
	INSERT INTO scores SELECT id, 'm1', 1, strftime('%s','now') FROM servers WHERE ip = '10.203.1.11'"
expect "scores" 200 '"score":1\.0.*"monitors":\[\{"monitor":"m1","status":"active","score":1\.0.*"checks":\[\{.*"offset":0\.0012' \
	GET /v1/servers/10.203.1.11/scores "" "$T1"
expect "delete" 204 "" DELETE /v1/servers/10.203.1.21 "" "$T1"
expect "deleted: gone from the list" 200 '^200 \{"servers":\[\{"ip":"10.203.1.11".*"10.203.1.20"[^]]*\]\}$' GET /v1/servers "" "$T1"
"$BUILD/xpoolctl" --db "$DB" export "$XP_TMP/snap.json" || xp_fail "export"
grep -q 10.203.1.21 "$XP_TMP/snap.json" && xp_fail "a deleted server in the DNS snapshot"
[ "$(sqlite3 "$DB" "SELECT deleted IS NOT NULL FROM servers WHERE ip = '10.203.1.21'")" = 1 ] ||
	xp_fail "the deleted server's row (and history) is not kept for the retention period"
expect "deleted twice" 404 "no server" DELETE /v1/servers/10.203.1.21 "" "$T1"
expect "a deleted address added by another account" 201 '"ip":"10.203.1.21"' POST /v1/servers '{"ip":"10.203.1.21","netspeed":10}' "$T2"
xp_log "  a deleted server is out of the snapshot at once; its row stays until retention-days"

xp_log "webhook and account:"
expect "set a webhook" 200 '"url":"https://hooks.pool.test/x","secret":"[0-9a-f]{64}"' PUT /v1/account/webhook '{"url":"https://hooks.pool.test/x"}' "$T1"
expect "not http(s)" 400 "url: an http:// or https://" PUT /v1/account/webhook '{"url":"file:///etc/passwd"}' "$T1"
expect "a space in the URL" 400 "url: an http" PUT /v1/account/webhook '{"url":"http://a b/"}' "$T1"
expect "the account" 200 '"email":"vol@pool.test","webhook":"https://hooks.pool.test/x","servers":2,"server_limit":3' GET /v1/account "" "$T1"
expect "remove the webhook" 200 '"url":null' PUT /v1/account/webhook '{"url":null}' "$T1"

xp_log "routes:"
expect "an unknown route" 404 "no such route" GET /v1/nothing "" "$T1"
expect "a method the path does not take" 405 "allowed: GET, POST" PUT /v1/servers "" "$T1"
"${CURL[@]}" -X PUT -D - -o /dev/null "$API/v1/servers" | grep -qi '^Allow: GET, POST' || xp_fail "405 without Allow"

xp_log "an administrator disables an account:"
"$BUILD/xpoolctl" --db "$DB" account disable other@pool.test >/dev/null || xp_fail "account disable"
expect "its token" 401 "unknown, revoked, or its account disabled" GET /v1/servers "" "$T2"
expect "its login" 403 "disabled" POST /v1/tokens '{"email":"other@pool.test","password":"another horse"}'
"$BUILD/xpoolctl" --db "$DB" account list | grep -q "^other@pool.test .*disabled .* 1 " || xp_fail "account list: $("$BUILD/xpoolctl" --db "$DB" account list)"

xp_log "rate limits (through nginx: the client is X-Real-IP):"
# sign-ups and logins: 30 a minute per address (10.203.1.2 used about 20 above)
# (the refusal's own headers: a later call on a loaded machine may find the bucket refilled)
for i in $(seq 31); do
	got=$(call POST /v1/tokens '{' "" -D "$XP_TMP/login.head")
	[ "${got%% *}" = 429 ] && break
done
[ "${got%% *}" = 429 ] && echo "$got" | grep -q "too many requests" || xp_fail "signup-rate never refused: $got"
xp_log "  logins from one address, $i more of the minute: $got"
grep -qi '^Retry-After: [0-9]' "$XP_TMP/login.head" || xp_fail "429 without Retry-After: $(cat "$XP_TMP/login.head")"
got=$(call POST /v1/tokens '{"email":"vol@pool.test","password":"correct horse"}' "" --interface 10.203.1.3)
[ "${got%% *}" = 201 ] || xp_fail "another address was limited: $got"
xp_log "  another address (10.203.1.3) is not limited: ${got:0:20}..."
# 300 at once (the bucket refills at 200 a minute: calls one after the other on a loaded machine
# could each find a new token)
codes=$("${CURL[@]}" --no-progress-meter --parallel --parallel-max 20 -H "Authorization: Bearer $T1" -w '\nCODE=%{http_code}\n' \
	$(for _ in $(seq 300); do echo "$API/v1/servers"; done) | sed -n 's/^CODE=//p' | sort | uniq -c | tr '\n' ' ')
echo "$codes" | grep -q " 429" || xp_fail "account-rate never refused: $codes"
xp_log "  300 requests of one account at once: $codes(status: count)"
m=$(xp_ns "$A" curl -s -m 2 127.0.0.1:9180/metrics)
for k in 'xpool_api_rate_limited_total{limit="account"} [1-9]' 'xpool_api_rate_limited_total{limit="address"} [1-9]' \
	'xpool_api_server_checks_total{result="refused"} 7' 'xpool_api_requests_total{code="4xx"} [1-9]'; do
	echo "$m" | grep -q "^$k" || xp_fail "metrics: no '$k' in: $m"
done
xp_log "metrics: $(echo "$m" | grep -E '^xpool_api_(server_checks|rate_limited)' | tr '\n' ' ')"
out=$(xp_openapi_check) || xp_fail "$out"
xp_log "$out"
# SIGTERM: a clean stop, whatever thread the signal lands on
kill -TERM "$API_PID"
wait "$API_PID"
rc=$?
[ $rc -eq 0 ] && xp_wait_notify api "STOPPING=1" 5 || xp_fail "SIGTERM: exit $rc; $(tail -3 "$XP_TMP/api.log")"
grep -q "signal 15: shutting down" "$XP_TMP/api.log" || xp_fail "no word of the stop"
grep -E "Sanitizer|runtime error" "$XP_TMP/api.log" && xp_fail "sanitizer reports in the API's log"
xp_log "SIGTERM: exit 0, STOPPING=1"
xp_log "ok"
