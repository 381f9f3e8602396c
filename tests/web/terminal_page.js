// What the browser-terminal scripts share: the stdin/stdout conversation with the Python
// driver (`ask`), signing alice in from the mailed link and opening the terminal from her
// Grants page, and reading what xterm shows (window.gatehouseTerminal's active buffer).
const readline = require('readline');

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

// Writes `{"need": WHAT, ...}` and returns the driver's one-line answer (a URL from a mail,
// or "done").
async function ask(need, more = {}) {
  console.log(JSON.stringify({ need, ...more }));
  const answer = await lines.next();
  if (answer.done) throw new Error(`no answer to ${need}`);
  return answer.value.trim();
}

// What xterm shows: the lines of its active buffer from `from` (all when omitted; a negative
// `from` counts from the end), trailing blanks trimmed.
function screen(page, from = 0) {
  return page.evaluate((from) => {
    const b = window.gatehouseTerminal.buffer.active;
    const out = [];
    for (let i = from < 0 ? Math.max(0, b.length + from) : from; i < b.length; ++i)
      out.push(b.getLine(i).translateToString(true));
    return out.join('\n');
  }, from);
}

// The first match of `pattern` on the screen (its last `from` lines when negative), waiting
// up to `timeoutMs`, polling every `everyMs`.
async function waitForScreen(page, pattern, what,
                             { timeoutMs = 15000, everyMs = 50, from = 0 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await screen(page, from);
    const m = text.match(pattern);
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`no ${what} on the terminal:\n${text}`);
    await page.waitForTimeout(everyMs);
  }
}

// Signs alice in from GRANTS_URL (the mailed link comes from the driver: need "sign-in link"),
// stores her Grants page's text in result.grantsPage, opens the terminal and waits until its
// socket is open.
async function openTerminalFromGrants(page, grantsUrl, result) {
  await page.goto(grantsUrl);
  await page.waitForURL(/\/sign-in\?next=/);
  await page.fill('#who', 'alice@example.com');
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await page.waitForLoadState();
  await page.goto(await ask('sign-in link'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('a.open-terminal');
  result.grantsPage = await page.locator('main').innerText();
  await page.click('a.open-terminal');
  await page.waitForSelector('#terminal[data-state=open]', { timeout: 15000 });
}

module.exports = { ask, screen, waitForScreen, openTerminalFromGrants };
