// Headless Chromium (Debian's) driven by playwright-core: sign in as the approver, look at
// My approvals, open the approval link, click Approve. Screenshots go to OUT_DIR.
// Usage: node approve_in_browser.js APPROVAL_URL SIGN_IN_URL OUT_DIR
// Prints one JSON line: what the pages said.
const path = require('path');

const { inBrowser, run } = require('./in_browser');

async function main() {
  const [approvalUrl, signInUrl, outDir] = process.argv.slice(2);
  const result = {};
  const viewport = { width: 1000, height: 800 };
  await inBrowser({ outDir, failureShot: 'failure.png', viewport, result }, async (context) => {
    const page = await context.newPage();

    await page.goto(signInUrl);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/my/approvals');
    result.myApprovals = await page.locator('main').innerText();
    await page.screenshot({ path: path.join(outDir, 'my-approvals.png'), fullPage: true });

    await page.goto(approvalUrl);
    result.form = await page.locator('main').innerText();
    await page.screenshot({ path: path.join(outDir, 'approval-form.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(outDir, 'approval-form-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1000, height: 800 });

    await page.fill('#comment', 'approved from the browser');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForSelector('text=You approved request');
    result.after = await page.locator('main').innerText();
    await page.screenshot({ path: path.join(outDir, 'approval-done.png'), fullPage: true });

    await page.getByRole('link', { name: 'My approvals' }).click();
    await page.locator('main table a[href^="/requests/"]').first().click();
    result.detail = await page.locator('main').innerText();
    await page.screenshot({ path: path.join(outDir, 'request-detail.png'), fullPage: true });
  });
}

run(main);
