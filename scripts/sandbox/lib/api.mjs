// The Stripe API subset, stateful: customers, payment_methods, setup_intents,
// payment_intents, charges, refunds, disputes (retrieve), events.
// Shapes, statuses and error bodies follow Stripe's API reference.

import {
	newId, rand62, now, clone, fingerprint, StripeError, invalid, missing, notFound,
	int, bool, str, strArray, enumv, allow, mergeMetadata,
} from './util.mjs';
import {
	DECLINES, TEST_CARDS, TEST_PMS, TEST_BANK_ACCOUNTS, TEST_BANK_PMS, ACH_FAILURES,
	cardBrand, luhn, abaValid,
} from './testdata.mjs';
import { PREFIX } from './store.mjs';

export const API_VERSION = '2024-06-20';
const PM_TYPES = ['card', 'us_bank_account'];
const DOC = 'https://stripe.com/docs/error-codes/';

const PI_PUBLIC_KEYS = ['id', 'object', 'amount', 'amount_details', 'automatic_payment_methods',
	'canceled_at', 'cancellation_reason', 'capture_method', 'client_secret', 'confirmation_method',
	'created', 'currency', 'description', 'last_payment_error', 'livemode', 'next_action',
	'payment_method', 'payment_method_configuration_details', 'payment_method_types', 'processing',
	'receipt_email', 'setup_future_usage', 'shipping', 'status'];
const SI_PUBLIC_KEYS = ['id', 'object', 'automatic_payment_methods', 'cancellation_reason',
	'client_secret', 'created', 'description', 'last_setup_error', 'livemode', 'next_action',
	'payment_method', 'payment_method_configuration_details', 'payment_method_types', 'status', 'usage'];

function pick(o, keys) {
	const out = {};
	for (const k of keys) {
		if (k in o)
			out[k] = o[k];
	}
	return out;
}

function billingDetails(bd = {}) {
	if (typeof bd !== 'object' || Array.isArray(bd))
		throw invalid('Invalid hash', { param: 'billing_details' });
	const a = typeof bd.address === 'object' && bd.address ? bd.address : {};
	const s = (v) => (typeof v === 'string' && v !== '' ? v : null);
	return {
		address: {
			city: s(a.city), country: s(a.country), line1: s(a.line1), line2: s(a.line2),
			postal_code: s(a.postal_code), state: s(a.state),
		},
		email: s(bd.email), name: s(bd.name), phone: s(bd.phone),
	};
}

function cardError(key, extra = {}) {
	const d = DECLINES[key];
	const e = {
		code: d.code, decline_code: d.decline_code, doc_url: DOC + d.code.replace(/_/g, '-'),
		message: d.message, type: 'card_error', ...extra,
	};
	if (d.param)
		e.param = d.param;
	return e;
}

// off_session is a boolean or, as at Stripe, "one_off" / "recurring".
function offSessionOf(params) {
	const v = params.off_session;
	if (v === 'one_off' || v === 'recurring')
		return true;
	return bool(params, 'off_session') ?? false;
}

export class Api {
	constructor(store, webhooks, config) {
		this.store = store;
		this.webhooks = webhooks;
		this.config = config;
		this.achTimers = new Map();
		this.routes = [];
		this.defineRoutes();
	}

	get base() {
		return this.config.public_url;
	}

	// ---- plumbing ---------------------------------------------------------

	route(method, re, fn, { pk = false } = {}) {
		this.routes.push({ method, re, fn, pk });
	}

	// Returns { status, body } or throws StripeError.
	handle(method, path, params, ctx) {
		let pathMatched = false;
		for (const r of this.routes) {
			const m = r.re.exec(path);
			if (!m)
				continue;
			pathMatched = true;
			if (r.method !== method)
				continue;
			if (ctx.auth === 'publishable' && !r.pk) {
				throw new StripeError(401, {
					message: 'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
					type: 'invalid_request_error',
				});
			}
			const expand = params.expand;
			const body = r.fn.call(this, params, ctx, ...m.slice(1).map(decodeURIComponent));
			let out = body;
			if (expand !== undefined && ctx.auth === 'secret') {
				if (!Array.isArray(expand))
					throw invalid('Invalid array', { param: 'expand' });
				out = clone(body);
				for (const p of expand)
					this.expandPath(out, p.split('.'), p);
			} else {
				out = clone(body);
			}
			return { status: 200, body: out };
		}
		if (pathMatched)
			throw invalid(`Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`, { status: 404 });
		throw invalid(`Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`, { status: 404 });
	}

	lookup(id) {
		const type = PREFIX[String(id).split('_')[0]];
		return type ? this.store.get(type, id) : undefined;
	}

	expandPath(obj, parts, full) {
		if (obj === null || typeof obj !== 'object')
			return;
		if (obj.object === 'list' || obj.object === 'search_result') {
			if (parts[0] !== 'data')
				throw invalid(`This property cannot be expanded (${full}).`, { param: 'expand' });
			for (const item of obj.data)
				this.expandPath(item, parts.slice(1), full);
			return;
		}
		const [head, ...rest] = parts;
		if (!(head in obj))
			throw invalid(`This property cannot be expanded (${full}).`, { param: 'expand' });
		let v = obj[head];
		if (typeof v === 'string') {
			const o = this.lookup(v);
			if (!o)
				throw invalid(`This property cannot be expanded (${full}).`, { param: 'expand' });
			v = obj[head] = clone(o);
		}
		if (rest.length)
			this.expandPath(v, rest, full);
	}

	list(items, params, url) {
		const limit = int(params, 'limit') ?? 10;
		if (limit < 1 || limit > 100)
			throw invalid('This value must be between 1 and 100.', { param: 'limit' });
		let start = 0;
		let end = items.length;
		const sa = str(params, 'starting_after');
		const eb = str(params, 'ending_before');
		if (sa) {
			const i = items.findIndex((o) => o.id === sa);
			if (i < 0)
				throw notFound('object', sa, 'starting_after');
			start = i + 1;
		}
		if (eb) {
			const i = items.findIndex((o) => o.id === eb);
			if (i < 0)
				throw notFound('object', eb, 'ending_before');
			end = i;
			start = Math.max(start, end - limit);
		}
		const data = items.slice(start, Math.min(end, start + limit));
		return { object: 'list', data, has_more: start + limit < end, url };
	}

	createdFilter(items, params) {
		const c = params.created;
		if (c === undefined)
			return items;
		if (typeof c === 'string') {
			const n = int(params, 'created');
			return items.filter((o) => o.created === n);
		}
		const b = {};
		for (const op of ['gt', 'gte', 'lt', 'lte'])
			b[op] = int(c, op);
		return items.filter((o) => (b.gt === undefined || o.created > b.gt)
		    && (b.gte === undefined || o.created >= b.gte)
		    && (b.lt === undefined || o.created < b.lt)
		    && (b.lte === undefined || o.created <= b.lte));
	}

	emit(type, obj, ctx, previous) {
		const ev = {
			id: newId('evt'),
			object: 'event',
			api_version: API_VERSION,
			created: now(),
			data: { object: clone(obj) },
			livemode: false,
			pending_webhooks: 0,
			request: { id: ctx?.requestId ?? null, idempotency_key: ctx?.idempotencyKey ?? null },
			type,
		};
		if (previous)
			ev.data.previous_attributes = clone(previous);
		this.store.put(ev);
		ev.pending_webhooks = this.webhooks.enqueue(ev);
		return ev;
	}

	pmInternal(pm) {
		const st = this.store.state.internal.pm;
		if (!st[pm.id])
			st[pm.id] = {};
		return st[pm.id];
	}

	behavior(pm) {
		const i = this.store.state.internal.pm[pm.id] || {};
		if (pm.type === 'us_bank_account')
			return TEST_BANK_ACCOUNTS[i.key] || { outcome: 'ok' };
		return TEST_CARDS[i.key] || { outcome: 'ok' };
	}

	getOr404(type, id, label, param = 'id') {
		const o = this.store.get(type, id);
		if (!o)
			throw notFound(label, id, param);
		return o;
	}

	checkSecret(obj, params, ctx) {
		if (ctx.auth !== 'publishable')
			return;
		const cs = params.client_secret;
		if (typeof cs !== 'string' || cs === '')
			throw missing('client_secret');
		if (cs !== obj.client_secret) {
			const kind = obj.object === 'payment_intent' ? 'PaymentIntent' : 'SetupIntent';
			throw invalid(`The client_secret provided does not match any associated ${kind} on this account. Ensure the publishable key used belongs to the same account that created the ${kind}.`, { param: 'client_secret', code: 'resource_missing', status: 400 });
		}
	}

