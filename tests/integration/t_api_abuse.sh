#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_api_abuse.sh - xpool-api reached directly by hostile volunteers: checks of silent addresses
# fill no connection (a bounded pool, one per account, a few per address, failures cost),
# webhooks never reach inside (by URL or by what a name resolves to), stalling receivers delay
# neither another account's alert nor /metrics nor a stop, slow sockets hold no slot, errors are
# JSON whatever the bytes, and no daemon logs a registry password.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
for c in curl python3 sqlite3 psql; do command -v $c >/dev/null || { echo "$c missing"; exit 77; }; done
A=$XP_PREFIX-aa
C=$XP_PREFIX-ac
NET=10.204.0
API=$NET.2:8080
RX=44.31.0.1  # receivers: a global unicast address of the volunteers' namespace only
OWN=44.31.0.2 # a global unicast address of the API host's own
for ns in $A $C; do ip netns add "$ns" && XP_NETNS+=("$ns") || xp_fail "netns"; done
ip link add va netns "$A" type veth peer name vc netns "$C"
ip -n "$A" addr add $NET.2/24 dev va
ip -n "$A" addr add $OWN/32 dev lo
ip -n "$C" addr add $RX/32 dev lo
for i in $(seq 11 30); do ip -n "$C" addr add $NET.$i/24 dev vc; done # the volunteers
for i in $(seq 31 46); do ip -n "$C" addr add $NET.$i/24 dev vc; done # silent servers
for i in $(seq 51 56); do ip -n "$C" addr add $NET.$i/24 dev vc; done # nothing on port 123
ip -n "$C" addr add $NET.60/24 dev vc                                  # a resolver gone silent
for ns in $A $C; do ip -n "$ns" link set lo up; done
ip -n "$A" link set va up && ip -n "$C" link set vc up
ip -n "$A" route add $RX/32 via $NET.11
# a name that resolves to the API host's own loopback, and a resolver that never answers (ip
# netns exec mounts /etc/netns/NS/hosts and resolv.conf over /etc's)
mkdir -p "/etc/netns/$A"
trap 'rm -rf "/etc/netns/$A"; xp_cleanup' EXIT
printf '127.0.0.1 localhost\n127.0.0.1 hooks.pool.test\n' >"/etc/netns/$A/hosts"
printf 'nameserver %s\noptions timeout:30 attempts:1\n' $NET.60 >"/etc/netns/$A/resolv.conf"

silent=()
for i in $(seq 31 46); do silent+=("$NET.$i=silent"); done
xp_bg "$C" "$XP_TMP/fake.log" python3 tests/integration/fake_ntp.py "${silent[@]}"
xp_bg "$C" "$XP_TMP/rx.out" python3 tests/integration/hostile.py receivers $RX 9001 9002 "$XP_TMP/rx.log"
xp_bg "$A" "$XP_TMP/in.out" python3 tests/integration/hostile.py listen "$XP_TMP/in.log" 127.0.0.1:9003 $OWN:9004
xp_bg "$C" "$XP_TMP/dns.out" python3 tests/integration/hostile.py swallow $NET.60 53
for _ in $(seq 50); do grep -q ready "$XP_TMP/fake.log" && grep -q ready "$XP_TMP/rx.out" &&
	grep -q ready "$XP_TMP/in.out" && grep -q ready "$XP_TMP/dns.out" && break; sleep 0.1; done
grep -q ready "$XP_TMP/fake.log" && grep -q ready "$XP_TMP/rx.out" && grep -q ready "$XP_TMP/in.out" &&
	grep -q ready "$XP_TMP/dns.out" || xp_fail "stand-ins: $(cat "$XP_TMP"/*.log "$XP_TMP"/*.out)"

