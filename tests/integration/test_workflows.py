"""The approval workflows of the rules, through the real gatehoused: a real sshd as the target,
the real ssh client and `gatehouse` CLI, and a real SMTP server (aiosmtpd on loopback) that
receives what approvers and requesters are mailed (SPEC "Configuration", "Decisions and
requests", "SSH", "Mail"):

- approver levels: level 2 is mailed only once level 1 has approved;
- `require_manager_approval` on a user group and on a server group: the requester's manager
  must approve, though a wildcard rule would let the person in;
- `auto_approve_if_requester_is_approver`: the requester who is an approver goes straight in;
- `requester_chooses_approvers`, over `ssh alice@gate request … --approvers` and
  `gatehouse request … --approvers`: only the chosen approver is mailed; someone the rule does
  not allow is refused; `--start` asks for a window that begins later;
- `gatehouse revoke --comment`: the comment is in the request's history, the `grant.revoked`
  audit event and the requester's mail; reassignment and the grant's end are in the history."""
import os
import sqlite3
import subprocess
import sys
import time
import unittest
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from shared_daemon_case import SharedDaemonCase  # noqa: E402
from gatehouse_env import audit_events, ssh_keygen, wait_for  # noqa: E402
from smtp_sink import SmtpSink, text_part  # noqa: E402
from ssh_env import SshEnv  # noqa: E402


def config_text(env, smtp_url):
    """People: alice (developers, manager bob), dave (contractors, manager carol, the group
    requires manager approval), erin (ops, manager bob). Servers web01..web05 all reach the one
    sshd; web02 is in server group production, which requires manager approval."""
    servers = env.servers_yaml(("web01", "web02", "web03", "web04", "web05"),
                               groups={"web02": "production"})
    people = "".join(f"""
  - name: {name}
    email: {name}@example.com
    ssh_keys: ["{env.keys[name]}"]
    groups: [{group}]""" for name, group in (("alice", "developers"), ("bob", "leads"),
                                             ("carol", "leads"), ("dave", "contractors"),
                                             ("erin", "ops")))
    return f"""instance_name: test-gate
store: "sqlite:{env.dir}/gatehouse.db"
listen:
  ssh: {{ address: "127.0.0.1:{env.ssh_port}", host_keys: [{env.host_key}] }}
  admin: {{ socket: {env.socket} }}
mail:
  smtp: "{smtp_url}"
  from: gate@example.com
audit:
  log: {env.dir}/audit.jsonl
users:{people}
groups:
  - name: developers
    managers: [bob]
  - name: leads
  - name: contractors
    managers: [carol]
    require_manager_approval: true
  - name: ops
    managers: [bob]
servers:{servers}
server_groups:
  - name: production
    require_manager_approval: true
rules:
  - name: two-levels
    users: [alice]
    servers: [web03]
    accounts: ["*"]
    mode: approve
    levels:
      - {{ approvers: [bob] }}
      - {{ approvers: [carol] }}
  - name: self-approved
    users: [alice]
    servers: [web01]
    accounts: ["*"]
    mode: approve
    approvers: [alice, bob]
    auto_approve_if_requester_is_approver: true
  - name: chosen
    users: [alice]
    servers: [web04, web05]
    accounts: ["*"]
    mode: approve
    approvers: [bob, carol]
    requester_chooses_approvers: true
    max_duration: 4h
  - name: everyone-in
    users: ["*"]
    servers: ["*"]
    accounts: ["*"]
    mode: allow
"""


def approval_subject(rid):
    return f"test-gate - Connection Approval Notification - #{rid}"


def asked(to, rid):
    return lambda m: str(m["Subject"]) == approval_subject(rid) and to in str(m["To"])