	view(obj, ctx) {
		if (ctx.auth !== 'publishable')
			return obj;
		if (obj.object === 'payment_intent')
			return pick(obj, PI_PUBLIC_KEYS);
		if (obj.object === 'setup_intent')
			return pick(obj, SI_PUBLIC_KEYS);
		return obj;
	}

	// ---- customers ----------------------------------------------------------

	createCustomer(params, ctx) {
		allow(params, ['name', 'email', 'phone', 'description', 'metadata', 'address', 'shipping',
			'payment_method', 'invoice_settings', 'preferred_locales', 'tax_exempt']);
		const c = {
			id: newId('cus'), object: 'customer', address: null, balance: 0, created: now(),
			currency: null, default_source: null, delinquent: false,
			description: str(params, 'description') ?? null,
			discount: null,
			email: str(params, 'email') ?? null,
			invoice_prefix: rand62(8).toUpperCase(),
			invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
			livemode: false, metadata: mergeMetadata({}, params),
			name: str(params, 'name') ?? null, next_invoice_sequence: 1,
			phone: str(params, 'phone') ?? null, preferred_locales: strArray(params, 'preferred_locales') ?? [],
			shipping: null, tax_exempt: enumv(params, 'tax_exempt', ['none', 'exempt', 'reverse']) || 'none',
			test_clock: null,
		};
		if (params.address && typeof params.address === 'object')
			c.address = billingDetails({ address: params.address }).address;
		this.store.put(c);
		this.emit('customer.created', c, ctx);
		const pmId = str(params, 'payment_method');
		if (pmId) {
			const pm = this.resolvePM(pmId, ctx, 'payment_method');
			this.attach(pm, c, ctx);
		}
		const dpm = params.invoice_settings?.default_payment_method;
		if (dpm) {
			this.setDefaultPM(c, dpm, ctx, false);
		}
		return c;
	}

	setDefaultPM(c, pmId, ctx, emitUpdate = true) {
		if (pmId === '') {
			const prev = c.invoice_settings.default_payment_method;
			c.invoice_settings.default_payment_method = null;
			return prev;
		}
		const pm = this.store.get('payment_method', pmId);
		if (!pm)
			throw notFound('PaymentMethod', pmId, 'invoice_settings[default_payment_method]');
		if (pm.customer !== c.id)
			throw invalid(`The customer does not have a payment method with the ID ${pmId}. The payment method must be attached to the customer.`, { param: 'invoice_settings[default_payment_method]', code: 'resource_missing' });
		const prev = c.invoice_settings.default_payment_method;
		c.invoice_settings.default_payment_method = pmId;
		return prev;
	}

	updateCustomer(params, ctx, id) {
		allow(params, ['name', 'email', 'phone', 'description', 'metadata', 'address', 'shipping',
			'invoice_settings', 'preferred_locales', 'tax_exempt', 'default_source']);
		const c = this.getOr404('customer', id, 'customer');
		const prev = {};
		const set = (k, v) => {
			if (v === undefined)
				return;
			if (JSON.stringify(c[k]) !== JSON.stringify(v)) {
				prev[k] = clone(c[k]);
				c[k] = v;
			}
		};
		for (const k of ['name', 'email', 'phone', 'description']) {
			const v = str(params, k);
			set(k, v === '' ? null : v);
		}
		if (params.metadata !== undefined)
			set('metadata', mergeMetadata(c.metadata, params));
		if (params.address !== undefined)
			set('address', params.address === '' ? null : billingDetails({ address: params.address }).address);
		if (params.invoice_settings !== undefined) {
			const is = params.invoice_settings;
			if (typeof is !== 'object')
				throw invalid('Invalid hash', { param: 'invoice_settings' });
			if (is.default_payment_method !== undefined) {
				const before = clone(c.invoice_settings);
				const old = this.setDefaultPM(c, is.default_payment_method, ctx);
				if (old !== c.invoice_settings.default_payment_method)
					prev.invoice_settings = before;
			}
		}
		this.store.touch();
		if (Object.keys(prev).length)
			this.emit('customer.updated', c, ctx, prev);
		return c;
	}

	deleteCustomer(params, ctx, id) {
		const c = this.getOr404('customer', id, 'customer');
		for (const pm of this.store.all('payment_method')) {
			if (pm.customer === id) {
				pm.customer = null;
				this.pmInternal(pm).used = true;
				this.store.put(pm);
			}
		}
		this.store.remove('customer', id);
		this.emit('customer.deleted', c, ctx);
		return { id, object: 'customer', deleted: true };
	}

	// ---- payment methods ------------------------------------------------------

	newPM(type, fields, bd, metadata = {}) {
		return {
			id: newId('pm'), object: 'payment_method', allow_redisplay: 'unspecified',
			billing_details: billingDetails(bd), created: now(), customer: null, livemode: false,
			metadata, type, ...fields,
		};
	}

	cardFields(num, expMonth, expYear, checks = {}) {
		const t = TEST_CARDS[num];
		const brand = t?.brand || cardBrand(num);
		return {
			card: {
				brand,
				checks: { address_line1_check: null, address_postal_code_check: checks.postal ?? null, cvc_check: checks.cvc ?? null },
				country: 'US', display_brand: brand === 'amex' ? 'american_express' : brand,
				exp_month: expMonth, exp_year: expYear, fingerprint: fingerprint(num),
				funding: t?.funding || 'credit', generated_from: null, last4: num.slice(-4),
				networks: { available: [brand], preferred: null },
				three_d_secure_usage: { supported: true }, wallet: null,
			},
		};
	}

	bankFields(routing, account, holderType, accountType) {
		return {
			us_bank_account: {
				account_holder_type: holderType, account_type: accountType,
				bank_name: routing === '110000000' ? 'STRIPE TEST BANK' : 'TEST BANK',
				financial_connections_account: null, fingerprint: fingerprint(routing + '/' + account),
				last4: account.slice(-4), networks: { preferred: 'ach', supported: ['ach'] },
				routing_number: routing, status_details: null,
			},
		};
	}

	// A test PaymentMethod id (pm_card_visa ...) becomes a fresh PaymentMethod,
	// as at Stripe.
	resolvePM(id, ctx, param = 'payment_method') {
		if (typeof id !== 'string' || id === '')
			throw missing(param);
		if (TEST_PMS[id]) {
			const num = TEST_PMS[id];
			const y = new Date().getUTCFullYear() + 1;
			const pm = this.newPM('card', this.cardFields(num, new Date().getUTCMonth() + 1, y, { cvc: 'pass' }), {});
			this.store.put(pm);
			this.pmInternal(pm).key = num;
			return pm;
		}
		if (TEST_BANK_PMS[id]) {
			const acct = TEST_BANK_PMS[id];
			const pm = this.newPM('us_bank_account', this.bankFields('110000000', acct, 'individual', 'checking'), { name: 'Jenny Rosen' });
			this.store.put(pm);
			this.pmInternal(pm).key = acct;
			return pm;
		}
		const pm = this.store.get('payment_method', id);
		if (!pm)
			throw notFound('PaymentMethod', id, param);
		return pm;
	}

