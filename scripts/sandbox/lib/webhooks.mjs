// Webhook delivery: every event is POSTed to the configured URL with a
// Stripe-Signature header (t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>),
// retried with exponential backoff on non-2xx answers and network errors.
// One delivery attempt is in flight at a time, so deliveries of one event are
// strictly sequential; a failing event is rescheduled and does not hold up the
// others.  Test switches: duplicate (each event delivered twice) and shuffle
// (events held for a short window, then delivered in random order).
// Deliveries still owed are kept in the state file and resumed on restart.

import http from 'node:http';
import https from 'node:https';
import { createHmac } from 'node:crypto';
import { shuffle, rand62 } from './util.mjs';

export function sign(secret, body, t = Math.floor(Date.now() / 1000)) {
	const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
	return `t=${t},v1=${v1}`;
}

function post(url, body, headers, timeoutMs) {
	return new Promise((resolve) => {
		let u;
		try {
			u = new URL(url);
		} catch {
			resolve({ error: 'invalid webhook URL' });
			return;
		}
		const mod = u.protocol === 'https:' ? https : http;
		const req = mod.request(u, {
			method: 'POST',
			headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
			timeout: timeoutMs,
		}, (res) => {
			const chunks = [];
			let size = 0;
			res.on('data', (c) => {
				if (size < 4096)
					chunks.push(c);
				size += c.length;
			});
			res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8').slice(0, 1000) }));
			res.on('error', (e) => resolve({ error: e.message }));
		});
		req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
		req.on('error', (e) => resolve({ error: e.message }));
		req.end(body);
	});
}

export class Webhooks {
	constructor(store, config) {
		this.store = store;
		this.config = config;
		this.log = [];		// recent delivery attempts
		this.delivered = 0;
		this.failed = 0;
		this.busy = false;
		this.timer = null;
		this.holdTimer = null;
		this.holdSince = 0;
		this.waiters = [];
		this.stopped = false;
	}

	get jobs() {
		return this.store.state.webhook_jobs;
	}

	start() {
		for (const j of this.jobs)	// held events are released on restart
			j.held = false;
		this.pump();
	}

	stop() {
		this.stopped = true;
		clearTimeout(this.timer);
		clearTimeout(this.holdTimer);
	}

	clear() {
		this.store.state.webhook_jobs = [];
		this.log = [];
		this.delivered = 0;
		this.failed = 0;
		clearTimeout(this.holdTimer);
		this.holdTimer = null;
		this.checkWaiters();
	}

	// Returns how many deliveries were scheduled for the event.
	enqueue(event) {
		if (!this.config.webhook_url)
			return 0;
		const copies = this.config.duplicate_webhooks ? 2 : 1;
		const held = !!this.config.shuffle_webhooks;
		for (let c = 1; c <= copies; c++) {
			this.jobs.push({
				id: 'whd_' + rand62(12), event_id: event.id, copy: c, attempts: 0,
				next_at_ms: Date.now(), held, last_attempt_ms: 0,
			});
		}
		this.store.touch();
		if (held)
			this.scheduleRelease();
		else
			setImmediate(() => this.pump());
		return copies;
	}

	scheduleRelease() {
		const win = this.config.shuffle_window_ms;
		if (!this.holdTimer)
			this.holdSince = Date.now();
		clearTimeout(this.holdTimer);
		const wait = Math.max(0, Math.min(win, this.holdSince + 4 * win - Date.now()));
		this.holdTimer = setTimeout(() => this.release(), wait);
	}

	release() {
		clearTimeout(this.holdTimer);
		this.holdTimer = null;
		const held = this.jobs.filter((j) => j.held);
		if (held.length === 0)
			return;
		const rest = this.jobs.filter((j) => !j.held);
		shuffle(held);
		for (const j of held)
			j.held = false;
		this.store.state.webhook_jobs = rest.concat(held);
		this.store.touch();
		this.store.save();
		this.pump();
	}

	pending() {
		return this.jobs.length;
	}

