# SPDX-License-Identifier: MIT
"""PyTorch on CUDA, checked against the CPU: the issue's seven scripts in
one program, run natively, in the guest and over TCP by tests/torch/run.sh.

Each check prints "pass: WHAT" or "FAIL WHAT: WHY"; values another mode's
run must match (losses) print as "value NAME: V", compared by run.sh.
Exit status 0 iff nothing failed.  A check that raises counts as failed
and the rest still run.
"""
import os
import sys
import time
import traceback

import torch

failed = passed = 0


def check(what, cond, why=""):
    global failed, passed
    if cond:
        passed += 1
        print("pass:", what, flush=True)
    else:
        failed += 1
        print("FAIL %s: %s" % (what, why), flush=True)


def value(name, v):
    print("value %s: %.6g" % (name, v), flush=True)


def step(name, fn):
    t0 = time.time()
    try:
        fn()
    except Exception as e:  # a failing check must not stop the others
        check(name, False, "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:300] if str(e) else ""))
        traceback.print_exc(file=sys.stdout)
    print("time %s: %.1f s" % (name, time.time() - t0), flush=True)


def close(a, b, rtol, atol):
    return torch.allclose(a.detach().float().cpu(), b.detach().float().cpu(), rtol=rtol, atol=atol)


def device_basics():
    check("torch.cuda.is_available()", torch.cuda.is_available())
    check("one device or more", torch.cuda.device_count() >= 1, str(torch.cuda.device_count()))
    p = torch.cuda.get_device_properties(0)
    print("device 0:", torch.cuda.get_device_name(0), p.total_memory >> 20, "MiB,",
          "sm %d.%d" % (p.major, p.minor), flush=True)
    check("device name", len(torch.cuda.get_device_name(0)) > 0)
    check("total memory", p.total_memory > (1 << 30), str(p.total_memory))
    x = torch.empty(1 << 20, device="cuda")
    check("memory_allocated counts a tensor", torch.cuda.memory_allocated() >= 4 << 20,
          str(torch.cuda.memory_allocated()))
    free, total = torch.cuda.mem_get_info()
    check("mem_get_info", 0 < free <= total, "%d %d" % (free, total))
    del x


def elementwise():
    torch.manual_seed(0)
    a = torch.randn(1000, 1000)
    b = torch.randn(1000, 1000)
    ga, gb = a.cuda(), b.cuda()
    check("add, mul, exp, where", close(torch.where(ga > 0, (ga + gb) * gb, torch.exp(ga)),
                                        torch.where(a > 0, (a + b) * b, torch.exp(a)), 1e-5, 1e-5))
    check("sum, mean, max", close(torch.stack([ga.sum(), ga.mean(), ga.max()]),
                                  torch.stack([a.sum(), a.mean(), a.max()]), 1e-4, 1e-3))
    check("softmax", close(torch.softmax(ga, 1), torch.softmax(a, 1), 1e-5, 1e-6))
    idx = torch.randint(0, 1000, (5000,))
    check("index_select and gather", close(ga[idx.cuda()], a[idx], 0, 0))
    check("cumsum", close(ga.cumsum(1), a.cumsum(1), 1e-4, 1e-3))
    g = torch.Generator(device="cuda").manual_seed(1)
    r = torch.rand(1 << 20, device="cuda", generator=g)
    check("rand in [0, 1), mean near 0.5", bool((r >= 0).all() and (r < 1).all()) and
          abs(r.mean().item() - 0.5) < 0.01, str(r.mean().item()))
    n = torch.randn(1 << 20, device="cuda", generator=g)
    check("randn mean near 0, std near 1", abs(n.mean().item()) < 0.01 and
          abs(n.std().item() - 1) < 0.01, "%g %g" % (n.mean().item(), n.std().item()))


def matmuls():
    torch.manual_seed(0)
    a = torch.randn(512, 384)
    b = torch.randn(384, 256)
    ref = a.double() @ b.double()
    check("matmul fp32", close((a.cuda() @ b.cuda()).double(), ref, 1e-3, 1e-3))
    for t, tol in ((torch.float16, 5e-2), (torch.bfloat16, 2e-1)):
        got = (a.cuda().to(t) @ b.cuda().to(t)).double()
        check("matmul %s" % str(t).split(".")[1], close(got, ref, tol, tol),
              "max abs err %g" % (got.cpu() - ref).abs().max().item())
    lin = torch.nn.Linear(384, 256)
    check("linear with bias (addmm)", close(lin.cuda()(a.cuda()), lin.cpu()(a), 1e-4, 1e-4))


def mlp():
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                            torch.nn.ReLU(), torch.nn.Linear(256, 1)).cuda()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1024, 64, generator=g).cuda()
    y = (x ** 2).sum(1, keepdim=True)
    losses = []
    for i in range(200):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(m(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    for i in (0, 49, 99, 199):
        value("mlp loss step %d" % (i + 1), losses[i])
    check("MLP 200 Adam steps: the loss falls", losses[-1] < 0.5 * losses[0],
          "%g -> %g" % (losses[0], losses[-1]))


def cnn():
    torch.backends.cudnn.enabled = True
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.BatchNorm2d(16),
                              torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Conv2d(16, 32, 3),
                              torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                              torch.nn.Linear(32, 10))
    x = torch.randn(8, 3, 32, 32)
    t = torch.randint(0, 10, (8,))
    cpu = [p.clone() for p in net.parameters()]
    loss_c = torch.nn.functional.cross_entropy(net(x), t)
    loss_c.backward()
    grads_c = [p.grad.clone() for p in net.parameters()]
    net.zero_grad()
    with torch.no_grad():
        for p, c in zip(net.parameters(), cpu):
            p.copy_(c)
    net = net.cuda()
    loss_g = torch.nn.functional.cross_entropy(net(x.cuda()), t.cuda())
    loss_g.backward()
    check("CNN forward (cuDNN) vs CPU", close(loss_g, loss_c, 1e-4, 1e-4),
          "%g vs %g" % (loss_g.item(), loss_c.item()))
    check("CNN backward: every gradient vs CPU",
          all(close(p.grad, gc, 1e-3, 1e-4) for p, gc in zip(net.parameters(), grads_c)))
    value("cnn loss", loss_g.item())


def graphs():
    s = torch.cuda.Stream()
    x = torch.zeros(1 << 16, device="cuda")
    y = torch.zeros_like(x)
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(2):  # warm-up, as torch.cuda.graphs asks
            y.copy_(x * 2 + 1)
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        y.copy_(x * 2 + 1)
    for v in (1.0, 5.0, -3.0):
        x.fill_(v)
        g.replay()
        torch.cuda.synchronize()
        check("CUDA graph replay with x = %g" % v, bool((y == 2 * v + 1).all()))


def compiled():
    def f(a, b):
        return torch.sin(a) * torch.cos(b) + a * b

    torch.manual_seed(0)
    a = torch.randn(4096, device="cuda")
    b = torch.randn(4096, device="cuda")
    cf = torch.compile(f, backend="inductor")
    check("torch.compile (Triton) vs eager", close(cf(a, b), f(a, b), 1e-5, 1e-5))


if __name__ == "__main__":
    print("torch", torch.__version__, "cuda", torch.version.cuda, flush=True)
    only = sys.argv[1:]
    for name, fn in (("device", device_basics), ("elementwise", elementwise),
                     ("matmul", matmuls), ("mlp", mlp), ("cnn", cnn), ("graphs", graphs),
                     ("compile", compiled)):
        if not only or name in only:
            step(name, fn)
    print("torch_checks: %d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)
