// Headless Chromium, the browser terminal held (issue 18 "Must show"): alice opens the terminal
// of a server she has no grant for, signs in from the mailed link, files on the request form
// that page shows, and waits; bob approves from his mail's link in another tab; alice's page
// goes on to the terminal by itself, and a command's output appears. Screenshots go to OUT_DIR.
//
// Usage: node terminal_held_in_browser.js TERMINAL_URL OUT_DIR  (answers on stdin, as in
// terminal_in_browser.js)
const path = require('path');
const { inBrowser, run } = require('./in_browser');
const { ask, waitForScreen } = require('./terminal_page');

async function main() {
  const [terminalUrl, outDir] = process.argv.slice(2);
  const result = {};
  const shot = (page, name) => page.screenshot({ path: path.join(outDir, name), fullPage: true });
  await inBrowser({ outDir, failureShot: 'terminal-held-failure.png',
                    viewport: { width: 1000, height: 700 }, result }, async (context) => {
    const alice = await context.newPage();
    await alice.goto(terminalUrl);
    await alice.waitForURL(/\/sign-in\?next=/);
    await alice.fill('#who', 'alice@example.com');
    await alice.getByRole('button', { name: 'Send me a link' }).click();
    await alice.waitForLoadState();
    await alice.goto(await ask('sign-in link'));
    await alice.getByRole('button', { name: 'Sign in' }).click();

    await alice.waitForSelector('textarea[name=reason]');
    result.requestPage = await alice.locator('main').innerText();
    await alice.fill('textarea[name=reason]', 'restart the service, from the browser');
    await alice.getByRole('button', { name: 'Request access' }).click();
    await alice.waitForURL(/\/terminal\/[^/]+\/[^/]+\/wait\/\d+$/);
    result.waitingPage = await alice.locator('main').innerText();
    await shot(alice, 'terminal-waiting.png');

    const bob = await context.newPage();
    await bob.goto(await ask('approval link'));
    await bob.getByRole('button', { name: 'Approve' }).click();
    await bob.waitForSelector('text=You approved request');
    const approvedAt = Date.now();
    await bob.close();

    await alice.waitForURL(terminalUrl, { timeout: 15000 });
    await alice.waitForSelector('#terminal[data-state=open]', { timeout: 15000 });
    result.onwardMs = Date.now() - approvedAt;
    await alice.keyboard.type('echo "held-$((20+3))-then-in"\n');
    result.output = (await waitForScreen(alice, /^held-23-then-in$/m, 'output'))[0];
    await shot(alice, 'terminal-after-approval.png');
  });
  process.exit(0);  // stdin stays open
}

run(main);
