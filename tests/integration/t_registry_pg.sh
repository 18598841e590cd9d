#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_registry_pg.sh - the registry on a real PostgreSQL 15 that the test starts: the registry
# tests on it, the same results as SQLite, monitor roles that cannot write what is not theirs,
# read volunteers' data or take a lock that stalls the registry (also after a migration), a
# monitor that keeps its checks through a crash of the server in the middle of a round, and
# deadlines on every session's lock waits.
. "$(dirname "$0")/lib.sh"
xp_need_built "$BUILD/tests/geo-test.mmdb" "$BUILD/tests/xpool-unit"

[ "$(id -u)" -eq 0 ] || { echo "needs root (postgres user, network namespaces)"; exit 77; }
id postgres >/dev/null 2>&1 || { echo "no postgres user (Debian postgresql missing)"; exit 77; }
xp_pg_start
xp_log "PostgreSQL up at $XP_PG (Unix socket only)"
uri() { echo "postgresql:///$1?host=$XP_PG&user=${2:-postgres}"; }

# 1. the registry's unit tests, each on a fresh database of this server
XPOOL_TEST_PG=$XP_PG_ADMIN XPOOL_GEO_TEST=$BUILD/tests/geo-test.mmdb \
	"$BUILD/tests/xpool-unit" --jobs 2 --filter 'registry/*' >"$XP_TMP/unit.log" 2>&1 ||
	{ cat "$XP_TMP/unit.log"; xp_fail "registry unit tests on PostgreSQL"; }
xp_log "registry unit tests on PostgreSQL: $(grep -o 'Tested: [0-9]* | Passing: [0-9]*' "$XP_TMP/unit.log")"

# 2. every command, on both backends: the same output and exit status
xp_psql -c "CREATE DATABASE same" || xp_fail "createdb"
script() {
	local db=$1
	ctl() {
		"$BUILD/xpoolctl" --db "$db" "$@" 2>&1 | grep -v '^database role'
		echo "exit ${PIPESTATUS[0]}"
	}
	ctl init
	ctl server add 192.0.2.10 de --test-addresses --owner "ops <a@b>"
	ctl server add 2001:DB8::10 fr --test-addresses --netspeed 500
	ctl server add 2001:db8:0::10 fr --test-addresses # the same server: refused
	ctl server add 192.0.2.11 xx --test-addresses     # unknown country: refused
	ctl server set 192.0.2.10 netspeed 2500
	ctl server set 192.0.2.99 netspeed 1 # no such server
	ctl server set 2001:db8::10 enabled no
	ctl monitor add site-a
	ctl monitor add site-a # taken
	ctl monitor set site-a status active
	ctl monitor set site-z status active
	ctl server list
	ctl server show 192.0.2.10 | sed 1p
	ctl monitor list
	ctl export "$2"
	sed '/"generated"/d' "$2"
	ctl server remove 192.0.2.10
	ctl server remove 192.0.2.10
	ctl monitor remove site-a
	ctl server list
}
script "$XP_TMP/same.db" "$XP_TMP/sqlite.json" >"$XP_TMP/sqlite.out"
script "$(uri same)" "$XP_TMP/pg.json" >"$XP_TMP/pg.out"
diff -u "$XP_TMP/sqlite.out" "$XP_TMP/pg.out" || xp_fail "the backends answer differently"
grep -q "already registered" "$XP_TMP/pg.out" || xp_fail "no refusal in the script: $(cat "$XP_TMP/pg.out")"
xp_log "the same $(grep -c '^exit' "$XP_TMP/pg.out") commands on SQLite and PostgreSQL: the same output"
[ "$(xp_psql -d same -c 'SELECT version FROM xpool_schema')" = 6 ] || xp_fail "schema version"

