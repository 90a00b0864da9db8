#!/bin/sh
# On a host with two or more GPUs, with the device given gpus=0:1.
multigpu
