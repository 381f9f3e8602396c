"""Gives the gate a CPU of its own in a benchmark.

On the bastion the targets and the engineers' clients are other machines; in a benchmark on
one host they are sshd children and a python client competing with gatehoused for the same
cores, and a burst of closes or releases wakes thousands of them at once. With --cpu-split
the gate (all its threads) runs on the first CPU and everything else (this script, sshd and
whatever they start) on the others, so that the figure is the gate's and not the scheduler's.
"""
import os


def split(gate_pid, other_pids):
    """Pins; returns a description for the results table ("shared" when it cannot split)."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return "shared (one CPU)"
    gate, rest = {cpus[0]}, set(cpus[1:])
    for tid in os.listdir(f"/proc/{gate_pid}/task"):
        os.sched_setaffinity(int(tid), gate)
    for pid in [*other_pids, os.getpid()]:
        os.sched_setaffinity(pid, rest)
    return f"gate on CPU {cpus[0]}, targets and clients on CPU {','.join(map(str, cpus[1:]))}"