# 3. least privilege: a monitor's role reads the servers and writes its own checks only
xp_psql -c "CREATE DATABASE reg" || xp_fail "createdb"
REG=$(uri reg)
"$BUILD/xpoolctl" --db "$REG" init || xp_fail "init"
"$BUILD/xpoolctl" --db "$REG" server add 192.0.2.20 de --test-addresses || xp_fail "add"
out=$("$BUILD/xpoolctl" --db "$REG" monitor add site-a) || xp_fail "monitor add: $out"
echo "$out" | grep -q "database role xpool_mon_site-a" || xp_fail "no word of the role: $out"
"$BUILD/xpoolctl" --db "$REG" monitor add site-b >/dev/null || xp_fail "monitor add site-b"
long=$(printf 'm%.0s' $(seq 54)) # 54 characters: xpool_mon_ + 54 is over PostgreSQL's 63
out=$("$BUILD/xpoolctl" --db "$REG" monitor add "$long" 2>&1) && xp_fail "a 54-character monitor name was taken"
echo "$out" | grep -q "at most 53 characters" || xp_fail "long monitor name: $out"
[ "$(xp_psql -d reg -c "SELECT count(*) FROM monitors WHERE name = '$long'")" = 0 ] ||
	xp_fail "the refused monitor was registered"
[ "$(xp_psql -c "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'xpool_mon_site-a'")" = t ] ||
	xp_fail "no login role xpool_mon_site-a"
# site-b's score, which site-a must not move
xp_psql -d reg -c "INSERT INTO scores VALUES (1, 'site-b', 7.5, 1)" || xp_fail "seed"
refused=0
forbid() {
	local what=$1 sql=$2 out
	if out=$(xp_psql -U xpool_mon_site-a -d reg -c "$sql" 2>&1); then
		xp_fail "$what was allowed for monitor site-a's role: $sql"
	fi
	echo "$out" | grep -Eq "permission denied|row-level security" ||
		xp_fail "$what: refused for another reason: $out"
	refused=$((refused + 1))
}
forbid "adding a server" "INSERT INTO servers (ip, country, created, updated) VALUES ('192.0.2.30', 'de', 1, 1)"
forbid "changing a server" "UPDATE servers SET netspeed = 1"
forbid "removing a server" "DELETE FROM servers"
forbid "writing another monitor's score" "INSERT INTO scores VALUES (1, 'site-b', 20, 2)"
forbid "writing another monitor's check" "INSERT INTO history (server_id, monitor, ts, step, score) VALUES (1, 'site-b', 2, 1, 20)"
forbid "promoting itself" "UPDATE monitors SET status = 'active'"
forbid "adding a monitor" "INSERT INTO monitors (name, created) VALUES ('site-c', 1)"
forbid "erasing history" "DELETE FROM history"
forbid "erasing scores" "DELETE FROM scores"
forbid "making a table" "CREATE TABLE t (x int)"
forbid "changing the schema version" "UPDATE xpool_schema SET version = 1"
forbid "reading volunteers' accounts" "SELECT email, pwhash FROM accounts"
forbid "reading API tokens" "SELECT hash FROM tokens"
forbid "reading alert state" "SELECT * FROM alerts"
# no personal data: the servers' public columns only (issue 18)
forbid "reading volunteers' emails" "SELECT owner FROM servers"
forbid "reading every column of the servers" "SELECT * FROM servers"
forbid "reading which account owns a server" "SELECT account_id FROM servers"
# no lock that stops readers or other writers: LOCK above ROW EXCLUSIVE, or servers' rows
locks() {
	local t
	for t in scores history servers monitors xpool_schema; do
		forbid "locking $t" "BEGIN; LOCK TABLE $t IN ACCESS EXCLUSIVE MODE; COMMIT"
		forbid "locking $t against writers" "BEGIN; LOCK TABLE $t IN SHARE MODE; COMMIT"
	done
	forbid "locking servers' rows" "SELECT id FROM servers FOR UPDATE"
}
locks
# what the monitor does still works: the servers' public columns, its own score and check
mon_sql() {
	xp_psql -U "$1" -d "$2" -c "SELECT id, ip, netspeed, enabled FROM servers WHERE deleted IS NULL" \
		-c "SELECT count(*) FROM servers WHERE id = 1 AND deleted IS NULL" \
		-c "INSERT INTO scores (server_id, monitor, score, updated) VALUES (1, '${1#xpool_mon_}', 1, 1)
			ON CONFLICT (server_id, monitor) DO UPDATE SET score = 2, updated = 2" \
		-c "INSERT INTO history (server_id, monitor, ts, step, score, check_id)
			VALUES (1, '${1#xpool_mon_}', 1, 1, 1, floor(random() * 1e15))" \
		-c "UPDATE monitors SET last_report = 1 WHERE name = '${1#xpool_mon_}' AND status <> 'paused'" \
		>/dev/null || xp_fail "$1 cannot do a monitor's work"
	[ "$(xp_psql -U "$1" -d "$2" -c 'SHOW idle_in_transaction_session_timeout')" = 30s ] ||
		xp_fail "$1 has no idle-transaction timeout"
	# a monitor cannot take every connection of the cluster
	[ "$(xp_psql -d "$2" -c "SELECT rolconnlimit FROM pg_roles WHERE rolname = '$1'")" = 3 ] ||
		xp_fail "$1 has no connection limit"
}
mon_sql xpool_mon_site-a reg
# row-level security hides the other monitor's rows: an UPDATE finds none to change
xp_psql -U xpool_mon_site-a -d reg -c "UPDATE scores SET score = 20 WHERE monitor = 'site-b'" ||
	xp_fail "update"
