# Debian packages of the guest side, for a Debian or Ubuntu guest:
#   make deb        build/deb/gvirtus-dkms_<version>-1_all.deb (gvirtus.ko's
#                   source for DKMS) and libgvirtus-guest_<version>-1_amd64.deb
#                   (the shims); <version> is the file VERSION
#   make deb-check  builds them, runs lintian on them, and installs them in a
#                   Debian 12 chroot where DKMS builds the module against the
#                   guest kernel's headers (packaging/deb-check.sh)
# Included by the Makefile; works alone too (make -f packaging/deb.mk) once
# the shims are built.
B ?= build
DEB_SHIMS := $(B)/guest-lib/libcudart.so.13 $(B)/guest-lib/libcuda.so.1 \
	$(B)/guest-lib/libcurand.so.10 $(B)/guest-lib/libcublas.so.13 \
	$(B)/guest-lib/libcublasLt.so.13 $(B)/guest-lib/libcufft.so.12 \
	$(B)/guest-lib/libcusparse.so.12 $(B)/guest-lib/libcusolver.so.12 $(B)/guest-lib/libcudnn.so.9

.PHONY: deb deb-check
deb: $(DEB_SHIMS)
	scripts/make-deb.sh $(B)/deb

deb-check: $(DEB_SHIMS)
	packaging/deb-check.sh $(B)/deb
