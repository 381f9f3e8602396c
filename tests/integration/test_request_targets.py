"""Several targets in one request (SPEC "Decisions and requests": `request TARGET…`), through the
real gatehoused with a real OpenSSH sshd behind every server name, the real ssh client, the
`gatehouse` CLI and a real SMTP server (aiosmtpd on loopback):

- `ssh alice@gate request ACCT@web01 ACCT@web02 --reason R` files ONE request; bob is mailed
  once with both targets; one approval by bob grants each target: the JSON shows both targets
  and both grant ids, and alice reaches both servers through the gate;
- revoking one of its grants ends only that target's live session; the other goes on;
- a target under another rule is refused with a message naming it, and nothing is filed;
- a held connection to a target that a pending request of several already names reuses that
  request instead of filing a new one, and is let through when it is approved;
- the web form /requests/new offers a checkbox per target, and one POST of two ticked targets
  files one request whose page lists both; a mixed-rule POST shows the policy's refusal."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from shared_daemon_case import SharedDaemonCase  # noqa: E402
from gatehouse_env import audit_events, wait_for  # noqa: E402
from smtp_sink import SmtpSink, text_part  # noqa: E402
from web_env import WebEnv  # noqa: E402


def config_text(env, smtp_url):
    """Servers web01..web07 and db01 all reach the one sshd. Rule `deploys` takes web01..web07,
    rule `databases` db01; bob approves both."""
    servers = env.servers_yaml(
        ("web01", "web02", "web03", "web04", "web05", "web06", "web07", "db01"))
    people = "".join(f"""
  - name: {name}
    email: {name}@example.com
    ssh_keys: ["{env.keys[name]}"]""" for name in ("alice", "bob", "carol"))
    return f"""instance_name: test-gate
store: "sqlite:{env.dir}/gatehouse.db"
listen:
  ssh: {{ address: "127.0.0.1:{env.ssh_port}", host_keys: [{env.host_key}] }}
  admin: {{ socket: {env.socket} }}
  http: {{ address: "127.0.0.1:{env.http_port}", tls_cert: {env.cert}, tls_key: {env.key}, public_url: "{env.public_url}" }}
mail:
  smtp: "{smtp_url}"
  from: gate@example.com
audit:
  log: {env.dir}/audit.jsonl
users:{people}
servers:{servers}
rules:
  - name: deploys
    users: [alice]
    servers: [web01, web02, web03, web04, web05, web06, web07]
    accounts: ["*"]
    mode: approve
    approvers: [bob]
  - name: databases
    users: [alice]
    servers: [db01]
    accounts: ["*"]
    mode: approve
    approvers: [bob]