[ "$(xp_psql -d reg -c "SELECT score FROM scores WHERE monitor = 'site-b'")" = 7.5 ] ||
	xp_fail "site-a changed site-b's score"
out=$("$BUILD/xpoolctl" --db "$(uri reg xpool_mon_site-a)" server add 192.0.2.31 de --test-addresses 2>&1) &&
	xp_fail "xpoolctl as a monitor's role added a server"
echo "$out" | grep -q "permission denied" || xp_fail "xpoolctl as site-a: $out"
out=$("$BUILD/xpoolctl" --db "$(uri reg xpool_mon_site-a)" export "$XP_TMP/partial.json" 2>&1) &&
	xp_fail "a monitor's role exported a snapshot from its filtered view"
echo "$out" | grep -q "only its own" || xp_fail "export as site-a: $out"
[ ! -e "$XP_TMP/partial.json" ] || xp_fail "a partial snapshot was written"
out=$("$BUILD/xpool-monitor" --db "$(uri reg xpool_mon_site-a)" --name site-a --once \
	--export "$XP_TMP/partial.json" 2>&1)
[ $? -eq 2 ] && echo "$out" | grep -q "registry host exports" ||
	xp_fail "xpool-monitor --export on PostgreSQL: $out"
xp_log "monitor role: $refused forbidden statements refused, another monitor's row not reachable, no export"
# an owner who may not make roles: the monitor is registered and the SQL printed instead
xp_psql -c "CREATE ROLE xadmin LOGIN" -c "CREATE DATABASE reg2 OWNER xadmin" || xp_fail "xadmin"
"$BUILD/xpoolctl" --db "$(uri reg2 xadmin)" init || xp_fail "init as xadmin"
out=$("$BUILD/xpoolctl" --db "$(uri reg2 xadmin)" monitor add site-d) || xp_fail "monitor add as xadmin: $out"
echo "$out" | grep -q 'CREATE ROLE "xpool_mon_site-d" LOGIN CONNECTION LIMIT 3;' || xp_fail "no SQL printed: $out"
echo "$out" | sed -n '/^CREATE ROLE/,$p' | xp_psql -d reg2 || xp_fail "the printed SQL does not run"
[ "$(xp_psql -U xpool_mon_site-d -d reg2 -c "SELECT count(*) FROM monitors")" = 1 ] ||
	xp_fail "the printed SQL does not give the role its own row"
# a registry of schema 5 (site-a's role as the old code granted it) migrates to the narrow grants;
# site-d, another registry's monitor in the same cluster, gains nothing here
old_grants() { # DB ROLE
	xp_psql -d "$1" -c "REVOKE ALL ON xpool_schema, servers, monitors, scores, history FROM \"$2\"" \
		-c "GRANT SELECT ON xpool_schema, servers TO \"$2\"" \
		-c "GRANT SELECT, UPDATE (last_report) ON monitors TO \"$2\"" \
		-c "GRANT SELECT, INSERT, UPDATE ON scores TO \"$2\"" \
		-c "GRANT SELECT, INSERT ON history TO \"$2\"" \
		-c "ALTER ROLE \"$2\" RESET idle_in_transaction_session_timeout" \
		-c "UPDATE xpool_schema SET version = 5" || xp_fail "schema 5 in $1"
	xp_psql -U "$2" -d "$1" -c "BEGIN" -c "LOCK TABLE scores IN ACCESS EXCLUSIVE MODE" \
		-c "SELECT owner FROM servers" -c "COMMIT" >/dev/null ||
		xp_fail "the old grants are not what the old code gave"
}
old_grants reg xpool_mon_site-a
out=$("$BUILD/xpoolctl" --db "$(uri reg xpool_mon_site-a)" monitor set site-a status testing 2>&1) &&
	xp_fail "a monitor's role migrated the registry"
