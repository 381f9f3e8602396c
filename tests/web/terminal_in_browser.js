// Headless Chromium in the browser terminal (issue 18 "Must show"): alice signs in from the
// mailed link, opens "Open terminal" on her Grants page for an approved grant, types a command
// and reads its output from xterm's buffer, resizes the window and sees `stty size` follow;
// the driver checks `gatehouse sessions` and then revokes the grant: the page shows the reason
// and its socket closes. Screenshots go to OUT_DIR.
//
// Usage: node terminal_in_browser.js GRANTS_URL OUT_DIR
// The driver answers on stdin: this script writes `{"need": WHAT, ...}` lines and reads one line
// back (a URL from a mail, or "done"). The last stdout line is the result.
const path = require('path');
const { inBrowser, run } = require('./in_browser');
const { ask, screen, waitForScreen, openTerminalFromGrants } = require('./terminal_page');

async function main() {
  const [grantsUrl, outDir] = process.argv.slice(2);
  const result = {};
  const shot = (page, name) => page.screenshot({ path: path.join(outDir, name), fullPage: true });
  await inBrowser({ outDir, failureShot: 'terminal-failure.png',
                    viewport: { width: 1100, height: 800 }, result }, async (context) => {
    const page = await context.newPage();
    const violations = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
    });
    await openTerminalFromGrants(page, grantsUrl, result);
    result.terminalUrl = page.url();

    await page.keyboard.type('echo "out-$((6*7))-put"\n');
    result.output = (await waitForScreen(page, /^out-42-put$/m, 'command output'))[0];
    await page.keyboard.type('echo "before $(stty size)"\n');
    let m = await waitForScreen(page, /^before (\d+) (\d+)$/m, 'stty size');
    result.sizeBefore = { stty: [+m[1], +m[2]], xterm: await page.evaluate(
      () => [window.gatehouseTerminal.rows, window.gatehouseTerminal.cols]) };
    await shot(page, 'terminal.png');

    await page.setViewportSize({ width: 700, height: 500 });
    await page.waitForFunction((cols) => window.gatehouseTerminal.cols < cols,
                               result.sizeBefore.xterm[1]);
    await page.keyboard.type('echo "after $(stty size)"\n');
    m = await waitForScreen(page, /^after (\d+) (\d+)$/m, 'stty size after the resize');
    result.sizeAfter = { stty: [+m[1], +m[2]], xterm: await page.evaluate(
      () => [window.gatehouseTerminal.rows, window.gatehouseTerminal.cols]) };

    await ask('sessions');
    await ask('revocation');
    await page.waitForSelector('#terminal[data-closed]', { timeout: 5000 });
    result.closedAt = Date.now();
    result.status = await page.locator('#terminal-status').innerText();
    result.closeCode = await page.getAttribute('#terminal', 'data-closed');
    result.screenAfter = await screen(page);
    await shot(page, 'terminal-revoked.png');

    // Reconnecting after the grant ended: the ticket endpoint refuses with the reason.
    await page.reload();
    result.reloaded = await page.locator('main').innerText();
    result.violations = violations;
  });
  process.exit(0);  // stdin stays open
}

run(main);
