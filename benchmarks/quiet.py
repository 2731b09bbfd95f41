"""Run a benchmark with the rest of the machine's work at the lowest priority, restored afterwards.

    .venv/bin/python benchmarks/quiet.py [--db NAME ...] -- COMMAND ...

On a shared development machine (two cores, other engineers' test runs and benchmarks) a
benchmark's wall time says more about the others than about the code. Every half second while
COMMAND runs, every other process is set to nice 19 and, since the kernel schedules each session
as a group (autogroups: nice only weighs within a session), so is every other session's group;
COMMAND and its descendants, this script's own session, PostgreSQL's own helpers and the server
backends connected to a ``--db`` keep their priority. Afterwards each process and group gets its
old priority back (and children started meanwhile lose the 19 they inherited). The others still
run, slowly: the figures are those of a nearly idle machine, not of an idle one. Linux, as root.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

SERVER_HELPERS = (
    "checkpointer",
    "background writer",
    "walwriter",
    "autovacuum launcher",
    "logical replication",
)


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _at_nice_19() -> set[int]:
    found = set()
    for pid in _pids():
        try:
            if os.getpriority(os.PRIO_PROCESS, pid) == 19:
                found.add(pid)
        except OSError:
            pass
    return found


class Quiet:
    def __init__(self, databases: list[str]) -> None:
        self.databases = databases
        self.own = self._ancestors(os.getpid())
        with open("/proc/self/autogroup") as group:
            self.own_group = group.read().split()[0]
        self.child: subprocess.Popen | None = None
        self.nice: dict[int, int] = {}  # pid → its priority before
        self.groups: dict[str, tuple[int, int]] = {}  # group → (a pid in it, its nice before)
        self.at_19_before = _at_nice_19()

    @staticmethod
    def _ancestors(pid: int) -> set[int]:
        found = set()
        while pid > 1:
            found.add(pid)
            pid = _parent(pid)
        return found

    def _descends_from_child(self, pid: int) -> bool:
        for _ in range(64):
            if self.child is not None and pid == self.child.pid:
                return True
            if pid <= 1:
                return False
            pid = _parent(pid)
        return False

    def _keeps_priority(self, pid: int, command: str, name: str) -> bool:
        if pid in self.own or pid in self.nice or self._descends_from_child(pid):
            return True
        if name.startswith("postgres"):
            if "postgres: " not in command:  # the postmaster
                return True
            return any(f" {db} " in command for db in self.databases) or any(
                h in command for h in SERVER_HELPERS
            )
        return False

    def lower_the_others(self) -> None:
        for pid in _pids():
            try:
                with open(f"/proc/{pid}/cmdline") as cmdline, open(f"/proc/{pid}/comm") as comm:
                    command, name = cmdline.read().replace("\0", " "), comm.read().strip()
                if self._keeps_priority(pid, command, name):
                    continue
                self.nice[pid] = os.getpriority(os.PRIO_PROCESS, pid)
                os.setpriority(os.PRIO_PROCESS, pid, 19)
                if name.startswith("postgres"):
                    continue  # the server's group holds the measured backends too
                with open(f"/proc/{pid}/autogroup") as autogroup:
                    group = autogroup.read().split()
                if group and group[0] != self.own_group and group[0] not in self.groups:
                    self.groups[group[0]] = (pid, int(group[-1]))
                    with open(f"/proc/{pid}/autogroup", "w") as autogroup:
                        autogroup.write("19")
            except (OSError, ValueError):
                continue  # it ended meanwhile, or is not ours to change

    def restore(self) -> None:
        for pid, nice in self.groups.values():
            try:
                with open(f"/proc/{pid}/autogroup", "w") as autogroup:
                    autogroup.write(str(nice))
            except OSError:
                pass
        for pid in _at_nice_19() - self.at_19_before - set(self.nice):  # born of a lowered parent
            try:
                os.setpriority(os.PRIO_PROCESS, pid, 0)
            except OSError:
                pass
        for pid, nice in self.nice.items():
            try:
                os.setpriority(os.PRIO_PROCESS, pid, nice)
            except OSError:
                pass


def main() -> int:
    arguments = sys.argv[1:]
    databases = []
    while arguments and arguments[0] == "--db":
        databases.append(arguments[1])
        arguments = arguments[2:]
    if not arguments or arguments[0] != "--" or len(arguments) < 2:
        raise SystemExit(__doc__)
    quiet = Quiet(databases)
    stop = threading.Event()

    def keep_quiet() -> None:
        while not stop.is_set():
            quiet.lower_the_others()
            stop.wait(0.5)

    print(f"quiet: load average before {os.getloadavg()}", file=sys.stderr)
    quiet.child = subprocess.Popen(arguments[1:])
    lowering = threading.Thread(target=keep_quiet, daemon=True)
    lowering.start()
    try:
        code = quiet.child.wait()
    finally:
        stop.set()
        lowering.join()
        quiet.restore()
    print(
        f"quiet: load average after {os.getloadavg()}; {len(quiet.nice)} processes and"
        f" {len(quiet.groups)} session groups lowered meanwhile",
        file=sys.stderr,
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
