#!/usr/bin/env python3
"""The TCP floor of this machine for bulk copies: one stream over loopback.

gvirtus's copies over TCP move their bytes through one socket, copied by
the kernel once on each side (send from the client's buffer, receive into
the worker's staging, or the reverse).  This measures that alone, with no
GPU and no gvirtus: a sender process and a receiver process, a buffer of
SIZE bytes written once and received into memory touched beforehand, so
that it is the best such a stream can do.  It prints CSV rows
(metric,value,unit) that bench/run.sh puts beside the TCP copies.

usage: tcp_floor.py [SIZE_MIB [REPEATS]]   (default 256 MiB, best of 5)
"""
import os
import socket
import sys
import time

MIB = 1 << 20
CHUNKS = (256 * 1024, MIB, 8 * MIB)


def receiver(sock, size, chunk, repeats):
    buf = bytearray(size)
    for i in range(0, size, 4096):  # touched, as a staging buffer is
        buf[i] = 1
    view = memoryview(buf)
    conn, _ = sock.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for _ in range(repeats):
        got = 0
        while got < size:
            n = conn.recv_into(view[got:got + chunk])
            if n == 0:
                raise SystemExit("tcp_floor: the sender went away")
            got += n
        conn.sendall(b"k")  # the copy has landed: the sender's clock stops
    conn.close()


def sender(port, size, chunk, repeats):
    data = memoryview(bytearray(os.urandom(MIB)) * (size // MIB))
    conn = socket.create_connection(("127.0.0.1", port))
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    best = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        for off in range(0, size, chunk):
            conn.sendall(data[off:off + chunk])
        if conn.recv(1) != b"k":
            raise SystemExit("tcp_floor: no acknowledgement")
        dt = time.perf_counter() - t0
        best = dt if best is None or dt < best else best
    conn.close()
    return best


def measure(size, chunk, repeats):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]
    pid = os.fork()
    if pid == 0:
        try:
            receiver(lsock, size, chunk, repeats)
        finally:
            os._exit(0)
    lsock.close()
    try:
        best = sender(port, size, chunk, repeats)
    finally:
        os.waitpid(pid, 0)
    return size / best / 1e9


def main():
    size = int(sys.argv[1]) * MIB if len(sys.argv) > 1 else 256 * MIB
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    if size < MIB or size % MIB or repeats < 1:
        raise SystemExit(__doc__)
    for chunk in CHUNKS:
        rate = measure(size, chunk, repeats)
        print("tcp_floor_%dMiB_chunk_%dKiB,%.2f,GB/s" % (size // MIB, chunk // 1024, rate),
              flush=True)


if __name__ == "__main__":
    main()
