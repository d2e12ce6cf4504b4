// Browser test of the staff card payments (issue 4, seed 004) against a fresh
// stack with the bundled Stripe sandbox and its Stripe.js stand-in: staff take
// a card payment with "Save card" (typing 4242 4242 4242 4242 into the
// stand-in's iframe), see the success and the balance drop, charge the saved
// card, and see the friendly message of a declined card (4000 0000 0000 0002).
// Every request to OUR server is checked: none may carry a card number.
//
// Runs with the ITEST_* variables of tests/integration/env.sh (incl.
// ITEST_SANDBOX_URL). Screenshots: tests/artifacts/e2e/stripe-*-{desktop,phone}.png
// (new payment, payment step, success, decline, payment methods, consent; on
// the desktop also ACH pending, add card, payment history).
// No wrong passwords (sign-in throttling is shared with the other suites).


import { BASE, DESKTOP, PHONE, allowConsoleError, check, flow, need, run, shooter }
    from './lib/harness.mjs';


const shot = shooter('stripe-');
const STEP_TIMEOUT_MS = 20000;
const RUN_TIMEOUT_MS = 300000;


const SANDBOX = need('ITEST_SANDBOX_URL').replace(/\/+$/, '');
const PASSWORD = need('ITEST_PASSWORD');
const BILLING = need('ITEST_BILLING_EMAIL');
const OUR_ORIGIN = new URL(BASE).origin;
const SANDBOX_ORIGIN = new URL(SANDBOX).origin;



const CARD_OK = '4242424242424242';
const CARD_DECLINED = '4000000000000002';

// --- a tiny runner (as tests/e2e/run.mjs) -------------------------------------





// --- the card-number guard ------------------------------------------------------

// Digits of a card number as they could appear in a URL or body: plain,
// grouped by spaces/dashes, or URL-encoded ("4242+4242", "4242%204242").
function cardPattern(number) {
	const groups = number.match(/.{1,4}/g);
	return new RegExp(groups.join('(?:\\s|\\+|-|%20|%2B|%2D)?'), 'i');
}
// Card numbers typed in this test, and the bank account number.
const CARD_PATTERNS = [CARD_OK, CARD_DECLINED, '5555555555554444'].map(cardPattern)
    .concat([/000123456789/]);

const guard = { ours: 0, oursWithBody: 0, sandboxCard: 0, leaks: [] };

function watchRequests(page) {
	page.on('request', (req) => {
		let origin;
		try {
			origin = new URL(req.url()).origin;
		} catch {
			return;
		}
		const body = req.postData() || '';
		const text = `${req.url()}\n${body}`;
		const hit = CARD_PATTERNS.some((re) => re.test(text));
		if (origin === OUR_ORIGIN) {
			guard.ours++;
			if (body)
				guard.oursWithBody++;
			if (hit)
				guard.leaks.push(`${req.method()} ${req.url()}`);
		} else if (origin === SANDBOX_ORIGIN && hit) {
			guard.sandboxCard++;	// the card went where it should
		}
	});
}

// --- helpers ---------------------------------------------------------------------

// The sandbox's Stripe.js stand-in sizes its iframes with setAttribute('style'),
// which a strict style-src blocks (real Stripe.js uses the CSSOM, which CSP
// allows; our CSS sizes the frame either way): counted and reported, not failed.
let standinStyleBlocks = 0;

function problemsOf(page) {
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
		problems.push(`CSP violation: ${m.text()} (${m.location().url || 'page'})`);
	});
	return problems;
}

async function newPage(browser, vp) {
	const context = await browser.newContext({
		viewport: vp.viewport,
		isMobile: vp.isMobile,
		hasTouch: vp.isMobile,
		deviceScaleFactor: vp.isMobile ? 2 : 1,
	});
	const page = await context.newPage();
	page.setDefaultTimeout(STEP_TIMEOUT_MS);
	watchRequests(page);
	return { context, page, problems: problemsOf(page) };
}

async function signIn(page) {
	await page.goto(`${BASE}/login`);
	const form = page.locator('form[action="/login"]');
	await form.locator('input[name="email"]').fill(BILLING);
	await form.locator('input[name="password"]').fill(PASSWORD);
	await Promise.all([
		page.waitForURL(`${BASE}/`),
		form.locator('button[type="submit"], button:not([type])').first().click(),
	]);
}

