"""What the headless-Chromium tests share: playwright-core installed (tests/web/install-playwright.sh,
one npm install at a time), the folder of browser scripts (WEB_TESTS), and a fresh folder of
screenshots for each test (BIN_DIR/tests/web/screenshots/NAME): a test never deletes the pictures
of another, even one running at the same time."""
import os
import shutil
import subprocess

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
