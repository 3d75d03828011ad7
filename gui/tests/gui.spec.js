// The GUI in a real browser against a real engine (see playwright.config.js).
// Every test collects the page's console errors and uncaught exceptions and
// fails on any (a 501, an engine endpoint missing, included), except the
// 503s that say the engine is down in the engine-down test. Nothing skips.
const { test, expect } = require('@playwright/test');
const fs = require('fs');
const path = require('path');

const state = JSON.parse(fs.readFileSync(process.env.GUI_STACK_STATE, 'utf8'));
const base = state.gui.replace(/\?.*$/, '').replace(/\/$/, '');
const control = `http://127.0.0.1:${process.env.GUI_STACK_PORT}`;
const ARTIFACTS = path.resolve(__dirname, '..', '..', 'build', 'artifacts', 'gui');
fs.mkdirSync(ARTIFACTS, { recursive: true });

const PAGES = ['/', '/containers', '/images', '/volumes', '/networks', '/events'];

let problems = [];     // console errors and page errors of the current test
let allow503 = false;

test.beforeEach(async ({ page }) => {
  problems = [];
  allow503 = false;
  page.on('pageerror', (e) => problems.push('uncaught: ' + e.message));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = (m.location() || {}).url || '';
    if (allow503 && /status of 503/.test(m.text())) return;
    problems.push(m.text() + (url ? ' @ ' + url : ''));
  });
  await page.goto(state.gui); // the token URL: trades the token for the cookie
  await expect(page).toHaveURL(base + '/');
});

test.afterEach(async () => {
  expect(problems, 'console errors').toEqual([]);
});

async function upAt(page, p) {
  await page.goto(base + p);
  await expect(page.locator('#engine')).toHaveText('engine: up');
}

// The number of stats samples the GUI's hub holds for a container, once
// it holds at least min (or what it holds after 15 s).
async function statsArrive(page, name, min) {
  let n = 0;
  for (const end = Date.now() + 15000; Date.now() < end; await page.waitForTimeout(250)) {
    const r = await page.request.get(base + '/gui/api/containers/' + name + '/stats');
    n = r.ok() ? (await r.json()).history.length : 0;
    if (n >= min) break;
  }
  return n;
}

// How many pixels of a canvas have been drawn on.
function inked(page, sel) {
  return page.locator(sel).evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
    return n;
  });
}

async function listLength(page, url) {
  const r = await page.request.get(base + url);
  expect(r.ok(), `${url}: ${r.status()}`).toBeTruthy();
  return (await r.json()).length;
}

async function csrf(page) {
  return page.locator('body').getAttribute('data-csrf');
}

async function post(page, url, body) {
  const r = await page.request.post(base + url, { data: body, headers: { 'X-CSRF-Token': await csrf(page) } });
  expect(r.ok(), `${url}: ${await r.text()}`).toBeTruthy();
  return r;
}

