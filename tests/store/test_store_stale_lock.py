"""A lock whose recorded process has ended: the message says so and names who still holds it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from store_helpers import papersift_env, run_demo, write_config

from papersift.store import Store

# Takes the run lock, forks a child that keeps the lock's descriptor, prints the child's id and
# ends without releasing anything: the lock file then names a process that is gone.
FORK_AND_LEAVE = """
import os, sys, time
from pathlib import Path
from papersift.store import Store
store = Store.open(Path(sys.argv[1]))
with store.run_lock(5):
    child = os.fork()
    if child == 0:
        time.sleep(float(sys.argv[2]))
        os._exit(0)
    print(child, flush=True)
    os._exit(0)
"""


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_lock_left_to_a_child_of_an_ended_run_names_both(tmp_path: Path) -> None:
    config = write_config(tmp_path, extra="[store]\nlock_timeout = 1\n")
    db = tmp_path / "papersift.sqlite3"
    parent = subprocess.Popen(
        [sys.executable, "-c", FORK_AND_LEAVE, str(db), "60"],
        env=papersift_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    parent.stdout.close()
    assert parent.wait(30) == 0
    try:
        assert _gone(parent.pid) and not _gone(child)
        assert (db.with_name(db.name + ".lock")).read_text().strip() == str(parent.pid)
        result = run_demo(config, db, cwd=tmp_path)
    finally:
        os.kill(child, signal.SIGKILL)
    assert result.returncode == 2, result.stderr
    error = " ".join(result.stderr.split())
    assert f"process {parent.pid}, which took the lock, is no longer running" in error
    assert f"process {child} (" in error and f"kill {child}" in error
    assert "Traceback" not in result.stderr
    # Once the child is gone the lock is free again.
    deadline = time.monotonic() + 10
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    with Store.open(db) as store, store.run_lock(5):
        pass


def test_a_live_holder_is_named_as_before(tmp_path: Path) -> None:
    db = tmp_path / "papersift.sqlite3"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\nfrom papersift.store import Store\n"
            "with Store.open(Path(sys.argv[1])) as s, s.run_lock(5):\n"
            "    print('holding', flush=True)\n    time.sleep(30)\n",
            str(db),
        ],
        env=papersift_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    try:
        from papersift.errors import StoreError

        with Store.open(db) as store:
            try:
                with store.run_lock(0.3):
                    raise AssertionError("the lock was taken while held")
            except StoreError as error:
                assert f"Another papersift run (process {holder.pid})" in error.message
                assert "lock_timeout" in (error.hint or "")
    finally:
        holder.stdout.close()
        holder.kill()
        holder.wait()
