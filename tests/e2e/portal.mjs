// Browser tests of the client portal and the one-time pay link, at a desktop
// and a phone viewport (fresh accounts for each):
//   1. staff creates an invoice and sends it -> the test reads the email from
//      the SMTP catcher's Maildir -> opens the pay link (no login) -> pays
//      with 4242 4242 4242 4242 in the sandbox's Stripe.js element ->
//      confirmation -> receipt email -> staff sees the invoice paid;
//   2. staff posts two invoices and sends the activation link -> activation
//      email -> the client sets a password, signs out and in -> saves a card
//      (SetupIntent, with the authorization) -> selects both invoices ->
//      pays by the saved card -> confirmation and receipt email.
// Runs against the stack of tests/integration/run (ITEST_* variables,
// ITEST_MAILDIR) with Debian's /usr/bin/chromium and playwright-core.
// Screenshots: tests/artifacts/e2e/portal-<page>-<viewport>.png.

import { BASE, VIEWPORTS, check, flow, need, run, shooter }
    from './lib/harness.mjs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';


const shot = shooter('portal-');
const STEP_TIMEOUT_MS = 20000;
const MAIL_TIMEOUT_MS = 20000;
const RUN_TIMEOUT_MS = 420000;


const PASSWORD = need('ITEST_PASSWORD');
const BILLING = need('ITEST_BILLING_EMAIL');
const MAILDIR = need('ITEST_MAILDIR');
const SANDBOX_ORIGIN = new URL(need('ITEST_SANDBOX_URL')).origin;
const CLIENT_PW = 'harbor lantern meadow 58';
const CARD = '4242424242424242';


const TAG = `${Date.now() % 10000000}`;

// --- a tiny runner (as in run.mjs) -------------------------------------------





// --- pages --------------------------------------------------------------------

