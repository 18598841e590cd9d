#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# t_status_site.sh - xpoolctl server graph writes valid SVG; export-web writes a static status
# site that headless Chromium renders (screenshots not blank, the page's text has the server's
# address and score), swapped in whole; bad input gets an error and changes nothing.
. "$(dirname "$0")/lib.sh"

command -v chromium >/dev/null || { echo "chromium missing"; exit 77; }
command -v xmllint >/dev/null || { echo "xmllint missing"; exit 77; }
/usr/bin/python3 -c 'import PIL' 2>/dev/null || { echo "python3-pil missing"; exit 77; }
CTL=$(realpath "$BUILD")/xpoolctl
DB=$XP_TMP/reg.db
cd "$XP_TMP" || exit 1
"$CTL" --db "$DB" init && "$CTL" --db "$DB" server add 192.0.2.1 de --test-addresses &&
	"$CTL" --db "$DB" server add 2001:db8::5 fr --test-addresses --netspeed 500 &&
	"$CTL" --db "$DB" monitor add fra1 >/dev/null && "$CTL" --db "$DB" monitor add nyc1 >/dev/null &&
	"$CTL" --db "$DB" monitor set fra1 status active || xp_fail "registry"
# three days of checks every 10 minutes by two monitors: 4 hours 800 ms off, a few failures
now=$(date +%s)
awk -v now="$now" 'BEGIN {
	print "BEGIN;"
	for (m = 0; m < 2; m++) {
		score = 0; mon = m ? "nyc1" : "fra1"
		for (k = 0; k < 3 * 86400; k += 600) {
			off = 0.002 * ((k / 600) % 5 - 2) / 2; step = 1
			if (k > 86400 && k < 86400 + 14400) { off = 0.8; step = -2 }
			if (m && (k / 600) % 37 == 5) { off = "NULL"; step = -5 }
			score = step + 0.95 * score; if (score > 20) score = 20
			printf "INSERT INTO history (server_id, monitor, ts, offset, step, score) VALUES (1, \x27%s\x27, %d, %s, %g, %.4f);\n", mon, now - 3 * 86400 + k, off, step, score
		}
		printf "INSERT INTO scores VALUES (1, \x27%s\x27, %.4f, %d);\n", mon, score, now
	}
	print "COMMIT;" }' | sqlite3 "$DB" || xp_fail "history"
score=$("$CTL" --db "$DB" server show 192.0.2.1 | sed -n 's/^DNS score.*: \(.*\)/\1/p')

# the graph: valid XML, lines, points, crosses, the threshold; no script
"$CTL" --db "$DB" server graph 192.0.2.1 -o graph.svg --days 3 || xp_fail "server graph"
xmllint --noout graph.svg || xp_fail "the SVG is not well-formed XML"
python3 - graph.svg <<'EOF' || xp_fail "SVG content"
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == ns + "svg", root.tag
count = lambda tag: len(root.findall(".//" + ns + tag))
assert count("polyline") == 2, "a score line per monitor"
assert count("circle") > 500, "a point per check with an offset"
assert count("path") > 5, "crosses for failures"
assert not root.findall(".//" + ns + "script"), "no script"
texts = " ".join(t.text or "" for t in root.iter(ns + "text"))
for want in ("10: in DNS", "offset (ms)", "time (UTC)", "fra1", "nyc1"):
    assert want in texts, want
EOF
xp_log "server graph: well-formed SVG, 2 score lines, $(grep -c '<circle' graph.svg) offset points, failures marked"

# the site, rendered by a real browser
(umask 077 && "$CTL" --db "$DB" export-web site) || xp_fail "export-web"
# a web server (another user) can read it whatever the exporter's umask
[ -z "$(find site ! -perm -o+r)" ] || xp_fail "not world-readable: $(find site ! -perm -o+r | head -3)"
shot() { # shot PAGE PNG: a headless screenshot
	timeout 60 chromium --headless --no-sandbox --disable-gpu --window-size=1000,800 \
		--screenshot="$2" "file://$XP_TMP/site/$1" >/dev/null 2>&1
	[ -s "$2" ] || xp_fail "no screenshot of $1"
	/usr/bin/python3 - "$2" <<'EOF' || xp_fail "$1 renders blank"
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
colours = im.getcolors(1 << 20) or []
inked = sum(n for n, c in colours if sum(c) < 600)
assert len(colours) > 20 and inked > 0.005 * im.width * im.height, (len(colours), inked)
EOF
}
dom() { timeout 60 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$XP_TMP/site/$1" 2>/dev/null; }
shot index.html index.png
shot servers/192.0.2.1.html server.png
dom index.html | grep -q '192.0.2.1' || xp_fail "the index does not list the server"
dom index.html | grep -q '2001:db8::5' || xp_fail "the index does not list the IPv6 server"
page=$(dom servers/192.0.2.1.html)
echo "$page" | grep -q '<h1>192.0.2.1</h1>' || xp_fail "the server page lacks its address"
echo "$page" | grep -q "id=\"score\">$score<" || xp_fail "the server page lacks its score $score"
xp_log "status site: index and server page rendered by Chromium, not blank; address and score $score"

# swapped in whole: a second export replaces the first, nothing left beside it
echo stale >site/stale.html
"$CTL" --db "$DB" export-web site || xp_fail "second export-web"
[ ! -e site/stale.html ] || xp_fail "the old site was not replaced"
[ -z "$(ls -d site.new.* 2>/dev/null)" ] || xp_fail "a temporary directory was left behind"
# bad input: an error, nothing changed
echo file >notadir
out=$("$CTL" --db "$DB" export-web notadir 2>&1) && xp_fail "export-web over a file"
echo "$out" | grep -q "Not a directory" || xp_fail "export-web over a file: $out"
[ "$(cat notadir)" = file ] || xp_fail "the file was replaced"
out=$("$CTL" --db "$DB" server graph 192.0.2.99 -o x.svg 2>&1) && xp_fail "graph of an unknown server"
echo "$out" | grep -q "no server with address" || xp_fail "unknown server: $out"
out=$("$CTL" --db "$DB" server graph 192.0.2.1 2>&1) && xp_fail "graph without -o"
echo "$out" | grep -q "needs -o" || xp_fail "graph without -o: $out"
out=$("$CTL" --db "$DB" server graph 192.0.2.1 -o x.svg --days 99 2>&1) && xp_fail "--days 99"
[ ! -e x.svg ] || xp_fail "a graph was written for bad input"
[ -z "$(ls -d notadir.new.* 2>/dev/null)" ] || xp_fail "a temporary directory was left behind"
xp_log "a second export replaced the first whole; over a file, unknown servers, no -o, --days 99: refused"
xp_log "PASS"
