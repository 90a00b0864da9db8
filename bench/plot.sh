#!/usr/bin/env bash
# usage: bench/plot.sh bench.csv out.png
# Bar chart of each metric's virtio and TCP ratio to native (gnuplot).
set -euo pipefail
csv=${1:?bench.csv} png=${2:?out.png}
command -v gnuplot >/dev/null || { echo "plot.sh: install gnuplot-nox" >&2; exit 1; }
tmp=$(mktemp)
tail -n +2 "$csv" | awk -F, '{ printf "\"%s (%s)\" %s %s\n", $1, $2, $6, $7 }' >"$tmp"
gnuplot <<GP
set terminal pngcairo size 1400,900 font ",9"
set bmargin 14
set rmargin 8
set output "$png"
set title "gvirtus on the H100: value / native (GB/s: higher is better; times: lower is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8
set logscale y
set xtics rotate by -40 scale 0
set key top left
set grid ytics
set ylabel "ratio to native (log scale)"
plot "$tmp" using 2:xtic(1) title "virtio guest (TCG)", "" using 3 title "TCP loopback"
GP
rm -f "$tmp"
echo "plot.sh: $png"
