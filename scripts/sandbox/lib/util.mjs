// Small helpers shared by the sandbox: ids, Stripe's form encoding, errors.
// Node standard library only.

import { randomBytes, createHash } from 'node:crypto';

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function rand62(n) {
	const out = [];
	while (out.length < n) {
		for (const b of randomBytes(n * 2)) {
			if (b < 248 && out.length < n)	/* 248 = 4 * 62: no modulo bias */
				out.push(B62[b % 62]);
		}
	}
	return out.join('');
}

export function newId(prefix) {
	return `${prefix}_${rand62(24)}`;
}

export function now() {
	return Math.floor(Date.now() / 1000);
}

export function clone(v) {
	return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

export function fingerprint(s) {
	return createHash('sha256').update('sandbox-fp:' + s).digest('base64')
	    .replace(/[^A-Za-z0-9]/g, '').slice(0, 16);
}

// ---- Stripe's form encoding ------------------------------------------------
// a=1&b[c]=2&d[]=x&d[]=y&e[0][f]=3  ->  {a:"1", b:{c:"2"}, d:["x","y"], e:[{f:"3"}]}

const BAD_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function splitKey(key) {
	const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
	if (!m)
		return null;
	const parts = [m[1]];
	for (const b of m[2].matchAll(/\[([^[\]]*)\]/g))
		parts.push(b[1]);
	return parts;
}

function fixArrays(v) {
	if (v === null || typeof v !== 'object')
		return v;
	if (Array.isArray(v))
		return v.map(fixArrays);
	const keys = Object.keys(v);
	if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
		return keys.map(Number).sort((a, b) => a - b).map((k) => fixArrays(v[k]));
	}
	const o = {};
	for (const k of keys)
		o[k] = fixArrays(v[k]);
	return o;
}

export class FormError extends Error {}

export function parseForm(str) {
	const root = {};
	const sp = new URLSearchParams(str || '');
	for (const [key, value] of sp) {
		const parts = splitKey(key);
		if (!parts)
			throw new FormError(`Invalid parameter name: ${key}`);
		let cur = root;
		for (let i = 0; i < parts.length; i++) {
			const p = parts[i];
			const last = i === parts.length - 1;
			if (BAD_KEYS.has(p))
				throw new FormError(`Invalid parameter name: ${key}`);
			if (p === '') {
				if (!Array.isArray(cur))
					throw new FormError(`Invalid array parameter: ${key}`);
				if (last) {
					cur.push(value);
				} else {
					const o = parts[i + 1] === '' ? [] : {};
					cur.push(o);
					cur = o;
				}
				continue;
			}
			if (last) {
				cur[p] = value;
			} else {
				if (cur[p] === undefined || typeof cur[p] !== 'object')
					cur[p] = parts[i + 1] === '' ? [] : {};
				cur = cur[p];
			}
		}
	}
	return fixArrays(root);
}

export function encodeForm(obj, prefix, out = []) {
	if (obj === null || obj === undefined)
		return out;
	if (Array.isArray(obj)) {
		obj.forEach((v, i) => encodeForm(v, `${prefix}[${i}]`, out));
	} else if (typeof obj === 'object') {
		for (const [k, v] of Object.entries(obj))
			encodeForm(v, prefix ? `${prefix}[${k}]` : k, out);
	} else {
		out.push(`${encodeURIComponent(prefix)}=${encodeURIComponent(String(obj))}`);
	}
	return prefix ? out : out.join('&');
}

// Canonical form of parsed params: used to compare idempotent requests.
export function canonical(v) {
	if (Array.isArray(v))
		return '[' + v.map(canonical).join(',') + ']';
	if (v && typeof v === 'object')
		return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
	return JSON.stringify(v);
}

// ---- errors ----------------------------------------------------------------

export class StripeError extends Error {
	// status: HTTP status; err: the body's "error" object; save: whether an
	// Idempotency-Key remembers this result (Stripe saves results only once
	// the endpoint has begun executing, not for failed validation).
	constructor(status, err, { save = false, headers = {} } = {}) {
		super(err.message);
		this.status = status;
		this.err = err;
		this.save = save;
		this.headers = headers;
	}
}

const DOC = 'https://stripe.com/docs/error-codes/';

