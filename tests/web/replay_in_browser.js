// Headless Chromium (Debian's) driven by playwright-core: sign in as an auditor, open a
// session's replay page and wait for asciinema-player to draw the recording. Reports Content
// Security Policy violations and console errors, and takes screenshots (the replay and the
// other audit pages) into OUT_DIR.
// Usage: node replay_in_browser.js SIGN_IN_URL REPLAY_URL OUT_DIR
// Prints one JSON line: what the page showed and what went wrong.
const path = require('path');

const { inBrowser, run } = require('./in_browser');

async function main() {
  const [signInUrl, replayUrl, outDir] = process.argv.slice(2);
  const result = { consoleErrors: [], violations: [] };
  const viewport = { width: 1100, height: 800 };
  const failureShot = 'replay-failure.png';
  await inBrowser({ outDir, failureShot, viewport, result }, async (context) => {
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') result.consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => result.consoleErrors.push(String(e)));
    // Violations as the page itself sees them (the securitypolicyviolation event).
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window.__violations = window.__violations || []).push(
          `${e.violatedDirective} blocked ${e.blockedURI}`);
      });
    });

    await page.goto(signInUrl);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/my/approvals');

    await page.goto(replayUrl);
    await page.waitForSelector('#player .ap-player', { timeout: 20000 });
    // Start playback and let it draw the terminal.
    await page.locator('#player .ap-player').click();
    await page.waitForFunction(
      () => (document.querySelector('#player .ap-term')?.textContent || '').includes('typed-42'),
      null, { timeout: 20000 });
    result.terminal = await page.locator('#player .ap-term').innerText();
    result.violations = await page.evaluate(() => window.__violations || []);
    result.main = await page.locator('main').innerText();
    await page.screenshot({ path: path.join(outDir, 'replay.png'), fullPage: true });

    // The other audit pages, to be looked at.
    for (const [name, url] of [['audit-events', '/audit'], ['audit-sessions', '/audit/sessions'],
                               ['audit-requests', '/audit/requests']]) {
      await page.goto(new URL(url, replayUrl).href);
      result[name] = await page.locator('main').innerText();
      await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
    }
  });
}

run(main);
