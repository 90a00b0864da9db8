/* SPDX-License-Identifier: MIT */
#include "unsupported.h"
#include "gvrt.h"

int gv_unsupported(const char *name, atomic_flag *logged)
{
	if (!atomic_flag_test_and_set(logged))
		gv_log(GV_LOG_WARN,
		       "%s is not supported by gvirtus yet; it "
		       "returns cudaErrorNotSupported",
		       name);
	return gv_ret(cudaErrorNotSupported);
}
