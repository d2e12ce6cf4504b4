// The sandbox's state: every Stripe object, the internal facts behind them
// (test-card outcomes, pending ACH settlements, webhook deliveries still
// owed) and remembered idempotent responses.  Kept in memory and persisted
// incrementally so it survives a restart:
//
//   FILE          a snapshot (the whole state as JSON), written atomically
//                 (temp file + rename) only when compacting;
//   FILE.journal  one JSON line per changed entry, appended after every
//                 change (one write per request or timer tick).
//
// On start the snapshot is read, the journal replayed over it (a torn last
// line from a crash is ignored) and the two compacted into a new snapshot.
// The journal is compacted again once it outgrows the snapshot (and 8 MB),
// so the cost of a change is the size of what changed, not of the state.
// Replaying is idempotent, so a crash between the snapshot's rename and the
// journal's truncation loses nothing.

import fs from 'node:fs';
import path from 'node:path';

export const TYPES = ['customer', 'payment_method', 'setup_intent', 'payment_intent',
	'charge', 'refund', 'dispute', 'event'];

export const PREFIX = {
	cus: 'customer', pm: 'payment_method', seti: 'setup_intent', pi: 'payment_intent',
	ch: 'charge', py: 'charge', re: 'refund', dp: 'dispute', evt: 'event',
};

const COMPACT_MIN_BYTES = 8 * 1024 * 1024;
const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

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

// Journal sections: objects of one type ("o:<type>") and the three maps the
// API changes in place ("pm", "ach", "idem"; see track()).
const MAPS = { pm: (s) => s.internal.pm, ach: (s) => s.internal.ach, idem: (s) => s.idempotency };

export class Store {
	constructor(file) {
		this.file = path.resolve(file);
		this.journalFile = `${this.file}.journal`;
		this.dirty = false;
		this.seen = new Map();	// section -> Set of keys read or written since the last save
		this.raw = empty();
		this.load();
		this.compact();
	}

	// --- persistence ---------------------------------------------------

	load() {
		let text = '';
		try {
			text = fs.readFileSync(this.file, 'utf8');
		} catch (e) {
			if (e.code !== 'ENOENT')
				throw e;
		}
		const base = empty();
		if (text.trim() !== '') {
			const s = JSON.parse(text);
			for (const t of TYPES) {
				base.objects[t] = s.objects?.[t] || {};
				base.order[t] = s.order?.[t] || Object.keys(base.objects[t]);
			}
			base.internal.pm = s.internal?.pm || {};
			base.internal.ach = s.internal?.ach || {};
			base.idempotency = s.idempotency || {};
			base.webhook_jobs = s.webhook_jobs || [];
		}
		this.raw = base;
		this.replay();
		this.wrap();
	}

	replay() {
		let text;
		try {
			text = fs.readFileSync(this.journalFile, 'utf8');
		} catch (e) {
			if (e.code === 'ENOENT')
				return;
			throw e;
		}
		const lines = text.split('\n');
		for (let i = 0; i < lines.length; i++) {
			if (lines[i] === '')
				continue;
			let r;
			try {
				r = JSON.parse(lines[i]);
			} catch (e) {
				if (i >= lines.length - 2)
					break;	// torn last line: the write a crash interrupted
				throw new Error(`${this.journalFile}:${i + 1}: ${e.message}`);
			}
			this.apply(r);
		}
	}

	apply(r) {
		const s = this.raw;
		if (r.s === 'jobs') {
			s.webhook_jobs = r.v;
		} else if (r.s.startsWith('o:')) {
			const t = r.s.slice(2);
			if (r.d) {
				if (hasOwn(s.objects[t], r.k)) {
					delete s.objects[t][r.k];
					s.order[t] = s.order[t].filter((x) => x !== r.k);
				}
			} else {
				if (!hasOwn(s.objects[t], r.k))
					s.order[t].push(r.k);
				s.objects[t][r.k] = r.v;
			}
		} else if (r.d) {
			delete MAPS[r.s](s)[r.k];
		} else {
			MAPS[r.s](s)[r.k] = r.v;
		}
	}

	// The state the API sees: the same objects, with the maps it changes in
	// place behind proxies that note which keys were read or written.
	wrap() {
		const s = this.raw;
		this.state = {
			version: s.version,
			objects: s.objects,
			order: s.order,
			internal: { pm: this.track('pm', s.internal.pm), ach: this.track('ach', s.internal.ach) },
			idempotency: this.track('idem', s.idempotency),
			webhook_jobs: s.webhook_jobs,
		};
	}