// The sandbox's Stripe.js stand-in sizes its iframes with setAttribute('style'),
// which our strict style-src blocks (real Stripe.js uses the CSSOM, which CSP
// allows; portal.css sizes the frame): counted, not failed.
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
	page.on('dialog', (d) => d.accept());
	const problems = [];
	page.on('pageerror', (e) => problems.push(`uncaught error: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() !== 'error' || !/Content.Security.Policy|Refused to/i.test(m.text()))
			return;
		if (/Applying inline style violates/i.test(m.text()) &&
		    (m.location().url || '').startsWith(SANDBOX_ORIGIN)) {
			standinStyleBlocks++;
			return;
		}
		problems.push(`CSP violation: ${m.text()}`);
	});
	// No request to our server may carry a card number.
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

// Clicks button and waits for the page after the POST (and its redirect).
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

// Staff: a new account with a primary email; returns its id.
async function newAccount(page, name, email, vp, shotName) {
	await page.goto(`${BASE}/accounts/new`);
	const form = page.locator('form[action="/accounts/new"]');
	await form.locator('input[name="name"]').fill(name);
	await form.locator('input[name="email"]').fill(email);
	const resp = await submit(page, form.locator('button[type="submit"]'));
	check(resp.status() === 303, `POST /accounts/new: HTTP ${resp.status()}`);
	const m = /^\/accounts\/(\d+)$/.exec(pathOf(page));
	check(m, `after create at ${page.url()}`);
	if (shotName)
		await shot(page, shotName, vp);
	return m[1];
}

// Staff: an invoice through the invoice form, issued; returns [id, number].
async function newInvoice(page, accountId, description, rate, vp, shots) {
	await page.goto(`${BASE}/invoices/new?account_id=${accountId}`);
	await page.fill('input[name="line1_description"]', description);
	await page.fill('input[name="line1_quantity"]', '1');
	await page.fill('input[name="line1_rate"]', rate);
	if (shots)
		await shot(page, 'staff-invoice-form', vp);
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

// Staff: "Send invoice" with the boxes given.
async function sendInvoice(page, invoiceId, { email, post }, vp, shots) {
	await page.goto(`${BASE}/invoices/${invoiceId}`);
	await Promise.all([page.waitForURL(`${BASE}/invoices/${invoiceId}/send`),
	    page.getByRole('link', { name: /Send invoice/ }).click()]);
	const form = page.locator(`form[action="/invoices/${invoiceId}/send"]`);
	await form.locator('input[name="email"]').setChecked(email);
	await form.locator('input[name="post"]').setChecked(post);
	if (shots)
		await shot(page, 'staff-send', vp);
	const resp = await submit(page, form.getByRole('button', { name: 'Send invoice' }));
	check(resp.status() === 303, `POST send: HTTP ${resp.status()}`);
	await page.locator('.alert-ok').first().waitFor();
	if (shots)
		await shot(page, 'staff-sent', vp);
}

// --- mail ----------------------------------------------------------------------

function qpDecode(s) {
	return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

// The newest message to `to` whose text matches re (waits for it).
async function mailWait(to, re, count = 1) {
	const dir = path.join(MAILDIR, 'new');
	const t0 = Date.now();
	for (;;) {
		const hits = [];
		for (const f of (await readdir(dir).catch(() => [])).sort()) {
			const m = qpDecode(await readFile(path.join(dir, f), 'latin1'));
			if (m.toLowerCase().includes(`delivered-to: ${to.toLowerCase()}`) && re.test(m))
				hits.push(m);
		}
		if (hits.length >= count)
			return hits[hits.length - 1];
		check(Date.now() - t0 < MAIL_TIMEOUT_MS, `no email to ${to} matching ${re} after ${MAIL_TIMEOUT_MS / 1000} s`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

function linkIn(mail, prefix) {
	const m = new RegExp(`${BASE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(${prefix}[A-Za-z0-9_\\-/]+)`).exec(mail);
	check(m, `no ${prefix} link in the email`);
	return m[1];
}

// --- Stripe Element --------------------------------------------------------------

async function fillCard(page) {
	const frame = page.frameLocator('#payment-element iframe');
	await frame.locator('#number').waitFor({ state: 'visible' });
	await frame.locator('#number').pressSequentially(CARD, { delay: 5 });
	await frame.locator('#expiry').pressSequentially('1234', { delay: 5 });
	await frame.locator('#cvc').pressSequentially('123', { delay: 5 });
	await frame.locator('#postal').fill('94110');	/* the Payment Element asks for it */
}

async function payInElement(page, urlRe) {
	await page.locator('#pay-submit:not([disabled])').waitFor();
	await Promise.all([page.waitForURL(urlRe, { timeout: STEP_TIMEOUT_MS }),
	    page.locator('#pay-submit').click()]);
	await page.waitForLoadState('load');
}

// --- flow 1: invoice email -> pay link -> paid ------------------------------------

async function payLinkFlow(browser, vp) {
	const staff = await newPage(browser, vp);
	const client = await newPage(browser, vp);
	const email = `e2e-link-${vp.name}-${TAG}@example.com`;
	let invoiceId = '', number = '', link = '', txn = '';

	await flow(`pay link ${vp.name}`, [
		['staff creates an account and an invoice', async () => {
			await staffSignIn(staff.page);
			const acc = await newAccount(staff.page, `Jordan Rivera ${vp.name} ${TAG}`, email, vp);
			[invoiceId, number] = await newInvoice(staff.page, acc, 'Individual therapy, 50 minutes', '150.00', vp, true);
			await shot(staff.page, 'staff-invoice', vp);
			staff.noProblems();
		}],
		['staff sends it by email and to the portal', async () => {
			await sendInvoice(staff.page, invoiceId, { email: true, post: true }, vp, true);
			await staff.page.getByText(/Active/).first().waitFor();
			if (vp.isMobile)
				await expectNoSidewaysScroll(staff.page, 'send page');
			staff.noProblems();
		}],
		['the invoice email offers Pay now and the portal', async () => {
			const m = await mailWait(email, new RegExp(`Invoice ${number}`));
			check(m.includes('/portal/login'), 'no portal link in the invoice email');
			link = linkIn(m, '/pay/');
		}],
		['the pay link shows the invoice, no login', async () => {
			const resp = await client.page.goto(`${BASE}${link}`);
			check(resp.status() === 200, `GET pay link: HTTP ${resp.status()}`);
			await client.page.getByText(number).first().waitFor();
			await client.page.getByText('$150.00').first().waitFor();
			if (vp.isMobile)
				await expectNoSidewaysScroll(client.page, 'pay link');
			await shot(client.page, 'paylink', vp);
			client.noProblems();
		}],
		['pays with 4242 in the Stripe element', async () => {
			await submit(client.page, client.page.getByRole('button', { name: 'Continue to payment' }));
			await client.page.locator('#payment-element iframe').waitFor();
			await fillCard(client.page);
			if (vp.isMobile)
				await expectNoSidewaysScroll(client.page, 'card page');
			await shot(client.page, 'paylink-card', vp);
			await payInElement(client.page, /\/pay\/[^/]+\/payments\/\d+$/);
			await client.page.getByText('Payment received').first().waitFor();
			txn = (await client.page.locator('.pt-mono').first().innerText()).match(/P-\d+/)[0];
			await shot(client.page, 'paylink-confirmation', vp);
			client.noProblems();
		}],
		['the receipt email carries the transaction id', async () => {
			const m = await mailWait(email, new RegExp(`${txn}\\b`));
			check(/Payment receipt/.test(m), 'not a receipt');
			check(m.includes('$150.00'), 'receipt without the amount');
		}],
		['the link now says the invoice is paid', async () => {
			await client.page.goto(`${BASE}${link}`);
			await client.page.getByText('This invoice is paid').first().waitFor();
			check(await client.page.getByRole('button', { name: 'Continue to payment' }).count() === 0, 'still offers payment');
			await shot(client.page, 'paylink-paid', vp);
		}],
		['an unknown link gets the one generic page', async () => {
			const resp = await client.page.goto(`${BASE}/pay/${'x'.repeat(43)}`);
			check(resp.status() === 404, `GET unknown pay link: HTTP ${resp.status()}`);
			await client.page.getByText('This payment link is not valid').first().waitFor();
			await shot(client.page, 'paylink-invalid', vp);
		}],
		['staff sees the invoice paid', async () => {
			await staff.page.goto(`${BASE}/invoices/${invoiceId}`);
			await staff.page.locator('.badge', { hasText: 'paid' }).first().waitFor();
			await shot(staff.page, 'staff-invoice-paid', vp);
		}],
	], async (step) => {
		await shot(client.page, `fail-link-${step.replace(/\W+/g, '-')}`, vp);
		await shot(staff.page, `fail-link-staff-${step.replace(/\W+/g, '-')}`, vp);
	});
	await staff.context.close();
	await client.context.close();
}

// --- flow 2: activation -> login -> saved card -> pay two invoices ---------------

async function portalFlow(browser, vp) {
	const staff = await newPage(browser, vp);
	const client = await newPage(browser, vp);
	const email = `e2e-portal-${vp.name}-${TAG}@example.com`;
	let acc = '', inv = [], txn = '', activation = '';

	await flow(`portal ${vp.name}`, [
		['staff posts two invoices and sends the activation link', async () => {
			await staffSignIn(staff.page);
			acc = await newAccount(staff.page, `Morgan Lee ${vp.name} ${TAG}`, email, vp);
			inv.push(await newInvoice(staff.page, acc, 'Group session', '85.50', vp, false));
			inv.push(await newInvoice(staff.page, acc, 'Intake assessment', '120.00', vp, false));
			for (const [id] of inv)
				await sendInvoice(staff.page, id, { email: false, post: true }, vp, false);
			await staff.page.goto(`${BASE}/accounts/${acc}`);
			await shot(staff.page, 'staff-account', vp);
			await submit(staff.page, staff.page.getByRole('button', { name: 'Send payment portal activation link' }));
			await staff.page.getByText('An activation link was emailed').first().waitFor();
			await shot(staff.page, 'staff-portal-access', vp);
			staff.noProblems();
		}],
		['the client sets a password from the activation email', async () => {
			const m = await mailWait(email, /\/portal\/activate\//);
			activation = linkIn(m, '/portal/activate/');
			await client.page.goto(`${BASE}${activation}`);
			await client.page.getByText(email).first().waitFor();
			await client.page.fill('#password', CLIENT_PW);
			await client.page.fill('#password2', CLIENT_PW);
			if (vp.isMobile)
				await expectNoSidewaysScroll(client.page, 'activation');
			await shot(client.page, 'activate', vp);
			await submit(client.page, client.page.getByRole('button', { name: /Activate/ }));
			check(pathOf(client.page) === '/portal/billing', `after activation at ${client.page.url()}`);
			await client.page.getByText('Your portal access is ready').first().waitFor();
			client.noProblems();
		}],
		['the activation link works only once', async () => {
			const other = await newPage(browser, vp);
			const resp = await other.page.goto(`${BASE}${activation}`);
			check(resp.status() === 410, `reused activation link: HTTP ${resp.status()}`);
			await shot(other.page, 'link-used', vp);
			await other.page.goto(`${BASE}/portal/forgot`);
			await shot(other.page, 'forgot', vp);
			await other.context.close();
		}],
		['signs out and in again', async () => {
			await submit(client.page, client.page.getByRole('button', { name: 'Sign out' }));
			check(pathOf(client.page) === '/portal/login', `after sign-out at ${client.page.url()}`);
			await client.page.fill('#email', email);
			await client.page.fill('#password', CLIENT_PW);
			if (vp.isMobile)
				await expectNoSidewaysScroll(client.page, 'login');
			await shot(client.page, 'login', vp);
			await submit(client.page, client.page.getByRole('button', { name: 'Sign in' }));
			check(pathOf(client.page) === '/portal/billing', `after sign-in at ${client.page.url()}`);
			await client.page.getByText(inv[0][1]).first().waitFor();
			await client.page.getByText(inv[1][1]).first().waitFor();
			await client.page.getByText('$205.50').first().waitFor();
			if (vp.isMobile)
				await expectNoSidewaysScroll(client.page, 'billing');
			await shot(client.page, 'billing', vp);
			client.noProblems();
		}],
		['opens an invoice', async () => {
			await client.page.goto(`${BASE}/portal/invoices/${inv[1][0]}`);
			await client.page.getByText('Intake assessment').first().waitFor();
			await shot(client.page, 'invoice', vp);
		}],
		['saves a card with the authorization (SetupIntent)', async () => {
			await client.page.goto(`${BASE}/portal/methods`);
			await client.page.locator('input[name="kind"][value="card"]').check();
			await client.page.locator('input[name="authorize"]').check();
			await client.page.fill('#signer_name', 'Morgan Lee');
			await submit(client.page, client.page.getByRole('button', { name: 'Continue' }));
			await client.page.locator('#payment-element iframe').waitFor();
			await fillCard(client.page);
			await shot(client.page, 'method-add', vp);
			await payInElement(client.page, /\/portal\/methods\?notice=method_added$/);
			await client.page.getByText('Visa ending 4242').first().waitFor();
			await client.page.getByText('Authorized for future payments').first().waitFor();
			await shot(client.page, 'methods', vp);
			client.noProblems();
		}],
		['selects both invoices and pays by the saved card', async () => {
			await client.page.goto(`${BASE}/portal/billing`);
			for (const [id] of inv)
				await client.page.locator(`input[name="invoice"][value="${id}"]`).check();
			await client.page.getByRole('button', { name: /Pay 2 selected/ }).waitFor();
			await shot(client.page, 'billing-selected', vp);
			await Promise.all([client.page.waitForURL(/\/portal\/pay\?/),
			    client.page.getByRole('button', { name: /Pay 2 selected/ }).click()]);
			await client.page.getByText('$205.50').first().waitFor();
			check(await client.page.locator('input[name="pay_with"]:checked').getAttribute('value') !== 'card',
			    'the saved card is not the default choice');
			if (vp.isMobile)
				await expectNoSidewaysScroll(client.page, 'pay page');
			await shot(client.page, 'pay', vp);
			const resp = await submit(client.page, client.page.getByRole('button', { name: 'Pay $205.50' }));
			check(resp.status() === 303, `POST /portal/pay: HTTP ${resp.status()}`);
			check(/^\/portal\/payments\/\d+$/.test(pathOf(client.page)), `after paying at ${client.page.url()}`);
			await client.page.getByText('Payment received').first().waitFor();
			txn = (await client.page.locator('.pt-mono').first().innerText()).match(/P-\d+/)[0];
			await shot(client.page, 'confirmation', vp);
			client.noProblems();
		}],
		['the confirmation email carries the transaction id', async () => {
			const m = await mailWait(email, new RegExp(`${txn}\\b`));
			check(m.includes('$205.50'), 'receipt without the amount');
		}],
		['both invoices are paid, the payment is in the history', async () => {
			await client.page.goto(`${BASE}/portal/billing?status=paid`);
			for (const [, number] of inv)
				await client.page.getByText(number).first().waitFor();
			await client.page.goto(`${BASE}/portal/payments`);
			await client.page.getByText(txn).first().waitFor();
			await shot(client.page, 'payments', vp);
			await staff.page.goto(`${BASE}/invoices/${inv[0][0]}`);
			await staff.page.locator('.badge', { hasText: 'paid' }).first().waitFor();
			client.noProblems();
		}],
		['lists where nothing can be selected run their script cleanly', async () => {
			// pay.js once threw "Cannot set properties of null" on a list
			// without the Pay button; any page error or console error fails.
			const errors = [];
			const onError = (e) => errors.push(`page error: ${e.message}`);
			const onConsole = (m) => {
				if (m.type() === 'error')
					errors.push(`console error: ${m.text()}`);
			};
			client.page.on('pageerror', onError);
			client.page.on('console', onConsole);
			for (const q of ['?status=paid', '?status=void', '?status=open', ''])
				await client.page.goto(`${BASE}/portal/billing${q}`, { waitUntil: 'load' });
			await client.page.goto(`${BASE}/portal/payments`, { waitUntil: 'load' });
			client.page.off('pageerror', onError);
			client.page.off('console', onConsole);
			check(errors.length === 0, errors.join('; '));
		}],
	], async (step) => {
		await shot(client.page, `fail-portal-${step.replace(/\W+/g, '-')}`, vp);
		await shot(staff.page, `fail-portal-staff-${step.replace(/\W+/g, '-')}`, vp);
	});
	await staff.context.close();
	await client.context.close();
}

run('e2e portal', RUN_TIMEOUT_MS, async (browser) => {
	for (const vp of VIEWPORTS) {
		await payLinkFlow(browser, vp);
		await portalFlow(browser, vp);
	}
	if (standinStyleBlocks)
		console.log(`NOTE: the Stripe.js stand-in had ${standinStyleBlocks} inline style attributes blocked by the CSP (style-src 'self')`);
});
