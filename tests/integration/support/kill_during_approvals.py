"""The `kill -9` scenario of issue 16, shared by tests/integration/test_three_daemons.py (a small
count) and bench/kill_during_approvals.py (1,000): N requests of alice's (one per account of
the "bulk" server, so all are pending at once) are filed through the three daemons' admin CLIs;
then they are approved through the three CLIs at once (`workers` calls in flight, round robin
over the daemons) while daemon `victim` is killed with SIGKILL after `kill_after` approvals;
approvals that did not get a "done" (the victim's, refused or cut off) are made again through
a survivor. Returns what every CLI said, for the caller to check against the store, the audit
logs and the SMTP sink (`check`)."""
import collections
import json
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from gatehouse_env import wait_for


def file_requests(three, n, workers=6):
    def one(i):
        r = three.daemons[i % 3].cli("request", f"a{i}@bulk", "--for", "alice", "--reason",
                                     f"bulk {i}", "--json")
        if r.returncode != 0:
            raise AssertionError(f"filing a{i}@bulk: {r.stderr}")
        return json.loads(r.stdout)["id"]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, range(n)))


def approve_while_killing(three, ids, victim=0, kill_after=None, workers=6):
    """{request id: (daemon index, returncode, stderr)} of the call that reported it done
    (or of its last try), and the wall time the approvals took."""
    kill_after = len(ids) // 3 if kill_after is None else kill_after
    done = collections.Counter()
    lock = threading.Lock()
    killed = threading.Event()

    def approve(i, rid, daemon):
        r = three.daemons[daemon].cli("approve", str(rid), "--as", "bob")
        with lock:
            if r.returncode == 0:
                done["n"] += 1
            if done["n"] >= kill_after and not killed.is_set():
                three.daemons[victim].proc.send_signal(signal.SIGKILL)
                killed.set()
        return rid, (daemon, r.returncode, r.stderr)

    t = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        said = dict(pool.map(lambda p: approve(p[0], p[1], p[0] % 3), enumerate(ids)))
    survivors = [i for i in range(3) if i != victim]
    again = [rid for rid, (_, rc, _) in said.items() if rc != 0]
    with ThreadPoolExecutor(workers) as pool:
        said.update(pool.map(lambda p: approve(p[0], p[1], survivors[p[0] % 2]),
                             enumerate(again)))
    three.daemons[victim].proc.wait(10)
    return said, time.perf_counter() - t, len(again)


def check(test, three, ids, said, victim=0, mail_timeout=150):
    """The issue's claims: every approval a CLI reported done is approved with its grant (and
    every request is, after the retries); no request is decided twice (the store's change feed,
    the grants, the audit logs of all three daemons); every approver mail is sent exactly once
    (SMTP sink: one message per request and recipient; see below for the one in flight at the
    kill). Returns how many deliveries were repeats (0 or 1)."""
    for rid, (_, rc, err) in said.items():
        test.assertTrue(rc == 0 or "not pending" in err or "approved" in err,
                        f"#{rid}: {err}")
    rows = three.pg.sql("SELECT r.id, r.state, r.grant_id, COUNT(g.id) FROM requests r "
                        "LEFT JOIN grants g ON g.request_id = r.id GROUP BY r.id", "gatehouse")
    state = {int(c[0]): (c[1], c[2], int(c[3]))
             for c in (line.split("|") for line in rows.split())}
    for rid in ids:
        test.assertEqual(state[rid][0], "approved", f"#{rid}")
        test.assertTrue(state[rid][1], f"#{rid} has no grant")
        test.assertEqual(state[rid][2], 1, f"#{rid} has {state[rid][2]} grants")
    twice = three.pg.sql("SELECT request_id FROM changes WHERE kind = 'request_decided' "
                         "GROUP BY request_id HAVING COUNT(*) > 1", "gatehouse").split()
    test.assertEqual(twice, [], "decided twice in the store")
    approved = collections.Counter()
    for i in range(3):
        for e in three.events(i, "request.approved"):
            approved[int(e["request"])] += 1
        for e in three.events(i, "request.approved.failed"):  # rolled back: did not happen
            approved[int(e["request"])] -= 1
    # A SIGKILL between the audit write and the commit leaves, at most, the victim's last
    # request.approved without its change (audit/FORMAT.md, Durability): that one request may
    # then be approved again through a survivor. Nothing else may appear twice.
    dup = [rid for rid, n in approved.items() if n > 1]
    last_of_victim = [int(e["request"]) for e in three.events(victim, "request.approved")][-1:]
    test.assertTrue(set(dup) <= set(last_of_victim), f"approved twice in the audit: {dup}")
    test.assertEqual({rid for rid, n in approved.items() if n > 0}, set(ids))
    # Mail: every notice owed is told (a change's notices are stored with it: the victim's,
    # committed but not yet told at the kill, are told by a survivor once owed) and every
    # queued message is sent, then counted per request and recipient. Each mail is
    # composed and queued once (one Message-ID, fixed when it is queued). Delivery is at least
    # once (mail/mail_sender.hpp): the message the victim was handing to SMTP when it was
    # killed, accepted by the server but not yet marked sent, is sent again by a survivor once
    # its claim lapses - the same message, same Message-ID, which mail clients show once. Only
    # that one may arrive twice.
    wait_for(lambda: three.unsent_mail() == 0, timeout=mail_timeout, interval=0.5,
             what="the outbox emptied")
    time.sleep(1)  # a message sent just now has been received by the sink
    ids_of = collections.defaultdict(set)
    deliveries = collections.Counter()
    for m in three.sink.messages:
        subject = str(m["Subject"])
        kind = subject.split(" - ")[1]
        key = (kind, int(subject.rsplit("#", 1)[1]), m["To"].addresses[0].addr_spec)
        ids_of[key].add(str(m["Message-ID"]))
        deliveries[key] += 1
    for rid in ids:
        for kind, to in (("Connection Approval Notification", "bob@example.com"),
                         ("Connection Approval Notification", "carol@example.com"),
                         ("Connection Request Approved", "alice@example.com")):
            test.assertEqual(len(ids_of[(kind, rid, to)]), 1, f"{kind} of #{rid} to {to}")
    test.assertEqual(len(ids_of), 3 * len(ids))
    again = {k: n for k, n in deliveries.items() if n > 1}
    test.assertLessEqual(sum(n - 1 for n in again.values()), 1, f"delivered twice: {again}")
    return sum(n - 1 for n in again.values())
