"""Landing files read in worker processes, so that reading uses every core.

Each worker is a fresh `python -m ingest.read_workers`, not a fork: the parent may be an
Airflow task holding far more memory than a reader needs (and multiprocessing's spawn
would import the parent's __main__, which may be Airflow's CLI). A job names one file;
the worker reads it, checks its sha256 against the one the parent hashed, and keeps what
it read as the file's cache entry (ingest/cache.py). The entry's metadata comes back over
the pipe, with the rows themselves when they are small (a workbook's, at most
HANDOVER_BYTES): the parent then need not read them back from disk, nor, with the cache
off, need they be written at all. A large file's rows (a survey year) stay on disk, so the
parent's memory does not grow with the number of files in flight.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.abc
import os
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler
from pathlib import Path


class _WithoutPandas(importlib.abc.MetaPathFinder):
    """pyarrow imports pandas (45 MB and 0.3 s) on its first pa.array only to look for
    pandas objects, which a worker never has; it carries on without it when it is absent.
    The same holds for numpy (10 MB and 0.1 s at start-up, which is on the run's path)."""

    _UNUSED = ("pandas", "numpy")

    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] in self._UNUSED:
            raise ModuleNotFoundError(f"{name} is not used in an ingest read worker", name=name)
        return None


if __name__ == "__main__":
    sys.meta_path.insert(0, _WithoutPandas())

from ingest.config import PROJECT_ROOT  # noqa: E402
from ingest.discover import LandingFile  # noqa: E402


# Enough queued to keep a worker busy while the parent writes a large table's parquet,
# and few enough that their messages always fit in a pipe (64 KiB on Linux).
JOBS_PER_WORKER = 64
_LARGE_BYTES = 1 << 20


@dataclass(frozen=True)
class Job:
    index: int  # the parent's own number for the job
    file: LandingFile
    sha256: str
    column_map: dict[str, str] | None
    entry: str  # the entry key it is kept under


class ReadWorkers:
    """`count` worker processes sharing one store (a cache root) and one pseudonymisation key.

    `submit` never blocks: a worker holds at most JOBS_PER_WORKER jobs, whose messages
    (about 500 bytes each) fit in its pipe. `results` waits for the next finished jobs,
    in whatever order they finish.
    """

    def __init__(self, count: int, store_root: Path, secret: bytes, *, keep: bool = True):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
        self._workers: list[tuple[subprocess.Popen, Connection, Connection]] = []
        self._outstanding: list[int] = []  # bytes of landing files each worker has yet to read
        self._jobs: list[int] = []  # jobs each worker has yet to finish
        self._size: dict[int, tuple[int, int]] = {}  # job index -> (worker, bytes)
        try:
            for _ in range(count):
                job_read, job_write = os.pipe()
                result_read, result_write = os.pipe()
                process = subprocess.Popen(
                    [sys.executable, "-m", "ingest.read_workers", str(job_read), str(result_write)],
                    pass_fds=(job_read, result_write),
                    env=env,
                )
                os.close(job_read)
                os.close(result_write)
                jobs, results = Connection(job_write, readable=False), Connection(result_read, writable=False)
                self._workers.append((process, jobs, results))
                self._outstanding.append(0)
                self._jobs.append(0)
                # Through the pipe: never in argv or the environment.
                jobs.send((str(store_root), secret, keep))
        except BaseException:
            self.close()
            raise

    def can_take(self) -> bool:
        return any(count < JOBS_PER_WORKER for count in self._jobs)

    def submit(self, job: Job, size: int) -> None:
        """To the worker with the fewest bytes still to read, of those that can take one."""
        free = [worker for worker, count in enumerate(self._jobs) if count < JOBS_PER_WORKER]
        worker = min(free, key=self._outstanding.__getitem__)
        self._outstanding[worker] += size
        self._jobs[worker] += 1
        self._size[job.index] = (worker, size)
        self._workers[worker][1].send(job)

    def results(self) -> list[tuple[int, dict, bytes | None]]:
        """(job index, entry metadata, rows handed over or None) of the jobs that have
        finished; an error in a worker is raised here."""
        connections = {results: worker for worker, (_, _, results) in enumerate(self._workers)}
        finished = []
        for results in wait(list(connections)):
            try:
                index, outcome = results.recv()
            except EOFError:
                raise RuntimeError("an ingest read worker stopped unexpectedly") from None
            worker, size = self._size.pop(index)
            self._outstanding[worker] -= size
            self._jobs[worker] -= 1
            if isinstance(outcome, BaseException):
                raise outcome
            finished.append((index, *outcome))
        return finished

    def close(self) -> None:
        """Stop the workers: each ends when its job pipe closes, after the job in hand."""
        for _, jobs, results in self._workers:
            jobs.close()
            results.close()  # a worker still sending (after an error here) fails at once
        for process, _, _ in self._workers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._workers = []

    def __enter__(self) -> ReadWorkers:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _serve(job_fd: int, result_fd: int) -> None:
    import pyarrow as pa

    from ingest.cache import FileCache, read_into

    # A workbook's cells set the garbage collector off often; what was imported so far is
    # kept out of its scans, which took two thirds of its time.
    gc.freeze()
    jobs, results = Connection(job_fd, writable=False), Connection(result_fd, readable=False)
    store_root, secret, keep = jobs.recv()
    store = FileCache(Path(store_root))
    outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    sender = threading.Thread(target=_send, args=(results, outbox), daemon=True)
    sender.start()
    try:
        while sender.is_alive():
            try:
                job: Job = jobs.recv()
            except EOFError:
                return
            data = None
            try:
                data = job.file.path.read_bytes()
                if hashlib.sha256(data).hexdigest() != job.sha256:
                    raise OSError(f"{job.file.relpath} changed while it was being read")
                outcome = read_into(store, job.entry, job.file, data, job.column_map, secret, keep=keep)
            except Exception as error:  # raised again in the parent
                outcome = error
            if data is not None and len(data) >= _LARGE_BYTES:
                del data
                pa.default_memory_pool().release_unused()  # else a survey year's memory stays with us
            data = None
            try:
                message = ForkingPickler.dumps((job.index, outcome))
            except Exception as error:  # an error that cannot be pickled
                unpicklable = RuntimeError(f"{job.file.relpath}: {outcome!r} ({error})")
                message = ForkingPickler.dumps((job.index, unpicklable))
            outbox.put(message)
    finally:
        outbox.put(None)
        sender.join()


def _send(results: Connection, outbox: queue.SimpleQueue) -> None:
    """Send each result as it is ready, in a thread of its own: a result with rows may not
    fit in the pipe, and the worker reads on while the parent is busy writing the raw zone."""
    while (message := outbox.get()) is not None:
        try:
            results.send_bytes(message)
        except OSError:
            return  # the parent has stopped listening


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
