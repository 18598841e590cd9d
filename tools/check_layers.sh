#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# check_layers.sh - the build enforces the layering: products include only their own headers,
# the shared libraries' and the BPF contract. Two checks, both must hold:
#  1. the include graph: every quoted include of every product file names a header its
#     library may use (the same table as the Makefile's include paths);
#  2. a deliberate violation (xpool-dns code including an xpool-ntpd header) fails to compile
#     with the include paths the Makefile gives dns/.
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
fail=0

# directory -> directories whose headers it may include
declare -A allow=(
	[userspace/common]="userspace/common"
	[userspace/pool]="userspace/pool userspace/common"
	[userspace/responder]="userspace/responder userspace/common bpf skel"
	[userspace/ntpd]="userspace/ntpd userspace/responder userspace/common bpf skel"
	[userspace/registry]="userspace/registry userspace/pool userspace/common"
	[userspace/web]="userspace/web userspace/registry userspace/pool userspace/common"
	[userspace/monitor]="userspace/monitor userspace/registry userspace/pool userspace/common"
	[userspace/api]="userspace/api userspace/web userspace/registry userspace/pool userspace/common"
	[userspace/xpoolctl]="userspace/xpoolctl userspace/web userspace/registry userspace/pool userspace/responder userspace/common bpf skel"
	[dns]="dns userspace/pool userspace/common bpf skel"
	[bpf]="bpf"
)

where_is() { # the directory that holds a header, or "skel" for generated skeletons
	case $1 in *.skel.h) echo skel; return ;; esac
	local d
	for d in userspace/common userspace/pool userspace/responder userspace/ntpd userspace/registry \
		userspace/web userspace/monitor userspace/api userspace/xpoolctl dns bpf; do
		[ -f "$d/$1" ] && { echo "$d"; return; }
	done
	echo "?"
}

for dir in "${!allow[@]}"; do
	for f in "$dir"/*.[ch]; do
		[ -f "$f" ] || continue
		while read -r h; do
			home=$(where_is "$h")
			ok=0
			for a in ${allow[$dir]}; do [ "$home" = "$a" ] && ok=1; done
			if [ $ok -eq 0 ]; then
				echo "layers: $f includes \"$h\" from $home: not allowed for $dir"
				fail=1
			fi
		done < <(sed -n 's/^#include "\(.*\)"/\1/p' "$f")
	done
done

# the deliberate violation: what the Makefile lets dns/ see must not contain ntpd's headers
tmp=$(mktemp -d /tmp/xpool-layers.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
printf '#include "ntpd_config.h"\nint x;\n' >"$tmp/violation.c"
inc=$(make -s --no-print-directory -f Makefile -f - print-inc-dns <<<'print-inc-dns: ; @echo $(INC_DNS)')
if cc $inc -fsyntax-only "$tmp/violation.c" 2>"$tmp/err"; then
	echo "layers: dns/ code could include ntpd_config.h: the include paths do not separate them"
	fail=1
elif ! grep -q "ntpd_config.h: No such file" "$tmp/err"; then
	echo "layers: the violation failed for another reason:"; cat "$tmp/err"; fail=1
fi
printf '#include "dns_wire.h"\nint x;\n' >"$tmp/violation.c"
inc=$(make -s --no-print-directory -f Makefile -f - print-inc-ntpd <<<'print-inc-ntpd: ; @echo $(INC_NTPD)')
if cc $inc -fsyntax-only "$tmp/violation.c" 2>/dev/null; then
	echo "layers: ntpd code could include dns_wire.h"
	fail=1
fi
# the pool's rules are below every product: they may not see xpool-dns's, the registry's or the
# status pages' headers
for h in dns_wire.h reg_db.h web_graph.h; do
	printf '#include "%s"\nint x;\n' "$h" >"$tmp/violation.c"
	inc=$(make -s --no-print-directory -f Makefile -f - print-inc-pool <<<'print-inc-pool: ; @echo $(INC_POOL)')
	if cc $inc -fsyntax-only "$tmp/violation.c" 2>/dev/null; then
		echo "layers: userspace/pool code could include $h"
		fail=1
	fi
done
# the status pages are below xpoolctl and xpool-api: they may not see either's headers; both
# may include them (the API serves graphs)
for h in ctl_account.h api.h; do
	printf '#include "%s"\nint x;\n' "$h" >"$tmp/violation.c"
	inc=$(make -s --no-print-directory -f Makefile -f - print-inc-web <<<'print-inc-web: ; @echo $(INC_WEB)')
	if cc $inc -fsyntax-only "$tmp/violation.c" 2>/dev/null; then
		echo "layers: userspace/web code could include $h"
		fail=1
	fi
done
for lib in API CTL; do
	printf '#include "web_graph.h"\n#include "web_site.h"\nint x;\n' >"$tmp/use.c"
	inc=$(make -s --no-print-directory -f Makefile -f - print-inc <<<"print-inc: ; @echo \$(INC_$lib)")
	if ! cc $inc -fsyntax-only "$tmp/use.c" 2>"$tmp/err"; then
		echo "layers: INC_$lib cannot include web_graph.h and web_site.h:"; cat "$tmp/err"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "layers: 1 passed, 0 failed" || echo "layers: 0 passed, 1 failed"
exit $fail
