// Browser test of the sandbox's Stripe.js stand-in, in headless Chromium
// (/usr/bin/chromium driven by playwright-core).  A small shop page is served
// by this test on its own port (cross-origin to the sandbox, as in
// production); it loads <script src="SANDBOX/v3">, mounts the Payment
// Element and confirms.  Every request the page's server receives is kept and
// checked for card numbers.  Screenshots: tests/artifacts/sandbox/.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { startSandbox, startReceiver, tmpdir, PK, TOP } from './helpers.mjs';

const CHROMIUM = process.env.ITEST_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = path.join(process.env.ITEST_ARTIFACTS_DIR || path.join(TOP, 'tests', 'artifacts'), 'sandbox');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
	'--disable-component-update', '--disable-sync', '--disable-quic'];

let chromium = null;
try {
	({ chromium } = await import('playwright-core'));
} catch {
	chromium = null;
}
const skip = !chromium ? 'playwright-core is not installed' : !fs.existsSync(CHROMIUM) ? `${CHROMIUM} not found` : false;

// A browser test that cannot run fails: it must never pass by skipping.
if (skip) {
	test('Stripe.js stand-in: the browser test can run', () => {
		assert.fail(`cannot run: ${skip} (scripts/check installs it; ITEST_CHROMIUM names the browser)`);
	});
}

const APP_JS = `
(function () {
	var q = new URLSearchParams(location.search);
	var stripe = Stripe(q.get('pk'));
	var kind = q.get('kind') || 'payment';
	var elements = stripe.elements({ clientSecret: q.get('cs') || undefined, appearance: { theme: 'stripe', variables: { colorPrimary: '#2563eb', borderRadius: '8px' } } });
	var el = elements.create(q.get('el') || 'payment', q.get('el') === 'card' ? {} : { layout: 'tabs' });
	window.__events = [];
	el.on('ready', function () { window.__events.push('ready'); document.body.dataset.ready = '1'; });
	el.on('change', function (e) { window.__events.push('change:' + (e.complete ? 'complete' : 'incomplete')); });
	el.mount('#pe');
	document.getElementById('f').addEventListener('submit', function (ev) {
		ev.preventDefault();
		var btn = document.getElementById('pay');
		btn.disabled = true;
		var p = kind === 'setup'
			? stripe.confirmSetup({ elements: elements, confirmParams: { return_url: location.origin + '/done' }, redirect: 'if_required' })
			: stripe.confirmPayment({ elements: elements, confirmParams: { return_url: location.origin + '/done', payment_method_data: { billing_details: { email: 'payer@example.com' } } }, redirect: 'if_required' });
		p.then(function (r) {
			btn.disabled = false;
			var out = document.getElementById('result');
			if (r.error) {
				out.dataset.status = 'error';
				out.dataset.code = r.error.code || '';
				out.textContent = r.error.message;
			} else {
				var it = r.paymentIntent || r.setupIntent;
				out.dataset.status = it.status;
				out.dataset.id = it.id;
				out.textContent = 'Status: ' + it.status;
			}
		});
	});
})();
`;

