// The sandbox's state: every Stripe object, the internal facts behind them
// (test-card outcomes, pending ACH settlements, webhook deliveries still
// owed) and remembered idempotent responses.  Kept in memory and written to
// one JSON file atomically (temp file + rename) after every change, so it
// survives a restart.

import fs from 'node:fs';
import path from 'node:path';

export const TYPES = ['customer', 'payment_method', 'setup_intent', 'payment_intent',
	'charge', 'refund', 'dispute', 'event'];

export const PREFIX = {
	cus: 'customer', pm: 'payment_method', seti: 'setup_intent', pi: 'payment_intent',
	ch: 'charge', py: 'charge', re: 'refund', dp: 'dispute', evt: 'event',
};

function empty() {
	const objects = {};
	const order = {};
	for (const t of TYPES) {
		objects[t] = {};
		order[t] = [];
	}
	return {
		version: 1,
		objects,
		order,		// type -> ids, oldest first
		internal: {	// id -> private facts, never sent to clients
			pm: {},		// pm id -> { key: card number | account number, kind, used, setup_done }
			ach: {},	// pi id -> { settle_at }
		},
		idempotency: {},	// scope \0 key -> { method, path, params, status, body, request_id, created_ms }
		webhook_jobs: [],	// { id, event_id, attempts, next_at_ms }
	};
}

export class Store {
	constructor(file) {
		this.file = path.resolve(file);
		this.dirty = false;
		this.state = empty();
		this.load();
	}

	load() {
		let text;
		try {
			text = fs.readFileSync(this.file, 'utf8');
		} catch (e) {
			if (e.code === 'ENOENT')
				return;
			throw e;
		}
		if (text.trim() === '')
			return;
		const s = JSON.parse(text);
		const base = empty();
		for (const t of TYPES) {
			base.objects[t] = s.objects?.[t] || {};
			base.order[t] = s.order?.[t] || Object.keys(base.objects[t]);
		}
		base.internal.pm = s.internal?.pm || {};
		base.internal.ach = s.internal?.ach || {};
		base.idempotency = s.idempotency || {};
		base.webhook_jobs = s.webhook_jobs || [];
		this.state = base;
	}

	reset() {
		this.state = empty();
		this.dirty = true;
		this.save();
	}

	save() {
		if (!this.dirty)
			return;
		this.prune();
		const tmp = `${this.file}.tmp-${process.pid}`;
		fs.mkdirSync(path.dirname(this.file), { recursive: true });
		fs.writeFileSync(tmp, JSON.stringify(this.state), { mode: 0o600 });
		fs.renameSync(tmp, this.file);
		this.dirty = false;
	}

	// Idempotency keys are kept 24 hours.
	prune() {
		const cutoff = Date.now() - 24 * 3600 * 1000;
		for (const [k, v] of Object.entries(this.state.idempotency)) {
			if (v.created_ms < cutoff)
				delete this.state.idempotency[k];
		}
	}

	touch() {
		this.dirty = true;
	}

	get(type, id) {
		return Object.prototype.hasOwnProperty.call(this.state.objects[type], id)
		    ? this.state.objects[type][id] : undefined;
	}

	put(obj) {
		const t = obj.object;
		if (!this.get(t, obj.id))
			this.state.order[t].push(obj.id);
		this.state.objects[t][obj.id] = obj;
		this.dirty = true;
		return obj;
	}

	remove(type, id) {
		delete this.state.objects[type][id];
		this.state.order[type] = this.state.order[type].filter((x) => x !== id);
		this.dirty = true;
	}

	// newest first
	all(type) {
		const ids = this.state.order[type];
		const out = [];
		for (let i = ids.length - 1; i >= 0; i--) {
			const o = this.state.objects[type][ids[i]];
			if (o)
				out.push(o);
		}
		return out;
	}

	counts() {
		const c = {};
		for (const t of TYPES)
			c[t] = this.state.order[t].length;
		return c;
	}
}
