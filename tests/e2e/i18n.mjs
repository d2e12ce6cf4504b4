// Browser test of the client pages in Spanish, on a 390x844 phone: staff
// sends an invoice and the portal activation; the client activates, switches
// the portal to Spanish in the footer (saved on the account), ticks an
// invoice (the "Pay selected" button is rewritten by pay.js in Spanish),
// pays it with 4242 in the Stripe element (which is asked for Spanish too),
// sees the Spanish payment page and history; the pay link of the emailed
// invoice then opens in Spanish for a visitor without a cookie, since it
// follows the account. Then, still in Spanish: a payment plan staff send
// (its status, frequency, method, authorization text and the signing
// error), a part payment with a bad amount (the field's message), and a
// payment in progress on the Billing page and pay link (labelled with its
// amount and state, "Pay everything due" explained). Every page is checked
// for English left over and for text wider than the screen; the whole walk
// runs on a 390x844 phone and a 1366x900 desktop.
// Screenshots: tests/artifacts/e2e/i18n-<page>-<phone|desktop>.png.

import { BASE, PHONE, check, flow, need, run, shooter }
    from './lib/harness.mjs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

const shot = shooter('i18n-');
const STEP_TIMEOUT_MS = 20000;
const MAIL_TIMEOUT_MS = 20000;
const RUN_TIMEOUT_MS = 600000;
const WIDE = { name: 'desktop', viewport: { width: 1366, height: 900 }, isMobile: false };

const PASSWORD = need('ITEST_PASSWORD');
const BILLING = need('ITEST_BILLING_EMAIL');
const MAILDIR = need('ITEST_MAILDIR');
const SANDBOX_ORIGIN = new URL(need('ITEST_SANDBOX_URL')).origin;
const CLIENT_PW = 'harbor lantern meadow 58';
const CARD = '4242424242424242';
const TAG = `${Date.now() % 10000000}`;

// English a Spanish page must not show (whole words of our own labels).
const ENGLISH = /\b(Balance due|Pay selected|Payments|Payment received|How do you want to pay|Continue to payment|Sign out|Download|Invoice \w|Amount due|Back to|Payment in progress|Pay everything due|Awaiting signature|Active|Chosen at each payment|Every 2 weeks|Weekly|Monthly|Scheduled|Down payment|I authorize|authorize|Frequency|installments?|Enter the amount|The amount to pay|Tick the box|Thank you|Payment plan|[A-Z][a-z]+ \d{1,2}, 20\d\d|20\d\d-\d\d-\d\d|started, not confirmed|bank transfer processing)\b/;

async function newPage(browser, vp) {
	const context = await browser.newContext({
		viewport: vp.viewport,
		isMobile: vp.isMobile,
		hasTouch: vp.isMobile,
		deviceScaleFactor: 2,
	});
	const page = await context.newPage();
	page.setDefaultTimeout(STEP_TIMEOUT_MS);
	page.on('console', (m) => {
		// The sandbox's Stripe.js stand-in sets inline styles our CSP
		// blocks (see portal.mjs); nothing of ours may.
		if (m.type() === 'error' && /Applying inline style violates/i.test(m.text()) &&
		    (m.location().url || '').startsWith(SANDBOX_ORIGIN))
			return;
	});
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

// The page is in Spanish: <html lang="es">, none of our English labels,
// nothing wider than the screen, no element whose text is cut off.
async function expectSpanish(page, what) {
	check(await page.getAttribute('html', 'lang') === 'es', `${what}: <html lang> is not es`);
	const text = await page.locator('body').innerText();
	const m = ENGLISH.exec(text);
	check(!m, `${what}: English "${m && m[0]}" on a Spanish page`);
	const { scroll, inner, cut } = await page.evaluate(() => {
		const cut = [];
		for (const el of document.querySelectorAll('h1, h2, h3, p, a, button, label, dt, dd, th, td, li, span, legend')) {
			const cs = getComputedStyle(el);
			if (el.closest('#payment-element, .sr-only') || cs.display === 'none' ||
			    el.offsetParent === null || el.getBoundingClientRect().width <= 2)
				continue;
			// a strip that scrolls sideways on purpose (the tab bar)
			let scroller = false;
			for (let a = el.parentElement; a && !scroller; a = a.parentElement)
				scroller = /auto|scroll/.test(getComputedStyle(a).overflowX) &&
				    a !== document.documentElement && a !== document.body &&
				    !a.classList.contains('table-wrap');
			if (scroller)
				continue;
			if (el.scrollWidth > el.clientWidth + 1 && cs.overflowX !== 'visible' && el.clientWidth > 0)
				cut.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}"`);
			const r = el.getBoundingClientRect();
			if (r.width > 0 && r.right > window.innerWidth + 1)
				cut.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" past the right edge`);
		}
		return { scroll: document.documentElement.scrollWidth, inner: window.innerWidth, cut };
	});
	check(scroll <= inner + 1, `${what}: page is ${scroll}px wide in a ${inner}px viewport`);
	check(cut.length === 0, `${what}: text cut off: ${cut.slice(0, 5).join('; ')}`);
}