"""


def approval_subject(rid):
    return f"test-gate - Connection Approval Notification - #{rid}"


class RequestTargets(SharedDaemonCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink().start()
        cls.env = WebEnv()
        try:
            cls.env.start_sshd()
            cls.env.write_config(config_text(cls.env, cls.sink.url))
            cls.env.start()
        except BaseException:
            cls.tearDownClass()
            raise

    def target(self, server):
        return f"{self.env.account}@{server}"

    def requests_of(self, server):
        return [r for r in self.env.cli_json("requests")
                if any(t["server"] == server for t in r["targets"])]

    def session(self, server, word):
        """A live session to `server` through the gate that says `word` and then waits."""
        proc = self.env.ssh_popen(f"echo {word}; sleep 120", target=self.target(server))
        line = proc.stdout.readline()
        self.assertEqual(line, f"{word}\n".encode(), proc.stderr.read1() if proc.poll() else b"")
        return proc

    # --- one request, two targets, one approval, two grants -----------------------------------
    def test_two_targets_approved_once_reach_both_and_end_one_by_one(self):
        first, second = self.target("web01"), self.target("web02")
        rc, out, err = self.own("alice", "request", first, second, "--reason", "deploy 4.2")
        self.assertEqual(rc, 0, err)
        self.assertIn(f"{first}, {second}", out)
        mine = self.requests_of("web02")
        self.assertEqual(len(mine), 1, "one request for both targets")
        req = mine[0]
        rid = req["id"]
        self.assertEqual((req["server"], req["account"]), ("web01", self.env.account))
        self.assertEqual([(t["server"], t["account"]) for t in req["targets"]],
                         [("web01", self.env.account), ("web02", self.env.account)])
        self.assertEqual(req["grant_ids"], [])

        mail = self.sink.wait_for(lambda m: str(m["Subject"]) == approval_subject(rid)
                                  and "bob@example.com" in str(m["To"]), what="bob asked")
        self.assertIn(f"{first}, {second}", text_part(mail))

        rc, out, err = self.own("bob", "approve", str(rid), "--comment", "go")
        self.assertEqual(rc, 0, err)
        shown = self.env.cli_json("show", str(rid))
        self.assertEqual(shown["state"], "approved")
        self.assertEqual(len(shown["grant_ids"]), 2)
        self.assertEqual(shown["grant_id"], shown["grant_ids"][0])
        self.assertEqual([t["grant_id"] for t in shown["targets"]], shown["grant_ids"])
        grants = {g["id"]: g for g in self.env.cli_json("grants") if g["request_id"] == rid}
        self.assertEqual(sorted(grants), sorted(shown["grant_ids"]))
        web01_grant, web02_grant = shown["grant_ids"]
        self.assertEqual(grants[web02_grant]["server"], "web02")
        self.assertRegex(self.env.cli("show", str(rid)).stdout,
                         rf"grant\s+#{web01_grant}, #{web02_grant}\n")

        for server in ("web01", "web02"):
            r = self.env.ssh(f"echo through-{server}", target=self.target(server))
            self.assertEqual((r.returncode, r.stdout), (0, f"through-{server}\n".encode()),
                             r.stderr)

        # Revoking web02's grant ends the web02 session only.
        on_web01 = self.session("web01", "one")
        on_web02 = self.session("web02", "two")
        try:
            r = self.env.cli("revoke", str(web02_grant), "--comment", "web02 done")
            self.assertEqual(r.returncode, 0, r.stderr)
            on_web02.wait(timeout=20)
            time.sleep(0.5)
            self.assertIsNone(on_web01.poll(), "the web01 session went on")
            states = {g["id"]: g["state"] for g in self.env.cli_json("grants")
                      if g["request_id"] == rid}
            self.assertEqual(states, {web01_grant: "active", web02_grant: "revoked"})
            r = self.env.ssh("echo still", target=first)
            self.assertEqual((r.returncode, r.stdout), (0, b"still\n"), r.stderr)
        finally:
            for proc in (on_web01, on_web02):
                if proc.poll() is None:
                    proc.terminate()
                proc.wait(timeout=10)
        history = self.env.cli_json("show", str(rid))["history"]
        self.assertEqual([(h["event"], h["text"]) for h in history],
                         [("revoked", f"{second}: web02 done")])
        revoked = [e for e in audit_events(os.path.join(self.env.dir, "audit.jsonl"),
                                           "grant.revoked") if str(e.get("request")) == str(rid)]
        self.assertEqual([(e.get("server"), str(e.get("grant"))) for e in revoked],
                         [("web02", str(web02_grant))])

    # --- a target under another rule ----------------------------------------------------------
    def test_a_target_of_another_rule_is_refused_and_nothing_is_filed(self):
        before = len(self.env.cli_json("requests"))
        r = self.env.cli("request", self.target("web07"), self.target("db01"), "--for", "alice",
                         "--reason", "mixed")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{self.target('db01')} falls under rule databases, not deploys: "
                      "file these separately", r.stderr)
        rc, _, err = self.own("alice", "request", self.target("web07"), self.target("db01"),
                              "--reason", "mixed")
        self.assertEqual(rc, 1)
        self.assertIn("falls under rule databases, not deploys", err)
        self.assertEqual(len(self.env.cli_json("requests")), before, "nothing filed")

    # --- a held connection reuses the request that names its target --------------------------
    def test_a_held_connection_reuses_the_request_naming_its_target(self):
        req = self.env.cli_json("request", self.target("web03"), self.target("web04"),
                                "--for", "alice", "--reason", "ahead")
        self.assertEqual(len(req["targets"]), 2)
        count = len(self.env.cli_json("requests"))
        proc = self.env.ssh_popen("echo reused", target=self.target("web04"))
        try:
            wait_for(lambda: proc.poll() is not None or any(
                s["state"] == "held" for s in self.env.cli_json("sessions")), timeout=15,
                what="the web04 connection held")
            self.assertIsNone(proc.poll(), "held, not refused")
            self.assertEqual(len(self.env.cli_json("requests")), count, "no new request filed")
            r = self.env.cli("approve", str(req["id"]), "--as", "bob")
            self.assertEqual(r.returncode, 0, r.stderr)
            out, err = proc.communicate(timeout=30)
            self.assertEqual((proc.returncode, out), (0, b"reused\n"), err)
            self.assertIn(f"Request #{req['id']} is waiting for approval by bob", err.decode())
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    # --- the web form ---------------------------------------------------------------------------
    def test_the_web_form_files_one_request_for_two_ticked_targets(self):
        five, six, db = self.target("web05"), self.target("web06"), self.target("db01")
        cookie = self.env.sign_in("alice")
        page = self.env.get("/requests/new", cookie=cookie)
        self.assertEqual(page.status, 200, page.body)
        for name in (five, six, db):
            self.assertIn(f'type="checkbox" name="target" value="{name}"', page.body)
        page = self.env.get(f"/requests/new?target={five}&target={six}", cookie=cookie)
        self.assertEqual(page.status, 200, page.body)
        self.assertIn(f"Access to <b>{five}</b>, <b>{six}</b> under the rule <b>deploys</b>",
                      page.body)

        mixed = self.env.post("/requests/new", [
            ("csrf", page.csrf()), ("target", five), ("target", db), ("reason", "web")],
            cookie=cookie)
        self.assertNotEqual(mixed.status, 303)
        self.assertIn(f"{db} falls under rule databases, not deploys: file these separately",
                      mixed.body)
        self.assertEqual(self.requests_of("web05"), [], "nothing filed")

        filed = self.env.post("/requests/new", [
            ("csrf", page.csrf()), ("target", five), ("target", six), ("reason", "web deploy")],
            cookie=cookie)
        self.assertEqual(filed.status, 303, filed.body)
        rid = int(filed.header("location").rsplit("/", 1)[1])
        shown = self.env.cli_json("show", str(rid))
        self.assertEqual([t["server"] for t in shown["targets"]], ["web05", "web06"])
        page = self.env.get(f"/requests/{rid}", cookie=cookie)
        self.assertIn("<dt>Targets</dt>", page.body)
        self.assertIn(f"<li>{five}</li><li>{six}</li>", page.body)
        self.assertEqual(self.env.cli("cancel", str(rid)).returncode, 0)


if __name__ == "__main__":
    unittest.main()