echo "$out" | grep -q "may not migrate it .*init as the registry's owner" ||
	xp_fail "a monitor's role on schema 5: $out"
"$BUILD/xpoolctl" --db "$REG" init >/dev/null || xp_fail "migration from schema 5"
[ "$(xp_psql -d reg -c 'SELECT version FROM xpool_schema')" = 6 ] || xp_fail "not migrated"
refused=0
locks
forbid "reading volunteers' emails after the migration" "SELECT owner FROM servers"
mon_sql xpool_mon_site-a reg
[ "$(xp_psql -d reg -c "SELECT has_column_privilege('xpool_mon_site-d', 'servers', 'ip', 'SELECT')")" = f ] ||
	xp_fail "the migration granted this registry to another registry's monitor"
xp_log "schema 5 migrated: site-a's role narrowed ($refused locks refused), site-d's untouched"
# an owner who may not alter roles migrates too: the narrow grants, and the SQL for the rest
old_grants reg2 xpool_mon_site-d
out=$("$BUILD/xpoolctl" --db "$(uri reg2 xadmin)" init 2>&1) || xp_fail "migration as xadmin: $out"
echo "$out" | grep -q 'as a superuser, run: ALTER ROLE "xpool_mon_site-d" SET idle_in_transaction_session_timeout' ||
	xp_fail "no SQL for the idle timeout: $out"
[ "$(xp_psql -d reg2 -c 'SELECT version FROM xpool_schema')" = 6 ] || xp_fail "reg2 not migrated"
out=$(xp_psql -U xpool_mon_site-d -d reg2 -c "BEGIN" -c "LOCK TABLE scores IN ACCESS EXCLUSIVE MODE" 2>&1) &&
	xp_fail "site-d still locks scores after the migration as xadmin"
echo "$out" | grep -q "permission denied" || xp_fail "LOCK as site-d: $out"
"$BUILD/xpoolctl" --db "$REG" monitor remove site-b >/dev/null || xp_fail "monitor remove"
[ -z "$(xp_psql -c "SELECT 1 FROM pg_roles WHERE rolname = 'xpool_mon_site-b'")" ] ||
	xp_fail "monitor remove left the role"

# 4. the server crashes in the middle of a round: every check is written once when it is back
M=$XP_PREFIX-mon
S=$XP_PREFIX-silent
for ns in $M $S; do ip netns add "$ns" && XP_NETNS+=("$ns") || xp_fail "netns"; done
ip link add vm netns "$M" type veth peer name vsil netns "$S"
ip -n "$M" addr add 10.207.0.2/24 dev vm
ip -n "$S" addr add 10.207.0.1/24 dev vsil
ip -n "$M" link set vm up
ip -n "$S" link set vsil up
ip -n "$M" link set lo up
# 200 silent servers in another /16 behind the peer, which drops what is not its own
ip -n "$M" route add 10.208.0.0/16 via 10.207.0.1
xp_chronyd "$M" clock "local stratum 1" "port 0" || xp_fail "chronyd"
xp_chrony_local clock
xp_psql -d reg -c "DELETE FROM servers; INSERT INTO servers (ip, country, created, updated)
	SELECT '10.208.' || (i / 250) || '.' || (i % 250 + 1), 'de', 1, 1 FROM generate_series(0, 199) i" ||
	xp_fail "servers"
N=$(xp_psql -d reg -c "SELECT count(*) FROM servers")
# at most 10 checks in flight, ~0.3 s each: the round lasts about 6 s
xp_daemon "$M" "$XP_TMP/mon.log" "$BUILD/xpool-monitor" --db "$(uri reg xpool_mon_site-a)" --name site-a \
	--chrony-socket "$XP_TMP/clock/chronyd.sock" --max-in-flight 10 --timeout-ms 100 \
	--interval 3600 --metrics 127.0.0.1:9157
