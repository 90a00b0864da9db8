#!/usr/bin/env bash
# What TLS costs in the network mode: gvbench over loopback TCP to two
# gvirtus-backends on the same card, one plain and one with
# "secure_application": true (certificates both ways), side by side with
# the ratio.  Credentials: made here with the openssl tool, or taken from
# $TLS_CREDS (ca.pem, server.pem/.key, client.pem/.key) where it is absent.
# Build with `make gpu-bundle` first.  A measurement, not a test.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
out=${OUT:-$b/bench-results}
mkdir -p "$out"
d=$(mktemp -d)
trap 'kill $plain $tls 2>/dev/null; rm -rf "$d"' EXIT
plain= tls=

if [ -n "${TLS_CREDS:-}" ]; then
	cp "$TLS_CREDS"/{ca.pem,server.pem,server.key,client.pem,client.key} "$d/"
else
	"$repo/bench/tls-creds.sh" "$d" || exit 1
fi
port=$((20000 + RANDOM % 20000))
# conf FILE PORT SECURE TLS-KEYS
conf() {
	printf '{ "communicator": [ { "endpoint": { "suite": "tcp/ip", "protocol": "tcp", "server_address": "127.0.0.1", "port": "%s" } } ], "secure_application": %s, "tls": { %s } }\n' \
		"$2" "$3" "$4" >"$1"
}
conf "$d/back-plain.json" "$port" false ''
conf "$d/back-tls.json" $((port + 1)) true \
	'"certificate": "server.pem", "private_key": "server.key", "ca": "ca.pem"'
conf "$d/front-plain.json" "$port" false ''
conf "$d/front-tls.json" $((port + 1)) true \
	'"certificate": "client.pem", "private_key": "client.key", "ca": "ca.pem"'
"$b/bin/gvirtus-backend" "$d/back-plain.json" 2>"$out/backend-plain.log" &
plain=$!
"$b/bin/gvirtus-backend" "$d/back-tls.json" 2>"$out/backend-tls.log" &
tls=$!
sleep 2
for mode in plain tls; do
	GVIRTUS_CONFIG=$d/front-$mode.json GVIRTUS_TRANSPORT=tcp LD_LIBRARY_PATH=$b/guest-lib \
		timeout 300 "$b/guest/progs/gvbench" ${GVBENCH_ARGS:-} >"$out/tcp-$mode.csv" ||
		echo "gvbench over $mode TCP failed: $(tail -n 2 "$out/tcp-$mode.csv")"
done
echo "== $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n1): TCP loopback, plain and TLS 1.3"
awk -F, 'FNR == 1 { f++ }
	$(NF - 2) ~ /^-?[0-9.]+$/ {
		k = $1; for (i = 2; i <= NF - 3; i++) k = k "," $i
		v[f, k] = $(NF - 2); u[k] = $(NF - 1); if (!(k in s)) { s[k] = 1; o[++n] = k }
	}
	END {
		printf "%-46s %10s %10s %9s  %s\n", "metric", "tcp", "tcp+tls", "tls/tcp", "unit"
		for (i = 1; i <= n; i++) {
			k = o[i]; a = v[1, k]; t = v[2, k]
			printf "%-46s %10s %10s %9.2f  %s\n", k, a, t, (a > 0 && t != "") ? t / a : 0, u[k]
		}
	}' "$out/tcp-plain.csv" "$out/tcp-tls.csv" | tee "$out/tls-table.txt"
