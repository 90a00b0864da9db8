#!/bin/sh
# Run with cpu-reference-devices=3,gpus=2:0: the guest sees two devices,
# host device 2 first.
gvtest_multigpu 2 "device 2"
