// Headless Chromium (Debian's) through a gated web app (issue 15 "Must show"): alice opens the
// app's page on its own host name, is sent to the portal and its sign-in page, signs in from
// the mailed link, files on the request page and waits; bob approves from his mail's link in
// another tab; alice's page goes on to the app by itself (server-sent events, reload, launch);
// the app's page echoes over a WebSocket; alice makes a personal token on the portal's token
// page; after the revocation the page shows the WebSocket's close, and the next navigation
// the request page. Screenshots go to OUT_DIR.
//
// Usage: node apps_in_browser.js APP_URL OUT_DIR
// The test's driver answers on stdin: this script writes `{"need": WHAT, ...}` lines to stdout
// and reads one line back (a URL from a mail, or "done"). The last stdout line is the result.
const path = require('path');
const readline = require('readline');

const { inBrowser, run } = require('./in_browser');

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function ask(need, more = {}) {
  console.log(JSON.stringify({ need, ...more }));
  const answer = await lines.next();
  if (answer.done) throw new Error(`no answer to ${need}`);
  return answer.value.trim();
}

async function main() {
  const [appUrl, outDir] = process.argv.slice(2);
  const appHost = new URL(appUrl).hostname;
  const result = {};
  const viewport = { width: 1000, height: 800 };
  const shot = (page, name) => page.screenshot({ path: path.join(outDir, name), fullPage: true });
  const args = [`--host-resolver-rules=MAP *.${appHost.split('.').slice(1).join('.')} 127.0.0.1`];
  await inBrowser({ outDir, failureShot: 'apps-failure.png', viewport, result, args },
                  async (context) => {
    const alice = await context.newPage();

    // The app without a pass: the portal, then its sign-in page.
    await alice.goto(appUrl);
    await alice.waitForURL(/\/sign-in\?next=/);
    result.signInUrl = alice.url();
    await alice.fill('#who', 'alice@example.com');
    await alice.getByRole('button', { name: 'Send me a link' }).click();
    await alice.waitForLoadState();
    const signInLink = await ask('sign-in link');
    await alice.goto(signInLink);
    await alice.getByRole('button', { name: 'Sign in' }).click();

    // The request page.
    await alice.waitForSelector('text=Request access to grafana');
    result.requestPage = await alice.locator('main').innerText();
    result.requestPageUrl = alice.url();
    await shot(alice, 'app-request.png');
    await alice.fill('textarea[name=reason]', 'latency dashboard, from the browser');
    await alice.getByRole('button', { name: 'Request access' }).click();
    await alice.waitForURL(/\/apps\/grafana\/wait\/\d+/);
    result.waitingPage = await alice.locator('main').innerText();
    await shot(alice, 'app-waiting.png');

    // bob approves from his mail, in another tab; alice's page is left alone.
    const approvalLink = await ask('approval link');
    const bob = await context.newPage();
    await bob.goto(approvalLink);
    await bob.fill('#comment', 'approved from the browser');
    const approvedAt = Date.now();
    await bob.getByRole('button', { name: 'Approve' }).click();
    await bob.waitForSelector('text=You approved request');
    result.approved = await bob.locator('main').innerText();
    await bob.close();

    // alice's page goes on to the app by itself, and the app's page echoes over a WebSocket.
    await alice.waitForURL(appUrl, { timeout: 15000 });
    result.onwardMs = Date.now() - approvedAt;
    await alice.waitForSelector('#echo:has-text("echo: ")');
    result.echo = await alice.locator('#echo').innerText();
    result.appUrl = alice.url();
    await shot(alice, 'app-websocket.png');
    // What the app sees: the request's headers (the page's own fetch, with the app's cookie).
    result.seenHeaders = await alice.evaluate(async () => (await fetch('/headers')).json());

    // A personal token from the portal's page, in another tab.
    const portal = new URL(result.signInUrl).origin;
    const tokens = await context.newPage();
    await tokens.goto(`${portal}/apps`);
    await tokens.getByRole('link', { name: 'Personal tokens' }).click();
    await tokens.selectOption('#app', 'grafana');
    await tokens.fill('#valid', '1h');
    await tokens.getByRole('button', { name: 'Create token' }).click();
    result.token = await tokens.locator('#token').innerText();
    result.curl = await tokens.locator('#curl').innerText();
    result.tokenPage = await tokens.locator('main').innerText();
    await shot(tokens, 'app-token.png');
    await tokens.close();

    // The revocation (the driver's CLI) closes the app's WebSocket; the page shows how.
    await ask('revocation', { token: result.token, seenHeaders: result.seenHeaders });
    const closed = alice.locator('#closed[data-code]');
    await closed.waitFor({ timeout: 5000 });
    result.closeCode = Number(await closed.getAttribute('data-code'));
    result.closeReason = await closed.getAttribute('data-reason');
    result.closedAt = Number(await closed.getAttribute('data-at'));
    await shot(alice, 'app-revoked.png');

    // The next navigation: the request page again.
    await alice.goto(appUrl);
    await alice.waitForSelector('text=Request access to grafana');
    result.afterRevocation = await alice.locator('main').innerText();
    await shot(alice, 'app-request-again.png');
  });
  process.exit(0);  // stdin stays open
}

run(main);
