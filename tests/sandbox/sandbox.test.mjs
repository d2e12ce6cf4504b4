// API tests of the bundled Stripe sandbox (scripts/sandbox/), run with
//   node --test tests/sandbox/
// Each group starts the real sandbox process on a free port with a temporary
// state file, plus a local webhook receiver that verifies every signature.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { createHmac } from 'node:crypto';
import {
	startSandbox, startReceiver, tmpdir, waitFor, SK, PK, WHSEC, api,
} from './helpers.mjs';

const CARD = (number, extra = {}) => ({
	type: 'card', card: { number, exp_month: '12', exp_year: String(new Date().getFullYear() + 3), cvc: '123' },
	billing_details: { address: { postal_code: '94110', country: 'US' } }, ...extra,
});

describe('stripe sandbox API', () => {
	let sb;
	let rx;
	let dir;

	before(async () => {
		dir = tmpdir();
		rx = await startReceiver();
		sb = await startSandbox({
			state: path.join(dir, 'state.json'), webhookUrl: rx.url,
			extra: ['--ach-delay-ms', '300', '--webhook-retry-base-ms', '40'],
		});
	});
	after(async () => {
		await sb?.stop();
		await rx?.close();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	const flush = () => sb.control('POST', '/_sandbox/webhooks/flush');
	const eventsFor = async (id) => {
		await flush();
		return rx.forObject(id).map((d) => d.type);
	};

	test('authentication: none, wrong key, publishable key on a secret-only endpoint', async () => {
		let r = await api(sb.url, 'GET', '/v1/customers', {}, { key: null });
		assert.equal(r.status, 401);
		assert.equal(r.body.error.type, 'invalid_request_error');
		assert.match(r.body.error.message, /did not provide an API key/);
		r = await api(sb.url, 'GET', '/v1/customers', {}, { key: 'sk_test_wrong0000000000000' });
		assert.equal(r.status, 401);
		assert.match(r.body.error.message, /^Invalid API Key provided: sk_test_\*+0000$/);
		r = await api(sb.url, 'GET', '/v1/customers', {}, { key: PK });
		assert.equal(r.status, 401);
		r = await sb.api('GET', '/v1/customers', {}, { basic: false });	// Bearer
		assert.equal(r.status, 200);
		assert.equal(r.body.object, 'list');
		assert.equal(r.body.url, '/v1/customers');
	});

	test('customers: create, retrieve, update default payment method, 404', async () => {
		const c = (await sb.api('POST', '/v1/customers', { name: 'Ada', email: 'ada@example.com', metadata: { account: '17' } })).body;
		assert.match(c.id, /^cus_[A-Za-z0-9]{24}$/);
		assert.equal(c.object, 'customer');
		assert.equal(c.metadata.account, '17');
		assert.equal(typeof c.created, 'number');
		const pm = (await sb.api('POST', '/v1/payment_methods/pm_card_visa/attach', { customer: c.id })).body;
		assert.match(pm.id, /^pm_/);
		assert.notEqual(pm.id, 'pm_card_visa');
		assert.equal(pm.customer, c.id);
		assert.equal(pm.card.brand, 'visa');
		assert.equal(pm.card.last4, '4242');
		let r = await sb.api('POST', `/v1/customers/${c.id}`, { invoice_settings: { default_payment_method: pm.id } });
		assert.equal(r.status, 200);
		assert.equal(r.body.invoice_settings.default_payment_method, pm.id);
		r = await sb.api('GET', `/v1/customers/${c.id}`, { expand: ['invoice_settings.default_payment_method'] });
		assert.equal(r.body.invoice_settings.default_payment_method.card.last4, '4242');
		r = await sb.api('GET', '/v1/customers/cus_missing');
		assert.equal(r.status, 404);
		assert.equal(r.body.error.code, 'resource_missing');
		assert.equal(r.body.error.type, 'invalid_request_error');
		r = await sb.api('POST', '/v1/customers', { nonsense: '1' });
		assert.equal(r.status, 400);
		assert.match(r.body.error.message, /unknown parameter: nonsense/);
	});

	test('raw card numbers are refused with the secret key (only Stripe.js sends them)', async () => {
		const r = await sb.api('POST', '/v1/payment_methods', CARD('4242424242424242'));
		assert.equal(r.status, 400);
		assert.equal(r.body.error.param, 'card[number]');
		const ok = await sb.api('POST', '/v1/payment_methods', CARD('4242424242424242'), { key: PK });
		assert.equal(ok.status, 200);
		assert.equal(ok.body.card.last4, '4242');
		const bad = await sb.api('POST', '/v1/payment_methods', CARD('4242424242424241'), { key: PK });
		assert.equal(bad.status, 402);
		assert.equal(bad.body.error.code, 'incorrect_number');
	});

	// Each documented test card, typed in (publishable key, like the
	// Stripe.js stand-in) and then charged with the secret key.
	const OUTCOMES = [
		['4242424242424242', null, null, 'visa'],
		['5555555555554444', null, null, 'mastercard'],
		['4000000000000002', 'card_declined', 'generic_decline', 'visa', 'Your card was declined.'],
		['4000000000009995', 'card_declined', 'insufficient_funds', 'visa', 'Your card has insufficient funds.'],
		['4000000000000069', 'expired_card', 'expired_card', 'visa', 'Your card has expired.'],
		['4000000000000127', 'incorrect_cvc', 'incorrect_cvc', 'visa', "Your card's security code is incorrect."],
		['4000000000000119', 'processing_error', 'processing_error', 'visa', 'An error occurred while processing your card. Try again in a little bit.'],
	];
	for (const [number, code, decline, brand, message] of OUTCOMES) {
		test(`test card ${number} -> ${code || 'succeeded'}`, async () => {
			const pm = (await sb.api('POST', '/v1/payment_methods', CARD(number), { key: PK })).body;
			assert.equal(pm.card.brand, brand);
			const r = await sb.api('POST', '/v1/payment_intents', {
				amount: 2500, currency: 'usd', payment_method: pm.id, confirm: 'true',
				payment_method_types: ['card'], metadata: { order: number.slice(-4) },
			});
			if (!code) {
				assert.equal(r.status, 200);
				assert.equal(r.body.status, 'succeeded');
				assert.equal(r.body.amount_received, 2500);
				assert.match(r.body.latest_charge, /^ch_/);
				const ch = (await sb.api('GET', `/v1/charges/${r.body.latest_charge}`)).body;
				assert.equal(ch.status, 'succeeded');
				assert.equal(ch.payment_method_details.card.last4, number.slice(-4));
				assert.deepEqual(await eventsFor(r.body.id), ['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
				return;
			}
			assert.equal(r.status, 402);
			const e = r.body.error;
			assert.equal(e.type, 'card_error');
			assert.equal(e.code, code);
			assert.equal(e.decline_code, decline);
			assert.equal(e.message, message);
			assert.equal(e.payment_intent.status, 'requires_payment_method');
			assert.equal(e.payment_intent.last_payment_error.code, code);
			assert.equal(e.payment_intent.payment_method, null);
			const pi = (await sb.api('GET', `/v1/payment_intents/${e.payment_intent.id}`, { expand: ['latest_charge'] })).body;
			assert.equal(pi.status, 'requires_payment_method');
			assert.equal(pi.latest_charge.status, 'failed');
			assert.equal(pi.latest_charge.failure_code, code);
			assert.deepEqual(await eventsFor(pi.id), ['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed']);
		});
	}

	test('test PaymentMethod ids: chargeCustomerFail, authenticationRequired, declines', async () => {
		const c = (await sb.api('POST', '/v1/customers', { name: 'Off Session' })).body;
		// attaches fine, then charging it fails
		const pm = (await sb.api('POST', '/v1/payment_methods/pm_card_chargeCustomerFail/attach', { customer: c.id })).body;
		assert.equal(pm.customer, c.id);
		let r = await sb.api('POST', '/v1/payment_intents', { amount: 1000, currency: 'usd', customer: c.id, payment_method: pm.id, confirm: 'true', off_session: 'true' });
		assert.equal(r.status, 402);
		assert.equal(r.body.error.code, 'card_declined');
		// declining cards cannot be attached
		r = await sb.api('POST', '/v1/payment_methods/pm_card_visa_chargeDeclined/attach', { customer: c.id });
		assert.equal(r.status, 402);
		assert.equal(r.body.error.decline_code, 'generic_decline');
		// authentication required: off-session -> 402 authentication_required
		const pa = (await sb.api('POST', '/v1/payment_methods/pm_card_authenticationRequired/attach', { customer: c.id })).body;
		r = await sb.api('POST', '/v1/payment_intents', { amount: 1000, currency: 'usd', customer: c.id, payment_method: pa.id, confirm: 'true', off_session: 'true' });
		assert.equal(r.status, 402);
		assert.equal(r.body.error.code, 'authentication_required');
		assert.equal(r.body.error.decline_code, 'authentication_required');
		assert.equal(r.body.error.payment_intent.status, 'requires_payment_method');
		// on-session -> requires_action, then the 3-D Secure page completes it
		r = await sb.api('POST', '/v1/payment_intents', { amount: 1000, currency: 'usd', customer: c.id, payment_method: pa.id, confirm: 'true' });
		assert.equal(r.status, 200);
		assert.equal(r.body.status, 'requires_action');
		assert.equal(r.body.next_action.type, 'use_stripe_sdk');
		const pi = r.body;
		const auth = await fetch(`${sb.url}/v3/authenticate`, {
			method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: `intent=${pi.id}&client_secret=${pi.client_secret}&outcome=complete`,
		});
		assert.equal((await auth.json()).status, 'succeeded');
		assert.equal((await sb.api('GET', `/v1/payment_intents/${pi.id}`)).body.status, 'succeeded');
		assert.deepEqual(await eventsFor(pi.id), ['payment_intent.created', 'payment_intent.requires_action', 'charge.succeeded', 'payment_intent.succeeded']);
		// with a return_url: redirect_to_url
		r = await sb.api('POST', '/v1/payment_intents', { amount: 1000, currency: 'usd', customer: c.id, payment_method: pa.id, confirm: 'true', return_url: 'https://billing.example/return' });
		assert.equal(r.body.next_action.type, 'redirect_to_url');
		assert.equal(r.body.next_action.redirect_to_url.return_url, 'https://billing.example/return');
	});

	test('setup intent saves a card; saved card charged off-session; list, default, detach', async () => {
		const c = (await sb.api('POST', '/v1/customers', { email: 'save@example.com' })).body;
		let si = (await sb.api('POST', '/v1/setup_intents', { customer: c.id, payment_method_types: ['card'], usage: 'off_session' })).body;
		assert.match(si.id, /^seti_/);
		assert.match(si.client_secret, new RegExp(`^${si.id}_secret_[A-Za-z0-9]+$`));
		assert.equal(si.status, 'requires_payment_method');
		// Stripe.js flow: publishable key + client secret
		const pm = (await sb.api('POST', '/v1/payment_methods', CARD('5555555555554444'), { key: PK })).body;
		let r = await sb.api('POST', `/v1/setup_intents/${si.id}/confirm`, { payment_method: pm.id, client_secret: 'seti_wrong_secret_x' }, { key: PK });
		assert.equal(r.status, 400);
		assert.equal(r.body.error.param, 'client_secret');
		r = await sb.api('POST', `/v1/setup_intents/${si.id}/confirm`, { payment_method: pm.id, client_secret: si.client_secret }, { key: PK });
		assert.equal(r.status, 200);
		assert.equal(r.body.status, 'succeeded');
		assert.equal(r.body.customer, undefined, 'publishable-key view hides the customer');
		si = (await sb.api('GET', `/v1/setup_intents/${si.id}`)).body;
		assert.equal(si.payment_method, pm.id);
		const list = (await sb.api('GET', '/v1/payment_methods', { customer: c.id, type: 'card' })).body;
		assert.equal(list.object, 'list');
		assert.deepEqual(list.data.map((x) => x.id), [pm.id]);
		assert.equal(list.data[0].card.brand, 'mastercard');
		assert.deepEqual(await eventsFor(si.id), ['setup_intent.created', 'setup_intent.succeeded']);
		await flush();
		assert.ok(rx.ok().some((d) => d.type === 'payment_method.attached' && d.event.data.object.id === pm.id));
		// charge the saved card off-session
		r = await sb.api('POST', '/v1/payment_intents', { amount: 4200, currency: 'usd', customer: c.id, payment_method: pm.id, confirm: 'true', off_session: 'true' });
		assert.equal(r.body.status, 'succeeded');
		// default + detach clears the default
		await sb.api('POST', `/v1/customers/${c.id}`, { invoice_settings: { default_payment_method: pm.id } });
		r = await sb.api('POST', `/v1/payment_methods/${pm.id}/detach`);
		assert.equal(r.body.customer, null);
		assert.equal((await sb.api('GET', `/v1/customers/${c.id}`)).body.invoice_settings.default_payment_method, null);
		assert.equal((await sb.api('GET', `/v1/customers/${c.id}/payment_methods`)).body.data.length, 0);
		await flush();
		const det = rx.ok().find((d) => d.type === 'payment_method.detached' && d.event.data.object.id === pm.id);
		assert.equal(det.event.data.previous_attributes.customer, c.id);
		// a detached PaymentMethod cannot be used again
		r = await sb.api('POST', '/v1/payment_intents', { amount: 4200, currency: 'usd', payment_method: pm.id, confirm: 'true' });
		assert.equal(r.status, 400);
	});

	test('setup_future_usage=off_session attaches the card on success', async () => {
		const c = (await sb.api('POST', '/v1/customers', { name: 'Save on pay' })).body;
		const pi = (await sb.api('POST', '/v1/payment_intents', { amount: 5000, currency: 'usd', customer: c.id, setup_future_usage: 'off_session', payment_method_types: ['card'] })).body;
		assert.equal(pi.status, 'requires_payment_method');
		const pm = (await sb.api('POST', '/v1/payment_methods', CARD('4242424242424242'), { key: PK })).body;
		const r = await sb.api('POST', `/v1/payment_intents/${pi.id}/confirm`, { payment_method: pm.id, client_secret: pi.client_secret }, { key: PK });
		assert.equal(r.status, 200);
		assert.equal(r.body.status, 'succeeded');
		assert.equal((await sb.api('GET', `/v1/payment_methods/${pm.id}`)).body.customer, c.id);
		const again = await sb.api('POST', '/v1/payment_intents', { amount: 100, currency: 'usd', customer: c.id, payment_method: pm.id, confirm: 'true', off_session: 'true' });
		assert.equal(again.body.status, 'succeeded');
	});

	test('ACH: processing, then succeeded / failed (account_closed) after the delay, with events', async () => {
		const c = (await sb.api('POST', '/v1/customers', { name: 'Bank' })).body;
		const run = async (account) => {
			const pi = (await sb.api('POST', '/v1/payment_intents', { amount: 12345, currency: 'usd', customer: c.id, payment_method_types: ['us_bank_account'] })).body;
			const pm = (await sb.api('POST', '/v1/payment_methods', {
				type: 'us_bank_account', billing_details: { name: 'Jenny Rosen' },
				us_bank_account: { routing_number: '110000000', account_number: account, account_holder_type: 'individual' },
			}, { key: PK })).body;
			assert.equal(pm.us_bank_account.last4, account.slice(-4));
			assert.equal(pm.us_bank_account.bank_name, 'STRIPE TEST BANK');
			const r = await sb.api('POST', `/v1/payment_intents/${pi.id}/confirm`, {
				payment_method: pm.id, client_secret: pi.client_secret,
				mandate_data: { customer_acceptance: { type: 'online', online: { infer_from_client: 'true' } } },
			}, { key: PK });
			assert.equal(r.status, 200);
			assert.equal(r.body.status, 'processing');
			assert.equal((await sb.api('GET', `/v1/payment_intents/${pi.id}`)).body.status, 'processing');
			const done = await waitFor(async () => {
				const p = (await sb.api('GET', `/v1/payment_intents/${pi.id}`)).body;
				return p.status !== 'processing' && p;
			}, { what: 'ACH settlement' });
			return done;
		};
		const t0 = Date.now();
		const ok = await run('000123456789');
		assert.ok(Date.now() - t0 >= 250, 'stayed in processing for the delay');
		assert.equal(ok.status, 'succeeded');
		assert.equal(ok.amount_received, 12345);
		assert.deepEqual(await eventsFor(ok.id), ['payment_intent.created', 'charge.pending', 'payment_intent.processing', 'charge.succeeded', 'payment_intent.succeeded']);
		const bad = await run('000111111113');
		assert.equal(bad.status, 'requires_payment_method');
		assert.equal(bad.last_payment_error.code, 'account_closed');
		const ch = (await sb.api('GET', `/v1/charges/${bad.latest_charge}`)).body;
		assert.equal(ch.status, 'failed');
		assert.equal(ch.failure_code, 'account_closed');
		assert.deepEqual(await eventsFor(bad.id), ['payment_intent.created', 'charge.pending', 'payment_intent.processing', 'charge.failed', 'payment_intent.payment_failed']);
	});

	test('idempotency: replay, mismatch, per-key scope, declines replayed, concurrent retries -> one PaymentIntent', async () => {
		const key = `idem-${Date.now()}`;
		const params = { amount: 999, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true', metadata: { attempt: '1' } };
		const a = await sb.api('POST', '/v1/payment_intents', params, { idem: key });
		const b = await sb.api('POST', '/v1/payment_intents', params, { idem: key });
		assert.equal(a.status, 200);
		assert.equal(b.status, 200);
		assert.equal(b.body.id, a.body.id);
		assert.equal(b.text, a.text);
		assert.equal(b.headers.get('idempotent-replayed'), 'true');
		assert.equal(a.headers.get('idempotent-replayed'), null);
		const c = await sb.api('POST', '/v1/payment_intents', { ...params, amount: 1000 }, { idem: key });
		assert.equal(c.status, 400);
		assert.equal(c.body.error.type, 'idempotency_error');
		const d = await sb.api('POST', '/v1/customers', {}, { idem: key });
		assert.equal(d.status, 400, 'same key on another endpoint');
		// scoped per API key: the publishable key has its own key space
		const e = await sb.api('POST', '/v1/payment_methods', CARD('4242424242424242'), { key: PK, idem: key });
		assert.equal(e.status, 200);
		// a decline (402) is remembered and replayed
		const dk = `${key}-decline`;
		const d1 = await sb.api('POST', '/v1/payment_intents', { amount: 999, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: 'true' }, { idem: dk });
		const d2 = await sb.api('POST', '/v1/payment_intents', { amount: 999, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: 'true' }, { idem: dk });
		assert.equal(d1.status, 402);
		assert.equal(d2.status, 402);
		assert.equal(d2.body.error.payment_intent.id, d1.body.error.payment_intent.id);
		// 50 concurrent submissions with one key -> exactly one PaymentIntent and one charge
		const ck = `${key}-concurrent`;
		const before = (await sb.control('GET', '/_sandbox/requests?path=/v1/payment_intents&method=POST')).last_seq;
		const rs = await Promise.all(Array.from({ length: 50 }, () => sb.api('POST', '/v1/payment_intents', { amount: 5100, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true' }, { idem: ck })));
		assert.equal(new Set(rs.map((r) => r.body.id)).size, 1);
		assert.ok(rs.every((r) => r.status === 200));
		const log = (await sb.control('GET', `/_sandbox/requests?path=/v1/payment_intents&method=POST&idempotency_key=${ck}&since=${before}`)).data;
		assert.equal(log.length, 50);
		assert.equal(log.filter((x) => !x.replayed).length, 1, 'one request executed, 49 replayed');
		const charges = (await sb.api('GET', '/v1/charges', { payment_intent: rs[0].body.id })).body.data;
		assert.equal(charges.length, 1);
	});

	test('refunds: partial, rest, over-refund error, charge.refunded events', async () => {
		const pi = (await sb.api('POST', '/v1/payment_intents', { amount: 10000, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true' })).body;
		let r = await sb.api('POST', '/v1/refunds', { payment_intent: pi.id, amount: 2500, reason: 'requested_by_customer' });
		assert.equal(r.status, 200);
		assert.match(r.body.id, /^re_/);
		assert.equal(r.body.object, 'refund');
		assert.equal(r.body.amount, 2500);
		assert.equal(r.body.status, 'succeeded');
		assert.equal(r.body.charge, pi.latest_charge);
		assert.equal((await sb.api('GET', `/v1/refunds/${r.body.id}`)).body.amount, 2500);
		r = await sb.api('POST', '/v1/refunds', { payment_intent: pi.id, amount: 8000 });
		assert.equal(r.status, 400);
		assert.equal(r.body.error.type, 'invalid_request_error');
		assert.equal(r.body.error.code, 'amount_too_large');
		assert.equal(r.body.error.param, 'amount');
		r = await sb.api('POST', '/v1/refunds', { payment_intent: pi.id });	// the rest
		assert.equal(r.body.amount, 7500);
		const ch = (await sb.api('GET', `/v1/charges/${pi.latest_charge}`)).body;
		assert.equal(ch.amount_refunded, 10000);
		assert.equal(ch.refunded, true);
		r = await sb.api('POST', '/v1/refunds', { payment_intent: pi.id, amount: 1 });
		assert.equal(r.status, 400);
		assert.equal(r.body.error.code, 'charge_already_refunded');
		await flush();
		const refunded = rx.ok().filter((d) => d.type === 'charge.refunded' && d.event.data.object.id === pi.latest_charge);
		assert.deepEqual(refunded.map((d) => d.event.data.object.amount_refunded), [2500, 10000]);
		assert.equal(refunded[1].event.data.previous_attributes.amount_refunded, 2500);
		const list = (await sb.api('GET', '/v1/refunds', { payment_intent: pi.id })).body;
		assert.equal(list.data.length, 2);
		// refunding a failed payment
		const f = await sb.api('POST', '/v1/payment_intents', { amount: 500, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: 'true' });
		r = await sb.api('POST', '/v1/refunds', { payment_intent: f.body.error.payment_intent.id });
		assert.equal(r.status, 400);
	});

	test('cancel; confirming a succeeded PaymentIntent is an error', async () => {
		const pi = (await sb.api('POST', '/v1/payment_intents', { amount: 700, currency: 'usd' })).body;
		let r = await sb.api('POST', `/v1/payment_intents/${pi.id}/cancel`, { cancellation_reason: 'abandoned' });
		assert.equal(r.body.status, 'canceled');
		assert.equal(r.body.cancellation_reason, 'abandoned');
		assert.deepEqual(await eventsFor(pi.id), ['payment_intent.created', 'payment_intent.canceled']);
		const ok = (await sb.api('POST', '/v1/payment_intents', { amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true' })).body;
		r = await sb.api('POST', `/v1/payment_intents/${ok.id}/confirm`, { payment_method: 'pm_card_visa' });
		assert.equal(r.status, 400);
		assert.equal(r.body.error.code, 'payment_intent_unexpected_state');
		r = await sb.api('POST', `/v1/payment_intents/${ok.id}/cancel`);
		assert.equal(r.status, 400);
		r = await sb.api('POST', '/v1/payment_intents', { amount: 10, currency: 'usd' });
		assert.equal(r.body.error.code, 'amount_too_small');
		r = await sb.api('POST', '/v1/payment_intents', { currency: 'usd' });
		assert.equal(r.body.error.code, 'parameter_missing');
		assert.equal(r.body.error.param, 'amount');
	});

	test('events: retrieve, list with ?type=, webhook bodies are the stored events', async () => {
		const pi = (await sb.api('POST', '/v1/payment_intents', { amount: 1234, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true' })).body;
		const list = (await sb.api('GET', '/v1/events', { type: 'payment_intent.succeeded', limit: 5 })).body;
		assert.equal(list.object, 'list');
		assert.ok(list.data.length >= 1 && list.data.length <= 5);
		assert.ok(list.data.every((e) => e.type === 'payment_intent.succeeded'));
		const ev = list.data.find((e) => e.data.object.id === pi.id);
		assert.match(ev.id, /^evt_/);
		assert.equal(ev.object, 'event');
		assert.equal(ev.data.object.status, 'succeeded');
		const got = (await sb.api('GET', `/v1/events/${ev.id}`)).body;
		assert.equal(got.id, ev.id);
		const page = (await sb.api('GET', '/v1/events', { limit: 2 })).body;
		assert.equal(page.data.length, 2);
		assert.equal(page.has_more, true);
		const next = (await sb.api('GET', '/v1/events', { limit: 2, starting_after: page.data[1].id })).body;
		assert.ok(next.data[0].created <= page.data[1].created);
		assert.notEqual(next.data[0].id, page.data[1].id);
		await flush();
		const d = rx.ok().find((x) => x.id === ev.id);
		assert.equal(d.event.data.object.id, pi.id);
	});

	test('webhook signature verifiable with crypto.createHmac; no bad signatures seen', async () => {
		const pi = (await sb.api('POST', '/v1/payment_intents', { amount: 4321, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true' })).body;
		await flush();
		const d = rx.ok().find((x) => x.type === 'payment_intent.succeeded' && x.event.data.object.id === pi.id);
		const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(d.signature);
		assert.ok(m, d.signature);
		const expect = createHmac('sha256', WHSEC).update(`${m[1]}.${d.raw}`).digest('hex');
		assert.equal(m[2], expect);
		assert.ok(Math.abs(Number(m[1]) - Date.now() / 1000) < 60);
		assert.equal(rx.badSignatures, 0);
	});

	test('dispute test card opens a dispute; search by metadata', async () => {
		const pi = (await sb.api('POST', '/v1/payment_intents', { amount: 6600, currency: 'usd', payment_method: 'pm_card_createDispute', confirm: 'true', metadata: { payment_attempt: 'pa-991' } })).body;
		assert.equal(pi.status, 'succeeded');
		await flush();
		const d = rx.ok().find((x) => x.type === 'charge.dispute.created' && x.event.data.object.payment_intent === pi.id);
		assert.ok(d, 'charge.dispute.created delivered');
		assert.match(d.event.data.object.id, /^dp_/);
		assert.equal(d.event.data.object.charge, pi.latest_charge);
		const found = (await sb.api('GET', '/v1/payment_intents/search', { query: "metadata['payment_attempt']:'pa-991' AND status:'succeeded'" })).body;
		assert.equal(found.object, 'search_result');
		assert.deepEqual(found.data.map((x) => x.id), [pi.id]);
	});

	test('sandbox request log and health', async () => {
		const h = await sb.control('GET', '/_sandbox/health');
		assert.equal(h.ok, true);
		assert.ok(h.counts.payment_intent > 0);
		const log = await sb.control('GET', '/_sandbox/requests?path_prefix=/v1/payment_methods&method=POST');
		assert.ok(log.data.length > 0);
		const text = JSON.stringify(log);
		assert.ok(!text.includes('4242424242424242'), 'card numbers are redacted in the log');
	});
});

describe('webhook delivery: retries, duplicates, shuffle', () => {
	let dir;
	before(() => {
		dir = tmpdir();
	});
	after(() => fs.rmSync(dir, { recursive: true, force: true }));

	test('retries with backoff when the receiver answers 500 first', async () => {
		const rx = await startReceiver({ respond: (ev, n) => (ev.type === 'payment_intent.succeeded' && n <= 2 ? 500 : 200) });
		const sb = await startSandbox({ state: path.join(dir, 'retry.json'), webhookUrl: rx.url, extra: ['--webhook-retry-base-ms', '100'] });
		try {
			const pi = (await sb.api('POST', '/v1/payment_intents', { amount: 800, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true' })).body;
			await waitFor(() => rx.ok().some((d) => d.type === 'payment_intent.succeeded'), { what: 'retried delivery' });
			const tries = rx.deliveries.filter((d) => d.type === 'payment_intent.succeeded');
			assert.deepEqual(tries.map((d) => d.status), [500, 500, 200]);
			assert.ok(tries[1].at - tries[0].at >= 90, 'first backoff ~100 ms');
			assert.ok(tries[2].at - tries[1].at >= 190, 'second backoff ~200 ms');
			assert.equal(new Set(tries.map((d) => d.id)).size, 1, 'same event id on every try');
			const log = await sb.control('GET', '/_sandbox/webhooks');
			const att = log.deliveries.filter((x) => x.type === 'payment_intent.succeeded').map((x) => x.attempt);
			assert.deepEqual(att, [1, 2, 3]);
			const ev = (await sb.api('GET', '/v1/events', { type: 'payment_intent.succeeded' })).body.data[0];
			assert.equal(ev.data.object.id, pi.id);
			assert.equal(ev.pending_webhooks, 0);
			// a receiver that is down: network errors are retried too
			await rx.close();
			await sb.api('POST', '/v1/customers', { name: 'while down' });
			const st = await waitFor(async () => {
				const w = await sb.control('GET', '/_sandbox/webhooks');
				return w.deliveries.some((x) => x.error) ? w : null;
			}, { what: 'a network error recorded' });
			assert.ok(st.pending.length >= 1, 'kept for a retry');
		} finally {
			await sb.stop();
			await rx.close();
		}
	});

	test('--duplicate-webhooks and --shuffle-webhooks: every event twice, out of order', async () => {
		const rx = await startReceiver();
		const sb = await startSandbox({ state: path.join(dir, 'dup.json'), webhookUrl: rx.url, extra: ['--duplicate-webhooks', '--shuffle-webhooks', '--shuffle-window-ms', '5000'] });
		try {
			for (let i = 0; i < 6; i++)
				await sb.api('POST', '/v1/payment_intents', { amount: 1000 + i, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true' });
			// every delivery is queued and held: none has gone out
			await waitFor(async () => (await sb.control('GET', '/_sandbox/webhooks')).pending.length === 36,
			    { what: '36 deliveries held' });
			assert.equal(rx.deliveries.length, 0, 'held during the shuffle window');
			const r = await sb.control('POST', '/_sandbox/webhooks/flush');
			assert.equal(r.pending, 0);
			const created = (await sb.api('GET', '/v1/events', { limit: 100 })).body.data.reverse().map((e) => e.id);
			assert.equal(created.length, 18);
			const got = rx.ok().map((d) => d.id);
			assert.equal(got.length, 36);
			for (const id of created)
				assert.equal(got.filter((x) => x === id).length, 2, `event ${id} delivered twice`);
			const firstSeen = [...new Set(got)];
			assert.notDeepEqual(firstSeen, created, 'delivery order differs from creation order');
			// switch both off at run time: in order, once
			await sb.control('POST', '/_sandbox/config', { duplicate_webhooks: false, shuffle_webhooks: false });
			const n0 = rx.deliveries.length;
			const pi = (await sb.api('POST', '/v1/payment_intents', { amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true' })).body;
			await sb.control('POST', '/_sandbox/webhooks/flush');
			assert.deepEqual(rx.deliveries.slice(n0).map((d) => d.type), ['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
			assert.equal(rx.deliveries.at(-1).event.data.object.id, pi.id);
		} finally {
			await sb.stop();
			await rx.close();
		}
	});
});

describe('persistence', () => {
	test('state survives a restart: objects, idempotency keys, pending ACH and webhooks', async () => {
		const dir = tmpdir();
		const state = path.join(dir, 'state.json');
		const rx = await startReceiver();
		let sb = await startSandbox({ state, webhookUrl: rx.url, extra: ['--ach-delay-ms', '1500'] });
		try {
			const c = (await sb.api('POST', '/v1/customers', { name: 'Persisted' })).body;
			const pm = (await sb.api('POST', '/v1/payment_methods/pm_card_visa/attach', { customer: c.id })).body;
			const pi = (await sb.api('POST', '/v1/payment_intents', { amount: 3000, currency: 'usd', customer: c.id, payment_method: pm.id, confirm: 'true', off_session: 'true' }, { idem: 'persist-1' })).body;
			const ach = (await sb.api('POST', '/v1/payment_intents', { amount: 3100, currency: 'usd', payment_method: 'pm_usBankAccount_success', payment_method_types: ['us_bank_account'], confirm: 'true' })).body;
			assert.equal(ach.status, 'processing');
			assert.ok(fs.readFileSync(`${state}.journal`, 'utf8').includes(c.id), 'written on change');
			await sb.stop();
			sb = await startSandbox({ state, webhookUrl: rx.url, extra: ['--ach-delay-ms', '1500'] });
			assert.equal((await sb.api('GET', `/v1/customers/${c.id}`)).body.name, 'Persisted');
			assert.equal((await sb.api('GET', `/v1/payment_intents/${pi.id}`)).body.status, 'succeeded');
			assert.equal((await sb.api('GET', '/v1/payment_methods', { customer: c.id })).body.data[0].id, pm.id);
			const again = await sb.api('POST', '/v1/payment_intents', { amount: 3000, currency: 'usd', customer: c.id, payment_method: pm.id, confirm: 'true', off_session: 'true' }, { idem: 'persist-1' });
			assert.equal(again.body.id, pi.id);
			assert.equal(again.headers.get('idempotent-replayed'), 'true');
			const settled = await waitFor(async () => {
				const p = (await sb.api('GET', `/v1/payment_intents/${ach.id}`)).body;
				return p.status !== 'processing' && p;
			}, { what: 'ACH settlement after restart' });
			assert.equal(settled.status, 'succeeded');
			await sb.control('POST', '/_sandbox/webhooks/flush');
			assert.ok(rx.ok().some((d) => d.type === 'payment_intent.succeeded' && d.event.data.object.id === ach.id));
			// reset empties everything
			await sb.control('POST', '/_sandbox/reset');
			assert.equal((await sb.api('GET', `/v1/customers/${c.id}`)).status, 404);
		} finally {
			await sb.stop();
			await rx.close();
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});

// Stripe's v1 API takes "true"/"false" in any letter case (stripe-python sent
// True/False for years) and refuses anything else, "1" too.
describe('booleans as Stripe reads them', () => {
	let sb;
	let dir;

	before(async () => {
		dir = tmpdir();
		sb = await startSandbox({ state: path.join(dir, 'state.json') });
	});
	after(async () => {
		await sb?.stop();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	const create = (extra) => sb.api('POST', '/v1/payment_intents', {
		amount: 1200, currency: 'usd', payment_method: 'pm_card_visa', ...extra,
	});

	for (const v of ['true', 'True', 'TRUE']) {
		test(`confirm=${v} confirms`, async () => {
			const r = await create({ confirm: v });
			assert.equal(r.status, 200, r.text);
			assert.equal(r.body.status, 'succeeded');
		});
	}
	for (const v of ['false', 'False']) {
		test(`confirm=${v} does not`, async () => {
			const r = await create({ confirm: v });
			assert.equal(r.status, 200, r.text);
			assert.equal(r.body.status, 'requires_confirmation');
		});
	}
	for (const v of ['1', '0', 'yes', 'on']) {
		test(`confirm=${v} is refused as at Stripe`, async () => {
			const r = await create({ confirm: v });
			assert.equal(r.status, 400);
			assert.equal(r.body.error.type, 'invalid_request_error');
			assert.equal(r.body.error.param, 'confirm');
			assert.equal(r.body.error.message, `Invalid boolean: ${v}`);
		});
	}
	test('off_session=False is on-session (3-D Secure asked), True off-session (declined)', async () => {
		const c = (await sb.api('POST', '/v1/customers', { name: 'Bool' })).body;
		const pa = (await sb.api('POST', '/v1/payment_methods/pm_card_authenticationRequired/attach', { customer: c.id })).body;
		const pay = (off) => sb.api('POST', '/v1/payment_intents', { amount: 1000, currency: 'usd', customer: c.id, payment_method: pa.id, confirm: 'true', off_session: off });
		let r = await pay('False');
		assert.equal(r.status, 200, r.text);
		assert.equal(r.body.status, 'requires_action');
		r = await pay('True');
		assert.equal(r.status, 402);
		assert.equal(r.body.error.code, 'authentication_required');
		r = await pay('1');
		assert.equal(r.status, 400);
		assert.equal(r.body.error.param, 'off_session');
	});
});

// The state is kept as a snapshot plus an append-only journal: a change
// appends what changed (it does not rewrite the whole file), a crash loses
// nothing that was answered, a torn last line is ignored, and the journal
// is folded into the snapshot on start.
describe('persistence: snapshot and journal', () => {
	test('a change appends to the journal; the snapshot is not rewritten', async () => {
		const dir = tmpdir();
		const state = path.join(dir, 'state.json');
		const journal = `${state}.journal`;
		const sb = await startSandbox({ state });
		try {
			for (let i = 0; i < 300; i++)
				await sb.api('POST', '/v1/customers', { name: `Padding ${i}`, description: 'x'.repeat(500) });
			const snap = fs.statSync(state);
			const before = fs.statSync(journal).size;
			const c = (await sb.api('POST', '/v1/customers', { name: 'One more' })).body;
			const after = fs.statSync(journal).size;
			assert.ok(after > before, 'the journal grew');
			assert.ok(after - before < 8000, `one customer appended ${after - before} bytes`);
			assert.ok(fs.readFileSync(journal, 'utf8').slice(before).includes(c.id));
			const snap2 = fs.statSync(state);
			assert.equal(snap2.mtimeMs, snap.mtimeMs, 'snapshot rewritten');
			assert.equal(snap2.size, snap.size);
			// reads write nothing
			await sb.api('GET', `/v1/customers/${c.id}`);
			await sb.api('GET', '/v1/customers', { limit: 100 });
			assert.equal(fs.statSync(journal).size, after);
		} finally {
			await sb.stop();
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});

	test('SIGKILL loses nothing answered; a torn last line is ignored; start compacts', async () => {
		const dir = tmpdir();
		const state = path.join(dir, 'state.json');
		const journal = `${state}.journal`;
		let sb = await startSandbox({ state });
		let c;
		let pi;
		try {
			c = (await sb.api('POST', '/v1/customers', { name: 'Journaled' })).body;
			await sb.api('POST', `/v1/customers/${c.id}`, { name: 'Journaled again' });
			pi = (await sb.api('POST', '/v1/payment_intents', { amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true' }, { idem: 'journal-1' })).body;
			const gone = (await sb.api('POST', '/v1/customers', { name: 'Deleted' })).body;
			await sb.api('DELETE', `/v1/customers/${gone.id}`);
			sb.proc.kill('SIGKILL');
			await new Promise((r) => sb.proc.once('exit', r));
			fs.appendFileSync(journal, '{"s":"o:customer","k":"cus_torn","v":{"id":');
			sb = await startSandbox({ state });
			assert.equal((await sb.api('GET', `/v1/customers/${c.id}`)).body.name, 'Journaled again');
			assert.equal((await sb.api('GET', `/v1/customers/${gone.id}`)).status, 404);
			assert.equal((await sb.api('GET', '/v1/customers/cus_torn')).status, 404);
			const again = await sb.api('POST', '/v1/payment_intents', { amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true' }, { idem: 'journal-1' });
			assert.equal(again.body.id, pi.id);
			assert.equal(again.headers.get('idempotent-replayed'), 'true');
			// folded into the snapshot on start
			assert.equal(fs.statSync(journal).size, 0);
			assert.ok(JSON.parse(fs.readFileSync(state, 'utf8')).objects.customer[c.id]);
			const list = (await sb.api('GET', '/v1/customers', { limit: 10 })).body.data.map((x) => x.id);
			assert.deepEqual(list, [c.id]);
		} finally {
			await sb.stop();
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});
