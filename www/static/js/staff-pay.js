/* Staff pages: Stripe.js glue for card/ACH payments and saved methods, and
 * confirmations for destructive buttons. No inline scripts (CSP): data
 * comes from data- attributes.
 *
 * <div id="stripe-pay" data-mode="payment|setup" data-pk data-client-secret
 *      data-return-url data-form data-button data-error>
 * The Payment Element is mounted in #payment-element. The form named by
 * data-form posts to our server AFTER stripe.confirmPayment/confirmSetup
 * (redirect: 'if_required') returned; it carries no card data: the card
 * and bank details go from Stripe's iframe straight to Stripe. */
(function () {
	'use strict';

	/* <form data-confirm="question">: ask before submitting. */
	document.addEventListener('submit', function (e) {
		var f = e.target;
		if (f && f.getAttribute && f.getAttribute('data-confirm') &&
		    !window.confirm(f.getAttribute('data-confirm')))
			e.preventDefault();
	});

	var box = document.getElementById('stripe-pay');
	if (!box)
		return;
	var mode = box.getAttribute('data-mode') === 'setup' ? 'setup' : 'payment';
	var form = document.getElementById(box.getAttribute('data-form'));
	var button = document.getElementById(box.getAttribute('data-button'));
	var errBox = document.getElementById(box.getAttribute('data-error'));
	var mount = document.getElementById('payment-element');
	var busy = false;

	function showError(msg) {
		if (!errBox)
			return;
		errBox.textContent = msg;
		errBox.hidden = false;
		errBox.scrollIntoView({ block: 'nearest' });
	}

	function clearError() {
		if (errBox) {
			errBox.textContent = '';
			errBox.hidden = true;
		}
	}

	function setBusy(on) {
		busy = on;
		button.disabled = on;
		button.classList.toggle('is-busy', on);
		button.setAttribute('aria-busy', on ? 'true' : 'false');
	}

	if (typeof window.Stripe !== 'function') {
		showError('The secure payment form could not load. Refresh the page; ' +
		    'if it still does not appear, check the internet connection.');
		return;
	}

	var stripe, elements, element;
	try {
		stripe = window.Stripe(box.getAttribute('data-pk'));
		elements = stripe.elements({
			clientSecret: box.getAttribute('data-client-secret'),
			appearance: {
				theme: 'stripe',
				variables: { colorPrimary: '#1f5fae', borderRadius: '8px' },
			},
		});
		element = elements.create('payment', { layout: 'tabs' });
		element.mount(mount);
	} catch (e) {
		showError('The secure payment form could not start: ' + e.message);
		return;
	}

	element.on('ready', function () {
		mount.classList.add('is-ready');
		button.disabled = false;
	});
	element.on('loaderror', function (ev) {
		showError((ev && ev.error && ev.error.message) ||
		    'The secure payment form could not load. Refresh the page.');
	});
	element.on('change', function (ev) {
		if (ev && ev.error)
			showError(ev.error.message);
		else
			clearError();
	});

	/* Errors of the form itself (incomplete number, network): the payment
	 * was not attempted, so stay here. A bank's answer (card_error etc.)
	 * is recorded by our server, which shows what to do next. */
	function stayHere(err) {
		if (!err)
			return false;
		if (err.type === 'validation_error')
			return true;
		if (err.payment_intent || err.setup_intent)
			return false;
		return err.type === 'invalid_request_error' ||
		    err.type === 'api_connection_error' || err.type === 'api_error' ||
		    err.type === 'rate_limit_error' || !err.type;
	}

	form.addEventListener('submit', function (e) {
		e.preventDefault();
		if (busy)
			return;
		if (form.reportValidity && !form.reportValidity())
			return;
		clearError();
		setBusy(true);
		var opts = {
			elements: elements,
			redirect: 'if_required',
			confirmParams: { return_url: box.getAttribute('data-return-url') },
		};
		var p = mode === 'setup' ? stripe.confirmSetup(opts) :
		    stripe.confirmPayment(opts);
		p.then(function (res) {
			if (res && res.error) {
				if (mode === 'setup' || stayHere(res.error)) {
					showError(res.error.message ||
					    'The details could not be used. Check them and try again.');
					setBusy(false);
					return;
				}
			}
			/* Our server asks Stripe for the result (never trusts the page). */
			form.submit();
		}, function (err) {
			showError((err && err.message) || 'Something went wrong. Please try again.');
			setBusy(false);
		});
	});
}());
