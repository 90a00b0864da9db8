#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes well-formed seed inputs for every fuzz target of tests/fuzz.

Usage: make-seeds.py OUTDIR [--fatbin PATH] [--properties PATH]

OUTDIR/<target>/<name> for target in session, codecs, framing, fatbin,
properties, frame.  Layouts are built here from include/gvirtus (struct
formats written out by hand, op numbers read from calls.def) and from the
input formats each target's header comment describes.  A fatbin (built by
the Makefile from tests/unit/fatbin_kernels.cu) seeds the fatbin target and
MODULE_LOAD messages when it is there.
"""
import argparse
import os
import re
import struct

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

MSG_MAGIC = 0x54525647
with open(os.path.join(ROOT, "include", "gvirtus", "protocol.h")) as _f:
    VERSION = int(re.search(r"#define GV_PROTOCOL_VERSION (\d+)u", _f.read()).group(1))
F_NO_REPLY = 1
TO_HOST, FROM_HOST, UPDATE = 1, 2, 3

# What the CPU reference executor hands out in a fresh worker: device
# addresses from 0x600000000000 in 2 MiB steps, handles as
# generation << 32 | (slot + 1) << GVW_HANDLE_KIND_BITS | kind (module 1,
# function 2, stream 3, event 4, then the generated libraries' kinds).
VA0 = 0x600000000000
VA_STEP = 2 << 20


def read_kind_bits():
    with open(os.path.join(ROOT, "host-worker", "handles.h")) as f:
        return int(re.search(r"#define GVW_HANDLE_KIND_BITS (\d+)", f.read()).group(1))


def read_kinds():
    """{name: number} of enum gvw_handle_kind: the core four, then each
    GVG_<LIB>_KINDS list in the order handles.h expands them."""
    kinds = {"MODULE": 1, "FUNCTION": 2, "STREAM": 3, "EVENT": 4}
    with open(os.path.join(ROOT, "host-worker", "handles.h")) as f:
        libs = re.findall(r"GVG_(\w+)_KINDS\(GVG_KIND\)", f.read())
    n = 5
    for lib in libs:
        path = os.path.join(ROOT, "host-worker", "gen", "%s_driver_fns.h" % lib.lower())
        if lib == "CUBLASLT":
            path = os.path.join(ROOT, "host-worker", "gen", "cublasLt_driver_fns.h")
        text = open(path).read()
        body = text[text.index("#define GVG_%s_KINDS(X)" % lib):]
        body = body[:body.index("/* end */")]
        for k in re.findall(r"X\((\w+)\)", body):
            kinds[k] = n
            n += 1
    return kinds


KIND_BITS = read_kind_bits()
KIND = read_kinds()


def handle(slot, kind, gen=1):
    return gen << 32 | (slot + 1) << KIND_BITS | kind


def read_ops():
    """calls.def in order, its generated libraries' files where it includes
    them: [(name, number, nbulk, tail)], as fuzz_codecs.c indexes them."""
    ops = []
    pat = re.compile(r"^GV_OP\((\w+),\s*(\d+),\s*(\w+),\s*(\w+),\s*(-?\d+),\s*(\w+)\)")

    def read(path):
        with open(path) as f:
            for line in f:
                inc = re.match(r'#include "(gen/\w+_calls\.def)"', line)
                if inc:
                    read(os.path.join(ROOT, "include", "gvirtus", inc.group(1)))
                m = pat.match(line)
                if m:
                    ops.append((m.group(1), int(m.group(2)), int(m.group(5)), m.group(6)))
    read(os.path.join(ROOT, "include", "gvirtus", "calls.def"))
    return ops


OPS = read_ops()
OP = {name: num for name, num, _, _ in OPS}


def msg(op, payload=b"", nbulk=0, flags=0, device=0, req_id=1):
    """struct gv_msg_hdr, then the payload."""
    return struct.pack("<IHHIIQII", MSG_MAGIC, VERSION, flags, OP[op], device, req_id,
                       len(payload), nbulk) + payload


def u64(*v):
    return struct.pack("<%dQ" % len(v), *v)


def memcpy_req(dst, src, size, stream=0):
    return u64(dst, src, size, stream)


def name_req(module, name, size=0):
    n = name.encode()
    return struct.pack("<QIIQ", module, len(n), 0, size) + n


def launch_req(function, grid, block, shmem, args, stream=0):
    return struct.pack("<Q3I3IIIQ", function, *grid, *block, shmem, len(args), stream) + args


# ---- fuzz_session: records of ctl, [room], msg_len, bulk table, msg, to-host bytes ----

def record(messages, bulks=(), room=None):
    """bulks: (dir, len, data or None, split)."""
    ctl = len(bulks) | (4 if room is not None else 0)
    out = bytes([ctl])
    if room is not None:
        out += struct.pack("<H", room)
    out += struct.pack("<H", len(messages))
    for d, n, _, split in bulks:
        out += struct.pack("<BH", d | (4 if split else 0), n)
    out += messages
    for d, n, data, _ in bulks:
        if d in (TO_HOST, UPDATE):
            out += data if data is not None else bytes((i * 7) & 0xFF for i in range(n))
    return out


def session_seeds(fatbin):
    s = {}
    p0 = VA0
    s["memory"] = b"".join([
        record(msg("HELLO", struct.pack("<II", VERSION, 1))),
        record(msg("MALLOC", u64(4096))),
        record(msg("MEMCPY_HTOD", memcpy_req(p0, 0, 4096), nbulk=1), [(TO_HOST, 4096, None, 0)]),
        record(msg("MEMCPY_DTOH", memcpy_req(0, p0 + 16, 1000), nbulk=1),
               [(FROM_HOST, 1000, None, 1)]),
        record(msg("MEMSET", struct.pack("<QQiIQ", p0 + 8, 100, 0x41, 0, 0))),
        record(msg("MEMCPY_DTOD", memcpy_req(p0 + 2048, p0, 1024))),
        record(msg("POINTER_ATTRS", u64(p0 + 5))),
        record(msg("FREE", u64(p0))),
        record(msg("STATS")),
    ])
    # Managed memory's host-CPU moves, in and out of bounds, and the
    # worker's captured output.
    s["managed"] = b"".join([
        record(msg("HELLO", struct.pack("<II", VERSION, 1))),
        record(msg("MALLOC_MANAGED", struct.pack("<QII", 8192, 1, 0))),
        record(msg("MANAGED_WRITE", u64(p0, 4096), nbulk=1), [(TO_HOST, 4096, None, 1)]),
        record(msg("MANAGED_READ", u64(p0 + 100, 1000), nbulk=1),
               [(FROM_HOST, 1000, None, 0)]),
        record(msg("MANAGED_READ", u64(p0 + 8000, 1000), nbulk=1),
               [(FROM_HOST, 1000, None, 0)]),
        record(msg("TAKE_OUTPUT") + msg("FREE", u64(p0))),
    ])
    s["batch"] = record(
        msg("HELLO", struct.pack("<II", VERSION, 2)) + msg("DEVICE_INFO") +
        msg("MEM_GET_INFO") + msg("DEVICE_SYNCHRONIZE", flags=F_NO_REPLY) +
        msg("STREAM_PRIORITY_RANGE") + msg("STATS") + msg("DEVICE_INFO", device=1))
    st, e1, e2 = handle(0, 3), handle(1, 4), handle(2, 4)
    s["streams"] = b"".join([
        record(msg("STREAM_CREATE", struct.pack("<Ii", 1, 0))),
        record(msg("EVENT_CREATE", struct.pack("<II", 0, 0)) +
               msg("EVENT_CREATE", struct.pack("<II", 0, 0))),
        record(msg("EVENT_RECORD", u64(e1, st)) + msg("EVENT_RECORD", u64(e2, st))),
        record(msg("STREAM_WAIT_EVENT", struct.pack("<QQII", st, e1, 0, 0))),
        record(msg("STREAM_QUERY", u64(st)) + msg("STREAM_SYNCHRONIZE", u64(st)) +
               msg("EVENT_QUERY", u64(e2)) + msg("EVENT_SYNCHRONIZE", u64(e2)) +
               msg("EVENT_ELAPSED", u64(e1, e2))),
        record(msg("EVENT_DESTROY", u64(e1)) + msg("STREAM_DESTROY", u64(st))),
    ])
    # A host-function gate, then a synchronize: the callback thread must release it.
    s["gates"] = record(msg("HOST_FUNC_ENQUEUE", struct.pack("<QQQII", 0, 1, 0, 0, 0)) +
                        msg("DEVICE_SYNCHRONIZE"))
    s["pitch"] = b"".join([
        record(msg("MALLOC_PITCH", u64(100, 4))),
        record(msg("MEMCPY_2D", struct.pack("<QQQQQQIIQ", p0, 512, 0, 100, 100, 4, 1, 0, 0),
                   nbulk=1), [(TO_HOST, 400, None, 1)]),
        record(msg("MEMCPY_2D", struct.pack("<QQQQQQIIQ", 0, 128, p0, 512, 100, 4, 2, 0, 0),
                   nbulk=1), [(UPDATE, 484, None, 0)]),
        record(msg("MEMCPY_2D", struct.pack("<QQQQQQIIQ", p0 + 1024, 512, p0, 512, 64, 2, 3,
                                            0, 0))),
    ])
    s["peers"] = b"".join([
        record(msg("PEER_CAN_ACCESS", struct.pack("<iI", 1, 0)) +
               msg("PEER_ENABLE", struct.pack("<iI", 1, 0))),
        record(msg("MALLOC", u64(4096)) + msg("MALLOC", u64(4096), device=1)),
        record(msg("MEMCPY_PEER", struct.pack("<QQQiiQ", p0 + VA_STEP, p0, 4096, 1, 0, 0))),
        record(msg("DEVICE_RESET", device=1) + msg("STATS")),
    ])
    s["errors"] = b"".join([
        record(msg("DEVICE_INFO"), room=100),
        record(msg("MALLOC", u64(64))[:40]),
        record(msg("MEMCPY_HTOD", memcpy_req(p0, 0, 64), nbulk=1), [(FROM_HOST, 64, None, 0)]),
        record(struct.pack("<I", 0xDEADBEEF) + msg("HELLO")[4:]),
    ])
    if fatbin and len(fatbin) < 65536:
        mod, fn = handle(0, 1), handle(1, 2)
        args = struct.pack("<b7xdQ", 7, 2.5, p0)
        s["module"] = b"".join([
            record(msg("MALLOC", u64(256))),
            record(msg("MODULE_LOAD", u64(len(fatbin)), nbulk=1),
                   [(TO_HOST, len(fatbin), fatbin, 1)]),
            record(msg("FUNCTION_GET", name_req(mod, "_Z2k1cdPi")) +
                   msg("FUNC_ATTRS", u64(fn)) +
                   msg("FUNC_SET_ATTR", struct.pack("<Qii", fn, 8, 1024)) +
                   msg("OCCUPANCY", struct.pack("<QiIQ", fn, 128, 0, 0))),
            record(msg("LAUNCH", launch_req(fn, (2, 1, 1), (64, 1, 1), 0, args)) +
                   msg("LAUNCH_LOG")),
            record(msg("GLOBAL_GET", name_req(mod, "g_value", 4))),
        ])
    return s


# ---- fuzz_codecs: op index, mode, device, how, bulk_len, tail_len, payload, bulk ----

def codecs_seeds(fatbin):
    p0, st, ev, ev2 = VA0, handle(0, 3), handle(1, 4), handle(2, 4)
    mod, fn = handle(3, 1), handle(4, 2)
    payload = {
        "HELLO": struct.pack("<II", VERSION, 1),
        "MALLOC": u64(4096),
        "MALLOC_MANAGED": struct.pack("<QII", 4096, 1, 0),
        "MANAGED_READ": u64(p0, 64),
        "MANAGED_WRITE": u64(p0, 64),
        "FREE": u64(p0),
        "MALLOC_PITCH": u64(100, 3),
        "MEMCPY_HTOD": memcpy_req(p0, 0, 64, st),
        "MEMCPY_DTOH": memcpy_req(0, p0, 64, st),
        "MEMCPY_DTOH_INLINE": memcpy_req(0, p0, 64, st),
        "MEMCPY_DTOD": memcpy_req(p0 + 100, p0, 64, st),
        "MEMSET": struct.pack("<QQiIQ", p0, 64, 1, 0, st),
        "MEMCPY_2D": struct.pack("<QQQQQQIIQ", p0, 256, 0, 16, 16, 4, 1, 0, st),
        "POINTER_ATTRS": u64(p0 + 1),
        "MODULE_LOAD": u64(len(fatbin) if fatbin and len(fatbin) < 65536 else 64),
        "FUNCTION_GET": name_req(mod, "_Z6k_nonev"),
        "GLOBAL_GET": name_req(mod, "g_value", 4),
        "LAUNCH": launch_req(fn, (1, 1, 1), (32, 1, 1), 0, struct.pack("<b7xdQ", 1, 1.0, p0), st),
        "FUNC_ATTRS": u64(fn),
        "FUNC_SET_ATTR": struct.pack("<Qii", fn, 8, 1024),
        "OCCUPANCY": struct.pack("<QiIQ", fn, 256, 0, 0),
        "STREAM_CREATE": struct.pack("<Ii", 1, -1),
        "STREAM_DESTROY": u64(st),
        "STREAM_SYNCHRONIZE": u64(st),
        "STREAM_QUERY": u64(st),
        "STREAM_WAIT_EVENT": struct.pack("<QQII", st, ev, 0, 0),
        "EVENT_CREATE": struct.pack("<II", 2, 0),
        "EVENT_RECORD": u64(ev, st),
        "EVENT_SYNCHRONIZE": u64(ev),
        "EVENT_QUERY": u64(ev),
        "EVENT_ELAPSED": u64(ev, ev2),
        "EVENT_DESTROY": u64(ev2),
        "HOST_FUNC_ENQUEUE": struct.pack("<QQQII", st, 1, 0, 0, 0),
        "HOST_FUNC_WAIT": struct.pack("<QII", 0, 1, 1),
        "HOST_FUNC_RELEASE": struct.pack("<QQII", 0, 1, 1, 0),
        "PEER_CAN_ACCESS": struct.pack("<iI", 1, 0),
        "PEER_ENABLE": struct.pack("<iI", 1, 0),
        "MEMCPY_PEER": struct.pack("<QQQiiQ", p0 + VA_STEP, p0, 64, 1, 0, 0),
        # IPC: export the first allocation; open a token of no session; close
        "IPC_EXPORT": struct.pack("<IIQ", 1, 0, p0),
        "IPC_IMPORT": struct.pack("<IIQQ40xII", 0x50495647, 1, 7, 9, 0, 1),
        "IPC_CLOSE": u64(p0),
        "MODULE_FUNCTIONS": u64(mod, 64),
        "ATOMIC_CAPS": struct.pack("<IIii32I", 0, 2, 0, 0, *([0, 9] + [0] * 30)),
        "KERNEL_NODE_GET": u64(0, 256),
        "FUNC_NAME": u64(fn),
        "LOGS_DUMP": struct.pack("<IIQII", 1, 0, 128, 0, 0),
        "USER_OBJECT_CREATE": struct.pack("<QQII", 1, 2, 1, 0),
        "GRAPH_DOT": struct.pack("<QQII", 0, 0, 0, 0),
        "TENSOR_MAP": struct.pack("<12IQ5Q5Q5I5I5i5i16Q", 0, 7, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                  p0, 64, 16, 0, 0, 0, 256, 0, 0, 0, 0, 16, 8, 0, 0, 0,
                                  1, 1, 0, 0, 0, *([0] * 10), *([0] * 16)),
    }
    # The math libraries' objects fuzz_codecs's setup makes after those
    # (behind their fakes): a cuBLAS handle, a cuRAND generator, a cuFFT
    # plan (an int: the handle's low 32 bits).
    m = 5 if fatbin else 3
    blas = handle(m, KIND["CUBLAS"])
    rng = handle(m + 1, KIND["CURAND_GENERATOR"])
    plan = handle(m + 2, KIND["CUFFT_PLAN"]) & 0xFFFFFFFF
    one = struct.pack("<f", 1.0)
    # cublasSgemm_v2, host pointer mode: 16x16x16 on the first allocation.
    payload["cublasSgemm_v2"] = (
        struct.pack("<QiiiiiQB", blas, 0, 0, 16, 16, 16, 0, 1) + one +
        struct.pack("<QiQiQB", p0, 16, p0, 16, 0, 1) + one + struct.pack("<Qi", p0, 16))
    payload["curandGenerateUniform"] = struct.pack("<QQBQ", rng, p0, 0, 64)
    payload["cufftExecC2C"] = struct.pack("<QQQi", plan, p0, p0, -1)
    tails = {"FUNCTION_GET": len("_Z6k_nonev"), "GLOBAL_GET": len("g_value"),
             "LAUNCH": 24}
    bulks = {"MEMCPY_HTOD": (TO_HOST, 64), "MEMCPY_DTOH": (FROM_HOST, 64),
             "MEMCPY_2D": (TO_HOST, 3 * 16 + 16), "MODULE_LOAD": (TO_HOST, 64),
             "MODULE_FUNCTIONS": (FROM_HOST, 64), "KERNEL_NODE_GET": (FROM_HOST, 256),
             "LOGS_DUMP": (FROM_HOST, 128)}
    s = {}
    for i, (name, _, nbulk, _) in enumerate(OPS):
        body = payload.get(name, b"")
        tail = tails.get(name, 0)
        d, n = bulks.get(name, (TO_HOST, 0))
        data = b""
        if name == "MODULE_LOAD" and fatbin and len(fatbin) < 65536:
            n, data = len(fatbin), fatbin
        elif d in (TO_HOST, UPDATE):
            data = bytes((k * 3) & 0xFF for k in range(n))
        # body is the request struct whole, then tail bytes of name or arguments.
        s["%03d-%s" % (i, name.lower())] = struct.pack("<HBBBHH", i, 0, 0, d, n, tail) + body + data
        if nbulk == 0:
            continue
        # The same op with a bulk buffer in two pieces.
        s["%03d-%s-split" % (i, name.lower())] = (
            struct.pack("<HBBBHH", i, 0, 0, d | 4, n, tail) + body + data)
    return s


# ---- fuzz_framing: gv_vq_req_hdr, message, bulk table, page lists ----

def framing_seeds():
    def req(message, bulks, flags=0, session=3):
        out = struct.pack("<IIII", session, flags, len(message), len(bulks)) + message
        gpa, pages = 0x100000, b""
        for length, offset, d in bulks:
            npages = (offset + length + 4095) // 4096
            out += struct.pack("<QIIII", length, offset, npages, d, 0)
            for _ in range(npages):
                pages += u64(gpa)
                gpa += 4096
        return out + pages

    m = msg("MEMCPY_HTOD", memcpy_req(VA0, 0, 10000), nbulk=1)
    return {
        "plain": req(msg("HELLO", struct.pack("<II", VERSION, 1)), []),
        "bulk": req(m, [(10000, 100, TO_HOST)]),
        "two": req(m + b"\x00", [(10000, 100, TO_HOST), (1, 4095, FROM_HOST)]),
        "update": req(m, [(8192, 0, UPDATE), (0, 0, FROM_HOST)]),
        "close": req(b"", [], flags=1),
    }


# ---- fuzz_fatbin: ctl, name_len, name, fatbin ----

def fatbin_seeds(fatbin):
    def seed(ctl, name, image):
        n = name.encode()
        return bytes([ctl, len(n)]) + n + image

    # A fatbin header with no entries: magic, version 1, header size 16, payload 0.
    empty = struct.pack("<IHHQ", 0xBA55ED50, 1, 16, 0)
    s = {"empty": seed(0, "k", empty), "null-name": seed(0x10, "", empty)}
    # PTX as NVRTC writes it (fuzz_fatbin reads the bytes as PTX too).
    ptx = (b".version 8.8\n.target sm_90\n.address_size 64\n"
           b".visible .entry saxpy(\n\t.param .f32 saxpy_param_0,\n"
           b"\t.param .u64 .ptr .align 1 saxpy_param_1,\n\t.param .align 8 .b8 s[80],\n"
           b"\t.param .u32 saxpy_param_3\n)\n{\n\tret;\n}\n")
    s["ptx"] = seed(0x20, "saxpy", ptx)
    if fatbin:
        s["k1"] = seed(0x20, "_Z2k1cdPi", fatbin)
        s["huge"] = seed(0x33, "_Z6k_hugec7Huge20kPi", fatbin)
        s["none"] = seed(0x15, "_Z6k_nonev", fatbin)
        s["absent"] = seed(0x30, "_Z7missingv", fatbin)
    return s


# ---- fuzz_properties: the file as is ----

def properties_seeds(path):
    s = {}
    if path and os.path.exists(path):
        with open(path, "rb") as f:
            s["shipped"] = f.read()
    s["two"] = b"""{
  "communicator": [
    { "endpoint": { "suite": "tcp/ip", "protocol": "tcp",
                    "server_address": "127.0.0.1", "port": "9999", "gpus": "0,1" },
      "plugins": [ "cudart", "cublas" ] },
    { "endpoint": { "suite": "tcp/ip", "protocol": "oldtcp",
                    "server_address": "::1", "port": 8888, "gpus": [0, "GPU-0a"] } }
  ],
  "secure_application": false
}
"""
    s["escapes"] = b'{ "a": [1, -2.5e3, true, null, "x\\n\\t\\"\\\\\\u0041"], "b": {} }'
    return s


# ---- fuzz_frame: gv_frame_req, bulk table, message, to-host runs ----
# A bulk given as (length, dir, (offset, [guest pages])) is a GUEST_PAGES
# run: its page list follows instead of bytes (frame.h).  fuzz_frame maps
# guest pages 0x0-0xffff and 0x100000-0x11ffff.

def frame_seeds():
    def frame(message, bulks):
        out = struct.pack("<IIII", 0x52465647, len(message), len(bulks), 0)
        out += struct.pack("<IIQQQQ", 1, 0, 2, 8192, 0, 0)
        runs = b""
        for b in bulks:
            length, d = b[0], b[1]
            if len(b) == 3:
                offset, pages = b[2]
                out += struct.pack("<QII", length, d, 1)
                runs += struct.pack("<II", offset, len(pages))
                runs += b"".join(struct.pack("<Q", p) for p in pages)
                continue
            out += struct.pack("<QII", length, d, 0)
            if d in (TO_HOST, UPDATE):
                runs += bytes((i * 5) & 0xFF for i in range(length))
        return out + message + runs

    hello = msg("HELLO", struct.pack("<II", VERSION, 1))
    copy = msg("MEMCPY_HTOD", memcpy_req(VA0, 0, 16), nbulk=1)
    return {
        "hello": frame(hello, []),
        "bulk": frame(copy, [(16, TO_HOST), (32, FROM_HOST), (8, UPDATE)]),
        "two": frame(hello, []) + frame(copy, [(16, TO_HOST)]),
        "pages": frame(copy, [(8192, TO_HOST, (16, [0x1000, 0x2000, 0x101000])),
                              (4096, FROM_HOST, (0, [0x100000]))]),
        "pages_fault": frame(copy, [(16, TO_HOST, (0, [0x50000]))]) + frame(hello, []),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--fatbin", default=os.path.join(ROOT, "build", "tests",
                                                     "fatbin_kernels.fatbin"))
    ap.add_argument("--properties", default=os.path.join(ROOT, "etc", "properties.json"))
    a = ap.parse_args()
    fatbin = None
    if a.fatbin and os.path.exists(a.fatbin):
        with open(a.fatbin, "rb") as f:
            fatbin = f.read()
    targets = {
        "session": session_seeds(fatbin),
        "codecs": codecs_seeds(fatbin),
        "framing": framing_seeds(),
        "fatbin": fatbin_seeds(fatbin),
        "properties": properties_seeds(a.properties),
        "frame": frame_seeds(),
    }
    n = 0
    for target, seeds in targets.items():
        d = os.path.join(a.outdir, target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
            n += 1
    print("make-seeds: %d seeds for %d targets in %s%s" %
          (n, len(targets), a.outdir, "" if fatbin else " (no fatbin: fewer module seeds)"))


if __name__ == "__main__":
    main()