	pmFromData(data, ctx, param) {
		if (!data || typeof data !== 'object' || Array.isArray(data))
			throw invalid('Invalid hash', { param });
		const type = data.type;
		if (!type)
			throw missing(`${param}[type]`.replace(/^\[|\]$/g, ''));
		if (!PM_TYPES.includes(type))
			throw invalid(`Invalid ${param ? param + '[type]' : 'type'}: the sandbox supports ${PM_TYPES.join(', ')}`, { param: param ? `${param}[type]` : 'type' });
		const p = (n) => (param ? `${param}[${n}]` : n);
		if (type === 'card') {
			const c = data.card;
			if (!c || typeof c !== 'object')
				throw missing(p('card'));
			if (ctx.auth === 'secret' && c.number !== undefined) {
				throw invalid('Sending credit card numbers directly to the Stripe API is generally unsafe. We suggest you use test tokens that map to the test card you are using, see https://stripe.com/docs/testing. To enable testing raw card data APIs, see https://support.stripe.com/questions/enabling-access-to-raw-card-data-apis.', { param: p('card[number]') });
			}
			const num = String(c.number ?? '').replace(/[\s-]/g, '');
			if (num === '')
				throw missing(p('card[number]'));
			const cerr = (code, message, prm) => new StripeError(402, {
				code, doc_url: DOC + code.replace(/_/g, '-'), message, param: prm, type: 'card_error',
			});
			if (!/^\d{12,19}$/.test(num) || !luhn(num))
				throw cerr('incorrect_number', 'Your card number is incorrect.', 'number');
			const em = Number(c.exp_month);
			if (!/^\d{1,2}$/.test(String(c.exp_month ?? '')) || em < 1 || em > 12)
				throw cerr('invalid_expiry_month', "Your card's expiration month is invalid.", 'exp_month');
			let ey = Number(c.exp_year);
			if (!/^\d{2}(\d{2})?$/.test(String(c.exp_year ?? '')))
				throw cerr('invalid_expiry_year', "Your card's expiration year is invalid.", 'exp_year');
			if (ey < 100)
				ey += 2000;
			const d = new Date();
			if (ey < d.getUTCFullYear() || (ey === d.getUTCFullYear() && em < d.getUTCMonth() + 1) || ey > d.getUTCFullYear() + 50)
				throw cerr('invalid_expiry_year', "Your card's expiration year is invalid.", 'exp_year');
			const cvc = c.cvc === undefined ? undefined : String(c.cvc);
			if (cvc !== undefined && !/^\d{3,4}$/.test(cvc))
				throw cerr('invalid_cvc', "Your card's security code is invalid.", 'cvc');
			const bd = billingDetails(data.billing_details || {});
			const pm = this.newPM('card', this.cardFields(num, em, ey, {
				cvc: cvc ? 'pass' : null,
				postal: bd.address.postal_code ? 'pass' : null,
			}), data.billing_details || {}, mergeMetadata({}, data));
			this.store.put(pm);
			// only the test-card table key is kept, never an arbitrary number
			this.pmInternal(pm).key = TEST_CARDS[num] ? num : null;
			return pm;
		}
		const b = data.us_bank_account;
		if (!b || typeof b !== 'object')
			throw missing(p('us_bank_account'));
		const bd = data.billing_details;
		if (!bd || typeof bd !== 'object' || !bd.name)
			throw missing(p('billing_details[name]'));
		const routing = String(b.routing_number ?? '');
		const account = String(b.account_number ?? '');
		if (!routing)
			throw missing(p('us_bank_account[routing_number]'));
		if (!account)
			throw missing(p('us_bank_account[account_number]'));
		if (!abaValid(routing))
			throw invalid('Routing number must have 9 digits and a valid checksum.', { param: p('us_bank_account[routing_number]'), code: 'routing_number_invalid' });
		if (!/^\d{4,17}$/.test(account))
			throw invalid('Account number must have between 4 and 17 digits.', { param: p('us_bank_account[account_number]'), code: 'account_number_invalid' });
		const holder = b.account_holder_type ?? 'individual';
		if (!['individual', 'company'].includes(holder))
			throw invalid('Invalid account_holder_type: must be one of individual, company', { param: p('us_bank_account[account_holder_type]') });
		const atype = b.account_type ?? 'checking';
		if (!['checking', 'savings'].includes(atype))
			throw invalid('Invalid account_type: must be one of checking, savings', { param: p('us_bank_account[account_type]') });
		const pm = this.newPM('us_bank_account', this.bankFields(routing, account, holder, atype), bd, mergeMetadata({}, data));
		this.store.put(pm);
		this.pmInternal(pm).key = TEST_BANK_ACCOUNTS[account] ? account : null;
		return pm;
	}

	createPM(params, ctx) {
		allow(params, ['type', 'card', 'us_bank_account', 'billing_details', 'metadata', 'customer',
			'payment_method', 'allow_redisplay', 'client_secret_for_validation']);
		if (params.customer !== undefined || params.payment_method !== undefined)
			throw invalid('Cloning PaymentMethods (customer / payment_method) is a Connect feature the sandbox does not support.', { param: 'customer' });
		return this.pmFromData(params, ctx, '');
	}

	updatePM(params, ctx, id) {
		allow(params, ['billing_details', 'metadata', 'card', 'allow_redisplay']);
		const pm = this.getOr404('payment_method', id, 'PaymentMethod');
		const prev = {};
		if (params.billing_details !== undefined) {
			prev.billing_details = clone(pm.billing_details);
			const merged = { ...pm.billing_details, ...params.billing_details };
			merged.address = { ...pm.billing_details.address, ...(params.billing_details.address || {}) };
			pm.billing_details = billingDetails(merged);
		}
		if (params.metadata !== undefined) {
			prev.metadata = clone(pm.metadata);
			pm.metadata = mergeMetadata(pm.metadata, params);
		}
		if (params.card !== undefined && pm.type === 'card') {
			prev.card = clone(pm.card);
			const em = int(params.card, 'exp_month');
			const ey = int(params.card, 'exp_year');
			if (em !== undefined)
				pm.card.exp_month = em;
			if (ey !== undefined)
				pm.card.exp_year = ey;
		}
		this.store.touch();
		this.emit('payment_method.updated', pm, ctx, prev);
		return pm;
	}

	checkReusable(pm) {
		if (!pm.customer && this.store.state.internal.pm[pm.id]?.used) {
			throw invalid(`The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.`, { param: 'payment_method' });
		}
	}

	// Attaching verifies a card: declining test cards fail here (all but
	// 4000000000000341 / pm_card_chargeCustomerFail, which attaches fine).
	attach(pm, customer, ctx, { verify = true } = {}) {
		if (pm.customer === customer.id)
			return pm;
		if (pm.customer)
			throw invalid('The payment method you provided has already been attached to a customer.', { param: 'payment_method' });
		this.checkReusable(pm);
		const b = this.behavior(pm);
		if (verify && pm.type === 'card' && b.outcome === 'decline' && !b.attach)
			throw new StripeError(402, cardError(b.decline, { payment_method: clone(pm) }), { save: true });
		pm.customer = customer.id;
		this.store.touch();
		this.emit('payment_method.attached', pm, ctx);
		return pm;
	}

	attachPM(params, ctx, id) {
		allow(params, ['customer']);
		const cid = str(params, 'customer', { required: true });
		const c = this.getOr404('customer', cid, 'customer', 'customer');
		const pm = this.resolvePM(id, ctx, 'payment_method');
		return this.attach(pm, c, ctx);
	}

	detachPM(params, ctx, id) {
		allow(params, []);
		const pm = this.getOr404('payment_method', id, 'PaymentMethod');
		if (!pm.customer)
			throw invalid('The payment method you provided is not attached to a customer so detachment is impossible.', { param: 'payment_method' });
		const cid = pm.customer;
		pm.customer = null;
		this.pmInternal(pm).used = true;
		const c = this.store.get('customer', cid);
		if (c && c.invoice_settings.default_payment_method === pm.id) {
			const before = clone(c.invoice_settings);
			c.invoice_settings.default_payment_method = null;
			this.emit('customer.updated', c, ctx, { invoice_settings: before });
		}
		this.store.touch();
		this.emit('payment_method.detached', pm, ctx, { customer: cid });
		return pm;
	}

	listPMs(params, ctx, customerFromPath) {
		allow(params, ['customer', 'type', 'limit', 'starting_after', 'ending_before', 'allow_redisplay']);
		const cid = customerFromPath ?? str(params, 'customer');
		if (cid)
			this.getOr404('customer', cid, 'customer', 'customer');
		const type = str(params, 'type');
		let items = this.store.all('payment_method').filter((pm) => (cid ? pm.customer === cid : !!pm.customer));
		if (type)
			items = items.filter((pm) => pm.type === type);
		const url = customerFromPath ? `/v1/customers/${cid}/payment_methods` : '/v1/payment_methods';
		return this.list(items, params, url);
	}

	// ---- charges ----------------------------------------------------------------