test('pages render without console errors at 1280×800 and 800×600', async ({ page }) => {
  for (const [w, h] of [[1280, 800], [800, 600]]) {
    await page.setViewportSize({ width: w, height: h });
    for (const p of PAGES) {
      await upAt(page, p);
      await expect(page.locator('h1')).toBeVisible();
      await expect(page.locator('main tbody tr').first()).not.toHaveText(/Loading…/);
      await expect(page.locator('nav a.active')).toBeInViewport();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${p} at ${w}×${h} scrolls sideways`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(ARTIFACTS, `page${p.replace(/\//g, '-') || '-'}-${w}x${h}.png`) });
    }
  }
});

test('the dashboard shows the engine, counts and disk use', async ({ page }) => {
  await upAt(page, '/');
  await expect(page.locator('#d-state')).toHaveText('up');
  await expect(page.locator('#d-api')).toHaveText('1.43');
  await expect(page.locator('#d-disk-images')).toHaveText(/[0-9.]+ (kB|MB|GB)/);
  const cs = await (await page.request.get(base + '/gui/api/containers')).json();
  const running = cs.filter((c) => c.State === 'running').length;
  const paused = cs.filter((c) => c.State === 'paused').length;
  const counts = { containers: cs.length, running, paused, stopped: cs.length - running - paused,
    images: await listLength(page, '/gui/api/images'), volumes: await listLength(page, '/gui/api/volumes'),
    networks: await listLength(page, '/gui/api/networks') };
  for (const [k, v] of Object.entries(counts)) await expect(page.locator('#d-' + k), k).toHaveText(String(v));
  // an event updates the counts in place
  await page.evaluate(() => { window.__noReload = true; });
  await post(page, '/gui/api/volumes', { name: 'pw-count-vol' });
  await post(page, '/gui/api/networks', { name: 'pw-count-net' });
  await expect(page.locator('#d-volumes')).toHaveText(String(counts.volumes + 1));
  await expect(page.locator('#d-networks')).toHaveText(String(counts.networks + 1));
  const h = { 'X-CSRF-Token': await csrf(page) };
  expect((await page.request.delete(base + '/gui/api/volumes/pw-count-vol', { headers: h })).ok()).toBeTruthy();
  expect((await page.request.delete(base + '/gui/api/networks/pw-count-net', { headers: h })).ok()).toBeTruthy();
  await expect(page.locator('#d-volumes')).toHaveText(String(counts.volumes));
  await expect(page.locator('#d-networks')).toHaveText(String(counts.networks));
  expect(await page.evaluate(() => window.__noReload)).toBe(true);
});

test('without the token nothing is served', async ({ browser }) => {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  const r = await p.goto(base + '/images');
  expect(r.status()).toBe(403);
  await expect(p.locator('body')).toContainText('access token');
  const api = await p.request.get(base + '/gui/api/images');
  expect(api.status()).toBe(403);
  await ctx.close();
});

test('tag an image, see the tag, inspect it, remove it', async ({ page }) => {
  await upAt(page, '/images');
  const row = page.locator('#images tbody tr', { hasText: 'busybox:latest' });
  await row.getByRole('button', { name: 'Tag', exact: true }).click();
  await row.getByLabel('New tag').fill('pw/tagged:1');
  await row.getByRole('button', { name: 'Add tag' }).click();
  const tagged = page.locator('#images tbody tr', { hasText: 'pw/tagged:1' });
  await expect(tagged).toBeVisible();
  await tagged.getByRole('button', { name: 'Inspect' }).click();
  await expect(page.locator('#inspect')).toContainText('"RepoTags"');
  const untag = page.getByRole('button', { name: 'Remove tag pw/tagged:1' });
  await untag.click();
  await expect(untag).toHaveText(/Sure/);
  // an event redraws the list between the two clicks: the button stays armed
  await post(page, '/gui/api/images/tag', { ref: 'busybox:latest', target: 'pw/redraw:1' });
  await expect(page.locator('#images tbody tr', { hasText: 'pw/redraw:1' })).toBeVisible();
  await expect(untag).toHaveText(/Sure/);
  await untag.click();
  await expect(page.locator('#images')).not.toContainText('pw/tagged:1');
  await expect(page.locator('#images')).toContainText('busybox:latest');
  await post(page, '/gui/api/images/remove', { ref: 'pw/redraw:1' });
});

test('an engine error shows as a readable message', async ({ page }) => {
  await upAt(page, '/images');
  await page.locator('#pull-image').fill('Not A Valid Name');
  await page.locator('#pull-submit').click();
  await expect(page.locator('#banner')).toBeVisible();
  await expect(page.locator('#banner-text')).not.toContainText('Traceback');
  await expect(page.locator('#banner-text')).toHaveText(/\w+ \w+/);
  problems = problems.filter((p) => !/status of 400/.test(p)); // the failed request itself
});

test('prune shows a preview first', async ({ page }) => {
  await upAt(page, '/images');
  await page.locator('#prune-all').check();
  await page.locator('#prune-preview').click();
  await expect(page.locator('#prune-list')).toContainText('busybox:latest');
  await expect(page.locator('#prune-go')).toHaveText(/Prune [0-9]+ image/);
  await page.locator('#prune-all').uncheck();
  await page.locator('#prune-preview').click();
  await expect(page.locator('#prune-list')).toContainText('Nothing to prune');
  await expect(page.locator('#prune-go')).toBeHidden();
});

test('the events page shows a new event without a reload', async ({ page }) => {
  await upAt(page, '/events');
  await page.evaluate(() => { window.__noReload = true; });
  await post(page, '/gui/api/images/tag', { ref: 'busybox:latest', target: 'pw/event:1' });
  await expect(page.locator('#events tbody tr', { hasText: 'pw/event:1' }).first()).toBeVisible();
  await post(page, '/gui/api/images/remove', { ref: 'pw/event:1' });
  await expect(page.locator('#events tbody tr', { hasText: 'untag' }).first()).toBeVisible();
  expect(await page.evaluate(() => window.__noReload)).toBe(true);
});

test('run a container from the form, search its logs, see its stats, stop it, remove it', async ({ page }) => {
  await upAt(page, '/containers');
  await page.evaluate(() => { window.__noReload = true; });
  await page.locator('#run-image').fill('busybox:latest');
  await page.locator('#run-name').fill('pw-c1');
  // sh as PID 1 ignores SIGTERM unless it traps it: stop stays quick.
  await page.locator('#run-command').fill("sh -c 'trap \"exit 0\" TERM; echo first; echo needle-in-the-log; echo \"<b id=injected>markup</b>\"; echo last; i=0; while :; do i=$((i+1)); echo tick-$i; sleep 1; done'");
  await page.locator('#run-submit').click();
  const row = page.locator('#containers tbody tr', { has: page.locator('a.c-name', { hasText: 'pw-c1' }) });
  await expect(row.locator('.state')).toHaveText('running');
  const held = await statsArrive(page, 'pw-c1', 3);
  expect(held, 'the hub holds stats samples of the running container').toBeGreaterThanOrEqual(3);
  await expect(row.locator('.cpu')).toHaveText(/^[0-9]+\.[0-9] %$/);
  await expect(row.locator('.mem')).toHaveText(/[0-9.]+ [kMG]?B( \/ [0-9.]+ [kMGT]?B)?$/);
  // live: the next sample repaints the cells of the same row, without a reload
  const tr = await row.elementHandle();
  await tr.evaluate((el) => { el.querySelector('.cpu').textContent = 'old'; el.querySelector('.mem').textContent = 'old'; });
  await expect(row.locator('.cpu')).toHaveText(/^[0-9]+\.[0-9] %$/);
  await expect(row.locator('.mem')).toHaveText(/B$/);
  expect(await tr.evaluate((el) => el.isConnected), 'the row was updated in place, not replaced').toBe(true);
  expect(await page.evaluate(() => window.__noReload), 'no reload').toBe(true);
  await page.screenshot({ path: path.join(ARTIFACTS, 'containers-running.png') });

  const opened = Date.now() / 1000;
  await row.locator('a.c-name').click();
  await expect(page).toHaveURL(/\/containers\/[0-9a-f]{64}$/);
  await expect(page.locator('#c-state')).toHaveText('running');
  await expect(page.locator('#log')).toContainText('needle-in-the-log');
  await expect(page.locator('#log')).toContainText('<b id=injected>markup</b>'); // shown as text
  await expect(page.locator('#injected')).toHaveCount(0);                         // never as markup
  const ticks = () => page.locator('#log div', { hasText: /^tick-[0-9]+$/ }).count();
  const seen = await ticks();
  await expect.poll(ticks, { message: 'follow: new lines arrive without a reload' }).toBeGreaterThan(seen);
  await page.locator('#log-search').fill('needle');
  await expect(page.locator('#log-matches')).toHaveText('1 matching lines');
  await expect(page.locator('#log mark')).toHaveText('needle');
  await page.locator('#log-only').check();
  await expect(page.locator('#log div:visible')).toHaveCount(1);
  for (const [w, h] of [[800, 600], [1280, 800]]) {  // the detail page works at both sizes too
    await page.setViewportSize({ width: w, height: h });
    await expect(page.locator('#log-search')).toBeInViewport();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(ARTIFACTS, `container-logs-${w}x${h}.png`) });
  }
  await page.getByRole('tab', { name: 'Stats' }).click();
  await expect(page.locator('#now-cpu')).toHaveText(/%/);
  await expect(page.locator('#now-mem')).toHaveText(/B$/);
  // the graphs start with the hub's history, from before this page opened
  const note = page.locator('#stats-note');
  await expect(note).toHaveText(/^[0-9]+ samples since /);
  expect(parseInt(await note.textContent(), 10)).toBeGreaterThanOrEqual(held);
  expect(Number(await note.getAttribute('data-since')), 'the first sample predates the page').toBeLessThan(opened - 1);
  for (const g of ['#g-cpu', '#g-mem', '#g-pids']) expect(await inked(page, g), `${g} is drawn`).toBeGreaterThan(50);
  await page.screenshot({ path: path.join(ARTIFACTS, 'container-stats.png') });
  await page.getByRole('tab', { name: 'Processes' }).click();
  await expect(page.locator('#top tbody')).toContainText('sleep');
  await page.getByRole('tab', { name: 'Inspect' }).click();
  await expect(page.locator('#inspect')).toContainText('"/pw-c1"');

  await page.locator('#c-actions [data-action=stop]').click();
  await expect(page.locator('#c-state')).toHaveText('exited', { timeout: 20000 });
  await page.locator('#nav-containers').click();
  await expect(row.locator('.state')).toHaveText('exited');
  const needles = async () => {
    const r = await page.request.get(base + '/gui/api/containers/pw-c1/logs?tail=all');
    return (await r.json()).lines.filter((l) => l.text === 'needle-in-the-log').length;
  };
  expect(await needles()).toBe(1);
  await row.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(row.locator('.state')).toHaveText('running');
  await expect.poll(needles, { message: 'Start ran the stopped container again' }).toBe(2);
  await row.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(row.locator('.state')).toHaveText('exited', { timeout: 20000 });
  await row.getByRole('button', { name: 'Remove' }).click();
  await row.getByRole('button', { name: /Sure/ }).click();
  await expect(page.locator('#containers')).not.toContainText('pw-c1');
});

