#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# check_docs.sh - the man pages agree with the directive tables: every directive a program's
# --help lists (help is printed from its table) is described in its man page, and where the
# table has a default, the man page's paragraph for it states "default VALUE".
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
fail=0 checked=0

# help_pairs BIN: "name<TAB>default" per directive, from the table's --help
help_pairs() {
	"$1" --help | awk '
		/^Every directive/ { on = 1; next }
		on && /^      --[a-z]/ { name = substr($1, 3); next }
		name != "" { d = ""; if (match($0, /default [^);]+/)) d = substr($0, RSTART + 8, RLENGTH - 8)
			print name "\t" d; name = "" }'
}

# paragraph PAGE NAME: the text of the .TP paragraph whose tag names NAME, roff removed
paragraph() {
	awk -v want="$2" '
		function plain(s) { gsub(/\\f[BIRP]/, "", s); gsub(/\\-/, "-", s); gsub(/\\\(mu/, "x", s); return s }
		/^\.TP/ { if (hit) exit; tag = 1; text = ""; next }
		tag { tag = 0; line = plain($0); n = split(line, w, /[ ,|]+/)
			for (i = 1; i <= n; i++) if (w[i] == want) hit = 1
			if (hit) print line; next }
		hit && /^\.(SH|TP)/ { exit }
		hit { print plain($0) }' "$1"
}

check() { # check BIN PAGE
	local bin=$1 page=$2 name def text
	while IFS=$'\t' read -r name def; do
		checked=$((checked + 1))
		text=$(paragraph "$page" "$name")
		if [ -z "$text" ]; then
			echo "docs: $page does not describe '$name' (from $bin --help)"
			fail=1
		elif [ -n "$def" ] && ! echo "$text" | tr '\n' ' ' | grep -qF "default $def"; then
			echo "docs: $page: '$name' should say 'default $def' (the table's), says: $(echo "$text" | tr '\n' ' ')"
			fail=1
		fi
	done < <(help_pairs "$bin")
}

# every table's defaults parse (xp_conf_load applies them first) and the check runs the table
empty=$(mktemp /tmp/xpool-docs.XXXXXX)
trap 'rm -f "$empty"' EXIT
for bin in xpool-monitor xpool-api xpoolctl; do
	"$BUILD/$bin" -c "$empty" --check-config >/dev/null || { echo "docs: $bin: defaults"; fail=1; }
done

# every installed binary (make install into a scratch DESTDIR: the list is the install rule's,
# not this script's) says its version, the same one, from the VERSION file (and the commit)
want=$(cat VERSION)
dest=$(mktemp -d /tmp/xpool-docs-install.XXXXXX)
trap 'rm -f "$empty"; rm -rf "$dest"' EXIT
make -s --no-print-directory install BUILD="$BUILD" DESTDIR="$dest" >/dev/null ||
	{ echo "docs: make install DESTDIR=$dest failed"; fail=1; }
versions=0
# bench-xdp (make bench) is built but not installed: asked too
for path in "$dest"/usr/sbin/* "$dest"/usr/bin/* "$BUILD/bench-xdp"; do
	[ -x "$path" ] || continue
	bin=${path##*/} versions=$((versions + 1))
	got=$(timeout 10 "$path" --version 2>&1)
	case $got in
	"$bin $want"*) ;;
	*) echo "docs: $bin --version says '$got', not '$bin $want...'"; fail=1 ;;
	esac
done
[ $versions -ge 8 ] || { echo "docs: only $versions installed binaries answered --version"; fail=1; }

check "$BUILD/xpool-ntpd" man/xpool-ntpd.conf.5
check "$BUILD/xpool-dns" man/xpool-dns.conf.5
check "$BUILD/xpool-monitor" man/xpool-monitor.8
check "$BUILD/xpool-api" man/xpool-api.8
check "$BUILD/xpoolctl" man/xpoolctl.8
[ $checked -gt 40 ] || { echo "docs: only $checked directives found in --help"; fail=1; }
[ $fail -eq 0 ] && echo "docs: $checked directives: 1 passed, 0 failed" || echo "docs: 0 passed, 1 failed"
exit $fail
