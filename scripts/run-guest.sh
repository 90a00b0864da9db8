#!/usr/bin/env bash
# usage: run-guest.sh [-e EXECUTOR] [-d DEVICE_OPTIONS] [-t TIMEOUT_S] [-l LOG] [-a ARGS]
#                     [-q QEMU_OPTION] [-p] [-s HOST_DIR:GUEST_DIR] SCRIPT
# Boots the gvirtus guest under TCG with virtio-gvirtus-pci and runs
# tests/guest/SCRIPT inside it.  Exits with the script's exit code.
# EXECUTOR: cuda (the host GPU, default) or cpu-reference (no GPU needed).
# ARGS: more of the kernel command line, e.g. "SOAK_SECONDS=60": the kernel
# hands NAME=VALUE words it does not know to init, so the script sees them.
# QEMU_OPTION: one more word of QEMU options; -q -trace -q "gvirtus_*" gives two.
# Guest RAM is a shared memfd, which the session workers map (the data
# plane: bulk data is not copied through their sockets); -p gives the
# guest private RAM instead, the fallback path.
# -s HOST_DIR:GUEST_DIR (repeatable) shares a host directory read-only
# (virtio-9p), mounted at GUEST_DIR before the script runs: e.g. the
# host's CUDA toolkit for NVRTC, which runs in the guest as it is.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
b=${GVIRTUS_BUILD:-$repo/build}
executor=cuda timeout_s=600 log= devopts= args= ram=shared shares=
qemu_opts=()
while getopts "e:t:l:d:a:q:ps:" o; do
	case $o in
	e) executor=$OPTARG ;;
	d) devopts=",$OPTARG" ;;
	t) timeout_s=$OPTARG ;;
	l) log=$OPTARG ;;
	a) args=" $OPTARG" ;;
	q) qemu_opts+=("$OPTARG") ;;
	p) ram=private ;;
	s)
		host_dir=${OPTARG%%:*} guest_dir=${OPTARG#*:}
		case $OPTARG in *,* | *" "*)
			echo "run-guest: -s $OPTARG: no commas or spaces in shared paths" >&2; exit 2 ;;
		esac
		[ -d "$host_dir" ] && [ "${guest_dir#/}" != "$guest_dir" ] ||
			{ echo "run-guest: -s $OPTARG: want an existing HOST_DIR:/GUEST_DIR" >&2; exit 2; }
		tag=share${#qemu_opts[@]}
		qemu_opts+=(-virtfs "local,path=$host_dir,mount_tag=$tag,security_model=none,readonly=on")
		shares=${shares:+$shares,}$tag:$guest_dir
		;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
script=${1:?usage: run-guest.sh [-e EXECUTOR] [-t TIMEOUT_S] [-l LOG] SCRIPT}
[ -n "$log" ] || log=$b/guest-$script.log
for f in "$b/qemu/bin/qemu-system-x86_64" "$b/kernel/vmlinuz" "$b/guest/initramfs.cpio.gz"; do
	[ -e "$f" ] || { echo "run-guest: $f missing: run 'make' first" >&2; exit 2; }
done
# A GPU machine without Debian's packages gets QEMU's libraries from here.
[ -d "$b/qemu/lib" ] && export LD_LIBRARY_PATH=$b/qemu/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# GVIRTUS_GUEST_SMP: vCPUs of this guest, for hosts that run several at once.
smp=${GVIRTUS_GUEST_SMP:-$(nproc)}
[ "$smp" -gt 8 ] && smp=8
# GVIRTUS_GUEST_MEM: guest RAM (QEMU's size syntax), 2G unless set.
gmem=${GVIRTUS_GUEST_MEM:-2G}
mem=(-m "$gmem")
[ "$ram" = shared ] &&
	mem+=(-object "memory-backend-memfd,id=gvmem,size=$gmem,share=on" -machine memory-backend=gvmem)
set +e
timeout --foreground -k 5 "$timeout_s" "$b/qemu/bin/qemu-system-x86_64" \
	-L "$b/qemu/share/qemu" -M q35 -accel tcg,thread=multi -cpu max \
	-smp "$smp" "${mem[@]}" -nodefaults -display none -serial stdio -no-reboot \
	-kernel "$b/kernel/vmlinuz" -initrd "$b/guest/initramfs.cpio.gz" \
	-append "console=ttyS0 quiet panic=-1 gvirtus.run=$script${shares:+ gvirtus.share=$shares}$args" \
	-device "virtio-gvirtus-pci,executor=$executor$devopts" ${qemu_opts[@]+"${qemu_opts[@]}"} \
	2>"$log.host" | tee "$log"
qrc=${PIPESTATUS[0]}
set -e
# QEMU's own lines (the host worker's log) apart from the guest console.
sed 's/^/host: /' "$log.host"
rc=$(sed -n 's/^GVIRTUS_EXIT=\([0-9]*\).*/\1/p' "$log" | tr -d '\r' | tail -n1)
if [ -z "$rc" ]; then
	echo "run-guest: the guest did not finish '$script' (qemu exit $qrc); log: $log" >&2
	exit 1
fi
# A guest kernel complaint fails the run even if the script passed.
if grep -qE 'BUG:|Oops|general protection|WARNING: CPU|Call Trace:|kernel BUG' "$log"; then
	echo "run-guest: the guest kernel reported a problem (see $log)" >&2
	exit 1
fi
exit "$rc"
