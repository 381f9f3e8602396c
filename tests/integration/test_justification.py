"""Justification under `approve` through the real gatehoused (issue 17; SPEC "SSH", rule key
`require_justification`): a real sshd is the target, the real OpenSSH `ssh` the client - on a
pseudo-terminal where a person would answer a prompt, in BatchMode where a script runs it.

- `require_justification: true`, nothing filed ahead: an interactive client is asked by
  keyboard-interactive before the hold, the request is filed with its answer, the client waits
  for the approval and goes in; a BatchMode client is refused with the words saying how to
  file ahead, audited (`access.denied`, `justification_missing`), and nothing is filed;
- filed ahead with `--reason`, the BatchMode client is held and goes in once approved;
- `ssh alice@gate request` without `--reason` is refused under that rule;
- without the key an approve rule asks nothing: a BatchMode client is held at its key."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import wait_for  # noqa: E402
from pty_client import PtyClient  # noqa: E402
from ssh_env import SshEnv  # noqa: E402

INTERACTIVE = ("-o", "PreferredAuthentications=publickey,keyboard-interactive")


class JustificationCase(unittest.TestCase):
    rule_extra = "    require_justification: true\n    hold_timeout: 2m\n"

    def setUp(self):
        self.env = SshEnv()
        self.addCleanup(self.env.close)
        self.env.start_sshd()
        self.env.write_config(self.env.ssh_config_text(mode="approve", rule_extra=self.rule_extra))
        self.env.start()
        self.target = f"{self.env.account}@web01"

    def pending_request(self):
        found = []

        def probe():
            found[:] = self.env.cli_json("requests", "--state", "pending")
            return bool(found)
        wait_for(probe, timeout=15, what="a pending request")
        return found[0]

    def wait_held(self):
        wait_for(lambda: [s for s in self.env.cli_json("sessions") if s["state"] == "held"],
                 timeout=15, what="a held connection")

    def approve(self, rid):
        r = self.env.cli("approve", str(rid), "--as", "bob")
        self.assertEqual(r.returncode, 0, r.stderr)

    def finish(self, proc, timeout=60):
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


class RequiredReason(JustificationCase):
    def test_an_interactive_client_is_asked_then_held_then_let_in(self):
        client = PtyClient(self.env.ssh_args(batch=False, opts=INTERACTIVE)
                           + ["echo", "reasoned-in"])
        client.expect(f"Justification for {self.target}: ")
        client.send("rotate the keys\n")
        req = self.pending_request()
        self.assertEqual(req["justification"], "rotate the keys")
        self.wait_held()
        client.expect(f"Request #{req['id']} is waiting for approval by bob, carol")
        self.approve(req["id"])
        rc, out = client.finish()
        self.assertEqual(rc, 0, out + self.env.log())
        self.assertIn("reasoned-in", out)
        self.assertIn("justification.given", self.env.log())

    def test_a_batch_client_is_refused_saying_how_to_file_ahead(self):
        r = self.env.ssh("echo never")
        self.assertEqual(r.returncode, 255)
        self.assertNotIn(b"never", r.stdout)
        err = r.stderr.decode(errors="replace")
        self.assertIn(f"Access to {self.target} needs a justification", err)
        self.assertIn(f"alice@127.0.0.1 request {self.target} --reason", err)
        self.assertEqual(self.env.cli_json("requests"), [], "nothing filed without a reason")
        wait_for(lambda: "justification_missing" in self.env.log(), what="access.denied")
        denied = [line for line in self.env.log().splitlines() if "access.denied" in line]
        self.assertTrue(any("justification_missing" in line for line in denied), denied)

    def test_filed_ahead_a_batch_client_waits_and_goes_in(self):
        r = self.env.ssh("request", self.target, "--reason", "nightly backup", target="")
        self.assertEqual(r.returncode, 0, r.stderr)
        req = self.pending_request()
        proc = self.env.ssh_popen("echo batch-in")
        self.wait_held()
        self.approve(req["id"])
        rc, out, err = self.finish(proc)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, "batch-in\n")
        self.assertNotIn("needs a justification", err)
        [only] = self.env.cli_json("requests")
        self.assertEqual(only["justification"], "nightly backup")

    def test_filing_without_a_reason_is_refused(self):
        r = self.env.ssh("request", self.target, target="")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"a justification is required for {self.target}", r.stderr.decode())
        self.assertEqual(self.env.cli_json("requests"), [])


class NoRequiredReason(JustificationCase):
    rule_extra = "    hold_timeout: 2m\n"

    def test_a_batch_client_is_held_at_its_key_without_a_prompt(self):
        proc = self.env.ssh_popen("echo held-in")
        req = self.pending_request()
        self.assertEqual(req["justification"], "")
        self.wait_held()
        self.approve(req["id"])
        rc, out, err = self.finish(proc)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, "held-in\n")
        self.assertNotIn("needs a justification", err)


if __name__ == "__main__":
    unittest.main()
