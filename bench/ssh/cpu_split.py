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


def descendants(pids):
    """The processes given and every process below them (read from /proc at this moment)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def split_trees(gate_pid, other_roots):
    """As split(), for servers already running with threads and children of their own (the
    other daemons, PostgreSQL and its backends): every thread of every process in those trees
    goes to the other CPUs; what they start later inherits it."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return "shared (one CPU)"
    rest = set(cpus[1:])
    for pid in descendants(other_roots):
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                os.sched_setaffinity(int(tid), rest)
        except OSError:  # it ended meanwhile
            pass
    return split(gate_pid, [])


def client_first():
    """This process (the load generator) at real-time priority from now on, its children not:
    the thousands of target processes a teardown ends all exit on the same CPU, and would
    otherwise keep the one client from reading the closes for seconds. Returns a note."""
    try:
        os.sched_setscheduler(0, os.SCHED_RR | os.SCHED_RESET_ON_FORK, os.sched_param(1))
        return "client at real-time priority while the sessions close"
    except (AttributeError, PermissionError, OSError) as e:
        return f"client priority unchanged ({e})"
