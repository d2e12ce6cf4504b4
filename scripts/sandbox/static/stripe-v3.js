/*
 * Stripe.js stand-in served by the bundled Stripe sandbox (GET /v3).
 * Implements the part of https://js.stripe.com/v3 our pages use:
 *   Stripe(pk) -> elements({clientSecret, appearance}), confirmPayment(),
 *   confirmSetup(), retrievePaymentIntent(), retrieveSetupIntent(),
 *   confirmCardPayment(), confirmCardSetup(), handleNextAction()
 *   elements.create('payment' | 'card') -> mount / unmount / destroy / on / off /
 *   update / focus / blur / clear; elements.submit(), getElement(), update()
 * Card and bank details are typed into an iframe served by the sandbox and
 * posted by that iframe straight to the sandbox; this page never sees them.
 * All messages between page and iframe are origin-checked.
 */
(function () {
	'use strict';
	if (window.Stripe && window.Stripe.__sandbox)
		return;

	var ORIGIN = (function () {
		try {
			if (document.currentScript && document.currentScript.src)
				return new URL(document.currentScript.src, location.href).origin;
		} catch (e) { /* fall through */ }
		return '__SANDBOX_ORIGIN__';
	})();
	var PAGE_ORIGIN = location.origin;
	var seq = 0;
	var frames = [];	// {win, onMessage}

	function IntegrationError(message) {
		var e = new Error(message);
		e.name = 'IntegrationError';
		return e;
	}

	window.addEventListener('message', function (e) {
		if (e.origin !== ORIGIN)
			return;
		var d = e.data;
		if (!d || d.__stripeSandbox !== 1)
			return;
		for (var i = 0; i < frames.length; i++) {
			if (frames[i].win() === e.source) {
				frames[i].onMessage(d);
				return;
			}
		}
	});

	function form(obj, prefix, out) {
		out = out || [];
		if (obj === null || obj === undefined)
			return out;
		if (typeof obj === 'object') {
			Object.keys(obj).forEach(function (k) {
				form(obj[k], prefix ? prefix + '[' + k + ']' : k, out);
			});
		} else {
			out.push(encodeURIComponent(prefix) + '=' + encodeURIComponent(String(obj)));
		}
		return out;
	}

	function intentPath(clientSecret) {
		var m = /^((pi|seti)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/.exec(clientSecret || '');
		if (!m)
			return null;
		return { id: m[1], kind: m[2] === 'pi' ? 'payment' : 'setup', path: (m[2] === 'pi' ? '/v1/payment_intents/' : '/v1/setup_intents/') + m[1] };
	}

	function api(pk, method, path, params) {
		params = Object.assign({ key: pk }, params || {});
		var body = form(params).join('&');
		var url = ORIGIN + path + (method === 'GET' ? '?' + body : '');
		return fetch(url, {
			method: method,
			headers: method === 'GET' ? {} : { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: method === 'GET' ? undefined : body,
			credentials: 'omit',
			mode: 'cors',
		}).then(function (r) {
			return r.json().then(function (j) { return { status: r.status, body: j }; });
		}, function (err) {
			return { status: 0, body: { error: { type: 'api_connection_error', message: 'Could not reach the payment service (' + err.message + ').' } } };
		});
	}

	function intentResult(kind, intent) {
		var o = {};
		o[kind === 'payment' ? 'paymentIntent' : 'setupIntent'] = intent;
		return o;
	}

	// 3-D Secure: a modal with the sandbox's test page, like Stripe.js's.
	function authenticate(next) {
		var url = next && (next.type === 'use_stripe_sdk' ? next.use_stripe_sdk.stripe_js
		    : next.type === 'redirect_to_url' ? next.redirect_to_url.url : null);
		if (!url || url.indexOf(ORIGIN + '/') !== 0)
			return Promise.resolve(false);
		return new Promise(function (resolve) {
			var back = document.createElement('div');
			back.style.cssText = ('position:fixed;inset:0;z-index:2147483647;background:rgba(10,20,40,.55);display:flex;align-items:center;justify-content:center;');
			var f = document.createElement('iframe');
			f.name = '__privateStripeAuthFrame' + (++seq);
			f.title = 'Payment authentication';
			f.style.cssText = ('border:0;border-radius:12px;background:#fff;width:min(440px,calc(100vw - 24px));height:min(560px,calc(100vh - 24px));box-shadow:0 20px 60px rgba(0,0,0,.35);');
			f.src = url + '#origin=' + encodeURIComponent(PAGE_ORIGIN);
			back.appendChild(f);
			document.body.appendChild(back);
			var entry = {
				win: function () { return f.contentWindow; },
				onMessage: function (d) {
					if (d.type !== '3ds-complete')
						return;
					frames.splice(frames.indexOf(entry), 1);
					back.remove();
					resolve(true);
				},
			};
			frames.push(entry);
		});
	}

	function finish(stripe, kind, clientSecret, res, redirect, returnUrl) {
		if (res.error)
			return Promise.resolve({ error: res.error });
		var intent = res.intent;
		var step = Promise.resolve(intent);
		if (intent.status === 'requires_action') {
			step = authenticate(intent.next_action).then(function () {
				var ip = intentPath(clientSecret);
				return api(stripe._pk, 'GET', ip.path, { client_secret: clientSecret }).then(function (r) {
					return r.body.error ? Promise.reject(r.body.error) : r.body;
				});
			});
		}
		return step.then(function (it) {
			var lastErr = kind === 'payment' ? it.last_payment_error : it.last_setup_error;
			if (it.status === 'requires_payment_method' && lastErr) {
				var err = Object.assign({}, lastErr);
				err[kind === 'payment' ? 'payment_intent' : 'setup_intent'] = it;
				return { error: err };
			}
			if (redirect !== 'if_required' && returnUrl) {
				var u = new URL(returnUrl, location.href);
				var k = kind === 'payment' ? 'payment_intent' : 'setup_intent';
				u.searchParams.set(k, it.id);
				u.searchParams.set(k + '_client_secret', it.client_secret);
				u.searchParams.set('redirect_status', it.status === 'succeeded' || it.status === 'processing' ? 'succeeded' : 'failed');
				location.assign(u.toString());
				return new Promise(function () {});	/* the page is going away */
			}
			return intentResult(kind, it);
		}, function (err) {
			return { error: err };
		});
	}

	// ---- Element --------------------------------------------------------

	function Element(elements, type, options) {
		this._elements = elements;
		this._type = type;
		this._options = options || {};
		this._handlers = {};
		this._frame = null;
		this._wrap = null;
		this._ready = false;
		this._queue = [];
		this._pending = {};
		this._state = { empty: true, complete: false };
	}

	Element.prototype.mount = function (target) {
		var node = typeof target === 'string' ? document.querySelector(target) : target;
		if (!node || !node.appendChild)
			throw IntegrationError('The selector you specified (' + target + ') applies to no DOM elements that are currently on the page.\nMake sure the element exists on the page before calling mount().');
		if (this._frame)
			throw IntegrationError('This Element is already mounted. Use `unmount()` to unmount the Element before re-mounting.');
		var self = this;
		var wrap = document.createElement('div');
		wrap.className = '__PrivateStripeElement';
		wrap.style.cssText = ('margin:0!important;padding:0!important;border:none!important;display:block!important;background:transparent!important;position:relative!important;opacity:1!important;');
		var f = document.createElement('iframe');
		f.name = '__privateStripeFrame' + (++seq);
		f.title = 'Secure payment input frame';
		f.setAttribute('frameborder', '0');
		f.setAttribute('allowtransparency', 'true');
		f.setAttribute('scrolling', 'no');
		f.setAttribute('role', 'presentation');
		f.setAttribute('allow', 'payment *');
		f.style.cssText = ('border:none!important;margin:0!important;padding:0!important;width:1px!important;min-width:100%!important;overflow:hidden!important;display:block!important;user-select:none!important;color-scheme:normal;height:' + (this._type === 'card' ? '44px' : '260px') + ';');
		var cfg = {
			type: this._type,
			pk: this._elements._stripe._pk,
			clientSecret: this._elements._clientSecret || null,
			parentOrigin: PAGE_ORIGIN,
			appearance: this._elements._appearance || {},
			options: this._options,
			locale: this._elements._options.locale || 'en',
		};
		f.src = ORIGIN + '/v3/elements-frame#' + encodeURIComponent(JSON.stringify(cfg));
		this._entry = {
			win: function () { return f.contentWindow; },
			onMessage: function (d) { self._onMessage(d); },
		};
		frames.push(this._entry);
		wrap.appendChild(f);
		node.appendChild(wrap);
		this._frame = f;
		this._wrap = wrap;
		this._container = node;
		node.classList && node.classList.add('StripeElement');
	};

	Element.prototype._onMessage = function (d) {
		var p = d.payload || {};
		switch (d.type) {
		case 'ready':
			this._ready = true;
			var q = this._queue;
			this._queue = [];
			for (var i = 0; i < q.length; i++)
				this._post(q[i]);
			this._emit('ready', { elementType: this._type });
			break;
		case 'resize':
			if (this._frame && p.height)
				this._frame.style.height = Math.ceil(p.height) + 'px';
			break;
		case 'change':
			this._state = p;
			if (this._container && this._container.classList) {
				this._container.classList.toggle('StripeElement--empty', !!p.empty);
				this._container.classList.toggle('StripeElement--complete', !!p.complete);
				this._container.classList.toggle('StripeElement--invalid', !!p.error);
			}
			this._emit('change', Object.assign({ elementType: this._type }, p));
			break;
		case 'focus':
		case 'blur':
			if (this._container && this._container.classList)
				this._container.classList.toggle('StripeElement--focus', d.type === 'focus');
			this._emit(d.type, { elementType: this._type });
			break;
		case 'loaderror':
			this._emit('loaderror', { elementType: this._type, error: p.error });
			break;
		case 'reply':
			var cb = this._pending[d.id];
			if (cb) {
				delete this._pending[d.id];
				cb(p);
			}
			break;
		}
	};

	Element.prototype._post = function (msg) {
		if (!this._frame || !this._frame.contentWindow)
			return;
		this._frame.contentWindow.postMessage(msg, ORIGIN);
	};

	Element.prototype._send = function (type, payload) {
		var msg = { __stripeSandbox: 1, type: type, payload: payload || {}, id: 'm' + (++seq) };
		if (this._ready)
			this._post(msg);
		else
			this._queue.push(msg);
		return msg.id;
	};

	Element.prototype._request = function (type, payload) {
		var self = this;
		if (!this._frame)
			return Promise.resolve({ error: { type: 'validation_error', code: 'element_not_mounted', message: 'The payment form is not mounted.' } });
		return new Promise(function (resolve) {
			var id = self._send(type, payload);
			self._pending[id] = resolve;
		});
	};

	Element.prototype._emit = function (ev, data) {
		var hs = (this._handlers[ev] || []).slice();
		for (var i = 0; i < hs.length; i++) {
			try {
				hs[i](data);
			} catch (e) {
				setTimeout(function () { throw e; });
			}
		}
	};

	Element.prototype.on = function (ev, cb) {
		(this._handlers[ev] = this._handlers[ev] || []).push(cb);
		return this;
	};
	Element.prototype.addEventListener = Element.prototype.on;
	Element.prototype.once = function (ev, cb) {
		var self = this;
		function w(d) {
			self.off(ev, w);
			cb(d);
		}
		return this.on(ev, w);
	};
	Element.prototype.off = function (ev, cb) {
		if (!cb)
			delete this._handlers[ev];
		else
			this._handlers[ev] = (this._handlers[ev] || []).filter(function (h) { return h !== cb; });
		return this;
	};
	Element.prototype.removeEventListener = Element.prototype.off;

	Element.prototype.unmount = function () {
		if (!this._frame)
			return;
		var i = frames.indexOf(this._entry);
		if (i >= 0)
			frames.splice(i, 1);
		this._wrap.remove();
		this._frame = null;
		this._wrap = null;
		this._ready = false;
		this._queue = [];
		for (var k in this._pending)
			this._pending[k]({ error: { type: 'validation_error', code: 'element_unmounted', message: 'The payment form was removed.' } });
		this._pending = {};
	};
	Element.prototype.destroy = function () {
		this.unmount();
		delete this._elements._els[this._type];
		this._destroyed = true;
	};
	Element.prototype.focus = function () { this._send('focus'); };
	Element.prototype.blur = function () { this._send('blur'); };
	Element.prototype.clear = function () { this._send('clear'); };
	Element.prototype.update = function (options) {
		Object.assign(this._options, options || {});
		this._send('update', { options: this._options });
	};
	Element.prototype.collapse = function () {};

	// ---- Elements -------------------------------------------------------

	function Elements(stripe, options) {
		this._stripe = stripe;
		this._options = options || {};
		this._clientSecret = this._options.clientSecret || null;
		this._appearance = this._options.appearance || {};
		this._els = {};
	}

	Elements.prototype.create = function (type, options) {
		if (type !== 'payment' && type !== 'card')
			throw IntegrationError('The sandbox supports the "payment" and "card" Elements, not "' + type + '".');
		if (type === 'payment' && !this._clientSecret)
			throw IntegrationError('In order to create a payment element, you must pass a valid PaymentIntent or SetupIntent client secret when creating the Elements group.\n\n  e.g. stripe.elements({clientSecret: "{{CLIENT_SECRET}}"})');
		if (this._els[type])
			throw IntegrationError('Can only create one Element of type ' + type + '.');
		var el = new Element(this, type, options);
		this._els[type] = el;
		return el;
	};
	Elements.prototype.getElement = function (type) {
		return this._els[type] || null;
	};
	Elements.prototype.update = function (options) {
		options = options || {};
		if (options.appearance)
			this._appearance = options.appearance;
		for (var k in this._els)
			this._els[k]._send('update', { appearance: this._appearance });
	};
	Elements.prototype.submit = function () {
		var el = this._els.payment || this._els.card;
		if (!el)
			return Promise.resolve({ error: { type: 'validation_error', message: 'No payment form was created.' } });
		return el._request('validate').then(function (r) { return r.error ? { error: r.error } : {}; });
	};
	Elements.prototype.fetchUpdates = function () { return Promise.resolve({}); };

	// ---- Stripe ---------------------------------------------------------

	function Stripe(pk, options) {
		if (!(this instanceof Stripe))
			return new Stripe(pk, options);
		if (typeof pk !== 'string' || !/^pk_(test|live)_[A-Za-z0-9_]+$/.test(pk))
			throw IntegrationError('Invalid value for Stripe(): apiKey should be a string of the form pk_test_... . You specified: ' + pk + '.');
		this._pk = pk;
		this._options = options || {};
	}
	Stripe.__sandbox = true;
	Stripe.version = 3;

	Stripe.prototype.elements = function (options) {
		return new Elements(this, options);
	};

	function confirmWithElements(stripe, kind, o) {
		o = o || {};
		var elements = o.elements;
		var name = kind === 'payment' ? 'confirmPayment' : 'confirmSetup';
		if (!elements || !(elements instanceof Elements))
			return Promise.reject(IntegrationError('stripe.' + name + '(): expected `elements` to be an Elements group.'));
		var cs = o.clientSecret || elements._clientSecret;
		var ip = intentPath(cs);
		if (!ip || ip.kind !== kind)
			return Promise.reject(IntegrationError('stripe.' + name + '(): invalid or missing client secret for a ' + (kind === 'payment' ? 'PaymentIntent' : 'SetupIntent') + '.'));
		var redirect = o.redirect || 'always';
		var cp = o.confirmParams || {};
		if (redirect !== 'if_required' && !cp.return_url)
			return Promise.reject(IntegrationError('stripe.' + name + '(): the `confirmParams.return_url` argument is required unless passing `redirect: \'if_required\'`'));
		var el = elements._els.payment || elements._els.card;
		if (!el || !el._frame)
			return Promise.reject(IntegrationError('stripe.' + name + '(): the Payment Element is not mounted.'));
		var safe = {
			return_url: cp.return_url,
			payment_method_data: cp.payment_method_data ? { billing_details: cp.payment_method_data.billing_details } : undefined,
			setup_future_usage: cp.setup_future_usage,
			receipt_email: cp.receipt_email,
		};
		return el._request('confirm', { kind: kind, clientSecret: cs, confirmParams: safe }).then(function (res) {
			return finish(stripe, kind, cs, res, redirect, cp.return_url);
		});
	}

	Stripe.prototype.confirmPayment = function (o) { return confirmWithElements(this, 'payment', o); };
	Stripe.prototype.confirmSetup = function (o) { return confirmWithElements(this, 'setup', o); };

	// Legacy card flows: data.payment_method is a saved PaymentMethod id or
	// {card: cardElement, billing_details}.
	function confirmCard(stripe, kind, cs, data) {
		data = data || {};
		var ip = intentPath(cs);
		if (!ip || ip.kind !== kind)
			return Promise.reject(IntegrationError('Invalid client secret.'));
		var pmv = data.payment_method;
		if (pmv && typeof pmv === 'object' && pmv.card instanceof Element) {
			return pmv.card._request('confirm', {
				kind: kind, clientSecret: cs,
				confirmParams: { return_url: data.return_url, payment_method_data: { billing_details: pmv.billing_details }, setup_future_usage: data.setup_future_usage },
			}).then(function (res) { return finish(stripe, kind, cs, res, 'if_required'); });
		}
		var params = { client_secret: cs, use_stripe_sdk: 'true' };
		if (typeof pmv === 'string')
			params.payment_method = pmv;
		if (data.return_url)
			params.return_url = data.return_url;
		return api(stripe._pk, 'POST', ip.path + '/confirm', params).then(function (r) {
			return finish(stripe, kind, cs, r.body.error ? { error: r.body.error } : { intent: r.body }, 'if_required');
		});
	}
	Stripe.prototype.confirmCardPayment = function (cs, data) { return confirmCard(this, 'payment', cs, data); };
	Stripe.prototype.confirmCardSetup = function (cs, data) { return confirmCard(this, 'setup', cs, data); };

	function retrieve(stripe, kind, cs) {
		var ip = intentPath(cs);
		if (!ip || ip.kind !== kind)
			return Promise.reject(IntegrationError('Invalid client secret.'));
		return api(stripe._pk, 'GET', ip.path, { client_secret: cs }).then(function (r) {
			return r.body.error ? { error: r.body.error } : intentResult(kind, r.body);
		});
	}
	Stripe.prototype.retrievePaymentIntent = function (cs) { return retrieve(this, 'payment', cs); };
	Stripe.prototype.retrieveSetupIntent = function (cs) { return retrieve(this, 'setup', cs); };

	Stripe.prototype.handleNextAction = function (o) {
		var stripe = this;
		var cs = o && o.clientSecret;
		var ip = intentPath(cs);
		if (!ip)
			return Promise.reject(IntegrationError('Invalid client secret.'));
		return api(stripe._pk, 'GET', ip.path, { client_secret: cs }).then(function (r) {
			if (r.body.error)
				return { error: r.body.error };
			return finish(stripe, ip.kind, cs, { intent: r.body }, 'if_required');
		});
	};

	window.Stripe = Stripe;
})();
