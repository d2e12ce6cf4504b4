#!/usr/bin/env node
// The bundled Stripe sandbox: a local, stateful stand-in for the subset of
// Stripe's REST API the billing system uses, plus a stand-in for Stripe.js.
// Node.js 18+ standard library only.  See scripts/sandbox/README.md.

import fs from 'node:fs';
import { Sandbox } from './lib/server.mjs';

const USAGE = `usage: node scripts/sandbox/stripe-sandbox.mjs --port P --state FILE
        --secret-key sk_test_... --publishable-key pk_test_...
        [--webhook-url URL --webhook-secret whsec_...] [--host 127.0.0.1]
        [--ach-delay-ms 3000] [--duplicate-webhooks] [--shuffle-webhooks]
        [--shuffle-window-ms 500] [--webhook-retry-base-ms 1000]
        [--webhook-max-attempts 10] [--webhook-timeout-ms 10000]
        [--public-url URL] [--pid-file F]
  --port 0 picks a free port; the line "stripe-sandbox listening on URL" says which.`;

function die(msg) {
	process.stderr.write(`stripe-sandbox: ${msg}\n${USAGE}\n`);
	process.exit(2);
}

function parseArgs(argv) {
	const flags = new Set(['duplicate-webhooks', 'shuffle-webhooks', 'help']);
	const o = {};
	for (let i = 0; i < argv.length; i++) {
		let a = argv[i];
		if (!a.startsWith('--'))
			die(`unexpected argument ${a}`);
		a = a.slice(2);
		let v;
		const eq = a.indexOf('=');
		if (eq >= 0) {
			v = a.slice(eq + 1);
			a = a.slice(0, eq);
		}
		if (flags.has(a)) {
			o[a] = v === undefined ? true : !['0', 'false', 'no'].includes(v);
			continue;
		}
		if (v === undefined) {
			if (i + 1 >= argv.length)
				die(`--${a} needs a value`);
			v = argv[++i];
		}
		o[a] = v;
	}
	return o;
}

function num(o, k, def, min = 0) {
	if (o[k] === undefined)
		return def;
	const n = Number(o[k]);
	if (!Number.isInteger(n) || n < min)
		die(`--${k} must be an integer >= ${min}`);
	return n;
}

const known = ['port', 'host', 'state', 'secret-key', 'publishable-key', 'webhook-url', 'webhook-secret',
	'ach-delay-ms', 'duplicate-webhooks', 'shuffle-webhooks', 'shuffle-window-ms', 'webhook-retry-base-ms',
	'webhook-max-attempts', 'webhook-timeout-ms', 'public-url', 'pid-file', 'help'];
const o = parseArgs(process.argv.slice(2));
if (o.help) {
	process.stdout.write(USAGE + '\n');
	process.exit(0);
}
for (const k of Object.keys(o)) {
	if (!known.includes(k))
		die(`unknown option --${k}`);
}
if (o.port === undefined)
	die('--port is required');
if (!o.state)
	die('--state is required');
if (!/^sk_test_[A-Za-z0-9_]+$/.test(o['secret-key'] || ''))
	die('--secret-key must look like sk_test_...');
if (!/^pk_test_[A-Za-z0-9_]+$/.test(o['publishable-key'] || ''))
	die('--publishable-key must look like pk_test_...');
if (o['webhook-url']) {
	try {
		new URL(o['webhook-url']);
	} catch {
		die('--webhook-url is not a URL');
	}
	if (!/^whsec_/.test(o['webhook-secret'] || ''))
		die('--webhook-secret (whsec_...) is required with --webhook-url');
}

const sandbox = new Sandbox({
	port: num(o, 'port', 0, 0),
	host: o.host || '127.0.0.1',
	state: o.state,
	secretKey: o['secret-key'],
	publishableKey: o['publishable-key'],
	webhookUrl: o['webhook-url'] || null,
	webhookSecret: o['webhook-secret'] || '',
	achDelayMs: num(o, 'ach-delay-ms', 3000),
	duplicateWebhooks: !!o['duplicate-webhooks'],
	shuffleWebhooks: !!o['shuffle-webhooks'],
	shuffleWindowMs: num(o, 'shuffle-window-ms', 500),
	webhookRetryBaseMs: num(o, 'webhook-retry-base-ms', 1000),
	webhookMaxAttempts: num(o, 'webhook-max-attempts', 10, 1),
	webhookTimeoutMs: num(o, 'webhook-timeout-ms', 10000, 1),
	publicUrl: o['public-url'] ? o['public-url'].replace(/\/+$/, '') : null,
});

let url;
try {
	url = await sandbox.listen();
} catch (e) {
	process.stderr.write(`stripe-sandbox: cannot start: ${e.message}\n`);
	process.exit(1);
}
const pidFile = o['pid-file'];
if (pidFile)
	fs.writeFileSync(pidFile, `${process.pid}\n`);
process.stdout.write(`stripe-sandbox listening on ${url}\n`);

let closing = false;
async function shutdown(sig) {
	if (closing)
		return;
	closing = true;
	try {
		await Promise.race([sandbox.close(), new Promise((r) => setTimeout(r, 3000))]);
	} finally {
		if (pidFile) {
			try {
				if (fs.readFileSync(pidFile, 'utf8').trim() === String(process.pid))
					fs.unlinkSync(pidFile);
			} catch {}
		}
		process.exit(sig === 'SIGINT' ? 130 : 0);
	}
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGHUP', () => shutdown('SIGHUP'));
