# libFuzzer targets of tests/fuzz, included by the top Makefile.  Each is
# built by clang with AddressSanitizer (LeakSanitizer included) and
# UndefinedBehaviorSanitizer from the library sources themselves: the
# gcc-built libgvirtus-host.a carries no instrumentation.
#   make fuzz           every target for FUZZ_SECONDS (30) seconds, one line
#                       each, then "fuzz: N passed, M failed"
#   make fuzz-campaign  the long run: FUZZ_CAMPAIGN_SECONDS per target with
#                       FUZZ_JOBS fuzzing processes each
# Findings land in build/fuzz/artifacts/<target>; reproduce one with
# build/fuzz/fuzz_<target> <file>.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_CAMPAIGN_SECONDS ?= 600
FUZZ_JOBS ?= 2
FUZZ_TARGETS := session codecs framing fatbin properties frame
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) $(WARN) \
	-Iinclude/gvirtus -Icommon -Ihost-worker -Iqemu-device -Itests/fuzz -Itests/unit -I$(B)/tests \
	-I$(CUDA_HOME)/include -DDISABLE_CUSPARSE_DEPRECATED
FUZZ_O := $(B)/fuzz/obj
FUZZ_BIN := $(patsubst %,$(B)/fuzz/fuzz_%,$(FUZZ_TARGETS))

# What each target links besides its own file.  The whole host worker goes
# into the message-path targets; exec_cuda.c only dlopens libcuda when its
# executor is chosen, and the targets choose the CPU reference one.
# common/tls*.c (OpenSSL) is for gvirtus-backend's TLS only.
FUZZ_COMMON_SRC := $(filter-out common/tls%.c,$(wildcard common/*.c))
FUZZ_WORKER_SRC := $(wildcard host-worker/*.c host-worker/gen/*.c) $(FUZZ_COMMON_SRC) tests/fuzz/fuzz_worker.c
FUZZ_SRC_session := $(FUZZ_WORKER_SRC)
# The generated fake driver stands behind the generated calls.
FUZZ_SRC_codecs := $(FUZZ_WORKER_SRC) $(GEN_TESTS) tests/unit/gen/cudnn_roundtrip.c tests/fuzz/fuzz_fakes.c
$(FUZZ_O)/$(B)/tests/gen/%_roundtrip.o: FUZZ_CFLAGS += -DRT_FAKES_ONLY -Wno-deprecated-declarations
$(FUZZ_O)/tests/unit/gen/%_roundtrip.o: FUZZ_CFLAGS += -DRT_FAKES_ONLY
FUZZ_SRC_framing := qemu-device/gvirtus_framing.c
FUZZ_SRC_fatbin := host-worker/fatbin_params.c host-worker/ptx_params.c
FUZZ_SRC_properties := common/properties.c common/json.c
FUZZ_SRC_frame := host-worker/frame_io.c host-worker/bulk_buf.c host-worker/guest_ram.c host-worker/log.c \
	$(wildcard common/sockstream.c common/fdio.c common/loglevel.c)

-include $(shell find $(FUZZ_O) -name '*.d' 2>/dev/null)

.PHONY: fuzz fuzz-build fuzz-campaign

# Library objects get coverage without libFuzzer's main; the link adds it.
$(FUZZ_O)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

define FUZZ_TARGET_RULE
$(B)/fuzz/fuzz_$(1): $(patsubst %.c,$(FUZZ_O)/%.o,tests/fuzz/fuzz_$(1).c $(FUZZ_SRC_$(1)))
	$$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $$^ -o $$@ -ldl -lpthread
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_TARGET_RULE,$(t))))

# The fatbin seeds the fatbin target and MODULE_LOAD, where nvcc is here.
FUZZ_FATBIN_DEP := $(if $(wildcard $(NVCC)),$(B)/tests/fatbin_kernels.fatbin)

fuzz-build: $(FUZZ_BIN) $(FUZZ_FATBIN_DEP)

fuzz: fuzz-build
	tests/fuzz/run.sh $(B)/fuzz $(FUZZ_SECONDS) 1 $(FUZZ_TARGETS)

fuzz-campaign: fuzz-build
	tests/fuzz/run.sh $(B)/fuzz $(FUZZ_CAMPAIGN_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)
