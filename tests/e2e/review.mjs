// The review app (`sprout review serve`) in real headless Chromium, driven
// by playwright-core: alice accepts, edits and rejects with the keys, opens
// the record that holds <script> and HTML, and bob sees his own progress.
// Run by tests/e2e/review.sh, which sets up the project and the server and
// checks the decisions afterwards (the texts below are kept in step with it).
// With LONG_URL and LONG_LINK (a second server, over a project of two items
// each holding a 200,000-character unbroken run), carol opens both and
// their editors, each within LONG_MS.
//   node tests/e2e/review.mjs URL ALICE_LINK BOB_LINK SHOTS_DIR [LONG_URL LONG_LINK]
// Prints "ok   e2e NAME" or "FAIL e2e NAME" (the reason indented below) for
// each step; exits 1 if any failed.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const [url, aliceLink, bobLink, shots, longUrl, longLink] = process.argv.slice(2);
// The third project (labels, overlap 2, an adjudicator), from review.sh.
const { LAB_URL: labUrl, ERIN: erinLink, JUDY: judyLink, GUS: gusLink } = process.env;
if (!url || !aliceLink || !bobLink || !shots) {
  console.error('usage: node review.mjs URL ALICE_LINK BOB_LINK SHOTS_DIR [LONG_URL LONG_LINK]');
  process.exit(2);
}

// Kept in step with tests/e2e/review.sh.
const EDITED = 'How do I reset the PIN of my card in the app?';
const REASON = 'Too terse — no customer writes like this';
const SCRIPT_TEXT = '<script>alert("x")</script> and <b>bold</b> & <img src=x onerror=alert(1)>';
const ITEMS = 8; // queued items; 1 accept, 2 edit, 3 reject, 5 the <script> one
const SCRIPT_ITEM = 5;
const SIZES = [[1366, 768], [1920, 1080]];
const STEP_MS = 5000;
const LONG_MS = 5000; // loose (a busy machine); it took 32 s before the page's long-run class

let failures = 0;
function ok(name) {
  console.log(`ok   e2e ${name}`);
}
function fail(name, why) {
  failures++;
  console.log(`FAIL e2e ${name}`);
  for (const line of String(why).split('\n').slice(0, 12)) console.log(`    ${line}`);
}
class Check extends Error {}
function check(cond, why) {
  if (!cond) throw new Check(why);
}
// Runs one step; false when it failed (later steps may depend on it).
async function step(name, fn) {
  try {
    await fn();
    ok(name);
    return true;
  } catch (e) {
    fail(name, e instanceof Check ? e.message : (e && e.stack) || String(e));
    return false;
  }
}

// The whole run stops itself well inside review.sh's limit.
const watchdog = setTimeout(() => {
  fail('time limit', 'the browser run took more than 150 seconds (a hang: it takes 30-55 s on a loaded machine)');
  process.exit(1);
}, 150000);

function findChromium() {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const p = execFileSync('which', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (p) return p;
    } catch (e) { /* not there */ }
  }
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : null;
}

// Watches a page: dialogs, console errors, page errors and CSP violations.
// `allow` lists console errors the test causes on purpose (each used once),
// `always` those it lets pass however often;
// `confirms` counts the window.confirm calls it expects (accepted).
function watch(page, who) {
  const w = { problems: [], allow: [], always: [], confirms: 0, confirmed: [], dismiss: 0, dismissed: [] };
  page.on('dialog', async (d) => {
    if (d.type() === 'confirm' && w.dismiss > 0) {
      w.dismiss--;
      w.dismissed.push(d.message());
      await d.dismiss();
      return;
    }
    if (d.type() === 'confirm' && w.confirms > 0) {
      w.confirms--;
      w.confirmed.push(d.message());
      await d.accept();
      return;
    }
    const what = d.type() === 'alert'
      ? `alert(${JSON.stringify(d.message())}): a script from the record text ran`
      : `unexpected ${d.type()} dialog: ${JSON.stringify(d.message())}`;
    w.problems.push(`${who}: ${what}`);
    await d.dismiss().catch(() => {});
  });
  page.on('console', (m) => {
    const text = m.text();
    const csp = /content security policy|securitypolicyviolation/i.test(text);
    if (m.type() !== 'error' && !csp) return;
    const i = w.allow.findIndex((re) => re.test(text));
    if (i >= 0 && !csp) {
      w.allow.splice(i, 1);
      return;
    }
    if (!csp && w.always.some((re) => re.test(text))) return;
    const where = m.location() && m.location().url ? ` (${m.location().url})` : '';
    w.problems.push(`${who}: console ${m.type()}${csp ? ' (CSP violation)' : ''}: ${text}${where}`);
  });
  page.on('pageerror', (e) => w.problems.push(`${who}: page error: ${e.message}`));
  return w;
}

