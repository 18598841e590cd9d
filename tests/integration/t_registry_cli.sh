#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_registry_cli.sh - the registry never loses data quietly: missing, read-only and damaged
# registries, hostile input, and the exit codes an operator scripts against.
. "$(dirname "$0")/lib.sh"
CTL=$BUILD/xpoolctl
DB=$XP_TMP/reg.db

# expect CODE CMD...: runs CMD, checks its exit code, keeps its stderr in $XP_TMP/err
expect() {
	local want=$1 rc
	shift
	"$@" >"$XP_TMP/out" 2>"$XP_TMP/err"
	rc=$?
	[ $rc -eq "$want" ] || { cat "$XP_TMP/err"; xp_fail "exit $rc (want $want): $*"; }
}

# a mistyped --db never becomes a new, empty registry, and nothing is exported from it
expect 1 "$CTL" --db "$XP_TMP/typo.db" export "$XP_TMP/snap.json"
grep -q "does not exist\|No such file" "$XP_TMP/err" || xp_fail "no clear message: $(cat "$XP_TMP/err")"
[ ! -e "$XP_TMP/typo.db" ] || xp_fail "export created a registry"
[ ! -e "$XP_TMP/snap.json" ] || xp_fail "export wrote a snapshot from nothing"
for cmd in "server list" "server show 192.0.2.1" "server remove 192.0.2.1" \
	"server set 192.0.2.1 owner x"; do
	expect 1 "$CTL" --db "$XP_TMP/typo.db" $cmd
	[ ! -e "$XP_TMP/typo.db" ] || xp_fail "'$cmd' created a registry"
done
expect 0 "$CTL" --db "$DB" init
[ -s "$DB" ] || xp_fail "init made no registry"
expect 2 "$CTL" --db "$DB" server frobnicate
expect 2 "$CTL" --db "$DB" server add 192.0.2.1
xp_log "OK: a missing registry is an error (exit 1), never created; usage errors exit 2"

# a registry in a directory that does not exist, or that its user may not write: the message
# names the directory and the command that mends it (issue 19: "unable to open database file")
NODIR=$XP_TMP/nodir/registry.db
fix="the directory $XP_TMP/nodir does not exist (create it for the user that runs the pool's programs: install -d -o xpool -g xpool $XP_TMP/nodir"
expect 1 "$CTL" --db "$NODIR" init
grep -qF "$fix)" "$XP_TMP/err" || xp_fail "init, no directory: $(cat "$XP_TMP/err")"
expect 1 "$BUILD/xpool-monitor" --db "$NODIR" --once --no-chrony
grep -qF "$fix; then xpoolctl --db $NODIR init)" "$XP_TMP/err" || xp_fail "xpool-monitor, no directory: $(cat "$XP_TMP/err")"
expect 1 "$BUILD/xpool-api" --db "$NODIR" --listen 127.0.0.1:1 --geoip off --sendmail off
grep -qF "$fix; then xpoolctl --db $NODIR init)" "$XP_TMP/err" || xp_fail "xpool-api, no directory: $(cat "$XP_TMP/err")"
[ ! -e "$XP_TMP/nodir" ] || xp_fail "a directory was made"
mkdir -m 755 "$XP_TMP/rootdir" && chmod 711 "$XP_TMP"
expect 0 "$CTL" --db "$XP_TMP/rootdir/reg.db" init
chmod 644 "$XP_TMP/rootdir/reg.db" && rm -f "$XP_TMP/rootdir/reg.db-"*
expect 1 runuser -u nobody -- "$CTL" --db "$XP_TMP/rootdir/reg.db" server add 8.8.8.8 us
grep -qF "user nobody may not write $XP_TMP/rootdir/reg.db (owner root, mode 0644): run xpoolctl as root, or give $XP_TMP/rootdir/reg.db to the user that runs the pool's programs (chown xpool:xpool $XP_TMP/rootdir/reg.db)" \
	"$XP_TMP/err" || xp_fail "a registry nobody may write: $(cat "$XP_TMP/err")"
