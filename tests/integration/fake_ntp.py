#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# fake_ntp.py - NTP servers that answer wrong on purpose, one behaviour per address, for the
# refusal tests of xpool-api's check: python3 fake_ntp.py ADDR=BEHAVIOUR ... (port 123).
#   good      a correct stratum-2 reply        stratum16  stratum 16 (unsynchronised)
#   li3       leap indicator 3                 kod        stratum 0, kiss code RATE
#   mode3     a client-mode "reply"            noorigin   the origin not echoed
#   leap      a correct reply announcing a leap second (LI 1), whatever the day
#   silent    never answers
import select
import socket
import struct
import sys
import time

NTP_EPOCH = 2208988800


def ntp_now():
    t = time.time() + NTP_EPOCH
    return int(t) << 32 | int((t % 1) * (1 << 32))


def reply(req, how):
    li, mode, stratum, refid = 0, 4, 2, b"\x7f\x00\x00\x01"
    org = req[40:48]
    if how == "stratum16":
        stratum = 16
    elif how == "li3":
        li = 3
    elif how == "leap":
        li = 1
    elif how == "kod":
        stratum, refid = 0, b"RATE"
    elif how == "mode3":
        mode = 3
    elif how == "noorigin":
        org = b"\x00" * 7 + b"\x01"
    now = ntp_now()
    head = struct.pack("!BBbb", li << 6 | 4 << 3 | mode, stratum, 6, -20)
    return (head + struct.pack("!II", 1 << 10, 1 << 10) + refid + struct.pack("!Q", now)
            + org + struct.pack("!QQ", now, now))


socks = {}
for arg in sys.argv[1:]:
    addr, how = arg.split("=")
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 123))
    socks[s] = how
print("ready", flush=True)
while True:
    for s in select.select(list(socks), [], [])[0]:
        req, peer = s.recvfrom(512)
        if len(req) >= 48 and socks[s] != "silent":
            s.sendto(reply(req, socks[s]), peer)
