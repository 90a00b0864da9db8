#!/usr/bin/env python3
# Per-session limits and hostile module images against gvirtus-backend
# (started with --executor cpu-reference and default limits).  Layouts
# follow include/gvirtus/frame.h and protocol.h; expected values come from
# the protocol and the CUDA runtime's error numbers, not from the backend.
#   (a) 100000 FUNCTION_GETs of one name: one handle, the worker's RSS flat
#   (c) host-function gates past max_gates: an error, not a hang
#   (d) malformed module images: refused, and a good one still loads
#   (e) bytes no call wrote come back as zeros
# usage: hostile_quota.py HOST PORT [cpu-reference|cuda].
# Prints "hostile_quota: N passed, M failed".
import os
import struct
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gvwire
from gvwire import (FROM_HOST, NO_REPLY, OP_FUNCTION_GET, OP_HELLO, OP_HOST_FUNC_ENQUEUE,
                    OP_HOST_FUNC_RELEASE, OP_HOST_FUNC_WAIT, OP_MALLOC, OP_MEMCPY_DTOH,
                    OP_MEMCPY_HTOD, OP_MODULE_LOAD, REPLY_FMT, REPLY_MAGIC, TO_HOST, bulk_desc,
                    connect, frame, hello_payload, message, responses)

host, port = sys.argv[1], int(sys.argv[2])
executor = sys.argv[3] if len(sys.argv) > 3 else "cpu-reference"
checks = gvwire.Checks("hostile_quota")
check = checks.check

SUCCESS, INVALID_VALUE, MEMORY_ALLOCATION = 0, 1, 2
INVALID_RESOURCE_HANDLE, INVALID_KERNEL_IMAGE = 400, 200
DEFAULT_MAX_GATES = 4096
FUNCTION_RESP = 16 + 1024 * 8




def recv_exact(s, n):
    data = gvwire.recv_exact(s, n)
    if data is None:
        raise ConnectionError("closed by the backend")
    return data


class Session:
    def __init__(self):
        self.s = connect(host, port, timeout=20)
        resp, _ = self.call([message(OP_HELLO, hello_payload(os.getpid()))])
        self.id = struct.unpack_from("<II", resp[0][3])[1]

    def call(self, msgs, runs=()):
        """msgs: messages; runs: (dir, bytes-or-length). -> (responses, from-host runs)"""
        descs = b"".join(bulk_desc(len(d) if isinstance(d, bytes) else d, k) for k, d in runs)
        to_host = b"".join(d for k, d in runs if k == TO_HOST)
        self.s.sendall(frame(b"".join(msgs), bulk=descs, nbulk=len(runs), runs=to_host))
        magic, resp_len, status, _, _, _ = struct.unpack(REPLY_FMT, recv_exact(self.s, 32))
        if magic != REPLY_MAGIC:
            raise ConnectionError("bad reply magic")
        data = recv_exact(self.s, resp_len)
        back = [recv_exact(self.s, d) for k, d in runs if k == FROM_HOST]
        return [(h[2], h[4], h[7], pl) for h, pl in responses(data)], back

    def one(self, op, payload=b"", runs=()):
        """(status, result, reserved, payload) of a single message."""
        resp, back = self.call([message(op, payload, len(runs))], runs)
        return resp[0] + (back,)

    def close(self):
        self.s.close()


