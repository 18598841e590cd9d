#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# hostile.py - peers that misbehave on purpose, for the xpool-api abuse test:
#   receivers ADDR PORT_STALL PORT_GOOD LOG
#       a webhook receiver that accepts and never answers (PORT_STALL) and one that answers 200
#       and logs "good SECONDS" (PORT_GOOD); prints "ready".
#   listen LOG ADDR:PORT...
#       logs "reached ADDR:PORT SECONDS" for any connection to any of them; prints "ready".
#   swallow ADDR PORT
#       a UDP socket that reads and never answers (a resolver gone silent); prints "ready".
#   slowloris SRC DST PORT N EVERY
#       N connections from SRC, each sending a request head one header line every EVERY
#       seconds; prints "closed_early K" (closed within 2 s of its own connect) and then
#       "last_closed SECONDS" (when the last one was closed, from its connect), or "open"
#       after 30 s.
import select
import socket
import sys
import time


def receivers(addr, stall, good, log):
    out = open(log, "a", buffering=1)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, stall))
    s.listen(64)  # never accepted: the kernel completes the handshakes, nobody answers
    g = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    g.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    g.bind((addr, good))
    g.listen(64)
    print("ready", flush=True)
    while True:
        c, _ = g.accept()
        c.settimeout(5)
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = c.recv(4096)
                if not chunk:
                    break
                data += chunk
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            out.write("good %.3f\n" % time.time())
        except OSError:
            pass
        c.close()


def listen(log, targets):
    out = open(log, "a", buffering=1)
    socks = {}
    for t in targets:
        host, port = t.rsplit(":", 1)
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((host, int(port)))
        ls.listen(64)
        socks[ls] = t
    print("ready", flush=True)
    while True:
        r, _, _ = select.select(list(socks), [], [])
        for ls in r:
            c, _ = ls.accept()
            out.write("reached %s %.3f\n" % (socks[ls], time.time()))
            c.close()


def swallow(addr, port):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((addr, port))
    print("ready", flush=True)
    while True:
        u.recv(4096)


def slowloris(src, dst, port, n, every):
    start = time.time()
    socks = []
    born = {}
    for _ in range(n):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.bind((src, 0))
        c.settimeout(2)
        try:
            c.connect((dst, port))
            c.sendall(b"GET /v1/account HTTP/1.1\r\nHost: api\r\n")
        except OSError:
            c.close()
            continue
        c.setblocking(False)
        socks.append(c)
        born[c] = time.time()
    refused = n - len(socks)
    open_ = list(socks)
    closed_early = refused
    last = None
    next_line = time.time() + every
    while open_ and time.time() - start < 30:
        r, _, _ = select.select(open_, [], [], 0.05)
        for c in r:
            try:
                data = c.recv(4096)
            except OSError:
                data = b""
            if not data:
                open_.remove(c)
                t = time.time() - born[c]
                c.close()
                if t < 2:
                    closed_early += 1
                last = t
        if time.time() >= next_line:
            for c in list(open_):
                try:
                    c.send(b"X-Slow: 1\r\n")
                except OSError:
                    pass
            next_line += every
    print("closed_early %d" % closed_early, flush=True)
    if open_:
        print("open", flush=True)
    else:
        print("last_closed %.2f" % (last if last is not None else 0), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "receivers":
        receivers(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif sys.argv[1] == "listen":
        listen(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "swallow":
        swallow(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "slowloris":
        slowloris(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]))