async function staffSignIn(page) {
	await page.goto(`${BASE}/login`);
	const form = page.locator('form[action="/login"]');
	await form.locator('input[name="email"]').fill(BILLING);
	await form.locator('input[name="password"]').fill(PASSWORD);
	await Promise.all([page.waitForURL(`${BASE}/`), form.locator('button[type="submit"]').click()]);
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

async function spanishFlow(browser, vp) {
	const staff = await newPage(browser, vp);
	const client = await newPage(browser, vp);
	const email = `e2e-i18n-${vp.name}-${TAG}@example.com`;
	let acc = '', first = [], second = [], link = '', plan = '';

	await flow(`spanish ${vp.name}`, [
		['staff posts one invoice, emails another, sends the activation', async () => {
			await staffSignIn(staff.page);
			await staff.page.goto(`${BASE}/accounts/new`);
			const form = staff.page.locator('form[action="/accounts/new"]');
			await form.locator('input[name="name"]').fill(`Lucía Hernández ${TAG}`);
			await form.locator('input[name="email"]').fill(email);
			await submit(staff.page, form.locator('button[type="submit"]'));
			acc = /^\/accounts\/(\d+)$/.exec(pathOf(staff.page))[1];
			first = await newInvoice(staff.page, acc, 'Sesión de terapia individual', '125.00');
			await sendInvoice(staff.page, first[0], false);
			await staff.page.goto(`${BASE}/accounts/${acc}`);
			await submit(staff.page, staff.page.getByRole('button', { name: 'Send payment portal activation link' }));
		}],
		['the client activates and switches the portal to Spanish', async () => {
			const m = await mailWait(email, /\/portal\/activate\//);
			await client.page.goto(`${BASE}${linkIn(m, '/portal/activate/')}`);
			await client.page.fill('#password', CLIENT_PW);
			await client.page.fill('#password2', CLIENT_PW);
			await submit(client.page, client.page.getByRole('button', { name: /Activate/ }));
			check(pathOf(client.page) === '/portal/billing', `after activation at ${client.page.url()}`);
			await client.page.selectOption('#pt-lang', 'es');
			await submit(client.page, client.page.getByRole('button', { name: 'Change' }));
			check(pathOf(client.page) === '/portal/billing', `after the switch at ${client.page.url()}`);
			await client.page.getByText('Saldo a pagar').first().waitFor();
			await expectSpanish(client.page, 'billing');
			await shot(client.page, 'billing', vp);
		}],
		['ticking the invoice labels the button in Spanish', async () => {
			await client.page.locator(`input[name="invoice"][value="${first[0]}"]`).check();
			const btn = client.page.locator('#pay-selected');
			await client.page.getByRole('button', { name: 'Pagar 1 seleccionada ($125.00)' }).waitFor();
			check(!/Pay/.test(await btn.innerText()), 'English on the button');
			await expectSpanish(client.page, 'billing, one ticked');
			await shot(client.page, 'billing-selected', vp);
		}],
		['the pay page', async () => {
			await Promise.all([client.page.waitForURL(/\/portal\/pay\?/),
			    client.page.locator('#pay-selected').click()]);
			await client.page.getByText('¿Cómo desea pagar?').first().waitFor();
			await expectSpanish(client.page, 'pay');
			await shot(client.page, 'pay', vp);
		}],
		['pays with a new card in the Spanish Stripe element', async () => {
			await client.page.locator('input[name="pay_with"][value="card"]').check();
			await submit(client.page, client.page.getByRole('button', { name: /^Pagar (\$125\.00|ahora)$/ }));
			await client.page.locator('#payment-element iframe').waitFor();
			check(await client.page.getAttribute('#pay-root', 'data-locale') === 'es', 'element not asked for Spanish');
			await fillCard(client.page);
			await expectSpanish(client.page, 'checkout');
			await shot(client.page, 'checkout', vp);
			await client.page.locator('#pay-submit:not([disabled])').waitFor();
			await Promise.all([client.page.waitForURL(/\/portal\/payments\/\d+$/),
			    client.page.locator('#pay-submit').click()]);
			await client.page.waitForLoadState('load');
			await client.page.getByText('Pago recibido').first().waitFor();
			await expectSpanish(client.page, 'payment');
			await shot(client.page, 'payment', vp);
		}],
		['the payment history', async () => {
			await client.page.goto(`${BASE}/portal/payments`);
			await client.page.getByText('Su historial de pagos y recibos.').first().waitFor();
			await expectSpanish(client.page, 'payments');
			await shot(client.page, 'payments', vp);
		}],
		['staff send a payment plan; the client reads it in Spanish', async () => {
			await newInvoice(staff.page, acc, 'Programa intensivo', '300.00');
			await staff.page.goto(`${BASE}/accounts/${acc}/plans/new`);
			await staff.page.fill('#installments', '3');
			await staff.page.selectOption('#frequency', 'biweekly');
			let resp = await submit(staff.page, staff.page.getByRole('button', { name: 'Create plan' }));
			check(resp.status() === 303, `POST plan: HTTP ${resp.status()}`);
			plan = /^\/plans\/(\d+)$/.exec(pathOf(staff.page))[1];
			await submit(staff.page, staff.page.getByRole('button', { name: 'Send to portal' }));
			await staff.page.getByText('Awaiting signature').first().waitFor();
			await client.page.goto(`${BASE}/portal/plans/${plan}`);
			await client.page.getByText('Pendiente de firma').first().waitFor();
			await client.page.getByText('Cada 2 semanas').first().waitFor();
			await client.page.getByText('Se elige en cada pago').first().waitFor();
			await client.page.getByText(/Autorizo a .* a cobrar el plan de pago/).first().waitFor();
			await client.page.getByText('Programada').first().waitFor();
			await expectSpanish(client.page, 'plan to sign');
			await shot(client.page, 'plan-sign', vp);
			// unticked: the form again with the reason in Spanish
			await client.page.fill('#signer_name', 'Lucía Hernández');
			resp = await submit(client.page, client.page.getByRole('button', { name: 'Firmar el plan de pago' }));
			check(resp.status() === 422, `unticked: HTTP ${resp.status()}`);
			await client.page.getByText('Marque la casilla para dar la autorización.').first().waitFor();
			await expectSpanish(client.page, 'plan sign error');
			await shot(client.page, 'plan-sign-error', vp);
			await client.page.locator('input[name="authorize"]').check();
			await client.page.fill('#signer_name', 'Lucía Hernández');
			resp = await submit(client.page, client.page.getByRole('button', { name: 'Firmar el plan de pago' }));
			check(resp.status() === 303, `sign: HTTP ${resp.status()}`);
			await client.page.getByText('Gracias: su plan de pago está firmado y activo.').first().waitFor();
			await client.page.getByText('Activo').first().waitFor();
			await expectSpanish(client.page, 'plan signed');
			await shot(client.page, 'plan-signed', vp);
			await client.page.goto(`${BASE}/portal/billing`);
			await client.page.locator('#payment-plans').waitFor();
			await expectSpanish(client.page, 'billing with a plan');
			await shot(client.page, 'billing-plan', vp);
		}],
		['a part payment with a bad amount is refused in Spanish', async () => {
			second = await newInvoice(staff.page, acc, 'Evaluación psicológica', '240.00');
			await sendInvoice(staff.page, second[0], true);
			await client.page.goto(`${BASE}/portal/pay?invoice=${second[0]}`);
			await client.page.fill('#amount', 'abc');
			await client.page.locator('input[name="pay_with"][value="card"]').check();
			const resp = await submit(client.page, client.page.locator('form[action="/portal/pay"] button[type="submit"]'));
			check(resp.status() === 422, `bad amount: HTTP ${resp.status()}`);
			await client.page.getByText('Escriba el importe a pagar en dólares y centavos').first().waitFor();
			await expectSpanish(client.page, 'pay, bad amount');
			await shot(client.page, 'pay-amount-error', vp);
		}],
		['the emailed invoice\'s pay link opens in Spanish for a visitor', async () => {
			const m = await mailWait(email, new RegExp(`Factura ${second[1]}`));
			link = linkIn(m, '/pay/');
			const visitor = await newPage(browser, vp);
			const resp = await visitor.page.goto(`${BASE}${link}`);
			check(resp.status() === 200, `GET pay link: HTTP ${resp.status()}`);
			await visitor.page.getByText('Pagar esta factura').first().waitFor();
			await expectSpanish(visitor.page, 'pay link');
			await shot(visitor.page, 'paylink', vp);
			await submit(visitor.page, visitor.page.getByRole('button', { name: 'Continuar al pago' }));
			await visitor.page.locator('#payment-element iframe').waitFor();
			await expectSpanish(visitor.page, 'pay link checkout');
			await shot(visitor.page, 'paylink-checkout', vp);
			await visitor.context.close();
		}],
		['the payment started by the visitor is labelled in progress, in Spanish', async () => {
			// the visitor left the card form: $240.00 is held, not confirmed
			await client.page.goto(`${BASE}/portal/billing`);
			await client.page.getByText('Pago en curso: $240.00 (iniciado, aún sin confirmar)').first().waitFor();
			await client.page.locator('#inflight-note').getByText(/El saldo a pagar incluye \$240\.00 de facturas con un pago en curso/).waitFor();
			await expectSpanish(client.page, 'billing with a payment in progress');
			await shot(client.page, 'billing-inflight', vp);
			const visitor = await newPage(browser, vp);
			await visitor.page.goto(`${BASE}${link}`);
			await visitor.page.locator('#inflight').getByText('Pago en curso: $240.00').waitFor();
			await expectSpanish(visitor.page, 'pay link with a payment in progress');
			await shot(visitor.page, 'paylink-inflight', vp);
			await visitor.context.close();
		}],
	], async (step) => {
		await shot(client.page, `fail-${step.replace(/\W+/g, '-')}`, vp);
	});
	await staff.context.close();
	await client.context.close();
}

run('e2e i18n', RUN_TIMEOUT_MS, async (browser) => {
	await spanishFlow(browser, PHONE);
	await spanishFlow(browser, WIDE);
});
