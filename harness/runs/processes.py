"""Process trees on Linux, read from /proc: who descends from whom, what they hold in memory, and killing them all.

An example may start processes in new sessions and groups (`start_new_session=True`, `setsid`), so a group kill
misses them. What does not escape is parentage: the example's process and the worker are both child subreapers
(PR_SET_CHILD_SUBREAPER), so an orphan is re-parented to them, never to init, and every descendant is found by
following parent links. Pure Python (ctypes for prctl); no torch.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
from collections.abc import Iterable

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
# Set in the worker's environment, so every process an example starts inherits it: when the worker itself is
# killed (the OOM killer), the parent finds what it left by this mark.
WORKER_MARK = "NOTEPROOF_WORKER"


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)  # loaded once in the worker; its forked children inherit it


def _prctl(option: int, value: int) -> bool:
    try:
        return int(_libc().prctl(option, ctypes.c_ulong(value), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def become_subreaper() -> bool:
    """Orphaned descendants are re-parented to this process instead of init."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def die_with_parent(parent: int) -> None:
    """SIGKILL this process when its parent dies; if the parent died already (a race with the fork), exit now."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def parents() -> dict[int, int]:
    """pid -> parent pid for every process on the machine (about a millisecond for a hundred processes)."""
    found: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                # The command name (field 2) may hold spaces and parentheses: split after its closing one.
                found[int(entry)] = int(stat.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return found


def descendants(root: int, parent_of: dict[int, int]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, parent in parent_of.items():
        children.setdefault(parent, []).append(pid)
    found, frontier = [], [root]
    while frontier:
        below = children.get(frontier.pop(), [])
        found.extend(below)
        frontier.extend(below)
    return found


def kill_all(pids: Iterable[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def resident(pid: int) -> int:
    """Bytes of resident memory (RSS) of one process; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def private(pid: int) -> int:
    """Bytes of memory only this process holds (Private_Clean + Private_Dirty): a forked DataLoader worker is
    not charged again for the pages it shares with the example, an exec'd subprocess is charged all of its own."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total += int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        return resident(pid)
    return total


def marked_by(worker_pid: int) -> list[int]:
    """Processes that carry the worker's mark in their environment (what a killed worker's examples left)."""
    mark = f"{WORKER_MARK}={worker_pid}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as environ:
                if mark in environ.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found
