// Browser tests of what a client pays besides whole invoices (issue 13), at
// 390x844 and 1366x900 (fresh accounts for each):
//   staff makes invoices A $200.00 and B $40.00 (dated 2026-11-20), a
//   statement for November, then invoice C $30.00 (today), posts them and
//   sends A by email (pay link) and the portal activation ->
//   1. the pay link: a wrong amount is named, then $50.00 of A is paid;
//      the receipt page offers the PDF receipt;
//   2. the portal: part of A ($25.00), after "abc" was refused;
//   3. the statement's balance as open today ($165.00 = A's $125.00 + B);
//   4. "Pay everything due" (C's $30.00);
//   5. the payment history and a PDF receipt.
// Screenshots: tests/artifacts/e2e/portal-pay-<page>-<viewport>.png.

import { ARTIFACTS, BASE, check, flow, need, run, shooter } from './lib/harness.mjs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const shot = shooter('portal-pay-');
const STEP_TIMEOUT_MS = 20000;
const MAIL_TIMEOUT_MS = 20000;
const RUN_TIMEOUT_MS = 420000;

const PASSWORD = need('ITEST_PASSWORD');
const BILLING = need('ITEST_BILLING_EMAIL');
const MAILDIR = need('ITEST_MAILDIR');
const CLIENT_PW = 'harbor lantern meadow 58';
const CARD = '4242424242424242';
const TAG = `${Date.now() % 10000000}`;

const VIEWPORTS = [
	{ name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true },
	{ name: 'desktop', viewport: { width: 1366, height: 900 }, isMobile: false },
];

async function newPage(browser, vp) {
	const context = await browser.newContext({
		viewport: vp.viewport, isMobile: vp.isMobile, hasTouch: vp.isMobile,
		deviceScaleFactor: vp.isMobile ? 2 : 1,
	});
	const page = await context.newPage();
	page.setDefaultTimeout(STEP_TIMEOUT_MS);
	return { context, page };
}

const pathOf = (page) => new URL(page.url()).pathname;

