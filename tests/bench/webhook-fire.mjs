// Load generator of tests/bench/bench-webhook (Node standard library only).
//
//   node webhook-fire.mjs URL SECRET PAYMENTS_FILE [--concurrency C]
//        [--duplicates FRACTION] [--seed S]
//
// For every line "<payment_id> <intent> <amount> <customer>" of PAYMENTS_FILE
// (tests/bench/webhook_seed.c) it makes one payment_intent.succeeded event
// (Stripe's shape: an "evt_" id, data.object a PaymentIntent with the intent
// id, amount, customer and metadata.payment_id), adds re-deliveries of
// randomly chosen events until FRACTION of all deliveries are duplicates,
// shuffles the lot (so a duplicate may race its original), and POSTs them to
// URL with C keep-alive connections, each signed when sent like Stripe does
// (Stripe-Signature: t=<now>,v1=HMAC-SHA256(SECRET, "<t>.<body>")). Answers
// other than 2xx are sent again later, as Stripe retries (at most 5 times).
// Prints one JSON object: deliveries, events, duplicates sent, answers by
// outcome, events/s, latency percentiles (ms), retries, failures.
import http from 'node:http';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';

function usage() {
	console.error('usage: webhook-fire.mjs URL SECRET PAYMENTS_FILE [--concurrency C] ' +
	    '[--duplicates FRACTION] [--seed S]');
	process.exit(2);
}

const [url, secret, file, ...rest] = process.argv.slice(2);
if (!url || !secret || !file)
	usage();
let concurrency = 16;
let dupFraction = 0.3;
let seed = 42;
for (let i = 0; i < rest.length; i += 2) {
	const v = rest[i + 1];
	if (v === undefined)
		usage();
	if (rest[i] === '--concurrency')
		concurrency = Number.parseInt(v, 10);
	else if (rest[i] === '--duplicates')
		dupFraction = Number.parseFloat(v);
	else if (rest[i] === '--seed')
		seed = Number.parseInt(v, 10);
	else
		usage();
}
if (!(concurrency >= 1) || !(dupFraction >= 0 && dupFraction < 1))
	usage();

// A small seeded PRNG (mulberry32): the same run every time.
function rng(a) {
	return () => {
		a |= 0;
		a = (a + 0x6D2B79F5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
const rand = rng(seed);

const created = Math.floor(Date.now() / 1000);
const events = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
	const [paymentId, intent, amount, customer] = l.trim().split(/\s+/);
	const id = `evt_bench${created.toString(36)}${String(i).padStart(6, '0')}`;
	const amt = Number.parseInt(amount, 10);
	const body = JSON.stringify({
		id, object: 'event', api_version: '2024-06-20', created, livemode: false,
		pending_webhooks: 1, request: { id: null, idempotency_key: null },
		type: 'payment_intent.succeeded',
		data: {
			object: {
				id: intent, object: 'payment_intent', amount: amt,
				amount_capturable: 0, amount_received: amt, capture_method: 'automatic',
				confirmation_method: 'automatic', created, currency: 'usd', customer,
				description: 'bench-webhook', last_payment_error: null,
				latest_charge: `ch_${intent.slice(3)}`, livemode: false,
				metadata: { payment_id: paymentId }, payment_method: 'pm_card_visa',
				payment_method_types: ['card'], setup_future_usage: null,
				status: 'succeeded',
			},
		},
	});
	return { id, body };
});
if (events.length === 0) {
	console.error('webhook-fire: no payments in', file);
	process.exit(1);
}

// Deliveries: every event once, plus duplicates so that they are
// dupFraction of all deliveries; then shuffled.
const extra = Math.round(events.length * dupFraction / (1 - dupFraction));
const queue = events.slice();
for (let i = 0; i < extra; i++)
	queue.push(events[Math.floor(rand() * events.length)]);
for (let i = queue.length - 1; i > 0; i--) {
	const j = Math.floor(rand() * (i + 1));
	[queue[i], queue[j]] = [queue[j], queue[i]];
}
const deliveries = queue.map((ev) => ({ ev, tries: 0 }));

const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function sign(body) {
	const t = Math.floor(Date.now() / 1000);
	const v1 = crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
	return `t=${t},v1=${v1}`;
}

function post(body) {
	return new Promise((resolve) => {
		const start = process.hrtime.bigint();
		const req = http.request({
			host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
			agent,
			headers: {
				'Content-Type': 'application/json; charset=utf-8',
				'Content-Length': Buffer.byteLength(body),
				'Stripe-Signature': sign(body),
				'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
			},
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({
				status: res.statusCode,
				body: Buffer.concat(chunks).toString('utf8'),
				ms: Number(process.hrtime.bigint() - start) / 1e6,
			}));
		});
		req.on('error', (e) => resolve({ status: 0, body: String(e.message),
		    ms: Number(process.hrtime.bigint() - start) / 1e6 }));
		req.end(body);
	});
}

const latencies = [];
const outcomes = {};
const statuses = {};
let retries = 0;
let failures = 0;
let next = 0;
const retryQueue = [];

function outcomeOf(r) {
	if (r.status < 200 || r.status >= 300)
		return `http ${r.status}`;
	try {
		const o = JSON.parse(r.body).outcome || '';
		if (o === 'duplicate')
			return 'duplicate';
		if (/: succeeded: posted/.test(o))
			return 'applied (posted)';
		if (/already succeeded/.test(o))
			return 'applied after settle (no change)';
		return o.replace(/payment \d+/, 'payment N');
	} catch {
		return 'unreadable answer';
	}
}

async function worker() {
	for (;;) {
		let d;
		if (next < deliveries.length)
			d = deliveries[next++];
		else if (retryQueue.length > 0)
			d = retryQueue.shift();
		else
			return;
		const r = await post(d.ev.body);
		latencies.push(r.ms);
		statuses[r.status] = (statuses[r.status] || 0) + 1;
		const o = outcomeOf(r);
		outcomes[o] = (outcomes[o] || 0) + 1;
		if (r.status < 200 || r.status >= 300) {
			if (++d.tries <= 5) {
				retries++;
				await new Promise((ok) => setTimeout(ok, 50 * d.tries));
				retryQueue.push(d);
			} else
				failures++;
		}
	}
}

const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: concurrency }, worker));
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
agent.destroy();

latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1,
    Math.max(0, Math.ceil(p / 100 * latencies.length) - 1))];
console.log(JSON.stringify({
	events: events.length,
	deliveries: deliveries.length,
	duplicates_sent: extra,
	requests: latencies.length,
	seconds: Number(secs.toFixed(3)),
	events_per_s: Number((latencies.length / secs).toFixed(1)),
	p50_ms: Number(pct(50).toFixed(2)),
	p90_ms: Number(pct(90).toFixed(2)),
	p99_ms: Number(pct(99).toFixed(2)),
	max_ms: Number(latencies[latencies.length - 1].toFixed(2)),
	statuses,
	outcomes,
	retries,
	failures,
	concurrency,
}));
