// Helpers of tests/e2e/a11y.mjs (what it checks is described there): axe-core
// scans of every frame of a page, keyboard focus inspection, the branding
// and data set-up. axe-core comes from node_modules (package.json).

import { BASE, PHONE, TOP, ARTIFACTS, check, need, shooter }
    from './harness.mjs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const shot = shooter('a11y-');
const STEP_TIMEOUT_MS = 30000;
const MAIL_TIMEOUT_MS = 20000;
const RUN_TIMEOUT_MS = 900000;
const MAX_STAFF_PAGES = 90;

const PASSWORD = need('ITEST_PASSWORD');
const ADMIN = need('ITEST_ADMIN_EMAIL');
const BILLING = need('ITEST_BILLING_EMAIL');
const MAILDIR = need('ITEST_MAILDIR');
const CLIENT_PW = 'harbor lantern meadow 58';
const TAG = `${Date.now() % 10000000}`;
const ORG = 'Sunrise Recovery & Wellness Center of Northern California';

const DESK = { name: 'desktop', viewport: { width: 1366, height: 900 }, isMobile: false };
const SIZES = [PHONE, DESK];
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const AXE_SRC = await readFile(path.join(TOP, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

// What axe found, for the summary.
const figures = { pages: 0, frames: 0, violations: 0, nodes: 0, byRule: {}, failed: [],
    bestPractice: {} };

// --- browser helpers -------------------------------------------------------------

async function newPage(browser, vp) {
	const context = await browser.newContext({
		viewport: vp.viewport, isMobile: vp.isMobile, hasTouch: vp.isMobile,
		deviceScaleFactor: vp.isMobile ? 2 : 1,
	});
	const page = await context.newPage();
	page.setDefaultTimeout(STEP_TIMEOUT_MS);
	page.on('dialog', (d) => d.accept());
	return { context, page };
}

function pathOf(page) {
	return new URL(page.url()).pathname;
}

async function submit(page, button) {
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(BASE)),
		button.click(),
	]);
	await page.waitForLoadState('load');
	return resp;
}

async function signIn(page, email) {
	await page.goto(`${BASE}/login`);
	const form = page.locator('form[action="/login"]');
	await form.locator('input[name="email"]').fill(email);
	await form.locator('input[name="password"]').fill(PASSWORD);
	await Promise.all([page.waitForURL(`${BASE}/`), form.locator('button[type="submit"]').click()]);
}

