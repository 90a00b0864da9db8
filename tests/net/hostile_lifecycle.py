#!/usr/bin/env python3
# Session lifetime against hostile TCP clients (issue 11): clients that
# vanish while their call can never return, idle and slow connections,
# floods, half-sent frames, a response room too small, and configuration
# that would once reach a shell or an undefined cast.  Starts its own
# gvirtus-backend (CPU reference executor) on loopback with short
# timeouts and small limits; counts worker processes in /proc.
#   usage: hostile_lifecycle.py [build dir]
# Layouts follow include/gvirtus/frame.h and protocol.h.  Prints
# "hostile_lifecycle: N passed, M failed" last.
import os
import random
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gvwire
from gvwire import (GV_ERESP, GV_OK, OP_DEVICE_INFO, OP_DEVICE_SYNCHRONIZE, OP_EVENT_CREATE,
                    OP_EVENT_RECORD, OP_EVENT_SYNCHRONIZE, OP_FREE, OP_HELLO,
                    OP_HOST_FUNC_ENQUEUE, OP_HOST_FUNC_WAIT, OP_MALLOC, OP_MEMCPY_HTOD,
                    OP_STREAM_SYNCHRONIZE, REPLY_MAGIC, RESP_FMT, TO_HOST, bulk_desc, frame,
                    hello_payload, message, read_reply)

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "build")
backend_bin = os.path.join(build, "bin", "gvirtus-backend")
home = tempfile.mkdtemp(prefix="gv-lifecycle-")
checks = gvwire.Checks("hostile_lifecycle", verbose=True)
check = checks.check

HELLO_TIMEOUT_MS, IO_TIMEOUT_MS, IDLE_TIMEOUT_S = 1000, 2000, 3
MAX_CONN, MAX_PER_PEER = 40, 8




def recv_exact(s, n):
    """n bytes, or None if the backend closed or cut the connection first."""
    try:
        return gvwire.recv_exact(s, n)
    except OSError:
        return None


def reply(s):
    """(status of the first response, its result, its payload), or None."""
    try:
        r = read_reply(s)
    except OSError:
        return None
    if r is None:
        return None
    magic, _, body = r
    if magic != REPLY_MAGIC or body is None or len(body) < 32:
        return None
    rmagic, _, status, _, result, _, plen, _ = struct.unpack_from(RESP_FMT, body)
    return status, result, body[32:32 + plen]


def call(s, op, payload=b"", resp_cap=0):
    s.sendall(frame(message(op, payload), resp_cap=resp_cap))
    return reply(s)


def connect(port, src=None, timeout=10):
    return gvwire.connect("127.0.0.1", port, timeout=timeout, src=src)


def hello(s):
    r = call(s, OP_HELLO, hello_payload(os.getpid()))
    return r is not None and r[0] == GV_OK and r[1] == 0


def closed_within(s, seconds):
    """Seconds until the backend closed s, or None if it stayed open that long."""
    t0 = time.time()
    s.settimeout(0.1)
    while time.time() - t0 < seconds:
        try:
            d = s.recv(65536)
            if not d:
                return time.time() - t0
        except socket.timeout:
            continue
        except OSError:
            return time.time() - t0
    return None