// CSP violations are also reported by the page itself, as console errors.
const CSP_HOOK = () => {
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`securitypolicyviolation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
  });
};

async function newPage(browser, who) {
  const context = await browser.newContext({ viewport: { width: SIZES[0][0], height: SIZES[0][1] } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  await page.addInitScript(CSP_HOOK);
  return { context, page, w: watch(page, who) };
}

async function shoot(page, name) {
  const files = [];
  for (const [width, height] of SIZES) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(100); // let the layout settle
    const file = path.join(shots, `${name}-${width}x${height}.png`);
    await page.screenshot({ path: file });
    files.push(file);
  }
  await page.setViewportSize({ width: SIZES[0][0], height: SIZES[0][1] });
  return files;
}

// Waits until the item with this id is shown and not busy saving.
async function shown(page, id) {
  await page.waitForFunction((want) => {
    const it = document.querySelector('[data-test="item"]');
    return it && !it.hidden && it.dataset.id === String(want) && it.getAttribute('aria-busy') !== 'true';
  }, id, { timeout: STEP_MS });
}

async function progress(page) {
  return page.$eval('[data-test="progress"]', (p) => ({
    text: p.querySelector('[data-test="progress-text"]').textContent,
    done: Number(p.dataset.done),
    left: Number(p.dataset.left),
    total: Number(p.dataset.total),
  }));
}

async function waitProgress(page, done, left) {
  try {
    await page.waitForFunction(([d, l]) => {
      const p = document.querySelector('[data-test="progress"]');
      return p && p.dataset.done === String(d) && p.dataset.left === String(l);
    }, [done, left], { timeout: STEP_MS });
  } catch (e) {
    const p = await progress(page);
    throw new Check(`progress is "${p.text}" (done ${p.done}, left ${p.left}), expected ${done} done, ${left} left`);
  }
}

async function rowStatus(page, id) {
  return page.$eval(`[data-test="item-row"][data-id="${id}"]`, (b) => b.dataset.status);
}

async function waitRowStatus(page, id, status) {
  try {
    await page.waitForSelector(`[data-test="item-row"][data-id="${id}"][data-status="${status}"]`, { timeout: STEP_MS });
  } catch (e) {
    throw new Check(`row ${id} is "${await rowStatus(page, id).catch(() => '?')}", expected "${status}"`);
  }
}

async function apiMe(page) {
  return page.evaluate(async () => (await fetch('/api/me', { cache: 'no-store' })).json());
}

// The problems a watcher saw, as one step.
async function clean(name, w) {
  await step(name, async () => {
    check(w.problems.length === 0, w.problems.join('\n'));
    check(w.allow.length === 0, `expected console errors that did not come: ${w.allow.join(', ')}`);
  });
}

async function main() {
  mkdirSync(shots, { recursive: true });
  const exe = findChromium();
  let browser;
  const launched = await step('chromium starts', async () => {
    check(exe, 'no chromium found (which chromium, chromium-browser): apt-get install chromium');
    browser = await chromium.launch({
      executablePath: exe,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  if (!launched) return;
  try {
    await anonymous(browser);
    const counts = await alice(browser);
    await bob(browser, counts);
    if (erinLink && judyLink && gusLink) await lab(browser);
    if (longLink) await longRuns(browser);
  } finally {
    await browser.close();
  }
}

// Without the cookie: the page is the short 401 text page, nothing else.
async function anonymous(browser) {
  const { context, page, w } = await newPage(browser, 'no cookie');
  // The page and the browser's own /favicon.ico request are both refused.
  w.always.push(/status of 401/);
  await step('no cookie: / shows the 401 page', async () => {
    const res = await page.goto(url + '/');
    check(res.status() === 401, `status ${res.status()}, expected 401`);
    const text = (await page.textContent('body')).trim();
    check(text === 'Open your review link to sign in.', `the page says ${JSON.stringify(text)}`);
    check(await page.$('[data-test="header"]') === null, 'the review page was shown');
  });
  await clean('no cookie: no console errors, dialogs or CSP violations', w);
  await context.close();
}

async function alice(browser) {
  const { context, page, w } = await newPage(browser, 'alice');
  let counts = null;

  const signedIn = await step('alice: her link signs her in', async () => {
    const res = await page.goto(aliceLink);
    check(res && res.status() === 200, `status ${res && res.status()}`);
    check(new URL(page.url()).pathname === '/', `landed on ${page.url()}, expected /`);
    const csp = res.headers()['content-security-policy'] || '';
    check(/script-src 'self'/.test(csp), `Content-Security-Policy is ${JSON.stringify(csp)}`);
    const cookies = await context.cookies();
    const c = cookies.find((x) => x.name === 'sprout_review');
    check(c && c.httpOnly && c.sameSite === 'Strict', `cookie: ${JSON.stringify(c)}`);
    await shown(page, 1);
  });
  if (!signedIn) return counts;

  await step('alice: the header shows her name, the project and her progress', async () => {
    const name = await page.textContent('[data-test="reviewer"]');
    check(name === 'alice', `reviewer is ${JSON.stringify(name)}`);
    const project = await page.textContent('[data-test="project"]');
    check(project === 'PIN help', `project is ${JSON.stringify(project)}`);
    const p = await progress(page);
    check(p.text === `0 done · ${ITEMS} left` && p.total === ITEMS, `progress is "${p.text}" of ${p.total}`);
    const rows = await page.$$eval('[data-test="item-row"]', (r) => r.length);
    check(rows === ITEMS, `the list has ${rows} items, expected ${ITEMS}`);
  });

  await step('alice: the first item shows the seed beside it with the changes marked', async () => {
    const orig = await page.textContent('[data-test="slot-original-prompt"]');
    const gen = await page.textContent('[data-test="slot-generated-prompt"]');
    check(orig === 'How do I reset my PIN?', `original is ${JSON.stringify(orig)}`);
    check(gen === 'How can I reset my PIN?', `generated is ${JSON.stringify(gen)}`);
    const del = await page.$$eval('[data-test="slot-original-prompt"] del', (e) => e.map((x) => x.textContent));
    const ins = await page.$$eval('[data-test="slot-generated-prompt"] ins', (e) => e.map((x) => x.textContent));
    check(del.join('|') === 'do' && ins.join('|') === 'can', `marked: removed ${JSON.stringify(del)}, added ${JSON.stringify(ins)}`);
    check(await page.isVisible('[data-test="legend"]'), 'the legend of the marks is hidden');
  });
  await step('alice: the checks are in plain words', async () => {
    const t = await page.textContent('[data-test="score"][data-name="similarity"]');
    check(t === 'Meaning kept: 0.91 (high)', `the similarity score reads ${JSON.stringify(t)}`);
    const j = '[data-test="score"][data-name="judge:meaning"]';
    const jt = await page.textContent(j);
    check(jt === 'Judge, meaning kept: 5 of 5', `the judge's score reads ${JSON.stringify(jt)}`);
    const tip = await page.getAttribute(j, 'title');
    check(tip === 'judge:meaning = 5 (kept from 4): The same request.', `its tooltip is ${JSON.stringify(tip)}`);
  });
  await step('alice: the guidelines panel shows the Markdown, safely', async () => {
    await page.keyboard.press('g');
    await page.waitForSelector('[data-test="guidelines"]:not([hidden])');
    const g = await page.$eval('[data-test="guidelines-body"]', (b) => ({
      h: [...b.querySelectorAll('h2')].map((x) => x.textContent),
      strong: [...b.querySelectorAll('strong')].map((x) => x.textContent),
      em: [...b.querySelectorAll('em')].map((x) => x.textContent),
      code: [...b.querySelectorAll('code')].map((x) => x.textContent),
      ul: b.querySelectorAll('ul > li').length,
      ol: b.querySelectorAll('ol > li').length,
      links: [...b.querySelectorAll('a')].map((a) => a.getAttribute('href')),
      made: b.querySelectorAll('script, img, [onerror]').length,
      text: b.textContent,
    }));
    check(g.h.join('|') === 'How to review', `headings ${JSON.stringify(g.h)}`);
    check(g.strong.join('|') === 'meaning' && g.em.join('|') === 'tone' && g.code.join('|') === 'PIN',
      `emphasis ${JSON.stringify([g.strong, g.em, g.code])}`);
    check(g.ul === 2 && g.ol === 2, `lists: ${g.ul} bullets, ${g.ol} numbered`);
    check(g.links.join('|') === 'https://example.org/policy', `links ${JSON.stringify(g.links)}`);
    check(g.made === 0 && g.text.includes('<script>alert("guide")</script>'), `HTML made elements (${g.made}) or vanished`);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-test="guidelines"]', { state: 'hidden' });
  });
  await step('alice: screenshots of the review screen', async () => { await shoot(page, 'review'); });

  await step('alice: a accepts the first item and moves on to the second', async () => {
    await page.keyboard.press('a');
    await waitRowStatus(page, 1, 'accepted');
    await waitProgress(page, 1, ITEMS - 1);
    await shown(page, 2);
  });

  await step('alice: e opens the editor on the second item', async () => {
    await page.keyboard.press('e');
    const ed = page.locator('[data-test="editor-prompt"]');
    await ed.waitFor({ state: 'visible' });
    check(await ed.evaluate((t) => t === document.activeElement), 'the editor does not have the focus');
    check(await ed.inputValue() === 'How do I rset my PIN?', `the editor holds ${JSON.stringify(await ed.inputValue())}`);
    check(await page.isVisible('[data-test="save"]'), 'no Save button while editing');
    check(!(await page.isVisible('[data-test="accept"]')), 'Accept is still shown while editing');
    await ed.fill(EDITED);
  });
  await step('alice: screenshots of the editor', async () => { await shoot(page, 'editor'); });
  await step('alice: Ctrl+Enter saves the correction', async () => {
    await page.locator('[data-test="editor-prompt"]').press('Control+Enter');
    await waitRowStatus(page, 2, 'edited');
    await waitProgress(page, 2, ITEMS - 2);
    await shown(page, 3);
  });

  await step('alice: r opens the reject form on the third item', async () => {
    await page.keyboard.press('r');
    const reason = page.locator('[data-test="reject-reason"]');
    await reason.waitFor({ state: 'visible' });
    check(await reason.evaluate((t) => t === document.activeElement), 'the reason field does not have the focus');
    await page.keyboard.type(REASON);
    check(await reason.inputValue() === REASON, `the reason field holds ${JSON.stringify(await reason.inputValue())}`);
  });
  await step('alice: screenshots of the reject form', async () => { await shoot(page, 'reject'); });
  await step('alice: Enter rejects it with the reason', async () => {
    await page.keyboard.press('Enter');
    await waitRowStatus(page, 3, 'rejected');
    await waitProgress(page, 3, ITEMS - 3);
    await shown(page, 4);
    check(await page.isHidden('[data-test="reject-form"]'), 'the reject form is still open');
  });

  await step('alice: leaving an unsaved comment asks first', async () => {
    await page.keyboard.press('c');
    const box = page.locator('[data-test="comment-input"]');
    await box.waitFor({ state: 'visible' });
    await box.fill('not sure about this one');
    w.confirms = 1;
    await page.click(`[data-test="item-row"][data-id="${SCRIPT_ITEM}"]`);
    await shown(page, SCRIPT_ITEM);
    check(w.confirms === 0 && w.confirmed.length === 1, 'no window.confirm before leaving the unsaved comment');
    check(/not saved/.test(w.confirmed[0]), `the question was ${JSON.stringify(w.confirmed[0])}`);
  });
  w.confirms = 0;

  await step('alice: the <script> record is shown as plain text', async () => {
    await shown(page, SCRIPT_ITEM);
    const gen = await page.textContent('[data-test="slot-generated-prompt"]');
    check(gen === SCRIPT_TEXT, `the generated instruction reads ${JSON.stringify(gen)}`);
    check(gen.includes('<script>'), 'no literal <script> in the text');
    const made = await page.$$eval('#item b, #item img, #item script, #item [onerror]', (e) => e.map((x) => x.outerHTML));
    check(made.length === 0, `elements made from the record text in the item: ${made.join(' ')}`);
    const anywhere = await page.$$eval('img, b, [onerror], script:not([src="/review.js"])', (e) => e.map((x) => x.outerHTML));
    check(anywhere.length === 0, `elements made from record text in the page: ${anywhere.join(' ')}`);
    const preview = await page.textContent(`[data-test="item-row"][data-id="${SCRIPT_ITEM}"] .row-preview`);
    check(preview.startsWith('<script>alert("x")</script>'), `the list shows ${JSON.stringify(preview)}`);
  });
  await step('alice: screenshot of the <script> record', async () => {
    await page.screenshot({ path: path.join(shots, `script-item-${SIZES[0][0]}x${SIZES[0][1]}.png`) });
  });

  await step('alice: a moved run of words is shown as moved, not struck and added', async () => {
    await page.click('[data-test="item-row"][data-id="7"]');
    await shown(page, 7);
    const mv = await page.$$eval('[data-test="slot-generated-prompt"] .diff-move', (e) => e.map((x) => x.textContent));
    const mo = await page.$$eval('[data-test="slot-original-prompt"] .diff-move', (e) => e.map((x) => x.textContent));
    const del = await page.$$eval('[data-test="slot-original-prompt"] del', (e) => e.map((x) => x.textContent));
    check(mv.join('|') === 'my PIN' && mo.join('|') === 'my PIN', `moved: ${JSON.stringify([mo, mv])}`);
    check(!del.join(' ').includes('PIN'), `struck: ${JSON.stringify(del)}`);
  });

  await step('alice: after a filter change, a does not overwrite her rejection without asking', async () => {
    await page.selectOption('[data-test="filter-status"]', 'rejected');
    await shown(page, 3);
    await page.focus('[data-test="item"]');
    w.dismiss = 1;
    await page.keyboard.press('a');
    await page.waitForFunction(() => /Nothing changed/.test(document.querySelector('[data-test="status"]').textContent));
    check(w.dismiss === 0 && /rejected this item \(reason: Too terse/.test(w.dismissed[0] || ''),
      `the question was ${JSON.stringify(w.dismissed)}`);
    const d = await page.evaluate(async () => (await (await fetch('/api/item/3')).json()).decision);
    check(d && d.decision === 'reject', `item 3's decision is ${JSON.stringify(d)}`);
    check(await rowStatus(page, 3) === 'rejected', 'the row is not rejected any more');
  });
  w.dismiss = 0;

  await step('alice: a POST without the CSRF header is refused (403)', async () => {
    w.allow.push(/status of 403/);
    const r = await page.evaluate(async () => {
      const res = await fetch('/api/item/4/decision', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ decision: 'accept' }),
      });
      return { status: res.status, body: await res.text() };
    });
    check(r.status === 403, `status ${r.status}: ${r.body}`);
    check(/CSRF/.test(r.body), `the answer is ${r.body}`);
  });

  await step('alice: her counts on the server', async () => {
    const me = await apiMe(page);
    counts = me.counts;
    const c = me.counts || {};
    check(me.reviewer === 'alice' && c.done === 3 && c.accepted === 1 && c.edited === 1 && c.rejected === 1,
      `GET /api/me: ${JSON.stringify(me.counts)}`);
  });

  await clean('alice: no alert, console errors, page errors or CSP violations', w);
  await context.close();
  return counts;
}

