/*
 * Kontor's stand-in for Stripe.js v3: the functions of Stripe.js that SEPA
 * Direct Debit and Sofort integrations use, talking to the Kontor server
 * that served this file. Load it in place of https://js.stripe.com/v3/:
 *
 *   <script src="http://127.0.0.1:12111/v3/"></script>
 *
 * Results and errors are shaped as Stripe.js shapes them: a promise of
 * {paymentIntent}, {setupIntent}, {paymentMethod}, {source} or {error},
 * where error is the API's error object ({type, code, message, param, …})
 * or a validation_error found before any request. Wrong use (a missing or
 * malformed argument) throws an IntegrationError, as Stripe.js does.
 */
(function () {
  "use strict";

  // The server's public URL, set when the server serves this file.
  var API = __KONTOR_API__;

  function IntegrationError(message) {
    var e = new Error(message);
    e.name = "IntegrationError";
    return e;
  }

  function isObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
  }

  // encode writes params form-encoded as Stripe's API reads them: nested
  // objects as a[b][c], arrays as a[0], no value for null or undefined.
  function encode(params) {
    var parts = [];
    function add(key, v) {
      if (v === undefined || v === null) {
        return;
      }
      if (Array.isArray(v)) {
        v.forEach(function (item, i) { add(key + "[" + i + "]", item); });
      } else if (isObject(v)) {
        Object.keys(v).forEach(function (k) { add(key + "[" + k + "]", v[k]); });
      } else {
        parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(String(v)));
      }
    }
    Object.keys(params || {}).forEach(function (k) { add(k, params[k]); });
    return parts.join("&");
  }

  function connectionError(err) {
    return {
      type: "api_connection_error",
      message: "A network error occurred while contacting Kontor at " + API + (err && err.message ? ": " + err.message : "."),
    };
  }

  // intentID reads the intent id out of a client secret (pi_…_secret_…).
  function intentID(clientSecret, prefix, fn) {
    var m = typeof clientSecret === "string" && clientSecret.match(/^((pi|seti)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/);
    if (!m || m[2] !== prefix) {
      throw IntegrationError("Invalid value for " + fn + ": clientSecret should be a client secret of the form " +
        "${id}_secret_${secret}. You specified: " + clientSecret + ".");
    }
    return m[1];
  }

  // --- The iban Element: a plain input that hands its value over. ---

  // ibanLengths are the IBAN lengths of the SEPA countries.
  var ibanLengths = {
    AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18, FR: 27, GB: 22,
    GI: 23, GR: 27, HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MT: 31, NL: 18,
    NO: 15, PL: 28, PT: 25, RO: 24, SE: 24, SI: 19, SK: 24, SM: 27, VA: 22,
  };
  var placeholders = {
    DE: "DE89 3704 0044 0532 0130 00", AT: "AT61 1904 3002 3457 3201", FR: "FR14 2004 1010 0505 0001 3M02 606",
    NL: "NL39 RABO 0300 0652 64", BE: "BE62 5100 0754 7061", ES: "ES07 0012 0345 0300 0006 7890", IT: "IT40 S054 2811 1010 0000 0123 456",
  };

  function mod97(iban) {
    var s = iban.slice(4) + iban.slice(0, 4);
    var rest = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      var digits = c >= 65 ? String(c - 55) : s.charAt(i);
      for (var j = 0; j < digits.length; j++) {
        rest = (rest * 10 + (digits.charCodeAt(j) - 48)) % 97;
      }
    }
    return rest;
  }

  // ibanState checks an IBAN as the iban Element does while the payer types.
  function ibanState(value) {
    var iban = value.replace(/\s+/g, "").toUpperCase();
    var state = { empty: iban === "", complete: false, error: undefined, country: undefined };
    if (state.empty) {
      return state;
    }
    if (!/^[A-Z]{2}/.test(iban) && iban.length >= 2) {
      state.error = { type: "validation_error", code: "invalid_iban_start", message: "Your IBAN should start with a two-letter country code." };
      return state;
    }
    var country = iban.slice(0, 2);
    var length = ibanLengths[country];
    if (iban.length >= 2 && !length) {
      state.error = { type: "validation_error", code: "invalid_iban_country_code", message: "Your IBAN's country code is not supported." };
      return state;
    }
    state.country = country;
    if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]*$/.test(iban) || iban.length > length) {
      state.error = { type: "validation_error", code: "invalid_iban", message: "Your IBAN is invalid." };
      return state;
    }
    if (iban.length < length) {
      state.error = { type: "validation_error", code: "incomplete_iban", message: "Your IBAN is incomplete." };
      return state;
    }
    if (mod97(iban) !== 1) {
      state.error = { type: "validation_error", code: "invalid_iban", message: "Your IBAN is invalid." };
      return state;
    }
    state.complete = true;
    return state;
  }

  function IbanElement(options) {
    options = options || {};
    var input = document.createElement("input");
    input.type = "text";
    input.name = "iban";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.className = "KontorElement KontorElement--iban";
    input.setAttribute("aria-label", "IBAN");
    input.style.width = "100%";
    input.style.boxSizing = "border-box";
    input.placeholder = placeholders[options.placeholderCountry || "DE"] || placeholders.DE;
    if (options.disabled) {
      input.disabled = true;
    }
    this._input = input;
    this._handlers = {};
    this._destroyed = false;
    var self = this;
    input.addEventListener("input", function () { self._emit("change", self._event()); });
    input.addEventListener("focus", function () { self._emit("focus", { elementType: "iban" }); });
    input.addEventListener("blur", function () { self._emit("blur", { elementType: "iban" }); });
  }

  IbanElement.prototype._event = function () {
    var s = ibanState(this._input.value);
    return { elementType: "iban", empty: s.empty, complete: s.complete, error: s.error, country: s.country };
  };
  IbanElement.prototype._emit = function (name, event) {
    (this._handlers[name] || []).slice().forEach(function (h) { h(event); });
  };
  // _value is the IBAN typed, without spaces.
  IbanElement.prototype._value = function () {
    return this._input.value.replace(/\s+/g, "").toUpperCase();
  };
  // _problem is what stops the IBAN from being sent, or undefined.
  IbanElement.prototype._problem = function () {
    var s = ibanState(this._input.value);
    if (s.empty) {
      return { type: "validation_error", code: "incomplete_iban", message: "Your IBAN is incomplete." };
    }
    return s.error;
  };
  IbanElement.prototype.mount = function (target) {
    if (this._destroyed) {
      throw IntegrationError("This Element has already been destroyed. Please create a new one.");
    }
    var node = typeof target === "string" ? document.querySelector(target) : target;
    if (!node || typeof node.appendChild !== "function") {
      throw IntegrationError("The selector you specified (" + target + ") applies to no DOM elements that are currently on the page.");
    }
    node.appendChild(this._input);
    var self = this;
    setTimeout(function () { self._emit("ready", { elementType: "iban" }); }, 0);
  };
  IbanElement.prototype.unmount = function () {
    if (this._input.parentNode) {
      this._input.parentNode.removeChild(this._input);
    }
  };
  IbanElement.prototype.destroy = function () {
    this.unmount();
    this._destroyed = true;
    if (this._elements) {
      delete this._elements._byType.iban;
    }
  };
  IbanElement.prototype.on = function (name, handler) {
    (this._handlers[name] = this._handlers[name] || []).push(handler);
    return this;
  };
  IbanElement.prototype.off = function (name, handler) {
    this._handlers[name] = (this._handlers[name] || []).filter(function (h) { return handler && h !== handler; });
    return this;
  };
  IbanElement.prototype.update = function (options) {
    if (options && options.placeholderCountry) {
      this._input.placeholder = placeholders[options.placeholderCountry] || this._input.placeholder;
    }
    if (options && "disabled" in options) {
      this._input.disabled = !!options.disabled;
    }
  };
  IbanElement.prototype.clear = function () {
    this._input.value = "";
    this._emit("change", this._event());
  };
  IbanElement.prototype.focus = function () { this._input.focus(); };
  IbanElement.prototype.blur = function () { this._input.blur(); };

  function Elements() {
    this._byType = {};
  }
  Elements.prototype.create = function (type, options) {
    if (type !== "iban") {
      throw IntegrationError("Kontor's Stripe.js supports the iban Element only; " + type + " is not available.");
    }
    if (this._byType.iban) {
      throw IntegrationError("Can only create one Element of type iban.");
    }
    var el = new IbanElement(options);
    el._elements = this;
    this._byType.iban = el;
    return el;
  };
  Elements.prototype.getElement = function (type) {
    return this._byType[type] || null;
  };

  // --- The Stripe object. ---

  function Stripe(key, options) {
    if (!(this instanceof Stripe)) {
      return new Stripe(key, options);
    }
    if (typeof key !== "string" || key === "") {
      throw IntegrationError("Please call Stripe() with your publishable key. You used an empty string.");
    }
    if (/^(sk|rk)_/.test(key)) {
      throw IntegrationError("You should not use your secret key with Stripe.js. Please pass a publishable key instead.");
    }
    if (!/^pk_(test|live)_/.test(key)) {
      throw IntegrationError("Invalid value for Stripe(): apiKey should be a publishable key (pk_test_…). You specified: " + key + ".");
    }
    this._key = key;
    this._apiVersion = options && options.apiVersion;
  }

  // _request calls the API with the publishable key and resolves with
  // {status, body}, or {error} when the server could not be reached.
  Stripe.prototype._request = function (method, path, params) {
    var url = API + path;
    var init = { method: method, headers: { Authorization: "Bearer " + this._key }, credentials: "omit" };
    var body = encode(params);
    if (method === "GET") {
      if (body) {
        url += "?" + body;
      }
    } else {
      init.headers["Content-Type"] = "application/x-www-form-urlencoded";
      init.body = body;
    }
    if (this._apiVersion) {
      init.headers["Stripe-Version"] = this._apiVersion;
    }
    return fetch(url, init).then(function (resp) {
      return resp.json().then(function (json) {
        return { status: resp.status, body: json };
      }, function () {
        return { error: { type: "api_error", message: "Kontor answered " + resp.status + " without JSON." } };
      });
    }, function (err) {
      return { error: connectionError(err) };
    });
  };

  // _result turns an answer into Stripe.js's result: {name: object} or {error}.
  function result(name) {
    return function (res) {
      if (res.error) {
        return { error: res.error };
      }
      if (res.status >= 400) {
        return { error: (res.body && res.body.error) || { type: "api_error", message: "Kontor answered " + res.status + "." } };
      }
      var out = {};
      out[name] = res.body;
      return out;
    };
  }

  Stripe.prototype.elements = function () {
    return new Elements();
  };

  // ibanOf returns the IBAN params of sepa_debit data (an iban Element or
  // {iban}), or an error result when the Element's IBAN is not complete.
  function ibanOf(v) {
    if (v instanceof IbanElement) {
      var problem = v._problem();
      if (problem) {
        return { error: problem };
      }
      return { params: { iban: v._value() } };
    }
    if (isObject(v)) {
      return { params: v };
    }
    return { params: undefined };
  }

  function copy(o) {
    var out = {};
    Object.keys(o || {}).forEach(function (k) { out[k] = o[k]; });
    return out;
  }

  Stripe.prototype.createSource = function (a, b) {
    var data;
    var iban;
    if (a instanceof IbanElement) {
      data = copy(b);
      iban = ibanOf(a);
      if (iban.error) {
        return Promise.resolve({ error: iban.error });
      }
      data.type = data.type || "sepa_debit";
      data.sepa_debit = Object.assign({}, data.sepa_debit, iban.params);
    } else {
      data = copy(a);
    }
    if (typeof data.type !== "string" || data.type === "") {
      throw IntegrationError("Missing value for createSource: type should be a string.");
    }
    return this._request("POST", "/v1/sources", data).then(result("source"));
  };

  Stripe.prototype.retrieveSource = function (source) {
    if (!isObject(source) || typeof source.id !== "string" || typeof source.client_secret !== "string") {
      throw IntegrationError("Invalid value for retrieveSource: pass {id, client_secret} of the source.");
    }
    return this._request("GET", "/v1/sources/" + encodeURIComponent(source.id), { client_secret: source.client_secret }).then(result("source"));
  };

  // paymentMethodParams builds payment method create params from Stripe.js's
  // {type, sepa_debit: Element|{iban}, sofort: {country}, billing_details, metadata}.
  function paymentMethodParams(data) {
    var params = copy(data);
    if (data.sepa_debit !== undefined) {
      var iban = ibanOf(data.sepa_debit);
      if (iban.error) {
        return { error: iban.error };
      }
      params.sepa_debit = iban.params;
    }
    return { params: params };
  }

  Stripe.prototype.createPaymentMethod = function (a, b, c) {
    var data;
    if (typeof a === "string") { // createPaymentMethod(type, element?, data?)
      if (b instanceof IbanElement) {
        data = copy(c);
        data.sepa_debit = b;
      } else {
        data = copy(b);
      }
      data.type = a;
    } else {
      data = copy(a);
    }
    if (typeof data.type !== "string" || data.type === "") {
      throw IntegrationError("Missing value for createPaymentMethod: type should be a string.");
    }
    var pm = paymentMethodParams(data);
    if (pm.error) {
      return Promise.resolve({ error: pm.error });
    }
    return this._request("POST", "/v1/payment_methods", pm.params).then(result("paymentMethod"));
  };

  // inferredMandate is the mandate acceptance Stripe.js sends for a SEPA
  // Direct Debit: accepted online, the IP address and user agent taken from
  // the request.
  var inferredMandate = { customer_acceptance: { type: "online", online: { infer_from_client: true } } };

  // confirmParams builds the params of an intent's confirmation from the
  // data of confirmSepaDebit*/confirmSofort*: payment_method is an id, or
  // {sepa_debit|sofort, billing_details} for a new payment method.
  function confirmParams(clientSecret, type, data, mandate) {
    data = data || {};
    var params = copy(data);
    params.client_secret = clientSecret;
    var pm = data.payment_method;
    delete params.payment_method;
    if (typeof pm === "string") {
      params.payment_method = pm;
    } else if (isObject(pm)) {
      var pmData = copy(pm);
      pmData.type = type;
      var built = paymentMethodParams(pmData);
      if (built.error) {
        return { error: built.error };
      }
      params.payment_method_data = built.params;
    }
    if (mandate && !params.mandate_data && (params.payment_method || params.payment_method_data)) {
      params.mandate_data = inferredMandate;
    }
    return { params: params };
  }

  Stripe.prototype._confirm = function (kind, clientSecret, type, data, options, fn) {
    var isPayment = kind === "paymentIntent";
    var id = intentID(clientSecret, isPayment ? "pi" : "seti", fn);
    var needsMandate = type === "sepa_debit" || !isPayment || !!(data && (data.setup_future_usage || data.save_payment_method));
    var built = confirmParams(clientSecret, type, data, needsMandate);
    if (built.error) {
      return Promise.resolve({ error: built.error });
    }
    var path = (isPayment ? "/v1/payment_intents/" : "/v1/setup_intents/") + encodeURIComponent(id) + "/confirm";
    var handleActions = !(options && options.handleActions === false);
    return this._request("POST", path, built.params).then(result(kind)).then(function (res) {
      var intent = res[kind];
      var next = intent && intent.next_action;
      if (handleActions && next && next.type === "redirect_to_url" && next.redirect_to_url && next.redirect_to_url.url) {
        // The payer authorises at the bank; the promise resolves only if leaving the page fails.
        window.location.assign(next.redirect_to_url.url);
        return new Promise(function () {});
      }
      return res;
    });
  };

  Stripe.prototype.confirmSepaDebitPayment = function (clientSecret, data) {
    return this._confirm("paymentIntent", clientSecret, "sepa_debit", data, undefined, "confirmSepaDebitPayment");
  };
  Stripe.prototype.confirmSepaDebitSetup = function (clientSecret, data) {
    return this._confirm("setupIntent", clientSecret, "sepa_debit", data, undefined, "confirmSepaDebitSetup");
  };
  Stripe.prototype.confirmSofortPayment = function (clientSecret, data, options) {
    return this._confirm("paymentIntent", clientSecret, "sofort", data, options, "confirmSofortPayment");
  };
  Stripe.prototype.confirmSofortSetup = function (clientSecret, data, options) {
    return this._confirm("setupIntent", clientSecret, "sofort", data, options, "confirmSofortSetup");
  };

  Stripe.prototype.retrievePaymentIntent = function (clientSecret) {
    var id = intentID(clientSecret, "pi", "retrievePaymentIntent");
    return this._request("GET", "/v1/payment_intents/" + encodeURIComponent(id), { client_secret: clientSecret }).then(result("paymentIntent"));
  };
  Stripe.prototype.retrieveSetupIntent = function (clientSecret) {
    var id = intentID(clientSecret, "seti", "retrieveSetupIntent");
    return this._request("GET", "/v1/setup_intents/" + encodeURIComponent(id), { client_secret: clientSecret }).then(result("setupIntent"));
  };

  // redirectToCheckout sends the payer to the hosted Checkout page of a
  // session the server created. The promise resolves only if leaving the
  // page fails; an unknown session is answered by the page Kontor shows.
  Stripe.prototype.redirectToCheckout = function (options) {
    if (!isObject(options) || typeof options.sessionId !== "string" || options.sessionId === "") {
      throw IntegrationError("Invalid value for redirectToCheckout: sessionId should be the id of a Checkout Session (cs_…). " +
        "Kontor's Stripe.js redirects to sessions only: create the session on your server.");
    }
    window.location.assign(API + "/v3/checkout/" + encodeURIComponent(options.sessionId) + "?key=" + encodeURIComponent(this._key));
    return new Promise(function () {});
  };

  Stripe.version = 3;
  window.Stripe = Stripe;
})();