	newCharge(pi, pm, status, failure) {
		const bank = pm.type === 'us_bank_account';
		const details = bank
		    ? { type: 'us_bank_account', us_bank_account: { account_holder_type: pm.us_bank_account.account_holder_type, account_type: pm.us_bank_account.account_type, bank_name: pm.us_bank_account.bank_name, fingerprint: pm.us_bank_account.fingerprint, last4: pm.us_bank_account.last4, payment_reference: null, routing_number: pm.us_bank_account.routing_number } }
		    : { type: 'card', card: { amount_authorized: status === 'succeeded' ? pi.amount : null, brand: pm.card.brand, checks: pm.card.checks, country: pm.card.country, exp_month: pm.card.exp_month, exp_year: pm.card.exp_year, extended_authorization: { status: 'disabled' }, fingerprint: pm.card.fingerprint, funding: pm.card.funding, installments: null, last4: pm.card.last4, mandate: null, network: pm.card.brand, network_token: { used: false }, three_d_secure: null, wallet: null } };
		const ok = status === 'succeeded';
		const ch = {
			id: newId('ch'), object: 'charge', amount: pi.amount, amount_captured: ok ? pi.amount : 0,
			amount_refunded: 0, application: null, application_fee: null, application_fee_amount: null,
			balance_transaction: ok ? newId('txn') : null,
			billing_details: pm.billing_details, calculated_statement_descriptor: 'SANDBOX',
			captured: ok, created: now(), currency: pi.currency, customer: pi.customer,
			description: pi.description, disputed: false,
			failure_balance_transaction: null,
			failure_code: failure?.code ?? null, failure_message: failure?.message ?? null,
			fraud_details: {}, invoice: null, livemode: false, metadata: clone(pi.metadata),
			on_behalf_of: null,
			outcome: status === 'failed'
			    ? { network_status: failure.decline_code === 'processing_error' ? 'not_sent_to_network' : 'declined_by_network', reason: failure.decline_code ?? failure.code, risk_level: 'normal', risk_score: 40, seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined' }
			    : { network_status: 'approved_by_network', reason: null, risk_level: 'normal', risk_score: 32, seller_message: 'Payment complete.', type: 'authorized' },
			paid: ok, payment_intent: pi.id, payment_method: pm.id, payment_method_details: details,
			receipt_email: pi.receipt_email, receipt_number: null, receipt_url: null,
			refunded: false, review: null, shipping: null, source: null, source_transfer: null,
			statement_descriptor: pi.statement_descriptor, statement_descriptor_suffix: pi.statement_descriptor_suffix,
			status, transfer_data: null, transfer_group: null,
		};
		return this.store.put(ch);
	}

	// ---- payment intents ---------------------------------------------------------

	createPI(params, ctx) {
		allow(params, ['amount', 'currency', 'customer', 'description', 'metadata', 'payment_method',
			'payment_method_types', 'payment_method_data', 'payment_method_options', 'automatic_payment_methods',
			'confirm', 'off_session', 'setup_future_usage', 'receipt_email', 'statement_descriptor',
			'statement_descriptor_suffix', 'capture_method', 'confirmation_method', 'return_url',
			'mandate_data', 'mandate', 'error_on_requires_action', 'use_stripe_sdk', 'shipping',
			'payment_method_configuration', 'radar_options', 'transfer_group']);
		const amount = int(params, 'amount', { required: true });
		const currency = str(params, 'currency', { required: true }).toLowerCase();
		if (!/^[a-z]{3}$/.test(currency))
			throw invalid(`Invalid currency: ${currency}. Stripe currently supports these currencies: usd, eur, gbp, cad, ...`, { param: 'currency' });
		if (amount < 1)
			throw invalid('This value must be greater than or equal to 1.', { param: 'amount' });
		if (currency === 'usd' && amount < 50)
			throw invalid('Amount must be at least $0.50 usd', { param: 'amount', code: 'amount_too_small' });
		if (amount > 99999999)
			throw invalid('Amount must be no more than $999,999.99', { param: 'amount', code: 'amount_too_large' });
		const confirm = bool(params, 'confirm') ?? false;
		const offSession = offSessionOf(params);
		if (params.off_session !== undefined && !confirm)
			throw invalid('You can only pass off_session when confirm=true.', { param: 'off_session' });
		if (params.return_url !== undefined && !confirm)
			throw invalid('You can only pass return_url when confirm=true.', { param: 'return_url' });
		const capture = enumv(params, 'capture_method', ['automatic', 'automatic_async', 'manual']) || 'automatic';
		if (capture === 'manual')
			throw invalid('capture_method=manual is not supported by the sandbox.', { param: 'capture_method' });
		let types = strArray(params, 'payment_method_types');
		let apm = null;
		if (params.automatic_payment_methods !== undefined) {
			if (types)
				throw invalid('You may only specify one of these parameters: automatic_payment_methods, payment_method_types.', { param: 'automatic_payment_methods' });
			if (bool(params.automatic_payment_methods, 'enabled')) {
				apm = { allow_redirects: params.automatic_payment_methods.allow_redirects || 'always', enabled: true };
				types = currency === 'usd' ? ['card', 'us_bank_account'] : ['card'];
			}
		}
		types = types ?? ['card'];
		for (const t of types) {
			if (!PM_TYPES.includes(t))
				throw invalid(`The payment method type "${t}" is invalid or not supported by the sandbox (${PM_TYPES.join(', ')}).`, { param: 'payment_method_types' });
		}
		if (types.includes('us_bank_account') && currency !== 'usd')
			throw invalid('The currency provided (' + currency + ') is invalid for us_bank_account. Payments with us_bank_account support the following currencies: usd.', { param: 'currency' });
		const cid = str(params, 'customer');
		if (cid)
			this.getOr404('customer', cid, 'customer', 'customer');
		const sfu = enumv(params, 'setup_future_usage', ['on_session', 'off_session']) ?? null;
		const id = newId('pi');
		const pi = {
			id, object: 'payment_intent', amount, amount_capturable: 0, amount_details: { tip: {} },
			amount_received: 0, application: null, application_fee_amount: null,
			automatic_payment_methods: apm, canceled_at: null, cancellation_reason: null,
			capture_method: capture, client_secret: `${id}_secret_${rand62(25)}`,
			confirmation_method: enumv(params, 'confirmation_method', ['automatic', 'manual']) || 'automatic',
			created: now(), currency, customer: cid || null, description: str(params, 'description') ?? null,
			invoice: null, last_payment_error: null, latest_charge: null, livemode: false,
			metadata: mergeMetadata({}, params), next_action: null, on_behalf_of: null,
			payment_method: null, payment_method_configuration_details: null,
			payment_method_options: this.pmOptions(types), payment_method_types: types, processing: null,
			receipt_email: str(params, 'receipt_email') ?? null, review: null, setup_future_usage: sfu,
			shipping: null, source: null, statement_descriptor: str(params, 'statement_descriptor') ?? null,
			statement_descriptor_suffix: str(params, 'statement_descriptor_suffix') ?? null,
			status: 'requires_payment_method', transfer_data: null,
			transfer_group: str(params, 'transfer_group') ?? null,
		};
		let pm = null;
		if (params.payment_method !== undefined && params.payment_method !== '')
			pm = this.resolvePM(str(params, 'payment_method'), ctx);
		else if (params.payment_method_data !== undefined)
			pm = this.pmFromData(params.payment_method_data, ctx, 'payment_method_data');
		if (pm) {
			this.checkPMForIntent(pi, pm);
			pi.payment_method = pm.id;
			pi.status = 'requires_confirmation';
		}
		this.store.put(pi);
		this.emit('payment_intent.created', pi, ctx);
		if (confirm) {
			const cp = { off_session: offSession ? 'true' : undefined, return_url: params.return_url,
				error_on_requires_action: params.error_on_requires_action, use_stripe_sdk: params.use_stripe_sdk,
				mandate_data: params.mandate_data };
			return this.view(this.confirmPIInner(pi, cp, ctx), ctx);
		}
		return pi;
	}

	pmOptions(types) {
		const o = {};
		if (types.includes('card'))
			o.card = { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' };
		if (types.includes('us_bank_account'))
			o.us_bank_account = { mandate_options: {}, verification_method: 'automatic' };
		return o;
	}

	checkPMForIntent(intent, pm) {
		if (!intent.payment_method_types.includes(pm.type)) {
			const kind = intent.object === 'payment_intent' ? 'PaymentIntent' : 'SetupIntent';
			throw invalid(`The PaymentMethod provided (${pm.type}) is not allowed for this ${kind}. Please attach a PaymentMethod of one of the following types: ${intent.payment_method_types.join(', ')}. Alternatively update the allowed payment_method_types for this ${kind} to include "${pm.type}".`, { param: 'payment_method', code: intent.object === 'payment_intent' ? 'payment_intent_invalid_parameter' : 'setup_intent_invalid_parameter' });
		}
		if (pm.customer && intent.customer && pm.customer !== intent.customer)
			throw invalid(`The provided PaymentMethod belongs to a different Customer (${pm.customer}) than the one on this ${intent.object === 'payment_intent' ? 'PaymentIntent' : 'SetupIntent'}.`, { param: 'payment_method' });
		if (pm.customer && !intent.customer)
			throw invalid(`The PaymentMethod ${pm.id} belongs to the Customer ${pm.customer}. Please include the Customer in the \`customer\` parameter on the ${intent.object === 'payment_intent' ? 'PaymentIntent' : 'SetupIntent'}.`, { param: 'customer' });
		this.checkReusable(pm);
	}

	retrievePI(params, ctx, id) {
		const pi = this.getOr404('payment_intent', id, 'payment_intent', 'intent');
		this.checkSecret(pi, params, ctx);
		return this.view(pi, ctx);
	}

	updatePI(params, ctx, id) {
		allow(params, ['amount', 'currency', 'customer', 'description', 'metadata', 'payment_method',
			'payment_method_types', 'setup_future_usage', 'receipt_email', 'statement_descriptor',
			'statement_descriptor_suffix', 'shipping', 'payment_method_options', 'payment_method_data']);
		const pi = this.getOr404('payment_intent', id, 'payment_intent', 'intent');
		const editable = ['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(pi.status);
		const onlyMeta = Object.keys(params).every((k) => ['metadata', 'description', 'expand', 'receipt_email'].includes(k));
		if (!editable && !onlyMeta)
			throw invalid(`This PaymentIntent's ${Object.keys(params).find((k) => !['metadata', 'description', 'expand', 'receipt_email'].includes(k))} could not be updated because it has a status of ${pi.status}. You may only update the ${Object.keys(params)[0]} of a PaymentIntent with one of the following statuses: requires_payment_method, requires_confirmation, requires_action.`, { code: 'payment_intent_unexpected_state' });
		const prev = {};
		const set = (k, v) => {
			if (v !== undefined && JSON.stringify(pi[k]) !== JSON.stringify(v)) {
				prev[k] = clone(pi[k]);
				pi[k] = v;
			}
		};
		const amount = int(params, 'amount');
		if (amount !== undefined && amount < 50)
			throw invalid('Amount must be at least $0.50 usd', { param: 'amount', code: 'amount_too_small' });
		set('amount', amount);
		const cur = str(params, 'currency');
		set('currency', cur?.toLowerCase());
		const d = str(params, 'description');
		set('description', d === '' ? null : d);
		const re = str(params, 'receipt_email');
		set('receipt_email', re === '' ? null : re);
		if (params.metadata !== undefined)
			set('metadata', mergeMetadata(pi.metadata, params));
		const sfu = enumv(params, 'setup_future_usage', ['on_session', 'off_session']);
		set('setup_future_usage', sfu);
		const types = strArray(params, 'payment_method_types');
		if (types) {
			for (const t of types) {
				if (!PM_TYPES.includes(t))
					throw invalid(`The payment method type "${t}" is invalid or not supported by the sandbox.`, { param: 'payment_method_types' });
			}
			set('payment_method_types', types);
			set('payment_method_options', this.pmOptions(types));
		}
		const cid = str(params, 'customer');
		if (cid) {
			this.getOr404('customer', cid, 'customer', 'customer');
			set('customer', cid);
		}
		let pm = null;
		if (params.payment_method !== undefined && params.payment_method !== '')
			pm = this.resolvePM(str(params, 'payment_method'), ctx);
		else if (params.payment_method_data !== undefined)
			pm = this.pmFromData(params.payment_method_data, ctx, 'payment_method_data');
		if (pm) {
			this.checkPMForIntent(pi, pm);
			set('payment_method', pm.id);
			set('status', 'requires_confirmation');
		}
		this.store.touch();
		return pi;
	}

	confirmPI(params, ctx, id) {
		allow(params, ['payment_method', 'payment_method_data', 'payment_method_options', 'return_url',
			'off_session', 'setup_future_usage', 'mandate_data', 'mandate', 'receipt_email',
			'error_on_requires_action', 'use_stripe_sdk', 'client_secret', 'shipping',
			'payment_method_types', 'radar_options', 'capture_method']);
		const pi = this.getOr404('payment_intent', id, 'payment_intent', 'intent');
		this.checkSecret(pi, params, ctx);
		return this.view(this.confirmPIInner(pi, params, ctx), ctx);
	}

	confirmPIInner(pi, params, ctx) {
		if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(pi.status)) {
			const msg = pi.status === 'succeeded'
			    ? 'You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.'
			    : `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method, requires_action.`;
			const e = invalid(msg, { code: 'payment_intent_unexpected_state' });
			e.err.payment_intent = clone(this.view(pi, ctx));
			throw e;
		}
		let pm = null;
		if (params.payment_method_data !== undefined)
			pm = this.pmFromData(params.payment_method_data, ctx, 'payment_method_data');
		else if (params.payment_method !== undefined && params.payment_method !== '')
			pm = this.resolvePM(str(params, 'payment_method'), ctx);
		else if (pi.payment_method)
			pm = this.store.get('payment_method', pi.payment_method);
		if (!pm) {
			throw invalid('You cannot confirm this PaymentIntent because it\'s missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.', { code: 'payment_intent_unexpected_state' });
		}
		if (ctx.auth === 'publishable' && pm.customer && pm.id !== pi.payment_method)
			throw invalid('A PaymentMethod attached to a Customer can only be used with a secret key.', { param: 'payment_method' });
		this.checkPMForIntent(pi, pm);
		this.checkReturnUrl(params);
		const sfu = enumv(params, 'setup_future_usage', ['on_session', 'off_session']);
		if (sfu !== undefined)
			pi.setup_future_usage = sfu;
		const re = str(params, 'receipt_email');
		if (re !== undefined)
			pi.receipt_email = re || null;
		const offSession = offSessionOf(params);
		pi.payment_method = pm.id;
		pi.last_payment_error = null;
		pi.next_action = null;
		this.store.touch();

		if (pm.type === 'us_bank_account') {
			const ch = this.newCharge(pi, pm, 'pending');
			pi.status = 'processing';
			pi.latest_charge = ch.id;
			this.maybeSave(pi, pm, ctx);
			this.emit('charge.pending', ch, ctx);
			this.emit('payment_intent.processing', pi, ctx);
			const settleAt = Date.now() + this.config.ach_delay_ms;
			this.store.state.internal.ach[pi.id] = { settle_at_ms: settleAt };
			this.scheduleAch(pi.id, settleAt);
			return pi;
		}
		const b = this.behavior(pm);
		const pmi = this.store.state.internal.pm[pm.id] || {};
		const needsAuth = b.outcome === 'auth_always' || (b.outcome === 'auth_setup' && !(offSession && pmi.setup_done));
		if (needsAuth) {
			if (offSession || bool(params, 'error_on_requires_action'))
				this.failPI(pi, pm, 'authentication_required', ctx);
			const url = `${this.base}/v3/authenticate?intent=${pi.id}&client_secret=${encodeURIComponent(pi.client_secret)}`;
			const returnUrl = str(params, 'return_url');
			pi.status = 'requires_action';
			pi.next_action = (returnUrl && !bool(params, 'use_stripe_sdk'))
			    ? { type: 'redirect_to_url', redirect_to_url: { return_url: returnUrl, url: `${url}&return_url=${encodeURIComponent(returnUrl)}` } }
			    : { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: url, source: newId('src') } };
			this.emit('payment_intent.requires_action', pi, ctx);
			return pi;
		}
		if (b.outcome === 'decline')
			this.failPI(pi, pm, b.decline, ctx);
		this.succeedPI(pi, pm, ctx);
		return pi;
	}

	checkReturnUrl(params) {
		const u = str(params, 'return_url');
		if (u === undefined)
			return;
		let ok = false;
		try {
			ok = /^https?:$/.test(new URL(u).protocol);
		} catch {}
		if (!ok)
			throw invalid(`Not a valid URL`, { param: 'return_url', code: 'url_invalid' });
	}

	maybeSave(pi, pm, ctx) {
		if (pi.setup_future_usage && pi.customer && !pm.customer) {
			const c = this.store.get('customer', pi.customer);
			if (c) {
				this.attach(pm, c, ctx, { verify: false });
				return true;
			}
		}
		return false;
	}

	succeedPI(pi, pm, ctx, existingCharge) {
		const ch = existingCharge || this.newCharge(pi, pm, 'succeeded');
		if (existingCharge) {
			ch.status = 'succeeded';
			ch.paid = true;
			ch.captured = true;
			ch.amount_captured = ch.amount;
			ch.balance_transaction = newId('txn');
		}
		pi.status = 'succeeded';
		pi.amount_received = pi.amount;
		pi.latest_charge = ch.id;
		pi.next_action = null;
		const saved = existingCharge ? false : this.maybeSave(pi, pm, ctx);
		if (pi.setup_future_usage && (saved || pm.customer))
			this.pmInternal(pm).setup_done = true;
		if (!pm.customer)
			this.pmInternal(pm).used = true;
		this.store.touch();
		this.emit('charge.succeeded', ch, ctx);
		this.emit('payment_intent.succeeded', pi, ctx);
		if (this.behavior(pm).outcome === 'dispute')
			this.createDispute(ch, 'fraudulent', ctx);
	}

	// Throws the 402 error after recording the failure.
	failPI(pi, pm, declineKey, ctx) {
		const d = DECLINES[declineKey];
		const ch = this.newCharge(pi, pm, 'failed', d);
		pi.status = 'requires_payment_method';
		pi.latest_charge = ch.id;
		pi.payment_method = null;
		pi.next_action = null;
		pi.last_payment_error = cardError(declineKey, { charge: ch.id, payment_method: clone(pm) });
		if (!pm.customer)
			this.pmInternal(pm).used = true;
		this.store.touch();
		this.emit('charge.failed', ch, ctx);
		this.emit('payment_intent.payment_failed', pi, ctx);
		throw new StripeError(402, {
			...cardError(declineKey, { charge: ch.id, payment_method: clone(pm) }),
			payment_intent: clone(this.view(pi, ctx)),
			request_log_url: `${this.base}/_sandbox/requests?request_id=${ctx.requestId}`,
		}, { save: true });
	}

	scheduleAch(piId, atMs) {
		clearTimeout(this.achTimers.get(piId));
		const t = setTimeout(() => {
			this.achTimers.delete(piId);
			try {
				this.settleAch(piId);
			} finally {
				this.store.save();
			}
		}, Math.max(0, atMs - Date.now()));
		this.achTimers.set(piId, t);
	}

	resumeAch() {
		for (const [id, v] of Object.entries(this.store.state.internal.ach))
			this.scheduleAch(id, v.settle_at_ms);
	}

	clearTimers() {
		for (const t of this.achTimers.values())
			clearTimeout(t);
		this.achTimers.clear();
	}

	settleAch(piId) {
		delete this.store.state.internal.ach[piId];
		clearTimeout(this.achTimers.get(piId));
		this.achTimers.delete(piId);
		this.store.touch();
		const pi = this.store.get('payment_intent', piId);
		if (!pi || pi.status !== 'processing')
			return null;
		const ch = this.store.get('charge', pi.latest_charge);
		const pm = this.store.get('payment_method', ch.payment_method);
		const b = this.behavior(pm);
		const ctx = { requestId: null, idempotencyKey: null };
		if (b.outcome === 'ok') {
			this.succeedPI(pi, pm, ctx, ch);
		} else {
			const msg = ACH_FAILURES[b.failure];
			ch.status = 'failed';
			ch.failure_code = b.failure;
			ch.failure_message = msg;
			ch.outcome = { network_status: 'declined_by_network', reason: null, risk_level: 'not_assessed', seller_message: msg, type: 'issuer_declined' };
			pi.status = 'requires_payment_method';
			pi.payment_method = null;
			pi.last_payment_error = {
				code: b.failure, doc_url: DOC + b.failure.replace(/_/g, '-'), message: msg,
				payment_method: clone(pm), type: 'card_error', charge: ch.id,
			};
			this.emit('charge.failed', ch, ctx);
			this.emit('payment_intent.payment_failed', pi, ctx);
		}
		return pi;
	}

	cancelPI(params, ctx, id) {
		allow(params, ['cancellation_reason']);
		const pi = this.getOr404('payment_intent', id, 'payment_intent', 'intent');
		const reason = enumv(params, 'cancellation_reason', ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned']);
		if (!['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action'].includes(pi.status)) {
			const e = invalid(`You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`, { code: 'payment_intent_unexpected_state' });
			e.err.payment_intent = clone(pi);
			throw e;
		}
		pi.status = 'canceled';
		pi.canceled_at = now();
		pi.cancellation_reason = reason || null;
		pi.next_action = null;
		this.store.touch();
		this.emit('payment_intent.canceled', pi, ctx);
		return pi;
	}

	listPIs(params) {
		allow(params, ['customer', 'created', 'limit', 'starting_after', 'ending_before']);
		const cid = str(params, 'customer');
		let items = this.store.all('payment_intent');
		if (cid)
			items = items.filter((x) => x.customer === cid);
		return this.list(this.createdFilter(items, params), params, '/v1/payment_intents');
	}

	// A small subset of Stripe's search query language:
	//   status:'succeeded' AND customer:'cus_..' AND metadata['order']:'42' AND amount>100
	searchPIs(params) {
		allow(params, ['query', 'limit', 'page']);
		const q = str(params, 'query', { required: true });
		const clauses = q.split(/\s+AND\s+/i).map((c) => c.trim()).filter(Boolean);
		const tests = clauses.map((c) => {
			let m = /^metadata\[['"]([^'"]+)['"]\]\s*:\s*['"]([^'"]*)['"]$/.exec(c);
			if (m)
				return (o) => o.metadata?.[m[1]] === m[2];
			m = /^(status|customer|currency|description|payment_method)\s*:\s*['"]([^'"]*)['"]$/.exec(c);
			if (m)
				return (o) => String(o[m[1]] ?? '') === m[2];
			m = /^(amount|created)\s*(:|>=|<=|>|<)\s*['"]?(\d+)['"]?$/.exec(c);
			if (m) {
				const n = Number(m[3]);
				const op = m[2];
				return (o) => (op === ':' ? o[m[1]] === n : op === '>' ? o[m[1]] > n : op === '<' ? o[m[1]] < n : op === '>=' ? o[m[1]] >= n : o[m[1]] <= n);
			}
			throw invalid(`The sandbox cannot parse this search clause: ${c}`, { param: 'query' });
		});
		const limit = int(params, 'limit') ?? 10;
		const page = Number(str(params, 'page') || 0);
		const all = this.store.all('payment_intent').filter((o) => tests.every((t) => t(o)));
		const data = all.slice(page, page + limit);
		const more = page + limit < all.length;
		return { object: 'search_result', data, has_more: more, next_page: more ? String(page + limit) : null, url: '/v1/payment_intents/search' };
	}

	// ---- setup intents -------------------------------------------------------

	createSI(params, ctx) {
		allow(params, ['customer', 'payment_method_types', 'usage', 'description', 'metadata',
			'payment_method', 'payment_method_data', 'payment_method_options', 'confirm', 'return_url',
			'mandate_data', 'automatic_payment_methods', 'use_stripe_sdk', 'flow_directions',
			'single_use', 'attach_to_self', 'on_behalf_of', 'payment_method_configuration']);
		const cid = str(params, 'customer');
		if (cid)
			this.getOr404('customer', cid, 'customer', 'customer');
		let types = strArray(params, 'payment_method_types');
		let apm = null;
		if (params.automatic_payment_methods !== undefined && bool(params.automatic_payment_methods, 'enabled')) {
			if (types)
				throw invalid('You may only specify one of these parameters: automatic_payment_methods, payment_method_types.', { param: 'automatic_payment_methods' });
			apm = { allow_redirects: 'always', enabled: true };
			types = ['card', 'us_bank_account'];
		}
		types = types ?? ['card'];
		for (const t of types) {
			if (!PM_TYPES.includes(t))
				throw invalid(`The payment method type "${t}" is invalid or not supported by the sandbox (${PM_TYPES.join(', ')}).`, { param: 'payment_method_types' });
		}
		const id = newId('seti');
		const si = {
			id, object: 'setup_intent', application: null, automatic_payment_methods: apm,
			cancellation_reason: null, client_secret: `${id}_secret_${rand62(25)}`, created: now(),
			customer: cid || null, description: str(params, 'description') ?? null, flow_directions: null,
			last_setup_error: null, latest_attempt: null, livemode: false, mandate: null,
			metadata: mergeMetadata({}, params), next_action: null, on_behalf_of: null,
			payment_method: null, payment_method_configuration_details: null,
			payment_method_options: this.pmOptions(types), payment_method_types: types,
			single_use_mandate: null, status: 'requires_payment_method',
			usage: enumv(params, 'usage', ['on_session', 'off_session']) || 'off_session',
		};
		let pm = null;
		if (params.payment_method !== undefined && params.payment_method !== '')
			pm = this.resolvePM(str(params, 'payment_method'), ctx);
		else if (params.payment_method_data !== undefined)
			pm = this.pmFromData(params.payment_method_data, ctx, 'payment_method_data');
		if (pm) {
			this.checkPMForIntent(si, pm);
			si.payment_method = pm.id;
			si.status = 'requires_confirmation';
		}
		this.store.put(si);
		this.emit('setup_intent.created', si, ctx);
		if (bool(params, 'confirm'))
			return this.view(this.confirmSIInner(si, { return_url: params.return_url, use_stripe_sdk: params.use_stripe_sdk }, ctx), ctx);
		return si;
	}

	retrieveSI(params, ctx, id) {
		const si = this.getOr404('setup_intent', id, 'setupintent', 'intent');
		this.checkSecret(si, params, ctx);
		return this.view(si, ctx);
	}

	updateSI(params, ctx, id) {
		allow(params, ['customer', 'description', 'metadata', 'payment_method', 'payment_method_types', 'payment_method_options']);
		const si = this.getOr404('setup_intent', id, 'setupintent', 'intent');
		if (params.metadata !== undefined)
			si.metadata = mergeMetadata(si.metadata, params);
		const d = str(params, 'description');
		if (d !== undefined)
			si.description = d || null;
		const cid = str(params, 'customer');
		if (cid) {
			this.getOr404('customer', cid, 'customer', 'customer');
			si.customer = cid;
		}
		const types = strArray(params, 'payment_method_types');
		if (types)
			si.payment_method_types = types;
		if (params.payment_method) {
			const pm = this.resolvePM(str(params, 'payment_method'), ctx);
			this.checkPMForIntent(si, pm);
			si.payment_method = pm.id;
			si.status = 'requires_confirmation';
		}
		this.store.touch();
		return si;
	}

	confirmSI(params, ctx, id) {
		allow(params, ['payment_method', 'payment_method_data', 'payment_method_options', 'return_url',
			'mandate_data', 'use_stripe_sdk', 'client_secret']);
		const si = this.getOr404('setup_intent', id, 'setupintent', 'intent');
		this.checkSecret(si, params, ctx);
		return this.view(this.confirmSIInner(si, params, ctx), ctx);
	}

	confirmSIInner(si, params, ctx) {
		if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(si.status)) {
			const e = invalid(`You cannot confirm this SetupIntent because it has a status of ${si.status}.`, { code: 'setup_intent_unexpected_state' });
			e.err.setup_intent = clone(this.view(si, ctx));
			throw e;
		}
		let pm = null;
		if (params.payment_method_data !== undefined)
			pm = this.pmFromData(params.payment_method_data, ctx, 'payment_method_data');
		else if (params.payment_method !== undefined && params.payment_method !== '')
			pm = this.resolvePM(str(params, 'payment_method'), ctx);
		else if (si.payment_method)
			pm = this.store.get('payment_method', si.payment_method);
		if (!pm)
			throw invalid("You cannot confirm this SetupIntent because it's missing a payment method.", { code: 'setup_intent_unexpected_state' });
		this.checkPMForIntent(si, pm);
		this.checkReturnUrl(params);
		si.payment_method = pm.id;
		si.last_setup_error = null;
		si.next_action = null;
		this.store.touch();
		const b = this.behavior(pm);
		if (pm.type === 'card' && b.outcome === 'decline' && !b.attach) {
			si.status = 'requires_payment_method';
			si.payment_method = null;
			si.last_setup_error = cardError(b.decline, { payment_method: clone(pm) });
			this.pmInternal(pm).used = true;
			this.emit('setup_intent.setup_failed', si, ctx);
			throw new StripeError(402, {
				...cardError(b.decline, { payment_method: clone(pm) }),
				setup_intent: clone(this.view(si, ctx)),
			}, { save: true });
		}
		if (pm.type === 'card' && (b.outcome === 'auth_always' || b.outcome === 'auth_setup')) {
			const url = `${this.base}/v3/authenticate?intent=${si.id}&client_secret=${encodeURIComponent(si.client_secret)}`;
			const returnUrl = str(params, 'return_url');
			si.status = 'requires_action';
			si.next_action = (returnUrl && !bool(params, 'use_stripe_sdk'))
			    ? { type: 'redirect_to_url', redirect_to_url: { return_url: returnUrl, url: `${url}&return_url=${encodeURIComponent(returnUrl)}` } }
			    : { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: url, source: newId('src') } };
			this.emit('setup_intent.requires_action', si, ctx);
			return si;
		}
		this.succeedSI(si, pm, ctx);
		return si;
	}

	succeedSI(si, pm, ctx) {
		si.status = 'succeeded';
		si.next_action = null;
		si.payment_method = pm.id;
		if (pm.type === 'us_bank_account')
			si.mandate = newId('mandate');
		if (si.customer && !pm.customer) {
			const c = this.store.get('customer', si.customer);
			if (c)
				this.attach(pm, c, ctx, { verify: false });
		}
		this.pmInternal(pm).setup_done = true;
		this.store.touch();
		this.emit('setup_intent.succeeded', si, ctx);
	}

	cancelSI(params, ctx, id) {
		allow(params, ['cancellation_reason']);
		const si = this.getOr404('setup_intent', id, 'setupintent', 'intent');
		if (['succeeded', 'canceled', 'processing'].includes(si.status))
			throw invalid(`You cannot cancel this SetupIntent because it has a status of ${si.status}. Only a SetupIntent with one of the following statuses may be canceled: requires_payment_method, requires_confirmation, requires_action.`, { code: 'setup_intent_unexpected_state' });
		si.status = 'canceled';
		si.cancellation_reason = enumv(params, 'cancellation_reason', ['abandoned', 'requested_by_customer', 'duplicate']) || null;
		this.store.touch();
		this.emit('setup_intent.canceled', si, ctx);
		return si;
	}

	listSIs(params) {
		allow(params, ['customer', 'payment_method', 'created', 'limit', 'starting_after', 'ending_before']);
		const cid = str(params, 'customer');
		let items = this.store.all('setup_intent');
		if (cid)
			items = items.filter((x) => x.customer === cid);
		return this.list(this.createdFilter(items, params), params, '/v1/setup_intents');
	}

	// ---- 3-D Secure stand-in ------------------------------------------------

	authenticate(intentId, clientSecret, outcome) {
		const type = intentId.startsWith('seti_') ? 'setup_intent' : 'payment_intent';
		const it = this.store.get(type, intentId);
		if (!it || it.client_secret !== clientSecret)
			throw notFound(type, intentId, 'intent');
		if (it.status !== 'requires_action')
			return { intent: it, return_url: null };
		const returnUrl = it.next_action?.redirect_to_url?.return_url || null;
		const pm = this.store.get('payment_method', it.payment_method);
		const ctx = { requestId: null, idempotencyKey: null };
		if (outcome === 'complete') {
			if (type === 'payment_intent') {
				this.pmInternal(pm).setup_done = this.pmInternal(pm).setup_done || !!it.setup_future_usage;
				this.succeedPI(it, pm, ctx);
			} else {
				this.succeedSI(it, pm, ctx);
			}
		} else {
			const err = {
				code: type === 'payment_intent' ? 'payment_intent_authentication_failure' : 'setup_intent_authentication_failure',
				doc_url: DOC + (type === 'payment_intent' ? 'payment-intent-authentication-failure' : 'setup-intent-authentication-failure'),
				message: `The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this ${type === 'payment_intent' ? 'PaymentIntent' : 'SetupIntent'} again.`,
				payment_method: clone(pm), type: 'invalid_request_error',
			};
			it.status = 'requires_payment_method';
			it.next_action = null;
			it.payment_method = null;
			if (!pm.customer)
				this.pmInternal(pm).used = true;
			if (type === 'payment_intent') {
				it.last_payment_error = err;
				this.emit('payment_intent.payment_failed', it, ctx);
			} else {
				it.last_setup_error = err;
				this.emit('setup_intent.setup_failed', it, ctx);
			}
		}
		this.store.touch();
		return { intent: it, return_url: returnUrl };
	}

	// ---- refunds ------------------------------------------------------------

	createRefund(params, ctx) {
		allow(params, ['payment_intent', 'charge', 'amount', 'reason', 'metadata', 'instructions_email', 'origin']);
		const piId = str(params, 'payment_intent');
		const chId = str(params, 'charge');
		if (!piId && !chId)
			throw invalid('One of the following params should be provided for this request: payment_intent or charge.', { code: 'parameter_missing' });
		let ch;
		let pi = null;
		if (piId) {
			pi = this.getOr404('payment_intent', piId, 'payment_intent', 'payment_intent');
			ch = pi.latest_charge && this.store.get('charge', pi.latest_charge);
			if (!ch || ch.status !== 'succeeded')
				throw invalid(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, { param: 'payment_intent', code: 'charge_not_refundable' });
		} else {
			ch = this.getOr404('charge', chId, 'charge', 'charge');
			if (ch.status !== 'succeeded')
				throw invalid(`Charge ${ch.id} has not succeeded and cannot be refunded.`, { param: 'charge', code: 'charge_not_refundable' });
			pi = ch.payment_intent ? this.store.get('payment_intent', ch.payment_intent) : null;
		}
		const remaining = ch.amount - ch.amount_refunded;
		if (remaining <= 0)
			throw invalid(`Charge ${ch.id} has already been refunded.`, { code: 'charge_already_refunded' });
		const amount = int(params, 'amount') ?? remaining;
		if (amount < 1)
			throw invalid('This value must be greater than or equal to 1.', { param: 'amount' });
		if (amount > remaining) {
			const fmt = (n) => `$${(n / 100).toFixed(2)}`;
			throw invalid(`Refund amount (${fmt(amount)}) is greater than unrefunded amount on charge (${fmt(remaining)})`, { param: 'amount', code: 'amount_too_large' });
		}
		const reason = enumv(params, 'reason', ['duplicate', 'fraudulent', 'requested_by_customer']) ?? null;
		const card = ch.payment_method_details.type === 'card';
		const re = {
			id: newId('re'), object: 'refund', amount, balance_transaction: newId('txn'), charge: ch.id,
			created: now(), currency: ch.currency,
			destination_details: card ? { card: { reference: null, reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' } : { type: 'us_bank_account', us_bank_account: {} },
			metadata: mergeMetadata({}, params), payment_intent: pi ? pi.id : null, reason,
			receipt_number: null, source_transfer_reversal: null, status: 'succeeded', transfer_reversal: null,
		};
		this.store.put(re);
		const prev = { amount_refunded: ch.amount_refunded, refunded: ch.refunded };
		ch.amount_refunded += amount;
		ch.refunded = ch.amount_refunded === ch.amount;
		this.store.touch();
		this.emit('refund.created', re, ctx);
		this.emit('charge.refunded', ch, ctx, prev);
		return re;
	}

	listRefunds(params) {
		allow(params, ['payment_intent', 'charge', 'created', 'limit', 'starting_after', 'ending_before']);
		const pi = str(params, 'payment_intent');
		const ch = str(params, 'charge');
		let items = this.store.all('refund');
		if (pi)
			items = items.filter((r) => r.payment_intent === pi);
		if (ch)
			items = items.filter((r) => r.charge === ch);
		return this.list(this.createdFilter(items, params), params, '/v1/refunds');
	}

	listCharges(params) {
		allow(params, ['payment_intent', 'customer', 'created', 'limit', 'starting_after', 'ending_before']);
		const pi = str(params, 'payment_intent');
		const cus = str(params, 'customer');
		let items = this.store.all('charge');
		if (pi)
			items = items.filter((r) => r.payment_intent === pi);
		if (cus)
			items = items.filter((r) => r.customer === cus);
		return this.list(this.createdFilter(items, params), params, '/v1/charges');
	}

	// ---- disputes (opened by test card ...0259 or /_sandbox/disputes) -------

	createDispute(ch, reason, ctx) {
		const dp = {
			id: newId('dp'), object: 'dispute', amount: ch.amount - ch.amount_refunded, balance_transactions: [],
			charge: ch.id, created: now(), currency: ch.currency, evidence: {}, evidence_details: { due_by: now() + 7 * 86400, has_evidence: false, past_due: false, submission_count: 0 },
			is_charge_refundable: false, livemode: false, metadata: {}, payment_intent: ch.payment_intent,
			reason: reason || 'fraudulent', status: 'needs_response',
		};
		this.store.put(dp);
		ch.disputed = true;
		this.store.touch();
		this.emit('charge.dispute.created', dp, ctx);
		return dp;
	}

	// ---- events -------------------------------------------------------------

	listEvents(params) {
		allow(params, ['type', 'types', 'created', 'limit', 'starting_after', 'ending_before', 'delivery_success']);
		let items = this.store.all('event');
		const type = str(params, 'type');
		const types = strArray(params, 'types');
		const match = (pat, t) => (pat.endsWith('.*') ? t.startsWith(pat.slice(0, -1)) : pat === t);
		if (type)
			items = items.filter((e) => match(type, e.type));
		if (types)
			items = items.filter((e) => types.some((p) => match(p, e.type)));
		return this.list(this.createdFilter(items, params), params, '/v1/events');
	}

	// ---- route table ----------------------------------------------------------

	defineRoutes() {
		const ID = '([A-Za-z0-9_]+)';
		const r = (m, p, fn, o) => this.route(m, new RegExp(`^${p}$`), fn, o);
		r('POST', '/v1/customers', this.createCustomer);
		r('GET', '/v1/customers', (p) => {
			allow(p, ['email', 'created', 'limit', 'starting_after', 'ending_before']);
			const email = str(p, 'email');
			let items = this.store.all('customer');
			if (email)
				items = items.filter((c) => c.email === email);
			return this.list(this.createdFilter(items, p), p, '/v1/customers');
		});
		r('GET', `/v1/customers/${ID}`, (p, ctx, id) => this.getOr404('customer', id, 'customer'));
		r('POST', `/v1/customers/${ID}`, this.updateCustomer);
		r('DELETE', `/v1/customers/${ID}`, this.deleteCustomer);
		r('GET', `/v1/customers/${ID}/payment_methods`, (p, ctx, id) => this.listPMs(p, ctx, id));
		r('GET', `/v1/customers/${ID}/payment_methods/${ID}`, (p, ctx, cid, id) => {
			const pm = this.getOr404('payment_method', id, 'PaymentMethod');
			if (pm.customer !== cid)
				throw notFound('PaymentMethod', id);
			return pm;
		});

		r('POST', '/v1/payment_methods', this.createPM, { pk: true });
		r('GET', '/v1/payment_methods', (p, ctx) => this.listPMs(p, ctx));
		r('GET', `/v1/payment_methods/${ID}`, (p, ctx, id) => this.resolvePM(id, ctx, 'payment_method'));
		r('POST', `/v1/payment_methods/${ID}`, this.updatePM);
		r('POST', `/v1/payment_methods/${ID}/attach`, this.attachPM);
		r('POST', `/v1/payment_methods/${ID}/detach`, this.detachPM);

		r('POST', '/v1/setup_intents', this.createSI);
		r('GET', '/v1/setup_intents', this.listSIs);
		r('GET', `/v1/setup_intents/${ID}`, this.retrieveSI, { pk: true });
		r('POST', `/v1/setup_intents/${ID}`, this.updateSI);
		r('POST', `/v1/setup_intents/${ID}/confirm`, this.confirmSI, { pk: true });
		r('POST', `/v1/setup_intents/${ID}/cancel`, this.cancelSI);

		r('POST', '/v1/payment_intents', this.createPI);
		r('GET', '/v1/payment_intents', this.listPIs);
		r('GET', '/v1/payment_intents/search', this.searchPIs);
		r('GET', `/v1/payment_intents/${ID}`, this.retrievePI, { pk: true });
		r('POST', `/v1/payment_intents/${ID}`, this.updatePI);
		r('POST', `/v1/payment_intents/${ID}/confirm`, this.confirmPI, { pk: true });
		r('POST', `/v1/payment_intents/${ID}/cancel`, this.cancelPI);

		r('GET', '/v1/charges', this.listCharges);
		r('GET', `/v1/charges/${ID}`, (p, ctx, id) => this.getOr404('charge', id, 'charge'));

		r('POST', '/v1/refunds', this.createRefund);
		r('GET', '/v1/refunds', this.listRefunds);
		r('GET', `/v1/refunds/${ID}`, (p, ctx, id) => this.getOr404('refund', id, 'refund'));

		r('GET', `/v1/disputes/${ID}`, (p, ctx, id) => this.getOr404('dispute', id, 'dispute'));

		r('GET', '/v1/events', this.listEvents);
		r('GET', `/v1/events/${ID}`, (p, ctx, id) => this.getOr404('event', id, 'event'));
	}
}
