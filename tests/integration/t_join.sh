#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_join.sh - a volunteer joins the pool end to end: an account made through nginx (TLS), a
# server added and checked, refused to another account, scored by the monitor into DNS, turned
# bad (a test-only offset) so that its owner gets one signed webhook and one mail (a real MTA),
# and recovered (one "back" of each). A second server announces a leap second on the wrong day:
# one message of each about that.
. "$(dirname "$0")/lib.sh"
xp_need_built "$BUILD/tests/geo-test.mmdb"
. "$(dirname "$0")/api.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces, XDP)"; exit 77; }
for c in nginx openssl curl python3 kdig chronyd socat; do command -v $c >/dev/null || { echo "$c missing"; exit 77; }; done
P=$XP_PREFIX-pool
V=$XP_PREFIX-vol
SRV=10.203.1.11 # the volunteer's server (DE in the test GeoIP)
POOL=10.203.2.2 # the pool's host: registry, API behind nginx, monitor, DNS (another /24)
PIN=$(xp_pin_path join)
mkdir -p "$PIN"
for ns in $P $V; do ip netns add "$ns" && XP_NETNS+=("$ns") || xp_fail "netns"; done
ip link add vp netns "$P" type veth peer name vv netns "$V"
ip -n "$P" addr add $POOL/16 dev vp
ip -n "$V" addr add $SRV/16 dev vv
for ns in $P $V; do ip -n "$ns" link set lo up; done
ip -n "$P" link set vp up && ip -n "$V" link set vv up
# XDP_TX from the server's end is delivered only if this end has a program too
ip -n "$P" link set dev vp xdp obj "$BPF_BUILD/xpool_pass.bpf.o" sec xdp || xp_fail "pass program"

# the volunteer's machine: chronyd (its upstream stands in as "local stratum 1") and xpool-ntpd
xp_chronyd "$V" vol "local stratum 1" "port 0" || xp_fail "chronyd"
xp_chronyd "$P" mon "local stratum 1" "port 0" || xp_fail "chronyd"
for c in vol mon; do xp_chrony_local $c; done
STARTS=0
start_ntpd() { # start_ntpd [flags]: xpool-ntpd on the volunteer's server (replaces a running one),
	# returning once it said READY=1 and its XDP program answered the pool's host
	if [ -n "${NTPD:-}" ]; then xp_stop "$NTPD" || xp_fail "xpool-ntpd: exit status $? on SIGTERM"; fi
	STARTS=$((STARTS + 1))
	xp_ready ntpd$STARTS "$V" "$XP_TMP/ntpd.log" "$BUILD/xpool-ntpd" -i vv --xdp-mode native \
		--chrony-socket "$XP_TMP/vol/chronyd.sock" --pin-path "$PIN" "$@"
	NTPD=$XP_LAST_PID
	xp_until 10 xp_xdp_answered "$P" $SRV "$PIN" ||
		xp_fail "xpool-ntpd does not answer from XDP: $XP_ANSWER"
}
start_ntpd

# the pool's host: registry, monitor, MTA, webhook receiver, xpool-api behind nginx, xpool-dns
DB=$XP_TMP/reg.db
"$BUILD/xpoolctl" --db "$DB" init && "$BUILD/xpoolctl" --db "$DB" monitor add site >/dev/null &&
	"$BUILD/xpoolctl" --db "$DB" monitor set site status active || xp_fail "registry"
"$BUILD/xpoolctl" --db "$DB" export "$XP_TMP/snap.json" || xp_fail "export"
xp_mta
touch "$XP_TMP/hook.secret" "$XP_TMP/hook.log"
xp_bg "$P" "$XP_TMP/hook.out" python3 tests/integration/webhook_rx.py 127.0.0.1 9099 "$XP_TMP/hook.secret" "$XP_TMP/hook.log"
xp_ready api "$P" "$XP_TMP/api.log" "$BUILD/xpool-api" --db "$DB" --listen 127.0.0.1:8080 \
	--geoip "$PWD/$BUILD/tests/geo-test.mmdb" --test-addresses --alert-interval 1 \
	--sendmail "$XP_SENDMAIL" --mail-from alerts@pool.test --test-mode --test-webhook-local