async function noSidewaysScroll(page, what) {
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

// An issued one-line invoice; date: its invoice date ('' = today). [id, number]
async function newInvoice(page, accountId, description, rate, date) {
	await page.goto(`${BASE}/invoices/new?account_id=${accountId}`);
	if (date)
		await page.fill('input[name="invoice_date"]', date);
	await page.fill('input[name="line1_description"]', description);
	await page.fill('input[name="line1_quantity"]', '1');
	await page.fill('input[name="line1_rate"]', rate);
	let resp = await submit(page, page.getByRole('button', { name: 'Save draft' }));
	check(resp.status() === 303, `POST /invoices/new: HTTP ${resp.status()}`);
	const id = /^\/invoices\/(\d+)$/.exec(pathOf(page))[1];
	await submit(page, page.getByRole('button', { name: /Issue invoice/ }).first());
	const confirm = page.getByRole('button', { name: 'Issue invoice', exact: true });
	await confirm.first().waitFor({ state: 'visible' });
	resp = await submit(page, confirm.first());
	check(resp.status() === 303, `POST issue: HTTP ${resp.status()}`);
	const number = (await page.getByText(/INV-\d{6}/).first().innerText()).match(/INV-\d{6}/)[0];
	return [id, number];
}

async function sendInvoice(page, invoiceId, email) {
	await page.goto(`${BASE}/invoices/${invoiceId}/send`);
	const form = page.locator(`form[action="/invoices/${invoiceId}/send"]`);
	await form.locator('input[name="email"]').setChecked(email);
	await form.locator('input[name="post"]').setChecked(true);
	const resp = await submit(page, form.getByRole('button', { name: 'Send invoice' }));
	check(resp.status() === 303, `POST send: HTTP ${resp.status()}`);
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

async function fillCard(page) {
	const frame = page.frameLocator('#payment-element iframe');
	await frame.locator('#number').waitFor({ state: 'visible' });
	await frame.locator('#number').pressSequentially(CARD, { delay: 5 });
	await frame.locator('#expiry').pressSequentially('1234', { delay: 5 });
	await frame.locator('#cvc').pressSequentially('123', { delay: 5 });
	await frame.locator('#postal').fill('94110');
}

async function payInElement(page, urlRe) {
	await page.locator('#payment-element iframe').waitFor();
	await fillCard(page);
	await page.locator('#pay-submit:not([disabled])').waitFor();
	await Promise.all([page.waitForURL(urlRe, { timeout: STEP_TIMEOUT_MS }),
	    page.locator('#pay-submit').click()]);
	await page.waitForLoadState('load');
	await page.getByText('Payment received').first().waitFor();
}

// The PDF at href (relative to the page): asserted to be a PDF, kept as
// tests/artifacts/e2e/portal-pay-<name>.pdf.
async function expectPdf(page, href, name) {
	const resp = await page.request.get(new URL(href, page.url()).href);
	check(resp.status() === 200, `GET ${href}: HTTP ${resp.status()}`);
	check(resp.headers()['content-type'] === 'application/pdf', `${href} is not a PDF`);
	const body = await resp.body();
	check(body.subarray(0, 4).toString() === '%PDF', `${href}: not PDF bytes`);
	await writeFile(path.join(ARTIFACTS, `portal-pay-${name}.pdf`), body);
}

// The portal pay page reached from the Billing page: new card, Pay.
async function payNewCard(page, vp, name, buttonName) {
	await page.locator('input[name="pay_with"][value="card"]').check();
	if (vp.isMobile)
		await noSidewaysScroll(page, name);
	await shot(page, name, vp);
	await submit(page, page.getByRole('button', { name: buttonName }));
	await payInElement(page, /\/portal\/payments\/\d+$/);
}

async function clientFlow(browser, vp) {
	const staff = await newPage(browser, vp);
	const client = await newPage(browser, vp);
	const email = `e2e-part-${vp.name}-${TAG}@example.com`;
	let acc = '', a = [], b = [], c = [], link = '', stmt = '';

	await flow(`portal-pay ${vp.name}`, [
		['staff makes the invoices, a statement, the links', async () => {
			await staffSignIn(staff.page);
			acc = await newAccount(staff.page, `Avery Stone ${vp.name} ${TAG}`, email);
			a = await newInvoice(staff.page, acc, 'Intensive outpatient, week 1', '200.00', '2026-11-20');
			b = await newInvoice(staff.page, acc, 'Family session', '40.00', '2026-11-20');
			await staff.page.goto(`${BASE}/accounts/${acc}/statements/new?from=2026-11-01&to=2026-11-30`);
			const form = staff.page.locator(`form[action="/accounts/${acc}/statements"]`);
			const resp = await submit(staff.page, form.getByRole('button', { name: 'Generate statement' }));
			check(resp.status() === 303, `POST statement: HTTP ${resp.status()}`);
			stmt = /^\/statements\/(\d+)/.exec(pathOf(staff.page))[1];
			c = await newInvoice(staff.page, acc, 'Medication management', '30.00', '');
			await sendInvoice(staff.page, a[0], true);
			await sendInvoice(staff.page, b[0], false);
			await sendInvoice(staff.page, c[0], false);
			await staff.page.goto(`${BASE}/accounts/${acc}`);
			await submit(staff.page, staff.page.getByRole('button', { name: 'Send payment portal activation link' }));
		}],
		['pay link: a wrong amount is named, nothing charged', async () => {
			link = linkIn(await mailWait(email, new RegExp(`Invoice ${a[1]}`)), '/pay/');
			await client.page.goto(`${BASE}${link}`);
			const amount = client.page.locator('#amount');
			check(await amount.inputValue() === '200.00', 'the amount is not all that is open');
			await shot(client.page, 'paylink', vp);
			await amount.fill('200.01');
			const resp = await submit(client.page, client.page.getByRole('button', { name: 'Continue to payment' }));
			check(resp.status() === 422, `too much: HTTP ${resp.status()}`);
			await client.page.getByText('cannot be more than the $200.00 open').first().waitFor();
			if (vp.isMobile)
				await noSidewaysScroll(client.page, 'pay link error');
			await shot(client.page, 'paylink-error', vp);
		}],
		['pay link: $50.00 of A, with a PDF receipt', async () => {
			await client.page.locator('#amount').fill('50.00');
			await submit(client.page, client.page.getByRole('button', { name: 'Continue to payment' }));
			await client.page.getByText('$50.00').first().waitFor();
			await payInElement(client.page, /\/pay\/[^/]+\/payments\/\d+$/);
			await client.page.getByText('$50.00').first().waitFor();
			await shot(client.page, 'paylink-receipt', vp);
			await expectPdf(client.page, await client.page.locator('#receipt-pdf').getAttribute('href'), `paylink-receipt-${vp.name}`);
			await client.page.goto(`${BASE}${link}`);
			check(await client.page.locator('#amount').inputValue() === '150.00', 'not $150.00 left');
		}],
		['the client activates the portal', async () => {
			const act = linkIn(await mailWait(email, /\/portal\/activate\//), '/portal/activate/');
			await client.page.goto(`${BASE}${act}`);
			await client.page.fill('#password', CLIENT_PW);
			await client.page.fill('#password2', CLIENT_PW);
			await submit(client.page, client.page.getByRole('button', { name: /Activate/ }));
			check(pathOf(client.page) === '/portal/billing', `after activation at ${client.page.url()}`);
			await client.page.getByText('Pay everything due ($220.00)').first().waitFor();
			await client.page.getByText(`Pay $190.00`).first().waitFor();
			if (vp.isMobile)
				await noSidewaysScroll(client.page, 'billing');
			await shot(client.page, 'billing', vp);
		}],
		['portal: part of A after "abc" is refused', async () => {
			await client.page.locator(`input[name="invoice"][value="${a[0]}"]`).check();
			await Promise.all([client.page.waitForURL(/\/portal\/pay\?/),
			    client.page.locator('#pay-selected').click()]);
			await client.page.locator('input[name="pay_with"][value="card"]').check();
			await client.page.locator('#amount').fill('abc');
			const resp = await submit(client.page, client.page.getByRole('button', { name: 'Pay now' }));
			check(resp.status() === 422, `abc: HTTP ${resp.status()}`);
			await client.page.getByText('Enter the amount to pay as dollars and cents').first().waitFor();
			await shot(client.page, 'pay-part-error', vp);
			await client.page.locator('#amount').fill('25.00');
			await payNewCard(client.page, vp, 'pay-part', 'Pay now');
			await client.page.getByText('$25.00').first().waitFor();
			await shot(client.page, 'pay-part-receipt', vp);
		}],
		['portal: the statement balance as open today', async () => {
			await client.page.goto(`${BASE}/portal/billing`);
			// A $125.00 + B $40.00 (the statement said $240.00 when made)
			await Promise.all([client.page.waitForURL(/\/portal\/pay\?statement=/),
			    client.page.getByRole('link', { name: /Pay \$165\.00/ }).click()]);
			await client.page.getByText('Pay the statement balance').first().waitFor();
			await payNewCard(client.page, vp, 'pay-statement', 'Pay $165.00');
			await shot(client.page, 'pay-statement-receipt', vp);
			check(stmt !== '', 'no statement');
		}],
		['portal: pay everything due', async () => {
			await client.page.goto(`${BASE}/portal/billing`);
			await Promise.all([client.page.waitForURL(/\/portal\/pay\?all=1/),
			    client.page.getByRole('link', { name: 'Pay everything due ($30.00)' }).click()]);
			await client.page.getByText('Pay everything due').first().waitFor();
			await payNewCard(client.page, vp, 'pay-all', 'Pay $30.00');
			await shot(client.page, 'pay-all-receipt', vp);
			await expectPdf(client.page, await client.page.locator('#receipt-pdf').getAttribute('href'), `pay-all-receipt-${vp.name}`);
			await client.page.goto(`${BASE}/portal/billing`);
			check(await client.page.getByText(/Pay everything due/).count() === 0, 'still something due');
			await shot(client.page, 'billing-paid', vp);
		}],
		['the payment history', async () => {
			await client.page.goto(`${BASE}/portal/payments`);
			await client.page.getByText('$30.00').first().waitFor();
			if (vp.isMobile)
				await noSidewaysScroll(client.page, 'payments');
			await shot(client.page, 'payments', vp);
		}],
	], async (step) => {
		await shot(client.page, `fail-${step.replace(/\W+/g, '-')}`, vp);
		await shot(staff.page, `fail-staff-${step.replace(/\W+/g, '-')}`, vp);
	});
	await staff.context.close();
	await client.context.close();
}

run('e2e portal-pay', RUN_TIMEOUT_MS, async (browser) => {
	for (const vp of VIEWPORTS)
		await clientFlow(browser, vp);
});