metric() { xp_ns "$M" curl -s -m 2 127.0.0.1:9157/metrics | awk -v k="$1" '$1 == k { print $2 }'; }
for _ in $(seq 50); do [ "$(xp_psql -d reg -c "SELECT count(*) FROM history")" -gt 0 ] && break; sleep 0.1; done
before=$(xp_psql -d reg -c "SELECT count(*) FROM history")
[ "$before" -gt 0 ] || { cat "$XP_TMP/mon.log"; xp_fail "no checks written before the crash"; }
xp_pg_ctl crash
xp_log "PostgreSQL crashed (immediate stop) with $before of $N checks written"
sleep 2
down_pending=$(metric xpool_monitor_pending_checks)
[ "$(metric xpool_monitor_registry_up)" = 0 ] || xp_fail "the monitor did not notice the registry was away"
xp_pg_ctl start
xp_log "PostgreSQL back; the monitor held $down_pending check(s)"
for _ in $(seq 300); do
	[ "$(metric xpool_monitor_pending_checks)" = 0 ] && [ "$(metric xpool_monitor_rounds_total)" = 1 ] && break
	sleep 0.1
done
checks=$(xp_ns "$M" curl -s -m 2 127.0.0.1:9157/metrics | awk '/^xpool_monitor_checks_total/ { n += $2 } END { print n }')
rows=$(xp_psql -d reg -c "SELECT count(*) FROM history WHERE monitor = 'site-a'")
distinct=$(xp_psql -d reg -c "SELECT count(DISTINCT server_id) FROM history WHERE monitor = 'site-a'")
ids=$(xp_psql -d reg -c "SELECT count(DISTINCT check_id) FROM history WHERE monitor = 'site-a'")
reconnects=$(metric xpool_monitor_registry_reconnects_total)
xp_log "after the crash: $checks checks made, $rows written ($distinct servers, $ids check ids), $reconnects reconnect(s), replays skipped $(metric xpool_monitor_replays_skipped_total)"
[ "$checks" = "$N" ] || { cat "$XP_TMP/mon.log"; xp_fail "the round checked $checks of $N servers"; }
[ "$rows" = "$N" ] && [ "$distinct" = "$N" ] && [ "$ids" = "$N" ] ||
	{ cat "$XP_TMP/mon.log"; xp_fail "checks lost or written twice: $rows rows for $N checks"; }
[ "${reconnects:-0}" -ge 1 ] || xp_fail "no reconnect counted"
grep -E "connection lost|answers again" "$XP_TMP/mon.log" | sed 's/^/    monitor: /'
[ "$(xp_psql -d reg -c "SELECT count(*) FROM scores WHERE monitor = 'site-a'")" = "$N" ] || xp_fail "scores"
[ "$(xp_psql -d reg -c "SELECT count(*) FROM scores WHERE monitor = 'site-a' AND score <> -5")" = 0 ] ||
	xp_fail "a silent server scored other than one no-response step"

# 5. xpool-api on PostgreSQL: a volunteer signs up, logs in, sees its (empty) list; an account
# an administrator adds logs in too; a registry away is a 503, and the API answers again after
xp_psql -c "CREATE DATABASE api" || xp_fail "createdb api"
API_DB=$(uri api)
"$BUILD/xpoolctl" --db "$API_DB" init || xp_fail "init api"
echo "a long passphrase" | "$BUILD/xpoolctl" --db "$API_DB" account add admin-made@pool.test || xp_fail "account add"
# the API in a namespace of its own: its port is nobody else's on the host
A=$XP_PREFIX-api
ip netns add "$A" && XP_NETNS+=("$A") && ip -n "$A" link set lo up || xp_fail "netns api"
ip netns exec "$A" "$BUILD/xpool-api" --db "$API_DB" --listen 127.0.0.1:18081 --geoip off \
	--sendmail off >"$XP_TMP/api.log" 2>&1 &
XP_PIDS+=($!)
xp_until 30 xp_ns "$A" curl -s -o /dev/null 127.0.0.1:18081/ ||
	xp_fail "xpool-api did not start: $(cat "$XP_TMP/api.log")"
