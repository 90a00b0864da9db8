#!/bin/sh
# The memcpy rows of gvbench alone (bench/copies.sh runs this with guest
# RAM shared and private, to compare the data plane's two paths).
gvbench copies