DB=$XP_TMP/reg.db
"$BUILD/xpoolctl" --db "$DB" init >/dev/null || xp_fail "init"
out=$("$BUILD/xpool-api" --check-config --test-webhook-local 2>&1)
[ $? -eq 2 ] && echo "$out" | grep -q "test-only setting" || xp_fail "test-webhook-local without test-mode: $out"
out=$("$BUILD/xpool-api" --check-config --check-workers 64 --max-connections 64 2>&1)
[ $? -eq 2 ] && echo "$out" | grep -q "below max-connections" || xp_fail "check-workers = max-connections: $out"
# through ip netns exec, which mounts /etc/netns/$A/hosts over /etc/hosts (nsenter would not)
xp_ready api "$A" "$XP_TMP/api.log" ip netns exec "$A" "$BUILD/xpool-api" --db "$DB" --listen $API \
	--metrics 127.0.0.1:9181 --geoip off --test-addresses --sendmail off --signup-rate 1000 \
	--account-rate 30 --max-connections 16 --max-per-address 4 --check-workers 4 --check-failures 4 \
	--check-tries 3 --check-timeout-ms 2000 --check-target-rate 3 --request-timeout 5 \
	--alert-interval 1 --webhook-timeout-ms 20000
API_PID=$XP_LAST_PID