def rfc3339(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Workflows(SharedDaemonCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink().start()
        cls.env = SshEnv()
        try:
            for person in ("dave", "erin"):
                cls.env.keys[person] = ssh_keygen(os.path.join(cls.env.dir, person))
            cls.env.start_sshd()
            cls.env.write_config(config_text(cls.env, cls.sink.url))
            cls.env.start()
        except BaseException:
            cls.tearDownClass()
            raise

    # --- helpers -----------------------------------------------------------------------------
    def pending_of(self, person, server):
        found = []

        def probe():
            found[:] = [r for r in self.env.cli_json("requests", "--state", "pending")
                        if r["requester"] == person and r["server"] == server]
            return bool(found)
        wait_for(probe, timeout=15, what=f"a pending request of {person} for {server}")
        return found[0]

    def mail_sent(self):
        """Waits until the daemon's outbox has sent everything it holds, so that a mail that
        was not sent by now is one that was never filed."""
        def drained():
            with sqlite3.connect(os.path.join(self.env.dir, "gatehouse.db")) as c:
                return c.execute("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL"
                                 ).fetchone()[0] == 0
        wait_for(drained, timeout=30, what="the outbox sent")

    def mailed(self, to, rid):
        return [m for m in self.sink.messages if asked(to, rid)(m)]

    def target(self, server):
        return f"{self.env.account}@{server}"

    def finish(self, proc, timeout=60):
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    # --- levels ------------------------------------------------------------------------------
    def test_level_two_is_mailed_only_after_level_one_approved(self):
        rc, out, err = self.own("alice", "request", self.target("web03"), "--reason", "levels")
        self.assertEqual(rc, 0, err)
        rid = self.pending_of("alice", "web03")["id"]
        self.assertIn(f"#{rid}", out)
        self.sink.wait_for(asked("bob@example.com", rid), what="level 1 (bob) asked")
        self.mail_sent()
        self.assertEqual(self.mailed("carol@example.com", rid), [], "level 2 asked too early")
        rc, _, err = self.own("carol", "approve", str(rid))
        self.assertEqual(rc, 1)
        self.assertIn("waiting for level 1 (bob); carol decides at level 2", err)

        rc, out, err = self.own("bob", "approve", str(rid), "--comment", "level one ok")
        self.assertEqual(rc, 0, err)
        self.sink.wait_for(asked("carol@example.com", rid), what="level 2 (carol) asked")
        self.assertEqual(self.env.cli_json("show", str(rid))["state"], "pending")
        rc, out, err = self.own("carol", "approve", str(rid))
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.env.cli_json("show", str(rid))["state"], "approved")
        r = self.env.ssh("echo through-two-levels", target=self.target("web03"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"through-two-levels\n")

    # --- manager flags -----------------------------------------------------------------------
    def test_a_user_group_flag_holds_the_person_for_their_manager(self):
        proc = self.env.ssh_popen("echo managed", person="dave", target=self.target("web01"))
        req = self.pending_of("dave", "web01")
        self.assertEqual(req["approvers"][0]["approvers"], ["carol"])
        self.sink.wait_for(asked("carol@example.com", req["id"]), what="carol, dave's manager")
        rc, _, err = self.own("bob", "approve", str(req["id"]))
        self.assertEqual(rc, 1)
        self.assertIn("bob is not an approver", err)
        rc, _, err = self.own("carol", "approve", str(req["id"]), "--comment", "fine")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.finish(proc)
        self.assertEqual((rc, out), (0, "managed\n"), err)

    def test_a_server_group_flag_needs_the_manager_only_there(self):
        r = self.env.ssh("echo open", person="erin", target=self.target("web05"))
        self.assertEqual((r.returncode, r.stdout), (0, b"open\n"), r.stderr)
        proc = self.env.ssh_popen("echo production", person="erin", target=self.target("web02"))
        req = self.pending_of("erin", "web02")
        self.assertEqual(req["approvers"][0]["approvers"], ["bob"])
        self.sink.wait_for(asked("bob@example.com", req["id"]), what="bob, erin's manager")
        rc, _, err = self.own("bob", "approve", str(req["id"]))
        self.assertEqual(rc, 0, err)
        rc, out, err = self.finish(proc)
        self.assertEqual((rc, out), (0, "production\n"), err)

    # --- auto-approval -----------------------------------------------------------------------
    def test_the_requester_who_is_an_approver_goes_straight_in(self):
        r = self.env.ssh("echo self-approved", target=self.target("web01"))
        self.assertEqual((r.returncode, r.stdout), (0, b"self-approved\n"), r.stderr)
        mine = [q for q in self.env.cli_json("requests")
                if q["requester"] == "alice" and q["server"] == "web01"]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["state"], "approved")
        self.assertEqual([(d["approver"], d["verdict"]) for d in mine[0]["decisions"]],
                         [("alice", "approve")])
        self.mail_sent()
        self.assertEqual(self.mailed("bob@example.com", mine[0]["id"]), [])

    # --- requester-chosen approvers ----------------------------------------------------------
    def test_chosen_approvers_over_ssh(self):
        where = self.target("web04")
        rc, _, err = self.own("alice", "request", where, "--reason", "x")
        self.assertEqual(rc, 1)
        self.assertIn("rule chosen needs you to choose approvers among: bob, carol", err)
        rc, _, err = self.own("alice", "request", where, "--reason", "x", "--approvers", "erin")
        self.assertEqual(rc, 1)
        self.assertIn("erin cannot approve under rule chosen; choose among: bob, carol", err)
        rc, _, err = self.own("alice", "request", where, "--reason", "x", "--approvers", "carol",
                              "--start", "+1h", "--duration", "5h")
        self.assertEqual(rc, 1)
        self.assertIn("a window of 5h exceeds the 4h allowed by rule chosen", err)
        rc, _, err = self.own("alice", "request", where, "--reason", "x", "--start", "soon")
        self.assertEqual(rc, 1)
        self.assertIn("bad start 'soon'", err)
        self.assertEqual([r for r in self.env.cli_json("requests") if r["server"] == "web04"], [],
                         "a refused filing leaves nothing behind")

        before = datetime.now(timezone.utc)
        rc, out, err = self.own("alice", "request", where, "--reason", "night work",
                                "--approvers", "carol", "--start", "+1h", "--duration", "30m")
        self.assertEqual(rc, 0, err)
        req = self.pending_of("alice", "web04")
        self.assertIn("waiting for carol", out)
        self.assertEqual(req["approvers"][0]["approvers"], ["carol"])
        start, end = rfc3339(req["window"]["start"]), rfc3339(req["window"]["end"])
        self.assertLess(abs(start - (before + timedelta(hours=1))), timedelta(seconds=30))
        self.assertEqual(end - start, timedelta(minutes=30))
        self.sink.wait_for(asked("carol@example.com", req["id"]), what="the chosen approver")
        self.mail_sent()
        self.assertEqual(self.mailed("bob@example.com", req["id"]), [], "bob was not chosen")
        rc, _, err = self.own("bob", "approve", str(req["id"]))
        self.assertEqual(rc, 1)
        self.assertIn("bob is not an approver", err)
        rc, _, err = self.own("carol", "approve", str(req["id"]))
        self.assertEqual(rc, 0, err)
        grant = self.env.cli_json("show", str(req["id"]))
        self.assertEqual(grant["state"], "approved")
        g = [g for g in self.env.cli_json("grants") if g["id"] == grant["grant_id"]][0]
        self.assertEqual(g["start"], req["window"]["start"], "the grant starts when asked")

    def test_chosen_approvers_and_start_through_the_cli(self):
        when = (datetime.now(timezone.utc) + timedelta(hours=2)).replace(microsecond=0)
        r = self.env.cli("request", self.target("web05"), "--for", "alice", "--reason", "cli",
                         "--approvers", "dave")
        self.assertEqual(r.returncode, 1)
        self.assertIn("dave cannot approve under rule chosen; choose among: bob, carol", r.stderr)
        req = self.env.cli_json("request", self.target("web05"), "--for", "alice", "--reason", "cli",
                            "--approvers", "bob", "--start", when.isoformat(),
                            "--until", (when + timedelta(hours=1)).isoformat())
        self.assertEqual(req["approvers"][0]["approvers"], ["bob"])
        self.assertEqual(rfc3339(req["window"]["start"]), when)
        self.assertEqual(rfc3339(req["window"]["end"]), when + timedelta(hours=1))
        self.sink.wait_for(asked("bob@example.com", req["id"]), what="the chosen approver")
        self.assertEqual(self.env.cli("cancel", str(req["id"])).returncode, 0)

    # --- revocation comment, reassignment and grant end in the history --------------------------
    def test_revoke_comment_and_every_step_reach_history_audit_and_mail(self):
        where = self.target("web05")
        req = self.env.cli_json("request", where, "--for", "alice", "--reason", "steps",
                            "--approvers", "bob")
        rid = req["id"]
        self.assertEqual(self.env.cli("reassign", str(rid), "--to", "carol", "--as",
                                      "bob").returncode, 0)
        self.sink.wait_for(asked("carol@example.com", rid), what="carol asked after reassign")
        done = self.env.cli_json("approve", str(rid), "--as", "carol")
        grant = done["grant_id"]
        r = self.env.cli("revoke", str(grant), "--as", "carol", "--comment", "rotation <done>")
        self.assertEqual(r.returncode, 0, r.stderr)

        shown = self.env.cli_json("show", str(rid))
        self.assertEqual([(h["event"], h["actor"], h["text"]) for h in shown["history"]],
                         [("reassigned", "bob", "bob -> carol"),
                          ("revoked", "carol", "rotation <done>")])
        self.assertEqual(shown["comments"], [], "steps are not people's comments")
        text = self.env.cli("show", str(rid)).stdout
        self.assertRegex(text, r"reassigned\s+\S+ by bob: bob -> carol")
        self.assertRegex(text, r"revoked\s+\S+ by carol: rotation <done>")
        events = [e for e in audit_events(os.path.join(self.env.dir, "audit.jsonl"),
                                          "grant.revoked") if str(e.get("request")) == str(rid)]
        self.assertEqual(len(events), 1, events)
        self.assertEqual(events[0].get("comment"), "rotation <done>")
        mail = self.sink.wait_for(
            lambda m: str(m["Subject"]) == f"test-gate - Connection Access Revoked - #{rid}",
            what="alice told of the revocation")
        self.assertIn("revoked by carol", text_part(mail))
        self.assertIn("rotation <done>", text_part(mail))

        short = self.env.cli_json("request", where, "--for", "alice", "--reason", "brief",
                              "--approvers", "bob", "--duration", "2s")
        self.assertEqual(self.env.cli("approve", str(short["id"]), "--as", "bob").returncode, 0)
        wait_for(lambda: [h["event"] for h in self.env.cli_json("show", str(short["id"]))["history"]]
                 == ["grant_ended"], timeout=15, what="the grant's end in the history")
        self.assertIn("grant ended", self.env.cli("show", str(short["id"])).stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
