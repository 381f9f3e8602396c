"""Issue 16's "Must show" with three gatehoused on one real PostgreSQL (support/three_daemons.py):
behind a real haproxy in TCP mode with `send-proxy-v2`, an ssh connection lands on one daemon
and is held; the approval is made through another daemon's admin socket; the holder releases it
and the command runs, audited with the real client address from the PROXY header; a revocation
through the third ends the session on the holder within 1 s with the reason the client sees.
A pending request expires exactly once with all three up (one event, one mail). And `kill -9`
of one daemon while approvals go through all three: every approval a CLI reported is approved
with its grant, nothing is decided twice, every approver mail is queued and sent once (the
one in flight at the kill may arrive twice, with the same Message-ID: delivery is at least once).
Real PostgreSQL, OpenSSH, haproxy and SMTP sink, all on loopback."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import wait_for  # noqa: E402
from kill_during_approvals import approve_while_killing, check, file_requests  # noqa: E402
from three_daemons import ThreeDaemons  # noqa: E402

# The kill test's request count. The issue asks for 1,000: bench/kill_during_approvals.py runs
# exactly that; here 150 keep the test near a minute on CI's 2 busy cores (1,000 filings and
# approvals through CLI processes, and 3,000 mails, take several minutes there).
KILL_REQUESTS = int(os.environ.get("GATEHOUSE_KILL_REQUESTS", "150"))


class ThreeDaemonsBehindHaproxy(unittest.TestCase):
    def setUp(self):
        self.three = None

    def start(self, **kw):
        self.three = ThreeDaemons(**kw)
        self.addCleanup(self.three.close)
        self.three.start()
        return self.three

    def test_held_on_one_approved_on_another_revoked_on_the_third(self):
        three = self.start(rule_extra="    hold_timeout: 2m\n")
        proc = three.ssh_popen("echo released-elsewhere; sleep 60")
        holder = three.holder()
        approver, revoker = [i for i in range(3) if i != holder]
        for i in (approver, revoker):
            self.assertEqual(three.own_sessions(i), [])  # nothing lives there
        pending = [r for r in three.cli_json(approver, "requests") if r["state"] == "pending"]
        self.assertEqual(len(pending), 1, pending)
        t = time.time()
        r = three.daemons[approver].cli("approve", str(pending[0]["id"]), "--as", "bob")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(proc.stdout.readline(), b"released-elsewhere\n", three.logs())
        released_after = time.time() - t
        wait_for(lambda: any(s["state"] == "active" for s in three.own_sessions(holder)),
                 timeout=15, what="the session active on the holder")
        # The holder audited the person's own address (haproxy's header), never the balancer's.
        starts = three.events(holder, "session.start")
        self.assertEqual([e["client"].rsplit(":", 1)[0] for e in starts], ["127.0.0.2"], starts)
        self.assertNotIn('"client":"127.0.0.1:', open(three.audits[holder]).read())
        grant = three.cli_json(revoker, "requests")[0]["grant_id"]
        t = time.time()
        r = three.daemons[revoker].cli("revoke", str(grant), "--as", "carol")
        self.assertEqual(r.returncode, 0, r.stderr)
        _, err = proc.communicate(timeout=10)
        revoked_after = time.time() - t
        self.assertIn(f"Access grant #{grant} for {three.a.account}@web01 revoked by carol",
                      err.decode(errors="replace"))
        self.assertLess(revoked_after, 1.0, three.logs())
        ends = three.events(holder, "session.end")
        self.assertEqual(len(ends), 1, ends)
        self.assertIn("revoked by carol", ends[0]["reason"])
        print(f"released on {holder} {released_after * 1000:.0f} ms after the approval on "
              f"{approver}; ended {revoked_after * 1000:.0f} ms after the revocation on "
              f"{revoker}", file=sys.stderr)

    def test_a_pending_request_expires_once_with_three_up(self):
        three = self.start(rule_extra="    pending_timeout: 2s\n    hold_timeout: 1m\n")
        proc = three.ssh_popen("true")
        holder = three.holder()
        rid = three.cli_json(holder, "requests")[0]["id"]
        _, err = proc.communicate(timeout=30)
        self.assertIn(f"Request #{rid} expired without a decision", err.decode())
        for i in range(3):
            wait_for(lambda i=i: three.cli_json(i, "requests")[0]["state"] == "expired",
                     timeout=15, what=f"the request expired as daemon {i} sees it")
        subject = f"Connection Request Expired - #{rid}"
        three.sink.wait_for(lambda m: subject in str(m["Subject"]), what="the expiry mail")
        time.sleep(3)  # every daemon's deadline timer and mail sender has had its turn
        expired = three.all_events("request.expired")
        self.assertEqual(len(expired), 1, expired)
        self.assertEqual(three.pg.sql("SELECT COUNT(*) FROM changes WHERE kind = "
                                      "'request_decided'", "gatehouse").strip(), "1")
        self.assertEqual(len([m for m in three.sink.messages if subject in str(m["Subject"])]),
                         1)
        asked = [str(m["To"]) for m in three.sink.messages
                 if f"Connection Approval Notification - #{rid}" in str(m["Subject"])]
        self.assertEqual(sorted(asked), ["bob@example.com", "carol@example.com"])

    def test_kill_9_of_one_daemon_during_approvals(self):
        three = self.start(bulk_accounts=KILL_REQUESTS, haproxy=False)
        ids = file_requests(three, KILL_REQUESTS)
        self.assertEqual(len(set(ids)), KILL_REQUESTS)
        said, seconds, retried = approve_while_killing(three, ids, victim=0)
        self.assertGreater(retried, 0, "the kill cut some approvals off")
        self.assertEqual(three.daemons[0].proc.returncode, -9)
        repeats = check(self, three, ids, said, victim=0)
        print(f"{KILL_REQUESTS} approvals in {seconds:.1f} s, {retried} made again after the "
              f"kill, {repeats} mail in flight at the kill delivered again", file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