chmod 666 "$XP_TMP/rootdir/reg.db"
expect 1 runuser -u nobody -- "$BUILD/xpool-monitor" --db "$XP_TMP/rootdir/reg.db" --once --no-chrony
grep -qF "user nobody may not write the directory $XP_TMP/rootdir (owner root, mode 0755), where SQLite keeps the registry's -wal and -shm files: run xpool-monitor as root, or keep the registry in a directory of its own, owned by the user that runs the pool's programs (install -d -o xpool -g xpool /var/lib/xpool; --db /var/lib/xpool/registry.db)" \
	"$XP_TMP/err" || xp_fail "a directory nobody may write: $(cat "$XP_TMP/err")"
# a directory is given away recursively only when it is the pool's own (never /var/lib or .)
mkdir -m 755 "$XP_TMP/xpool" && cp "$XP_TMP/rootdir/reg.db" "$XP_TMP/xpool/" && chmod 666 "$XP_TMP/xpool/reg.db"
expect 1 runuser -u nobody -- "$BUILD/xpool-monitor" --db "$XP_TMP/xpool/reg.db" --once --no-chrony
grep -qF "or give $XP_TMP/xpool to the user that runs the pool's programs (chown -R xpool:xpool $XP_TMP/xpool)" \
	"$XP_TMP/err" || xp_fail "the pool's own directory nobody may write: $(cat "$XP_TMP/err")"
grep -q 'chown -R' <(cd / && runuser -u nobody -- "$CTL" --db reg.db init 2>&1) && xp_fail "chown -R of / advised"
chmod 700 "$XP_TMP/rootdir"
expect 1 runuser -u nobody -- "$CTL" --db "$XP_TMP/rootdir/reg.db" server list
grep -qF "user nobody may not enter the directory $XP_TMP/rootdir (owner root, mode 0700)" "$XP_TMP/err" ||
	xp_fail "a directory nobody may enter: $(cat "$XP_TMP/err")"
chmod 700 "$XP_TMP"
xp_log "OK: a missing or forbidden directory is named, with its fix (install -d, chown, the user to run as)"

# only unicast addresses; test ranges behind --test-addresses
for a in 0.0.0.0 127.0.0.1 255.255.255.255 224.0.0.1 :: ::1 ff02::1 fe80::1 ::ffff:8.8.8.8; do
	expect 1 "$CTL" --db "$DB" server add "$a" de --test-addresses
	grep -q "not global unicast" "$XP_TMP/err" || xp_fail "$a: $(cat "$XP_TMP/err")"
done
# a documentation address (the README's examples) is refused with its kind and the flag that
# admits it in a test pool (issue 19: "allowed only for test pools" did not say how)
expect 1 "$CTL" --db "$DB" server add 203.0.113.1 de
grep -q "203.0.113.1: documentation (RFC 5737) address: not global unicast; only a test pool lists it (xpoolctl server add ... --test-addresses)" \
	"$XP_TMP/err" || xp_fail "documentation address: $(cat "$XP_TMP/err")"
expect 1 "$CTL" --db "$DB" server add 10.1.2.3 de
grep -q "10.1.2.3: private (RFC 1918) address: .*--test-addresses" "$XP_TMP/err" ||
	xp_fail "private address: $(cat "$XP_TMP/err")"
expect 0 "$CTL" --db "$DB" server add 203.0.113.1 de --test-addresses
expect 0 "$CTL" --db "$DB" server remove 203.0.113.1
expect 0 "$CTL" --db "$DB" server add 8.8.8.8 us
# xpool-dns, and its --check-config, refuse a snapshot listing one, naming the directive
printf '{"servers":[{"ip":"192.0.2.1","netspeed":1000,"score":20,"country":"de"}]}\n' >"$XP_TMP/doc.json"
printf 'listen 127.0.0.1:5353\nsnapshot %s\ngeoip off\nmin-servers 1\n' "$XP_TMP/doc.json" >"$XP_TMP/dns.conf"
expect 2 "$BUILD/xpool-dns" --config "$XP_TMP/dns.conf" --check-config
grep -q "doc.json: servers\[0\].ip: 192.0.2.1: documentation (RFC 5737) address: not global unicast; only a test pool lists it (the directive test-addresses in xpool-dns's configuration, or --test-addresses)" \
	"$XP_TMP/err" || xp_fail "xpool-dns --check-config, a documentation address: $(cat "$XP_TMP/err")"
