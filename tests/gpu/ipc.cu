// SPDX-License-Identifier: MIT
// IPC between two processes: the parent fills device memory behind an
// interprocess event and passes both handles through a pipe; the child
// opens them, waits on the event, checks the values, adds to them and
// closes; the parent then sees the child's writes.  Also the misuses
// whose errors must be the driver's: a handle opened in its own process,
// an event made without cudaEventInterprocess, a handle of zeros, a close
// of memory that was not opened.  The child prints all its lines before
// the parent prints any more, so that the output is the same on every run.
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

#include "check.cuh"

#define N 8192

__global__ void k_fill(int *v, int a, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		v[i] = a * i + 1;
}

__global__ void k_add(int *v, int a, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		v[i] += a;
}

struct handles {
	cudaIpcMemHandle_t mem;
	cudaIpcEventHandle_t event;
};

static int read_all(int fd, void *p, size_t n)
{
	char *c = (char *)p;
	while (n) {
		ssize_t k = read(fd, c, n);
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

static int child(int in, int out)
{
	struct handles h;
	static int host[N];
	int *d = NULL, *again = NULL;
	cudaEvent_t ev = NULL;
	char done = 1;

	// Printed once the parent has printed its setup: one order on every run.
	int got = read_all(in, &h, sizeof(h));
	printf("== child\n");
	check_i("child: handles received", got, 0);
	check_e("child: event opened", cudaIpcOpenEventHandle(&ev, h.event), cudaSuccess);
	check_e("child: memory opened",
		cudaIpcOpenMemHandle((void **)&d, h.mem, cudaIpcMemLazyEnablePeerAccess),
		cudaSuccess);
	check_e("child: waits on the parent's event", cudaStreamWaitEvent(0, ev, 0), cudaSuccess);
	check_e("child: reads", cudaMemcpy(host, d, sizeof(host), cudaMemcpyDeviceToHost),
		cudaSuccess);
	int bad = 0;
	for (int i = 0; i < N; i++)
		bad += host[i] != 3 * i + 1;
	check_i("child: the parent's values", bad, 0);
	k_add<<<(N + 255) / 256, 256>>>(d, 1000, N);
	check_e("child: its kernel on the parent's memory", cudaDeviceSynchronize(), cudaSuccess);
	cudaPointerAttributes pa;
	check_e("child: pointer attributes", cudaPointerGetAttributes(&pa, d + 5), cudaSuccess);
	check_i("child: device memory", pa.type, cudaMemoryTypeDevice);
	cudaError_t e = cudaIpcOpenMemHandle((void **)&again, h.mem, 0);
	printf("child: opened again: %s, the same address: %d\n", cudaGetErrorName(e),
	       again == d);
	if (e == cudaSuccess)
		check_e("child: second close", cudaIpcCloseMemHandle(again), cudaSuccess);
	check_e("child: close", cudaIpcCloseMemHandle(d), cudaSuccess);
	e = cudaIpcCloseMemHandle(d);
	printf("child: closed once more: %s\n", cudaGetErrorName(e));
	(void)cudaGetLastError();
	check_e("child: event destroyed", cudaEventDestroy(ev), cudaSuccess);
	printf("child: %d passed, %d failed\n", g_pass, g_fail);
	fflush(stdout);
	if (write(out, &done, 1) != 1)
		return 1;
	return g_fail != 0;
}

static void parent(int out, int in, pid_t pid)
{
	struct handles h;
	static int host[N];
	int *d = NULL;
	cudaEvent_t ev, timed;
	cudaStream_t s;
	char done = 0;

	CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
	CK(cudaMalloc(&d, N * sizeof(int)));
	CK(cudaEventCreateWithFlags(&ev, cudaEventInterprocess | cudaEventDisableTiming));
	k_fill<<<(N + 255) / 256, 256, 0, s>>>(d, 3, N);
	CK(cudaEventRecord(ev, s));
	CK(cudaIpcGetMemHandle(&h.mem, d));
	CK(cudaIpcGetEventHandle(&h.event, ev));
	int sent = write(out, &h, sizeof(h)) == (ssize_t)sizeof(h);
	int child_done = read_all(in, &done, 1) == 0;
	int status = -1;
	waitpid(pid, &status, 0);

	printf("== parent\n");
	check_i("parent: handles sent", sent, 1);
	check_i("parent: the child finished", child_done && WIFEXITED(status), 1);
	check_i("parent: the child's checks", WEXITSTATUS(status), 0);
	check_e("parent: reads", cudaMemcpy(host, d, sizeof(host), cudaMemcpyDeviceToHost),
		cudaSuccess);
	int bad = 0;
	for (int i = 0; i < N; i++)
		bad += host[i] != 3 * i + 1 + 1000;
	check_i("parent: the child's writes", bad, 0);

	// Misuses: the driver's errors, whatever they are, the same everywhere.
	int *own = NULL;
	cudaError_t e = cudaIpcOpenMemHandle((void **)&own, h.mem, 0);
	printf("parent: its own handle opened: %s\n", cudaGetErrorName(e));
	(void)cudaGetLastError();
	CK(cudaEventCreate(&timed));
	cudaIpcEventHandle_t eh;
	e = cudaIpcGetEventHandle(&eh, timed);
	printf("parent: a timing event's handle: %s\n", cudaGetErrorName(e));
	(void)cudaGetLastError();
	e = cudaEventCreateWithFlags(&timed, cudaEventInterprocess);
	printf("parent: an interprocess event that times: %s\n", cudaGetErrorName(e));
	(void)cudaGetLastError();
	e = cudaIpcCloseMemHandle(d);
	printf("parent: its own allocation closed: %s\n", cudaGetErrorName(e));
	(void)cudaGetLastError();
	e = cudaIpcGetMemHandle(&h.mem, NULL);
	printf("parent: a handle of NULL: %s\n", cudaGetErrorName(e));
	(void)cudaGetLastError();
	CK(cudaFree(d));
	CK(cudaEventDestroy(ev));
	CK(cudaStreamDestroy(s));
}

int main()
{
	int down[2], up[2];

	// Before any CUDA call: a child may not inherit a process's CUDA state.
	if (pipe(down) || pipe(up)) {
		perror("pipe");
		return 1;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0)
		_exit(child(down[0], up[1]));
	parent(down[1], up[0], pid);
	printf("ipc: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail != 0;
}