	track(section, target) {
		const note = (k) => {
			if (typeof k === 'string')
				this.note(section, k);
		};
		return new Proxy(target, {
			get: (t, k, rcv) => {
				const v = Reflect.get(t, k, rcv);
				// a value read may be changed in place: remember its key
				if (v !== null && typeof v === 'object' && typeof k === 'string' && hasOwn(t, k))
					note(k);
				return v;
			},
			set: (t, k, v) => {
				t[k] = v;
				note(k);
				this.dirty = true;
				return true;
			},
			deleteProperty: (t, k) => {
				delete t[k];
				note(k);
				this.dirty = true;
				return true;
			},
		});
	}

	note(section, key) {
		let set = this.seen.get(section);
		if (!set)
			this.seen.set(section, (set = new Set()));
		set.add(key);
	}

	// Everything as one JSON document (the raw maps, not the proxies).
	snapshotText() {
		const s = this.raw;
		return JSON.stringify({
			version: s.version, objects: s.objects, order: s.order,
			internal: { pm: s.internal.pm, ach: s.internal.ach },
			idempotency: s.idempotency, webhook_jobs: this.state.webhook_jobs,
		});
	}

	// Writes the snapshot, then empties the journal.
	compact() {
		this.prune();
		const text = this.snapshotText();
		const tmp = `${this.file}.tmp-${process.pid}`;
		fs.mkdirSync(path.dirname(this.file), { recursive: true });
		fs.writeFileSync(tmp, text, { mode: 0o600 });
		fs.renameSync(tmp, this.file);
		fs.writeFileSync(this.journalFile, '', { mode: 0o600 });
		this.snapshotBytes = Buffer.byteLength(text);
		this.journalBytes = 0;
		this.jobsText = JSON.stringify(this.state.webhook_jobs);
		this.seen.clear();
		this.dirty = false;
	}

	journalLines() {
		const lines = [];
		for (const [section, keys] of this.seen) {
			const map = section.startsWith('o:') ? this.raw.objects[section.slice(2)]
			    : MAPS[section](this.raw);
			for (const k of keys) {
				lines.push(JSON.stringify(hasOwn(map, k) ? { s: section, k, v: map[k] }
				    : { s: section, k, d: 1 }));
			}
		}
		const jobs = JSON.stringify(this.state.webhook_jobs);
		if (jobs !== this.jobsText) {
			lines.push(`{"s":"jobs","v":${jobs}}`);
			this.jobsText = jobs;
		}
		return lines;
	}

	// After every change: append what changed (and what was read for
	// changing in place) to the journal.
	save() {
		if (!this.dirty) {
			this.seen.clear();
			return;
		}
		this.prune();
		const lines = this.journalLines();
		this.seen.clear();
		this.dirty = false;
		if (lines.length === 0)
			return;
		const text = `${lines.join('\n')}\n`;
		fs.appendFileSync(this.journalFile, text, { mode: 0o600 });
		this.journalBytes += Buffer.byteLength(text);
		if (this.journalBytes > Math.max(COMPACT_MIN_BYTES, this.snapshotBytes))
			this.compact();
	}

	reset() {
		this.raw = empty();
		this.wrap();
		this.compact();
	}

	// Idempotency keys are kept 24 hours.
	prune() {
		const cutoff = Date.now() - 24 * 3600 * 1000;
		const idem = this.raw.idempotency;
		for (const k of Object.keys(idem)) {
			if (idem[k].created_ms < cutoff) {
				delete idem[k];
				this.note('idem', k);
				this.dirty = true;
			}
		}
	}

	touch() {
		this.dirty = true;
	}

	// --- objects -------------------------------------------------------

	get(type, id) {
		if (!hasOwn(this.raw.objects[type], id))
			return undefined;
		this.note(`o:${type}`, id);	// callers change what they get in place
		return this.raw.objects[type][id];
	}

	put(obj) {
		const t = obj.object;
		if (!hasOwn(this.raw.objects[t], obj.id))
			this.raw.order[t].push(obj.id);
		this.raw.objects[t][obj.id] = obj;
		this.note(`o:${t}`, obj.id);
		this.dirty = true;
		return obj;
	}

	remove(type, id) {
		delete this.raw.objects[type][id];
		this.raw.order[type] = this.raw.order[type].filter((x) => x !== id);
		this.note(`o:${type}`, id);
		this.dirty = true;
	}

	// newest first; read-only (put() what you change)
	all(type) {
		const ids = this.raw.order[type];
		const out = [];
		for (let i = ids.length - 1; i >= 0; i--) {
			const o = this.raw.objects[type][ids[i]];
			if (o)
				out.push(o);
		}
		return out;
	}

	counts() {
		const c = {};
		for (const t of TYPES)
			c[t] = this.raw.order[t].length;
		return c;
	}
}
