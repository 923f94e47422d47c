#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Create tun device NAME with address LOCAL and peer PEER, and answer every
# ICMP echo request to PEER with an echo reply (for record.sh).  Exits after
# 20 seconds at most.
import fcntl
import os
import select
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


name, local, peer = sys.argv[1:4]
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(),
                                       IFF_TUN | IFF_NO_PI))
subprocess.run(["ip", "addr", "add", local, "peer", peer, "dev", name],
               check=True)
subprocess.run(["ip", "link", "set", name, "up"], check=True)
end = time.time() + 20
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.5)
    if not r:
        continue
    pkt = bytearray(os.read(fd, 65535))
    if len(pkt) < 28 or pkt[0] >> 4 != 4 or pkt[9] != 1:
        continue
    ihl = (pkt[0] & 15) * 4
    if pkt[ihl] != 8:
        continue
    pkt[12:16], pkt[16:20] = pkt[16:20], pkt[12:16]
    pkt[10:12] = b"\0\0"
    pkt[10:12] = struct.pack("!H", csum(bytes(pkt[:ihl])))
    pkt[ihl] = 0
    pkt[ihl + 2:ihl + 4] = b"\0\0"
    pkt[ihl + 2:ihl + 4] = struct.pack("!H", csum(bytes(pkt[ihl:])))
    os.write(fd, bytes(pkt))