test('pull an image from a local registry and watch per-layer progress', async ({ page }) => {
  await upAt(page, '/images');
  await page.locator('#pull-image').fill(`${state.registry}/gui/pulled`);
  await page.locator('#pull-tag').fill('v1');
  await page.locator('#pull-submit').click();
  await expect(page.locator('#pull-layers tbody tr')).toHaveCount(2, { timeout: 30000 });
  await expect(page.locator('#pull-status')).toContainText('done', { timeout: 30000 });
  const widths = await page.locator('#pull-layers .progress > div').evaluateAll((els) => els.map((e) => e.style.width));
  expect(widths).toContain('100%');
  await expect(page.locator('#images')).toContainText(`${state.registry}/gui/pulled:v1`);
});

// Create from the page's form, see the row, inspect it, remove it (two clicks).
async function createInspectRemove(page, kind, name, inspectText) {
  const plural = kind + 's';
  await upAt(page, '/' + plural);
  await page.locator(`#${kind}-name`).fill(name);
  await page.locator(`#${kind}-create`).click();
  const row = page.locator(`#${plural} tr[data-name="${name}"]`);
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: 'Inspect' }).click();
  await expect(page.locator('#inspect')).toContainText(inspectText);
  await row.getByRole('button', { name: 'Remove' }).click();
  await row.getByRole('button', { name: /Sure/ }).click();
  await expect(page.locator(`#${plural} tr[data-name="${name}"]`)).toHaveCount(0);
}

