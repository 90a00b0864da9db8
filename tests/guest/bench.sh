#!/bin/sh
# bench/run.sh's guest side: the benchmark program over virtio-gvirtus.
gvbench
