#!/usr/bin/env bash
# The network mode on loopback: gvirtus-backend and frontends on this
# machine.  usage: tests/net/run.sh [cpu-reference|cuda]
# Every call of the virtio suite over TCP, kernels, 8 clients at once,
# hostile clients, the backend killed in the middle of calls, and no
# memory or worker process left behind.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
executor=${1:-cpu-reference}
port=$((20000 + RANDOM % 20000))
home=$(mktemp -d)
mkdir -p "$home/etc"
cat >"$home/etc/properties.json" <<JSON
{
  "communicator": [
    { "endpoint": { "suite": "tcp/ip", "protocol": "tcp",
                    "server_address": "127.0.0.1", "port": "$port" },
      "plugins": [ "cudart", "cudadr" ] }
  ],
  "secure_application": false
}
JSON
export GVIRTUS_HOME=$home GVIRTUS_TRANSPORT=tcp
. "$repo/tests/net/client_progs.sh"
client_progs "$b" "$home/progs"
progs=$home/progs
pass=0 fail=0
ok() { echo "pass: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
start_backend() {
	"$b/bin/gvirtus-backend" --executor "$executor" "$home/etc/properties.json" \
		2>>"$home/backend.log" &
	backend=$!
	for _ in $(seq 50); do
		(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

start_backend && ok "backend listening on 127.0.0.1:$port" || bad "backend did not start"

"$progs/gvtest_calls" all 1 && ok "every call over TCP" || bad "every call over TCP"
if [ "$executor" = cpu-reference ]; then
	"$progs/gvtest_kernels" && ok "kernels over TCP" || bad "kernels over TCP"
fi
"$progs/gvtest_driver" && ok "the driver API over TCP" || bad "the driver API over TCP"
"$progs/gvtest_rdc" && ok "relocatable device code over TCP" || bad "relocatable device code over TCP"
# The math shims on an endpoint that does not serve them: each library's
# not-supported status, and the client names the plugin to add.
msg=$("$progs/gvtest_math" unserved 2>&1)
[ $? = 0 ] && echo "$msg" | grep -q 'does not serve cuBLAS: add "cublas"' &&
	echo "$msg" | grep -q 'does not serve cuRAND: add "curand"' &&
	ok "math libraries on an endpoint without their plugins" ||
	bad "math libraries without their plugins: $msg"

# The control socket and gvirtus-top: a busy client shows with its session.
printf '{ "communicator": [ { "endpoint": { "suite": "tcp/ip", "protocol": "tcp", "server_address": "127.0.0.1", "port": "%s" } } ] }\n' \
	$((port + 5)) >"$home/etc/control.json"
"$b/bin/gvirtus-backend" --executor "$executor" --control "$home/control.sock" \
	"$home/etc/control.json" 2>>"$home/backend.log" &
ctlb=$!
sleep 1
GVIRTUS_CONFIG=$home/etc/control.json "$progs/gvtest_calls" victim >/dev/null 2>&1 &
victim=$!
sleep 3
top=$("$repo/host-tools/gvirtus-top" --once --backend "$home/control.sock" 2>&1)
kill -9 $victim
wait $victim 2>/dev/null
# Requests past the HELLO: the worker that serves the client itself reports them.
echo "$top" | grep -qE '^ +[0-9]+ +[1-9][0-9]* +[1-9][0-9]* open +[1-9][0-9]+ .* 127\.0\.0\.1' &&
	[ "$(stat -c %a "$home/control.sock")" = 600 ] &&
	ok "gvirtus-top shows the backend's client (control socket, mode 0600)" ||
	bad "gvirtus-top over the control socket: $top"
kill -TERM $ctlb
wait $ctlb
[ ! -e "$home/control.sock" ] && ok "the control socket goes with the backend" ||
	bad "the control socket outlived the backend"

# "plugins" decides the APIs an endpoint serves; an unknown one stops it.
for api in cudart cudadr; do
	printf '{ "communicator": [ { "endpoint": { "suite": "tcp/ip", "protocol": "tcp", "server_address": "127.0.0.1", "port": "%s" }, "plugins": [ "%s" ] } ] }\n' \
		$((port + 4)) $api >"$home/etc/only-$api.json"
	"$b/bin/gvirtus-backend" --executor "$executor" "$home/etc/only-$api.json" 2>>"$home/backend.log" &
	only=$!
	sleep 1
	mode=$([ $api = cudart ] && echo no-driver || echo no-runtime)
	GVIRTUS_CONFIG=$home/etc/only-$api.json "$progs/gvtest_driver" $mode &&
		ok "plugins [\"$api\"]: the other API is not served" || bad "plugins [\"$api\"]"
	kill -TERM $only
	wait $only
done
# Served, the math libraries reach the host; the CPU double has none of them.
if [ "$executor" = cpu-reference ]; then
	printf '{ "communicator": [ { "endpoint": { "suite": "tcp/ip", "protocol": "tcp", "server_address": "127.0.0.1", "port": "%s" }, "plugins": [ "cudart", "cublas", "cufft", "curand" ] } ] }\n' \
		$((port + 4)) >"$home/etc/math.json"
	"$b/bin/gvirtus-backend" --executor "$executor" "$home/etc/math.json" 2>"$home/math-backend.log" &
	only=$!
	sleep 1
	GVIRTUS_CONFIG=$home/etc/math.json "$progs/gvtest_math" >"$home/math.log" 2>&1 &&
		grep -q 'is not available from executor cpu-reference' "$home/math-backend.log" &&
		ok "math libraries served by an executor without them: not supported, named on the host" ||
		bad "math libraries on the CPU double: $(cat "$home/math.log" "$home/math-backend.log")"
	kill -TERM $only
	wait $only
fi
printf '{ "communicator": [ { "endpoint": { "suite": "tcp/ip", "protocol": "tcp", "server_address": "127.0.0.1", "port": "%s" }, "plugins": [ "cudart", "cuda-runtime" ] } ] }\n' \
	$((port + 4)) >"$home/etc/bad-plugin.json"
msg=$(timeout 10 "$b/bin/gvirtus-backend" --executor "$executor" "$home/etc/bad-plugin.json" 2>&1)
[ $? = 1 ] && echo "$msg" | grep -q 'plugin "cuda-runtime" is not known; accepted: cudart, cudadr' &&
	ok "an unknown plugin stops the backend, naming the accepted ones" ||
	bad "unknown plugin: $msg"

pids=
for s in 1 2 3 4 5 6 7 8; do
	"$progs/gvtest_calls" stress $s 4 >"$home/stress.$s" 2>&1 &
	pids="$pids $!"
done
wait $pids
n=$(grep -l ' 0 failed' "$home"/stress.* | wc -l)
[ "$n" = 8 ] && ok "8 concurrent clients" || bad "8 concurrent clients ($n of 8 passed)"

python3 "$repo/tests/net/hostile_client.py" 127.0.0.1 "$port" && ok "hostile clients answered or cut off" ||
	bad "hostile clients"
python3 "$repo/tests/net/hostile_quota.py" 127.0.0.1 "$port" "$executor" && ok "quotas and module images" ||
	bad "quotas and module images"
"$progs/gvtest_calls" all 2 >/dev/null 2>&1 && ok "still serving after hostile clients" ||
	bad "not serving after hostile clients"
sleep 1
"$progs/gvtest_calls" check-freed && ok "nothing held after hostile clients" ||
	bad "memory held after hostile clients"

# Two endpoints with disjoint GPU sets (the double shows 3 devices).
if [ "$executor" = cpu-reference ]; then
	p2=$((port + 1))
	cat >"$home/etc/two.json" <<JSON
{ "communicator": [
    { "endpoint": { "suite": "tcp/ip", "protocol": "tcp", "server_address": "127.0.0.1",
                    "port": "$((port + 2))", "gpus": "0" } },
    { "endpoint": { "suite": "tcp/ip", "protocol": "tcp", "server_address": "127.0.0.1",
                    "port": "$((port + 3))", "gpus": [2, 1] } } ] }
JSON
	for e in 2 3; do
		printf '{ "communicator": [ { "endpoint": { "suite": "tcp/ip", "protocol": "tcp", "server_address": "127.0.0.1", "port": "%s" } } ] }\n' $((port + e)) >"$home/etc/front$e.json"
	done
	"$b/bin/gvirtus-backend" --executor cpu-reference --cpu-reference-devices 3 \
		"$home/etc/two.json" 2>>"$home/backend.log" &
	two=$!
	sleep 1
	GVIRTUS_CONFIG=$home/etc/front2.json "$progs/gvtest_multigpu" 1 "device 0" >"$home/mg2" 2>&1 &&
		ok "endpoint with gpus 0: one device, host device 0" || { cat "$home/mg2"; bad "endpoint gpus 0"; }
	GVIRTUS_CONFIG=$home/etc/front3.json "$progs/gvtest_multigpu" 2 "device 2" >"$home/mg3" 2>&1 &&
		ok "endpoint with gpus [2, 1]: two devices, host device 2 first" ||
		{ cat "$home/mg3"; bad "endpoint gpus [2, 1]"; }
	# CUDA_VISIBLE_DEVICES in the client narrows the endpoint's devices (2, 1)
	# as natively: by index or UUID, in its order, up to the first bad entry.
	vis() { # vis VALUE COUNT [NAME]: what the client sees with that value
		CUDA_VISIBLE_DEVICES=$1 GVIRTUS_CONFIG=$home/etc/front3.json \
			"$progs/gvtest_multigpu" "$2" ${3:+"$3"} >"$home/vis" 2>&1
	}
	vis 1 1 "device 1" && ok "CUDA_VISIBLE_DEVICES=1: the endpoint's second device" ||
		{ cat "$home/vis"; bad "CUDA_VISIBLE_DEVICES=1"; }
	vis "1,0" 2 "device 1" && ok "CUDA_VISIBLE_DEVICES=1,0: both, reordered" ||
		{ cat "$home/vis"; bad "CUDA_VISIBLE_DEVICES=1,0"; }
	vis "0,7,1" 1 "device 2" && ok "CUDA_VISIBLE_DEVICES=0,7,1: the list ends at 7" ||
		{ cat "$home/vis"; bad "CUDA_VISIBLE_DEVICES=0,7,1"; }
	vis "0,0" 1 "device 2" && ok "CUDA_VISIBLE_DEVICES=0,0: the list ends at the repeat" ||
		{ cat "$home/vis"; bad "CUDA_VISIBLE_DEVICES=0,0"; }
	vis "" 0 && ok "CUDA_VISIBLE_DEVICES empty: no device" ||
		{ cat "$home/vis"; bad "CUDA_VISIBLE_DEVICES empty"; }
	kill -TERM $two
	wait $two
fi

# The backend killed while a client is in the middle of transfers.
"$progs/gvtest_calls" victim >"$home/victim.log" 2>&1 &
victim=$!
sleep 2
kill -9 "$backend"
wait "$backend" 2>/dev/null
sleep 1
if kill -0 "$victim" 2>/dev/null; then
	ok "victim alive after the backend died (calls fail, no crash)"
	kill -9 "$victim"
else
	bad "victim died with the backend"
fi
wait "$victim" 2>/dev/null
grep -q "connection to gvirtus-backend lost" "$home/victim.log" && ok "the frontend says why" ||
	bad "the frontend did not log the lost connection"
sleep 1
# This backend's workers only: other backends may run on the same machine.
pgrep -f -- "gvirtus-worker .*--parent $backend( |\$)" >/dev/null &&
	bad "worker processes outlived the backend" ||
	ok "no worker process outlived the backend"

start_backend && ok "backend restarted" || bad "backend did not restart"
"$progs/gvtest_calls" all 3 >/dev/null 2>&1 && ok "serving again" || bad "not serving again"
kill -TERM "$backend"
wait "$backend"
[ $? = 0 ] && ok "SIGTERM: clean exit" || bad "SIGTERM: exit status"
grep -q "shutting down" "$home/backend.log" && ok "backend logged its shutdown" || bad "no shutdown line"
sed 's/^/backend: /' "$home/backend.log" | grep -v ' closed: ' | tail -n 12
"$repo/tests/net/tls.sh" "$executor" && ok "TLS: certificates, PSK, refusals" || bad "TLS"
python3 "$repo/tests/net/hostile_lifecycle.py" "$b" && ok "hostile lifecycles: stuck, idle, slow, floods" ||
	bad "hostile lifecycles"
rm -rf "$home"
echo "net: $pass passed, $fail failed"
[ "$fail" = 0 ]
