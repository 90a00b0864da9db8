# The soak and kill storm (tests/soak/run.sh): minutes on a GPU machine,
# not part of CI.  SOAK_SECONDS (600), KILLS (1000), SOAK_PROCS (16),
# SOAK_EXECUTOR (cuda) come from the environment or the make command line.
# It builds nothing: on the GPU machine the build is carried ('make
# gpu-bundle' here), and run.sh says what is missing.
.PHONY: soak soak-smoke
soak:
	tests/soak/run.sh

# The CI-sized form: TCP only, against the CPU reference executor.
soak-smoke: backend guest-lib $(B)/guest/progs/gvsoak
	SOAK_EXECUTOR=cpu-reference SOAK_SECONDS=5 KILLS=20 SOAK_PROCS=4 tests/soak/run.sh
