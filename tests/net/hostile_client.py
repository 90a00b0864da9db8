#!/usr/bin/env python3
# Hostile TCP clients against gvirtus-backend: malformed and truncated
# frames, lies about lengths, a wrong protocol version, unknown ops, and
# clients that vanish mid-request.  Layouts follow include/gvirtus/frame.h
# and protocol.h.  Prints "hostile_client: N passed, M failed".
import os
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gvwire import (GV_ELEN, GV_EOP, GV_EVERSION, MSG_FMT, MSG_MAGIC, OP_HELLO, OP_MALLOC,
                    OP_MEMCPY_HTOD, REPLY_MAGIC, RESP_FMT, RESP_MAGIC, TO_HOST, bulk_desc,
                    connect, frame, hello_payload, message)
from gvwire import read_reply as reply
import gvwire

host, port = sys.argv[1], int(sys.argv[2])
checks = gvwire.Checks("hostile_client")
check = checks.check




def conn():
    return connect(host, port, timeout=10)


def conn_hello():
    """A connection past HELLO: the frame limits below are the session's."""
    s = conn()
    s.sendall(frame(message(OP_HELLO, hello_payload())))
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
s.sendall(frame(message(OP_MEMCPY_HTOD, struct.pack("<QQQQ", 0, 0, 1 << 40, 0), nbulk=1),
                bulk=bulk_desc(1 << 40, TO_HOST), nbulk=1))
check(closed_by_peer(s), "huge bulk run: connection closed")
s.close()

# 4. too many bulk runs
s = conn_hello()
s.sendall(frame(b"", nbulk=99))
check(closed_by_peer(s), "99 bulk runs: connection closed")
s.close()

# 4b. a guest page list (the data plane's form, QEMU to its own workers):
# the backend shares no memory with anyone, so it names nothing of the host
s = conn_hello()
s.sendall(frame(message(OP_MEMCPY_HTOD, struct.pack("<QQQQ", 0, 0, 4096, 0), nbulk=1),
                bulk=bulk_desc(4096, TO_HOST, form=1), nbulk=1,
                runs=struct.pack("<II", 0, 1) + struct.pack("<Q", 0x1000)))
check(closed_by_peer(s), "a guest page list over TCP: connection closed")
s.close()

# 5. a wrong protocol version gets an answer saying so
s = conn()
s.sendall(frame(message(OP_HELLO, hello_payload(version=9), version=9)))
r = reply(s)
check(r is not None and r[0] == REPLY_MAGIC, "wrong version: a reply")
if r:
    rh = struct.unpack_from(RESP_FMT, r[2])
    check(rh[0] == RESP_MAGIC and rh[2] == GV_EVERSION,
          "wrong version: status GV_EVERSION (%s)" % (rh,))
s.close()

# 6. an unknown op, then a truncated payload, on one connection (after
# HELLO: before it, the backend serves nothing and spawns no worker)
s = conn()
s.sendall(frame(message(OP_HELLO, hello_payload())))
check(reply(s) is not None, "HELLO answered")
# 999: between the core ops and the generated ones (from 1000), never assigned;
# 0x7fffffff: past every op there is.
for unknown in (999, 0x7FFFFFFF):
    s.sendall(frame(message(unknown)))
    r = reply(s)
    check(r is not None and struct.unpack_from(RESP_FMT, r[2])[2] == GV_EOP,
          "unknown op %d: GV_EOP" % unknown)
s.sendall(frame(message(OP_MALLOC, b"\1\2\3")))  # MALLOC wants 8 bytes
r = reply(s)
check(r is not None and struct.unpack_from(RESP_FMT, r[2])[2] == GV_ELEN,
      "short payload: GV_ELEN")
# a message header that claims more payload than was sent
bad = struct.pack(MSG_FMT, MSG_MAGIC, gvwire.PROTOCOL_VERSION, 0, OP_MALLOC, 0, 8, 5000, 0)
s.sendall(frame(bad))
r = reply(s)
check(r is not None and struct.unpack_from(RESP_FMT, r[2])[2] == GV_ELEN,
      "lying payload_len: GV_ELEN")
s.close()

# 7. gone in the middle of a frame: header promises 64 MiB, sends 1 MiB
s = conn_hello()
s.sendall(frame(message(OP_MEMCPY_HTOD, struct.pack("<QQQQ", 0, 0, 64 << 20, 0), nbulk=1),
                bulk=bulk_desc(64 << 20, TO_HOST), nbulk=1, runs=b"\0" * (1 << 20)))
s.close()

# 8. gone right after allocating device memory (the backend must free it)
s = conn_hello()
s.sendall(frame(message(OP_MALLOC, struct.pack("<Q", 32 << 20))))
r = reply(s)
check(r is not None and struct.unpack_from(RESP_FMT, r[2])[4] == 0, "malloc before vanishing")
s.close()

# 9. many connections that open and close at once
for _ in range(50):
    conn().close()

sys.exit(checks.finish())
