"""Confinement for other people's notes: an example's process may write only where it must, opens no TCP
connection, and sees a scrubbed environment. Landlock through raw syscalls (ctypes); pure Python, no torch.

The example's process calls `confine()` when its job asks (`Runner(sandbox=True)`; `noteproof run --sandbox`,
on by default for `audit`, `fix` and `init`), and the row says what held. What it stops and what it does not:
- writes outside the allowed folders (Landlock file-system rights; reads stay open: torch must load its libraries);
- TCP connect and bind (Landlock ABI >= 4); UDP, raw and Unix sockets are not covered by Landlock;
- environment variables outside the allow-list (`ENV_ALLOWED`), HOME and TMPDIR pointing at the scratch folder.
It does not stop an example from forging its own observation (it runs in the process that reports it), from
using CPU and memory (the worker's timeouts and watchdog do), or from reading files the user can read.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# x86_64 and aarch64 share these numbers (asm-generic/unistd.h).
_SYSCALLS = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Access rights (linux/landlock.h), by the ABI that introduced them.
_WRITE_FILE, _REMOVE_DIR, _REMOVE_FILE = 1 << 1, 1 << 4, 1 << 5
_MAKE = (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12)  # char dir reg sock fifo blk sym
_REFER, _TRUNCATE = 1 << 13, 1 << 14  # ABI 2, ABI 3
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
_FILE_ONLY = _WRITE_FILE | _TRUNCATE  # the rights a rule on a single file (not a folder) may grant

# Variables an example keeps; everything else (tokens, keys, the user's own settings) is dropped.
ENV_ALLOWED = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
ENV_ALLOWED_PREFIXES = ("LC_", "CUDA_", "NVIDIA_", "TORCH_", "PYTORCH_", "NOTEPROOF_")


class _RulesetAttr(ctypes.Structure):
    _fields_ = (("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64))


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


@dataclass(frozen=True)
class Protections:
    """What held, said as a row would say it; `missing` names what the kernel could not give."""

    writes: bool
    tcp: bool
    environment: bool
    abi: int  # the kernel's Landlock ABI; 0 where Landlock is missing or disabled
    missing: tuple[str, ...] = ()

    def describe(self) -> str:
        held = [
            name
            for name, on in (
                (f"writes only in the scratch and data folders (Landlock ABI {self.abi})", self.writes),
                ("no TCP connections (Landlock)", self.tcp),
                ("scrubbed environment", self.environment),
            )
            if on
        ]
        text = "sandbox: " + ("; ".join(held) if held else "no protection in force")
        return text + (f"; not in force: {', '.join(self.missing)}" if self.missing else "")


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    numbers = _SYSCALLS.get(platform.machine())
    if numbers is None:
        return 0
    version = _libc().syscall(numbers[0], None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(int(version), 0)


def scrubbed_environment(environ: Mapping[str, str], scratch: Path) -> dict[str, str]:
    kept = {k: v for k, v in environ.items() if k in ENV_ALLOWED or k.startswith(ENV_ALLOWED_PREFIXES)}
    return {**kept, "HOME": str(scratch), "TMPDIR": str(scratch)}


def confine(scratch: Path, writable: Iterable[Path] = ()) -> Protections:
    """Confine this process (and what it starts from now on) for good. Call it in the example's own process,
    single-threaded, after the fork: Landlock binds the calling thread and every thread and process it makes."""
    environment = scrubbed_environment(os.environ, scratch)
    os.environ.clear()
    os.environ.update(environment)
    abi = landlock_abi()
    if abi < 1:
        return Protections(False, False, True, 0, ("write limits", "network limits (Landlock is missing)"))
    fs = _WRITE_FILE | _REMOVE_DIR | _REMOVE_FILE | _MAKE | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0)
    net = _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0
    libc, (create, add_rule, restrict) = _libc(), _SYSCALLS[platform.machine()]
    attr = _RulesetAttr(fs, net)
    size = ctypes.sizeof(_RulesetAttr) if net else ctypes.sizeof(ctypes.c_uint64)  # ABI < 4 knows only the first
    ruleset = int(libc.syscall(create, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)))
    if ruleset < 0:
        return Protections(False, False, True, abi, ("write limits", "network limits"))
    try:
        folders = [scratch, *writable, Path("/dev/shm")]  # /dev/shm: DataLoader workers share tensors there
        for path, rights in [*((p, fs) for p in folders), (Path("/dev/null"), fs & _FILE_ONLY)]:
            _allow(libc, add_rule, ruleset, path, rights)
        _libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        restricted = int(libc.syscall(restrict, ctypes.c_int(ruleset), ctypes.c_uint32(0))) == 0
    finally:
        os.close(ruleset)
    if not restricted:
        return Protections(False, False, True, abi, ("write limits", "network limits"))
    return Protections(True, bool(net), True, abi, () if net else ("network limits (Landlock ABI < 4)",))


def _allow(libc: ctypes.CDLL, add_rule: int, ruleset: int, path: Path, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a folder that is not there cannot be written anyway
    with contextlib.closing(_Fd(fd)):
        rule = _PathBeneathAttr(rights, fd)
        libc.syscall(add_rule, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(rule), 0)


class _Fd:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def close(self) -> None:
        os.close(self.fd)
