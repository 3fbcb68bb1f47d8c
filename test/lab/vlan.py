#!/usr/bin/env python3
# Userspace stand-in for one 802.1Q subinterface, for kernels built without
# CONFIG_VLAN_8021Q (such as this project's CI machines), in the spirit of shaper.py for
# netem. Usage: vlan.py PARENT VID NAME
# Creates the TAP device NAME and bridges it to PARENT: frames NAME sends go out of PARENT
# tagged with VID; frames tagged VID arriving on PARENT (tag read from PACKET_AUXDATA,
# where the kernel puts it, or from the frame) go untagged into NAME. To a socket, NAME is
# an interface like a VLAN device: its own ifindex, addresses and broadcast domain.
# Several stand-ins may share a parent: each ignores the others' VIDs and outgoing frames.
# Dies with its parent process (PR_SET_PDEATHSIG) and on SIGTERM; its TAP goes with it.
import ctypes, fcntl, os, select, signal, socket, struct, sys
TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454CA, 0x0002, 0x1000
SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID, PACKET_OUTGOING, ETH_P_ALL = 263, 8, 0x10, 4, 3
TPID = struct.pack('!H', 0x8100)
ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: never outlive the lab
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
parent, vid, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if not 1 <= vid <= 4094:
    sys.exit('vlan.py: VID must be 1..4094')
tap = os.open('/dev/net/tun', os.O_RDWR)
fcntl.ioctl(tap, TUNSETIFF, struct.pack('16sH22x', name.encode(), IFF_TAP | IFF_NO_PI))
with open('/proc/sys/net/ipv6/conf/%s/disable_ipv6' % name, 'w') as f:
    f.write('1')
trunk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
trunk.bind((parent, 0))
trunk.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
tag = TPID + struct.pack('!H', vid)
print('vlan ready', flush=True)
while True:
    for r in select.select([trunk, tap], [], [])[0]:
        try:
            if r is trunk:
                frame, anc, _, addr = trunk.recvmsg(65600, socket.CMSG_SPACE(32))
                if addr[2] == PACKET_OUTGOING:
                    continue
                got = None
                for level, kind, data in anc:
                    if level == SOL_PACKET and kind == PACKET_AUXDATA:
                        status, _, _, _, _, tci, _ = struct.unpack('IIIHHHH', data[:20])
                        if status & TP_STATUS_VLAN_VALID:
                            got = tci & 0xfff
                if got is None and frame[12:14] == TPID:
                    got = struct.unpack('!H', frame[14:16])[0] & 0xfff
                    frame = frame[:12] + frame[16:]
                if got == vid:
                    os.write(tap, frame)
            else:
                frame = os.read(tap, 65600)
                trunk.send(frame[:12] + tag + frame[12:])
        except OSError:
            pass  # an interface down or gone: the frame is lost, as on a real link