test('create and remove a volume', async ({ page }) => {
  await createInspectRemove(page, 'volume', 'pw-vol', '"Mountpoint"');
});

test('create and remove a network', async ({ page }) => {
  await createInspectRemove(page, 'network', 'pw-net', '"pw-net"');
});

test('connect a container to a network and disconnect it', async ({ page }) => {
  await upAt(page, '/networks');
  await post(page, '/gui/api/networks', { name: 'pw-net2' });
  await post(page, '/gui/api/containers', { image: 'busybox:latest', name: 'pw-netc',
    command: "sh -c 'trap \"exit 0\" TERM; while :; do sleep 1; done'" });
  try {
    const row = page.locator('#networks tr[data-name="pw-net2"]');
    await row.getByRole('button', { name: 'Containers…' }).click();
    await page.locator('#attach-container').fill('pw-netc');
    await page.locator('#attach-connect').click();
    await expect(row.locator('td').nth(4)).toContainText('pw-netc');
    await page.locator('#attach-disconnect').click();
    await expect(page.locator('#networks tr[data-name="pw-net2"] td').nth(4)).not.toContainText('pw-netc');
  } finally {
    const h = { 'X-CSRF-Token': await csrf(page) };
    await page.request.delete(base + '/gui/api/containers/pw-netc?force=1', { headers: h });
    await page.request.delete(base + '/gui/api/networks/pw-net2', { headers: h });
  }
});

test('with the API stopped the page shows the engine down, then recovers', async ({ page }) => {
  allow503 = true;
  await upAt(page, '/images');
  await expect(page.locator('#images')).toContainText('busybox:latest');
  expect((await fetch(control + '/engine/stop', { method: 'POST' })).ok).toBeTruthy();
  try {
    await expect(page.locator('#engine')).toHaveText('engine: down');
    await expect(page.locator('#banner-text')).toContainText('engine is down');
    await page.locator('#prune-preview').click(); // an action while down: a readable message, no crash
    await expect(page.locator('#banner-text')).toContainText('engine is down');
  } finally {
    expect((await fetch(control + '/engine/start', { method: 'POST' })).ok).toBeTruthy();
  }
  await expect(page.locator('#engine')).toHaveText('engine: up', { timeout: 15000 });
  await expect(page.locator('#banner')).toBeHidden();
  await expect(page.locator('#images')).toContainText('busybox:latest');
  await page.screenshot({ path: path.join(ARTIFACTS, 'engine-recovered.png') });
});