echo test-addresses >>"$XP_TMP/dns.conf"
expect 0 "$BUILD/xpool-dns" --config "$XP_TMP/dns.conf" --check-config
xp_log "OK: non-unicast addresses refused; documentation ranges need --test-addresses (xpoolctl) or test-addresses (xpool-dns), and the refusal says so"

# xpool-monitor --once never exits 0 for a round it did not make (issue 19: --export F exited 0
# without writing F): it says why and what to do, and writes no F
M1=$XP_TMP/mon1.db
expect 0 "$CTL" --db "$M1" init
expect 1 "$BUILD/xpool-monitor" --db "$M1" --name fra1 --once --export "$XP_TMP/m1.json"
grep -qF "monitor fra1 is not registered (xpoolctl monitor add fra1)" "$XP_TMP/err" || xp_fail "unregistered: $(cat "$XP_TMP/err")"
expect 0 "$CTL" --db "$M1" monitor add fra1
expect 0 "$CTL" --db "$M1" monitor set fra1 status paused
expect 1 "$BUILD/xpool-monitor" --db "$M1" --name fra1 --once --no-chrony --export "$XP_TMP/m1.json"
grep -qF -- "--once: no round made: monitor fra1 is paused in the registry (xpoolctl monitor set fra1 status active); $XP_TMP/m1.json was not written" \
	"$XP_TMP/err" || xp_fail "--once, paused: $(cat "$XP_TMP/err")"
expect 0 "$CTL" --db "$M1" monitor set fra1 status testing
expect 1 "$BUILD/xpool-monitor" --db "$M1" --name fra1 --once --chrony-socket "$XP_TMP/none.sock" --export "$XP_TMP/m1.json"
grep -qF "monitor fra1 is testing: its checks are recorded and shown, but count in no DNS score (xpoolctl monitor set fra1 status active)" \
	"$XP_TMP/err" || xp_fail "--once, testing: $(cat "$XP_TMP/err")"
grep -qF -- "--once: no round made: not scoring: chronyd at $XP_TMP/none.sock" "$XP_TMP/err" &&
	grep -qF "$XP_TMP/m1.json was not written" "$XP_TMP/err" || xp_fail "--once, no chronyd: $(cat "$XP_TMP/err")"
[ ! -e "$XP_TMP/m1.json" ] || xp_fail "--once wrote an export without a round"
xp_log "OK: xpool-monitor --once without a round exits 1, says why and what to do, writes no export"

# owners are printable text; control characters in old rows are shown escaped
expect 1 "$CTL" --db "$DB" server add 1.1.1.1 au --owner "$(printf 'evil\033[2J')"
expect 1 "$CTL" --db "$DB" server set 8.8.8.8 owner "$(printf 'a\nb')"
sqlite3 "$DB" "UPDATE servers SET owner = 'x' || char(27) || '[31m' WHERE ip = '8.8.8.8'"
expect 0 "$CTL" --db "$DB" server list
grep -q "$(printf '\033')" "$XP_TMP/out" && xp_fail "a control character reached the terminal"
grep -qF 'x\x1b[31m' "$XP_TMP/out" || xp_fail "owner not shown escaped: $(cat "$XP_TMP/out")"
xp_log "OK: control characters refused in owners and escaped on output"

# 200 servers; a read-only copy can be listed and exported by an unprivileged user
for i in $(seq 1 200); do echo "INSERT INTO servers (ip, netspeed, country, owner, enabled,"\
	"created, updated) VALUES ('$((i / 100 + 1)).2.$((i % 100)).9', 1000, 'de',"\
	"'$(printf 'o%0100d' $i)', 1, 1, 1);"; done | sqlite3 "$DB"
ro=$XP_TMP/ro
mkdir -p "$ro" && cp "$DB" "$ro/reg.db" && chmod 0555 "$ro" && chmod 0444 "$ro/reg.db"
chmod 0755 "$XP_TMP"
expect 0 runuser -u nobody -- "$CTL" --db "$ro/reg.db" server list
[ "$(grep -c ' de ' "$XP_TMP/out")" -eq 200 ] || xp_fail "read-only list: $(wc -l <"$XP_TMP/out") lines"
mkdir -p "$XP_TMP/nb" && chown nobody "$XP_TMP/nb"
expect 0 runuser -u nobody -- "$CTL" --db "$ro/reg.db" export "$XP_TMP/nb/snap.json"
n=$(grep -c '"ip"' "$XP_TMP/nb/snap.json")
[ "$n" -eq 201 ] || xp_fail "read-only export: $n servers"
chmod 0700 "$XP_TMP"
xp_log "OK: a read-only registry lists and exports all 201 servers (as nobody)"