// bob, in a browser of his own: his progress is his, not alice's.
async function bob(browser, aliceCounts) {
  const { context, page, w } = await newPage(browser, 'bob');
  const signedIn = await step('bob: his link signs him in', async () => {
    const res = await page.goto(bobLink);
    check(res && res.status() === 200, `status ${res && res.status()}`);
    await page.waitForSelector('[data-test="item"]:not([hidden])');
  });
  if (signedIn) {
    await step('bob: the header shows his name and his own progress', async () => {
      const name = await page.textContent('[data-test="reviewer"]');
      check(name === 'bob', `reviewer is ${JSON.stringify(name)}`);
      const me = await apiMe(page);
      const p = await progress(page);
      // With overlap 1, bob gets what alice has not taken: 8 items less the
      // 3 she decided and the one /api/next handed her (item 4).
      check(p.done === 0 && p.left === ITEMS - 4 && p.text === `0 done · ${ITEMS - 4} left`,
        `progress is "${p.text}"`);
      check(me.counts.done === 0 && me.counts.left === p.left && me.counts.accepted === 0,
        `GET /api/me: ${JSON.stringify(me.counts)}`);
      check(aliceCounts && aliceCounts.done === 3, `alice's counts: ${JSON.stringify(aliceCounts)}`);
      const statuses = await page.$$eval('[data-test="item-row"]', (r) => r.map((b) => b.dataset.id + ':' + b.dataset.status));
      check(statuses.every((s) => s.endsWith(':todo')), `his list: ${statuses.join(' ')}`);
      check(!statuses.some((s) => /^[1-4]:/.test(s)), `his list holds alice's items: ${statuses.join(' ')}`);
    });
    await step('bob: screenshot', async () => {
      await page.screenshot({ path: path.join(shots, `bob-${SIZES[0][0]}x${SIZES[0][1]}.png`) });
    });
  }
  await clean('bob: no alert, console errors, page errors or CSP violations', w);
  await context.close();
}

