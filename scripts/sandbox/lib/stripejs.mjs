// Routes of the Stripe.js stand-in:
//   GET  /v3                  the script pages load instead of https://js.stripe.com/v3
//   GET  /v3/elements-frame   the iframe holding the card / bank inputs
//   GET  /v3/authenticate     the 3-D Secure test page (the stand-in for hooks.stripe.com)
//   POST /v3/authenticate     its Complete / Fail buttons
// The browser files live in ../static/.

import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseForm, StripeError } from './util.mjs';

const STATIC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'static');

export class StripeJs {
	constructor(sandbox) {
		this.sb = sandbox;
		this.files = {};
		for (const f of ['stripe-v3.js', 'elements-frame.html', 'authenticate.html'])
			this.files[f] = fs.readFileSync(path.join(STATIC, f), 'utf8');
	}

	send(res, status, type, body, headers = {}) {
		res.writeHead(status, {
			'Content-Type': type,
			'Content-Length': Buffer.byteLength(body),
			'X-Content-Type-Options': 'nosniff',
			...headers,
		});
		res.end(body);
	}

	page(res, file, extraCsp = '') {
		const nonce = randomBytes(16).toString('base64');
		const html = this.files[file].replaceAll('__NONCE__', nonce);
		this.send(res, 200, 'text/html; charset=utf-8', html, {
			'Cache-Control': 'no-store',
			'Referrer-Policy': 'no-referrer',
			// Any page may frame these, like js.stripe.com's frames.
			'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors *${extraCsp}`,
		});
	}

	handle(req, res, p, url, raw) {
		if (req.method === 'OPTIONS') {
			res.writeHead(204, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'GET' });
			res.end();
			return;
		}
		if ((p === '/v3') && (req.method === 'GET' || req.method === 'HEAD')) {
			const origin = this.sb.config.public_url;
			const js = this.files['stripe-v3.js'].replace('__SANDBOX_ORIGIN__', origin);
			this.send(res, 200, 'application/javascript; charset=utf-8', js, {
				'Access-Control-Allow-Origin': '*',
				'Cross-Origin-Resource-Policy': 'cross-origin',
				'Cache-Control': 'no-cache',
			});
			return;
		}
		if (p === '/v3/elements-frame' && req.method === 'GET') {
			this.page(res, 'elements-frame.html');
			return;
		}
		if (p === '/v3/authenticate' && req.method === 'GET') {
			this.page(res, 'authenticate.html');
			return;
		}
		if (p === '/v3/authenticate' && req.method === 'POST') {
			let f;
			try {
				f = parseForm(raw);
			} catch {
				f = {};
			}
			const id = String(f.intent || '');
			const cs = String(f.client_secret || '');
			const outcome = f.outcome === 'complete' ? 'complete' : 'fail';
			try {
				const { intent: it, return_url: ret } = this.sb.api.authenticate(id, cs, outcome);
				this.sb.store.save();
				let redirect = null;
				if (ret) {
					const u = new URL(ret);
					const k = it.object === 'payment_intent' ? 'payment_intent' : 'setup_intent';
					u.searchParams.set(k, it.id);
					u.searchParams.set(`${k}_client_secret`, it.client_secret);
					u.searchParams.set('redirect_status', it.status === 'succeeded' ? 'succeeded' : 'failed');
					redirect = u.toString();
				}
				const body = JSON.stringify({
					id: it.id, object: it.object, status: it.status, amount: it.amount ?? null,
					currency: it.currency ?? null, redirect,
				});
				this.send(res, 200, 'application/json', body, { 'Cache-Control': 'no-store' });
			} catch (e) {
				if (!(e instanceof StripeError))
					throw e;
				this.send(res, e.status, 'application/json', JSON.stringify({ error: e.err }));
			}
			return;
		}
		if (p === '/v3/intent-summary' && req.method === 'GET') {
			// amount shown on the 3-D Secure page; needs the client secret
			const id = url.searchParams.get('intent') || '';
			const cs = url.searchParams.get('client_secret') || '';
			const type = id.startsWith('seti_') ? 'setup_intent' : 'payment_intent';
			const it = this.sb.store.get(type, id);
			if (!it || it.client_secret !== cs) {
				this.send(res, 404, 'application/json', JSON.stringify({ error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such intent' } }));
				return;
			}
			this.send(res, 200, 'application/json', JSON.stringify({
				id: it.id, object: it.object, status: it.status, amount: it.amount ?? null, currency: it.currency ?? null,
			}), { 'Cache-Control': 'no-store' });
			return;
		}
		this.send(res, 404, 'application/json', JSON.stringify({ error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${p}).` } }));
	}
}
