/* SPDX-License-Identifier: MIT */
/*
 * Kernel parameter layouts the CPU double reads from PTX text
 * (host-worker/ptx_params.c) against the layouts ptxas wrote into the
 * cubin of the same kernels (.nv.info, read by gvw_elf_param_layout):
 * nvcc compiles tests/unit/ptx_kernels.cu both ways at build time.  Then
 * PTX the parser must refuse.
 */
#include <stdio.h>
#include <string.h>

#include "fatbin_params.h"
#include "unit.h"

/* Each ends with a NUL byte of our own: the PTX is then a string. */
static const unsigned char ptx[] = {
#include "ptx_kernels.ptx.inc"
};
static const unsigned char cubin[] = {
#include "ptx_kernels.cubin.inc"
};

int main(void)
{
	static const char *kernels[] = {"saxpy", "mixed", "none", "arrays", "_Z7manglediPf"};
	static const char *bad[] = {
	    ".entry k(.param .f32 a, .param .q32 b)", /* no such type */
	    ".entry k(.param .u32 a .param .u32 b)",  /* no comma */
	    ".entry k(.param .align 3 .b8 s[4])",     /* not a power of two */
	    ".entry k(.param .b8 s[])",		      /* no size */
	    ".entry k(.param .b8 s[40000])",	      /* past 32764 bytes */
	    ".entry k(.param .u32 a",		      /* not closed */
	    ".entry k(.reg .u32 a)",		      /* not .param */
	    ".entry kk(.param .u32 a)",		      /* another kernel */
	};
	struct gvw_param a[16], b[16];
	const char *why;
	unsigned int i;
	int n, m, k;

	for (i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
		n = gvw_ptx_param_layout((const char *)ptx, kernels[i], a, 16, &why);
		m = gvw_elf_param_layout(cubin, sizeof(cubin) - 1, kernels[i], b, 16, &why);
		EXPECT(n >= 0 && n == m, "%s: %d parameters from the PTX, %d from the cubin",
		       kernels[i], n, m);
		for (k = 0; k < n && k < m && k < 16; k++)
			EXPECT(a[k].offset == b[k].offset && a[k].size == b[k].size,
			       "%s parameter %d: PTX %u+%u, cubin %u+%u", kernels[i], k,
			       a[k].offset, a[k].size, b[k].offset, b[k].size);
	}
	n = gvw_ptx_param_layout(".entry k(.param .u64 .ptr .global .align 1 p, .param .u32 n)",
				 "k", a, 16, &why);
	EXPECT(n == 2 && a[0].offset == 0 && a[0].size == 8 && a[1].offset == 8,
	       ".ptr's .align is the pointee's, not the parameter's");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT(gvw_ptx_param_layout(bad[i], "k", a, 16, &why) == -1 && why,
		       "\"%s\" is refused", bad[i]);
	EXPECT(gvw_ptx_param_layout("", "k", a, 16, &why) == -1, "empty text is refused");
	return unit_summary("test_ptx_params");
}