// The third project: erin picks a label from the dataset's labels, sees a
// real record headed as one; judy settles a disagreement; gus, who has
// nothing open to him, is not told he reviewed everything.
async function lab(browser) {
  {
    const { context, page, w } = await newPage(browser, 'erin');
    const ok = await step('erin: her link opens the one item left for her', async () => {
      await page.goto(erinLink);
      await shown(page, 3);
    });
    if (ok) {
      await step('erin: the label picker offers the dataset\'s labels and saves the one picked', async () => {
        await page.keyboard.press('e');
        const sel = page.locator('[data-test="editor-label"]');
        await sel.waitFor({ state: 'visible' });
        const opts = await sel.evaluate((s) => [...s.options].map((o) => o.textContent));
        check(opts[0] === 'card_arrival' && opts[1] === 'refund' && /^Other/.test(opts[2]) && opts.length === 3,
          `options ${JSON.stringify(opts)}`);
        check(await sel.inputValue() === 'refund', `picked ${await sel.inputValue()}`);
        await sel.selectOption('card_arrival');
        w.confirms = 1; // a question would be answered and recorded: none is expected (no decision of hers to replace)
        await page.click('[data-test="save"]');
        await page.waitForSelector('[data-test="done"]:not([hidden])');
        const d = await page.evaluate(async () => (await (await fetch('/api/item/3')).json()).decision);
        check(d && d.decision === 'edit' && d.record.label === 'card_arrival', `saved ${JSON.stringify(d)}`);
        check(w.confirmed.length === 0, `asked ${JSON.stringify(w.confirmed)}`);
        w.confirms = 0;
      });
      await step('erin: a real record flagged from the model is not headed "Generated"', async () => {
        await page.click('[data-test="item-row"][data-id="4"]');
        await shown(page, 4);
        const head = await page.textContent('[data-test="col-head"]');
        const sides = await page.$$eval('.cell-side', (e) => e.map((x) => x.textContent));
        check(/^Real record/.test(head) && !sides.includes('Generated'), `headed ${JSON.stringify([head, sides])}`);
        await page.click('[data-test="item-row"][data-id="1"]');
        await shown(page, 1);
        const h1 = await page.textContent('[data-test="col-head"]');
        check(/^Generated/.test(h1), `a generated record is headed ${JSON.stringify(h1)}`);
      });
    }
    await clean('erin: no console errors, page errors or CSP violations', w);
    await context.close();
  }
  {
    const { context, page, w } = await newPage(browser, 'judy');
    await step('judy: the disagreements list each reviewer\'s decision, and she sets the final one', async () => {
      await page.goto(judyLink);
      await page.waitForSelector('[data-test="adjudicate-open"]:not([hidden])');
      await page.click('[data-test="adjudicate-open"]');
      const card = page.locator('[data-test="adjudicate-item"][data-id="1"]');
      await card.waitFor({ state: 'visible' });
      const ids = await page.$$eval('[data-test="adjudicate-item"]', (e) => e.map((x) => x.dataset.id));
      check(ids.join(',') === '1,3', `disputed items ${ids.join(',')}`);
      const votes = await card.locator('[data-test="adjudicate-vote"]').allTextContents();
      check(votes.join('|') === 'erin: Accepted|frank: Rejected (a typo)', `votes ${JSON.stringify(votes)}`);
      await card.locator('[data-test="final-reason"]').fill('the typo changes nothing');
      await card.locator('[data-test="final-reject"]').click();
      await page.waitForFunction(() => /Final: Rejected by judy/.test(
        document.querySelector('[data-test="adjudicate-item"][data-id="1"] [data-test="adjudicate-final"]').textContent));
    });
    await step('judy: screenshot of the disagreements', async () => {
      await page.screenshot({ path: path.join(shots, `adjudicate-${SIZES[0][0]}x${SIZES[0][1]}.png`) });
    });
    await clean('judy: no console errors, page errors or CSP violations', w);
    await context.close();
  }
  {
    const { context, page, w } = await newPage(browser, 'gus');
    await step('gus: with nothing open to him, he is not told he reviewed every item', async () => {
      await page.goto(gusLink);
      await page.waitForSelector('[data-test="done"]:not([hidden])');
      const title = await page.textContent('[data-test="done-title"]');
      const text = await page.textContent('[data-test="done-text"]');
      check(title === 'Nothing to review' && /not reviewed any item/.test(text) && !/reviewed every/.test(text),
        `the end screen says ${JSON.stringify([title, text])}`);
    });
    await clean('gus: no console errors, page errors or CSP violations', w);
    await context.close();
  }
}

