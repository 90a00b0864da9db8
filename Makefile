# gvirtus: transparent CUDA for virtual machines.
#   make          build everything (installs Debian packages it needs)
#   make test     CI suite: unit tests, then the guest under TCG against
#                 the CPU reference executor (no GPU needed)
#   make run      boot a guest that runs a CUDA program on this host's GPU
#   make gpu-test the GPU suite (tests/gpu/run.sh), on a machine with a GPU

CUDA_HOME ?= /usr/local/cuda
B := build
CC ?= cc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wno-unused-parameter -MMD -MP
STD := -std=gnu11
# cusparse.h marks its legacy types deprecated, and C compilers warn at
# every declaration that names one: the shim implements them all.
INC := -Iinclude/gvirtus -Icommon -I$(CUDA_HOME)/include -DDISABLE_CUSPARSE_DEPRECATED

HOST_SRC := $(wildcard host-worker/*.c host-worker/gen/*.c)
COMMON_SRC := $(wildcard common/*.c)
HOST_OBJ := $(patsubst host-worker/%.c,$(B)/host/%.o,$(HOST_SRC)) \
	$(patsubst common/%.c,$(B)/host/common-%.o,$(COMMON_SRC))
RT_SRC := $(wildcard guest-lib/*.c guest-lib/gen/cudart_*.c)
RT_OBJ := $(patsubst guest-lib/%.c,$(B)/guest-lib/%.o,$(RT_SRC)) \
	$(patsubst common/%.c,$(B)/guest-lib/common-%.o,$(COMMON_SRC))
GUEST_PROGS := $(patsubst tests/guest/%.c,$(B)/guest/progs/%,$(wildcard tests/guest/*.c)) \
	$(patsubst tests/guest/%.cu,$(B)/guest/progs/%,$(wildcard tests/guest/*.cu)) \
	$(patsubst tests/gpu/%.cu,$(B)/guest/progs/%,$(wildcard tests/gpu/*.cu)) \
	$(patsubst tests/soak/%.cu,$(B)/guest/progs/%,$(wildcard tests/soak/*.cu)) \
	$(B)/guest/progs/gvbench $(if $(wildcard bench/mathbench.cu),$(B)/guest/progs/mathbench) \
	$(patsubst tests/gpu/%.c,$(B)/guest/progs/%,$(wildcard tests/gpu/*.c))
NVCC := $(CUDA_HOME)/bin/nvcc
# Unmodified nvcc programs: NVIDIA's libcudart at link time, ours at run time.
# Fatbins uncompressed, so the CPU reference executor can read layouts.
NVCC_FLAGS := -arch=sm_90 --cudart=shared -O2 -no-compress
UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))

# Header dependencies, as the compiler saw them.
-include $(wildcard $(B)/host/*.d $(B)/guest-lib/*.d $(B)/tests/*.d $(B)/bin/*.d $(B)/guest/progs/*.d)

.PHONY: regen regen-check coverage libvirt-check kmod-check style-check all deps backend install net-test qemu kmod guest-lib host-worker image test unit-test guest-test run gpu-test gpu-bundle clean
.DELETE_ON_ERROR:

all: qemu kmod guest-lib host-worker backend image

# Debian packages; a no-op when everything is there.
$(B)/.deps: scripts/setup-deps.sh
	@mkdir -p $(B)
	@if [ "$$(id -u)" = 0 ]; then scripts/setup-deps.sh; else sudo scripts/setup-deps.sh; fi
	@touch $@
deps: $(B)/.deps

# QEMU is cached outside the tree by version and source hash: the script
# decides whether anything needs building.
qemu: $(B)/.deps $(B)/bin/gvirtus-worker
	scripts/build-qemu.sh $(B)/qemu
	strip -o $(B)/qemu/bin/gvirtus-worker $(B)/bin/gvirtus-worker

$(B)/bin/gvirtus-backend: host-tools/gvirtus-backend.c $(B)/host/libgvirtus-host.a $(wildcard common/*.h)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -Ihost-worker $(INC) $< -o $@ \
		$(B)/host/libgvirtus-host.a -lssl -lcrypto -lpthread -ldl
backend: $(B)/bin/gvirtus-backend $(B)/bin/gvirtus-worker

# One process per guest session, started by the device (worker= property).
$(B)/bin/gvirtus-worker: host-tools/gvirtus-worker.c $(B)/host/libgvirtus-host.a
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -Ihost-worker $(INC) $< -o $@ \
		$(B)/host/libgvirtus-host.a -lpthread -ldl

# ---- guest kernel and module ----
$(B)/kernel/abi: $(B)/.deps
	@mkdir -p $(@D)
	scripts/kernel-abi.sh >$@.new && (cmp -s $@.new $@ || mv $@.new $@); rm -f $@.new

$(B)/kernel/vmlinuz: $(B)/kernel/abi scripts/fetch-guest-kernel.sh
	scripts/fetch-guest-kernel.sh $$(cat $<) $(B)/kernel
	@touch $@

$(B)/guest/gvirtus.ko: guest-kmod/gvirtus.c guest-kmod/Kbuild $(wildcard include/gvirtus/*.h) $(B)/kernel/abi
	$(MAKE) -C /lib/modules/$$(cat $(B)/kernel/abi)/build M=$(CURDIR)/guest-kmod modules
	@mkdir -p $(@D)
	strip --strip-debug -o $@ guest-kmod/gvirtus.ko
kmod: $(B)/guest/gvirtus.ko $(B)/kernel/vmlinuz
# sparse over the module: wire fields are __le32/__le64, endianness checked.
kmod-check: $(B)/kernel/abi
	@out=$$($(MAKE) -s -C /lib/modules/$$(cat $(B)/kernel/abi)/build M=$(CURDIR)/guest-kmod \
		C=2 modules 2>&1); \
	if echo "$$out" | grep -E 'warning|error'; then \
		echo "kmod-check: 0 passed, 1 failed"; exit 1; \
	else echo "kmod-check: 1 passed, 0 failed"; fi

# ---- host worker (also compiled into QEMU by build-qemu.sh) ----
$(B)/host/%.o: host-worker/%.c $(wildcard host-worker/*.h host-worker/gen/*.h include/gvirtus/* include/gvirtus/gen/* common/*.h)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -fPIC -Ihost-worker $(INC) -c $< -o $@
$(B)/host/common-%.o: common/%.c $(wildcard common/*.h include/gvirtus/*)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -fPIC $(INC) -c $< -o $@
$(B)/host/libgvirtus-host.a: $(HOST_OBJ)
	rm -f $@ && ar rcs $@ $^
host-worker: $(B)/host/libgvirtus-host.a

# ---- guest runtime shim ----
# Default visibility: the version scripts decide what each library exports
# (libcudart.so.13 gives the session core to libcuda.so.1 as gv_*).
$(B)/guest-lib/%.o: guest-lib/%.c $(wildcard guest-lib/*.h guest-lib/*.inc include/gvirtus/* include/gvirtus/gen/* common/*.h)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -fPIC -Iguest-lib $(INC) -c $< -o $@
$(B)/guest-lib/common-%.o: common/%.c $(wildcard common/*.h include/gvirtus/*)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -fPIC -fvisibility=hidden $(INC) -c $< -o $@
$(B)/guest-lib/unsupported_stubs.c: $(RT_OBJ) guest-lib/cudart_exports.txt scripts/gen-unsupported.sh
	scripts/gen-unsupported.sh guest-lib/cudart_exports.txt $@ $(RT_OBJ)
$(B)/guest-lib/unsupported_stubs.o: $(B)/guest-lib/unsupported_stubs.c guest-lib/unsupported.h
	$(CC) $(STD) $(CFLAGS) -fPIC -fvisibility=hidden -Iguest-lib -c $< -o $@
$(B)/guest-lib/libcudart.so.13: $(RT_OBJ) $(B)/guest-lib/unsupported_stubs.o guest-lib/libcudart.map
	$(CC) -shared -o $@ -Wl,-soname,libcudart.so.13 -Wl,--version-script,guest-lib/libcudart.map \
		-Wl,-z,defs $(RT_OBJ) $(B)/guest-lib/unsupported_stubs.o -lssl -lcrypto -lpthread
	ln -sf libcudart.so.13 $(B)/guest-lib/libcudart.so

# Our libcuda.so.1: the driver API, generated (guest-lib/gen/) and
# hand-written (guest-lib/cuda/), on libcudart.so.13's session.
CU_SRC := $(wildcard guest-lib/cuda/*.c guest-lib/gen/cuda_*.c)
CU_OBJ := $(patsubst guest-lib/%.c,$(B)/guest-lib/%.o,$(CU_SRC))
$(B)/guest-lib/cuda/%.o $(B)/guest-lib/gen/%.o: CFLAGS += -fvisibility=hidden -Iguest-lib/cuda
$(B)/guest-lib/cuda/%.o: guest-lib/cuda/%.c $(wildcard guest-lib/*.h guest-lib/cuda/*.h guest-lib/gen/*.inc include/gvirtus/* include/gvirtus/gen/*)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -fPIC -Iguest-lib $(INC) -c $< -o $@
$(B)/guest-lib/gen/%.o: guest-lib/gen/%.c $(wildcard guest-lib/*.h guest-lib/cuda/*.h include/gvirtus/* include/gvirtus/gen/*)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -fPIC -Iguest-lib $(INC) -c $< -o $@
$(B)/guest-lib/libcuda.so.1: $(CU_OBJ) $(B)/guest-lib/libcudart.so.13 guest-lib/gen/cuda.map
	$(CC) -shared -o $@ -Wl,-soname,libcuda.so.1 -Wl,--version-script,guest-lib/gen/cuda.map \
		-Wl,-z,defs $(CU_OBJ) -L$(B)/guest-lib -l:libcudart.so.13 -lpthread -ldl
	ln -sf libcuda.so.1 $(B)/guest-lib/libcuda.so

# The math library shims, NVIDIA's sonames and version nodes, on
# libcudart.so.13's session: generated stubs (guest-lib/gen/<lib>_*.c),
# the shared core and each library's local calls (guest-lib/math/).
$(B)/guest-lib/math/%.o: CFLAGS += -fvisibility=hidden
$(B)/guest-lib/gen/%.o: CFLAGS += -Iguest-lib/math
$(B)/guest-lib/math/%.o: guest-lib/math/%.c $(wildcard guest-lib/*.h guest-lib/math/*.h include/gvirtus/* include/gvirtus/gen/*)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -fPIC -Iguest-lib $(INC) -c $< -o $@
MATH_CORE_OBJ := $(B)/guest-lib/math/gvm_call.o $(B)/guest-lib/math/gvm_table.o $(B)/guest-lib/math/gvm_async.o \
	$(B)/guest-lib/math/gvm_types.o
GEN_O := $(B)/guest-lib/gen
MATH_O := $(B)/guest-lib/math
CURAND_OBJ := $(MATH_CORE_OBJ) $(MATH_O)/curand_local.o $(GEN_O)/curand_remote.o $(GEN_O)/curand_unsupported.o
CUFFT_OBJ := $(MATH_CORE_OBJ) $(MATH_O)/cufft_local.o $(GEN_O)/cufft_remote.o $(GEN_O)/cufft_unsupported.o
CUSPARSE_OBJ := $(MATH_CORE_OBJ) $(MATH_O)/cusparse_local.o $(GEN_O)/cusparse_remote.o $(GEN_O)/cusparse_unsupported.o
CUSOLVER_OBJ := $(MATH_CORE_OBJ) $(MATH_O)/cusolver_local.o $(GEN_O)/cusolver_remote.o $(GEN_O)/cusolver_unsupported.o
# cuDNN builds from gvgen's declarations (include/gvirtus/gen/cudnn_decls.h), not cudnn.h.
CUDNN_OBJ := $(MATH_CORE_OBJ) $(MATH_O)/cudnn_local.o $(MATH_O)/cudnn_backend.o $(GEN_O)/cudnn_remote.o \
	$(GEN_O)/cudnn_unsupported.o
# cuBLASLt (served by the "cublas" plugin), and cuBLAS on it, as NVIDIA's.
CUBLASLT_OBJ := $(MATH_CORE_OBJ) $(MATH_O)/cublaslt_local.o $(MATH_O)/cublaslt_attr.o $(MATH_O)/cublas_status.o $(MATH_O)/cublas_types.o \
	$(GEN_O)/cublasLt_remote.o $(GEN_O)/cublasLt_unsupported.o
CUBLAS_OBJ := $(MATH_CORE_OBJ) $(MATH_O)/cublas_local.o $(MATH_O)/cublas_copy.o $(MATH_O)/cublas_types.o \
	$(MATH_O)/cublas_legacy.o $(MATH_O)/cublasxt.o $(GEN_O)/cublas_remote.o $(GEN_O)/cublas_legacy.o $(GEN_O)/cublas_unsupported.o
# $(call MATH_SHIM,soname,lib,objects,shims it links before libcudart)
define MATH_SHIM
$(B)/guest-lib/$(1): $(3) $(B)/guest-lib/libcudart.so.13 $(patsubst %,$(B)/guest-lib/%,$(4)) guest-lib/gen/$(2).map
	$$(CC) -shared -o $$@ -Wl,-soname,$(1) -Wl,--version-script,guest-lib/gen/$(2).map \
		-Wl,-z,defs $(3) -L$(B)/guest-lib $(patsubst %,-l:%,$(4)) -l:libcudart.so.13 -lpthread
	ln -sf $(1) $(B)/guest-lib/$(basename $(1))
endef
$(eval $(call MATH_SHIM,libcurand.so.10,curand,$(CURAND_OBJ),))
$(eval $(call MATH_SHIM,libcufft.so.12,cufft,$(CUFFT_OBJ),))
$(eval $(call MATH_SHIM,libcusparse.so.12,cusparse,$(CUSPARSE_OBJ),))
$(eval $(call MATH_SHIM,libcudnn.so.9,cudnn,$(CUDNN_OBJ),))
$(eval $(call MATH_SHIM,libcusolver.so.12,cusolver,$(CUSOLVER_OBJ),))
$(eval $(call MATH_SHIM,libcublasLt.so.13,cublasLt,$(CUBLASLT_OBJ),))
$(eval $(call MATH_SHIM,libcublas.so.13,cublas,$(CUBLAS_OBJ),libcublasLt.so.13))
MATH_SHIMS := $(B)/guest-lib/libcurand.so.10 $(B)/guest-lib/libcublasLt.so.13 $(B)/guest-lib/libcublas.so.13 \
	$(B)/guest-lib/libcufft.so.12 $(B)/guest-lib/libcusparse.so.12 $(B)/guest-lib/libcusolver.so.12 \
	$(B)/guest-lib/libcudnn.so.9
guest-lib: $(B)/guest-lib/libcudart.so.13 $(B)/guest-lib/libcuda.so.1 $(MATH_SHIMS)

# ---- guest programs and image ----
# Driver-API programs: NVIDIA's stub libcuda at link time, ours at run time.
$(B)/guest/progs/gvtest_driver: tests/guest/gvtest_driver.c $(B)/tests/fatbin_kernels.inc \
		$(B)/guest-lib/libcuda.so.1 $(wildcard tests/guest/*.h)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) $(INC) -Itests/guest -I$(B)/tests $< -o $@ \
		-L$(CUDA_HOME)/lib64/stubs -lcuda -L$(B)/guest-lib -lcudart -lpthread -ldl
# The math shims' program: ours at link and run time.
$(B)/guest/progs/gvtest_math: tests/guest/gvtest_math.c $(MATH_SHIMS) $(wildcard tests/guest/*.h)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) $(INC) -Itests/guest $< -o $@ -L$(B)/guest-lib \
		-l:libcublasLt.so.13 -l:libcublas.so.13 -l:libcufft.so.12 -l:libcurand.so.10 \
		-l:libcusparse.so.12 -l:libcusolver.so.12 -l:libcudnn.so.9 -lcudart
# Relocatable device code: device-linked with the device runtime by nvcc.
$(B)/guest/progs/gvtest_rdc: tests/guest/gvtest_rdc.cu
	@mkdir -p $(@D)
	$(NVCC) $(NVCC_FLAGS) -rdc=true $< -o $@ -lcudadevrt
# NVRTC runs where the program runs: NVIDIA's libnvrtc, from the toolkit
# (in a guest, the host's toolkit shared at the same path, run-guest.sh -s, and
# its lib64 on LD_LIBRARY_PATH after the shims, as natively).
$(B)/guest/progs/nvrtc_driver: tests/gpu/nvrtc_driver.c
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -I$(CUDA_HOME)/include $< -o $@ -L$(CUDA_HOME)/lib64/stubs -lcuda \
		-L$(CUDA_HOME)/lib64 -lnvrtc
$(B)/guest/progs/%: tests/gpu/%.c
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -I$(CUDA_HOME)/include $< -o $@ -L$(CUDA_HOME)/lib64/stubs -lcuda
$(B)/tests/fatbin_kernels.inc: $(B)/tests/fatbin_kernels.fatbin
	od -An -v -tu1 $< | sed 's/[0-9]\+/&,/g' >$@
$(B)/guest/progs/%: tests/guest/%.c $(B)/guest-lib/libcudart.so.13 $(wildcard tests/guest/*.h)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) $(INC) -Itests/guest $< -o $@ -L$(B)/guest-lib -lcudart -lpthread
$(B)/guest/progs/%: tests/guest/%.cu
	@mkdir -p $(@D)
	$(NVCC) $(NVCC_FLAGS) $< -o $@
$(B)/guest/progs/%: tests/gpu/%.cu tests/gpu/check.cuh
	@mkdir -p $(@D)
	$(NVCC) $(NVCC_FLAGS) $< -o $@
# A library's image, which tests/gpu/library.cu loads itself.
$(B)/tests/library_kernels.inc: tests/gpu/lib/library_kernels.cu
	@mkdir -p $(@D)
	$(NVCC) -arch=sm_90 -no-compress -fatbin -o $(B)/tests/library_kernels.fatbin $<
	od -An -v -tu1 $(B)/tests/library_kernels.fatbin | sed 's/[0-9]\+/&,/g' >$@
$(B)/guest/progs/library: tests/gpu/library.cu tests/gpu/check.cuh $(B)/tests/library_kernels.inc
	@mkdir -p $(@D)
	$(NVCC) $(NVCC_FLAGS) -I$(B)/tests $< -o $@ -L$(CUDA_HOME)/lib64/stubs -lcuda
# The runtime and the driver API in one program.
$(B)/guest/progs/mixed_init: tests/gpu/mixed_init.cu
	@mkdir -p $(@D)
	$(NVCC) $(NVCC_FLAGS) $< -o $@ -L$(CUDA_HOME)/lib64/stubs -lcuda
# Programs of the math libraries: NVIDIA's libraries at link time, our shims
# of the same sonames at run time in the guest.
MATH_LIBS := -lcublasLt -lcublas -lcufft -lcurand -lcusparse -lcusolver
$(B)/guest/progs/math_%: tests/gpu/math_%.cu tests/gpu/check.cuh
	@mkdir -p $(@D)
	$(NVCC) $(NVCC_FLAGS) $< -o $@ $(MATH_LIBS)
# cuDNN's program: against cuDNN's headers (CUDNN_INCLUDE_DIR), linked with
# our libcudnn.so.9, whose soname and version node are NVIDIA's (no build
# machine has NVIDIA's); it runs with either.  Skipped where the headers
# are not, with a line that says so.
CUDNN_INCLUDE_DIR ?= /opt/cudnn/include
$(B)/guest/progs/math_cudnn: tests/gpu/math_cudnn.cu tests/gpu/check.cuh $(B)/guest-lib/libcudnn.so.9
	@mkdir -p $(@D)
	@if [ -f $(CUDNN_INCLUDE_DIR)/cudnn.h ]; then \
		echo "$(NVCC) ... math_cudnn.cu -l:libcudnn.so.9"; \
		$(NVCC) $(NVCC_FLAGS) -I$(CUDNN_INCLUDE_DIR) $< -o $@ -L$(B)/guest-lib -l:libcudnn.so.9; \
	else \
		echo "math_cudnn: skipped: no cudnn.h in $(CUDNN_INCLUDE_DIR) (set CUDNN_INCLUDE_DIR)"; \
	fi
$(B)/guest/progs/mathbench: bench/mathbench.cu bench/bench.cuh
	@mkdir -p $(@D)
	$(NVCC) $(NVCC_FLAGS) $< -o $@ $(MATH_LIBS)
$(B)/guest/progs/%: tests/soak/%.cu
	@mkdir -p $(@D)
	$(NVCC) $(NVCC_FLAGS) $< -o $@
$(B)/guest/progs/gvbench: bench/gvbench.cu bench/bench.cuh
	@mkdir -p $(@D)
	$(NVCC) $(NVCC_FLAGS) $< -o $@
$(B)/guest/initramfs.cpio.gz: $(B)/kernel/vmlinuz $(B)/guest/gvirtus.ko $(B)/guest-lib/libcudart.so.13 $(B)/guest-lib/libcuda.so.1 $(MATH_SHIMS) \
		$(GUEST_PROGS) $(wildcard tests/guest/*.sh tests/gpu/*.sh tests/soak/*.sh) tests/guest/init scripts/make-initramfs.sh
	scripts/make-initramfs.sh $@ $(B)/kernel $(B)/guest/gvirtus.ko $(B)/guest-lib $(B)/guest/progs
image: $(B)/guest/initramfs.cpio.gz

# ---- tests ----
$(B)/tests/test_%: tests/unit/test_%.c $(B)/host/libgvirtus-host.a qemu-device/gvirtus_framing.c \
		$(wildcard tests/unit/*.h qemu-device/*.h)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -Ihost-worker -Iqemu-device $(INC) -Itests/unit -I$(B)/tests $< \
		qemu-device/gvirtus_framing.c -o $@ $(B)/host/libgvirtus-host.a -lpthread -ldl
# The guest test program against an in-process worker: no VM needed.
LOOPBACK_RT_OBJ := $(filter-out $(B)/guest-lib/transport_vdev.o,$(RT_OBJ)) $(B)/guest-lib/unsupported_stubs.o
$(B)/tests/loopback_calls: tests/guest/gvtest_calls.c tests/unit/loopback_transport.c $(LOOPBACK_RT_OBJ) \
		$(B)/host/libgvirtus-host.a $(wildcard tests/guest/*.h)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -rdynamic -Iguest-lib -Ihost-worker $(INC) -Itests/guest \
		tests/guest/gvtest_calls.c tests/unit/loopback_transport.c $(LOOPBACK_RT_OBJ) \
		$(B)/host/libgvirtus-host.a -o $@ -lssl -lcrypto -lpthread -ldl
UNIT_TESTS += $(B)/tests/loopback_calls
# Every generated call through guest stub, wire and host dispatch into a
# fake driver (gen/gvgen.py writes the test with the calls).
# The generated round-trip tests: build outputs of the generator (their
# megabytes stay out of the tree), one per library.
GEN_LIBS := cuda curand cublas cufft cublasLt cusparse cusolver
GEN_TESTS := $(patsubst %,$(B)/tests/gen/%_roundtrip.c,$(GEN_LIBS))
$(B)/tests/gen/.stamp: gen/gvgen.py $(wildcard gen/annot_*.py) $(B)/.deps
	@mkdir -p $(@D)
	$(GVGEN) --tests $(B)/tests
	@touch $@
$(GEN_TESTS): $(B)/tests/gen/.stamp
# Every generated call through guest stub, wire and host dispatch into a
# fake library (gen/gvgen.py writes the test with the calls).
$(B)/tests/gen_roundtrip: tests/unit/gen_roundtrip.c $(B)/tests/gen/.stamp tests/unit/roundtrip.h \
		tests/unit/roundtrip_math.h tests/unit/roundtrip_curand.c tests/unit/roundtrip_cublas.c \
		tests/unit/roundtrip_cufft.c tests/unit/roundtrip_cublaslt.c tests/unit/roundtrip_async_math.c \
		tests/unit/roundtrip_cudnn.c tests/unit/gen/cudnn_roundtrip.c tests/unit/gen/cudnn_protos.h \
		tests/unit/roundtrip_host_nodes.c tests/unit/roundtrip_graph_mem.c tests/unit/roundtrip_ipc.c tests/unit/roundtrip_library.c tests/unit/roundtrip_atomics.c tests/unit/roundtrip_tensor_map.c $(B)/tests/fatbin_kernels.inc tests/unit/loopback_transport.c $(LOOPBACK_RT_OBJ) $(CU_OBJ) \
		$(CURAND_OBJ) $(CUBLAS_OBJ) $(CUFFT_OBJ) $(CUBLASLT_OBJ) $(CUSPARSE_OBJ) $(CUSOLVER_OBJ) $(CUDNN_OBJ) $(B)/host/libgvirtus-host.a
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(WARN) -Wno-deprecated-declarations -Iguest-lib -Iguest-lib/math -Ihost-worker $(INC) -Itests/unit -I$(B)/tests \
		tests/unit/gen_roundtrip.c $(GEN_TESTS) tests/unit/loopback_transport.c \
		tests/unit/roundtrip_curand.c tests/unit/roundtrip_cublas.c tests/unit/roundtrip_cufft.c \
		tests/unit/roundtrip_cublaslt.c tests/unit/roundtrip_async_math.c \
		tests/unit/roundtrip_cudnn.c tests/unit/gen/cudnn_roundtrip.c tests/unit/roundtrip_host_nodes.c tests/unit/roundtrip_graph_mem.c tests/unit/roundtrip_ipc.c tests/unit/roundtrip_library.c tests/unit/roundtrip_atomics.c tests/unit/roundtrip_tensor_map.c \
		$(LOOPBACK_RT_OBJ) $(CU_OBJ) $(sort $(CURAND_OBJ) $(CUBLAS_OBJ) $(CUFFT_OBJ) $(CUBLASLT_OBJ) $(CUSPARSE_OBJ) $(CUSOLVER_OBJ) $(CUDNN_OBJ)) \
		$(B)/host/libgvirtus-host.a \
		-o $@ -rdynamic \
		-lssl -lcrypto -lpthread -ldl
UNIT_TESTS += $(B)/tests/gen_roundtrip
# Kernel parameter layouts read from a fatbin (host-worker/fatbin_params.c),
# checked against one nvcc builds from kernels of known signatures;
# test_fatbin_params reads it from $(B)/tests/fatbin_kernels.fatbin.
$(B)/tests/fatbin_kernels.fatbin: tests/unit/fatbin_kernels.cu
	@mkdir -p $(@D)
	$(CUDA_HOME)/bin/nvcc -arch=sm_90 -no-compress -fatbin -o $@ $<
unit-test: $(B)/tests/fatbin_kernels.fatbin
# The same kernels as PTX and as a cubin: test_ptx_params compares layouts.
$(B)/tests/ptx_kernels.ptx: tests/unit/ptx_kernels.cu
	@mkdir -p $(@D)
	$(CUDA_HOME)/bin/nvcc -arch=sm_90 -ptx -o $@ $<
$(B)/tests/ptx_kernels.cubin: tests/unit/ptx_kernels.cu
	@mkdir -p $(@D)
	$(CUDA_HOME)/bin/nvcc -arch=sm_90 -cubin -o $@ $<
$(B)/tests/%.inc: $(B)/tests/%
	(od -An -v -tu1 $< && echo 0) | sed 's/[0-9]\+/&,/g' >$@
$(B)/tests/test_ptx_params: $(B)/tests/ptx_kernels.ptx.inc $(B)/tests/ptx_kernels.cubin.inc
# test_remote_lifetime and test_guest_ram spawn the real worker process.
unit-test: $(B)/bin/gvirtus-worker

# Under valgrind when it is there: the hostile-input paths must not read
# or write out of bounds.
VALGRIND := $(shell command -v valgrind >/dev/null && echo valgrind -q --error-exitcode=9)
unit-test: $(UNIT_TESTS) $(B)/guest-lib/libcuda.so.1 $(MATH_SHIMS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; GVIRTUS_LOGLEVEL=50000 \
		GVTEST_VALGRIND=$(if $(VALGRIND),1,0) $(VALGRIND) $$t; done
	tests/exports.sh

guest-test: all
	scripts/run-guest.sh -e cpu-reference -t 900 ci.sh
	tests/gpu_selection.sh cpu-reference
	tests/data_plane.sh cpu-reference
	tests/share_dir.sh cpu-reference
	tests/trace_events.sh cpu-reference
	tests/qmp_monitor.sh cpu-reference

net-test: backend guest-lib $(GUEST_PROGS)
	tests/net/run.sh cpu-reference

# The generated API surface (gen/gvgen.py): Debian's python3 with libclang,
# whatever python3 comes first on PATH.
GVGEN := /usr/bin/python3 gen/gvgen.py
regen: $(B)/.deps
	$(GVGEN)
# CI: the committed output is what the generator writes from these headers.
regen-check: $(B)/.deps
	$(GVGEN) --check && echo "regen-check: 1 passed, 0 failed"

test: regen-check libvirt-check kmod-check unit-test net-test soak-smoke fuzz deb-check guest-test \
	style-check
	@echo "make test: all suites passed"

include tests/fuzz/fuzz.mk

# GVirtuS's layout: bin/ (backend, worker, QEMU), lib/frontend/ (the shim),
# etc/properties.json (kept if present), share/gvirtus/ (guest side, unit).
GVIRTUS_HOME ?= $(HOME)/GVirtuS
install: all
	install -d $(GVIRTUS_HOME)/bin $(GVIRTUS_HOME)/lib/frontend $(GVIRTUS_HOME)/etc \
		$(GVIRTUS_HOME)/share/gvirtus/guest $(GVIRTUS_HOME)/share/qemu
	install -m 755 $(B)/bin/gvirtus-backend $(B)/qemu/bin/gvirtus-worker \
		$(B)/qemu/bin/qemu-system-x86_64 host-tools/gvirtus-top $(GVIRTUS_HOME)/bin/
	install -m 644 $(B)/qemu/share/qemu/* $(GVIRTUS_HOME)/share/qemu/
	install -m 755 $(B)/guest-lib/libcudart.so.13 $(B)/guest-lib/libcuda.so.1 $(MATH_SHIMS) \
		$(GVIRTUS_HOME)/lib/frontend/
	ln -sf libcudart.so.13 $(GVIRTUS_HOME)/lib/frontend/libcudart.so
	ln -sf libcublas.so.13 $(GVIRTUS_HOME)/lib/frontend/libcublas.so
	ln -sf libcurand.so.10 $(GVIRTUS_HOME)/lib/frontend/libcurand.so
	ln -sf libcufft.so.12 $(GVIRTUS_HOME)/lib/frontend/libcufft.so
	ln -sf libcusparse.so.12 $(GVIRTUS_HOME)/lib/frontend/libcusparse.so
	ln -sf libcusolver.so.12 $(GVIRTUS_HOME)/lib/frontend/libcusolver.so
	ln -sf libcudnn.so.9 $(GVIRTUS_HOME)/lib/frontend/libcudnn.so
	ln -sf libcublasLt.so.13 $(GVIRTUS_HOME)/lib/frontend/libcublasLt.so
	install -m 644 $(B)/guest/gvirtus.ko $(B)/guest-lib/libcudart.so.13 $(B)/guest-lib/libcuda.so.1 $(MATH_SHIMS) \
		$(GVIRTUS_HOME)/share/gvirtus/guest/
	[ -e $(GVIRTUS_HOME)/etc/properties.json ] || \
		install -m 644 etc/properties.json $(GVIRTUS_HOME)/etc/properties.json
	sed 's|@GVIRTUS_HOME@|$(GVIRTUS_HOME)|g' etc/gvirtus-backend.service \
		>$(GVIRTUS_HOME)/share/gvirtus/gvirtus-backend.service
	@echo "installed in $(GVIRTUS_HOME)"

run: all
	scripts/run-guest.sh -e cuda -t 300 demo.sh

gpu-test: all
	tests/gpu/run.sh

include tests/soak/soak.mk
include packaging/deb.mk

# Each part in its own style (.clang-format, QEMU's and Linux's checkpatch).
style-check: qemu
	scripts/style-check.sh

# The documented libvirt domain is valid libvirt XML.
libvirt-check: $(B)/.deps
	virt-xml-validate docs/libvirt/gvirtus-domain.xml domain && \
		echo "libvirt-check: 1 passed, 0 failed"

# What a GPU machine without Debian's packages needs besides the build:
# QEMU's shared libraries and, for the native comparison, NVIDIA's libcudart.
gpu-bundle: all
	@mkdir -p $(B)/qemu/lib $(B)/native
	cp -L $$(ldd $(B)/qemu/bin/qemu-system-x86_64 | awk '/=>/ {print $$3}' | \
		grep -vE '/(libc|libm|libpthread|libdl|librt|ld-linux[^/]*)\.so') $(B)/qemu/lib/
	cp -L $(CUDA_HOME)/lib64/libcudart.so.13 $(B)/native/

clean:
	rm -rf $(B)
	$(MAKE) -C guest-kmod -f /dev/null clean >/dev/null 2>&1 || true
	rm -f guest-kmod/*.o guest-kmod/*.ko guest-kmod/*.mod* guest-kmod/.*.cmd guest-kmod/Module.symvers guest-kmod/modules.order

# Exported, implemented and not-supported functions of each shim, by name.
coverage: guest-lib
	/usr/bin/python3 gen/coverage.py $(B)
