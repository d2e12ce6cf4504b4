// Helpers for the sandbox tests: start the real sandbox process on a free
// port, talk to it with form-encoded requests, and receive its webhooks,
// checking every signature independently with crypto.createHmac.

import { spawn } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const TOP = path.resolve(here, '..', '..');
export const SANDBOX = path.join(TOP, 'scripts', 'sandbox', 'stripe-sandbox.mjs');
export const SK = 'sk_test_sandboxTests0000000000001';
export const PK = 'pk_test_sandboxTests0000000000001';
export const WHSEC = 'whsec_sandboxTestsSecret0000000000001';

export function tmpdir() {
	return fs.mkdtempSync(path.join(os.tmpdir(), 'stripe-sandbox-test-'));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(fn, { timeout = 10000, interval = 25, what = 'condition' } = {}) {
	const end = Date.now() + timeout;
	for (;;) {
		const v = await fn();
		if (v)
			return v;
		if (Date.now() > end)
			throw new Error(`timed out waiting for ${what}`);
		await sleep(interval);
	}
}

export async function startSandbox({ state, webhookUrl, extra = [], sandbox = SANDBOX } = {}) {
	const args = [sandbox, '--port', '0', '--state', state, '--secret-key', SK, '--publishable-key', PK];
	if (webhookUrl)
		args.push('--webhook-url', webhookUrl, '--webhook-secret', WHSEC);
	args.push(...extra);
	const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	let err = '';
	proc.stderr.on('data', (d) => {
		err += d;
	});
	const url = await new Promise((resolve, reject) => {
		let out = '';
		const t = setTimeout(() => reject(new Error(`sandbox did not start: ${err}`)), 10000);
		proc.stdout.on('data', (d) => {
			out += d;
			const m = /stripe-sandbox listening on (http:\/\/\S+)/.exec(out);
			if (m) {
				clearTimeout(t);
				resolve(m[1]);
			}
		});
		proc.on('exit', (code) => {
			clearTimeout(t);
			reject(new Error(`sandbox exited (${code}): ${err}`));
		});
	});
	const sb = {
		url, proc,
		stderr: () => err,
		stop: () => new Promise((r) => {
			if (proc.exitCode !== null)
				return r();
			proc.once('exit', () => r());
			proc.kill('SIGTERM');
		}),
		api: (method, p, params, opts) => api(url, method, p, params, opts),
		control: async (method, p, body) => {
			const res = await fetch(url + p, {
				method,
				headers: body ? { 'Content-Type': 'application/json' } : {},
				body: body ? JSON.stringify(body) : undefined,
			});
			return res.json();
		},
	};
	return sb;
}

export function encode(obj, prefix, out = []) {
	if (obj === undefined || obj === null)
		return out;
	if (Array.isArray(obj)) {
		obj.forEach((v) => encode(v, `${prefix}[]`, out));
	} else if (typeof obj === 'object') {
		for (const [k, v] of Object.entries(obj))
			encode(v, prefix ? `${prefix}[${k}]` : k, out);
	} else {
		out.push(`${encodeURIComponent(prefix)}=${encodeURIComponent(String(obj))}`);
	}
	return out;
}

export async function api(base, method, p, params = {}, { key = SK, idem, basic = true, headers = {} } = {}) {
	const body = encode(params).join('&');
	const h = { ...headers };
	if (key)
		h.Authorization = basic ? `Basic ${Buffer.from(`${key}:`).toString('base64')}` : `Bearer ${key}`;
	if (idem)
		h['Idempotency-Key'] = idem;
	let url = base + p;
	const init = { method, headers: h };
	if (method === 'GET' || method === 'DELETE') {
		if (body)
			url += '?' + body;
	} else {
		h['Content-Type'] = 'application/x-www-form-urlencoded';
		init.body = body;
	}
	const res = await fetch(url, init);
	const text = await res.text();
	return { status: res.status, headers: res.headers, body: JSON.parse(text), text };
}

// Independent Stripe-Signature check: t=..., one or more v1=..., 300 s tolerance.
export function verifySignature(header, raw, secret, toleranceS = 300) {
	if (!header)
		return false;
	let t = null;
	const v1 = [];
	for (const part of header.split(',')) {
		const i = part.indexOf('=');
		if (i < 0)
			return false;
		const k = part.slice(0, i).trim();
		const v = part.slice(i + 1).trim();
		if (k === 't')
			t = v;
		else if (k === 'v1')
			v1.push(v);
	}
	if (!t || !/^\d+$/.test(t) || v1.length === 0)
		return false;
	if (Math.abs(Date.now() / 1000 - Number(t)) > toleranceS)
		return false;
	const want = Buffer.from(createHmac('sha256', secret).update(`${t}.${raw}`).digest('hex'));
	return v1.some((s) => {
		const got = Buffer.from(s);
		return got.length === want.length && timingSafeEqual(got, want);
	});
}

// A webhook endpoint: records every delivery; `respond(event, n)` decides the
// HTTP status (n = how many times this event id was delivered so far).
export async function startReceiver({ secret = WHSEC, respond = () => 200 } = {}) {
	const r = {
		deliveries: [],	// {id, type, ok, status, event, at}
		respond,
		badSignatures: 0,
	};
	const counts = new Map();
	r.server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const raw = Buffer.concat(chunks).toString('utf8');
			const ok = verifySignature(req.headers['stripe-signature'], raw, secret);
			if (!ok) {
				r.badSignatures++;
				res.writeHead(400);
				res.end('bad signature');
				return;
			}
			const ev = JSON.parse(raw);
			const n = (counts.get(ev.id) || 0) + 1;
			counts.set(ev.id, n);
			const status = r.respond(ev, n);
			r.deliveries.push({ id: ev.id, type: ev.type, status, event: ev, at: Date.now(), signature: req.headers['stripe-signature'], raw });
			res.writeHead(status, { 'Content-Type': 'application/json' });
			res.end('{}');
		});
	});
	await new Promise((res) => r.server.listen(0, '127.0.0.1', res));
	r.url = `http://127.0.0.1:${r.server.address().port}/stripe/webhook`;
	r.ok = () => r.deliveries.filter((d) => d.status >= 200 && d.status < 300);
	r.forObject = (id) => r.ok().filter((d) => d.event.data.object.id === id || d.event.data.object.payment_intent === id);
	r.close = () => new Promise((res) => {
		r.server.close(() => res());
		r.server.closeAllConnections?.();
	});
	return r;
}
