// Browser test of self-service payment plans (issue 10): staff (desktop,
// 1366x900) make an account with an open invoice posted to the portal; the
// client (phone, 390x844) activates the portal, opens "Pay over time",
// previews a schedule beyond the practice limits (refused with the limit),
// then one within them, signs, and the plan is active at once; staff see
// it proposed and signed by the client. Also shoots the scheduled-statements
// settings pages. Screenshots: tests/artifacts/e2e/selfservice-<page>-<viewport>.png.

import { BASE, PHONE, check, flow, need, run, shooter }
    from './lib/harness.mjs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const shot = shooter('selfservice-');
const STEP_TIMEOUT_MS = 20000;
const MAIL_TIMEOUT_MS = 20000;
const RUN_TIMEOUT_MS = 300000;
const WIDE = { name: 'desktop', viewport: { width: 1366, height: 900 }, isMobile: false };

const PASSWORD = need('ITEST_PASSWORD');
const BILLING = need('ITEST_BILLING_EMAIL');
const MAILDIR = need('ITEST_MAILDIR');
const SANDBOX_ORIGIN = new URL(need('ITEST_SANDBOX_URL')).origin;
const CLIENT_PW = 'meadow copper lantern 58';
const CARD = '4242424242424242';
const TAG = `${Date.now() % 10000000}`;

let standinStyleBlocks = 0;

