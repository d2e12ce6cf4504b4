// Shared pieces of the browser tests (tests/e2e/*.mjs): the ITEST_* settings
// of the stack started by tests/integration/run, Debian's Chromium with the
// flags this machine needs, a tiny step runner and screenshots.

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
			await fn();
			console.log(`PASS ${label}`);
			counts.passed++;
		} catch (e) {
			console.log(`FAIL ${label}: ${e.message.split('\n')[0]}`);
			counts.failed++;
			broken = name;
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
		const browser = await chromium.launch({
			executablePath: CHROMIUM,
			headless: true,
			args: [
				'--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
				'--disable-background-networking', '--disable-component-update',
				'--disable-sync', '--disable-quic',
			],
		});
		try {
			await body(browser);
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
