#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# dns_frames.py - hand-made DNS query frames sent through AF_PACKET, and which of them got a reply
# back on the same interface: python3 dns_frames.py IFACE DST_MAC SRV4 CLI4 SRV6 CLI6 CASE...
# Each CASE is NAME:SPEC, SPEC a comma list of v6, src=ADDR, sport=N, ipcsum=bad,
# udpcsum=bad|zero|partial. Every frame is one query for pool.ntp.test A with an ID of its own,
# sent in the order given. The last CASE must be one that is answered: its reply, from the
# same RX queue after the others, bounds the wait (5 s at most, or $DNS_FRAMES_WAIT; then 0.3 s
# for stragglers). Prints "sent" once every frame is out, then "NAME answered DST_ADDR DST_PORT"
# or "NAME silent" per case; with DNS_FRAMES_WAIT=0 it only sends.
import os
import socket
import struct
import sys
import time

ETH_P_ALL = 3
PACKET_OUTGOING = 4


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s  # not complemented


def query(qid):
    name = b"".join(bytes([len(p)]) + p for p in b"pool.ntp.test".split(b".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name + struct.pack("!HH", 1, 1)


def frame(dst_mac, src_mac, spec, srv4, cli4, srv6, cli6, qid):
    v6 = "v6" in spec
    src = spec.get("src", cli6 if v6 else cli4)
    dst = srv6 if v6 else srv4
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    s, d = socket.inet_pton(fam, src), socket.inet_pton(fam, dst)
    payload = query(qid)
    ulen = 8 + len(payload)
    if v6:
        pseudo = s + d + struct.pack("!IxxxB", ulen, 17)
    else:
        pseudo = s + d + struct.pack("!xBH", 17, ulen)
    udp = struct.pack("!HHHH", int(spec.get("sport", 40053)), 53, ulen, 0) + payload
    how = spec.get("udpcsum", "full")
    if how == "zero":
        c = 0
    elif how == "partial":  # what a veth peer's stack leaves: the folded pseudo-header sum
        c = csum(pseudo)
    else:
        c = ~csum(pseudo + udp) & 0xFFFF or 0xFFFF
        if how == "bad":  # wrong, and neither "none" (0) nor the partial form by chance
            right, bad = c, c ^ 0x0101
            while bad in (0, right, csum(pseudo)):
                bad = (bad + 0x0202) & 0xFFFF
            c = bad
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    if v6:
        l3 = struct.pack("!IHBB", 6 << 28, ulen, 17, 64) + s + d
        eth_type = 0x86DD
    else:
        hdr = struct.pack("!BBHHHBBH", 0x45, 0, 20 + ulen, qid, 0x4000, 64, 17, 0) + s + d
        hc = ~csum(hdr) & 0xFFFF
        if spec.get("ipcsum") == "bad":
            hc ^= 0x0101
        l3 = hdr[:10] + struct.pack("!H", hc) + hdr[12:]
        eth_type = 0x0800
    return dst_mac + src_mac + struct.pack("!H", eth_type) + l3 + udp


def reply_of(f):
    """(dns id, destination address, destination port) of a DNS reply frame, or None."""
    off, et = 14, struct.unpack("!H", f[12:14])[0]
    while et in (0x8100, 0x88A8) and len(f) >= off + 4:
        et, off = struct.unpack("!H", f[off + 2 : off + 4])[0], off + 4
    if et == 0x0800 and len(f) >= off + 20 and f[off + 9] == 17:
        dst = socket.inet_ntop(socket.AF_INET, f[off + 16 : off + 20])
        off += (f[off] & 0xF) * 4
    elif et == 0x86DD and len(f) >= off + 40 and f[off + 6] == 17:
        dst = socket.inet_ntop(socket.AF_INET6, f[off + 24 : off + 40])
        off += 40
    else:
        return None
    if len(f) < off + 10:
        return None
    sport, dport = struct.unpack("!HH", f[off : off + 4])
    if sport != 53:
        return None
    return struct.unpack("!H", f[off + 8 : off + 10])[0], dst, dport


def main():
    ifname, dst_mac_s, srv4, cli4, srv6, cli6 = sys.argv[1:7]
    cases = []
    for arg in sys.argv[7:]:
        name, _, rest = arg.partition(":")
        spec = {}
        for item in filter(None, rest.split(",")):
            k, _, v = item.partition("=")
            spec[k] = v
        cases.append((name, spec))
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((ifname, 0))
    src_mac = sock.getsockname()[4]
    dst_mac = bytes.fromhex(dst_mac_s.replace(":", ""))
    base = int(time.time() * 1000) & 0x7FFF
    ids = {}
    for i, (name, spec) in enumerate(cases):
        qid = base + i
        ids[qid] = name
        sock.send(frame(dst_mac, src_mac, spec, srv4, cli4, srv6, cli6, qid))
    print("sent", flush=True)
    wait = float(os.environ.get("DNS_FRAMES_WAIT", "5"))
    if wait <= 0:
        return
    got = {}
    last = base + len(cases) - 1
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            f, addr = sock.recvfrom(65535)
        except socket.timeout:
            break
        r = None if addr[2] == PACKET_OUTGOING else reply_of(f)
        if r and r[0] in ids:
            got.setdefault(r[0], r[1:])
            if r[0] == last and deadline - time.monotonic() > 0.3:
                deadline = time.monotonic() + 0.3
    for qid, name in ids.items():
        if qid in got:
            print("%s answered %s %d" % (name, got[qid][0], got[qid][1]))
        else:
            print("%s silent" % name)


if __name__ == "__main__":
    main()