function pageHtml(sandboxUrl) {
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pay invoice</title>
<style>
body { margin: 0; background: #f3f4f8; font-family: -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2330; }
.card { max-width: 520px; margin: 24px auto; background: #fff; padding: 22px 20px 24px; border-radius: 12px; box-shadow: 0 1px 3px rgba(0,0,0,.08), 0 8px 24px rgba(0,0,0,.06); }
h1 { font-size: 19px; margin: 0 0 4px; } p { margin: 0 0 16px; color: #5b6070; font-size: 14px; }
button { margin-top: 16px; width: 100%; font: inherit; font-weight: 600; font-size: 16px; color: #fff; background: #2563eb; border: 0; border-radius: 8px; padding: 12px; }
#result { margin-top: 12px; font-size: 14px; min-height: 18px; }
#result[data-status=error] { color: #c0262d; }
@media (max-width: 560px) { .card { margin: 0; border-radius: 0; box-shadow: none; min-height: 100vh; } }
</style>
<script src="${sandboxUrl}/v3"></script>
</head><body>
<div class="card" id="card">
<h1>Invoice INV-0042</h1><p>Balance due $25.00</p>
<form id="f" action="/never" method="post"><div id="pe"></div><button id="pay" type="submit">Pay $25.00</button></form>
<div id="result" role="status"></div>
</div>
<script src="/app.js"></script>
</body></html>`;
}

describe('Stripe.js stand-in in headless Chromium', { skip }, () => {
	let dir;
	let sb;
	let rx;
	let shop;
	let shopUrl;
	let browser;
	const seen = [];	// every request the shop's server received

	before(async () => {
		fs.mkdirSync(ARTIFACTS, { recursive: true });
		dir = tmpdir();
		rx = await startReceiver();
		sb = await startSandbox({ state: path.join(dir, 'state.json'), webhookUrl: rx.url, extra: ['--ach-delay-ms', '60000'] });
		shop = http.createServer((req, res) => {
			const chunks = [];
			req.on('data', (c) => chunks.push(c));
			req.on('end', () => {
				seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
				const u = new URL(req.url, 'http://x');
				if (u.pathname === '/pay') {
					res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': `default-src 'self'; script-src 'self' ${sb.url}; frame-src ${sb.url}; connect-src ${sb.url}; style-src 'self' 'unsafe-inline'` });
					res.end(pageHtml(sb.url));
				} else if (u.pathname === '/app.js') {
					res.writeHead(200, { 'Content-Type': 'application/javascript' });
					res.end(APP_JS);
				} else if (u.pathname === '/favicon.ico') {
					res.writeHead(204);
					res.end();
				} else {
					res.writeHead(404);
					res.end();
				}
			});
		});
		await new Promise((r) => shop.listen(0, '127.0.0.1', r));
		shopUrl = `http://127.0.0.1:${shop.address().port}`;
		browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
	});

	after(async () => {
		await browser?.close();
		await new Promise((r) => (shop ? shop.close(() => r()) : r()));
		await sb?.stop();
		await rx?.close();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	const VIEWPORTS = [
		{ name: '390', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
		{ name: '1280', viewport: { width: 1280, height: 800 }, isMobile: false },
	];

	async function openPay(vp, params) {
		const ctx = await browser.newContext({ viewport: vp.viewport, isMobile: vp.isMobile, hasTouch: !!vp.hasTouch });
		const page = await ctx.newPage();
		const errors = [];
		page.on('pageerror', (e) => errors.push(e.message));
		page.on('console', (m) => {
			if (m.type() === 'error')
				errors.push(m.text());
		});
		const q = new URLSearchParams({ pk: PK, ...params });
		await page.goto(`${shopUrl}/pay?${q}`);
		await page.waitForSelector('body[data-ready="1"]', { timeout: 10000 });
		const frame = page.frameLocator('#pe iframe');
		return { ctx, page, frame, errors };
	}

	async function fillCard(frame, number, { zip = true } = {}) {
		await frame.locator('#number').pressSequentially(number, { delay: 5 });
		await frame.locator('#expiry').pressSequentially('1234', { delay: 5 });
		await frame.locator('#cvc').pressSequentially('123', { delay: 5 });
		if (zip)
			await frame.locator('#postal').fill('94110');
	}

	async function pay(page) {
		await page.click('#pay');
		await page.waitForSelector('#result[data-status]', { timeout: 15000 });
		return page.evaluate(() => ({ ...document.getElementById('result').dataset, text: document.getElementById('result').textContent }));
	}

	async function newPI(params = {}) {
		return (await sb.api('POST', '/v1/payment_intents', { amount: 2500, currency: 'usd', payment_method_types: ['card'], ...params })).body;
	}

	for (const vp of VIEWPORTS) {
		test(`card payment succeeds at ${vp.name} px; the shop's server never sees the card number`, async () => {
			const pi = await newPI();
			const { ctx, page, frame, errors } = await openPay(vp, { cs: pi.client_secret });
			try {
				await frame.locator('#number').waitFor();
				assert.equal(await frame.locator('#number').getAttribute('autocomplete'), 'cc-number');
				await page.locator('#card').screenshot({ path: path.join(ARTIFACTS, `payment-element-empty-${vp.name}.png`) });
				await fillCard(frame, '4242424242424242');
				assert.equal(await frame.locator('#number').inputValue(), '4242 4242 4242 4242');
				assert.equal(await frame.locator('#expiry').inputValue(), '12 / 34');
				await page.locator('#card').screenshot({ path: path.join(ARTIFACTS, `payment-element-filled-${vp.name}.png`) });
				const r = await pay(page);
				assert.equal(r.status, 'succeeded', r.text);
				assert.equal(r.id, pi.id);
				const server = (await sb.api('GET', `/v1/payment_intents/${pi.id}`, { expand: ['payment_method'] })).body;
				assert.equal(server.status, 'succeeded');
				assert.equal(server.payment_method.card.last4, '4242');
				assert.equal(server.payment_method.billing_details.email, 'payer@example.com');
				assert.equal(server.payment_method.billing_details.address.postal_code, '94110');
				const evs = await page.evaluate(() => window.__events);
				assert.ok(evs.includes('ready') && evs.includes('change:complete'), evs.join(','));
				// where did the card data go?  Only to the sandbox, from its own frame.
				const log = (await sb.control('GET', '/_sandbox/requests?path=/v1/payment_methods&method=POST')).data.at(-1);
				assert.equal(log.origin, sb.url, 'posted by the sandbox-origin iframe');
				assert.equal(log.auth, 'publishable');
				assert.equal(log.params.card.number, '****4242');
				const all = JSON.stringify(seen);
				assert.ok(!/4242\s?4242\s?4242\s?4242/.test(all), 'card number reached the shop server');
				assert.ok(!all.includes('"cvc"') && !all.includes('exp_month'), 'card details reached the shop server');
				assert.ok(seen.every((s) => s.method === 'GET'), 'the shop page never posted anything');
				assert.deepEqual(errors, []);
			} finally {
				await ctx.close();
			}
		});
	}

	test('a declined card shows Stripe\'s error; validation errors stop before any request', async () => {
		const pi = await newPI();
		const { ctx, page, frame } = await openPay(VIEWPORTS[0], { cs: pi.client_secret });
		try {
			await frame.locator('#number').pressSequentially('4242', { delay: 5 });
			const before = (await sb.control('GET', '/_sandbox/requests')).last_seq;
			let r = await pay(page);
			assert.equal(r.status, 'error');
			assert.equal(r.code, 'incomplete_number');
			assert.equal(await frame.locator('#number-err').textContent(), 'Your card number is incomplete.');
			const after = (await sb.control('GET', `/_sandbox/requests?since=${before}&path_prefix=/v1/`)).data;
			assert.equal(after.length, 0, 'no API request for an incomplete form');
			await page.locator('#card').screenshot({ path: path.join(ARTIFACTS, 'payment-element-invalid-390.png') });
			await frame.locator('#number').fill('');
			await page.evaluate(() => {
				delete document.getElementById('result').dataset.status;
			});
			await fillCard(frame, '4000000000000002');
			r = await pay(page);
			assert.equal(r.status, 'error');
			assert.equal(r.code, 'card_declined');
			assert.equal(r.text, 'Your card was declined.');
			assert.equal((await sb.api('GET', `/v1/payment_intents/${pi.id}`)).body.status, 'requires_payment_method');
		} finally {
			await ctx.close();
		}
	});

	for (const vp of VIEWPORTS) {
		test(`US bank account tab at ${vp.name} px: ACH payment goes to processing`, async () => {
			const pi = await newPI({ payment_method_types: ['card', 'us_bank_account'] });
			const { ctx, page, frame } = await openPay(vp, { cs: pi.client_secret });
			try {
				await frame.locator('.tab[data-type="us_bank_account"]').click();
				await frame.locator('#holder').fill('Jenny Rosen');
				await frame.locator('#routing').fill('110000000');
				await frame.locator('#account').fill('000123456789');
				await frame.locator('#account2').fill('000123456789');
				await page.locator('#card').screenshot({ path: path.join(ARTIFACTS, `payment-element-bank-${vp.name}.png`) });
				const r = await pay(page);
				assert.equal(r.status, 'processing', r.text);
				const server = (await sb.api('GET', `/v1/payment_intents/${pi.id}`, { expand: ['payment_method'] })).body;
				assert.equal(server.payment_method.type, 'us_bank_account');
				assert.equal(server.payment_method.us_bank_account.last4, '6789');
				assert.equal(server.payment_method.billing_details.name, 'Jenny Rosen');
				assert.ok(!JSON.stringify(seen).includes('000123456789'), 'account number reached the shop server');
			} finally {
				await ctx.close();
			}
		});
	}

	test('3-D Secure card: the authentication modal completes the payment', async () => {
		const pi = await newPI();
		const { ctx, page, frame } = await openPay(VIEWPORTS[1], { cs: pi.client_secret });
		try {
			await fillCard(frame, '4000002760003184');
			await page.click('#pay');
			const auth = page.frameLocator('iframe[title="Payment authentication"]');
			await auth.locator('#complete').waitFor({ timeout: 10000 });
			await auth.locator('#amount').filter({ hasText: '$25.00' }).waitFor();
			await page.screenshot({ path: path.join(ARTIFACTS, 'authenticate-modal-1280.png') });
			await auth.locator('#complete').click();
			await page.waitForSelector('#result[data-status]', { timeout: 10000 });
			assert.equal(await page.getAttribute('#result', 'data-status'), 'succeeded');
			assert.equal((await sb.api('GET', `/v1/payment_intents/${pi.id}`)).body.status, 'succeeded');
		} finally {
			await ctx.close();
		}
	});

	test('confirmSetup saves a card to the customer; the card Element works too', async () => {
		const c = (await sb.api('POST', '/v1/customers', { name: 'Setup in browser' })).body;
		const si = (await sb.api('POST', '/v1/setup_intents', { customer: c.id, payment_method_types: ['card'] })).body;
		let o = await openPay(VIEWPORTS[0], { cs: si.client_secret, kind: 'setup' });
		try {
			await fillCard(o.frame, '5555555555554444');
			const r = await pay(o.page);
			assert.equal(r.status, 'succeeded', r.text);
			const pms = (await sb.api('GET', `/v1/customers/${c.id}/payment_methods`)).body.data;
			assert.equal(pms.length, 1);
			assert.equal(pms[0].card.brand, 'mastercard');
		} finally {
			await o.ctx.close();
		}
		const pi = await newPI();
		o = await openPay(VIEWPORTS[0], { cs: pi.client_secret, el: 'card' });
		try {
			await fillCard(o.frame, '4242424242424242', { zip: true });
			await o.page.locator('#card').screenshot({ path: path.join(ARTIFACTS, 'card-element-390.png') });
			const r = await pay(o.page);
			assert.equal(r.status, 'succeeded', r.text);
		} finally {
			await o.ctx.close();
		}
	});
});
