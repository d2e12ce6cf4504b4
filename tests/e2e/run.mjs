// Browser tests of the staff sign-in flow, at a desktop and a phone viewport.
// Runs against the stack started by tests/integration/run (ITEST_* variables),
// with Debian's /usr/bin/chromium driven by playwright-core.  Screenshots go
// to tests/artifacts/e2e/<name>-<viewport>.png ($ITEST_ARTIFACTS_DIR/e2e when set).
//
// Sign-in throttling is shared with the C tests: this script uses exactly one
// wrong password per viewport (2 in total), for ITEST_BILLING_EMAIL only.


import { BASE, VIEWPORTS, check, flow, need, run, shooter }
    from './lib/harness.mjs';


const shot = shooter('');
const STEP_TIMEOUT_MS = 15000;
const RUN_TIMEOUT_MS = 240000;


const PASSWORD = need('ITEST_PASSWORD');
const ADMIN = need('ITEST_ADMIN_EMAIL');
const BILLING = need('ITEST_BILLING_EMAIL');



// --- a tiny runner ---------------------------------------------------------





// --- page helpers ----------------------------------------------------------

function loginForm(page) {
	return page.locator('form[action="/login"]');
}

// Submits the sign-in form; returns the response to the POST.
async function submitLogin(page, email, password) {
	const form = loginForm(page);
	await form.locator('input[name="email"]').fill(email);
	await form.locator('input[name="password"]').fill(password);
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.request().method() === 'POST' &&
		    new URL(r.url()).pathname === '/login'),
		form.locator('button[type="submit"], input[type="submit"], button:not([type])').first().click(),
	]);
	await page.waitForLoadState('load');
	return resp;
}

async function expectOnLoginPage(page) {
	check(new URL(page.url()).pathname === '/login', `at ${page.url()}, not /login`);
	await loginForm(page).locator('input[name="email"]').waitFor({ state: 'visible' });
	await loginForm(page).locator('input[name="password"]').waitFor({ state: 'visible' });
}

// The page fits the viewport: nothing forces sideways scrolling.
async function expectNoSidewaysScroll(page) {
	const { scroll, inner } = await page.evaluate(() => ({
		scroll: document.documentElement.scrollWidth,
		inner: window.innerWidth,
	}));
	check(scroll <= inner + 1, `page is ${scroll}px wide in a ${inner}px viewport`);
}

// A visible element reaching /logout: a button on the page, or one revealed by
// the navigation's menu toggle on a narrow screen.
async function logoutButton(page) {
	const button = page.locator('form[action="/logout"]')
	    .locator('button, input[type="submit"]').first();
	if (await button.isVisible())
		return button;
	const toggle = page.locator('nav button, [aria-controls], [aria-expanded]').first();
	if (await toggle.count() > 0 && await toggle.isVisible())
		await toggle.click();
	await button.waitFor({ state: 'visible' });
	return button;
}

// --- the flow, once per viewport -------------------------------------------

async function viewportFlow(browser, vp) {
	const context = await browser.newContext({
		viewport: vp.viewport,
		isMobile: vp.isMobile,
		hasTouch: vp.isMobile,
		deviceScaleFactor: vp.isMobile ? 2 : 1,
	});
	const page = await context.newPage();
	page.setDefaultTimeout(STEP_TIMEOUT_MS);
	const problems = [];
	page.on('pageerror', (e) => problems.push(`uncaught error: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text()))
			problems.push(`CSP violation: ${m.text()}`);
	});
	const noProblems = () => check(problems.length === 0, problems.join('; '));

	await flow(vp.name, [
		['login page', async () => {
			const resp = await page.goto(`${BASE}/login`);
			check(resp.status() === 200, `GET /login: HTTP ${resp.status()}`);
			await expectOnLoginPage(page);
			if (vp.isMobile)
				await expectNoSidewaysScroll(page);
			await shot(page, 'login', vp);
			noProblems();
		}],
		['wrong password shows an error', async () => {
			const resp = await submitLogin(page, BILLING, 'not-the-password-e2e');
			check(resp.status() === 401, `POST /login: HTTP ${resp.status()}, want 401`);
			await page.getByText('Invalid email or password').first().waitFor({ state: 'visible' });
			await expectOnLoginPage(page);
			await shot(page, 'login-error', vp);
		}],
		['admin signs in', async () => {
			const resp = await submitLogin(page, ADMIN, PASSWORD);
			check(resp.status() === 303, `POST /login: HTTP ${resp.status()}, want 303`);
			await page.waitForURL(`${BASE}/`);
			// A narrow layout may hide the "Signed in as" line of the top bar
			// (the page greets the user by name instead): noted, not failed.
			const who = page.getByText('Signed in as').first();
			await who.waitFor({ state: vp.isMobile ? 'attached' : 'visible' });
			if (!await who.isVisible())
				console.log(`NOTE ${vp.name}: "Signed in as" is on the page but hidden at ${vp.viewport.width}px`);
			const links = page.locator('nav').first().locator('a[href]');
			check(await links.count() > 0, 'no navigation links');
			await links.first().waitFor({ state: 'visible' });
			if (vp.isMobile)
				await expectNoSidewaysScroll(page);
			await shot(page, 'home', vp);
			noProblems();
		}],
		['admin opens the user list', async () => {
			const resp = await page.goto(`${BASE}/admin/users`);
			check(resp.status() === 200, `GET /admin/users: HTTP ${resp.status()}`);
			await page.getByText(ADMIN).first().waitFor({ state: 'visible' });
			await page.getByText(BILLING).first().waitFor({ state: 'visible' });
			if (vp.isMobile)
				await expectNoSidewaysScroll(page);
			await shot(page, 'admin-users', vp);
			noProblems();
		}],
		['sign out with the button', async () => {
			await page.goto(`${BASE}/`);
			const button = await logoutButton(page);
			await Promise.all([page.waitForURL((u) => u.pathname === '/login'), button.click()]);
			check(await page.getByText('You have been signed out').isVisible(),
			    'no "You have been signed out" notice');
			await expectOnLoginPage(page);
			await shot(page, 'signed-out', vp);
			const resp = await page.goto(`${BASE}/`);
			check(new URL(page.url()).pathname === '/login',
			    `after sign-out / shows ${page.url()} (HTTP ${resp.status()})`);
			noProblems();
		}],
	], (step) => shot(page, `fail-${step.replace(/\W+/g, '-')}`, vp));
	await context.close();
}

run('e2e', RUN_TIMEOUT_MS, async (browser) => {
	for (const vp of VIEWPORTS)
		await viewportFlow(browser, vp);
});