def children(pid):
    """Live gvirtus-worker processes whose parent is pid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        comm = st[st.index("(") + 1:st.rindex(")")]
        fields = st[st.rindex(")") + 2:].split()
        if comm.startswith("gvirtus-worker") and fields[0] != "Z" and int(fields[1]) == pid:
            out.append(int(d))
    return out


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def wait_until(pred, seconds):
    t0 = time.time()
    while time.time() - t0 < seconds:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def write_props(name, endpoint_extra="", top_extra="", port=None, raw_port=None):
    path = os.path.join(home, name)
    port_json = raw_port if raw_port is not None else '"%d"' % port
    with open(path, "w") as f:
        f.write('{ "communicator": [ { "endpoint": { "suite": "tcp/ip", "protocol": "tcp",\n'
                '    "server_address": "127.0.0.1", "port": %s%s } } ],\n'
                '  "secure_application": false%s }\n' % (port_json, endpoint_extra, top_extra))
    return path


class Backend:
    def __init__(self, props, log):
        self.log = log
        self.logf = open(log, "ab")
        self.p = subprocess.Popen([backend_bin, "--executor", "cpu-reference", props],
                                  stderr=self.logf, stdout=self.logf)

    def wait_listening(self, port):
        for _ in range(100):
            if self.p.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def workers(self):
        return children(self.p.pid)

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.logf.close()


def good_client(port):
    """A well-behaved session: HELLO, MALLOC, FREE, close."""
    try:
        s = connect(port)
        ok = hello(s)
        r = call(s, OP_MALLOC, struct.pack("<Q", 4096))
        ok = ok and r is not None and r[0] == GV_OK and r[1] == 0
        if ok:
            ptr = struct.unpack_from("<Q", r[2])[0]
            r = call(s, OP_FREE, struct.pack("<Q", ptr))
            ok = r is not None and r[0] == GV_OK and r[1] == 0
        s.close()
        return ok
    except OSError:
        return False


def served_and_clean(b, port, what):
    check(good_client(port), "%s: a good client is served afterwards" % what)
    check(wait_until(lambda: not b.workers(), 5),
          "%s: no worker process left (%s)" % (what, b.workers()))


def stuck_call(s, how):
    """Puts the session into a call that never returns; True if it did not return."""
    if not hello(s):
        return False
    # gv_host_func_req: the default stream, a function (never run), no argument
    r = call(s, OP_HOST_FUNC_ENQUEUE, struct.pack("<QQQII", 0, 1, 0, 0, 0))
    if r is None or r[0] != GV_OK or r[1] != 0:
        return False
    if how == "device":
        s.sendall(frame(message(OP_DEVICE_SYNCHRONIZE)))
    elif how == "stream":
        s.sendall(frame(message(OP_STREAM_SYNCHRONIZE, struct.pack("<Q", 0))))
    else:
        r = call(s, OP_EVENT_CREATE, struct.pack("<II", 0, 0))
        if r is None or r[0] != GV_OK or r[1] != 0:
            return False
        ev = struct.unpack_from("<Q", r[2])[0]
        r = call(s, OP_EVENT_RECORD, struct.pack("<QQ", ev, 0))
        if r is None or r[0] != GV_OK or r[1] != 0:
            return False
        s.sendall(frame(message(OP_EVENT_SYNCHRONIZE, struct.pack("<Q", ev))))
    rd, _, _ = select.select([s], [], [], 1.0)
    return not rd


def main():
    port = 20000 + random.randrange(20000)
    props = write_props("lifecycle.json", port=port, top_extra=(
        ',\n  "limits": { "hello_timeout_ms": %d, "io_timeout_ms": %d, "idle_timeout_s": %d,'
        ' "max_connections": %d, "max_connections_per_peer": %d }'
        % (HELLO_TIMEOUT_MS, IO_TIMEOUT_MS, IDLE_TIMEOUT_S, MAX_CONN, MAX_PER_PEER)))
    log = os.path.join(home, "backend.log")
    b = Backend(props, log)
    check(b.wait_listening(port), "backend listening on 127.0.0.1:%d" % port)
    check(good_client(port), "a good client is served")

    # (1) A call that can never return, then the client disconnects.
    for how in ("device", "stream", "event"):
        s = connect(port)
        check(stuck_call(s, how), "(1) %s synchronize behind an unreleased host function "
              "does not return" % how)
        workers = b.workers()
        check(len(workers) == 1, "(1) %s: one worker process while stuck (%s)" % (how, workers))
        s.close()
        check(wait_until(lambda: not any(alive(w) for w in workers), 3),
              "(1) %s: the worker process is gone within 3 s of the disconnect" % how)
        served_and_clean(b, port, "(1) %s" % how)

    # (9) A response room smaller than the reply: GV_ERESP, and the session lives on.
    s = connect(port)
    hello(s)
    workers = b.workers()
    r = call(s, OP_DEVICE_INFO, resp_cap=64)
    check(r is not None and r[0] == GV_ERESP, "(9) DEVICE_INFO into 64 bytes: GV_ERESP (%s)"
          % (r and r[:2],))
    check(b.workers() == workers and len(workers) == 1, "(9) the worker process lives on")
    r = call(s, OP_DEVICE_INFO)
    check(r is not None and r[0] == GV_OK and len(r[2]) > 64,
          "(9) then DEVICE_INFO with room answers in full")
    s.sendall(frame(message(OP_MALLOC, struct.pack("<Q", 64)), resp_cap=31))
    h = recv_exact(s, 32)
    check(h is not None and struct.unpack_from("<II", h) == (REPLY_MAGIC, 0),
          "(9) room for not even a response header: an empty reply")
    r = call(s, OP_DEVICE_INFO)
    check(r is not None and r[0] == GV_OK and b.workers() == workers,
          "(9) and the session goes on in the same worker process")
    s.close()
    served_and_clean(b, port, "(9)")

    # (2) Idle connections: closed after hello_timeout_ms, no worker spawned.
    s = connect(port)
    t = closed_within(s, 5)
    check(t is not None and 0.7 <= t <= 2.5,
          "(2) a connection that sends nothing is closed after hello_timeout (%s s)" % t)
    s.close()
    s = connect(port)
    s.sendall(frame(message(OP_HELLO, hello_payload()))[:20])
    check(not b.workers(), "(2) half a HELLO spawns no worker process")
    t = closed_within(s, 5)
    check(t is not None and t <= 2.5, "(2) half a HELLO is cut at hello_timeout (%s s)" % t)
    s.close()
    s = connect(port)
    s.sendall(frame(message(OP_MALLOC, struct.pack("<Q", 64))))
    check(closed_within(s, 1) is not None and not b.workers(),
          "(2) a first frame that is not HELLO: closed, no worker process")
    s.close()
    # A guest's callback session only WAITs for gates: answered here, without a worker.
    s = connect(port)
    r = call(s, OP_HOST_FUNC_WAIT, struct.pack("<QII", 12345, 1, 0))
    check(r is not None and r[0] == GV_OK and r[1] != 0 and not b.workers(),
          "(2) a gate WAIT with a wrong key before HELLO: refused, no worker (%s)" %
          (r and r[:2],))
    s.close()

    # Per-peer limit: MAX_PER_PEER idle connections from one address; the next is refused.
    # "At once" is judged by the log line naming the limit, not by a clock:
    # a loaded machine may take a while to accept, and the hello timeout
    # would close the connection too, but without that line.
    idle = [connect(port) for _ in range(MAX_PER_PEER)]
    time.sleep(0.5)
    s = connect(port)
    t = closed_within(s, 3)
    check(t is not None and "(max_connections_per_peer %d)" % MAX_PER_PEER in b.text(),
          "(2) connection %d from one address is refused by the per-peer limit (%s s)" %
          (MAX_PER_PEER + 1, t))
    s.close()
    check(not b.workers(), "(2) idle connections spawned no worker process")
    check("max_connections_per_peer %d" % MAX_PER_PEER in b.text() and "127.0.0.1" in b.text(),
          "(2) the refusal is logged with the peer and the limit")
    for s in idle:
        s.close()

    # A flood of 300 connections from 50 loopback addresses: max_connections holds.
    flood = []
    for i in range(300):
        try:
            flood.append(connect(port, src="127.0.0.%d" % (2 + i % 50), timeout=2))
        except OSError:
            pass
    time.sleep(0.3)
    check(not b.workers(), "(2) a flood of 300 connections spawned no worker process")
    check("max_connections %d" % MAX_CONN in b.text(),
          "(2) the flood met max_connections (logged)")
    for s in flood:
        s.close()
    served_and_clean(b, port, "(2) flood")

    # Slowloris: a frame header, then a byte every 0.25 s; io_timeout_ms cuts it.
    s = connect(port)
    hello(s)
    body = message(OP_MALLOC, struct.pack("<Q", 64))
    s.sendall(frame(body)[:56])
    t0, cut = time.time(), None
    while time.time() - t0 < 8:
        try:
            s.send(b"\0")
        except OSError:
            cut = time.time() - t0
            break
        rd, _, _ = select.select([s], [], [], 0.25)
        if rd:
            try:
                if not s.recv(1):
                    cut = time.time() - t0
                    break
            except OSError:
                cut = time.time() - t0
                break
    check(cut is not None and cut <= IO_TIMEOUT_MS / 1000 + 1.5,
          "(2) slowloris is cut by io_timeout (after %s s)" % cut)
    s.close()
    served_and_clean(b, port, "(2) slowloris")

    # Idle between frames: closed after idle_timeout_s.
    s = connect(port)
    hello(s)
    t = closed_within(s, IDLE_TIMEOUT_S + 3)
    check(t is not None and IDLE_TIMEOUT_S - 0.5 <= t <= IDLE_TIMEOUT_S + 2,
          "(2) a session idle between frames is closed after idle_timeout (%s s)" % t)
    s.close()
    check(wait_until(lambda: not b.workers(), 3), "(2) the idle session's worker is gone")

    # Half-open frames: a frame promising 64 KiB of messages, half sent, then EOF.
    s = connect(port)
    hello(s)
    s.sendall(frame(b"", msg_len=65536) + b"\0" * 32768)
    s.shutdown(socket.SHUT_WR)
    check(closed_within(s, 3) is not None, "(2) a half-sent frame then EOF: closed")
    s.close()
    served_and_clean(b, port, "(2) half-open frame")

    # Clients killed mid-frame (a bulk run promised, part of it sent).
    kids = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            try:
                c = connect(port)
                hello(c)
                c.sendall(frame(message(OP_MEMCPY_HTOD, struct.pack("<QQQQ", 0, 0, 1 << 20, 0)),
                                nbulk=1, bulk=bulk_desc(1 << 20, TO_HOST)) + b"\0" * 4096)
                time.sleep(30)
            finally:
                os._exit(0)
        kids.append(pid)
    time.sleep(0.5)
    for pid in kids:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    served_and_clean(b, port, "(2) clients killed mid-frame")

    # (1) SIGTERM while a client's call can never return: exits within seconds.
    s = connect(port)
    stuck = stuck_call(s, "device")
    workers = b.workers()
    check(stuck and len(workers) == 1, "(1) stuck again before SIGTERM")
    t0 = time.time()
    b.p.send_signal(signal.SIGTERM)
    try:
        rc = b.p.wait(5)
    except subprocess.TimeoutExpired:
        rc = None
    check(rc == 0, "(1) SIGTERM with a stuck client: exit 0 within 5 s (rc %s, %.1f s)" %
          (rc, time.time() - t0))
    check(wait_until(lambda: not any(alive(w) for w in workers), 3),
          "(1) SIGTERM: the stuck worker process is gone")
    s.close()
    b.stop()

    # (7) gpus= with shell metacharacters: an unknown GPU, no shell ran it.
    for i, evil in enumerate(("0;touch %s", "$(touch %s)", "`touch %s`", "0' ; touch '%s")):
        mark = "/tmp/pwned-%d-%d" % (os.getpid(), random.randrange(1 << 30))
        gpus = evil % mark
        p = write_props("evil%d.json" % i, port=port + 1,
                        endpoint_extra=', "gpus": "%s"' % gpus.replace('"', '\\"'))
        r = subprocess.run([backend_bin, "--executor", "cpu-reference", p],
                           capture_output=True, text=True, timeout=20)
        check(r.returncode == 1 and "is not a GPU of this host" in r.stderr,
              "(7) gpus \"%s\": refused as an unknown GPU (rc %d: %s)" %
              (gpus, r.returncode, r.stderr.strip()[-160:]))
        check(not os.path.exists(mark), "(7) gpus \"%s\": %s not created" % (gpus, mark))
        if os.path.exists(mark):
            os.unlink(mark)

    # (8) Numbers out of range: a clean error, never an undefined cast.
    bad = [
        (write_props("port1e300.json", raw_port="1e300"), "endpoint.port must be a port"),
        (write_props("port-inf.json", raw_port="-1e999"), "number out of range"),
        (write_props("portfrac.json", raw_port="80.5"), "endpoint.port must be a port"),
        (write_props("gpu2e31.json", port=port, endpoint_extra=', "gpus": [0, 2147483648]'),
         "2147483648 is not a GPU index"),
        (write_props("gpuneg.json", port=port, endpoint_extra=', "gpus": [-1]'),
         "is not a GPU index"),
        (write_props("limit.json", port=port, top_extra=', "limits": { "io_timeout_ms": 1e300 }'),
         "limits.io_timeout_ms must be an integer 0..3600000"),
        (write_props("limitneg.json", port=port, top_extra=', "limits": { "max_handles": -5 }'),
         "limits.max_handles must be an integer"),
        (write_props("limitkey.json", port=port, top_extra=', "limits": { "max_sessions": 5 }'),
         "unknown key \"max_sessions\" in limits"),
        (write_props("tlskey.json", port=port, top_extra=', "tls": { "cert": "x" }'),
         "unknown key \"cert\" in tls"),
    ]
    for path, want in bad:
        r = subprocess.run([backend_bin, "--executor", "cpu-reference", path],
                           capture_output=True, text=True, timeout=20)
        name = os.path.basename(path)
        check(r.returncode == 1 and want in r.stderr and name in r.stderr and
              "line " in r.stderr,
              "(8) %s: exit 1 naming file, line and the problem (rc %d: %s)" %
              (name, r.returncode, r.stderr.strip()[-200:]))

    # Beyond loopback without TLS: a warning naming the setting.
    p = write_props("open.json", port=port + 2)
    with open(p) as f:
        text = f.read().replace("127.0.0.1", "0.0.0.0")
    with open(p, "w") as f:
        f.write(text)
    b = Backend(p, os.path.join(home, "open.log"))
    b.wait_listening(port + 2)
    b.stop()
    check(b.p.returncode == 0 and "secure_application" in b.text() and "without TLS" in b.text(),
          "a backend on 0.0.0.0 without TLS warns, naming secure_application")

    shutil.rmtree(home, ignore_errors=True)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
