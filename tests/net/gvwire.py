# The gvirtus wire format for the Python network tests: frames
# (include/gvirtus/frame.h), messages and responses (protocol.h), bulk run
# directions (bulk.h).  Standard library only.  Op numbers are read from
# include/gvirtus/calls.def, the list the C code is generated from, so a
# renumbered op cannot leave these tests speaking an old protocol; every op
# is exported as OP_<name> and in OPS.
import os
import re
import socket
import struct
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CALLS_DEF = os.path.join(REPO, "include", "gvirtus", "calls.def")

FRAME_MAGIC, REPLY_MAGIC = 0x52465647, 0x50465647   # GV_FRAME_MAGIC, GV_FRAME_REPLY_MAGIC
MSG_MAGIC, RESP_MAGIC = 0x54525647, 0x50525647       # GV_MSG_MAGIC, GV_RESP_MAGIC
with open(os.path.join(REPO, "include", "gvirtus", "protocol.h")) as _f:  # GV_PROTOCOL_VERSION
    PROTOCOL_VERSION = int(re.search(r"#define GV_PROTOCOL_VERSION (\d+)u", _f.read()).group(1))
NO_REPLY = 1                                          # GV_MSG_F_NO_REPLY
TO_HOST, FROM_HOST = 1, 2                             # GV_BULK_TO_HOST, GV_BULK_FROM_HOST
# enum gv_status
GV_OK, GV_EMAGIC, GV_EVERSION, GV_EOP, GV_ELEN, GV_ENOMEM, GV_ERESP = range(7)

FRAME_FMT = "<IIII"             # gv_frame_req, then 40 bytes of gv_frame_vm_stats
VM_STATS_LEN = 40
BULK_FMT = "<QII"               # gv_frame_bulk: len, dir, form
REPLY_FMT = "<IIIIQQ"           # gv_frame_reply (32 bytes)
MSG_FMT = "<IHHIIQII"           # gv_msg_hdr (32 bytes)
RESP_FMT = "<IHHIiQII"          # gv_resp_hdr (32 bytes): result is a signed cudaError_t; the
#                                 third field is status, with GV_RESP_F_* flags in its high byte
HDR_LEN = 32


def _read_ops(path):
    """{name: number} from the GV_OP(name, number, ...) lines of calls.def."""
    ops = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*GV_OP\(\s*(\w+)\s*,\s*(\d+)\s*,", line)
            if m:
                ops[m.group(1)] = int(m.group(2))
    # A silent partial parse would only show up as baffling test failures.
    if not ops or len(set(ops.values())) != len(ops):
        raise RuntimeError("%s: no GV_OP lines, or a number used twice" % path)
    return ops


OPS = _read_ops(CALLS_DEF)
globals().update(("OP_" + name, num) for name, num in OPS.items())


def message(op, payload=b"", nbulk=0, flags=0, version=PROTOCOL_VERSION, req_id=7,
            magic=MSG_MAGIC):
    """One request message: a gv_msg_hdr (device 0) and its payload."""
    return struct.pack(MSG_FMT, magic, version, flags, op, 0, req_id, len(payload),
                       nbulk) + payload


def frame(msgs, bulk=b"", nbulk=0, runs=b"", resp_cap=0, msg_len=None, magic=FRAME_MAGIC):
    """A request frame: header, zero vm stats, bulk descriptors, messages, to-host runs.
    msg_len, nbulk and magic may lie, for hostile tests."""
    hdr = struct.pack(FRAME_FMT, magic, len(msgs) if msg_len is None else msg_len, nbulk,
                      resp_cap)
    return hdr + b"\0" * VM_STATS_LEN + bulk + msgs + runs


def bulk_desc(length, direction, form=0):
    """One gv_frame_bulk descriptor (form 1: guest pages, which only QEMU sends)."""
    return struct.pack(BULK_FMT, length, direction, form)


def hello_payload(pid=0, version=PROTOCOL_VERSION):
    """A gv_hello_req."""
    return struct.pack("<II", version, pid)


def recv_exact(s, n):
    """n bytes from s, or None if the peer closed first; socket errors propagate."""
    data = bytearray()
    while len(data) < n:
        chunk = s.recv(min(n - len(data), 1 << 20))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def read_reply(s):
    """(magic, status, body) of the next reply frame, or None if the peer closed
    before its header; body is None if the peer closed within it."""
    h = recv_exact(s, HDR_LEN)
    if h is None:
        return None
    magic, resp_len, status, _, _, _ = struct.unpack(REPLY_FMT, h)
    body = recv_exact(s, resp_len) if resp_len else b""
    return magic, status, body


def responses(body):
    """[(gv_resp_hdr tuple, payload)] of each response in a reply body."""
    out, off = [], 0
    while off < len(body):
        h = struct.unpack_from(RESP_FMT, body, off)
        out.append((h, body[off + HDR_LEN:off + HDR_LEN + h[6]]))
        off += HDR_LEN + h[6]
    return out


def connect(host, port, timeout=10, src=None):
    """A TCP connection to host:port, from address src if given."""
    return socket.create_connection((host, port), timeout=timeout,
                                    source_address=(src, 0) if src else None)


class Checks:
    """Counts checks and prints the closing line CI adds up."""

    def __init__(self, name, verbose=False):
        self.name, self.verbose = name, verbose
        self.passed = self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
            if self.verbose:
                print("pass:", what)
        else:
            self.failed += 1
            print("FAIL", what)
        sys.stdout.flush()

    def finish(self):
        """Prints "NAME: N passed, M failed"; returns the exit status."""
        print("%s: %d passed, %d failed" % (self.name, self.passed, self.failed))
        return 1 if self.failed else 0
