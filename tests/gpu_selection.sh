#!/usr/bin/env bash
# gpus= on the device: a guest sees only the host GPUs it was given, and
# naming one the host lacks stops QEMU at start-up with a clear message.
# usage: tests/gpu_selection.sh cpu-reference|cuda
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
executor=${1:-cpu-reference}
pass=0 fail=0
ok() { echo "pass: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
[ -d "$b/qemu/lib" ] && export LD_LIBRARY_PATH=$b/qemu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
start_fails() {
	out=$(timeout 60 "$b/qemu/bin/qemu-system-x86_64" -L "$b/qemu/share/qemu" -M q35 \
		-accel tcg -nodefaults -display none -serial none -no-reboot -S \
		-device "virtio-gvirtus-pci,executor=$executor,$1" 2>&1 </dev/null)
	rc=$?
	echo "$out" | sed 's/^/  qemu: /'
	[ $rc != 0 ] && echo "$out" | grep -q "$2"
}
if [ "$executor" = cpu-reference ]; then
	"$repo/scripts/run-guest.sh" -e cpu-reference -d cpu-reference-devices=3,gpus=2:0 \
		-t 300 multigpu.sh >"$b/multigpu.log" 2>&1 && ok "gpus=2:0 of 3: two devices, peers" ||
		{ grep -E 'FAIL|passed' "$b/multigpu.log"; bad "gpus=2:0 of 3"; }
	grep -E 'passed' "$b/multigpu.log"
	start_fails "cpu-reference-devices=3,gpus=0:5" '"5" is not a GPU of this host, which has 3' &&
		ok "gpus=0:5 of 3: refused at start-up" || bad "gpus=0:5 not refused"
	start_fails "cpu-reference-devices=2,gpus=1:1" 'named twice' &&
		ok "gpus=1:1: refused at start-up" || bad "gpus=1:1 not refused"
else
	n=$(nvidia-smi -L | wc -l)
	"$repo/scripts/run-guest.sh" -e cuda -d gpus=0 -t 300 demo.sh >"$b/gpus0.log" 2>&1 &&
		ok "gpus=0 runs" || bad "gpus=0"
	grep gvdemo "$b/gpus0.log"
	start_fails "gpus=$n" "\"$n\" is not a GPU of this host, which has $n" &&
		ok "gpus=$n (the host has $n): refused at start-up" || bad "gpus=$n not refused"
fi
echo "gpu_selection: $pass passed, $fail failed"
[ $fail = 0 ]