post() { xp_ns "$A" curl -s -m 10 -w ' %{http_code}' -X POST "127.0.0.1:18081$1" -d "$2"; }
out=$(post /v1/accounts '{"email":"vol@pool.test","password":"correct horse"}')
[ "${out##* }" = 201 ] || xp_fail "sign-up on PostgreSQL: $out $(cat "$XP_TMP/api.log")"
tok=$(post /v1/tokens '{"email":"vol@pool.test","password":"correct horse"}' | sed -n 's/.*"token":"\(xpt_[0-9a-f]*\)".*/\1/p')
out=$(xp_ns "$A" curl -s -m 10 -H "Authorization: Bearer $tok" 127.0.0.1:18081/v1/servers)
[ "$out" = '{"servers":[]}' ] || xp_fail "list on PostgreSQL: $out"
# the README's example server, a documentation address: refused (this API has no
# test-addresses), with its kind and the directive that admits it in a test pool
out=$(xp_ns "$A" curl -s -m 10 -w ' %{http_code}' -H "Authorization: Bearer $tok" -X POST 127.0.0.1:18081/v1/servers \
	-d '{"ip":"203.0.113.5","netspeed":1000,"country":"de"}')
[ "${out##* }" = 400 ] && echo "$out" | grep -qF "203.0.113.5: documentation (RFC 5737) address: not global unicast; only a test pool lists it (the directive test-addresses in xpool-api's configuration)" ||
	xp_fail "the API's server add of a documentation address: $out"
out=$(post /v1/tokens '{"email":"admin-made@pool.test","password":"a long passphrase"}')
[ "${out##* }" = 201 ] || xp_fail "login of an account xpoolctl made: $out"
"$BUILD/xpoolctl" --db "$API_DB" account list | grep -q "^vol@pool.test .*enabled" || xp_fail "account list on PostgreSQL"
xp_pg_ctl stop
out=$(xp_ns "$A" curl -s -m 10 -w ' %{http_code}' -H "Authorization: Bearer $tok" 127.0.0.1:18081/v1/servers)
[ "${out##* }" = 503 ] || xp_fail "registry away: $out"
xp_pg_ctl start
for _ in $(seq 20); do
	out=$(xp_ns "$A" curl -s -m 10 -w ' %{http_code}' -H "Authorization: Bearer $tok" 127.0.0.1:18081/v1/servers)
	[ "${out##* }" = 200 ] && break
	sleep 0.5
done
[ "${out##* }" = 200 ] || xp_fail "the API did not reconnect: $out"
xp_log "xpool-api on PostgreSQL: sign-up, login, list; 503 while the registry was away, 200 after"

# 6. a monitor's role in a long transaction (its own rows written, then every lock it can try)
# stalls nothing: the API (a volunteer's list, a login) and an export answer while it still
# holds (issue 18: LOCK TABLE scores held 20 s stalled them all for as long)
"$BUILD/xpoolctl" --db "$API_DB" server add 192.0.2.40 de --test-addresses || xp_fail "server add api"
"$BUILD/xpoolctl" --db "$API_DB" monitor add site-h >/dev/null || xp_fail "monitor add site-h"
# the volunteer's server: its list reads the scores the monitor writes
sid=$(xp_psql -d api -c "UPDATE servers SET account_id = (SELECT id FROM accounts
	WHERE email = 'vol@pool.test') WHERE ip = '192.0.2.40' RETURNING id")
HOLD=60 # seconds; every answer below must come before it ends
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
# the holding session, still in its pg_sleep (application_name xt_hold)
holding() {
	[ "$(xp_psql -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'xt_hold'
		AND state = 'active' AND query LIKE '%pg_sleep%'")" = 1 ]
}
unhold() {
	xp_psql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'xt_hold'" >/dev/null
	wait "$1"
}
{
	echo '\set ON_ERROR_ROLLBACK on'
	echo "BEGIN;"
	echo "INSERT INTO scores (server_id, monitor, score, updated) VALUES ($sid, 'site-h', 1, 1)
		ON CONFLICT (server_id, monitor) DO UPDATE SET score = 2, updated = 2;"
	echo "INSERT INTO history (server_id, monitor, ts, step, score) VALUES ($sid, 'site-h', 1, 1, 1);"
	echo "UPDATE monitors SET last_report = 1 WHERE name = 'site-h';"
	for t in scores history servers monitors; do echo "LOCK TABLE $t IN ACCESS EXCLUSIVE MODE;"; done
	echo "SELECT 'holding';"
	echo "SELECT pg_sleep($HOLD);"
	echo "COMMIT;"
} | PGAPPNAME=xt_hold psql -h "$XP_PG" -U xpool_mon_site-h -d api -X -q -At >"$XP_TMP/hold.out" 2>&1 &
hold=$!
XP_PIDS+=($hold)
for _ in $(seq 200); do grep -q '^holding$' "$XP_TMP/hold.out" && break; sleep 0.1; done
grep -q '^holding$' "$XP_TMP/hold.out" || xp_fail "the monitor's transaction did not start: $(cat "$XP_TMP/hold.out")"
locked=$(grep -c "permission denied" "$XP_TMP/hold.out")
# a volunteer's list (servers and scores) under way, then a login: each must answer
xp_ns "$A" curl -s -m $((HOLD * 2)) -o "$XP_TMP/list.out" -w '%{http_code} %{time_total}' \
	-H "Authorization: Bearer $tok" 127.0.0.1:18081/v1/servers >"$XP_TMP/list.code" &
