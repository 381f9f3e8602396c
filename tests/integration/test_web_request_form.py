"""The web request form (issue 17) in a real browser: alice opens "Request access", is offered
as approvers only those her rule allows (requester_chooses_approvers), is refused a window beyond
the rule's max_duration, and files with a title, a future window and one chosen approver. The
chosen approver - and only she - is mailed (real SMTP sink), approves by CLI `--as`, and the
grant starts at the requested time. A forged POST choosing a person outside the allowed set is
refused. Screenshots land in the build directory (tests/web/screenshots/request-form)."""
import datetime
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from browser_env import WEB_TESTS, prepare_browser  # noqa: E402
from smtp_sink import SmtpSink, text_part  # noqa: E402
from web_env import WebEnv  # noqa: E402


def form_time(t):
    return t.strftime("%Y-%m-%dT%H:%M")


class RequestForm(unittest.TestCase):
    def setUp(self):
        self.shots = prepare_browser("request-form")
        self.sink = SmtpSink().start()
        self.addCleanup(self.sink.stop)
        self.env = WebEnv()
        self.addCleanup(self.env.close)
        self.env.start_sshd()
        text = self.env.web_config_text(
            mode="approve", rule_extra="    requester_chooses_approvers: true\n"
                                       "    max_duration: 4h\n")
        text = WebEnv.with_mail(text, self.sink.url)
        # dave is a person of the gate but no approver of alice's rule.
        carol = "    email: carol@example.com\n"
        text = text.replace(carol, carol + "  - name: dave\n    email: dave@example.com\n", 1)
        self.env.write_config(text)
        self.env.start()

    def test_a_title_through_the_cli_and_ssh_and_on_the_request_page(self):
        target = f"{self.env.account}@web01"
        r = self.env.cli("request", "--for", "alice", target, "--reason", "cli", "--title",
                         "Patch <b>nginx</b>", "--approvers", "bob", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        filed = json.loads(r.stdout)
        self.assertEqual(filed["title"], "Patch <b>nginx</b>")
        self.assertEqual(self.env.cli("cancel", str(filed["id"])).returncode, 0)
        r = self.env.ssh("request", target, "--reason", "over ssh", "--title", "Disk\x1bfull",
                         "--approvers", "carol", target="")
        self.assertEqual(r.returncode, 0, r.stderr)
        mine = json.loads(self.env.cli("requests", "--json").stdout)
        by_ssh = [q for q in mine if q["justification"] == "over ssh"]
        self.assertEqual(len(by_ssh), 1, mine)
        self.assertEqual(by_ssh[0]["title"], "Disk\x1bfull")
        too_long = self.env.ssh("request", target, "--reason", "x", "--title", "t" * 201,
                                "--approvers", "carol", target="")
        self.assertNotEqual(too_long.returncode, 0)
        self.assertIn(b"title: at most 200 bytes", too_long.stderr + too_long.stdout)
        cookie = self.env.sign_in("alice")
        page = self.env.get(f"/requests/{filed['id']}", cookie=cookie)
        self.assertIn("Patch &lt;b&gt;nginx&lt;/b&gt;", page.body)
        page = self.env.get(f"/requests/{by_ssh[0]['id']}", cookie=cookie)
        self.assertIn("Disk\\x1Bfull", page.body)  # the escape shown, never the byte

    def test_a_forged_choice_outside_the_allowed_approvers_is_refused(self):
        cookie = self.env.sign_in("alice")
        page = self.env.get("/requests/new", cookie=cookie)
        self.assertEqual(page.status, 200, page.body)
        self.assertIn('value="carol"', page.body)
        self.assertNotIn('value="dave"', page.body)
        target = f"{self.env.account}@web01"
        forged = self.env.post("/requests/new", {
            "csrf": page.csrf(), "target": target, "reason": "x", "approvers": "dave"},
            cookie=cookie)
        self.assertEqual(forged.status, 422, forged.body)
        self.assertIn("dave cannot approve under rule web-rule", forged.body)
        no_csrf = self.env.post("/requests/new", {"target": target, "reason": "x",
                                                  "approvers": "carol"}, cookie=cookie)
        self.assertEqual(no_csrf.status, 403)
        other_site = self.env.post("/requests/new", {
            "csrf": page.csrf(), "target": target, "reason": "x", "approvers": "carol"},
            cookie=cookie, origin="https://evil.example")
        self.assertEqual(other_site.status, 403)
        self.assertEqual(json.loads(self.env.cli("requests", "--json").stdout), [])

    def test_alice_files_in_the_browser_and_the_chosen_approver_decides(self):
        now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
        start = now + datetime.timedelta(hours=2)
        end = start + datetime.timedelta(hours=3)
        out = subprocess.run(["node", os.path.join(WEB_TESTS, "request_form_in_browser.js"),
                              self.env.sign_in_link("alice"), self.shots, form_time(start),
                              form_time(end), form_time(start + datetime.timedelta(hours=5)),
                              "carol"],
                             capture_output=True, text=True, timeout=180)
        self.assertEqual(out.returncode, 0, out.stderr + out.stdout)
        seen = json.loads(out.stdout.strip().splitlines()[-1])
        self.assertEqual(seen["offered"], ["bob", "carol"])  # dave is not offered
        self.assertEqual(seen["emergencyOffered"], 0)  # the rule allows no emergency access
        self.assertIn(f"{self.env.account}@web01", seen["form"])
        self.assertIn("exceeds the 4h allowed by rule web-rule (max_duration)", seen["tooLong"])
        self.assertIn("Rotate the TLS keys", seen["filed"])
        request_id = int(seen["url"].rsplit("/", 1)[1])
        self.assertIn(f"Request #{request_id}", seen["filed"])

        mail = self.sink.wait_for(
            lambda m: "carol@example.com" in str(m["To"])
            and f"Connection Approval Notification - #{request_id}" in str(m["Subject"]),
            what="the chosen approver's mail")
        self.assertIn("Rotate the TLS keys", text_part(mail))
        self.assertIn("the certificate expires on Friday", text_part(mail))
        shown = json.loads(self.env.cli("show", str(request_id), "--json").stdout)
        self.assertEqual(shown["title"], "Rotate the TLS keys")
        self.assertEqual([lv["approvers"] for lv in shown["approvers"]], [["carol"]])
        self.assertEqual(self.env.cli("approve", str(request_id), "--as", "bob").returncode, 1)

        r = self.env.cli("approve", str(request_id), "--as", "carol", "--comment", "go ahead")
        self.assertEqual(r.returncode, 0, r.stderr)
        shown = json.loads(self.env.cli("show", str(request_id), "--json").stdout)
        self.assertEqual(shown["state"], "approved")
        grants = [g for g in json.loads(self.env.cli("grants", "--json").stdout)
                  if g["id"] == shown["grant_id"]]
        self.assertEqual(len(grants), 1)
        self.assertEqual(grants[0]["start"], start.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        self.assertEqual(grants[0]["end"], end.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        time.sleep(1)  # any mail to bob would have been queued with carol's
        self.assertFalse([m for m in self.sink.messages
                          if "bob@example.com" in str(m["To"])
                          and f"#{request_id}" in str(m["Subject"])
                          and "Approval Notification" in str(m["Subject"])])
        for name in ("request-form.png", "request-too-long.png", "request-filed.png"):
            self.assertGreater(os.path.getsize(os.path.join(self.shots, name)), 5000)


if __name__ == "__main__":
    unittest.main(verbosity=2)