// POSTs a form through the browser's session (cookies) with the CSRF token
// of the page at csrfFrom; returns the Location of the 303.
async function postForm(page, csrfFrom, action, fields) {
	await page.goto(`${BASE}${csrfFrom}`);
	const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
	const resp = await page.request.post(`${BASE}${action}`, {
		form: { _csrf: csrf, ...fields },
		maxRedirects: 0,
	});
	check(resp.status() === 303, `POST ${action}: HTTP ${resp.status()}: ${(await resp.text()).slice(0, 300)}`);
	return resp.headers().location || '';
}

function idFrom(location, prefix) {
	const m = new RegExp(`${prefix}(\\d+)`).exec(location);
	check(m, `no ${prefix}<id> in ${location}`);
	return m[1];
}

function today() {
	return new Date().toISOString().slice(0, 10);
}

// The Financial tab's "Balance due" card of an account page.
async function balanceDue(page, accountId) {
	await page.goto(`${BASE}/accounts/${accountId}`);
	const card = page.locator('.pf-card', { hasText: 'Balance due' }).first();
	return (await card.locator('.pf-card-value').innerText()).trim();
}

async function fillCard(page, number) {
	const frame = page.frameLocator('#payment-element iframe');
	await frame.locator('#number').waitFor({ state: 'visible' });
	await frame.locator('#number').pressSequentially(number, { delay: 5 });
	await frame.locator('#expiry').pressSequentially('1234', { delay: 5 });
	await frame.locator('#cvc').pressSequentially('123', { delay: 5 });
	await frame.locator('#postal').fill('94110');	/* the Payment Element asks for it */
}

