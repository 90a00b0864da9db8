#!/usr/bin/env bash
# The network mode with "secure_application": true, on loopback: a
# throwaway CA, certificates and pre-shared keys made here with the openssl
# CLI; the frontend (the shim, in build/guest/progs' programs) and the
# backend with every kind of good and bad credential.
# usage: tests/net/tls.sh [cpu-reference|cuda]
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
executor=${1:-cpu-reference}
port=$((20000 + RANDOM % 20000))
d=$(mktemp -d)
. "$repo/tests/net/client_progs.sh"
client_progs "$b" "$d/progs"
progs=$d/progs
backend=
proxy=
cleanup() {
	[ -n "$backend" ] && kill -TERM "$backend" 2>/dev/null && wait "$backend" 2>/dev/null
	[ -n "$proxy" ] && kill "$proxy" 2>/dev/null && wait "$proxy" 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT
export GVIRTUS_TRANSPORT=tcp
unset GVIRTUS_HOME
pass=0 fail=0
ok() { echo "pass: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# ---- credentials ----
ossl() { openssl "$@" 2>>"$d/openssl.log"; }
mkca() {
	ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$d/$1.key" -out "$d/$1.pem" -subj "/CN=gvirtus test $1" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
}
# mkcert NAME CA [EXTENSION]
mkcert() {
	ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/$1.key" \
		-out "$d/$1.csr" -subj "/CN=gvirtus test $1"
	printf 'basicConstraints=CA:FALSE\n%s\n' "${3:-}" >"$d/$1.ext"
	ossl x509 -req -in "$d/$1.csr" -CA "$d/$2.pem" -CAkey "$d/$2.key" -CAcreateserial \
		-days 2 -out "$d/$1.pem" -extfile "$d/$1.ext"
}
mkca ca
mkca otherca
mkcert server ca "subjectAltName=IP:127.0.0.1,DNS:localhost"
mkcert client ca
mkcert rogue otherca
ossl rand -hex 32 >"$d/psk.hex"
ossl rand -hex 32 >"$d/wrong.hex"
echo 0123456789abcdef >"$d/short.hex"
if [ -s "$d/client.pem" ] && [ -s "$d/rogue.pem" ] && [ -s "$d/psk.hex" ]; then
	ok "throwaway CAs, certificates and keys"
else
	bad "openssl could not make the credentials"; cat "$d/openssl.log"
	echo "tls: $pass passed, $fail failed"
	exit 1
fi

# ---- configurations ----
# conf FILE PORT SECURE TLS-OBJECT-BODY [LIMITS-BODY]
conf() {
	cat >"$1" <<JSON
{ "communicator": [ { "endpoint": { "suite": "tcp/ip", "protocol": "tcp",
                      "server_address": "127.0.0.1", "port": "$2" },
                      "plugins": [ "cudart" ] } ],
  "secure_application": $3,
  "tls": { $4 },
  "limits": { ${5:-} } }
JSON
}
cert_keys='"certificate": "server.pem", "private_key": "server.key"'
conf "$d/back-cert.json" "$port" true "$cert_keys, \"ca\": \"ca.pem\"" '"hello_timeout_ms": 2000'
conf "$d/back-psk.json" "$port" true '"psk_identity": "node-1", "psk_file": "psk.hex"'
conf "$d/back-both.json" "$port" true \
	"$cert_keys, \"ca\": \"ca.pem\", \"psk_identity\": \"node-1\", \"psk_file\": \"psk.hex\""
conf "$d/back-plain.json" "$port" false ''
conf "$d/back-none.json" "$port" true "$cert_keys"

client_keys='"certificate": "client.pem", "private_key": "client.key"'
conf "$d/good.json" "$port" true "$client_keys, \"ca\": \"ca.pem\""
conf "$d/good-name.json" "$port" true \
	"$client_keys, \"ca\": \"ca.pem\", \"server_name\": \"localhost\""
conf "$d/nocred.json" "$port" true '"ca": "ca.pem"'
conf "$d/pskonly.json" "$port" true \
	'"ca": "ca.pem", "psk_identity": "node-1", "psk_file": "psk.hex"'
conf "$d/rogue.json" "$port" true \
	'"certificate": "rogue.pem", "private_key": "rogue.key", "ca": "ca.pem"'
conf "$d/distrust.json" "$port" true "$client_keys, \"ca\": \"otherca.pem\""
conf "$d/badname.json" "$port" true \
	"$client_keys, \"ca\": \"ca.pem\", \"server_name\": \"gpu.example.org\""
conf "$d/missing.json" "$port" true \
	'"certificate": "nosuch.pem", "private_key": "client.key", "ca": "ca.pem"'
conf "$d/psk.json" "$port" true '"psk_identity": "node-1", "psk_file": "psk.hex"'
conf "$d/psk-wrongkey.json" "$port" true '"psk_identity": "node-1", "psk_file": "wrong.hex"'
conf "$d/psk-wrongid.json" "$port" true '"psk_identity": "node-2", "psk_file": "psk.hex"'
conf "$d/psk-short.json" "$port" true '"psk_identity": "node-1", "psk_file": "short.hex"'
conf "$d/plain.json" "$port" false ''

# ---- the backend ----
start_backend() { # CONFIG
	: >"$d/backend.log"
	GVIRTUS_LOGLEVEL=10000 "$b/bin/gvirtus-backend" --executor "$executor" "$1" \
		2>>"$d/backend.log" &
	backend=$!
	for _ in $(seq 50); do
		grep -q "listening on" "$d/backend.log" && return 0
		kill -0 "$backend" 2>/dev/null || break
		sleep 0.1
	done
	cat "$d/backend.log"
	return 1
}
stop_backend() {
	kill -TERM "$backend" 2>/dev/null
	wait "$backend" 2>/dev/null
	backend=
}
workers() { grep -c ": worker process [0-9]" "$d/backend.log"; }

# One call (cudaMemGetInfo) with frontend config $1; its stderr in $d/client.log.
client() {
	GVIRTUS_CONFIG=$1 timeout 20 "$progs/gvtest_calls" meminfo >"$d/client.out" 2>"$d/client.log"
}
# refused NAME CONFIG CLIENT-TEXT BACKEND-TEXT [CODE]: the call fails as with no
# backend (cudaErrorInsufficientDriver, 35, unless CODE), both sides say why, and
# no worker was spawned.
refused() {
	local w0 w1 i code=${5:-35}
	w0=$(workers)
	if client "$2"; then
		bad "$1: the call succeeded"
		return
	fi
	grep -q "meminfo: $code " "$d/client.out" && ok "$1: the call fails with error $code" ||
		bad "$1: client: $(cat "$d/client.out")"
	grep -qF "$3" "$d/client.log" && ok "$1: the frontend says '$3'" ||
		{ sed 's/^/  client: /' "$d/client.log"; bad "$1: the frontend did not say '$3'"; }
	[ -z "$4" ] && return
	for i in $(seq 20); do
		grep -qF "$4" "$d/backend.log" && break
		sleep 0.1
	done
	grep -qF "$4" "$d/backend.log" && ok "$1: the backend logs '$4'" ||
		{ tail -n 5 "$d/backend.log" | sed 's/^/  backend: /'; bad "$1: backend log lacks '$4'"; }
	w1=$(workers)
	[ "$w1" = "$w0" ] && ok "$1: no worker process spawned" || bad "$1: a worker was spawned"
}
mark() { echo "---- $*" >>"$d/backend.log"; }
since() { sed -n "/^---- $1/,\$p" "$d/backend.log"; }

# ---- certificates ----
if start_backend "$d/back-cert.json"; then
	ok "backend with a CA for client certificates"
	GVIRTUS_CONFIG=$d/good.json timeout 60 "$progs/gvtest_calls" all 1 >"$d/all.out" 2>&1 &&
		ok "(a) every call over TLS, client certificate" ||
		{ tail -n 5 "$d/all.out"; bad "(a) every call over TLS, client certificate"; }
	client "$d/good-name.json" && ok "(e) server_name localhost: the certificate's DNS name" ||
		{ cat "$d/client.log"; bad "(e) server_name localhost"; }

	refused "(b) no client certificate (shim with a PSK only)" "$d/pskonly.json" \
		"requires a client certificate" "presented no certificate"
	mark "s_client without a certificate"
	w0=$(workers)
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$port" -tls1_3 -CAfile "$d/ca.pem" \
		-verify_return_error >"$d/s_client.log" 2>&1
	sleep 0.3
	since "s_client without" | grep -q "TLS refused: client presented no certificate" &&
		ok "(b) openssl s_client without a certificate: refused, the backend says why" ||
		{ tail -n 3 "$d/backend.log"; bad "(b) s_client without a certificate"; }
	[ "$(workers)" = "$w0" ] && ok "(b) s_client: no worker process spawned" ||
		bad "(b) s_client: worker spawned"
	grep -q "Verification: OK" "$d/s_client.log" &&
		ok "openssl s_client verifies the backend's certificate against the CA" ||
		bad "s_client did not verify the backend's certificate"

	refused "(b) no credential at all" "$d/nocred.json" "this frontend has no credential" ""
	refused "(c) certificate from another CA" "$d/rogue.json" \
		"the backend refused this client's certificate" "not accepted"
	refused "(d) the client does not trust the backend's CA" "$d/distrust.json" \
		"the backend's certificate is not trusted" "does not trust this backend's certificate"
	refused "(e) server_name not in the certificate" "$d/badname.json" \
		"is not for 'gpu.example.org'" "client aborted the handshake"
	refused "missing certificate file" "$d/missing.json" "nosuch.pem: No such file or directory" ""

	refused "(g) a plain client against a TLS backend" "$d/plain.json" \
		"connection to gvirtus-backend lost" "not a TLS client" 3
	mark "silent client"
	w0=$(workers)
	(exec 3<>"/dev/tcp/127.0.0.1/$port"; sleep 3) &
	silent=$!
	sleep 2.6
	since "silent client" | grep -qE "no TLS handshake within|TLS handshake and HELLO" &&
		ok "a client that sends nothing is cut off after hello_timeout_ms" ||
		{ tail -n 3 "$d/backend.log"; bad "silent client not cut off"; }
	wait $silent
	stop_backend
else
	bad "backend with a CA did not start"
fi

# ---- pre-shared key (no backend certificate at all) ----
if start_backend "$d/back-psk.json"; then
	ok "backend with a pre-shared key only"
	GVIRTUS_CONFIG=$d/psk.json timeout 60 "$progs/gvtest_calls" all 2 >"$d/all.out" 2>&1 &&
		ok "(f) every call over TLS, pre-shared key" ||
		{ tail -n 5 "$d/all.out"; bad "(f) every call over TLS, pre-shared key"; }
	refused "(f) wrong pre-shared key" "$d/psk-wrongkey.json" \
		"rejected the pre-shared key of 'node-1'" "wrong pre-shared key for psk_identity 'node-1'"
	refused "(f) unknown psk_identity" "$d/psk-wrongid.json" \
		"does not know psk_identity 'node-2'" "unknown psk_identity"
	refused "(f) no pre-shared key (a certificate instead)" "$d/good.json" \
		"accepts only a pre-shared key" "offered no pre-shared key"
	refused "(f) a key file that is too short" "$d/psk-short.json" "expected the key as 64" ""
	stop_backend
else
	bad "backend with a PSK did not start"
fi

# ---- both: either credential will do ----
if start_backend "$d/back-both.json"; then
	client "$d/good.json" && ok "CA and PSK configured: a certificate client passes" ||
		{ cat "$d/client.log"; bad "both: certificate client"; }
	client "$d/psk.json" && ok "CA and PSK configured: a PSK client passes" ||
		{ cat "$d/client.log"; bad "both: PSK client"; }
	refused "CA and PSK configured: foreign certificate" "$d/rogue.json" \
		"the backend refused this client's certificate" "not accepted"
	stop_backend
else
	bad "backend with a CA and a PSK did not start"
fi

# ---- start-up: secure without any way for clients to authenticate ----
: >"$d/backend.log"
if timeout 10 "$b/bin/gvirtus-backend" --executor "$executor" "$d/back-none.json" \
	2>"$d/backend.log"; then
	bad "secure backend without tls.ca or a PSK started"
else
	grep -q "set tls.ca .* or tls.psk_identity and tls.psk_file" "$d/backend.log" &&
		ok "secure backend without tls.ca or a PSK: start-up error names the keys" ||
		{ cat "$d/backend.log"; bad "start-up error does not name the keys"; }
fi

# ---- (g) a TLS client against a plain backend; (h) encryption on the wire ----
# A relay between frontend and backend that keeps what the backend sent.
relay() { # LISTEN-PORT BACKEND-PORT CAPTURE
	python3 - "$@" <<'PY' &
import socket, sys, threading
lp, bp, cap = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", lp)); ls.listen(8)
out = open(cap, "ab")
open(cap + ".ready", "w").close()
def pump(a, b, keep):
    while True:
        try:
            data = a.recv(65536)
        except OSError:
            data = b""
        if not data:
            try: b.shutdown(socket.SHUT_WR)
            except OSError: pass
            return
        if keep:
            out.write(data); out.flush()
        b.sendall(data)
while True:
    c, _ = ls.accept()
    s = socket.create_connection(("127.0.0.1", bp))
    threading.Thread(target=pump, args=(c, s, False), daemon=True).start()
    threading.Thread(target=pump, args=(s, c, True), daemon=True).start()
PY
	proxy=$!
	for _ in $(seq 50); do
		[ -e "$3.ready" ] && break
		sleep 0.1
	done
}
rport=$((port + 1))
conf "$d/relay-plain.json" "$rport" false ''
conf "$d/relay-tls.json" "$rport" true "$client_keys, \"ca\": \"ca.pem\""
# The device's name travels from the backend in cudaGetDeviceProperties' reply.
if [ "$executor" = cpu-reference ]; then
	secret="gvirtus CPU reference device"
else
	secret=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n1)
fi
if start_backend "$d/back-plain.json"; then
	refused "(g) a TLS client against a plain backend" "$d/good.json" \
		"is secure_application true in its properties.json?" ""
	relay "$rport" "$port" "$d/plain.cap"
	GVIRTUS_CONFIG=$d/relay-plain.json timeout 60 "$progs/gvtest_calls" all 3 >/dev/null 2>&1
	kill "$proxy"; wait "$proxy" 2>/dev/null; proxy=
	stop_backend
	grep -qaF "$secret" "$d/plain.cap" &&
		ok "(h) control: in plain TCP the device name is on the wire" ||
		bad "(h) control: device name '$secret' not seen in plain TCP"
else
	bad "plain backend did not start"
fi
if start_backend "$d/back-cert.json"; then
	relay "$rport" "$port" "$d/tls.cap"
	GVIRTUS_CONFIG=$d/relay-tls.json timeout 60 "$progs/gvtest_calls" all 3 >"$d/all.out" 2>&1 &&
		ok "(h) every call over TLS through a relay" || bad "(h) calls through the relay"
	kill "$proxy"; wait "$proxy" 2>/dev/null; proxy=
	stop_backend
	plain_n=$(stat -c %s "$d/plain.cap" 2>/dev/null || echo 0)
	tls_n=$(stat -c %s "$d/tls.cap")
	if ! grep -qaF "$secret" "$d/tls.cap" && [ "$tls_n" -gt $((plain_n / 2)) ] &&
		[ "$(head -c 1 "$d/tls.cap" | od -An -tx1 | tr -d ' ')" = 16 ]; then
		ok "(h) over TLS the same replies ($tls_n bytes, plain $plain_n) do not show the device name"
	else
		bad "(h) TLS capture: $tls_n bytes, plain $plain_n, or the device name visible"
	fi
else
	bad "backend with a CA did not restart"
fi

echo "tls: $pass passed, $fail failed"
[ "$fail" = 0 ]
