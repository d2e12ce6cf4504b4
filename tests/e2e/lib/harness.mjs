// Shared pieces of the browser tests (tests/e2e/*.mjs): the ITEST_* settings
// of the stack started by tests/integration/run, Debian's Chromium with the
// flags this machine needs, a tiny step runner and screenshots.
//
// Every page of every context the browser opens is watched: an uncaught
// error (pageerror) or a console message of type 'error' (CSP violations,
// failed scripts, failed loads) on any page fails the step it happened in,
// and one left after the last step fails the run.

import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function need(name) {
	const v = process.env[name];
	if (!v) {
		console.error(`e2e: ${name} is not set (run tests/integration/run)`);
		process.exit(2);
	}
	return v;
}

export const CHROMIUM = process.env.ITEST_CHROMIUM || '/usr/bin/chromium';
export const BASE = need('ITEST_BASE_URL').replace(/\/+$/, '');
const here = path.dirname(fileURLToPath(import.meta.url));
export const TOP = process.env.TOP_SRCDIR || path.resolve(here, '..', '..', '..');
export const ARTIFACTS = path.join(process.env.ITEST_ARTIFACTS_DIR ||
    path.join(TOP, 'tests', 'artifacts'), 'e2e');

export const DESKTOP = { name: 'desktop', viewport: { width: 1280, height: 800 }, isMobile: false };
export const PHONE = { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true };
export const VIEWPORTS = [DESKTOP, PHONE];

export const counts = { passed: 0, failed: 0, skipped: 0 };

// What the watched pages reported, oldest first.
export const pageProblems = [];
let problemsSeen = 0;	// reported by a step already
let allowed = [];	// console errors the running step expects (allowConsoleError)

// The running step expects a console error matching re (e.g. the 402 of a
// declined card's confirm call, which Chromium logs as a failed load, as it
// does with Stripe's own API); cleared when the step ends.
export function allowConsoleError(re) {
	allowed.push(re);
}
const watched = new WeakSet();

function watchPage(page) {
	if (watched.has(page))
		return;
	watched.add(page);
	page.on('pageerror', (e) => pageProblems.push(`uncaught error on ${page.url()}: ${e.message}`));
	page.on('console', (m) => {
		// Chromium logs a page whose own HTTP status is 4xx/5xx (a wrong
		// password's 401, a dead link's 410) as a failed load: the step
		// asserts that status itself, so only failed loads of anything
		// else (scripts, styles, images, fetches) count.
		if (m.type() === 'error' && /^Failed to load resource/.test(m.text()) &&
		    m.location().url === page.url())
			return;
		if (m.type() === 'error' && allowed.some((re) => re.test(m.text() + ' ' + (m.location().url || ''))))
			return;
		if (m.type() === 'error')
			pageProblems.push(`console error on ${page.url()}: ${m.text()}` +
			    (m.location().url ? ` (${m.location().url})` : ''));
	});
}

function watchContext(context) {
	if (watched.has(context))
		return;
	watched.add(context);
	context.on('page', watchPage);
	for (const p of context.pages())
		watchPage(p);
}

// The browser, with every context and page it opens watched.
function watchBrowser(browser) {
	const newContext = browser.newContext.bind(browser);
	const newPage = browser.newPage.bind(browser);
	browser.newContext = async (...a) => {
		const c = await newContext(...a);
		watchContext(c);
		return c;
	};
	browser.newPage = async (...a) => {
		const p = await newPage(...a);
		watchContext(p.context());
		watchPage(p);
		return p;
	};
	return browser;
}

// Throws with the problems reported since index `from`.
function noPageProblems(from) {
	const fresh = pageProblems.slice(from);
	check(fresh.length === 0, fresh.join('; '));
}

export function check(cond, msg) {
	if (!cond)
		throw new Error(msg);
}

// shot(page, name, vp) saving tests/artifacts/e2e/<prefix><name>-<viewport>.png
export function shooter(prefix) {
	return async (page, name, vp) => {
		const file = path.join(ARTIFACTS, `${prefix}${name}-${vp.name}.png`);
		await page.screenshot({ path: file, fullPage: true });
		return file;
	};
}

// Runs the steps in order; after a failure the rest of the flow is skipped,
// since each step starts where the previous one left the page.
export async function flow(title, steps, onFail) {
	let broken = null;
	for (const [name, fn] of steps) {
		const label = `${title}: ${name}`;
		if (broken) {
			console.log(`SKIP ${label} (after: ${broken})`);
			counts.skipped++;
			continue;
		}
		try {
			allowed = [];
			await fn();
			noPageProblems(problemsSeen);
			problemsSeen = pageProblems.length;
			console.log(`PASS ${label}`);
			counts.passed++;
		} catch (e) {
			console.log(`FAIL ${label}: ${e.message.split('\n')[0]}`);
			counts.failed++;
			broken = name;
			problemsSeen = pageProblems.length;
			await onFail(name).catch(() => {});
		}
	}
}

// Launches Chromium, runs body(browser), prints the summary and sets the
// exit status (non-zero on any failed or skipped step, or after timeoutMs).
export function run(label, timeoutMs, body) {
	const watchdog = setTimeout(() => {
		console.log(`FAIL ${label}: still running after ${timeoutMs / 1000} s`);
		process.exit(1);
	}, timeoutMs);
	watchdog.unref();
	(async () => {
		await mkdir(ARTIFACTS, { recursive: true });
		// ITEST_HEADED=1 shows the browser (needs a display, e.g. xvfb-run
		// or a desktop session); ITEST_SLOWMO=ms slows every action down.
		const headed = process.env.ITEST_HEADED === '1';
		const browser = await chromium.launch({
			executablePath: CHROMIUM,
			headless: !headed,
			slowMo: Number(process.env.ITEST_SLOWMO || 0),
			args: [
				...(headed ? [] : ['--headless']), '--no-sandbox', '--disable-gpu', '--no-first-run',
				'--disable-background-networking', '--disable-component-update',
				'--disable-sync', '--disable-quic',
			],
		});
		try {
			await body(watchBrowser(browser));
			noPageProblems(problemsSeen);
		} finally {
			await browser.close();
		}
	})().then(() => {
		const { passed, failed, skipped } = counts;
		console.log(`screenshots in ${ARTIFACTS}`);
		console.log(`${label}: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
		process.exitCode = failed === 0 && skipped === 0 ? 0 : 1;
	}, (e) => {
		console.log(`FAIL ${label}: ${e.stack || e}`);
		console.log(`${label}: ${counts.passed} passed, ${counts.failed + 1} failed`);
		process.exitCode = 1;
	});
}
