# Merges gvbench outputs (native, virtio, tcp: "metric,value,unit,host_us")
# into one table on stdout and a CSV on stderr.  Fields are taken from the
# right, so a metric's name may hold commas; header lines are skipped.
BEGIN { FS = "," }
FNR == 1 { file++ }
$(NF - 2) ~ /^-?[0-9.]+$/ {
	key = $1
	for (i = 2; i <= NF - 3; i++)
		key = key "," $i
	gsub(/\r/, "", $NF)
	unit[key] = $(NF - 1); val[file, key] = $(NF - 2); host[file, key] = $NF
	if (!(key in seen)) { seen[key] = 1; order[++n] = key }
}
END {
	printf "%-46s %10s %10s %10s %8s %8s %11s %11s  %s\n", "metric", "native", "virtio",
	       "tcp", "v/native", "t/native", "host_us(v)", "host_us(t)", "unit"
	print "metric,unit,native,virtio,tcp,virtio_ratio,tcp_ratio,host_us_virtio,host_us_tcp" > "/dev/stderr"
	for (i = 1; i <= n; i++) {
		k = order[i]
		nv = val[1, k]; vv = val[2, k]; tv = val[3, k]
		rv = (nv > 0 && vv != "") ? vv / nv : 0
		rt = (nv > 0 && tv != "") ? tv / nv : 0
		printf "%-46s %10s %10s %10s %8.2f %8.2f %11s %11s  %s\n", k, nv, vv, tv, rv, rt,
		       host[2, k], host[3, k], unit[k]
		name = k
		gsub(/,/, ";", name)
		printf "%s,%s,%s,%s,%s,%.3f,%.3f,%s,%s\n", name, unit[k], nv, vv, tv, rv, rt,
		       host[2, k], host[3, k] > "/dev/stderr"
	}
}
