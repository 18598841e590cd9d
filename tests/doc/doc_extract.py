#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# doc_extract.py - reads README.md for tests/doc/doc_check.sh: its doc-check markers, the fenced
# blocks they mark, the substitution table, and every xpool command line's flags.
#
#   doc_extract.py steps README OUTDIR   one file per step (OUTDIR/NNN.meta, NNN.body) in order;
#                                        fails on an unmarked fenced block or a bad marker
#   doc_extract.py subst README          the substitution table: "PLACEHOLDER<TAB>LINE" per row
#   doc_extract.py flags README BUILD    every xpool*/xpoolctl command line (fenced or inline
#                                        code) against the binary's --help; every `man NAME`
#                                        against man/; prints one line per problem
# The marker syntax is described at the top of doc_check.sh.
import os
import re
import subprocess
import sys

MARK = re.compile(r'^\s*<!--\s*doc-check\s+(.*?)\s*-->\s*$')
FENCE = re.compile(r'^(\s*)```')
KEYS = {'host', 'each', 'daemon', 'file', 'copy', 'to', 'skip', 'wait'}
SUBST_HEAD = 'In the examples'
BINS = ('xpool-ntpd', 'xpool-dns', 'xpool-monitor', 'xpool-api', 'xpool-ntp-probe',
        'xpool-ntpgun', 'xpoolctl')


def die(msg):
    sys.stderr.write('doc-check: %s\n' % msg)
    sys.exit(1)


def parse_marker(text, lineno):
    """key=value pairs; 'skip:' takes the rest of the marker as its reason"""
    attrs = {}
    if text.startswith('skip:'):
        reason = text[5:].strip()
        if not reason:
            die('README.md:%d: a skip marker needs a reason' % lineno)
        return {'skip': reason}
    for word in text.split():
        key, _, value = word.partition('=')
        if key not in KEYS:
            die('README.md:%d: unknown doc-check key "%s"' % (lineno, key))
        attrs[key] = value if value else '1'
    return attrs


def blocks(lines):
    """(marker attrs or None, marker line, fence line, body lines) per fenced block, and the
    standalone markers (copy) as blocks without a body"""
    out = []
    pending = None
    i = 0
    while i < len(lines):
        m = MARK.match(lines[i])
        if m:
            if pending:
                die('README.md:%d: marker without a block after it' % pending[1])
            attrs = parse_marker(m.group(1), i + 1)
            if 'copy' in attrs:
                out.append((attrs, i + 1, None, []))
            else:
                pending = (attrs, i + 1)
            i += 1
            continue
        f = FENCE.match(lines[i])
        if f:
            indent = len(f.group(1))
            start = i
            body = []
            i += 1
            while i < len(lines) and not FENCE.match(lines[i]):
                body.append(lines[i][indent:] if lines[i][:indent].strip() == '' else lines[i])
                i += 1
            if i >= len(lines):
                die('README.md:%d: fenced block never closed' % (start + 1))
            out.append((pending[0] if pending else None, pending[1] if pending else 0,
                        start + 1, body))
            pending = None
            i += 1
            continue
        if pending and lines[i].strip():
            die('README.md:%d: marker not followed by a fenced block' % pending[1])
        i += 1
    return out


def cmd_steps(readme, outdir):
    lines = open(readme, encoding='utf-8').read().split('\n')
    n = 0
    for attrs, mline, fline, body in blocks(lines):
        if attrs is None:
            die('README.md:%d: fenced block without a doc-check marker (run it or skip it '
                'with a reason)' % fline)
        if 'skip' in attrs:
            continue
        if 'copy' not in attrs and 'host' not in attrs:
            die('README.md:%d: doc-check marker without host=' % mline)
        n += 1
        base = os.path.join(outdir, '%03d' % n)
        with open(base + '.meta', 'w') as f:
            f.write('line=%d\n' % (fline or mline))
            for k, v in attrs.items():
                f.write('%s=%s\n' % (k, v))
        with open(base + '.body', 'w') as f:
            f.write('\n'.join(body) + ('\n' if body else ''))
    print(n)


def cmd_subst(readme):
    lines = open(readme, encoding='utf-8').read().split('\n')
    on = False
    for i, line in enumerate(lines):
        if line.startswith('|') and SUBST_HEAD in line:
            on = True
            continue
        if on:
            if not line.startswith('|'):
                break
            cells = [c.strip() for c in line.strip().strip('|').split('|')]
            if set(cells[0]) <= set('-: '):
                continue
            m = re.fullmatch(r'`([^`]+)`', cells[0])
            if not m:
                die('README.md:%d: substitution row without a `placeholder`' % (i + 1))
            print('%s\t%d' % (m.group(1), i + 1))
    if not on:
        die('README.md: no substitution table (a header cell "%s")' % SUBST_HEAD)


def help_flags(build, binary):
    try:
        out = subprocess.run([os.path.join(build, binary), '--help'], capture_output=True,
                             text=True, timeout=10)
    except OSError as e:
        die('%s --help: %s' % (binary, e))
    text = out.stdout + out.stderr
    return set(re.findall(r'(?<![\w-])(--?[A-Za-z][\w-]*)', text))


def command_spans(lines):
    """(line number, text) of code: each line of a fenced block, each inline `code` span"""
    in_fence = False
    for i, line in enumerate(lines):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            yield i + 1, line
        else:
            for span in re.findall(r'`([^`]+)`', line):
                yield i + 1, span


def cmd_flags(readme, build):
    lines = open(readme, encoding='utf-8').read().split('\n')
    known = {b: help_flags(build, b) for b in BINS}
    bad = 0
    name_re = re.compile(r'(?:^|(?<=[\s/(=]))(%s)(?=\s|$)' % '|'.join(map(re.escape, BINS)))
    for lineno, text in command_spans(lines):
        code = text.split(' #')[0] if not text.startswith('#') else ''
        for m in name_re.finditer(code):
            before = code[:m.start()].split()
            if before and before[-1] in ('man', 'pidof', 'enable', 'restart', 'status',
                                         'stop', 'start', '--now', 'reload'):
                continue
            rest = re.split(r'\||;|&&|\)|\$\(', code[m.end():])[0]
            for word in rest.split():
                flag = word.split('=')[0]
                if re.fullmatch(r'--?[A-Za-z][\w-]*', flag) and flag not in known[m.group(1)]:
                    print('README.md:%d: %s has no flag %s (%s --help)' %
                          (lineno, m.group(1), flag, m.group(1)))
                    bad += 1
        for page in re.findall(r'(?:^|\s)man\s+(?!-l)([\w.-]+)', code):
            if not any(os.path.exists('man/%s.%s' % (page, s)) for s in '158') and \
               not re.fullmatch(r'.*\.[158]', page):
                print('README.md:%d: man %s: no such page in man/' % (lineno, page))
                bad += 1
        for page in re.findall(r'man\s+-l\s+(\S+)', code):
            if not os.path.exists(page):
                print('README.md:%d: man -l %s: no such file' % (lineno, page))
                bad += 1
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    if len(sys.argv) >= 4 and sys.argv[1] == 'steps':
        cmd_steps(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 3 and sys.argv[1] == 'subst':
        cmd_subst(sys.argv[2])
    elif len(sys.argv) >= 4 and sys.argv[1] == 'flags':
        cmd_flags(sys.argv[2], sys.argv[3])
    else:
        die('usage: doc_extract.py steps README OUTDIR | subst README | flags README BUILD')
