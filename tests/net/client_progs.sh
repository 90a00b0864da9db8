# shellcheck shell=bash
# Sourced by the network tests.  client_progs BUILD DIR fills DIR with
# wrappers that run each guest program with our shims (BUILD/guest-lib),
# so that only clients load them: a backend started beside them must load
# NVIDIA's libcuda.so.1, never our libcuda.so.1 of the same name.
client_progs() {
	local b=$1 dir=$2 p
	mkdir -p "$dir"
	for p in "$b"/guest/progs/*; do
		[ -x "$p" ] && [ -f "$p" ] || continue
		printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$b/guest-lib" "$p" >"$dir/${p##*/}"
		chmod +x "$dir/${p##*/}"
	done
}
