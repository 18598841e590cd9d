#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_registry_pg_hints.sh - a registry on PostgreSQL on another host, reached as the README's
# several-hosts setup does: every refused connection an operator meets (no password for the role,
# a wrong one, root's own ~/.pgpass, peer authentication, no such role or database, no server on
# this host's socket) says what to do (issue 19: "fe_sendauth: no password supplied" alone).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "needs root (postgres user, network namespaces)"; exit 77; }
id postgres >/dev/null 2>&1 || { echo "no postgres user (Debian postgresql missing)"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "no user nobody"; exit 77; }
P=$XP_PREFIX-pg
ip netns add "$P" && XP_NETNS+=("$P") || xp_fail "netns"
ip -n "$P" link set lo up
xp_pg_start 127.0.0.1 "$P"
# the registry host's rules: passwords over TCP, peer on the socket for one role
sed -i '/^host/d' "$XP_PG/data/pg_hba.conf"
{
	echo "local all nobody peer"
	echo "local all xpool_mon_peer peer"
	echo "host all all 127.0.0.1/32 scram-sha-256"
	cat "$XP_PG/data/pg_hba.conf"
} >"$XP_PG/hba.new" && mv "$XP_PG/hba.new" "$XP_PG/data/pg_hba.conf" && chown postgres: "$XP_PG/data/pg_hba.conf"
xp_psql -c "SELECT pg_reload_conf()" >/dev/null || xp_fail "reload"
xp_psql -c "CREATE ROLE xpool LOGIN PASSWORD 'right one'" -c "CREATE ROLE nobody LOGIN" -c "CREATE ROLE xpool_mon_peer LOGIN" \
	-c "CREATE DATABASE pool OWNER xpool" || xp_fail "roles"
TCP=postgresql://xpool@127.0.0.1/pool
HOME_ROOT=$XP_TMP/root-home
mkdir -p "$HOME_ROOT"

# ctl WANT_WORDS ENV... -- ARGS: xpoolctl in the registry's namespace fails, its message holds WANT
ctl() {
	local want=$1 out
	shift
	local env=()
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	out=$(env "${env[@]}" ip netns exec "$P" "$BUILD/xpoolctl" "$@" 2>&1) &&
		xp_fail "xpoolctl $* succeeded"
	echo "$out" | grep -qF -- "$want" || xp_fail "xpoolctl $*: no '$want' in: $out"
	xp_log "$(echo "$out" | head -c 400)"
}

# as root, no password anywhere: the line to put in which file, and the user to run as
ctl "role xpool needs a password and none was found: put the line 127.0.0.1:5432:pool:xpool:PASSWORD in $HOME_ROOT/.pgpass (mode 0600) of the user that runs xpoolctl (now root), or name another file with PGPASSFILE; as root it reads root's own: run it as the user whose file holds the password (runuser -u xpool -- ...)" \
	HOME="$HOME_ROOT" -- --db "$TCP" init
# a wrong password in the file PGPASSFILE names
printf '127.0.0.1:5432:pool:xpool:wrong one\n' >"$XP_TMP/pgpass" && chmod 600 "$XP_TMP/pgpass"
ctl "the password for role xpool (from $XP_TMP/pgpass or the URI) is not the one PostgreSQL has: correct it there, or set it as a PostgreSQL superuser (ALTER ROLE \"xpool\" PASSWORD '...')" \
	HOME="$HOME_ROOT" PGPASSFILE="$XP_TMP/pgpass" -- --db "$TCP" init
# the right one: it works (the advice is true)
printf '127.0.0.1:5432:pool:xpool:right one\n' >"$XP_TMP/pgpass"
env HOME="$HOME_ROOT" PGPASSFILE="$XP_TMP/pgpass" ip netns exec "$P" "$BUILD/xpoolctl" --db "$TCP" init ||
	xp_fail "init with the password in PGPASSFILE"
# peer authentication on the socket, as another system user than the role
ctl "pg_hba.conf's peer rule lets only the system user nobody log in as role nobody: run xpoolctl as that user (runuser -u nobody -- xpoolctl ...)" \
	HOME="$HOME_ROOT" -- --db "postgresql:///pool?host=$XP_PG&user=nobody" server list
chmod 755 "$XP_TMP" "$XP_PG"
out=$(ip netns exec "$P" runuser -u nobody -- "$BUILD/xpoolctl" --db "postgresql:///pool?host=$XP_PG&user=nobody" server list 2>&1)
echo "$out" | grep -q "permission denied" || xp_fail "as nobody, peer authentication did not pass: $out"
chmod 700 "$XP_TMP" "$XP_PG"
# no user in the URI: libpq takes the system user's name
ctl "without a user in the URI libpq takes the system user's name (root): name the registry's role in it (postgresql://ROLE@HOST/DB)" \
	HOME="$HOME_ROOT" -- --db "postgresql:///pool?host=$XP_PG" server list
# a role the URI names that the cluster lacks (a monitor's, before monitor add)
ctl "role xpool_mon_fra2 is not in this PostgreSQL cluster: a monitor's role is made by xpoolctl monitor add NAME on the registry host (xpool_mon_NAME), any other by a PostgreSQL superuser (createuser xpool_mon_fra2)" \
	HOME="$HOME_ROOT" -- --db "postgresql:///pool?host=$XP_PG&user=xpool_mon_fra2" server list
# peer authentication for a role no system user is named after: runuser would not help
ctl "pg_hba.conf's peer rule lets only a system user named xpool_mon_peer log in as role xpool_mon_peer, and this host has none: give the role a password (ALTER ROLE) and the URI a host" \
	HOME="$HOME_ROOT" -- --db "postgresql:///pool?host=$XP_PG&user=xpool_mon_peer" server list
# no such database
ctl "make it as a PostgreSQL superuser (createdb -O ROLE DB), then xpoolctl --db URI init" \
	HOME="$HOME_ROOT" -- --db "postgresql:///nope?host=$XP_PG&user=postgres" server list
# this host has no PostgreSQL: its socket is not there
ctl "no PostgreSQL server on this host's socket: a registry on another host is named in the URI (postgresql://ROLE@HOST/DB?sslmode=verify-full)" \
	HOME="$HOME_ROOT" -- --db "postgresql:///pool?host=$XP_TMP/nopg" server list
# the monitor and the API say the same (one place: the registry's PostgreSQL backend)
out=$(HOME="$HOME_ROOT" timeout 20 ip netns exec "$P" "$BUILD/xpool-monitor" --db "$TCP" --name fra1 --once 2>&1) &&
	xp_fail "xpool-monitor without a password started"
echo "$out" | grep -qF "role xpool needs a password and none was found" || xp_fail "xpool-monitor: $out"
out=$(HOME="$HOME_ROOT" timeout 20 ip netns exec "$P" "$BUILD/xpool-api" --db "$TCP" --listen 127.0.0.1:18082 --geoip off --sendmail off 2>&1) &&
	xp_fail "xpool-api without a password started"
echo "$out" | grep -qF "role xpool needs a password and none was found" || xp_fail "xpool-api: $out"
xp_log "PASS"