// POST form (urlencoded) to a control path of the Stripe sandbox.
async function sandbox(path, form) {
	const r = await fetch(`${SANDBOX}${path}`, { method: 'POST', body: form,
	    headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
	check(r.ok, `sandbox POST ${path}: HTTP ${r.status}`);
}

async function waitPayReady(page) {
	await page.locator('#payment-element.is-ready').waitFor({ state: 'attached' });
	await page.locator('#pay-button:not([disabled])').waitFor();
}

// "Process payment" and the page our server shows afterwards.
async function processPayment(page) {
	await Promise.all([
		page.waitForURL(/\/payments\/\d+(\?.*)?$/, { timeout: STEP_TIMEOUT_MS }),
		page.locator('#pay-button').click(),
	]);
	await page.waitForLoadState('load');
}

async function expectNoSidewaysScroll(page) {
	const { scroll, inner } = await page.evaluate(() => ({
		scroll: document.documentElement.scrollWidth,
		inner: window.innerWidth,
	}));
	check(scroll <= inner + 1, `page is ${scroll}px wide in a ${inner}px viewport`);
}

// --- the flows -------------------------------------------------------------------

const state = {};

async function desktopFlow(browser) {
	const vp = DESKTOP;
	const { context, page, problems } = await newPage(browser, vp);
	const noProblems = () => check(problems.length === 0, problems.join('; '));
	const tag = Date.now().toString(36);

	await flow(vp.name, [
		['sign in and make an account with a $240.00 invoice', async () => {
			await signIn(page);
			let loc = await postForm(page, '/accounts/new', '/accounts/new', {
				name: `Dana Whitfield ${tag}`, phone: '555-0100',
				email: `dana.${tag}@example.com`,
			});
			state.account = idFrom(loc, '/accounts/');
			loc = await postForm(page, `/invoices/new?account_id=${state.account}`, '/invoices/new', {
				account_id: state.account, payment_type_id: '1',
				invoice_date: today(), due_date: today(),
				line1_description: 'Individual therapy', line1_quantity: '1',
				line1_rate: '240.00',
			});
			const inv = idFrom(loc, '/invoices/');
			await postForm(page, `/invoices/${inv}`, `/invoices/${inv}/issue`, { confirm: '1' });
			check(await balanceDue(page, state.account) === '$240.00', 'balance after the invoice');
		}],
		['New Payment: amount suggested, card chosen, save card with consent', async () => {
			await page.goto(`${BASE}/accounts/${state.account}`);
			await Promise.all([
				page.waitForURL(/\/payments\/new/),
				page.getByRole('link', { name: /New payment/ }).first().click(),
			]);
			check(await page.locator('#amount').inputValue() === '240.00',
			    `amount prefilled with ${await page.locator('#amount').inputValue()}`);
			await page.selectOption('#method', 'card');
			await page.locator('#amount').fill('150.00');
			await page.locator('#memo').fill('Monthly service payment');
			await page.locator('#save_method').check();
			await page.locator('input[name="consent_agree"]').check();
			await page.locator('#consent_signer').fill('Dana Whitfield');
			await page.locator('#received_date').waitFor({ state: 'hidden' });
			await shot(page, 'new-payment', vp);
			noProblems();
		}],
		['payment step: card typed into the secure form', async () => {
			await Promise.all([
				page.waitForSelector('#payment-element'),
				page.getByRole('button', { name: /Continue to payment/ }).click(),
			]);
			await page.getByText('Card payment').first().waitFor();
			await waitPayReady(page);
			await fillCard(page, CARD_OK);
			await shot(page, 'payment-step', vp);
			noProblems();
		}],
		['Process payment: success, receipt, balance drops', async () => {
			await processPayment(page);
			state.paid = idFrom(page.url(), '/payments/');
			check(/notice=paid_saved/.test(page.url()), `after paying: ${page.url()}`);
			await page.getByText('Payment of $150.00 received.').waitFor();
			await page.getByText('$90.00').first().waitFor();
			await page.getByText(/Visa ending 4242/).first().waitFor();
			await shot(page, 'success', vp);
			check(await balanceDue(page, state.account) === '$90.00', 'balance after the card payment');
			noProblems();
		}],
		['the saved card is listed with its authorization', async () => {
			const section = page.locator('#payment-methods');
			await section.getByText('4242').waitFor();
			await section.getByText('authorized').waitFor();
			await shot(page, 'financial', vp);
			await page.goto(`${BASE}/accounts/${state.account}/payment-methods`);
			await page.getByText('4242').first().waitFor();
			await shot(page, 'payment-methods', vp);
			noProblems();
		}],
		['charge the saved card', async () => {
			await page.goto(`${BASE}/accounts/${state.account}/payments/new`);
			const saved = page.locator('#method option', { hasText: /Saved: Visa ending 4242/ });
			check(await saved.count() === 1, 'the saved card is offered');
			await page.selectOption('#method', await saved.getAttribute('value'));
			check(await page.locator('#amount').inputValue() === '90.00', 'amount = rest of the balance');
			await Promise.all([
				page.waitForURL(/\/payments\/\d+\?notice=paid/),
				page.getByRole('button', { name: /Charge saved method/ }).click(),
			]);
			await page.getByText('Payment of $90.00 received.').waitFor();
			check(await balanceDue(page, state.account) === '$0.00', 'balance after the saved card');
			noProblems();
		}],
		['a declined card shows what to do', async () => {
			await page.goto(`${BASE}/accounts/${state.account}/payments/new`);
			await page.selectOption('#method', 'card');
			await page.locator('#amount').fill('50.00');
			await page.getByRole('button', { name: /Continue to payment/ }).click();
			await waitPayReady(page);
			// the decline is the confirm call's 402, as from Stripe's API
			allowConsoleError(/status of 402 .*\/v1\/payment_intents\/[^/ ]+\/confirm/);
			await fillCard(page, CARD_DECLINED);
			await processPayment(page);
			state.declined = idFrom(page.url(), '/payments/');
			await page.getByRole('heading', { name: 'Card declined' }).waitFor();
			await page.getByText('Ask the client to use a different card.').waitFor();
			await page.getByText('Nothing was charged').waitFor();
			await page.getByRole('button', { name: 'Try again' }).waitFor();
			await shot(page, 'decline', vp);
			check(await balanceDue(page, state.account) === '$0.00', 'a decline posts nothing');
			noProblems();
		}],
		['try again opens a new payment step', async () => {
			await page.goto(`${BASE}/payments/${state.declined}`);
			await page.getByRole('button', { name: 'Try again' }).click();
			await waitPayReady(page);
			check(!page.url().endsWith(`/payments/${state.declined}`), 'a new attempt');
			noProblems();
		}],
		['Cancel payment on the payment step cancels the attempt', async () => {
			const action = await page.locator('#pay-cancel').getAttribute('action');
			const id = idFrom(action, '/payments/');
			page.once('dialog', (d) => d.accept());
			await Promise.all([
				page.waitForURL(new RegExp(`/payments/${id}\\?notice=failed$`)),
				page.getByRole('button', { name: 'Cancel payment' }).click(),
			]);
			await page.getByRole('heading', { name: 'Payment canceled' }).waitFor();
			await page.getByText('Nothing was charged').waitFor();
			check(await page.getByRole('button', { name: 'Cancel payment' }).count() === 0,
			    'no cancel button on a canceled payment');
			await shot(page, 'canceled', vp);
			check(await balanceDue(page, state.account) === '$0.00', 'a cancel posts nothing');
			noProblems();
		}],
		['partial refund of the card payment', async () => {
			await page.goto(`${BASE}/payments/${state.paid}`);
			await page.getByText('Refund this payment').click();
			check(await page.locator('#refund_amount').inputValue() === '150.00', 'refund defaults to the refundable amount');
			await page.locator('#refund_amount').fill('20.00');
			await page.locator('#refund_reason').fill('Session canceled');
			await Promise.all([
				page.waitForURL(/notice=refunded/),
				page.getByRole('button', { name: /Refund to the card/ }).click(),
			]);
			await page.getByText('The refund was made.').waitFor();
			await page.locator('#refunds').getByText('Session canceled').waitFor();
			check(await balanceDue(page, state.account) === '$20.00', 'the refund reopens $20.00');
			noProblems();
		}],
		['email the receipt', async () => {
			await page.goto(`${BASE}/payments/${state.paid}`);
			await Promise.all([
				page.waitForURL(/notice=emailed/),
				page.getByRole('button', { name: 'Email receipt' }).click(),
			]);
			await page.getByText('The receipt is on its way by email.').waitFor();
			noProblems();
		}],
		['a bank (ACH) payment stays pending', async () => {
			// the sandbox holds it in processing until the next step settles it
			await sandbox('/_sandbox/config', 'ach_delay_ms=3600000');
			await page.goto(`${BASE}/accounts/${state.account}/payments/new`);
			await page.selectOption('#method', 'ach');
			check(await page.locator('#amount').inputValue() === '20.00', 'ACH amount = balance');
			await page.getByRole('button', { name: /Continue to payment/ }).click();
			await waitPayReady(page);
			const frame = page.frameLocator('#payment-element iframe');
			await frame.locator('#holder').waitFor({ state: 'visible' });
			// a bank payment's intent offers the bank form only: no card tab
			check(await frame.locator('.tab').count() === 0, 'the ACH step offers other methods');
			await frame.locator('#holder').fill('Dana Whitfield');
			await frame.locator('#routing').fill('110000000');
			await frame.locator('#account').fill('000123456789');
			await frame.locator('#account2').fill('000123456789');
			await processPayment(page);
			check(/notice=processing/.test(page.url()), `after the bank payment: ${page.url()}`);
			await page.getByText('Pending — bank payments take a few days').waitFor();
			check(await page.getByText('Payment of $20.00 received').count() === 0, 'ACH is not shown as paid');
			await shot(page, 'ach-pending', vp);
			state.ach = idFrom(page.url(), '/payments/');
			noProblems();
		}],
		['the bank payment settles later (webhook) and is then received', async () => {
			await sandbox('/_sandbox/ach/settle', '');
			await sandbox('/_sandbox/config', 'ach_delay_ms=3000');
			// the webhook's arrival is what we wait for: polled, generous deadline
			const until = Date.now() + 60000;
			for (;;) {
				await page.goto(`${BASE}/payments/${state.ach}`);
				if (await page.locator('h1 .badge', { hasText: /received/i }).count() > 0)
					break;
				check(Date.now() < until, 'the settled ACH payment was not received within 60 s');
				await page.waitForTimeout(250);
			}
			check(await balanceDue(page, state.account) === '$0.00', 'balance after the ACH payment');
		}],
		['add a card through a SetupIntent, then its authorization', async () => {
			await page.goto(`${BASE}/accounts/${state.account}/payment-methods`);
			await page.getByRole('button', { name: '+ Add card' }).click();
			await waitPayReady(page);
			await fillCard(page, '5555555555554444');
			await shot(page, 'add-card', vp);
			await Promise.all([
				page.waitForURL(/\/consents\?notice=added/),
				page.locator('#pay-button').click(),
			]);
			const sel = await page.locator('#payment_method_id option:checked').innerText();
			check(/Mastercard ending 4444/.test(sel), `the new card is chosen: ${sel}`);
			await page.locator('input[name="scope"][value="up_to_amount"]').check();
			await page.locator('#max_amount').fill('100.00');
			await page.locator('input[name="consent_agree"]').check();
			await page.locator('#signer_name').fill('Sam Whitfield');
			await Promise.all([
				page.waitForURL(/notice=recorded/),
				page.getByRole('button', { name: 'Save authorization' }).click(),
			]);
			await page.getByText('Sam Whitfield').first().waitFor();
			noProblems();
		}],
		['revoke an authorization', async () => {
			page.once('dialog', (d) => d.accept());
			const row = page.locator('tr', { hasText: 'Sam Whitfield' });
			await Promise.all([
				page.waitForURL(/notice=revoked/),
				row.getByRole('button', { name: 'Revoke' }).click(),
			]);
			await page.locator('tr', { hasText: 'Sam Whitfield' }).getByText('revoked').waitFor();
			noProblems();
		}],
		['payment history with Stripe status and failure reasons', async () => {
			await page.goto(`${BASE}/accounts/${state.account}`);
			await page.getByRole('link', { name: /Payment history/ }).first().click();
			await page.getByText('Card declined').first().waitFor();
			await page.getByText('Bank (ACH)').first().waitFor();
			await page.getByText(/pi_/).first().waitFor();
			await shot(page, 'history', vp);
			noProblems();
		}],
		['consent page', async () => {
			await page.goto(`${BASE}/accounts/${state.account}/consents`);
			await page.getByText('Dana Whitfield', { exact: true }).first().waitFor();
			await page.getByText('auth-v1').first().waitFor();
			await shot(page, 'consent', vp);
			noProblems();
		}],
	], (step) => shot(page, `fail-${step.replace(/\W+/g, '-')}`, vp));
	await context.close();
}

// The same pages at phone size (screenshots and layout).
async function phoneFlow(browser) {
	const vp = PHONE;
	const { context, page, problems } = await newPage(browser, vp);
	const noProblems = () => check(problems.length === 0, problems.join('; '));
	const fits = async () => expectNoSidewaysScroll(page);

	await flow(vp.name, [
		['sign in', async () => {
			check(state.account && state.paid && state.declined, 'needs the desktop flow');
			await signIn(page);
		}],
		['new payment', async () => {
			await page.goto(`${BASE}/accounts/${state.account}/payments/new`);
			await page.selectOption('#method', 'card');
			await page.locator('#amount').fill('25.00');
			await page.locator('#save_method').check();
			await fits();
			await shot(page, 'new-payment', vp);
			await page.locator('#save_method').uncheck();
			noProblems();
		}],
		['payment step', async () => {
			await page.getByRole('button', { name: /Continue to payment/ }).click();
			await waitPayReady(page);
			await fillCard(page, CARD_OK);
			await fits();
			await shot(page, 'payment-step', vp);
			noProblems();
		}],
		['success, decline, methods, consent pages', async () => {
			await page.goto(`${BASE}/payments/${state.paid}?notice=paid_saved`);
			await fits();
			await shot(page, 'success', vp);
			await page.goto(`${BASE}/payments/${state.declined}`);
			await page.getByRole('heading', { name: 'Card declined' }).waitFor();
			await fits();
			await shot(page, 'decline', vp);
			await page.goto(`${BASE}/accounts/${state.account}/payment-methods`);
			await fits();
			await shot(page, 'payment-methods', vp);
			await page.goto(`${BASE}/accounts/${state.account}/consents`);
			await fits();
			await shot(page, 'consent', vp);
			noProblems();
		}],
	], (step) => shot(page, `fail-${step.replace(/\W+/g, '-')}`, vp));
	await context.close();
}

run('e2e stripe-staff', RUN_TIMEOUT_MS, async (browser) => {
	await desktopFlow(browser);
	await phoneFlow(browser);
	await flow('card data', [
		['no request to our server carried a card number', async () => {
			check(guard.ours > 20 && guard.oursWithBody > 5,
			    `only ${guard.ours} requests (${guard.oursWithBody} with a body) to our server were seen`);
			check(guard.leaks.length === 0, `card number sent to our server: ${guard.leaks.join(', ')}`);
		}],
		['the card numbers went to the sandbox (the guard sees them)', async () => {
			check(guard.sandboxCard >= 4, `${guard.sandboxCard} sandbox requests carried a test card or account`);
		}],
	], async () => {});
	if (standinStyleBlocks)
		console.log(`NOTE: the Stripe.js stand-in had ${standinStyleBlocks} inline style attributes blocked by the CSP (style-src 'self')`);
	console.log(`checked ${guard.ours} requests to ${OUR_ORIGIN}; ${guard.sandboxCard} card/bank posts went to ${SANDBOX_ORIGIN}`);
});
