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


def help_text(build, binary):
    try:
        out = subprocess.run([os.path.join(build, binary), '--help'], capture_output=True,
                             text=True, timeout=10)
    except OSError as e:
        die('%s --help: %s' % (binary, e))
    return out.stdout + out.stderr


def help_flags(text):
    """the flags --help lists: words in its option column, not anywhere in its prose"""
    flags = {'--help'}
    usage = re.search(r'^Usage:.*?(?:\n\s*\n|\Z)', text, re.S | re.M)
    if usage:  # the synopsis: "prog send ADDR [--port N] ..."
        flags |= set(re.findall(r'(?<![\w-])(--?[A-Za-z][\w-]*)', usage.group(0)))
    flags |= set(re.findall(r'\(also (-\w)\)', text))
    for line in text.split('\n'):
        m = re.match(r'\s{2,}((?:-[\w]|--[\w-]+)(?:[ ,=]+[^ ].*)?)$', line)
        if m:
            flags |= set(re.findall(r'(?<![\w-])(--?[A-Za-z][\w-]*)', m.group(1).split('  ')[0]))
    return flags


def help_commands(text):
    """xpoolctl's commands (first words, alternatives expanded) and the flags each may take:
    {('server', 'add'): {...}, ...}; a flag documented as "server add: ..." belongs to it"""
    cmds, scoped, flag = {}, {}, None
    section = False
    for line in text.split('\n'):
        if line.startswith('Commands:'):
            section = True
            continue
        if section:
            m = re.match(r'  ([a-z][\w|-]*)(?: ([a-z][\w|-]*))?', line)
            if m and not line.startswith('   '):
                for a in m.group(1).split('|'):
                    for b in (m.group(2) or '').split('|'):
                        words = (a, b) if b and b.islower() and b not in ('status',) else (a,)
                        cmds.setdefault(words, set())
            continue
        m = re.match(r'\s+(--[\w-]+)', line)
        if m:
            flag = m.group(1)
            continue
        m = re.match(r'\s{8,}([a-z][\w -]*(?:, [a-z][\w -]*)*): ', line)
        if flag and m:
            scoped[flag] = [tuple(c.split()) for c in m.group(1).split(', ')]
        flag = None
    # "the registry: a SQLite file" is a description, not a scope: only known commands count
    return cmds, {f: sc for f, sc in scoped.items()
                  if all(c in cmds or c[:1] in cmds for c in sc)}


def command_spans(lines):
    """(line number, text) of code: each command of a fenced block (continuation lines joined),
    each inline `code` span (one may run onto the next line)"""
    in_fence, held, held_at = False, '', 0
    text = '\n'.join(lines)
    for i, line in enumerate(lines):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            if not held:
                held_at = i + 1
            if line.endswith('\\'):
                held += line[:-1] + ' '
                continue
            yield held_at, held + line
            held = ''
    # inline spans outside fences (blanked first, lines kept); a span may wrap one line
    prose = re.sub(r'^```.*?^```', lambda f: '\n' * f.group(0).count('\n'), text,
                   flags=re.S | re.M)
    for m in re.finditer(r'`([^`\n]+(?:\n[^`\n]+)?)`', prose):
        yield prose.count('\n', 0, m.start()) + 1, m.group(1).replace('\n', ' ')


def cmd_flags(readme, build):
    lines = open(readme, encoding='utf-8').read().split('\n')
    texts = {b: help_text(build, b) for b in BINS}
    known = {b: help_flags(texts[b]) for b in BINS}
    every = set().union(*known.values())
    cmds, scoped = help_commands(texts['xpoolctl'])
    bad = 0

    def report(lineno, msg):
        nonlocal bad
        print('README.md:%d: %s' % (lineno, msg))
        bad += 1

    name_re = re.compile(r'(?:^|(?<=[\s/(=;\[]))(%s)(?=\s|$)' % '|'.join(map(re.escape, BINS)))
    for lineno, text in command_spans(lines):
        code = text.split(' #')[0] if not text.startswith('#') else ''
        # a span that is a flag alone (prose: "`--stale-after 5`") is some binary's flag
        m = re.match(r'\[?(--[A-Za-z][\w-]*)', code)
        if m and m.group(1) not in every:
            report(lineno, 'no binary has the flag %s' % m.group(1))
        for m in name_re.finditer(code):
            before = code[:m.start()].split()
            if before and before[-1] in ('man', 'pidof', 'enable', 'restart', 'status',
                                         'stop', 'start', '--now', 'reload'):
                continue
            rest = re.split(r'\||;|&&|\)|\$\(', code[m.end():])[0]
            words = rest.split()
            for word in words:
                flag = word.strip('[]').split('=')[0]
                if re.fullmatch(r'--?[A-Za-z][\w-]*', flag) and flag not in known[m.group(1)]:
                    report(lineno, '%s has no flag %s (%s --help)' % (m.group(1), flag,
                                                                       m.group(1)))
            if m.group(1) != 'xpoolctl':
                continue
            # xpoolctl COMMAND [SUB]: a command it has, and only flags that command takes
            plain, skip = [], False
            for word in words:
                if skip:
                    skip = False
                elif word in ('--db', '-c', '--config', '--pin-path'):
                    skip = True
                elif not word.startswith('-'):
                    plain.append(word)
            if not plain or not re.fullmatch(r'[a-z][\w-]*', plain[0]):
                continue
            cmd = tuple(plain[:2]) if tuple(plain[:2]) in cmds else (plain[0],)
            if cmd not in cmds:
                report(lineno, 'xpoolctl has no command "%s" (xpoolctl --help)' %
                       ' '.join(plain[:2]))
                continue
            for word in words:
                flag = word.strip('[]').split('=')[0]
                if flag in scoped and cmd not in scoped[flag] and cmd[:1] not in scoped[flag]:
                    report(lineno, 'xpoolctl %s does not take %s (xpoolctl --help: %s)' %
                           (' '.join(cmd), flag, ', '.join(' '.join(c) for c in scoped[flag])))
        for page in re.findall(r'(?:^|\s)man\s+(?!-l)([\w.-]+)', code):
            if not any(os.path.exists('man/%s.%s' % (page, s)) for s in '158') and \
               not re.fullmatch(r'.*\.[158]', page):
                report(lineno, 'man %s: no such page in man/' % page)
        for page in re.findall(r'man\s+-l\s+(\S+)', code):
            if not os.path.exists(page):
                report(lineno, 'man -l %s: no such file' % page)
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
