// Headless Chromium in the web SFTP's file browser (issue 18 part 2): alice signs in from a
// sign-in link, opens "Browse files" on her Grants page for an approved grant, goes to a folder,
// uploads a file through the page (its progress bar reaches 100 %), makes a folder, renames the
// file (the page's prompt), downloads it (the browser's download, compared by SHA-256 with what
// was uploaded), deletes it; the driver then revokes the grant and the next listing shows the
// reason; leaving the page closes its session. Screenshots go to OUT_DIR.
//
// Usage: node sftp_in_browser.js GRANTS_URL FOLDER OUT_DIR
// The driver answers on stdin (`{"need": WHAT}` lines, one line back); the last stdout line is
// the result.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const readline = require('readline');

const { inBrowser, run } = require('./in_browser');

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function ask(need) {
  console.log(JSON.stringify({ need }));
  const answer = await lines.next();
  if (answer.done) throw new Error(`no answer to ${need}`);
  return answer.value.trim();
}

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');
const names = (page) => page.locator('#sftp-entries a').allInnerTexts();

async function waitForNames(page, want, what) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const got = await names(page);
    if (want(got)) return got;
    if (Date.now() > deadline) throw new Error(`${what}: the list shows ${JSON.stringify(got)}`);
    await page.waitForTimeout(50);
  }
}

async function main() {
  const [grantsUrl, folder, outDir] = process.argv.slice(2);
  const result = {};
  const shot = (page, name) => page.screenshot({ path: path.join(outDir, name), fullPage: true });
  await inBrowser({ outDir, failureShot: 'sftp-failure.png',
                    viewport: { width: 1100, height: 800 }, result }, async (context) => {
    const page = await context.newPage();
    const violations = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
    });
    await page.goto(await ask('sign-in link'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
    await page.goto(grantsUrl);
    await page.waitForSelector('a.open-sftp');
    await page.click('a.open-sftp');
    await page.waitForSelector('#sftp[data-state=open]', { timeout: 15000 });
    result.sftpUrl = page.url();
    await page.fill('#sftp-goto', folder);
    await page.click('#sftp-go');
    await page.waitForFunction((f) => document.getElementById('sftp-path').textContent === f,
                               folder);

    const upload = crypto.randomBytes(8 * 1024 * 1024);
    result.uploaded = sha256(upload);
    await page.setInputFiles('#sftp-file', { name: 'report.bin', mimeType: 'application/octet-stream',
                                             buffer: upload });
    await page.click('#sftp-upload');
    await waitForNames(page, (n) => n.includes('report.bin'), 'after the upload');
    result.progress = await page.getAttribute('#sftp-progress', 'value');
    result.progressText = await page.locator('#sftp-progress-text').innerText();
    result.afterUpload = await page.locator('#sftp-status').innerText();

    await page.fill('#sftp-newdir', 'docs');
    await page.click('#sftp-mkdir');
    await waitForNames(page, (n) => n.includes('docs/'), 'after making a folder');

    page.once('dialog', (d) => d.accept('renamed.bin'));
    await page.locator('#sftp-entries tr', { hasText: 'report.bin' })
      .getByRole('button', { name: 'Rename' }).click();
    result.afterRename = await waitForNames(
      page, (n) => n.includes('renamed.bin') && !n.includes('report.bin'), 'after the rename');
    await shot(page, 'sftp.png');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#sftp-entries a', { hasText: 'renamed.bin' }).click(),
    ]);
    const saved = path.join(outDir, 'downloaded.bin');
    await download.saveAs(saved);
    result.downloaded = sha256(fs.readFileSync(saved));
    result.downloadName = download.suggestedFilename();

    page.once('dialog', (d) => d.accept());
    await page.locator('#sftp-entries tr', { hasText: 'renamed.bin' })
      .getByRole('button', { name: 'Delete' }).click();
    result.afterDelete = await waitForNames(page, (n) => !n.includes('renamed.bin'),
                                            'after the delete');

    // Leaving the page closes its session (the driver sees it end); the reloaded page opens a
    // new one.
    await ask('sessions');
    await page.reload();
    await page.waitForSelector('#sftp[data-state=open]', { timeout: 15000 });
    await page.fill('#sftp-goto', folder);
    await page.click('#sftp-go');
    await waitForNames(page, (n) => n.includes('docs/'), 'after the reload');

    // The revocation reaches the open page by itself (its event stream), without a click.
    await ask('revocation');
    await page.waitForSelector('#sftp[data-state=closed]', { timeout: 3000 });
    result.status = await page.locator('#sftp-status').innerText();
    await shot(page, 'sftp-revoked.png');
    result.violations = violations;
  });
  process.exit(0);  // stdin stays open
}

run(main);
