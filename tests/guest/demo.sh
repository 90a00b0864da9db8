#!/bin/sh
# make run: a small CUDA program in the guest, run on the host's GPU.
gvdemo