async function newPage(browser, vp) {
	const context = await browser.newContext({
		viewport: vp.viewport,
		isMobile: vp.isMobile,
		hasTouch: vp.isMobile,
		deviceScaleFactor: vp.isMobile ? 2 : 1,
	});
	const page = await context.newPage();
	page.setDefaultTimeout(STEP_TIMEOUT_MS);
	const problems = [];
	page.on('pageerror', (e) => problems.push(`uncaught error: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() !== 'error' || /\/favicon\.ico$/.test(m.location().url || ''))
			return;	/* the staff layout has no icon: the browser's own probe */
		if (/status of 422/.test(m.text()))
			return;	/* a form answered again with its error: checked by the step */
		if (/Applying inline style violates/i.test(m.text()) &&
		    (m.location().url || '').startsWith(SANDBOX_ORIGIN)) {
			standinStyleBlocks++;
			return;
		}
		problems.push(`console error: ${m.text()}`);
	});
	page.on('request', (r) => {
		if (r.url().startsWith(BASE) && (r.postData() || '').replace(/\D/g, '').includes(CARD))
			problems.push(`card number sent to our server: ${r.url()}`);
	});
	const noProblems = () => check(problems.length === 0, problems.join('; '));
	return { context, page, noProblems };
}

function pathOf(page) {
	return new URL(page.url()).pathname;
}

async function expectNoSidewaysScroll(page, what) {
	const { scroll, inner } = await page.evaluate(() => ({
		scroll: document.documentElement.scrollWidth,
		inner: window.innerWidth,
	}));
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

async function staffSignIn(page) {
	await page.goto(`${BASE}/login`);
	const form = page.locator('form[action="/login"]');
	await form.locator('input[name="email"]').fill(BILLING);
	await form.locator('input[name="password"]').fill(PASSWORD);
	await Promise.all([page.waitForURL(`${BASE}/`), form.locator('button[type="submit"]').click()]);
}

async function newAccount(page, name, email) {
	await page.goto(`${BASE}/accounts/new`);
	const form = page.locator('form[action="/accounts/new"]');
	await form.locator('input[name="name"]').fill(name);
	await form.locator('input[name="email"]').fill(email);
	const resp = await submit(page, form.locator('button[type="submit"]'));
	check(resp.status() === 303, `POST /accounts/new: HTTP ${resp.status()}`);
	return /^\/accounts\/(\d+)$/.exec(pathOf(page))[1];
}

async function newInvoice(page, accountId, description, rate) {
	await page.goto(`${BASE}/invoices/new?account_id=${accountId}`);
	await page.fill('input[name="line1_description"]', description);
	await page.fill('input[name="line1_quantity"]', '1');
	await page.fill('input[name="line1_rate"]', rate);
	let resp = await submit(page, page.getByRole('button', { name: 'Save draft' }));
	check(resp.status() === 303, `POST /invoices/new: HTTP ${resp.status()}`);
	const id = /^\/invoices\/(\d+)$/.exec(pathOf(page))[1];
	await submit(page, page.getByRole('button', { name: /Issue invoice/ }).first());
	const confirm = page.getByRole('button', { name: 'Issue invoice', exact: true });
	if (await confirm.count() > 0) {
		resp = await submit(page, confirm.first());
		check(resp.status() === 303, `POST issue: HTTP ${resp.status()}`);
	}
	return id;
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

function linkIn(mail, prefix) {
	const m = new RegExp(`${BASE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(${prefix}[A-Za-z0-9_\\-/]+)`).exec(mail);
	check(m, `no ${prefix} link in the email`);
	return m[1];
}

// Shoots the page at the other viewport too (same session: a second page
// in the context would share its cookies but not its size).
async function shotBoth(page, name, vp) {
	await shot(page, name, vp);
	const other = vp.isMobile ? WIDE : PHONE;
	await page.setViewportSize(other.viewport);
	await shot(page, name, other);
	await page.setViewportSize(vp.viewport);
}

async function selfServiceFlow(browser) {
	const staff = await newPage(browser, WIDE);
	const client = await newPage(browser, PHONE);
	const email = `e2e-self-${TAG}@example.com`;
	let acc = '', inv = '', plan = '';

	await flow('self-service payment plan', [
		['staff make an account with an invoice in the portal and send portal access', async () => {
			await staffSignIn(staff.page);
			acc = await newAccount(staff.page, `Jordan Vale ${TAG}`, email);
			inv = await newInvoice(staff.page, acc, 'Intensive outpatient, week 1', '480.00');
			await staff.page.goto(`${BASE}/invoices/${inv}/send`);
			await staff.page.locator('input[name="email"]').uncheck();
			const resp = await submit(staff.page, staff.page.getByRole('button', { name: 'Send invoice' }));
			check(resp.status() === 303, `POST send: HTTP ${resp.status()}`);
			await staff.page.goto(`${BASE}/accounts/${acc}`);
			await submit(staff.page, staff.page.getByRole('button', { name: 'Send payment portal activation link' }));
			await staff.page.goto(`${BASE}/accounts/${acc}/statement-schedule`);
			await staff.page.getByRole('heading', { name: 'Statement schedule' }).waitFor();
			await shotBoth(staff.page, 'staff-statement-schedule', WIDE);
			staff.noProblems();
		}],
		['the client activates the portal and opens "Pay over time"', async () => {
			const m = await mailWait(email, /\/portal\/activate\//);
			await client.page.goto(`${BASE}${linkIn(m, '/portal/activate/')}`);
			await client.page.fill('#password', CLIENT_PW);
			await client.page.fill('#password2', CLIENT_PW);
			await submit(client.page, client.page.getByRole('button', { name: /Activate/ }));
			check(pathOf(client.page) === '/portal/billing', `after activation at ${client.page.url()}`);
			await Promise.all([client.page.waitForURL(/\/portal\/plan-proposals\/new$/),
			    client.page.getByRole('link', { name: /propose a payment plan/ }).click()]);
			await client.page.getByRole('heading', { name: 'Propose a payment plan' }).waitFor();
			await expectNoSidewaysScroll(client.page, 'propose');
			client.noProblems();
		}],
		['beyond the practice limits the preview is refused with the limit', async () => {
			await client.page.locator(`input[name="invoice_id"][value="${inv}"]`).check();
			await client.page.fill('#installments', '30');
			const resp = await submit(client.page, client.page.getByRole('button', { name: 'Preview the schedule' }));
			check(resp.status() === 422, `over the limits: HTTP ${resp.status()}`);
			await client.page.getByText('practice minimum of $25.00').first().waitFor();
			client.noProblems();
		}],
		['within the limits the schedule shows; the client signs and the plan is active', async () => {
			await client.page.fill('#installments', '4');
			let resp = await submit(client.page, client.page.getByRole('button', { name: 'Preview the schedule' }));
			check(resp.status() === 200, `preview: HTTP ${resp.status()}`);
			await client.page.getByText('$120.00').first().waitFor();
			await expectNoSidewaysScroll(client.page, 'preview');
			await shotBoth(client.page, 'portal-propose-preview', PHONE);
			await client.page.locator('input[name="authorize"]').check();
			await client.page.fill('#signer_name', 'Jordan Vale');
			resp = await submit(client.page, client.page.getByRole('button', { name: 'Sign and propose the plan' }));
			check(resp.status() === 303, `propose: HTTP ${resp.status()}`);
			plan = /^\/portal\/plans\/(\d+)$/.exec(pathOf(client.page))[1];
			await client.page.getByText('your payment plan is signed').first().waitFor();
			await shotBoth(client.page, 'portal-plan-active', PHONE);
			client.noProblems();
		}],
		['staff see the plan active, proposed and signed by the client', async () => {
			await staff.page.goto(`${BASE}/plans/${plan}`);
			await staff.page.locator('.badge', { hasText: 'Active' }).first().waitFor();
			await staff.page.getByText('Proposed and signed by the client').first().waitFor();
			await shotBoth(staff.page, 'staff-plan-proposed', WIDE);
			staff.noProblems();
		}],
	], async (step) => {
		await shot(client.page, `fail-client-${step.replace(/\W+/g, '-')}`, PHONE);
		await shot(staff.page, `fail-staff-${step.replace(/\W+/g, '-')}`, WIDE);
	});
	await staff.context.close();
	await client.context.close();
}

run('e2e selfservice', RUN_TIMEOUT_MS, async (browser) => {
	await selfServiceFlow(browser);
});
