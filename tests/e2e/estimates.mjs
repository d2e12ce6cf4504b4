// Browser test of estimates (issue 11) on a phone (390x844) with staff
// pages also at 1366x900:
//   admin: a payer with a contracted rate, self-pay pricing, provider facts;
//   staff: the client's coverage, a new estimate (preview, save), sent to the
//   portal; the client activates the portal, opens the estimate, types the
//   full name, draws a signature on the canvas with touch, ticks "I have read
//   and agree" and signs; staff see the drawn signature and countersign;
//   the accepted estimate converts to a draft invoice; a self-pay Good Faith
//   Estimate is shown. Screenshots: tests/artifacts/e2e/estimates-*.png.

import { ARTIFACTS, BASE, check, flow, need, run, shooter } from './lib/harness.mjs';
import { execSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const shot = shooter('estimates-');
const STEP_TIMEOUT_MS = 20000;
const MAIL_TIMEOUT_MS = 20000;
const RUN_TIMEOUT_MS = 300000;

const PASSWORD = need('ITEST_PASSWORD');
const ADMIN = need('ITEST_ADMIN_EMAIL');
const BILLING = need('ITEST_BILLING_EMAIL');
const MAILDIR = need('ITEST_MAILDIR');
const CTL = need('ITEST_BILLINGCTL');
const CLIENT_PW = 'copper willow sunrise 42';
const TAG = `${Date.now() % 10000000}`;

const PHONE = { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true };
const WIDE = { name: 'desktop', viewport: { width: 1366, height: 900 }, isMobile: false };

async function newPage(browser, vp) {
	const context = await browser.newContext({ viewport: vp.viewport, isMobile: vp.isMobile,
	    hasTouch: vp.isMobile, deviceScaleFactor: vp.isMobile ? 2 : 1 });
	const page = await context.newPage();
	page.setDefaultTimeout(STEP_TIMEOUT_MS);
	const problems = [];
	page.on('pageerror', (e) => problems.push(`uncaught error: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text()))
			problems.push(`CSP violation: ${m.text()}`);
	});
	const noProblems = () => check(problems.length === 0, problems.join('; '));
	return { context, page, noProblems };
}

const pathOf = (page) => new URL(page.url()).pathname;

async function noSideways(page, what) {
	const { scroll, inner } = await page.evaluate(() => ({
		scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
	check(scroll <= inner + 1, `${what}: page is ${scroll}px wide in a ${inner}px viewport`);
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

// --- the API for plain set-up (accounts, clients, services) ------------------

const KEY = execSync(`${CTL} apikey create --name e2e-est-${TAG} --role admin`).toString()
    .match(/bk_[A-Za-z0-9_-]+/)[0];

async function api(method, p, body) {
	const r = await fetch(`${BASE}${p}`, { method, headers: { Authorization: `Bearer ${KEY}`,
	    'Content-Type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
	const j = await r.json();
	check(r.status < 300, `${method} ${p}: HTTP ${r.status} ${JSON.stringify(j)}`);
	return j;
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

// Draws a signature-like scribble on the canvas with touch (phone) or mouse.
async function drawSignature(page, touch) {
	const canvas = page.locator('canvas.es-pad');
	await canvas.scrollIntoViewIfNeeded();
	const box = await canvas.boundingBox();
	const pts = [];
	for (let i = 0; i <= 24; i++)
		pts.push([box.x + box.width * (0.1 + 0.8 * i / 24),
		    box.y + box.height * (0.5 + 0.3 * Math.sin(i / 2))]);
	if (touch) {
		const cdp = await page.context().newCDPSession(page);
		const tp = ([x, y]) => ({ x, y, id: 1, radiusX: 1, radiusY: 1, force: 1 });
		await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [tp(pts[0])] });
		for (const p of pts.slice(1))
			await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [tp(p)] });
		await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
	} else {
		await page.mouse.move(pts[0][0], pts[0][1]);
		await page.mouse.down();
		for (const p of pts.slice(1))
			await page.mouse.move(p[0], p[1], { steps: 2 });
		await page.mouse.up();
	}
}

async function main(browser) {
	const admin = await newPage(browser, WIDE);
	const staff = await newPage(browser, WIDE);
	const staffPhone = await newPage(browser, PHONE);
	const client = await newPage(browser, PHONE);
	const email = `e2e-est-${TAG}@example.com`;
	const svcCode = `THER${TAG}`;
	let accountId = 0, clientId = 0, serviceId = 0, estimateId = 0, payerName = `Acme Health ${TAG}`;

	await flow('estimates', [
		['set-up: account, client and a service through the API', async () => {
			accountId = (await api('POST', '/api/v1/accounts', { name: `Riley Chen ${TAG}`, email })).id;
			clientId = (await api('POST', '/api/v1/clients', { account_id: accountId,
			    first_name: 'Riley', last_name: `Chen ${TAG}`, birth_date: '1990-04-12' })).id;
			serviceId = (await api('POST', '/api/v1/services', { code: svcCode,
			    name: 'Individual therapy, 60 min', default_rate_cents: 20000 })).id;
		}],
		['admin adds a payer, a contracted rate, self-pay pricing and provider facts', async () => {
			const p = admin.page;
			await signIn(p, ADMIN);
			await p.goto(`${BASE}/admin/payers`);
			await p.fill('#name', payerName);
			await p.fill('#payer_code', `AH${TAG}`);
			await p.locator('input[name="active"]').last().check();
			await submit(p, p.getByRole('button', { name: 'Add payer' }));
			await p.getByText('Your changes were saved').waitFor();
			await shot(p, 'admin-payers', WIDE);
			await p.locator(`tr:has(input[value="${payerName}"])`).getByRole('link', { name: 'Rates' }).click();
			await p.waitForURL(/\/admin\/payers\/\d+\/rates/);
			const row = p.locator('tr', { hasText: svcCode });
			await row.locator('input[name="rate"]').fill('150.00');
			await submit(p, row.getByRole('button', { name: 'Save' }));
			check(await p.locator('tr', { hasText: svcCode }).locator('input[name="rate"]').inputValue() === '150.00',
			    'contracted rate not kept');
			await shot(p, 'admin-rates', WIDE);
			await p.goto(`${BASE}/admin/estimate-pricing`);
			const sp = p.locator('tr', { hasText: svcCode });
			await sp.locator('input[name="self_pay_rate"]').fill('120.00');
			await sp.locator('input[name="discount_bp"]').fill('1000');
			await sp.locator('input[name="billing_code"]').fill('90837');
			await submit(p, sp.getByRole('button', { name: 'Save' }));
			await p.fill('#pn0', 'Harbor Behavioral Health');
			await p.fill('#npi0', '1234567893');
			await p.fill('#tin0', '12-3456789');
			await submit(p, p.locator('form.es-provider').first().getByRole('button', { name: 'Save' }));
			await shot(p, 'admin-pricing', WIDE);
			admin.noProblems();
		}],
		['staff records the client\'s coverage', async () => {
			const p = staff.page;
			await signIn(p, BILLING);
			await p.goto(`${BASE}/clients/${clientId}/coverage`);
			await p.selectOption('#payer_id', { label: payerName });
			await p.fill('#member_id', 'XJH123456');
			await p.fill('#effective_from', '2026-01-01');
			await p.fill('#deductible', '1000.00');
			await p.fill('#deductible_met', '900.00');
			await p.fill('#coinsurance_bp', '2000');
			await p.fill('#copay', '30.00');
			await p.fill('#oop_max', '3000.00');
			await p.fill('#oop_met', '900.00');
			await submit(p, p.getByRole('button', { name: 'Add coverage' }));
			await p.getByText('The coverage was saved').waitFor();
			await p.getByText('XJH123456').first().waitFor();
			await shot(p, 'coverage', WIDE);
			staff.noProblems();
		}],
		['staff creates an estimate: preview shows the breakdown, then saves', async () => {
			const p = staff.page;
			await p.goto(`${BASE}/clients/${clientId}`);
			await p.getByRole('link', { name: 'New estimate' }).click();
			await p.waitForURL(/\/estimates\/new$/);
			await p.selectOption('#coverage_id', { index: 1 });
			await p.selectOption('#l1s', { value: String(serviceId) });
			await p.fill('#l1q', '2');
			await p.fill('#l1d', '2026-12-21');
			await p.fill('#notes', 'Two sessions in the first week.');
			// recomputed on the server as staff edit (no page load)
			await p.locator('[data-live-preview] .es-total-main').getByText('$140.00').waitFor();
			check(pathOf(p).endsWith('/estimates/new'), 'the live preview left the page');
			await p.fill('#l1q', '3');
			await p.locator('[data-live-preview] .es-total-main').getByText('$170.00').waitFor();
			await p.fill('#l1q', '2');
			await p.locator('[data-live-preview] .es-total-main').getByText('$140.00').waitFor();
			await submit(p, p.getByRole('button', { name: 'Preview' }));
			// 2 x $150 = $300: $100 deductible left, 20% of $200 = $40 -> $140
			await p.locator('.es-total-main').getByText('$140.00').waitFor();
			await shot(p, 'form-preview', WIDE);
			const resp = await submit(p, p.getByRole('button', { name: 'Save draft' }));
			check(resp.status() === 303, `save: HTTP ${resp.status()}`);
			estimateId = Number(/^\/estimates\/(\d+)$/.exec(pathOf(p))[1]);
			await p.getByText('saved as a draft').waitFor();
			staff.noProblems();
		}],
		['the estimate page at both sizes; send to the portal', async () => {
			await shot(staff.page, 'staff-draft', WIDE);
			await signIn(staffPhone.page, BILLING);
			await staffPhone.page.goto(`${BASE}/estimates/${estimateId}`);
			await noSideways(staffPhone.page, 'staff estimate page');
			await shot(staffPhone.page, 'staff-draft', PHONE);
			await submit(staff.page, staff.page.getByRole('button', { name: 'Send to portal' }));
			await staff.page.getByText('Sent to the client portal').waitFor();
		}],
		['the client activates the portal and opens the estimate from the email', async () => {
			await staff.page.goto(`${BASE}/accounts/${accountId}`);
			await submit(staff.page, staff.page.getByRole('button', { name: 'Send payment portal activation link' }));
			const est = await mailWait(email, /estimate/i);
			check(est.includes(`/portal/estimates/${estimateId}`), 'no estimate link in the email');
			const act = await mailWait(email, /\/portal\/activate\//);
			const link = new RegExp(`${BASE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/portal/activate/[A-Za-z0-9_\\-]+)`).exec(act)[1];
			const p = client.page;
			await p.goto(`${BASE}${link}`);
			await p.fill('#password', CLIENT_PW);
			await p.fill('#password2', CLIENT_PW);
			await submit(p, p.getByRole('button', { name: /Activate/ }));
			await p.goto(`${BASE}/portal/estimates`);
			await p.getByText('Please review and sign').waitFor();
			await noSideways(p, 'portal estimates');
			await shot(p, 'portal-list', PHONE);
			await p.goto(`${BASE}/portal/estimates/${estimateId}`);
			await p.locator('.es-you-pay-amount', { hasText: '$140.00' }).waitFor();
			await noSideways(p, 'portal estimate');
			await shot(p, 'portal-estimate', PHONE);
			client.noProblems();
		}],
		['signing without ticking "I agree" is refused', async () => {
			const p = client.page;
			await p.fill('#signer_name', `Riley Chen`);
			await drawSignature(p, true);
			const resp = await submit(p, p.getByRole('button', { name: 'Sign estimate' }));
			check(resp.status() === 422, `sign without agreeing: HTTP ${resp.status()}`);
			await p.getByText('I have read and agree').first().waitFor();
		}],
		['the client signs with a drawn signature (touch)', async () => {
			const p = client.page;
			await p.fill('#signer_name', 'Riley Chen');
			await drawSignature(p, true);
			await p.locator('input[name="agree"]').check();
			await shot(p, 'portal-signing', PHONE);
			const resp = await submit(p, p.getByRole('button', { name: 'Sign estimate' }));
			check(resp.status() === 303, `sign: HTTP ${resp.status()}`);
			await p.getByText('your signature was recorded').waitFor();
			check(await p.locator('img.es-sig-img').count() === 1, 'the drawn signature is not shown');
			await noSideways(p, 'signed estimate');
			await shot(p, 'portal-signed', PHONE);
			client.noProblems();
		}],
		['staff see the signature and countersign', async () => {
			const p = staff.page;
			await p.goto(`${BASE}/estimates/${estimateId}`);
			await p.locator('.badge', { hasText: 'Signed by client' }).first().waitFor();
			check(await p.locator('img.es-sig-img').count() === 1, 'staff do not see the drawn signature');
			await drawSignature(p, false);
			await p.locator('input[name="agree"]').check();
			const resp = await submit(p, p.getByRole('button', { name: 'Countersign' }));
			check(resp.status() === 303, `countersign: HTTP ${resp.status()}`);
			await p.getByText('The estimate is accepted').waitFor();
			await p.getByText('verified').first().waitFor();
			check(await p.locator('img.es-sig-img').count() === 2, 'both signatures are not shown');
			await shot(p, 'staff-accepted', WIDE);
			await staffPhone.page.goto(`${BASE}/estimates/${estimateId}`);
			await noSideways(staffPhone.page, 'accepted estimate');
			await shot(staffPhone.page, 'staff-accepted', PHONE);
			staff.noProblems();
		}],
		['the accepted estimate converts to a draft invoice in one click', async () => {
			const p = staff.page;
			await submit(p, p.getByRole('button', { name: 'Convert to draft invoice' }));
			check(/^\/invoices\/\d+$/.test(pathOf(p)), `after converting at ${p.url()}`);
			await p.getByText('$140.00').first().waitFor();
			await shot(p, 'invoice', WIDE);
		}],
		['a self-pay Good Faith Estimate', async () => {
			const p = staff.page;
			await p.goto(`${BASE}/clients/${clientId}/estimates/new`);
			await p.selectOption('#coverage_id', { index: 0 });
			await p.selectOption('#l1s', { value: String(serviceId) });
			await p.fill('#l1q', '3');
			await p.fill('#diagnosis_codes', 'F41.1');
			await submit(p, p.getByRole('button', { name: 'Save draft' }));
			// self-pay $120 x 3 = $360 less 10% = $324
			await p.locator('.es-total-main').getByText('$324.00').waitFor();
			await p.getByRole('link', { name: 'Good Faith Estimate' }).click();
			await p.getByText('Your right to dispute a bill').waitFor();
			await p.getByText('1234567893').first().waitFor();
			await shot(p, 'gfe', WIDE);
			const gfePdf = await p.request.get(p.url().replace(/\/gfe$/, '/pdf'));
			check(gfePdf.status() === 200, `GFE PDF: HTTP ${gfePdf.status()}`);
			const gfeFile = path.join(ARTIFACTS, 'estimates-gfe.pdf');
			await writeFile(gfeFile, await gfePdf.body());
			try {
				execSync(`pdftoppm -png -r 80 -singlefile '${gfeFile}' '${gfeFile.replace(/\.pdf$/, '-pdf')}'`);
			} catch (e) { /* optional */ }
			await staffPhone.page.goto(p.url());
			await noSideways(staffPhone.page, 'GFE');
			await shot(staffPhone.page, 'gfe', PHONE);
			staff.noProblems();
		}],
		['every page at the other size too (no sideways scrolling on the phone)', async () => {
			const ph = staffPhone.page;
			for (const [url, name] of [[`/clients/${clientId}/coverage`, 'coverage'],
			    [`/clients/${clientId}/estimates/new`, 'form'], ['/admin/payers', 'admin-payers'],
			    [`/clients/${clientId}`, 'financial-tab'], ['/', 'home']]) {
				await ph.goto(`${BASE}${url}`);
				await noSideways(ph, name);
				await shot(ph, name, PHONE);
			}
			const wide = await newPage(browser, WIDE);
			await wide.page.goto(`${BASE}/portal/login`);
			await wide.page.fill('#email', email);
			await wide.page.fill('#password', CLIENT_PW);
			await submit(wide.page, wide.page.getByRole('button', { name: 'Sign in' }));
			await wide.page.goto(`${BASE}/portal/estimates/${estimateId}`);
			await wide.page.locator('img.es-sig-img').first().waitFor();
			await shot(wide.page, 'portal-accepted', WIDE);
			const pdf = await wide.page.request.get(`${BASE}/portal/estimates/${estimateId}/pdf`);
			const bytes = await pdf.body();
			check(pdf.status() === 200 && bytes.subarray(0, 4).toString() === '%PDF',
			    `signed PDF: HTTP ${pdf.status()}`);
			// the signed PDF as an artifact, and as a picture when poppler is there
			const file = path.join(ARTIFACTS, 'estimates-signed.pdf');
			await writeFile(file, bytes);
			try {
				execSync(`pdftoppm -png -r 80 -singlefile '${file}' '${file.replace(/\.pdf$/, '-pdf')}'`);
			} catch (e) { /* optional */ }
			await wide.context.close();
			staffPhone.noProblems();
		}],
	], async (step) => {
		const s = step.replace(/\W+/g, '-');
		await shot(client.page, `fail-${s}-client`, PHONE);
		await shot(staff.page, `fail-${s}-staff`, WIDE);
		await shot(admin.page, `fail-${s}-admin`, WIDE);
	});
	for (const x of [admin, staff, staffPhone, client])
		await x.context.close();
}

run('estimates', RUN_TIMEOUT_MS, main);
