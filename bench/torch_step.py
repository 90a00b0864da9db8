# SPDX-License-Identifier: MIT
"""PyTorch training-step times: an MLP (Adam) and a small CNN (conv, batch
norm, pooling, cross-entropy; SGD), with cuDNN on and off.

Prints bench rows, "metric,value,unit,host_us" (bench/table.awk), with
the milliseconds per step and, under gvirtus, the synchronous round trips
per step (the worker's request count, read through
gvirtusGetWorkerStatsSized in the preloaded libcudart; -1 natively).  A
measurement, not a test: bench/torch.sh runs it natively, in the guest
and over TCP.  Usage: torch_step.py [STEPS]
"""
import ctypes
import sys
import time

import torch


class WorkerStats(ctypes.Structure):
    # include/gvirtus/gvirtus_ext.h's gvirtus_worker_stats
    _fields_ = [("sessions", ctypes.c_uint32), ("session_id", ctypes.c_uint32)] + [
        (n, ctypes.c_uint64)
        for n in ("session_allocs", "session_bytes", "total_allocs", "total_bytes",
                  "sessions_closed", "bytes_freed_at_close", "session_calls",
                  "session_exec_ns", "session_requests")
    ]


def stats_reader():
    try:
        fn = ctypes.CDLL(None).gvirtusGetWorkerStatsSized
    except AttributeError:
        return None
    fn.argtypes = [ctypes.POINTER(WorkerStats), ctypes.c_size_t]

    def read():
        s = WorkerStats()
        return s.session_requests if fn(ctypes.byref(s), ctypes.sizeof(s)) == 0 else None
    return read


requests = stats_reader()


def row(metric, value, unit):
    print(f"{metric},{value:.3f},{unit},-1", flush=True)


def measure(name, step, steps):
    """Warm up (allocator, cuBLAS/cuDNN plans), then time STEPS steps with
    one synchronization at the end, as a training loop that logs rarely."""
    for _ in range(5):
        step()
    torch.cuda.synchronize()
    r0 = requests() if requests else None
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    torch.cuda.synchronize()
    ms = (time.perf_counter() - t0) * 1e3 / steps
    r1 = requests() if requests else None
    row(f"torch {name} step", ms, "ms")
    if r0 is not None and r1 is not None:
        # less the closing synchronization and the second stats call
        row(f"round trips per torch {name} step", max(r1 - r0 - 2, 0) / steps, "requests")


def training_step(model, opt, x, y):
    """One classifier training step on a fixed batch, as a closure."""
    def step():
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def mlp_step():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(512, 2048), torch.nn.ReLU(),
                                torch.nn.Linear(2048, 2048), torch.nn.ReLU(),
                                torch.nn.Linear(2048, 10)).cuda()
    return training_step(model, torch.optim.Adam(model.parameters(), lr=1e-3),
                         torch.randn(256, 512, device="cuda"),
                         torch.randint(0, 10, (256,), device="cuda"))


def cnn_step():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 32, 3, padding=1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.BatchNorm2d(64), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(64 * 8 * 8, 10)).cuda()
    return training_step(model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
                         torch.randn(64, 3, 32, 32, device="cuda"),
                         torch.randint(0, 10, (64,), device="cuda"))


def python_loop():
    """The same pure-Python work in every mode: its ratio to native is what
    the guest's CPU costs (TCG emulates it) apart from gvirtus."""
    t0 = time.perf_counter()
    acc = 0
    for i in range(2_000_000):
        acc += i * i % 7
    row("python loop 2M iterations", (time.perf_counter() - t0) * 1e3, "ms")


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 20
    print(f"# {torch.cuda.get_device_name(0)}, torch {torch.__version__}, {steps} steps",
          flush=True)
    python_loop()
    measure("mlp", mlp_step(), steps)
    for cudnn in (False, True):
        torch.backends.cudnn.enabled = cudnn
        name = "cnn (cuDNN)" if cudnn else "cnn (no cuDNN)"
        try:
            measure(name, cnn_step(), steps)
        except RuntimeError as e:
            print(f"# {name}: {str(e).splitlines()[0]}", flush=True)


main()