def worker_rss(session_id):
    """VmRSS in KiB of the gvirtus-worker serving this session, or None."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
            if not argv[0].endswith(b"gvirtus-worker") or b"--session" not in argv:
                continue
            if argv[argv.index(b"--session") + 1] != str(session_id).encode():
                continue
            with open("/proc/%s/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return None


def cubin(kernel=b"k", param_size=4):
    """A minimal ELF64 cubin: a name table and .nv.info.<kernel> with one parameter."""
    shstr = b"\0.shstrtab\0.nv.info." + kernel + b"\0"
    # one EIATTR_KPARAM_INFO record (format SVAL, attr 0x17, 12 bytes)
    info = struct.pack("<BBH", 4, 0x17, 12) + struct.pack("<IHHI", 0, 0, 0, param_size << 18 | 0x1f000)
    data = shstr + info
    data += b"\0" * (-len(data) % 8)
    shoff = 64 + len(data)
    shdrs = b"\0" * 64
    shdrs += struct.pack("<IIQQQQIIQQ", 1, 3, 0, 0, 64, len(shstr), 0, 0, 1, 0)
    shdrs += struct.pack("<IIQQQQIIQQ", 11, 0x70000000, 0, 0, 64 + len(shstr), len(info), 0, 0, 4, 0)
    ehdr = b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 190, 1, 0, 0, shoff, 0, 64, 0, 0, 64, 3, 1)
    return ehdr + data + shdrs


def fatbin(elf):
    entry = struct.pack("<HHIQ", 2, 0x101, 64, len(elf)) + b"\0" * 12
    entry += struct.pack("<I", 90) + b"\0" * 8 + struct.pack("<Q", 0) + b"\0" * 16
    assert len(entry) == 64
    return struct.pack("<IHHQ", 0xBA55ED50, 1, 16, len(entry) + len(elf)) + entry + elf


def load(sess, image):
    st, res, _, pl, _ = sess.one(OP_MODULE_LOAD, struct.pack("<Q", len(image)), [(TO_HOST, image)])
    return res, (struct.unpack_from("<Q", pl)[0] if len(pl) >= 8 else 0)


def function_get(module, name=b"k", flags=0):
    return message(OP_FUNCTION_GET, struct.pack("<QIIQ", module, len(name), 0, 0) + name,
                   flags=flags)


good = fatbin(cubin())
# PTX with one kernel k(u32): what the real driver loads (the CPU double
# reads layouts from a fatbin's cubin, and compiles no PTX).
PTX_HEAD = b".version 8.8\n.target sm_90\n.address_size 64\n"
PTX_K = PTX_HEAD + b".visible .entry k(.param .u32 k_p0)\n{\n\tret;\n}\n\0"

# (d) malformed images, then a good one on the same connection
s = Session()
elf = cubin()
bad = {
    "truncated fatbin": good[:len(good) // 2],
    "fatbin header claiming more than sent": good[:8] + struct.pack("<Q", len(good)) + good[16:],
    "fatbin entry past the fatbin": good[:16 + 8] + struct.pack("<Q", 1 << 20) + good[32:],
    "truncated ELF": elf[:len(elf) - 40],
    "ELF section past the end": elf[:-64 + 24] + struct.pack("<Q", 1 << 30) + elf[-64 + 32:],
    "binary junk": b"\x01\x80" + b"\0" * 62,
}
for what, image in bad.items():
    res, _ = load(s, image)
    check(res == INVALID_KERNEL_IMAGE, "%s: cudaErrorInvalidKernelImage, got %d" % (what, res))
# PTX the guest sent without its NUL: the host terminates its own copy, so
# the driver (or the double, which reads PTX for layouts) reads no further;
# then it loads.
res, _ = load(s, PTX_HEAD)
check(res == SUCCESS, "PTX without its NUL: %d, got %d" % (SUCCESS, res))
if executor == "cuda":
    good = PTX_K
res, mod = load(s, good)
check(res == SUCCESS and mod, "a good module after the bad ones: %d" % res)
resp, _ = s.call([function_get(mod)])
check(resp[0][1] == SUCCESS, "its kernel: %d" % resp[0][1])
first = struct.unpack_from("<QII", resp[0][3])
check(first[1] == 1 and first[2] == 4, "its kernel's layout: %s" % (first,))

# (e) an error reply's payload and padding are zeros, after a full one
resp, _ = s.call([function_get(mod ^ (1 << 40))])
st, res, reserved, pl = resp[0]
check(res == INVALID_RESOURCE_HANDLE, "stale module handle: %d" % res)
check(reserved == 0 and len(pl) == FUNCTION_RESP and pl.count(0) == len(pl),
      "error reply zero-filled (%d bytes, %d nonzero)" % (len(pl), len(pl) - pl.count(0)))
# a from-host run the call does not write comes back as zeros, not old heap bytes
n = 1 << 16
st, res, _, pl, _ = s.one(OP_MALLOC, struct.pack("<Q", n))
dptr = struct.unpack_from("<Q", pl)[0]
for _ in range(3):
    st, res, _, _, _ = s.one(OP_MEMCPY_HTOD, struct.pack("<QQQQ", dptr, 0, n, 0),
                             [(TO_HOST, b"\xab" * n)])
st, res, _, _, back = s.one(OP_MEMCPY_DTOH, struct.pack("<QQQQ", 0, dptr + n, n, 0),
                            [(FROM_HOST, n)])
check(res == INVALID_VALUE, "copy from outside the allocation: %d" % res)
check(len(back) == 1 and back[0].count(0) == n,
      "unwritten from-host run is zeros (%d nonzero)" % (n - back[0].count(0)))

# (a) one name looked up 100000 times: one handle, no growth
rss0 = worker_rss(s.id)
handles = set()
per_frame = 1000
t0 = time.time()
for i in range(100):
    msgs = [function_get(mod, flags=NO_REPLY)] * (per_frame - 1) + [function_get(mod)]
    resp, _ = s.call(msgs)
    handles.add(struct.unpack_from("<Q", resp[0][3])[0] if resp[0][1] == SUCCESS else 0)
rss1 = worker_rss(s.id)
check(handles == {first[0]}, "100000 lookups, one handle: %s" % sorted(handles)[:4])
if rss0 is None or rss1 is None:
    print("note: worker process not found in /proc; RSS not checked")
else:
    check(rss1 - rss0 < 8192, "worker RSS %d -> %d KiB over 100000 lookups" % (rss0, rss1))
print("100000 lookups in %.1f s" % (time.time() - t0))
s.close()

# (c) gates past max_gates: an error, not a hang; a released one makes room
s = Session()
results = []
key = owner = 0
tokens = []
while len(results) <= DEFAULT_MAX_GATES:
    batch = min(512, DEFAULT_MAX_GATES + 1 - len(results))
    # gv_host_func_req: the default stream, a function (never run), no argument
    resp, _ = s.call([message(OP_HOST_FUNC_ENQUEUE, struct.pack("<QQQII", 0, 1, 0, 0, 0))] * batch)
    for st, res, _, pl in resp:
        results.append(res)
        if res == SUCCESS:
            token, key, owner = struct.unpack_from("<QQI", pl)
            tokens.append(token)
check(results[:DEFAULT_MAX_GATES].count(SUCCESS) == DEFAULT_MAX_GATES,
      "%d gates within the default max_gates" % results[:DEFAULT_MAX_GATES].count(SUCCESS))
check(results[DEFAULT_MAX_GATES] == MEMORY_ALLOCATION,
      "gate %d refused with cudaErrorMemoryAllocation: %d" % (DEFAULT_MAX_GATES + 1,
                                                              results[DEFAULT_MAX_GATES]))
cb = Session()
st, res, _, pl, _ = cb.one(OP_HOST_FUNC_WAIT, struct.pack("<QII", key ^ 1, owner, 100))
check(res == INVALID_VALUE, "wait with a forged key refused: %d" % res)
st, res, _, pl, _ = cb.one(OP_HOST_FUNC_WAIT, struct.pack("<QII", key, owner, 1000))
taken = struct.unpack_from("<Q", pl)[0] if res == SUCCESS else 0
check(res == SUCCESS and taken == tokens[0], "the oldest gate taken: %d %d" % (res, taken))
st, res, _, _, _ = cb.one(OP_HOST_FUNC_RELEASE, struct.pack("<QQII", key, taken, cb.id, 0))
check(res == INVALID_VALUE, "released naming another owner with this key: %d" % res)
st, res, _, _, _ = cb.one(OP_HOST_FUNC_RELEASE, struct.pack("<QQII", key, taken, owner, 0))
check(res == SUCCESS, "released by its owner's key: %d" % res)
# the release reaches the worker process asynchronously
for _ in range(50):
    res = s.one(OP_HOST_FUNC_ENQUEUE, struct.pack("<QQQII", 0, 1, 0, 0, 0))[1]
    if res == SUCCESS:
        break
    time.sleep(0.02)
check(res == SUCCESS, "room for a gate after a release: %d" % res)
cb.close()
s.close()

# the backend still serves a fresh client normally
s = Session()
res, mod = load(s, good)
check(res == SUCCESS, "a new client loads a module: %d" % res)
s.close()

sys.exit(checks.finish())
