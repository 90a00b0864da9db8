# SPDX-License-Identifier: MIT
"""The math libraries' async class, for gvgen.py.

A compute call may go without a reply (guest-lib/math/gvm_async.c) when
nothing the library checks at the call can fail.  The annotation table
says which calls are compute calls (ASYNC, a name pattern) and gives the
guard: C conditions that prove the checks made on argument values
(async_guard: dimensions against leading dimensions, increments).  What the
guard leaves out becomes the call's key, learned from a synchronous call
that succeeded: the exact value of every other plain argument (enums,
types, counts), alignment classes of pointers and leading dimensions, the
pointer mode, and which pointers alias.  A call that names a field the
guard covers in a way it cannot prove stays synchronous.
"""
import re

import clang.cindex as ci

# Roles a queued call can have: it reads plain values and device memory,
# and writes only device memory.
ASYNC_ROLES = {"handle", "stream", "value", "devptr", "modal_in", "modal_out", "modal_buf"}


def plan(f, ann):
    """(guard, key terms) as C expressions for f's guest stub, or None."""
    pattern = getattr(ann, "ASYNC", None)
    if not pattern or not re.search(pattern, f.name):
        return None
    if any(r not in ASYNC_ROLES for r, _, _ in f.wire):
        return None
    # A compute call reads or writes device memory; a setter of handle
    # state that only the calls after it use may be listed instead.
    if not any(r in ("devptr", "modal_buf") for r, _, _ in f.wire) and \
            f.name not in getattr(ann, "ASYNC_SETTERS", ()):
        return None
    names = {p.name for p in f.params}
    guard = list(ann.async_guard(f.name, names))
    # A stream argument must be one this process knows live.
    guard += ["gv_stream_known(%s)" % p.name for r, p, _ in f.wire if r == "stream"]
    covered = getattr(ann, "ASYNC_COVERED", set())
    aligned = getattr(ann, "ASYNC_ALIGNED", None)
    modal = False
    key, ptrs, scalars = [], [], []
    for role, p, _ in f.wire:
        n = p.name
        if role in ("modal_in", "modal_out", "modal_buf"):
            modal = True
            # Scalars read or written in host memory: the call must be
            # the device's (modal_out, modal_buf) or its values sent.
            guard.append("%s != NULL" % n)
            if role != "modal_in":
                guard.append("!host_")
            (scalars if role != "modal_buf" else ptrs).append(n)
        elif role == "devptr":
            ptrs.append(n)
        elif role in ("handle", "stream"):
            key.append("(uint64_t)(uintptr_t)%s" % n if not p.type.get_canonical().kind
                       in INTS else "(uint64_t)(int64_t)%s" % n)
        elif p.type.get_canonical().kind not in INTS | FLOATS:
            return None
        elif n in covered:
            continue
        elif aligned and re.match(aligned, n):
            key.append("(uint64_t)%s & 15u" % n)
        elif p.type.get_canonical().kind in FLOATS:
            key.append("gvm_bits(%s)" % n)
        else:
            key.append("(uint64_t)(int64_t)%s" % n)
    if modal:
        key.append("(uint64_t)host_")
    # Scalars in host memory travel by value: their addresses say nothing.
    key += ["(host_ ? 0u : gvm_ptr_class(%s))" % n for n in scalars]
    key += ["gvm_ptr_class(%s)" % n for n in ptrs]
    # Which device buffers alias (in place or not), as a bit mask.
    pairs = [(a, b) for i, a in enumerate(ptrs[:4]) for b in ptrs[i + 1:4]]
    if pairs:
        key.append(" | ".join("(uint64_t)((const volatile void *)%s == (const volatile void *)%s) << %d"
                              % (a, b, i) for i, (a, b) in enumerate(pairs)))
    return " && ".join(guard) or "1", key


def resets(f, ann):
    """Whether f's call voids the library's learned keys."""
    pattern = getattr(ann, "ASYNC_RESET", None)
    return bool(pattern and re.search(pattern, f.name))


INTS = {ci.TypeKind.INT, ci.TypeKind.UINT, ci.TypeKind.LONG, ci.TypeKind.ULONG,
        ci.TypeKind.LONGLONG, ci.TypeKind.ULONGLONG, ci.TypeKind.SHORT, ci.TypeKind.USHORT,
        ci.TypeKind.CHAR_S, ci.TypeKind.UCHAR, ci.TypeKind.SCHAR, ci.TypeKind.ENUM}
FLOATS = {ci.TypeKind.FLOAT, ci.TypeKind.DOUBLE}