export function invalid(message, { param, code, status = 400 } = {}) {
	const e = { message, type: 'invalid_request_error' };
	if (code) {
		e.code = code;
		e.doc_url = DOC + code.replace(/_/g, '-');
	}
	if (param)
		e.param = param;
	return new StripeError(status, e);
}

export function missing(param) {
	return invalid(`Missing required param: ${param}.`, { param, code: 'parameter_missing' });
}

export function notFound(kind, id, param = 'id') {
	return invalid(`No such ${kind}: '${id}'`, { param, code: 'resource_missing', status: 404 });
}

// ---- parameter readers -------------------------------------------------------

export function int(params, name, { required = false, min } = {}) {
	const v = params[name];
	if (v === undefined || v === '') {
		if (required)
			throw missing(name);
		return undefined;
	}
	if (typeof v !== 'string' || !/^-?\d+$/.test(v))
		throw invalid(`Invalid integer: ${typeof v === 'string' ? v : JSON.stringify(v)}`, { param: name });
	const n = Number(v);
	if (!Number.isSafeInteger(n))
		throw invalid(`Invalid integer: ${v}`, { param: name });
	if (min !== undefined && n < min)
		throw invalid(`This value must be greater than or equal to ${min}.`, { param: name });
	return n;
}

// As Stripe's v1 API: "true" and "false" in any letter case (stripe-node,
// stripe-ruby and stripe-php send true/false; stripe-python before 2025
// sent Python's True/False); anything else, "1" and "0" too, is
// 400 "Invalid boolean: <value>".
export function bool(params, name) {
	const v = params[name];
	if (v === undefined || v === '')
		return undefined;
	const l = typeof v === 'string' ? v.toLowerCase() : v;
	if (l === 'true')
		return true;
	if (l === 'false')
		return false;
	throw invalid(`Invalid boolean: ${typeof v === 'string' ? v : JSON.stringify(v)}`, { param: name });
}

export function str(params, name, { required = false, max = 5000 } = {}) {
	const v = params[name];
	if (v === undefined) {
		if (required)
			throw missing(name);
		return undefined;
	}
	if (typeof v !== 'string')
		throw invalid(`Invalid string: ${JSON.stringify(v)}`, { param: name });
	if (required && v === '')
		throw missing(name);
	if (v.length > max)
		throw invalid(`Invalid string: ${v.slice(0, 20)}...; must be at most ${max} characters`, { param: name });
	return v;
}

export function strArray(params, name) {
	const v = params[name];
	if (v === undefined)
		return undefined;
	if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
		throw invalid(`Invalid array`, { param: name });
	return v;
}

export function enumv(params, name, allowed, opts = {}) {
	const v = str(params, name, opts);
	if (v === undefined || v === '')
		return v === '' ? null : undefined;
	if (!allowed.includes(v))
		throw invalid(`Invalid ${name}: must be one of ${allowed.join(', ')}`, { param: name });
	return v;
}

// Only known top-level parameters are accepted, like Stripe.
export function allow(params, names) {
	for (const k of Object.keys(params)) {
		if (!names.includes(k) && k !== 'expand')
			throw invalid(`Received unknown parameter: ${k}`, { param: k });
	}
}

// metadata[k]=v; an empty value deletes the key (Stripe's update rule).
export function mergeMetadata(cur, params) {
	const m = params.metadata;
	if (m === undefined)
		return cur;
	if (m === '')
		return {};
	if (typeof m !== 'object' || Array.isArray(m))
		throw invalid('Invalid hash', { param: 'metadata' });
	const out = { ...(cur || {}) };
	for (const [k, v] of Object.entries(m)) {
		if (typeof v !== 'string')
			throw invalid('Invalid metadata value', { param: `metadata[${k}]` });
		if (k.length > 40)
			throw invalid('Metadata keys can have a maximum length of 40 characters.', { param: `metadata[${k}]` });
		if (v.length > 500)
			throw invalid('Metadata values can have a maximum length of 500 characters.', { param: `metadata[${k}]` });
		if (v === '')
			delete out[k];
		else
			out[k] = v;
	}
	if (Object.keys(out).length > 50)
		throw invalid('Metadata can have a maximum of 50 keys.', { param: 'metadata' });
	return out;
}

export function shuffle(a) {
	for (let i = a.length - 1; i > 0; i--) {
		const j = randomBytes(4).readUInt32BE(0) % (i + 1);
		[a[i], a[j]] = [a[j], a[i]];
	}
	return a;
}
