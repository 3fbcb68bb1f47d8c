#!/usr/bin/env python3
"""Userspace stand-in for `tc netem` on kernels built without sch_netem.

The lab redirects every frame leaving DEV (tc clsact egress + mirred) into a TAP
device this process owns, then sends each frame out of DEV itself after the
requested delay/jitter, or drops it with the requested loss probability.
Frames are written with PACKET_QDISC_BYPASS so they skip DEV's egress filter
(otherwise they would be redirected back here forever).

Usage: shaper.py TAP DEV DELAY_MS JITTER_MS LOSS_PERCENT
Prints "shaper ready" once the TAP exists; the caller then brings it up and
installs the redirect.
"""
import ctypes
import fcntl
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
SOL_PACKET = 263
PACKET_QDISC_BYPASS = 20
PR_SET_PDEATHSIG = 1
MAX_QUEUED_FRAMES = 10000  # like netem's limit: bounded memory under load


def die_with_parent():
    # If the lab's node process is SIGKILLed, do not outlive it.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except Exception:
        pass


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), IFF_TAP | IFF_NO_PI))
    # The TAP must stay silent: no IPv6 autoconf chatter leaking out of DEV.
    with open(f"/proc/sys/net/ipv6/conf/{name}/disable_ipv6", "w") as f:
        f.write("1")
    return fd


def main():
    tap, dev = sys.argv[1], sys.argv[2]
    delay = float(sys.argv[3]) / 1000.0
    jitter = float(sys.argv[4]) / 1000.0
    loss = float(sys.argv[5]) / 100.0
    die_with_parent()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    fd = open_tap(tap)
    out = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    out.bind((dev, 0))
    out.setsockopt(SOL_PACKET, PACKET_QDISC_BYPASS, 1)
    print("shaper ready", flush=True)

    queue = []  # (due, seq, frame)
    seq = 0
    while True:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, frame = heapq.heappop(queue)
            try:
                out.send(frame)
            except OSError:
                pass  # DEV down or gone: the frame is lost, as on a real link
        timeout = max(0.0, queue[0][0] - now) if queue else 1.0
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            continue
        frame = os.read(fd, 65536)
        if random.random() < loss or len(queue) >= MAX_QUEUED_FRAMES:
            continue
        wait = max(0.0, delay + random.uniform(-jitter, jitter))
        seq += 1
        heapq.heappush(queue, (time.monotonic() + wait, seq, frame))


if __name__ == "__main__":
    main()
