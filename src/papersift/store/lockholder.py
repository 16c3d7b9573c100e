"""Who holds the run lock, for the message of a run that gave up waiting for it.

The lock file records the process id of the run that took the lock. The lock itself is an
``flock`` held by an open file description, so it outlives that process when a process it
started (a fork that kept the descriptor) is still running; the recorded id then names a process
that has ended. On Linux, ``/proc`` shows which processes have the lock file open, and the message
names them; elsewhere, or for a process in another container or on another machine sharing the
folder, it says that the holder cannot be seen from here.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")


@dataclass(frozen=True, slots=True)
class LockHolder:
    """What can be told about the holder of a lock."""

    recorded: int | None
    """The process id written in the lock file by the run that took it, if any."""
    running: bool
    """Whether that process still runs (and, where it can be seen, has the lock file open)."""
    openers: tuple[tuple[int, str], ...] | None
    """Other processes with the lock file open, with their command lines; ``None`` when this
    system cannot tell (no ``/proc``)."""

    def describe(self, lock_path: Path, timeout: float) -> tuple[str, str]:
        """The message and the hint of the error for a lock still held after ``timeout``."""
        waited = f"waited {timeout:g} s for the lock {str(lock_path)!r}"
        if self.recorded is None or self.running:
            who = f" (process {self.recorded})" if self.recorded else ""
            return (
                f"Another papersift run{who} is using the database; {waited}.",
                "Let that run finish, or raise [store] lock_timeout to wait longer.",
            )
        gone = (
            f"The database is locked, but process {self.recorded}, which took the lock, is no "
            f"longer running; {waited}."
        )
        if self.openers:
            names = ", ".join(f"process {pid} ({command})" for pid, command in self.openers)
            pids = " ".join(str(pid) for pid, _ in self.openers)
            return (
                f"{gone} Still holding the lock file open: {names}.",
                f"That is most likely a process the ended run started, left running. Let it "
                f"finish, or stop it (kill {pids}) and run again.",
            )
        return (
            f"{gone} The process holding it is not visible from here: it runs in another "
            "container or on another machine that shares the database's folder.",
            "Stop or wait for the papersift run there; the lock is freed when that process ends. "
            "Deleting the lock file does not free it.",
        )


def run_lock_held(database: Path) -> bool:
    """Whether some process holds the run lock of ``database`` now (tried without waiting and
    without writing, so a read-only command can ask)."""
    lock_path = database.with_name(database.name + ".lock")
    try:
        descriptor = os.open(lock_path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(descriptor)
    return False


def lock_holder(lock_path: Path) -> LockHolder:
    """What the lock file and ``/proc`` tell about the holder of ``lock_path``."""
    recorded = _recorded(lock_path)
    openers = _openers(lock_path)
    running = recorded is not None and _alive(recorded)
    if running and openers is not None:
        running = any(pid == recorded for pid, _ in openers)
    others = None if openers is None else tuple(o for o in openers if o[0] != recorded)
    return LockHolder(recorded, running, others)


def _recorded(lock_path: Path) -> int | None:
    try:
        text = lock_path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _openers(lock_path: Path) -> tuple[tuple[int, str], ...] | None:
    """The processes other than this one with ``lock_path`` open, or ``None`` without /proc."""
    if not (_PROC / "self" / "fd").is_dir():
        # TODO(#4): without /proc (macOS, BSD) a lock kept by a leftover child of an ended run is
        # reported as held by a process elsewhere; asking lsof would find it.
        return None
    try:
        target = os.stat(lock_path)
    except OSError:
        return ()
    found = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        if _has_open(entry, (target.st_dev, target.st_ino)):
            found.append((int(entry.name), _command(entry)))
    return tuple(sorted(found))


def _has_open(process: Path, identity: tuple[int, int]) -> bool:
    try:
        descriptors = list((process / "fd").iterdir())
    except OSError:
        return False
    for descriptor in descriptors:
        try:
            status = descriptor.stat()
        except OSError:
            continue
        if (status.st_dev, status.st_ino) == identity:
            return True
    return False


def _command(process: Path) -> str:
    try:
        raw = (process / "cmdline").read_bytes()
    except OSError:
        return "?"
    command = " ".join(raw.replace(b"\0", b" ").decode(errors="replace").split())
    return command if len(command) <= 60 else command[:57] + "..."
