"""Measuring one process (wall time, memory, its Timings: line) and the S3 server it talks to."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import common  # noqa: F401 - test/python on sys.path

from support.s3server import S3Server, request_counts


@dataclass
class Run:
    """One measured process: wall time, memory, the S3 requests it caused, its own timings."""

    seconds: float
    max_rss_kb: int  # ru_maxrss of the process and its reaped descendants: the largest process
    cpu_seconds: float = 0.0  # user + system CPU of the process tree (the client's own work)
    server_cpu_seconds: float = 0.0  # the S3 server's CPU meanwhile (it shares the cores)
    requests: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)  # bin/compile's Timings: line
    timings: str = ""  # that line as printed
    tree_rss_kb: int | None = None  # sampled sum of RSS over the live process tree
    capped: bool = False  # stopped at --cap: ``seconds`` is a lower bound


class ScenarioError(Exception):
    """A measured command failed: the benchmark reports it and exits non-zero at the end."""


class TreeSampler(threading.Thread):
    """Sum the RSS of a process and all its live descendants every 50 ms; keep the peak.

    ru_maxrss only knows the single largest process, but bin/compile runs the build helper and
    the app's collect process at the same time, so the sum over the tree is what a dyno's
    memory limit would see (an upper bound: shared pages count once per process).
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self._done = threading.Event()
        self._page_kb = os.sysconf("SC_PAGE_SIZE") // 1024

    def run(self) -> None:
        while not self._done.is_set():
            self.peak_kb = max(self.peak_kb, self._tree_kb())
            self._done.wait(self.interval)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak_kb

    def _tree_kb(self) -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            pid = int(entry)
            children.setdefault(int(fields[1]), []).append(pid)
            rss[pid] = int(fields[21]) * self._page_kb
        total, pending = 0, [self.pid]
        while pending:
            pid = pending.pop()
            total += rss.get(pid, 0)
            pending.extend(children.get(pid, ()))
        return total


def measure(
    command: list[str],
    env: dict[str, str],
    cwd: str | Path | None = None,
    timeout: float = 1800,
    sample_tree: bool = False,
    cap: float | None = None,
) -> tuple[Run, str]:
    """Run a command to completion in its own session; its wall time, memory and output.

    ``os.wait4`` gives the rusage of exactly this child and the descendants it reaped, so each
    run's peak memory is its own, not the maximum over everything the benchmark started before.
    Past ``timeout`` the process group is killed and the run is an error; past ``cap`` (for the
    slow baselines) it is killed too, but the run counts, as a lower bound on its time.
    """
    limit = min(timeout, cap) if cap else timeout
    fired = threading.Event()
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        sampler = TreeSampler(process.pid) if sample_tree else None
        if sampler:
            sampler.start()
        timer = threading.Timer(limit, _kill_group, (process.pid, fired))
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:  # Ctrl-C: leave nothing running behind
            _kill_group(process.pid, fired)
            process.wait()
            raise
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        tree_kb = sampler.stop() if sampler else None
        cpu = usage.ru_utime + usage.ru_stime
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    if fired.is_set() and cap and limit == cap:
        return Run(seconds, usage.ru_maxrss, cpu, tree_rss_kb=tree_kb, capped=True), text
    if process.returncode != 0:
        tail = "\n".join(text.rstrip().splitlines()[-25:])
        raise ScenarioError(
            f"{' '.join(command[:3])} ... exited {process.returncode} after {seconds:.1f} s:\n"
            f"{tail}"
        )
    return Run(seconds, usage.ru_maxrss, cpu, tree_rss_kb=tree_kb), text


def _kill_group(pid: int, fired: threading.Event) -> None:
    fired.set()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


_PHASE = re.compile(r"^\s*(.+?) (\d+(?:\.\d+)?) s$")


def parse_timings(output: str) -> dict[str, float]:
    """bin/compile's ``Timings:`` line as {phase: seconds}; "list (3 requests)" becomes "list"."""
    for line in reversed(output.splitlines()):
        if "Timings: " in line:
            phases = {}
            for part in line.split("Timings: ", 1)[1].split(", "):
                match = _PHASE.match(part)
                if match:
                    phases[re.sub(r"\s*\(.*\)", "", match.group(1))] = float(match.group(2))
            return phases
    raise ScenarioError("bin/compile printed no Timings: line")


@dataclass
class Server:
    """The one local S3 server of a run, with fresh buckets and settled request counters."""

    s3: S3Server

    def bucket(self, label: str) -> str:
        name = f"bench-{label}-{uuid.uuid4().hex[:8]}"[:63]
        return self.s3.make_bucket(name, public=True)

    def counts(self, bucket: str) -> dict[str, int]:
        """The server's counters, read until two reads agree (they lag a response slightly)."""
        previous = request_counts(self.s3.metrics, bucket)
        for _ in range(20):
            time.sleep(0.05)
            current = request_counts(self.s3.metrics, bucket)
            if current == previous:
                return current
            previous = current
        return previous

    @contextlib.contextmanager
    def counting(self, bucket: str, run_holder: list[Run]) -> Iterator[None]:
        """Attach the requests made to ``bucket`` inside the block to the run it appends."""
        before, cpu_before = self.counts(bucket), self.cpu()
        yield
        cpu_after, after = self.cpu(), self.counts(bucket)
        delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        run_holder[-1].requests = {k: v for k, v in sorted(delta.items()) if v}
        run_holder[-1].server_cpu_seconds = cpu_after - cpu_before

    def cpu(self) -> float:
        """User + system CPU seconds the server (one weed process) has used so far."""
        with open(f"/proc/{self.s3.pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
