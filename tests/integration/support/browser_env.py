"""What the headless-Chromium tests share: playwright-core installed (tests/web/install-playwright.sh,
one npm install at a time), the folder of browser scripts (WEB_TESTS), a fresh folder of
screenshots for each test (BIN_DIR/tests/web/screenshots/NAME): a test never deletes the pictures
of another, even one running at the same time; and the conversation with a browser script
(drive_browser)."""
import json
import os
import shutil
import subprocess
import threading

from gatehouse_env import BIN_DIR

WEB_TESTS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "web"))


def prepare_browser(name):
    """Installs playwright-core if it is not there yet and returns an empty screenshot folder
    of the test's own, `name`."""
    subprocess.run([os.path.join(WEB_TESTS, "install-playwright.sh")], check=True, timeout=300)
    shots = os.path.join(BIN_DIR, "tests", "web", "screenshots", name)
    shutil.rmtree(shots, ignore_errors=True)
    os.makedirs(shots)
    return shots


def drive_browser(case, script, args, answer, seconds=120, log=lambda: ""):
    """Runs the browser script WEB_TESTS/`script` with `args` for the unittest `case`. Each line
    the script prints is JSON; one with "need" (e.g. {"need": "sign-in link"}) is answered on
    its stdin with the line answer(message) returns. The script is killed after `seconds`.
    Fails `case` unless it exits 0 (its stderr and `log()`, e.g. the daemon's log, in the
    message); returns its last line, parsed: what the page showed."""
    browser = subprocess.Popen(["node", os.path.join(WEB_TESTS, script), *args],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(seconds, browser.kill)
    watchdog.start()
    case.addCleanup(watchdog.cancel)
    case.addCleanup(lambda: browser.poll() is None and browser.kill())
    last = None
    for line in browser.stdout:
        last = json.loads(line)
        if "need" in last:
            browser.stdin.write(answer(last) + "\n")
            browser.stdin.flush()
    browser.wait(timeout=30)
    case.assertEqual(browser.returncode, 0, browser.stderr.read() + "\n" + log())
    return last