API_PID=$XP_LAST_PID
xp_nginx_api "$P" $POOL 127.0.0.1:8080
xp_ready mon "$P" "$XP_TMP/mon.log" "$BUILD/xpool-monitor" --db "$DB" --name site --interval 1 \
	--timeout-ms 300 --chrony-socket "$XP_TMP/mon/chronyd.sock" --export "$XP_TMP/snap.json"
xp_ready dns "$P" "$XP_TMP/dns.log" "$BUILD/xpool-dns" -l $POOL --zone pool.ntp.test \
	--snapshot "$XP_TMP/snap.json" --min-servers 1 --allow-small-snapshot --max-hosts 4 --test-addresses --geoip off

xp_log "a volunteer signs up and adds a server, through nginx:"
expect "sign-up" 201 "vol@pool.test" POST /v1/accounts '{"email":"vol@pool.test","password":"correct horse"}'
got=$(call POST /v1/tokens '{"email":"vol@pool.test","password":"correct horse"}')
T=$(echo "${got#* }" | sed -n 's/.*"token":"\(xpt_[0-9a-f]*\)".*/\1/p')
[ -n "$T" ] || xp_fail "login: $got"
got=$(call PUT /v1/account/webhook '{"url":"http://127.0.0.1:9099/hook"}' "$T")
echo "${got#* }" | sed -n 's/.*"secret":"\([0-9a-f]*\)".*/\1/p' >"$XP_TMP/hook.secret"
[ -s "$XP_TMP/hook.secret" ] || xp_fail "webhook: $got"
expect "add the server (checked first)" 201 "\"ip\":\"$SRV\".*\"country\":\"de\"" POST /v1/servers "{\"ip\":\"$SRV\",\"netspeed\":1000}" "$T"
expect "another account signs up" 201 "other@pool.test" POST /v1/accounts '{"email":"other@pool.test","password":"another horse"}'
T2=$(call POST /v1/tokens '{"email":"other@pool.test","password":"another horse"}' | sed -n 's/.*"token":"\(xpt_[0-9a-f]*\)".*/\1/p')
expect "it adds the same server" 409 "already in the pool" POST /v1/servers "{\"ip\":\"$SRV\",\"netspeed\":5}" "$T2"
expect "it changes the server" 404 "no server $SRV in this account" PATCH /v1/servers/$SRV '{"paused":true}' "$T2"
expect "it lists its servers" 200 '^200 \{"servers":\[\]\}$' GET /v1/servers "" "$T2"

in_dns() { xp_ns "$P" kdig @$POOL pool.ntp.test A +short +timeout=1 2>/dev/null | grep -qx "$SRV"; }
api_in_dns() { call GET /v1/servers "" "$T" | grep -q "\"in_dns\":$1"; }
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
	local end=$(($(date +%s) + $1)) what=$2
	shift 2
	while [ "$(date +%s)" -lt $end ]; do "$@" && return 0; sleep 1; done
	call GET /v1/servers "" "$T"
	tail -n 5 "$XP_TMP/mon.log" "$XP_TMP/api.log" "$XP_TMP/hook.log" "$XP_TMP/mta/mainlog"
	xp_fail "timed out: $what"
}
listed() { api_in_dns true && in_dns; }
t0=$(date +%s)
wait_for 120 "the server in DNS" listed
xp_log "scored into DNS after $(($(date +%s) - t0)) s: $(call GET /v1/servers "" "$T" | grep -o '"score":[0-9.]*')"
sleep 2 # an alert pass sees it listed
n_hooks() { grep -c "^ok .*\"event\":\"$1\"" "$XP_TMP/hook.log"; }
n_mails() { grep -c "^X-Xpool-Event: $1$" "$XP_TMP/mail/inbox" 2>/dev/null; }
[ "$(wc -l <"$XP_TMP/hook.log")" = 0 ] || xp_fail "an alert for a server that only joined: $(cat "$XP_TMP/hook.log")"

xp_log "the server goes bad (a test-only fault: 800 ms off)"
start_ntpd --test-mode --test-time-offset-ms 800
t0=$(date +%s)
unlisted() { api_in_dns false && ! in_dns; }
wait_for 60 "the server out of DNS" unlisted
told_left() { [ "$(n_hooks left_dns)" -ge 1 ] && [ "$(n_mails left_dns)" -ge 1 ]; }
wait_for 30 "a webhook and a mail about it" told_left
xp_log "out of DNS and told after $(($(date +%s) - t0)) s"
sleep 3 # more alert passes: still one of each
[ "$(n_hooks left_dns)" = 1 ] && [ "$(n_mails left_dns)" = 1 ] ||
	xp_fail "left_dns: $(n_hooks left_dns) webhook(s), $(n_mails left_dns) mail(s); want one each"