# api N METHOD PATH [BODY [TOKEN]]: "STATUS BODY" of volunteer N's call (from 10.204.0.(10+N),
# or from $FROM), its headers in $XP_TMP/h.N
api() {
	local n=$1 m=$2 p=$3 body=${4:-} tok=${5:-}
	local args=(-sS -m 30 -X "$m" -o "$XP_TMP/o.$n" -D "$XP_TMP/h.$n" -w '%{http_code}' --interface ${FROM:-$NET.$((10 + n))})
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	[ -n "$tok" ] && args+=(-H "Authorization: Bearer $tok")
	rm -f "$XP_TMP/o.$n"
	code=$(xp_ns "$C" curl "${args[@]}" "http://$API$p")
	echo "$code $(cat "$XP_TMP/o.$n" 2>/dev/null)"
}
metric() { xp_ns "$A" curl -sS -m 5 http://127.0.0.1:9181/metrics | awk -v k="$1" '$1 == k { print $2 }'; }

declare -A TOK
for n in $(seq 1 20); do
	api $n POST /v1/accounts "{\"email\":\"v$n@pool.test\",\"password\":\"correct horse $n\"}" >/dev/null
	got=$(api $n POST /v1/tokens "{\"email\":\"v$n@pool.test\",\"password\":\"correct horse $n\"}")
	TOK[$n]=$(echo "${got#* }" | sed -n 's/.*"token":"\(xpt_[0-9a-f]*\)".*/\1/p')
	[ -n "${TOK[$n]}" ] || xp_fail "login of v$n: $got"
done
xp_log "20 volunteers signed up, each from an address of its own"

xp_log "1. checks of silent addresses (3 tries x 2 s each) from 16 accounts, 16 connections, 4 workers:"
CHECKS=()
for n in $(seq 1 16); do
	( r=$(api $n POST /v1/servers "{\"ip\":\"$NET.$((30 + n))\",\"netspeed\":1000,\"country\":\"de\"}" "${TOK[$n]}")
	  echo "$r" >"$XP_TMP/check.$n" ) &
	CHECKS+=($!)
done
sleep 1
got=$(api 17 GET /v1/account "" "${TOK[17]}")
finished=$(cat "$XP_TMP"/check.* 2>/dev/null | grep -c '^422 ')
[ "${got%% *}" = 200 ] || xp_fail "another account's request while every check runs: $got"
[ "$finished" = 0 ] || xp_fail "the other account was answered only after $finished check(s) had finished"
xp_log "  another account's GET /v1/account answered before any check finished: ${got:0:40}..."
# an account whose check runs (the refused ones have answered already)
for busy in $(seq 1 16); do [ -e "$XP_TMP/check.$busy" ] || break; done
got=$(api $busy POST /v1/servers "{\"ip\":\"$NET.46\",\"netspeed\":1000,\"country\":\"de\"}" "${TOK[$busy]}")
[ "${got%% *}" = 429 ] && grep -qi '^Retry-After: [1-9]' "$XP_TMP/h.$busy" || xp_fail "a second check of one account: $got"
xp_log "  a second check by an account with one in flight: ${got:0:70} (Retry-After $(sed -n 's/^Retry-After: *//Ip' "$XP_TMP/h.$busy" | tr -d '\r') s)"
wait "${CHECKS[@]}"
n422=$(cat "$XP_TMP"/check.* | grep -c '^422 .*did not pass the check')
n503=$(cat "$XP_TMP"/check.* | grep -c '^503 .*every check is busy')
[ "$n422" = 4 ] && [ "$n503" = 12 ] || xp_fail "16 checks: $n422 ran (want 4: the workers), $n503 refused busy (want 12): $(cat "$XP_TMP"/check.*)"
[ "$(metric 'xpool_api_checks_deferred_total{reason="workers"}')" = 12 ] || xp_fail "deferred metric: $(metric 'xpool_api_checks_deferred_total{reason="workers"}')"
xp_log "  4 checks ran on the workers, 12 were refused at once (503 + Retry-After), none queued"

# one address is probed at most check-target-rate times a minute, whoever asks
for n in 17 18 19; do
	got=$(api $n POST /v1/servers "{\"ip\":\"$NET.51\",\"netspeed\":1000,\"country\":\"de\"}" "${TOK[$n]}")
	[ "${got%% *}" = 422 ] || xp_fail "a check of $NET.51 by v$n: $got"
done
got=$(api 1 POST /v1/servers "{\"ip\":\"$NET.51\",\"netspeed\":1000,\"country\":\"de\"}" "${TOK[1]}")
[ "${got%% *}" = 429 ] && echo "$got" | grep -q "checked moments ago" || xp_fail "a fourth probe of one address in a minute: $got"
xp_log "  a fourth check of $NET.51 within the minute, from a fourth account: ${got:0:60}..."
# a failed check costs 10 requests of the account's rate (30 a minute here)
for ip in 52 53 54; do
	got=$(api 20 POST /v1/servers "{\"ip\":\"$NET.$ip\",\"netspeed\":1000,\"country\":\"de\"}" "${TOK[20]}")
	[ "${got%% *}" = 422 ] || xp_fail "a failing check: $got"
done
got=$(api 20 GET /v1/account "" "${TOK[20]}")
[ "${got%% *}" = 429 ] || xp_fail "three failed checks did not count against the account's rate: $got"
xp_log "  after three failed checks (33 of 30 requests a minute) the account waits: ${got:0:50}"
# failed checks have a slow bucket of their own, per client address too (check-failures 4 an hour)
got=$(FROM=$NET.30 api 19 POST /v1/servers "{\"ip\":\"$NET.55\",\"netspeed\":1000,\"country\":\"de\"}" "${TOK[19]}")
[ "${got%% *}" = 422 ] || xp_fail "the address's fourth failure: $got"
got=$(FROM=$NET.30 api 19 POST /v1/servers "{\"ip\":\"$NET.56\",\"netspeed\":1000,\"country\":\"de\"}" "${TOK[19]}")
[ "${got%% *}" = 429 ] && echo "$got" | grep -q "too many failed checks" || xp_fail "a fifth failure from one address in an hour: $got"
xp_log "  another account from the address of four failed checks: ${got:0:70}..."

xp_log "2. webhooks that would reach inside are refused:"
for url in "http://169.254.169.254/latest/meta-data/" "http://[::1]:8080/x" "http://localhost:8080/x" \
	"http://0:8080/x" "http://2130706433:8080/x" "http://127.0.0.1/x" "http://10.204.0.2:8080/x"; do
	got=$(api 2 PUT /v1/account/webhook "{\"url\":\"$url\"}" "${TOK[2]}")
	[ "${got%% *}" = 400 ] || xp_fail "webhook $url accepted: $got"
	xp_log "  $url: ${got:0:90}"
done

xp_log "3. errors are JSON whatever the bytes:"
got=$(api 2 GET /v1/servers/%ff%fe/scores "" "${TOK[2]}")
echo "${got#* }" | python3 -c 'import json,sys; assert "error" in json.load(sys.stdin)' 2>/dev/null ||
	xp_fail "GET /v1/servers/%ff%fe/scores: $got"
xp_log "  GET /v1/servers/%ff%fe/scores: $got"

xp_log "4. slow sockets: 70 from one address, a header line every second, request-timeout 5 s:"
xp_bg "$C" "$XP_TMP/loris.out" python3 tests/integration/hostile.py slowloris $NET.30 $NET.2 8080 70 1
LORIS=$XP_LAST_PID
sleep 1.5
got=$(api 3 GET /v1/account "" "${TOK[3]}")
[ "${got%% *}" = 200 ] || xp_fail "another address while 70 slow sockets are open: $got"
xp_log "  another address is answered while they trickle: ${got:0:40}..."
# a whole request on a connection over the limit is not run (only refused)
got=$(FROM=$NET.30 api 20 POST /v1/accounts '{"email":"refused@pool.test","password":"correct horse"}' 2>&1)
n=$(sqlite3 "$DB" "SELECT count(*) FROM accounts WHERE email = 'refused@pool.test'")
[ "$n" = 0 ] || xp_fail "a request on a refused connection was run: $got"
xp_log "  a fifth connection from that address, a whole sign-up on it: closed, no account made"
wait $LORIS
early=$(sed -n 's/^closed_early //p' "$XP_TMP/loris.out")
last=$(sed -n 's/^last_closed //p' "$XP_TMP/loris.out")
[ "$early" = 66 ] || xp_fail "over max-per-address 4: $early of 70 closed at once (want 66): $(cat "$XP_TMP/loris.out")"
# the reaper looks every 250 ms: the last head is cut between 5 s and 5 s + a scheduling slack
awk -v t="$last" 'BEGIN { exit !(t >= 5 && t < 8) }' || xp_fail "the 4 slow heads were cut at ${last:-never} s (request-timeout 5)"
xp_log "  66 closed at once (max-per-address), the 4 others cut at $last s (request-timeout 5)"

xp_log "5. alerts: 10 accounts with stalling receivers, one with a good one, one whose name resolves inside:"
for n in $(seq 1 10); do
	got=$(api $n PUT /v1/account/webhook "{\"url\":\"http://$RX:9001/hook\"}" "${TOK[$n]}")
	[ "${got%% *}" = 200 ] || xp_fail "webhook of v$n: $got"
done
api 11 PUT /v1/account/webhook "{\"url\":\"http://$RX:9002/hook\"}" "${TOK[11]}" >/dev/null
got=$(api 12 PUT /v1/account/webhook '{"url":"http://hooks.pool.test:9003/hook"}' "${TOK[12]}")
[ "${got%% *}" = 200 ] || xp_fail "a webhook by name: $got"
got=$(api 13 PUT /v1/account/webhook "{\"url\":\"http://$OWN:9004/hook\"}" "${TOK[13]}")
[ "${got%% *}" = 200 ] || xp_fail "a webhook to a global address: $got"
got=$(api 14 PUT /v1/account/webhook '{"url":"http://blackhole.pool.test:9001/hook"}' "${TOK[14]}")
[ "${got%% *}" = 200 ] || xp_fail "a webhook by name: $got"
# each of the 14 accounts has a server that was in DNS and has no score now: it left
sqlite3 "$DB" "INSERT INTO servers (ip, netspeed, country, created, updated, account_id)
	SELECT '198.18.0.' || id, 1000, 'de', strftime('%s','now'), strftime('%s','now'), id FROM accounts
	WHERE email IN ($(for n in $(seq 1 14); do printf "'v%d@pool.test'," $n; done | sed 's/,$//'));
	INSERT INTO alerts (server_id, kind, state, since)
	SELECT id, 'dns', 1, strftime('%s','now') - 600 FROM servers WHERE ip LIKE '198.18.0.%';" ||
	xp_fail "sqlite3"
T0=$(date +%s.%N)
for _ in $(seq 100); do grep -q '^good ' "$XP_TMP/rx.log" 2>/dev/null && break; sleep 0.1; done
good=$(awk '/^good / { print $2; exit }' "$XP_TMP/rx.log" 2>/dev/null)
[ -n "$good" ] || xp_fail "the good receiver was not called: $(tail -5 "$XP_TMP/api.log")"
stalled=$(xp_ns "$A" ss -tn state established "( dport = :9001 )" | grep -c $RX)
[ "$stalled" -ge 10 ] || xp_fail "$stalled calls to the stalling receiver in flight (want 10)"
xp_log "  the good receiver was told $(awk -v a="$T0" -v b="$good" 'BEGIN { printf "%.1f", b - a }') s after the servers left, while $stalled calls stall (webhook-timeout-ms 20000)"
t=$(date +%s%N)
m=$(metric xpool_api_requests_total'{code="2xx"}')
t=$((($(date +%s%N) - t) / 1000000))
[ -n "$m" ] && [ "$t" -lt 2000 ] || xp_fail "/metrics during the pass: '$m' after $t ms"
xp_log "  /metrics answered in $t ms during the pass"

for _ in $(seq 50); do [ "$(metric xpool_api_webhooks_refused_total)" = 2 ] && break; sleep 0.1; done
[ "$(metric xpool_api_webhooks_refused_total)" = 2 ] || xp_fail "hooks.pool.test (127.0.0.1) or $OWN (the API host's) were not refused: $(grep webhook "$XP_TMP/api.log")"
grep -q '^reached ' "$XP_TMP/in.log" && xp_fail "a webhook reached the API host: $(cat "$XP_TMP/in.log")"
grep -q "webhook http://hooks.pool.test:9003: refused: the URL's host is 127.0.0.1" "$XP_TMP/api.log" &&
	grep -q "webhook http://$OWN:9004: refused" "$XP_TMP/api.log" || xp_fail "no reason logged: $(grep webhook "$XP_TMP/api.log")"
grep "webhook" "$XP_TMP/api.log" | grep -E ":[0-9]+/hook" && xp_fail "a webhook's path in the log"
xp_log "  hooks.pool.test (127.0.0.1) and $OWN (the API host's own) were refused at the call; nothing reached them"
xp_log "  logged: $(grep -m1 'webhook http://hooks' "$XP_TMP/api.log")"
t=$(date +%s%N)
kill -TERM "$API_PID" && wait "$API_PID" || xp_fail "xpool-api did not stop cleanly: $(tail -3 "$XP_TMP/api.log")"
t=$((($(date +%s%N) - t) / 1000000))
# the alert thread looks for a stop every 100 ms; the stalled calls' deadline is 20 s, the
# silent resolver's 30 s
[ "$t" -lt 3000 ] || xp_fail "SIGTERM during a stalled pass took $t ms"
xp_log "  SIGTERM with 10 calls stalled and one name on a silent resolver: stopped in $t ms"

xp_log "6. no daemon logs a registry password:"
xp_pg_start
SECRET=S3cretPw9
xp_psql -c "CREATE DATABASE xpoolpw" || xp_fail "createdb"
URI="postgresql://postgres:$SECRET@/xpoolpw?host=$XP_PG&sslpassword=$SECRET"
"$BUILD/xpoolctl" --db "$URI" init >"$XP_TMP/pw.ctl" 2>&1 || xp_fail "init on PostgreSQL: $(cat "$XP_TMP/pw.ctl")"
"$BUILD/xpoolctl" --db "${URI/xpoolpw/nosuchdb}" server list >>"$XP_TMP/pw.ctl" 2>&1
"$BUILD/xpool-monitor" --db "$URI" --name nosuch --once -v >"$XP_TMP/pw.mon" 2>&1
xp_ready api2 "$A" "$XP_TMP/pw.api" "$BUILD/xpool-api" --db "$URI" --listen 127.0.0.1:8081 \
	--geoip off --sendmail off -v
kill -TERM "$XP_LAST_PID" && wait "$XP_LAST_PID"
grep -q "registry postgresql://postgres:\*\*\*@" "$XP_TMP/pw.api" || xp_fail "start-up line: $(cat "$XP_TMP/pw.api")"
grep -l "$SECRET" "$XP_TMP"/pw.* && xp_fail "a password in a log: $(grep -h "$SECRET" "$XP_TMP"/pw.*)"
xp_log "  xpoolctl, xpool-monitor and xpool-api with a password URI: $(cat "$XP_TMP"/pw.* | wc -l) log lines, no password"
xp_log "  e.g. $(grep -h 'serving on' "$XP_TMP/pw.api" | head -1)"

xp_log "7. connections numbered past 1024 (poll, not select):"
xp_ready api3 "$A" "$XP_TMP/fd.log" bash -c 'ulimit -n 4096; for _ in $(seq 1100); do exec {x}</dev/null; done
	exec "$0" "$@"' "$BUILD/xpool-api" --db "$DB" --listen 127.0.0.1:8082 --geoip off --sendmail off --no-alerts
got=$(xp_ns "$A" curl -sS -m 10 -w ' %{http_code}' http://127.0.0.1:8082/v1/account 2>&1)
[ "${got##* }" = 401 ] || xp_fail "a connection with 1100 descriptors open: $got"
xp_log "  with 1100 descriptors open, a request is answered: ${got##* }"
xp_log "PASS"