# one damaged page of the servers table: export fails, writes nothing, exits non-zero
cp "$DB" "$XP_TMP/bad.db"
page=$(sqlite3 "$XP_TMP/bad.db" "SELECT pageno FROM dbstat WHERE name = 'servers' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 1")
size=$(sqlite3 "$XP_TMP/bad.db" "PRAGMA page_size")
[ -n "$page" ] || xp_fail "no second leaf page to damage"
dd if=/dev/urandom of="$XP_TMP/bad.db" bs="$size" seek=$((page - 1)) count=1 conv=notrunc 2>/dev/null
expect 1 "$CTL" --db "$XP_TMP/bad.db" export "$XP_TMP/snap.json"
[ ! -e "$XP_TMP/snap.json" ] || xp_fail "a partial snapshot was written ($(grep -c '"ip"' "$XP_TMP/snap.json") servers)"
ls "$XP_TMP" | grep -q 'snap.json.tmp' && xp_fail "a temporary file was left"
expect 1 "$CTL" --db "$XP_TMP/bad.db" server list
xp_log "OK: a damaged page fails export and list ($(head -c 120 "$XP_TMP/err")), no file written"

# a signed export: the signature verifies with the public key, and a key is never overwritten
expect 0 "$CTL" key generate "$XP_TMP/pool.key"
[ "$(stat -c %a "$XP_TMP/pool.key")" = 600 ] || xp_fail "the secret key is readable by others"
expect 1 "$CTL" key generate "$XP_TMP/pool.key"
expect 0 "$CTL" --db "$DB" export "$XP_TMP/signed.json" --sign "$XP_TMP/pool.key"
grep -q "^xpool-ed25519 signature [0-9a-f]\{128\}$" "$XP_TMP/signed.json.sig" || xp_fail "no signature"
expect 1 "$CTL" --db "$DB" export "$XP_TMP/s2.json" --sign "$XP_TMP/pool.key.pub"
grep -q "not an xpool secret key" "$XP_TMP/err" || xp_fail "a public key signed: $(cat "$XP_TMP/err")"
xp_log "OK: key generate, export --sign"

# a full disk: writes fail with a clear error, nothing half-written, the registry stays whole
full=$XP_TMP/tiny
mkdir -p "$full"
out=$(unshare -m bash -c '
	set -e
	mount -t tmpfs -o size=512k tmpfs "$1"
	"$2" --db "$1/reg.db" init
	"$2" --db "$1/reg.db" server add 8.8.8.8 us
	dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null || true
	set +e
	rc=0
	for i in $(seq 1 40); do
		"$2" --db "$1/reg.db" server add "9.9.$i.9" de --owner "$(printf "x%.0s" $(seq 120))" \
			2>>"$1/../full.err" || { rc=$?; break; }
	done
	echo "add-exit $rc"
	"$2" --db "$1/reg.db" export "$1/snap.json" 2>>"$1/../full.err"
	echo "export-exit $?"
	ls "$1" | grep -c "snap.json" || true
	rm -f "$1/filler"
	sqlite3 "$1/reg.db" "PRAGMA integrity_check"
	"$2" --db "$1/reg.db" server list | grep -c "8.8.8.8"
' _ "$full" "$PWD/$CTL" 2>&1)
xp_log "full disk: $(echo $out) / $(tr '\n' ' ' <"$XP_TMP/full.err" | head -c 300)"
echo "$out" | grep -q "add-exit 1" || xp_fail "server add on a full disk did not fail cleanly: $out"
echo "$out" | grep -q "export-exit 1" || xp_fail "export to a full disk did not fail: $out"
echo "$out" | grep -qx "0" || xp_fail "a snapshot file was left on the full disk: $out"
echo "$out" | grep -q "^ok$" || xp_fail "the registry was damaged: $out"
grep -q "No space left on device" "$XP_TMP/full.err" || xp_fail "no clear reason: $(cat "$XP_TMP/full.err")"
xp_log "OK: a full disk fails add and export with a reason; the registry stays whole"
