// Kernels whose parameter layouts test_ptx_params reads from their PTX
// and compares with what ptxas wrote into the cubin (.nv.info).
struct S80 {
	double d[10];
};
struct __align__(16) A16 {
	float f[3];
};
extern "C" __global__ void saxpy(float a, const float *x, float *y, int n) {}
extern "C" __global__ void mixed(char c, S80 s, short h, double d, A16 v, unsigned char u, int *p) {}
extern "C" __global__ void none() {}
extern "C" __global__ void arrays(int4 a, char2 b, long long c, float3 f) {}
__global__ void mangled(int a, float *b) {}
