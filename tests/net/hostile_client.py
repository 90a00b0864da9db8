#!/usr/bin/env python3
# Hostile TCP clients against gvirtus-backend: malformed and truncated
# frames, lies about lengths, a wrong protocol version, unknown ops, and
# clients that vanish mid-request.  Layouts follow include/gvirtus/frame.h
# and protocol.h.  Prints "hostile_client: N passed, M failed".
import socket
import struct
import sys

host, port = sys.argv[1], int(sys.argv[2])
passed = failed = 0

FRAME_MAGIC, REPLY_MAGIC = 0x52465647, 0x50465647
MSG_MAGIC, RESP_MAGIC = 0x54525647, 0x50525647


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)


def conn():
    s = socket.create_connection((host, port), timeout=10)
    return s


def frame(msgs, bulk=b"", nbulk=0, runs=b"", magic=FRAME_MAGIC, msg_len=None):
    body = msgs
    hdr = struct.pack("<IIII", magic, len(body) if msg_len is None else msg_len, nbulk, 0)
    hdr += b"\0" * 40  # vm stats
    return hdr + bulk + body + runs


def message(op, payload=b"", version=1, nbulk=0, magic=MSG_MAGIC):
    return struct.pack("<IHHIIQII", magic, version, 0, op, 0, 7, len(payload), nbulk) + payload


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def reply(s):
    h = recv_exact(s, 32)
    if h is None:
        return None
    magic, resp_len, status, _, _, _ = struct.unpack("<IIIIQQ", h)
    body = recv_exact(s, resp_len) if resp_len else b""
    return magic, status, body


def conn_hello():
    """A connection past HELLO: the frame limits below are the session's."""
    s = conn()
    s.sendall(frame(message(1, struct.pack("<II", 1, 0))))
    reply(s)
    return s


def closed_by_peer(s):
    try:
        return s.recv(1) == b""
    except OSError:
        return True


# 1. garbage instead of a frame: the backend disconnects this client
s = conn()
s.sendall(b"GET / HTTP/1.0\r\n\r\n" + b"\0" * 60)
check(closed_by_peer(s), "garbage: connection closed")
s.close()

# 2. a message block larger than the limit
s = conn_hello()
s.sendall(frame(b"", msg_len=1 << 30))
check(closed_by_peer(s), "huge msg_len: connection closed")
s.close()

# 3. a bulk run larger than the limit
s = conn_hello()
s.sendall(frame(message(9, struct.pack("<QQQQ", 0, 0, 1 << 40, 0), nbulk=1),
                bulk=struct.pack("<QII", 1 << 40, 1, 0), nbulk=1))
check(closed_by_peer(s), "huge bulk run: connection closed")
s.close()

# 4. too many bulk runs
s = conn_hello()
s.sendall(frame(b"", nbulk=99))
check(closed_by_peer(s), "99 bulk runs: connection closed")
s.close()

# 5. a wrong protocol version gets an answer saying so
s = conn()
s.sendall(frame(message(1, struct.pack("<II", 9, 0), version=9)))
r = reply(s)
check(r is not None and r[0] == REPLY_MAGIC, "wrong version: a reply")
if r:
    rh = struct.unpack_from("<IHHIiQII", r[2])
    check(rh[0] == RESP_MAGIC and rh[2] == 2, "wrong version: status GV_EVERSION (%s)" % (rh,))
s.close()

# 6. an unknown op, then a truncated payload, on one connection (after
# HELLO: before it, the backend serves nothing and spawns no worker)
s = conn()
s.sendall(frame(message(1, struct.pack("<II", 1, 0))))
check(reply(s) is not None, "HELLO answered")
s.sendall(frame(message(4242)))
r = reply(s)
check(r is not None and struct.unpack_from("<IHHIiQII", r[2])[2] == 3, "unknown op: GV_EOP")
s.sendall(frame(message(6, b"\1\2\3")))  # MALLOC wants 8 bytes
r = reply(s)
check(r is not None and struct.unpack_from("<IHHIiQII", r[2])[2] == 4, "short payload: GV_ELEN")
# a message header that claims more payload than was sent
bad = struct.pack("<IHHIIQII", MSG_MAGIC, 1, 0, 6, 0, 8, 5000, 0)
s.sendall(frame(bad))
r = reply(s)
check(r is not None and struct.unpack_from("<IHHIiQII", r[2])[2] == 4, "lying payload_len: GV_ELEN")
s.close()

# 7. gone in the middle of a frame: header promises 64 MiB, sends 1 MiB
s = conn_hello()
s.sendall(frame(message(9, struct.pack("<QQQQ", 0, 0, 64 << 20, 0), nbulk=1),
                bulk=struct.pack("<QII", 64 << 20, 1, 0), nbulk=1, runs=b"\0" * (1 << 20)))
s.close()

# 8. gone right after allocating device memory (the backend must free it)
s = conn_hello()
s.sendall(frame(message(6, struct.pack("<Q", 32 << 20))))
r = reply(s)
check(r is not None and struct.unpack_from("<IHHIiQII", r[2])[4] == 0, "malloc before vanishing")
s.close()

# 9. many connections that open and close at once
for _ in range(50):
    conn().close()

print("hostile_client: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