list=$!
read -r code t_login < <(xp_ns "$A" curl -s -m $((HOLD * 2)) -o "$XP_TMP/login.out" -w '%{http_code} %{time_total}' \
	-X POST 127.0.0.1:18081/v1/tokens -d '{"email":"vol@pool.test","password":"correct horse"}')
[ "$code" = 201 ] || xp_fail "login while a monitor holds a transaction: $code $(cat "$XP_TMP/login.out")"
wait $list
read -r code t_list <"$XP_TMP/list.code"
[ "$code" = 200 ] && grep -q '"192.0.2.40"' "$XP_TMP/list.out" ||
	xp_fail "list while a monitor holds a transaction: $code $(cat "$XP_TMP/list.out")"
t1=$(date +%s.%N)
out=$("$BUILD/xpoolctl" --db "$API_DB" export "$XP_TMP/held.json" 2>&1) || xp_fail "export while a monitor holds a transaction: $out"
t_export=$(since "$t1")
holding ||
	xp_fail "the answers came only after the monitor's transaction ended ($(cat "$XP_TMP/hold.out"))"
[ "$locked" = 4 ] || xp_fail "the monitor's LOCK TABLEs: $locked of 4 refused ($(cat "$XP_TMP/hold.out"))"
xp_log "a monitor holding a transaction ($locked LOCK TABLEs refused): login ${t_login}s, list ${t_list}s, export ${t_export}s after, all before its ${HOLD}s ended"
unhold $hold

# 7. every session's lock wait has a deadline: behind a lock someone else holds, an export fails
# with the lock timeout while the lock is still held; a URI's own options replace the defaults
{
	echo "BEGIN;"
	echo "LOCK TABLE servers IN ACCESS EXCLUSIVE MODE;"
	echo "SELECT 'holding';"
	echo "SELECT pg_sleep($HOLD);"
	echo "COMMIT;"
} | PGAPPNAME=xt_hold psql -h "$XP_PG" -U postgres -d api -X -q -At >"$XP_TMP/lock.out" 2>&1 &
hold=$!
XP_PIDS+=($hold)
for _ in $(seq 200); do grep -q '^holding$' "$XP_TMP/lock.out" && break; sleep 0.1; done
grep -q '^holding$' "$XP_TMP/lock.out" || xp_fail "the lock was not taken: $(cat "$XP_TMP/lock.out")"
t0=$(date +%s.%N)
out=$("$BUILD/xpoolctl" --db "$API_DB" export "$XP_TMP/locked.json" 2>&1) &&
	xp_fail "an export behind an exclusive lock succeeded: it waited for the lock"
t_lock=$(since "$t0")
echo "$out" | grep -q "lock timeout" || xp_fail "export behind a lock: $out"
out=$("$BUILD/xpoolctl" --db "$API_DB&options=-c%20statement_timeout%3D1s" export "$XP_TMP/locked.json" 2>&1) &&
	xp_fail "an export behind an exclusive lock succeeded"
echo "$out" | grep -q "statement timeout" || xp_fail "the URI's options did not replace the defaults: $out"
holding ||
	xp_fail "the exports failed only after the lock was released"
xp_log "behind an exclusive lock: export failed after ${t_lock}s with the lock timeout; a URI's options (statement_timeout=1s) win"
unhold $hold
xp_log "PASS"
