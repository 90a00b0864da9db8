#!/bin/sh
# bench/run.sh's guest side: the benchmark programs over virtio-gvirtus.
gvbench
if [ -x /tests/mathbench ]; then mathbench; else echo "mathbench: not in the image, skipped"; fi
