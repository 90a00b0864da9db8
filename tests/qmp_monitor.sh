#!/usr/bin/env bash
# QEMU's monitor shows the device and its sessions: QMP query-gvirtus and
# HMP info gvirtus, queried while a guest process moves data.
# usage: tests/qmp_monitor.sh [EXECUTOR]
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
executor=${1:-cpu-reference}
log=$b/guest-monitor.log
sock=$(mktemp -u /tmp/gvirtus-qmp.XXXXXX)
"$repo/scripts/run-guest.sh" -e "$executor" -t 300 -l "$log" \
	-q -qmp -q "unix:$sock,server=on,wait=off" -a MONITOR_SECONDS=40 monitor.sh \
	>/dev/null 2>&1 &
guest=$!
python3 - "$sock" "$executor" <<'PY'
import json, socket, sys, time

sock_path, executor = sys.argv[1], sys.argv[2]
passed = failed = 0

def check(what, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("pass: " + what)
    else:
        failed += 1
        print("FAIL %s %s" % (what, detail))

def connect(deadline):
    while time.time() < deadline:
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock_path)
            return s
        except OSError:
            time.sleep(0.5)
    return None

def call(f, s, cmd, **args):
    msg = {"execute": cmd}
    if args:
        msg["arguments"] = args
    s.sendall((json.dumps(msg) + "\n").encode())
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r

s = connect(time.time() + 60)
check("QMP socket", s is not None)
if s:
    f = s.makefile("r")
    json.loads(f.readline())                      # the greeting
    call(f, s, "qmp_capabilities")
    session = None
    deadline = time.time() + 150
    while time.time() < deadline and not session:
        r = call(f, s, "query-gvirtus")
        devs = r.get("return", [])
        busy = [x for d in devs for x in d["sessions"]
                if x["calls"] > 0 and x["guest-pid"] > 0 and x["bytes-moved"] > 0]
        session = busy[0] if busy else None
        if not session:
            time.sleep(1)
    check("query-gvirtus lists the device", len(devs) == 1 and
          devs[0]["executor"] == executor, json.dumps(r)[:300])
    check("a busy session: guest pid, calls, bytes moved", session is not None,
          json.dumps(r)[:300])
    if session:
        check("its worker process and its memory", session["worker-pid"] > 0 and
              session["state"] == "open" and session["device-bytes"] > 0 and
              session["allocations"] > 0, json.dumps(session))
    r = call(f, s, "human-monitor-command", **{"command-line": "info gvirtus"})
    out = r.get("return", "")
    print(out.rstrip())
    check("info gvirtus prints the table", ("executor " + executor) in out and
          "guest-pid" in out and (not session or (" %d " % session["guest-pid"]) in out), out[:400])
    s.close()
print("qmp_monitor: %d passed, %d failed" % (passed, failed))
sys.exit(failed != 0)
PY
rc=$?
# gvirtus-top reads the same socket (the guest is still busy for a while).
top=$("$repo/host-tools/gvirtus-top" --once --qmp "$sock" 2>&1)
echo "$top"
if echo "$top" | grep -q "executor $executor" && echo "$top" | grep -qE '^ +[0-9]+ +[1-9][0-9]* +[1-9][0-9]* open'; then
	echo "gvirtus_top: 1 passed, 0 failed"
else
	echo "gvirtus_top: 0 passed, 1 failed"
	rc=1
fi
wait $guest
rm -f "$sock"
exit $rc
