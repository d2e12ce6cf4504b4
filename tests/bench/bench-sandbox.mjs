// How long the Stripe sandbox takes to create and confirm N PaymentIntents
// (each: one PaymentIntent, one charge, four events, an idempotency record),
// with a fresh state file, and the size of what it wrote. Not a timed test:
// it prints its figures.
//   node tests/bench/bench-sandbox.mjs [N] [--sandbox path/to/stripe-sandbox.mjs]
import fs from 'node:fs';
import path from 'node:path';
import { startSandbox, tmpdir } from '../sandbox/helpers.mjs';

const args = process.argv.slice(2);
const n = Number(args.find((a) => /^\d+$/.test(a)) || 3000);
const si = args.indexOf('--sandbox');
const sandbox = si >= 0 ? path.resolve(args[si + 1]) : undefined;

function sizeOf(dir) {
	let total = 0;
	for (const f of fs.readdirSync(dir))
		total += fs.statSync(path.join(dir, f)).size;
	return total;
}

const dir = tmpdir();
const state = path.join(dir, 'state.json');
const sb = await startSandbox({ state, sandbox });
try {
	const t0 = process.hrtime.bigint();
	let mark = t0;
	for (let i = 1; i <= n; i++) {
		const r = await sb.api('POST', '/v1/payment_intents', {
			amount: 1000 + i, currency: 'usd', payment_method: 'pm_card_visa',
			payment_method_types: ['card'], confirm: 'true',
			metadata: { payment_id: String(i) },
		}, { idem: `bench-${i}` });
		if (r.status !== 200 || r.body.status !== 'succeeded')
			throw new Error(`PaymentIntent ${i}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
		if (i % 500 === 0) {
			const now = process.hrtime.bigint();
			console.log(`${i} PaymentIntents: ${(Number(now - t0) / 1e9).toFixed(1)} s`
			    + ` (last 500: ${(Number(now - mark) / 1e6 / 500).toFixed(1)} ms each)`);
			mark = now;
		}
	}
	const s = Number(process.hrtime.bigint() - t0) / 1e9;
	console.log(`created ${n} PaymentIntents in ${s.toFixed(1)} s`
	    + ` (${(s * 1000 / n).toFixed(1)} ms each); state on disk ${(sizeOf(dir) / 1e6).toFixed(1)} MB`);
	const t1 = process.hrtime.bigint();
	await sb.stop();
	const sb2 = await startSandbox({ state, sandbox });
	const r = await sb2.api('GET', '/v1/payment_intents', { limit: 1 });
	console.log(`restart with ${n} PaymentIntents (stop, load, first answer): `
	    + `${(Number(process.hrtime.bigint() - t1) / 1e6).toFixed(0)} ms; newest ${r.body.data[0]?.id}`);
	await sb2.stop();
} finally {
	await sb.stop();
	fs.rmSync(dir, { recursive: true, force: true });
}
