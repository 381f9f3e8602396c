// Headless Chromium, the browser terminal's throughput (issue 18 "Must show": `cat` of a 100 MB
// file completes and the gate's memory stays bounded): alice opens the terminal on her
// approved grant, the driver is told the command starts (need "cat starts": it samples the
// gate's memory from then), the command is typed, and the page waits until xterm shows the
// marker line the command ends with; then the driver is told (need "cat done"). The result
// has the milliseconds from typing to the marker on the screen (catMs) and the last lines shown.
//
// Usage: node terminal_cat_in_browser.js GRANTS_URL OUT_DIR COMMAND MARKER TIMEOUT_MS [SLOWDOWN]
// COMMAND is typed with a newline; MARKER is the whole line that ends it; SLOWDOWN (e.g. 4)
// throttles the page's CPU that many times (Chrome DevTools' Emulation.setCPUThrottlingRate):
// a slow reader. Answers on stdin, as in terminal_in_browser.js.
const path = require('path');
const { inBrowser, run } = require('./in_browser');
const { ask, screen, waitForScreen, openTerminalFromGrants } = require('./terminal_page');

function escaped(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function main() {
  const [grantsUrl, outDir, command, marker, timeoutMs, slowdown] = process.argv.slice(2);
  const result = {};
  await inBrowser({ outDir, failureShot: 'terminal-cat-failure.png',
                    viewport: { width: 1100, height: 800 }, result }, async (context) => {
    const page = await context.newPage();
    await openTerminalFromGrants(page, grantsUrl, result);
    if (slowdown) {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: +slowdown });
    }
    await ask('cat starts');
    const started = Date.now();
    await page.keyboard.type(command + '\n');
    // Only the last lines are read: the whole scrollback every time would slow the page.
    await waitForScreen(page, new RegExp(`^${escaped(marker)}$`, 'm'), 'marker after the cat',
                        { timeoutMs: +timeoutMs, everyMs: 250, from: -200 });
    result.catMs = Date.now() - started;
    await ask('cat done');
    result.lastLines = (await screen(page, -60)).split('\n').filter((l) => l).slice(-4);
    await page.screenshot({ path: path.join(outDir, 'terminal-after-cat.png') });
  });
  process.exit(0);  // stdin stays open
}

run(main);
