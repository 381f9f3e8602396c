// What the browser tests share: Debian's headless Chromium driven by playwright-core with a
// fresh profile (--user-data-dir) every run, and on a failure the last page's address, HTML
// and a screenshot.
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

// Runs `steps(context)`, then prints `result` as one JSON line. On an error: the last page
// and `result` go to stderr, a screenshot to OUT_DIR/`failureShot`, and the error is thrown.
// `args`: more Chromium switches (e.g. --host-resolver-rules).
async function inBrowser({ outDir, failureShot, viewport, result, args = [] }, steps) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           ...args],
    ignoreHTTPSErrors: true,
    viewport,
  });
  try {
    await steps(context);
  } catch (e) {
    const pages = context.pages();
    if (pages.length) {
      const p = pages[pages.length - 1];
      console.error(`at ${p.url()}:\n` + (await p.content()).slice(0, 3000));
      console.error(JSON.stringify(result));
      await p.screenshot({ path: path.join(outDir, failureShot) }).catch(() => {});
    }
    throw e;
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(JSON.stringify(result));
}

// A script's entry: exit 1 with the error printed when `main` fails.
function run(main) {
  main().catch((e) => { console.error(e); process.exit(1); });
}

module.exports = { inBrowser, run };