	async pump() {
		if (this.busy || this.stopped)
			return;
		this.busy = true;
		try {
			for (;;) {
				const t = Date.now();
				const job = this.jobs.find((j) => !j.held && j.next_at_ms <= t);
				if (!job)
					break;
				await this.attempt(job);
			}
		} finally {
			this.busy = false;
		}
		clearTimeout(this.timer);
		const next = this.jobs.filter((j) => !j.held).reduce((m, j) => Math.min(m, j.next_at_ms), Infinity);
		if (next !== Infinity && !this.stopped)
			this.timer = setTimeout(() => this.pump(), Math.max(0, next - Date.now()) + 5);
		this.checkWaiters();
	}

	async attempt(job) {
		const ev = this.store.get('event', job.event_id);
		const url = this.config.webhook_url;
		const drop = (why) => {
			this.store.state.webhook_jobs = this.jobs.filter((j) => j !== job);
			this.store.touch();
			this.store.save();
			this.record(job, { error: why, final: true });
		};
		if (!ev || !url) {
			drop(!ev ? 'event no longer exists' : 'no webhook URL configured');
			return;
		}
		job.attempts++;
		job.last_attempt_ms = Date.now();
		const body = JSON.stringify(ev, null, 2);
		const started = Date.now();
		const res = await post(url, body, {
			'Content-Type': 'application/json; charset=utf-8',
			'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
			'Accept': '*/*; q=0.5, application/xml',
			'Cache-Control': 'no-cache',
			'Stripe-Signature': sign(this.config.webhook_secret || '', body),
		}, this.config.webhook_timeout_ms);
		const ok = res.status >= 200 && res.status < 300;
		const entry = { ...res, ms: Date.now() - started };
		if (!this.jobs.includes(job)) {	/* reset while in flight */
			return;
		}
		if (ok) {
			this.store.state.webhook_jobs = this.jobs.filter((j) => j !== job);
			this.delivered++;
			const left = this.jobs.filter((j) => j.event_id === ev.id).length;
			ev.pending_webhooks = left;
		} else if (job.attempts >= this.config.webhook_max_attempts) {
			this.store.state.webhook_jobs = this.jobs.filter((j) => j !== job);
			this.failed++;
			entry.final = true;
			ev.pending_webhooks = this.jobs.filter((j) => j.event_id === ev.id).length;
		} else {
			const flushing = this.waiters.some((w) => w.start > job.last_attempt_ms);
			job.next_at_ms = flushing ? Date.now()
			    : Date.now() + this.config.webhook_retry_base_ms * 2 ** (job.attempts - 1);
		}
		this.store.put(ev);	/* read before the await: note it again */
		this.store.touch();
		this.store.save();
		this.record(job, entry);
	}

	record(job, res) {
		this.log.push({
			event_id: job.event_id,
			type: this.store.get('event', job.event_id)?.type,
			copy: job.copy,
			attempt: job.attempts,
			at: new Date().toISOString(),
			status: res.status ?? null,
			error: res.error ?? null,
			ms: res.ms ?? null,
			final: !!res.final,
			next_retry_at: res.status >= 200 && res.status < 300 || res.final
			    ? null : new Date(job.next_at_ms).toISOString(),
		});
		if (this.log.length > 5000)
			this.log.splice(0, this.log.length - 5000);
	}

	// Deliver everything pending now: held (shuffled) events are released and
	// backoff waits are cut short.  Resolves once every delivery pending at
	// the call has been attempted at least once more (or timeout_ms passed).
	flush(timeoutMs = 30000) {
		const start = Date.now();
		this.release();
		const ids = new Set(this.jobs.map((j) => j.id));
		for (const j of this.jobs)
			j.next_at_ms = Math.min(j.next_at_ms, start);
		return new Promise((resolve) => {
			const w = { start, ids, resolve, timer: null };
			w.timer = setTimeout(() => {
				this.waiters = this.waiters.filter((x) => x !== w);
				resolve(this.summary(true));
			}, timeoutMs);
			this.waiters.push(w);
			this.pump();
			this.checkWaiters();
		});
	}

	checkWaiters() {
		for (const w of [...this.waiters]) {
			const open = this.jobs.filter((j) => w.ids.has(j.id) && j.last_attempt_ms < w.start);
			if (open.length === 0) {
				clearTimeout(w.timer);
				this.waiters = this.waiters.filter((x) => x !== w);
				w.resolve(this.summary(false));
			}
		}
	}

	summary(timedOut) {
		return {
			timed_out: timedOut,
			pending: this.jobs.length,
			delivered_total: this.delivered,
			failed_total: this.failed,
		};
	}
}