// Two items with a 200,000-character run without a space (Thai, then
// Latin letters) in the generated prompt, the seed beside them: each is
// shown, and its editor opened, within LONG_MS.
async function longRuns(browser) {
  const { context, page, w } = await newPage(browser, 'carol');
  page.setDefaultTimeout(LONG_MS * 2);
  const frame = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const timed = async (what, fn) => {
    const t0 = Date.now();
    await fn();
    await frame();
    const ms = Date.now() - t0;
    check(ms < LONG_MS, `${what} took ${ms} ms (at most ${LONG_MS})`);
  };
  const shownRun = async (id) => {
    await page.waitForFunction((id) => {
      const e = document.querySelector('[data-test="slot-generated-prompt"]');
      return location.hash === '#item=' + id && e && e.textContent.length > 200000;
    }, id);
  };
  for (const [id, name] of [[1, 'Thai'], [2, 'Latin']]) {
    const ok = await step(`long run: the ${name} item is shown within ${LONG_MS / 1000} s`, () =>
      timed('showing it', async () => {
        if (id === 1) await page.goto(longLink);
        else await page.keyboard.press('j');
        await shownRun(id);
      }));
    if (!ok) break;
    const edited = await step(`long run: the ${name} item's editor opens within ${LONG_MS / 1000} s`, () =>
      timed('opening the editor', async () => {
        await page.keyboard.press('e');
        await page.waitForSelector('[data-test="editor-prompt"]');
      }));
    if (!edited) break;
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-test="editor-prompt"]', { state: 'detached' });
  }
  await clean('long run: no console errors, page errors or CSP violations', w);
  await context.close();
}

try {
  await main();
} catch (e) {
  fail('browser run', (e && e.stack) || String(e));
}
clearTimeout(watchdog);
process.exit(failures ? 1 : 0);
