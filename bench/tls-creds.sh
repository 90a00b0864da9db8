#!/usr/bin/env bash
# usage: tls-creds.sh DIR: a throwaway CA, a backend certificate for
# 127.0.0.1/localhost and a client certificate, for bench/tls.sh.
set -euo pipefail
d=$1
o() { openssl "$@" 2>>"$d/openssl.log"; }
o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout "$d/ca.key" \
	-out "$d/ca.pem" -subj "/CN=gvirtus bench CA" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
for n in server client; do
	o req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/$n.key" \
		-out "$d/$n.csr" -subj "/CN=gvirtus bench $n"
	printf 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$d/$n.ext"
	o x509 -req -in "$d/$n.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
		-out "$d/$n.pem" -extfile "$d/$n.ext"
done
