#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Send one 802.1Q-tagged ICMP echo request (VLAN 10, priority 3) from
# 198.51.100.1 to 198.51.100.2 out of DEV, for record.sh.
import socket
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


dev = sys.argv[1]
payload = b"tunlab vlan test"
icmp = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + payload
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
src, dst = socket.inet_aton("198.51.100.1"), socket.inet_aton("198.51.100.2")
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0x4242, 0x4000,
                 64, 1, 0, src, dst)
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
tci = (3 << 13) | 10
frame = (bytes.fromhex("020000000002") + bytes.fromhex("020000000001") +
         struct.pack("!HHH", 0x8100, tci, 0x0800) + ip + icmp)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
s.send(frame)
