// HTTP front of the sandbox: authentication, Idempotency-Key handling, the
// request log, the Stripe.js stand-in routes and the /_sandbox/ test-control
// endpoints.

import http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { Store } from './store.mjs';
import { Webhooks } from './webhooks.mjs';
import { Api, API_VERSION } from './api.mjs';
import { StripeJs } from './stripejs.mjs';
import { parseForm, FormError, canonical, rand62, StripeError, invalid, clone } from './util.mjs';

const MAX_BODY = 1024 * 1024;
const LOG_MAX = 20000;

function safeEqual(a, b) {
	const x = Buffer.from(String(a));
	const y = Buffer.from(String(b));
	return x.length === y.length && timingSafeEqual(x, y);
}

function mask(key) {
	return key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(Math.max(4, key.length - 12))}${key.slice(-4)}` : '****';
}

// Card and account numbers never go into the request log.
function redact(v, pathKey = '') {
	if (Array.isArray(v))
		return v.map((x) => redact(x, pathKey));
	if (v && typeof v === 'object') {
		const o = {};
		for (const [k, x] of Object.entries(v))
			o[k] = redact(x, k);
		return o;
	}
	if (typeof v === 'string') {
		if (pathKey === 'number' || pathKey === 'account_number')
			return v.length > 4 ? `****${v.replace(/\D/g, '').slice(-4)}` : '****';
		if (pathKey === 'cvc')
			return '***';
	}
	return v;
}

function readBody(req) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		let n = 0;
		req.on('data', (c) => {
			n += c.length;
			if (n > MAX_BODY) {
				reject(Object.assign(new Error('body too large'), { status: 413 }));
				req.destroy();
				return;
			}
			chunks.push(c);
		});
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

export class Sandbox {
	constructor(opts) {
		this.opts = opts;
		this.config = {
			ach_delay_ms: opts.achDelayMs ?? 3000,
			duplicate_webhooks: !!opts.duplicateWebhooks,
			shuffle_webhooks: !!opts.shuffleWebhooks,
			shuffle_window_ms: opts.shuffleWindowMs ?? 500,
			webhook_url: opts.webhookUrl || null,
			webhook_secret: opts.webhookSecret || '',
			webhook_retry_base_ms: opts.webhookRetryBaseMs ?? 1000,
			webhook_max_attempts: opts.webhookMaxAttempts ?? 10,
			webhook_timeout_ms: opts.webhookTimeoutMs ?? 10000,
			// Tests: answer POST /v1/payment_intents this much later (the
			// intent exists at once; only the reply is late).
			pi_create_delay_ms: 0,
			// The same for POST /v1/payment_intents/:id/confirm; with
			// pi_delay_customer set, only that customer's intents are slow.
			pi_confirm_delay_ms: 0,
			pi_delay_customer: null,
			public_url: null,
		};
		this.store = new Store(opts.state);
		this.webhooks = new Webhooks(this.store, this.config);
		this.api = new Api(this.store, this.webhooks, this.config);
		this.js = new StripeJs(this);
		this.requests = [];
		this.seq = 0;
		this.started = new Date().toISOString();
	}

	async listen() {
		this.server = http.createServer((req, res) => {
			this.onRequest(req, res).catch((e) => {
				process.stderr.write(`stripe-sandbox: ${e.stack || e}\n`);
				if (!res.headersSent)
					this.json(res, 500, { error: { type: 'api_error', message: 'An unknown error occurred in the sandbox.' } });
				else
					res.destroy();
			});
		});
		this.server.keepAliveTimeout = 5000;
		await new Promise((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(this.opts.port, this.opts.host, resolve);
		});
		const addr = this.server.address();
		this.port = addr.port;
		const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
		this.config.public_url = this.opts.publicUrl || `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${this.port}`;
		this.api.resumeAch();
		this.webhooks.start();
		return this.config.public_url;
	}

	async close() {
		this.webhooks.stop();
		this.api.clearTimers();
		this.store.save();
		if (this.server) {
			await new Promise((r) => {
				this.server.close(() => r());
				this.server.closeAllConnections?.();
			});
		}
	}

	json(res, status, body, headers = {}) {
		const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2) + '\n';
		res.writeHead(status, {
			'Content-Type': 'application/json',
			'Cache-Control': 'no-cache, no-store',
			'Content-Length': Buffer.byteLength(text),
			...headers,
		});
		res.end(text);
	}

	async onRequest(req, res) {
		const url = new URL(req.url, 'http://sandbox.invalid');
		const path = url.pathname.replace(/\/+$/, '') || '/';
		let raw = '';
		try {
			raw = await readBody(req);
		} catch (e) {
			this.json(res, e.status || 400, { error: { type: 'invalid_request_error', message: e.message } });
			return;
		}
		if (path.startsWith('/_sandbox')) {
			await this.control(req, res, path, url, raw);
			return;
		}
		const entry = {
			seq: ++this.seq, at: new Date().toISOString(), method: req.method, path,
			origin: req.headers.origin || null, referer: req.headers.referer || null,
			user_agent: req.headers['user-agent'] || null,
			idempotency_key: req.headers['idempotency-key'] || null,
			auth: null, request_id: null, status: null, replayed: false, params: null,
		};
		this.requests.push(entry);
		if (this.requests.length > LOG_MAX)
			this.requests.splice(0, this.requests.length - LOG_MAX);
		const origEnd = res.end.bind(res);
		const delay = this.replyDelay(req.method, path, raw);
		res.end = (...a) => {
			this.store.save();	/* journaled before the answer leaves */
			entry.status = res.statusCode;
			if (delay > 0) {
				setTimeout(() => origEnd(...a), delay);
				return res;
			}
			return origEnd(...a);
		};
		try {
			if (path === '/v3' || path.startsWith('/v3/')) {
				if (req.method === 'POST') {
					try {
						entry.params = redact(parseForm(raw));
					} catch {}
				}
				this.js.handle(req, res, path, url, raw);
				return;
			}
			if (path.startsWith('/v1/') || path === '/v1') {
				this.v1(req, res, path, url, raw, entry);
				return;
			}
			if (path === '/') {
				this.json(res, 200, { object: 'sandbox', name: 'stripe-sandbox', api: `${this.config.public_url}/v1`, stripe_js: `${this.config.public_url}/v3` });
				return;
			}
			this.json(res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${path}).` } });
		} finally {
			this.store.save();
		}
	}

	cors(req) {
		return {
			'Access-Control-Allow-Origin': '*',
			'Access-Control-Allow-Credentials': 'false',
			'Access-Control-Expose-Headers': 'Request-Id, Stripe-Version, Idempotency-Key, Idempotent-Replayed',
			'Access-Control-Max-Age': '300',
		};
	}

	authenticate(req, params) {
		let key = null;
		const h = req.headers.authorization;
		if (h) {
			const m = /^\s*(Basic|Bearer)\s+(\S+)\s*$/i.exec(h);
			if (m && m[1].toLowerCase() === 'basic') {
				const dec = Buffer.from(m[2], 'base64').toString('utf8');
				key = dec.split(':')[0];
			} else if (m) {
				key = m[2];
			} else {
				key = '';
			}
		}
		if (key === null && typeof params.key === 'string' && params.key.startsWith('pk_'))
			key = params.key;		/* Stripe.js style: key=pk_... in the form */
		delete params.key;
		if (key === null || key === '') {
			throw new StripeError(401, {
				message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
				type: 'invalid_request_error',
			}, { headers: { 'WWW-Authenticate': 'Basic realm="Stripe"' } });
		}
		if (safeEqual(key, this.opts.secretKey))
			return { auth: 'secret', key };
		if (safeEqual(key, this.opts.publishableKey))
			return { auth: 'publishable', key };
		throw new StripeError(401, {
			message: `Invalid API Key provided: ${mask(key)}`,
			type: 'invalid_request_error',
		}, { headers: { 'WWW-Authenticate': 'Basic realm="Stripe"' } });
	}

	v1(req, res, path, url, raw, entry) {
		const cors = this.cors(req);
		if (req.method === 'OPTIONS') {
			res.writeHead(204, {
				...cors,
				'Access-Control-Allow-Methods': 'GET, POST, DELETE',
				'Access-Control-Allow-Headers': 'Authorization, Content-Type, Idempotency-Key, Stripe-Version, Stripe-Account',
			});
			res.end();
			return;
		}
		const requestId = `req_${rand62(14)}`;
		entry.request_id = requestId;
		const headers = {
			...cors,
			'Request-Id': requestId,
			'Stripe-Version': req.headers['stripe-version'] || API_VERSION,
		};
		const idemKey = req.method === 'POST' ? (req.headers['idempotency-key'] ?? null) : null;
		if (idemKey !== null)
			headers['Idempotency-Key'] = idemKey;
		const fail = (e) => {
			this.json(res, e.status, { error: e.err }, { ...headers, ...e.headers });
		};
		let params;
		try {
			params = parseForm(url.search.slice(1));
			if (req.method === 'POST' || req.method === 'DELETE')
				Object.assign(params, parseForm(raw));
		} catch (e) {
			if (e instanceof FormError) {
				fail(invalid(e.message));
				return;
			}
			throw e;
		}
		entry.params = redact(params);
		let who;
		try {
			who = this.authenticate(req, params);
		} catch (e) {
			entry.auth = 'invalid';
			fail(e);
			return;
		}
		entry.auth = who.auth;
		delete params.payment_user_agent;
		delete params.referrer;
		delete params.time_on_page;
		delete params._stripe_version;
		const ctx = { auth: who.auth, requestId, idempotencyKey: idemKey };

		let slot = null;
		let rec = null;
		if (idemKey !== null) {
			if (idemKey.length > 255) {
				fail(invalid('Idempotency-Key must be at most 255 characters long.', { param: 'Idempotency-Key' }));
				return;
			}
			slot = `${who.key}\u0000${idemKey}`;
			rec = this.store.state.idempotency[slot];
			if (rec && rec.created_ms < Date.now() - 24 * 3600 * 1000)
				rec = null;
			const sig = canonical(params);
			if (rec) {
				if (rec.method !== req.method || rec.path !== path || rec.params !== sig) {
					fail(new StripeError(400, {
						message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
						type: 'idempotency_error',
					}));
					return;
				}
				entry.replayed = true;
				this.json(res, rec.status, rec.body, {
					...headers, 'Idempotent-Replayed': 'true', 'Original-Request': rec.request_id,
				});
				return;
			}
			rec = { method: req.method, path, params: sig };
		}
		let status;
		let body;
		let save = true;
		let extra = {};
		try {
			const out = this.api.handle(req.method, path, params, ctx);
			status = out.status;
			body = out.body;
		} catch (e) {
			if (!(e instanceof StripeError))
				throw e;
			status = e.status;
			body = { error: e.err };
			save = e.save;
			extra = e.headers;
		}
		const text = JSON.stringify(body, null, 2) + '\n';
		if (rec && save) {
			Object.assign(rec, { status, body: text, request_id: requestId, created_ms: Date.now() });
			this.store.state.idempotency[slot] = rec;
			this.store.touch();
		}
		this.json(res, status, text, { ...headers, ...extra });
	}

	// ---- test-control endpoints ------------------------------------------------

	controlParams(req, url, raw) {
		const p = parseForm(url.search.slice(1));
		if (!raw)
			return p;
		if ((req.headers['content-type'] || '').includes('json'))
			return Object.assign(p, JSON.parse(raw));
		return Object.assign(p, parseForm(raw));
	}

	async control(req, res, path, url, raw) {
		let p;
		try {
			p = this.controlParams(req, url, raw);
		} catch (e) {
			this.json(res, 400, { error: { type: 'invalid_request_error', message: `bad body: ${e.message}` } });
			return;
		}
		const m = req.method;
		const b = (v) => v === true || v === 'true' || v === '1' || v === 1;
		try {
			if (path === '/_sandbox/health' && m === 'GET') {
				this.json(res, 200, {
					ok: true, pid: process.pid, started: this.started, url: this.config.public_url,
					api_version: API_VERSION, state_file: this.store.file, counts: this.store.counts(),
					webhooks_pending: this.webhooks.pending(), config: this.publicConfig(),
				});
			} else if (path === '/_sandbox/config' && (m === 'POST' || m === 'GET')) {
				if (m === 'POST') {
					const c = this.config;
					const num = (k, min = 0) => {
						if (p[k] === undefined)
							return;
						const n = Number(p[k]);
						if (!Number.isFinite(n) || n < min)
							throw new Error(`${k} must be a number >= ${min}`);
						c[k] = n;
					};
					num('ach_delay_ms');
					num('shuffle_window_ms');
					num('webhook_retry_base_ms');
					num('webhook_max_attempts', 1);
					num('webhook_timeout_ms', 1);
					num('pi_create_delay_ms');
					num('pi_confirm_delay_ms');
					if (p.pi_delay_customer !== undefined)
						c.pi_delay_customer = String(p.pi_delay_customer) || null;
					if (p.duplicate_webhooks !== undefined)
						c.duplicate_webhooks = b(p.duplicate_webhooks);
					if (p.shuffle_webhooks !== undefined) {
						c.shuffle_webhooks = b(p.shuffle_webhooks);
						if (!c.shuffle_webhooks)
							this.webhooks.release();
					}
					if (p.webhook_url !== undefined)
						c.webhook_url = p.webhook_url || null;
					if (p.webhook_secret !== undefined)
						c.webhook_secret = String(p.webhook_secret);
				}
				this.json(res, 200, this.publicConfig());
			} else if (path === '/_sandbox/webhooks/flush' && m === 'POST') {
				const r = await this.webhooks.flush(Number(p.timeout_ms) || 30000);
				this.json(res, 200, r);
			} else if (path === '/_sandbox/webhooks' && m === 'GET') {
				this.json(res, 200, {
					pending: this.webhooks.jobs.map((j) => ({ ...j, type: this.store.get('event', j.event_id)?.type })),
					deliveries: this.webhooks.log,
					delivered_total: this.webhooks.delivered, failed_total: this.webhooks.failed,
				});
			} else if (path === '/_sandbox/requests' && m === 'GET') {
				let d = this.requests;
				if (p.method)
					d = d.filter((r) => r.method === String(p.method).toUpperCase());
				if (p.path)
					d = d.filter((r) => r.path === p.path);
				if (p.path_prefix)
					d = d.filter((r) => r.path.startsWith(p.path_prefix));
				if (p.idempotency_key)
					d = d.filter((r) => r.idempotency_key === p.idempotency_key);
				if (p.request_id)
					d = d.filter((r) => r.request_id === p.request_id);
				if (p.since)
					d = d.filter((r) => r.seq > Number(p.since));
				this.json(res, 200, { object: 'list', data: d, count: d.length, last_seq: this.seq });
			} else if (path === '/_sandbox/requests' && m === 'DELETE') {
				this.requests = [];
				this.json(res, 200, { ok: true });
			} else if (path === '/_sandbox/reset' && m === 'POST') {
				this.api.clearTimers();
				this.webhooks.clear();
				this.store.reset();
				this.requests = [];
				this.json(res, 200, { ok: true });
			} else if (path === '/_sandbox/ach/settle' && m === 'POST') {
				const ids = p.payment_intent ? [p.payment_intent] : Object.keys(this.store.state.internal.ach);
				const out = ids.map((id) => this.api.settleAch(id)).filter(Boolean).map((pi) => ({ id: pi.id, status: pi.status }));
				this.store.save();
				this.json(res, 200, { settled: out });
			} else if (path === '/_sandbox/disputes' && m === 'POST') {
				let ch = p.charge && this.store.get('charge', p.charge);
				if (!ch && p.payment_intent) {
					const pi = this.store.get('payment_intent', p.payment_intent);
					ch = pi && this.store.get('charge', pi.latest_charge);
				}
				if (!ch || ch.status !== 'succeeded') {
					this.json(res, 400, { error: { type: 'invalid_request_error', message: 'need a succeeded charge (charge= or payment_intent=)' } });
					return;
				}
				const dp = this.api.createDispute(ch, p.reason, { requestId: null, idempotencyKey: null });
				this.store.save();
				this.json(res, 200, clone(dp));
			} else {
				this.json(res, 404, { error: { type: 'invalid_request_error', message: `Unknown sandbox control endpoint ${m} ${path}` } });
			}
		} catch (e) {
			if (e instanceof StripeError) {
				this.json(res, e.status, { error: e.err });
				return;
			}
			this.json(res, 400, { error: { type: 'invalid_request_error', message: e.message } });
		}
	}

	// Tests: a slow Stripe. How much later the reply to a PaymentIntent
	// create or confirm is sent (the work itself is done at once).
	replyDelay(method, path, raw) {
		const c = this.config;
		let ms = 0, cus = null;
		if (method !== 'POST')
			return 0;
		if (path === '/v1/payment_intents') {
			ms = c.pi_create_delay_ms || 0;
			if (ms && c.pi_delay_customer) {
				try {
					cus = parseForm(raw).customer;
				} catch {}
			}
		} else {
			const m = /^\/v1\/payment_intents\/([A-Za-z0-9_]+)\/confirm$/.exec(path);
			if (!m)
				return 0;
			ms = c.pi_confirm_delay_ms || 0;
			if (ms && c.pi_delay_customer)
				cus = this.store.get('payment_intent', m[1])?.customer;
		}
		if (ms && c.pi_delay_customer && cus !== c.pi_delay_customer)
			return 0;
		return ms;
	}

	publicConfig() {
		const c = { ...this.config };
		c.webhook_secret = c.webhook_secret ? `${c.webhook_secret.slice(0, 6)}…` : '';
		return c;
	}
}