function qpDecode(s) {
	return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

async function mailWait(to, re) {
	const dir = path.join(MAILDIR, 'new');
	const t0 = Date.now();
	for (;;) {
		for (const f of (await readdir(dir).catch(() => [])).sort().reverse()) {
			const m = qpDecode(await readFile(path.join(dir, f), 'latin1'));
			if (m.toLowerCase().includes(`delivered-to: ${to.toLowerCase()}`) && re.test(m))
				return m;
		}
		check(Date.now() - t0 < MAIL_TIMEOUT_MS, `no email to ${to} matching ${re}`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

// Every distinct link under prefix in the mails to `to`, once there are n.
async function linksWait(to, prefix, n) {
	const dir = path.join(MAILDIR, 'new');
	const esc = BASE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	const t0 = Date.now();
	for (;;) {
		const found = new Set();
		for (const f of (await readdir(dir).catch(() => [])).sort()) {
			const m = qpDecode(await readFile(path.join(dir, f), 'latin1'));
			if (!m.toLowerCase().includes(`delivered-to: ${to.toLowerCase()}`))
				continue;
			for (const x of m.matchAll(new RegExp(`${esc}(${prefix}[A-Za-z0-9_\\-]+)`, 'g')))
				found.add(x[1]);
		}
		if (found.size >= n)
			return [...found];
		check(Date.now() - t0 < MAIL_TIMEOUT_MS, `fewer than ${n} ${prefix} links mailed to ${to}`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

function linkIn(mail, prefix) {
	const m = new RegExp(`${BASE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(${prefix}[A-Za-z0-9_\\-/]+)`).exec(mail);
	check(m, `no ${prefix} link in the email`);
	return m[1];
}

// --- axe ---------------------------------------------------------------------------

// Runs axe in every frame of the page; returns "rule: target" lines.
async function axeScan(page, label) {
	const found = [];
	for (const frame of page.frames()) {
		if (!/^https?:/.test(frame.url()))
			continue;
		await frame.evaluate(AXE_SRC);
		const v = await frame.evaluate(async (tags) => {
			const r = await window.axe.run(document, {
				runOnly: { type: 'tag', values: [...tags, 'best-practice'] }, iframes: false,
				resultTypes: ['violations'],
			});
			return r.violations.map((x) => ({ id: x.id, help: x.help,
			    wcag: x.tags.some((t) => tags.includes(t)),
			    targets: x.nodes.map((n) => n.target.join(' ')) }));
		}, WCAG_TAGS);
		figures.frames++;
		for (const x of v) {
			if (!x.wcag) {	/* advice beyond WCAG 2.1 A/AA: counted, not failed */
				figures.bestPractice[x.id] = (figures.bestPractice[x.id] || 0) + x.targets.length;
				continue;
			}
			figures.violations++;
			figures.nodes += x.targets.length;
			figures.byRule[x.id] = (figures.byRule[x.id] || 0) + x.targets.length;
			found.push(`${x.id} (${x.help}) at ${x.targets.slice(0, 4).join(', ')} [${frame.url()}]`);
		}
	}
	figures.pages++;
	if (found.length)
		figures.failed.push({ page: label, found });
	return found;
}

async function scanOrFail(page, label) {
	const found = await axeScan(page, label);
	check(found.length === 0, `${label}: ${found.length} axe violation(s): ${found.join(' | ')}`);
}

// --- keyboard ------------------------------------------------------------------------

// The focused element (inside the payment iframe too) with whether a focus
// indicator shows: an outline, or a box-shadow that is not there unfocused.
async function focused(page) {
	for (const frame of [page.mainFrame(), ...page.frames().filter((f) => f !== page.mainFrame())]) {
		const info = await frame.evaluate(() => {
			const e = document.activeElement;
			if (!e || e === document.body || e.tagName === 'IFRAME')
				return null;
			const s = getComputedStyle(e);
			const line = e.closest('.cardline');
			const ls = line ? getComputedStyle(line) : null;
			const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) ||
			    (s.boxShadow && s.boxShadow !== 'none') || (ls && ls.boxShadow !== 'none');
			const label = e.labels && e.labels.length ? e.labels[0].innerText :
			    (e.getAttribute('aria-label') || e.innerText || e.value || '').trim();
			return { tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || e.id || '', value: e.value || '',
			    label: label.trim().slice(0, 60), ring, top: e.getBoundingClientRect().top + window.scrollY };
		}).catch(() => null);
		if (info)
			return info;
	}
	return null;
}

// Presses Tab until the focused element matches want (at most max presses);
// every stop on the way must show focus and carry a name.
async function tabTo(page, want, max = 40, stops = []) {
	for (let i = 0; i < max; i++) {
		await page.keyboard.press('Tab');
		const f = await focused(page);
		if (!f)
			continue;
		stops.push(f);
		check(f.ring, `no visible focus on ${f.tag}[${f.name}] "${f.label}"`);
		check(f.label !== '' || f.type === 'hidden', `${f.tag}[${f.name}] has no accessible name`);
		if (want(f))
			return f;
	}
	throw new Error(`Tab never reached the wanted control (stops: ${stops.map((s) => s.label || s.name).join(' > ')})`);
}

// Types a card into the stand-in with the keyboard; a wrong number first,
// which must be announced by a role=alert message.
async function keyboardCard(page) {
	const frame = page.frameLocator('#payment-element iframe');
	await frame.locator('#number').waitFor({ state: 'visible' });
	await tabTo(page, (f) => f.name === 'number');
	await page.keyboard.type('4242424242424241');
	await tabTo(page, (f) => f.name === 'expiry');
	const alert = frame.locator('[role="alert"]', { hasText: /./ }).first();
	await alert.waitFor({ state: 'visible' });
	await page.keyboard.press('Shift+Tab');
	for (let i = 0; i < 16; i++)
		await page.keyboard.press('Backspace');
	await page.keyboard.type('4242424242424242');
	const exp = await tabTo(page, (f) => f.name === 'expiry');
	check(exp, 'expiry not reached');
	await page.keyboard.type('1234');
	await tabTo(page, (f) => f.name === 'cvc');
	await page.keyboard.type('123');
	const z = await tabTo(page, (f) => f.name === 'postal' || f.name === 'country');
	if (z.name === 'country')
		await tabTo(page, (f) => f.name === 'postal');
	await page.keyboard.type('94110');
}

// --- set-up: branding and data -------------------------------------------------------

async function brand(browser) {
	const { context, page } = await newPage(browser, DESK);
	await signIn(page, ADMIN);
	await page.goto(`${BASE}/admin/branding`);
	await page.fill('#org_name', ORG);
	await page.fill('#org_address', '1200 Harbor Boulevard, Suite 310\nSacramento, CA 95814');
	await page.fill('#accent', '#0b6e4f');
	let resp = await submit(page, page.getByRole('button', { name: 'Save' }));
	check(resp.status() === 303, `POST /admin/branding: HTTP ${resp.status()}`);
	// a logo drawn on a blank page (no CSP there): a screenshot is a PNG
	const blank = await context.newPage();
	await blank.setContent('<div id="l" style="width:160px;height:64px;background:#0b6e4f;color:#fff;' +
	    'font:bold 40px sans-serif;display:grid;place-items:center">SR</div>');
	const png = await blank.locator('#l').screenshot();
	await blank.close();
	await page.goto(`${BASE}/admin/branding`);
	await page.setInputFiles('#logo', { name: 'logo.png', mimeType: 'image/png', buffer: png });
	resp = await submit(page, page.getByRole('button', { name: 'Upload logo' }));
	check(resp.status() === 303, `POST /admin/branding/logo: HTTP ${resp.status()}`);
	await page.locator('.brand-logo').first().waitFor();
	await context.close();
}

// Back to the configuration's name and no logo, for the browser tests after this one.
async function unbrand(browser) {
	const { context, page } = await newPage(browser, DESK);
	await signIn(page, ADMIN);
	await page.goto(`${BASE}/admin/branding`);
	await page.fill('#org_name', '');
	await page.fill('#org_address', '');
	await page.fill('#accent', '');
	let resp = await submit(page, page.getByRole('button', { name: 'Save' }));
	check(resp.status() === 303, `POST /admin/branding: HTTP ${resp.status()}`);
	resp = await submit(page, page.getByRole('button', { name: 'Remove the logo' }));
	check(resp.status() === 303, `POST /admin/branding/logo/remove: HTTP ${resp.status()}`);
	check(await page.locator('.brand-logo').count() === 0, 'the logo is still shown');
	await context.close();
}

async function newInvoice(page, acc, description, rate) {
	await page.goto(`${BASE}/invoices/new?account_id=${acc}`);
	await page.fill('input[name="line1_description"]', description);
	await page.fill('input[name="line1_quantity"]', '1');
	await page.fill('input[name="line1_rate"]', rate);
	await submit(page, page.getByRole('button', { name: 'Save draft' }));
	const id = /^\/invoices\/(\d+)$/.exec(pathOf(page))[1];
	await submit(page, page.getByRole('button', { name: /Issue invoice/ }).first());
	const confirm = page.getByRole('button', { name: 'Issue invoice', exact: true });
	await confirm.first().waitFor({ state: 'visible' });
	await submit(page, confirm.first());
	return id;
}

async function sendInvoice(page, id, email) {
	await page.goto(`${BASE}/invoices/${id}/send`);
	const form = page.locator(`form[action="/invoices/${id}/send"]`);
	await form.locator('input[name="email"]').setChecked(email);
	await form.locator('input[name="post"]').setChecked(true);
	const resp = await submit(page, form.getByRole('button', { name: 'Send invoice' }));
	check(resp.status() === 303, `POST send: HTTP ${resp.status()}`);
}

// An account with three invoices: one emailed (pay link), two in the portal.
async function data(browser, email) {
	const { context, page } = await newPage(browser, DESK);
	await signIn(page, BILLING);
	await page.goto(`${BASE}/accounts/new`);
	const form = page.locator('form[action="/accounts/new"]');
	await form.locator('input[name="name"]').fill(`Jordan Rivera ${TAG}`);
	await form.locator('input[name="email"]').fill(email);
	await submit(page, form.locator('button[type="submit"]'));
	const acc = /^\/accounts\/(\d+)$/.exec(pathOf(page))[1];
	const inv = [];
	inv.push(await newInvoice(page, acc, 'Individual therapy, 50 minutes', '150.00'));
	inv.push(await newInvoice(page, acc, 'Group session', '85.50'));
	inv.push(await newInvoice(page, acc, 'Intake assessment', '120.00'));
	inv.push(await newInvoice(page, acc, 'Family session', '95.00'));
	await sendInvoice(page, inv[0], true);
	await sendInvoice(page, inv[3], true);
	await sendInvoice(page, inv[1], false);
	await sendInvoice(page, inv[2], false);
	await page.goto(`${BASE}/accounts/${acc}`);
	await submit(page, page.getByRole('button', { name: 'Send payment portal activation link' }));
	const more = await extras(page, acc);
	await context.close();
	return { acc, inv, ...more };
}

// More records, so the crawl meets their pages: a client of the account, a
// statement, an inquiry, an estimate (when a service is priced).
async function extras(page, acc) {
	await page.goto(`${BASE}/clients/new?account_id=${acc}`);
	await page.fill('#first_name', 'Avery');
	await page.fill('#last_name', `Rivera ${TAG}`);
	let r = await submit(page, page.locator('form button[type="submit"]').last());
	check(r.status() === 303, `new client: HTTP ${r.status()}`);
	const client = /^\/clients\/(\d+)$/.exec(pathOf(page))[1];
	await page.goto(`${BASE}/accounts/${acc}/statements/new`);
	await Promise.all([page.waitForURL(/statements\/new\?/), page.getByRole('button', { name: 'Preview' }).click()]);
	r = await submit(page, page.getByRole('button', { name: 'Generate statement' }));
	check(r.status() === 303, `new statement: HTTP ${r.status()}`);
	await page.goto(`${BASE}/inquiries/new`);
	await page.fill('#first_name', 'Casey');
	await page.fill('#last_name', `Inquiry ${TAG}`);
	r = await submit(page, page.locator('form button[type="submit"]').last());
	check(r.status() === 303, `new inquiry: HTTP ${r.status()}`);
	await page.goto(`${BASE}/clients/${client}/estimates/new`);
	if (await page.locator('#l1s option').count() > 1) {
		await page.selectOption('#l1s', { index: 1 });
		await page.fill('#l1q', '1');
		await submit(page, page.getByRole('button', { name: 'Save draft' }));
	}
	return { client };
}

export { axeScan, scanOrFail, tabTo, focused, keyboardCard, newPage, submit, signIn,
    mailWait, linkIn, linksWait, brand, unbrand, data, shot, figures, SIZES, DESK, ORG, CLIENT_PW, TAG,
    MAX_STAFF_PAGES, STEP_TIMEOUT_MS, ARTIFACTS, pathOf, writeFile };
