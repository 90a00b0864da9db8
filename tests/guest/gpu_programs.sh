#!/bin/sh
# The nvcc programs of tests/gpu, each between markers so the host can cut
# its output out of the console and compare it with the native run.
fail=0
# NVRTC from the host's toolkit, shared at its own path: after the shims.
[ -d /usr/local/cuda/lib64 ] && export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:/usr/local/cuda/lib64
# math_cudnn exists where the build machine had cuDNN's headers.
dnn=$(command -v math_cudnn >/dev/null && echo math_cudnn)
for p in kparams streams symbols errors "errors illegal" isolation.sh driverapi mixed_init runtime_ext graph_copies graph_host graph_memory ipc library math_curand math_cublas math_cufft math_cusparse math_cusolver $dnn nvrtc_driver; do
	echo "=== BEGIN $p"
	$p
	rc=$?
	echo "=== END $p rc=$rc"
	[ $rc = 0 ] || fail=1
done
exit $fail
