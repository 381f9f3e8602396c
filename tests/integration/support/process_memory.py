"""A process's resident memory as the kernel reports it (/proc/PID/status VmRSS), for the tests
that show the gate's memory stays bounded while it streams (web SFTP's 100 MB transfers, the
browser terminal's 100 MB `cat`): rss_kib reads it once, RssSampler keeps the peak while a
`with` block runs. `bound_checked()` says whether a bound on it means anything in this build:
not under Sanitize, whose ASan keeps freed memory in its quarantine (256 MiB), so a Sanitize
run grows by ~300 MiB whatever the streaming does; nor under Tsan, whose allocator and shadow
memory keep what a burst took."""
import os
import threading
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def bound_checked():
    return os.environ.get("GATEHOUSE_BUILD_TYPE") not in ("Sanitize", "Tsan")


class RssSampler:
    """The process's resident memory, sampled every 20 ms while the `with` block runs (or from
    start() to finish()): `before` (KiB, on entry) and `peak` (KiB)."""
    def __init__(self, pid):
        self.pid, self.peak, self.stopping = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stopping.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.02)

    def start(self):
        self.before = rss_kib(self.pid)
        self.thread.start()
        return self

    def finish(self):
        self.stopping.set()
        self.thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.finish()
