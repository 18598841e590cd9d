#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_registry_pg.sh - the registry on a real PostgreSQL 15 that the test starts: the registry
# tests on it, the same results as SQLite, monitor roles that cannot write what is not theirs,
# and a monitor that keeps its checks through a crash of the server in the middle of a round.
. "$(dirname "$0")/lib.sh"

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
[ "$(xp_psql -d same -c 'SELECT version FROM xpool_schema')" = 5 ] || xp_fail "schema version"

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
xp_log "monitor role: $refused forbidden writes refused, another monitor's row not reachable, no export"
# an owner who may not make roles: the monitor is registered and the SQL printed instead
xp_psql -c "CREATE ROLE xadmin LOGIN" -c "CREATE DATABASE reg2 OWNER xadmin" || xp_fail "xadmin"
"$BUILD/xpoolctl" --db "$(uri reg2 xadmin)" init || xp_fail "init as xadmin"
out=$("$BUILD/xpoolctl" --db "$(uri reg2 xadmin)" monitor add site-d) || xp_fail "monitor add as xadmin: $out"
echo "$out" | grep -q 'CREATE ROLE "xpool_mon_site-d" LOGIN;' || xp_fail "no SQL printed: $out"
echo "$out" | sed -n '/^CREATE ROLE/,$p' | xp_psql -d reg2 || xp_fail "the printed SQL does not run"
[ "$(xp_psql -U xpool_mon_site-d -d reg2 -c "SELECT count(*) FROM monitors")" = 1 ] ||
	xp_fail "the printed SQL does not give the role its own row"
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
"$BUILD/xpool-api" --db "$API_DB" --listen 127.0.0.1:18081 --geoip off --sendmail off \
	>"$XP_TMP/api.log" 2>&1 &
XP_PIDS+=($!)
xp_until 30 curl -s -o /dev/null 127.0.0.1:18081/ ||
	xp_fail "xpool-api did not start: $(cat "$XP_TMP/api.log")"
post() { curl -s -m 10 -w ' %{http_code}' -X POST "127.0.0.1:18081$1" -d "$2"; }
out=$(post /v1/accounts '{"email":"vol@pool.test","password":"correct horse"}')
[ "${out##* }" = 201 ] || xp_fail "sign-up on PostgreSQL: $out $(cat "$XP_TMP/api.log")"
tok=$(post /v1/tokens '{"email":"vol@pool.test","password":"correct horse"}' | sed -n 's/.*"token":"\(xpt_[0-9a-f]*\)".*/\1/p')
out=$(curl -s -m 10 -H "Authorization: Bearer $tok" 127.0.0.1:18081/v1/servers)
[ "$out" = '{"servers":[]}' ] || xp_fail "list on PostgreSQL: $out"
out=$(post /v1/tokens '{"email":"admin-made@pool.test","password":"a long passphrase"}')
[ "${out##* }" = 201 ] || xp_fail "login of an account xpoolctl made: $out"
"$BUILD/xpoolctl" --db "$API_DB" account list | grep -q "^vol@pool.test .*enabled" || xp_fail "account list on PostgreSQL"
xp_pg_ctl stop
out=$(curl -s -m 10 -w ' %{http_code}' -H "Authorization: Bearer $tok" 127.0.0.1:18081/v1/servers)
[ "${out##* }" = 503 ] || xp_fail "registry away: $out"
xp_pg_ctl start
for _ in $(seq 20); do
	out=$(curl -s -m 10 -w ' %{http_code}' -H "Authorization: Bearer $tok" 127.0.0.1:18081/v1/servers)
	[ "${out##* }" = 200 ] && break
	sleep 0.5
done
[ "${out##* }" = 200 ] || xp_fail "the API did not reconnect: $out"
xp_log "xpool-api on PostgreSQL: sign-up, login, list; 503 while the registry was away, 200 after"
xp_log "PASS"