grep -q "^bad-signature" "$XP_TMP/hook.log" && xp_fail "a webhook with a bad signature"
xp_log "  webhook (signature checked): $(grep left_dns "$XP_TMP/hook.log")"
xp_log "  mail: $(grep -m1 '^Subject:' "$XP_TMP/mail/inbox") (To: $(grep -m1 '^To:' "$XP_TMP/mail/inbox" | cut -c5-))"
grep -q "^To: <vol@pool.test>" "$XP_TMP/mail/inbox" || xp_fail "the mail went elsewhere"
got=$(call GET /v1/servers/$SRV/scores "" "$T")
echo "$got" | grep -qE '^200 .*"checks":\[\{"time":[^}]*"offset":0\.[78]' || xp_fail "scores: $got"
xp_log "  its checks, as the status graph reads them: $(echo "$got" | grep -o '"time"' | wc -l), the newest $(echo "$got" | grep -o '"checks":\[{[^}]*}')"

xp_log "the server recovers"
start_ntpd
t0=$(date +%s)
wait_for 120 "the server back in DNS" listed
told_back() { [ "$(n_hooks back_in_dns)" -ge 1 ] && [ "$(n_mails back_in_dns)" -ge 1 ]; }
wait_for 30 "a webhook and a mail about it" told_back
sleep 3
[ "$(n_hooks back_in_dns)" = 1 ] && [ "$(n_mails back_in_dns)" = 1 ] && [ "$(n_hooks left_dns)" = 1 ] ||
	xp_fail "back_in_dns: $(n_hooks back_in_dns) webhook(s), $(n_mails back_in_dns) mail(s)"
xp_log "back in DNS and told after $(($(date +%s) - t0)) s: $(grep back_in_dns "$XP_TMP/hook.log")"

xp_log "a second server announces a leap second on a day without one (LI 1, a stand-in server)"
LEAP=10.203.1.12 # on the volunteer's loopback: xpool-ntpd passes it to the stack
ip -n "$V" addr add $LEAP/32 dev lo
ip -n "$P" route add $LEAP/32 via $SRV
xp_bg "$V" "$XP_TMP/fake.log" python3 tests/integration/fake_ntp.py $LEAP=leap
xp_until 10 grep -q ready "$XP_TMP/fake.log" || xp_fail "the stand-in server: $(cat "$XP_TMP/fake.log")"
# LI 1 is a synchronised server: the check before listing takes it
expect "add the second server" 201 "\"ip\":\"$LEAP\"" POST /v1/servers "{\"ip\":\"$LEAP\",\"netspeed\":1000}" "$T"
told_leap() { [ "$(n_hooks leap_wrong_day)" -ge 1 ] && [ "$(n_mails leap_wrong_day)" -ge 1 ]; }
t0=$(date +%s)
wait_for 30 "a webhook and a mail about the leap" told_leap
sleep 3
[ "$(n_hooks leap_wrong_day)" = 1 ] && [ "$(n_mails leap_wrong_day)" = 1 ] ||
	xp_fail "leap_wrong_day: $(n_hooks leap_wrong_day) webhook(s), $(n_mails leap_wrong_day) mail(s)"
xp_log "told after $(($(date +%s) - t0)) s: $(grep leap_wrong_day "$XP_TMP/hook.log")"
xp_log "  the monitor's note: $(call GET /v1/servers/$LEAP/scores "" "$T" | grep -o '"note":"leap[^"]*"' | head -1)"
xp_log "messages in all: $(wc -l <"$XP_TMP/hook.log") webhooks, $(grep -c '^From ' "$XP_TMP/mail/inbox") mails"
kill -TERM "$API_PID" && wait "$API_PID" || xp_fail "xpool-api did not stop cleanly: $(tail -3 "$XP_TMP/api.log")"
grep -E "Sanitizer|runtime error" "$XP_TMP/api.log" && xp_fail "sanitizer reports in the API's log"
xp_log "ok"
