"""Memory measurement: a process tree's RSS and PSS sampled while a step runs, or a process's
own peak."""

from __future__ import annotations

import resource
import threading
import time


class MemorySampler:
    """Samples a process tree's memory in a thread: RSS of the process and all its children,
    summed (what the target is about), every `every` seconds; PSS (shared pages split between
    the processes sharing them) less often, as smaps is slower to read."""

    def __init__(self, pid: int, every: float = 0.05, pss_every: float = 0.5):
        import psutil

        self.root = psutil.Process(pid)
        self.every = every
        self.pss_every = pss_every
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_processes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self):
        import psutil

        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return []

    def sample(self, with_pss: bool) -> None:
        import psutil

        rss = pss = 0
        processes = self._tree()
        for process in processes:
            try:
                if with_pss:
                    info = process.memory_full_info()
                    rss += info.rss
                    pss += info.pss
                else:
                    rss += process.memory_info().rss
            except psutil.Error:
                continue
        self.samples += 1
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_processes = max(self.peak_processes, len(processes))

    def _run(self) -> None:
        last_pss = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            with_pss = now - last_pss >= self.pss_every
            if with_pss:
                last_pss = now
            self.sample(with_pss)
            self._stop.wait(self.every)

    def __enter__(self):
        self.sample(True)
        self.idle_rss = self.peak_rss
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.sample(True)


def own_peak_rss_mb() -> float:
    """This process's peak RSS so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
