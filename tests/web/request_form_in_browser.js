// Headless Chromium (Debian's) driven by playwright-core: alice signs in, follows "Request
// access", sees which approvers she may choose, is refused a window longer than the rule allows,
// then files with a title, a future window and one chosen approver, and lands on the request.
// Screenshots go to OUT_DIR.
// Usage: node request_form_in_browser.js SIGN_IN_URL OUT_DIR START END TOO_LATE_END APPROVER
// (times as <input type="datetime-local"> takes them, UTC). Prints one JSON line.
const path = require('path');

const { inBrowser, run } = require('./in_browser');

async function fillForm(page, start, end, approver) {
  await page.fill('#title', 'Rotate the TLS keys');
  await page.fill('#reason', 'the certificate expires on Friday');
  await page.fill('#start', start);
  await page.fill('#end', end);
  await page.check(`input[name="approvers"][value="${approver}"]`);
}

async function main() {
  const [signInUrl, outDir, start, end, tooLateEnd, approver] = process.argv.slice(2);
  const result = {};
  await inBrowser({ outDir, failureShot: 'failure.png', viewport: { width: 1000, height: 900 },
                    result }, async (context) => {
    const page = await context.newPage();
    await page.goto(signInUrl);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/my/approvals');

    await page.getByRole('link', { name: 'Request access' }).first().click();
    await page.waitForURL('**/requests/new**');
    result.form = await page.locator('main').innerText();
    result.offered = await page.locator('input[name="approvers"]')
      .evaluateAll((boxes) => boxes.map((b) => b.value));
    result.emergencyOffered = await page.locator('#emergency').count();
    await page.screenshot({ path: path.join(outDir, 'request-form.png'), fullPage: true });

    await fillForm(page, start, tooLateEnd, approver);
    await page.getByRole('button', { name: 'File request' }).click();
    await page.waitForLoadState();
    result.tooLong = await page.locator('main').innerText();
    await page.screenshot({ path: path.join(outDir, 'request-too-long.png'), fullPage: true });

    await page.goBack();
    await page.waitForSelector('#title');
    await fillForm(page, start, end, approver);
    await page.getByRole('button', { name: 'File request' }).click();
    await page.waitForURL(/\/requests\/\d+$/);
    result.url = page.url();
    result.filed = await page.locator('main').innerText();
    await page.screenshot({ path: path.join(outDir, 'request-filed.png'), fullPage: true });
  });
}

run(main);
