// Browser test of payment plans: staff (desktop, 1366x900) create a plan
// for two open invoices with the schedule preview and send it to the
// portal; the client (phone, 390x844) activates the portal, reviews the
// schedule and the authorization, signs, and pays the next installment
// with a new card in the Stripe element; both sides see it paid. Pages are
// also shot at the other viewport. Runs against the stack of
// tests/integration/run (ITEST_* variables) with Debian's Chromium.
// Screenshots: tests/artifacts/e2e/plans-<page>-<viewport>.png.

import { BASE, PHONE, check, flow, need, run, shooter }
    from './lib/harness.mjs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const shot = shooter('plans-');
const STEP_TIMEOUT_MS = 20000;
const MAIL_TIMEOUT_MS = 20000;
const RUN_TIMEOUT_MS = 300000;
const WIDE = { name: 'desktop', viewport: { width: 1366, height: 900 }, isMobile: false };

const PASSWORD = need('ITEST_PASSWORD');
const BILLING = need('ITEST_BILLING_EMAIL');
const MAILDIR = need('ITEST_MAILDIR');
const SANDBOX_ORIGIN = new URL(need('ITEST_SANDBOX_URL')).origin;
const CLIENT_PW = 'willow harbor seven 91';
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

async function fillCard(page) {
	const frame = page.frameLocator('#payment-element iframe');
	await frame.locator('#number').waitFor({ state: 'visible' });
	await frame.locator('#number').pressSequentially(CARD, { delay: 5 });
	await frame.locator('#expiry').pressSequentially('1234', { delay: 5 });
	await frame.locator('#cvc').pressSequentially('123', { delay: 5 });
	const postal = frame.locator('#postal');
	if (await postal.count() > 0 && await postal.isVisible())
		await postal.fill('94110');
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

async function planFlow(browser) {
	const staff = await newPage(browser, WIDE);
	const client = await newPage(browser, PHONE);
	const email = `e2e-plan-${TAG}@example.com`;
	let acc = '', plan = '', link = '';

	await flow('payment plan', [
		['staff makes an account with two open invoices and sends portal access', async () => {
			await staffSignIn(staff.page);
			acc = await newAccount(staff.page, `Riley Park ${TAG}`, email);
			await newInvoice(staff.page, acc, 'Residential treatment, week 1', '600.00');
			await newInvoice(staff.page, acc, 'Family session', '150.01');
			await staff.page.goto(`${BASE}/accounts/${acc}`);
			await staff.page.getByRole('heading', { name: 'Payment plans' }).waitFor();
			await submit(staff.page, staff.page.getByRole('button', { name: 'Send payment portal activation link' }));
			staff.noProblems();
		}],
		['staff previews the schedule of a new plan', async () => {
			await staff.page.goto(`${BASE}/accounts/${acc}`);
			await Promise.all([staff.page.waitForURL(/\/plans\/new$/),
			    staff.page.getByRole('link', { name: 'New payment plan' }).click()]);
			await staff.page.fill('#down_payment', '150.00');
			await staff.page.fill('#installments', '4');
			await staff.page.selectOption('#frequency', 'biweekly');
			await submit(staff.page, staff.page.getByRole('button', { name: 'Preview schedule' }));
			await staff.page.getByRole('heading', { name: 'Schedule preview' }).waitFor();
			// $750.01 - $150.00 = $600.01 in 4: 150.00 x 3, 150.01 last
			await staff.page.getByText('$750.01').first().waitFor();
			await staff.page.getByText('$150.01').first().waitFor();
			await shotBoth(staff.page, 'staff-preview', WIDE);
			staff.noProblems();
		}],
		['staff creates the plan and sends it to the portal', async () => {
			const resp = await submit(staff.page, staff.page.getByRole('button', { name: 'Create plan' }));
			check(resp.status() === 303, `POST plan: HTTP ${resp.status()}`);
			plan = /^\/plans\/(\d+)$/.exec(pathOf(staff.page))[1];
			await staff.page.getByText('Payment plan created').first().waitFor();
			await submit(staff.page, staff.page.getByRole('button', { name: 'Send to portal' }));
			await staff.page.getByText('Awaiting signature').first().waitFor();
			await shotBoth(staff.page, 'staff-plan-sent', WIDE);
			staff.noProblems();
		}],
		['the client activates the portal on a phone', async () => {
			const m = await mailWait(email, /\/portal\/activate\//);
			await client.page.goto(`${BASE}${linkIn(m, '/portal/activate/')}`);
			await client.page.fill('#password', CLIENT_PW);
			await client.page.fill('#password2', CLIENT_PW);
			await submit(client.page, client.page.getByRole('button', { name: /Activate/ }));
			check(pathOf(client.page) === '/portal/billing', `after activation at ${client.page.url()}`);
			await client.page.getByRole('heading', { name: 'Payment plans' }).waitFor();
			await expectNoSidewaysScroll(client.page, 'billing');
			await shotBoth(client.page, 'portal-billing-to-sign', PHONE);
			client.noProblems();
		}],
		['the plan email links to the plan; the client reviews and signs', async () => {
			const m = await mailWait(email, /ready to sign/);
			link = linkIn(m, '/portal/plans/');
			check(link === `/portal/plans/${plan}`, `email links to ${link}`);
			await client.page.goto(`${BASE}${link}`);
			await client.page.getByRole('heading', { name: 'Review and sign' }).waitFor();
			await client.page.getByText('I authorize').first().waitFor();
			await expectNoSidewaysScroll(client.page, 'plan to sign');
			await shotBoth(client.page, 'portal-plan-sign', PHONE);
			// without the tick: the form again, with the reason
			await client.page.fill('#signer_name', 'Riley Park');
			let resp = await submit(client.page, client.page.getByRole('button', { name: 'Sign the payment plan' }));
			check(resp.status() === 422, `unticked: HTTP ${resp.status()}`);
			await client.page.getByText('Tick the box').first().waitFor();
			await client.page.locator('input[name="authorize"]').check();
			await client.page.fill('#signer_name', 'Riley Park');
			resp = await submit(client.page, client.page.getByRole('button', { name: 'Sign the payment plan' }));
			check(resp.status() === 303, `sign: HTTP ${resp.status()}`);
			await client.page.getByText('your payment plan is signed').first().waitFor();
			await expectNoSidewaysScroll(client.page, 'signed plan');
			await shotBoth(client.page, 'portal-plan-signed', PHONE);
			client.noProblems();
		}],
		['staff see the plan active and signed', async () => {
			await staff.page.goto(`${BASE}/plans/${plan}`);
			await staff.page.locator('.badge', { hasText: 'Active' }).first().waitFor();
			await staff.page.getByText('Signed by').first().waitFor();
			staff.noProblems();
		}],
		['the client pays the down payment now with a new card', async () => {
			await client.page.goto(`${BASE}/portal/billing`);
			await Promise.all([client.page.waitForURL(/\/portal\/pay\?plan=/),
			    client.page.getByRole('link', { name: 'Pay next installment now' }).click()]);
			await client.page.getByText('$150.00').first().waitFor();
			await client.page.locator('input[name="pay_with"][value="card"]').check();
			await expectNoSidewaysScroll(client.page, 'pay installment');
			await shotBoth(client.page, 'portal-pay-next', PHONE);
			await submit(client.page, client.page.getByRole('button', { name: 'Pay $150.00' }));
			await client.page.locator('#payment-element iframe').waitFor();
			await fillCard(client.page);
			await client.page.locator('#pay-submit:not([disabled])').waitFor();
			await Promise.all([client.page.waitForURL(/\/portal\/payments\/\d+$/),
			    client.page.locator('#pay-submit').click()]);
			await client.page.getByText('Payment received').first().waitFor();
			client.noProblems();
		}],
		['the schedule shows it paid on both sides', async () => {
			await client.page.goto(`${BASE}${link}`);
			await client.page.locator('.plan-row-paid').first().waitFor();
			await client.page.getByText('$600.01').first().waitFor();	/* remaining */
			await expectNoSidewaysScroll(client.page, 'plan paid');
			await shotBoth(client.page, 'portal-plan-paid', PHONE);
			await staff.page.goto(`${BASE}/plans/${plan}`);
			await staff.page.locator('.plan-row-paid').first().waitFor();
			await shotBoth(staff.page, 'staff-plan-paid', WIDE);
			client.noProblems();
			staff.noProblems();
		}],
		['the client pays the next installment early', async () => {
			await client.page.goto(`${BASE}/portal/billing`);
			await Promise.all([client.page.waitForURL(/\/portal\/pay\?plan=/),
			    client.page.getByRole('link', { name: 'Pay next installment now' }).click()]);
			await client.page.getByRole('heading', { name: 'Pay the next installment' }).waitFor();
			await client.page.locator('input[name="pay_with"][value="card"]').check();
			await submit(client.page, client.page.getByRole('button', { name: /^Pay \$\d/ }));
			await client.page.locator('#payment-element iframe').waitFor();
			await fillCard(client.page);
			await client.page.locator('#pay-submit:not([disabled])').waitFor();
			await Promise.all([client.page.waitForURL(/\/portal\/payments\/\d+$/),
			    client.page.locator('#pay-submit').click()]);
			await client.page.getByText('Payment received').first().waitFor();
			await client.page.goto(`${BASE}${link}`);
			await client.page.locator('.plan-row-paid').nth(1).waitFor();
			check(await client.page.locator('.plan-row-paid').count() === 2,
			    'the down payment and the first installment are paid, nothing more');
			await shotBoth(client.page, 'portal-plan-early', PHONE);
			client.noProblems();
		}],
	], async (step) => {
		await shot(client.page, `fail-client-${step.replace(/\W+/g, '-')}`, PHONE);
		await shot(staff.page, `fail-staff-${step.replace(/\W+/g, '-')}`, WIDE);
	});
	await staff.context.close();
	await client.context.close();
}

run('e2e plans', RUN_TIMEOUT_MS, async (browser) => {
	await planFlow(browser);
	if (standinStyleBlocks)
		console.log(`NOTE: the Stripe.js stand-in had ${standinStyleBlocks} inline style attributes blocked by the CSP`);
});
