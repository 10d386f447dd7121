// palabre's form script. The form works without it; with it, questions that skip logic rules
// out disappear as the participant answers, a draft is kept on the device until the response
// is sent, and a failed connection says that nothing is lost.
(function () {
  'use strict';
  var d = document;
  if (!d.querySelector || !window.JSON || !Array.isArray) return;
  d.documentElement.className += ' js';

  // Expressions: the JSON trees and semantics of the survey/expr package documentation.
  // Values are null (unanswered), numbers, strings, arrays of strings and booleans.
  var NUM = /^[ \t\r\n]*-?(\d+(\.\d*)?|\.\d+)[ \t\r\n]*$/;

  function fmt(n) {
    if (n !== n) return 'NaN';
    if (n === Infinity) return 'Infinity';
    if (n === -Infinity) return '-Infinity';
    if (n === 0) return '0';
    var s = String(n), m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
    if (!m) return s;
    var digits = m[2] + (m[3] || ''), e = +m[4];
    if (e < 0) return m[1] + '0.' + new Array(-e).join('0') + digits;
    return m[1] + digits + new Array(e - digits.length + 2).join('0');
  }
  function str(v) {
    if (v === null || v === undefined) return '';
    if (Array.isArray(v)) return v.join(' ');
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return fmt(v);
    return v;
  }
  function parse(s) { return NUM.test(s) ? parseFloat(s) : NaN; }
  function days(s) { // a valid date "YYYY-MM-DD": days since 1970-01-01, else NaN
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s), t = new Date(0);
    if (!m) return NaN;
    t.setUTCFullYear(+m[1], +m[2] - 1, +m[3]);
    if (t.getUTCFullYear() !== +m[1] || t.getUTCMonth() !== +m[2] - 1 || t.getUTCDate() !== +m[3]) return NaN;
    return Math.floor(t.getTime() / 864e5);
  }
  function num(v) {
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'number') return v;
    if (v === null || v === undefined) return NaN;
    var s = str(v), n = days(s);
    return n === n ? n : parse(s);
  }
  function bool(v) {
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0 && v === v;
    return str(v) !== '';
  }
  function eq(a, b) {
    if (typeof a === 'boolean' || typeof b === 'boolean') return bool(a) === bool(b);
    var an = typeof a === 'number', bn = typeof b === 'number';
    if (an && bn) return a === b;
    if (an || bn) {
      var n = an ? a : b, s = str(an ? b : a);
      return NUM.test(s) ? n === parseFloat(s) : fmt(n) === s;
    }
    return str(a) === str(b);
  }
  function points(s) { // Unicode code points, as Go compares and counts them
    var out = [];
    for (var i = 0; i < s.length; i++) {
      var c = s.codePointAt(i);
      out.push(c);
      if (c > 0xffff) i++;
    }
    return out;
  }
  function compare(s, t) {
    var x = points(s), y = points(t);
    for (var i = 0; i < x.length && i < y.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  }
  function order(op, a, b) {
    var s = str(a), t = str(b), x, y;
    if (s === '' || t === '') return false;
    if (typeof a === 'boolean' || typeof b === 'boolean' || typeof a === 'number' || typeof b === 'number') {
      x = num(a); y = num(b);
    } else if (NUM.test(s) && NUM.test(t)) {
      x = parseFloat(s); y = parseFloat(t);
    } else {
      x = compare(s, t); y = 0;
    }
    return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
  }
  function words(v) {
    if (v === null || v === undefined) return [];
    if (Array.isArray(v)) return v;
    return str(v).split(/[ \t\r\n]+/).filter(function (w) { return w !== ''; });
  }
  function today() {
    var t = new Date(), p = function (n) { return (n < 10 ? '0' : '') + n; };
    return t.getFullYear() + '-' + p(t.getMonth() + 1) + '-' + p(t.getDate());
  }
  function ev(n, env) {
    var a, b;
    switch (n[0]) {
      case 'ref': a = env.values[n[1]]; return a === undefined ? null : a;
      case 'self': return env.self === undefined ? null : env.self;
      case 'col': a = (env.cols || {})[n[1]]; return a === undefined ? null : a;
      case 'num': case 'str': case 'bool': return n[1];
      case 'not': return !bool(ev(n[1], env));
      case 'neg': return -num(ev(n[1], env));
      case 'op':
        if (n[1] === 'or') return bool(ev(n[2], env)) || bool(ev(n[3], env));
        if (n[1] === 'and') return bool(ev(n[2], env)) && bool(ev(n[3], env));
        a = ev(n[2], env); b = ev(n[3], env);
        switch (n[1]) {
          case '=': return eq(a, b);
          case '!=': return !eq(a, b);
          case '+': return num(a) + num(b);
          case '-': return num(a) - num(b);
          case '*': return num(a) * num(b);
          case 'div': return num(a) / num(b);
          case 'mod': return num(a) % num(b);
        }
        return order(n[1], a, b);
      case 'call': return call(n[1], n.slice(2), env);
    }
    return null;
  }
  function round(x, d) {
    var r = function (y) { return y < 0 ? -Math.round(-y) : Math.round(y); }, p;
    if (d !== d) return NaN;
    d = Math.max(-15, Math.min(15, d));
    if (d >= 0) { p = Math.pow(10, d); return r(x * p) / p; }
    p = Math.pow(10, -d);
    return r(x / p) * p;
  }
  function index(f, def, n) {
    f = Math.trunc(f);
    return f !== f ? def : f < 0 ? 0 : f > n ? n : f;
  }
  function call(f, args, env) {
    if (f === 'if') return bool(ev(args[0], env)) ? ev(args[1], env) : ev(args[2], env);
    if (f === 'today') return today();
    if (f === 'now') return new Date().toISOString().slice(0, 19) + 'Z';
    var a = args.map(function (x) { return ev(x, env); }), w, i, j;
    switch (f) {
      case 'concat': return a.map(str).join('');
      case 'round': return round(num(a[0]), a.length > 1 ? Math.trunc(num(a[1])) : 0);
      case 'selected-at':
        w = words(a[0]); i = Math.trunc(num(a[1]));
        return i >= 0 && i < w.length ? w[i] : '';
      case 'substr':
        w = points(str(a[0]));
        i = index(num(a[1]), 0, w.length);
        j = a.length > 2 ? index(num(a[2]), w.length, w.length) : w.length;
        return j <= i ? '' : String.fromCodePoint.apply(String, w.slice(i, j));
      case 'boolean-from-string': return str(a[0]) === 'true' || str(a[0]) === '1';
      case 'abs': return Math.abs(num(a[0]));
      case 'once': return a[0];
    }
    switch (f) {
      case 'selected': return a[0] !== null && words(a[0]).indexOf(str(a[1])) >= 0;
      case 'count-selected': return words(a[0]).length;
      case 'string-length': return points(str(a[0])).length;
      case 'string': return str(a[0]);
      case 'number': return num(a[0]);
      case 'int': return Math.trunc(num(a[0]));
      case 'regex': try { return new RegExp(str(a[1])).test(str(a[0])); } catch (e) { return false; }
      case 'coalesce': return str(a[0]) !== '' ? a[0] : a[1];
      case 'contains': return str(a[0]).indexOf(str(a[1])) >= 0;
      case 'starts-with': return str(a[0]).indexOf(str(a[1])) === 0;
    }
    return null;
  }
  // Exposed so that tests compare this evaluator with the server's.
  window.palabre = { eval: function (tree, values, self, cols) { return ev(tree, { values: values || {}, self: self, cols: cols }); } };

  var form, logic;

  // value reads a shown question's answer as the server would: null when unanswered or
  // when the server would refuse it.
  function value(q, env) {
    var els = form.querySelectorAll('[name="' + q.key + '"]'), i, v = '', list = [];
    for (i = 0; i < els.length; i++) {
      var e = els[i];
      if (e.type === 'radio' || e.type === 'checkbox') {
        if (e.checked) { v = e.value; list.push(e.value); }
      } else v = e.value;
    }
    if (q.type === 'multiple_choice') {
      if (!list.length || list.length < (q.min_selected || 0) || (q.max_selected && list.length > q.max_selected)) return null;
      v = list;
    } else {
      v = v.replace(/^\s+|\s+$/g, '');
      if (q.type === 'text') v = v.split(/\s+/).join(' ');
      if (v === '') return null;
      if (q.type === 'number' || q.type === 'rating') {
        v = Number(v.replace(',', '.'));
        if (!isFinite(v) || (q.integer && v !== Math.trunc(v)) || (q.min !== undefined && v < q.min) || (q.max !== undefined && v > q.max)) return null;
        if (q.step) { var k = (v - (q.step_base || 0)) / q.step; if (Math.abs(k - Math.round(k)) > 1e-6) return null; }
      } else if (q.max_length && points(v).length > q.max_length) return null;
    }
    if (q.constraint) {
      var own = {}; // ${key} in its own constraint is "."
      for (var k in env) own[k] = env[k];
      own[q.key] = v;
      if (!bool(ev(q.constraint, { values: own, self: v }))) return null;
    }
    return v;
  }

  // apply shows the questions and groups whose relevant expression holds and hides the
  // others with their inputs disabled, so that they are not sent. Questions are worked out
  // in the server's order (logic.order: each after those it refers to, which may come later
  // in the form), a group's relevant when its first question is.
  function apply() {
    var env = {}, shown = [];
    function section(i) {
      var s = logic.sections[i];
      if (shown[i] === undefined) {
        shown[i] = !s.relevant || bool(ev(s.relevant, { values: env }));
        if (s.key) toggle(d.getElementById('g-' + s.key), shown[i]);
      }
      return shown[i];
    }
    var order = logic.order || [];
    if (!logic.order) logic.sections.forEach(function (s, i) { s.questions.forEach(function (q, j) { order.push([i, j]); }); });
    order.forEach(function (o) {
      var q = logic.sections[o[0]].questions[o[1]];
      var on = section(o[0]) && (!q.relevant || bool(ev(q.relevant, { values: env })));
      toggle(form.querySelector('[data-q="' + q.key + '"]'), on);
      if (q.calculation) calculate(q, on, env);
      else if (on && q.type !== 'note' && q.type !== 'matrix') {
        if (q.filter) filter(q, env);
        var v = value(q, env);
        if (v !== null) env[q.key] = v;
      }
    });
    logic.sections.forEach(function (s, i) { section(i); });
  }
  // calculate shows a calculate question's value, as the server will compute and store it,
  // and gives it to later expressions: an empty text or a NaN or infinite number is no value.
  function calculate(q, on, env) {
    var v = on ? ev(q.calculation, { values: env }) : null, out = form.querySelector('[data-calc="' + q.key + '"]');
    if (v !== null && (typeof v === 'number' ? !isFinite(v) : str(v) === '')) v = null;
    if (v !== null) env[q.key] = v;
    if (!out) return;
    out.textContent = v === null ? '' : str(v);
    if (out.nextElementSibling) out.nextElementSibling.hidden = true;
  }
  // filter offers only the choices the question's choice filter holds for: the others are
  // hidden, unchecked and disabled, so they are not sent.
  function filter(q, env) {
    var els = form.querySelectorAll('[name="' + q.key + '"]');
    for (var i = 0; i < els.length; i++) {
      var e = els[i], ok = bool(ev(q.filter, { values: env, cols: q.columns[e.value] || {} }));
      if (!ok) e.checked = false;
      e.disabled = !ok;
      if (e.parentNode) e.parentNode.hidden = !ok;
    }
  }
  function toggle(el, on) {
    if (!el || el.hidden === !on) return;
    el.hidden = !on;
    var inputs = el.querySelectorAll('input,select,textarea');
    for (var i = 0; i < inputs.length; i++) inputs[i].disabled = !on;
  }

  // The draft: every field's value and the response id, so that sending it later, even
  // twice, makes one response.
  var key;
  var RID = '_response_id'; // the hidden field of the response id (ResponseIDField)
  function load() { try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; } }
  function save() {
    var draft = { id: form.elements.namedItem(RID).value, fields: [] };
    for (var i = 0; i < form.elements.length; i++) {
      var e = form.elements[i];
      if (!e.name || e.name === RID || e.name === 'profile.language' || e.type === 'submit') continue;
      if (e.type === 'radio' || e.type === 'checkbox') { if (e.checked) draft.fields.push([e.name, e.value]); }
      else if (e.value !== '') draft.fields.push([e.name, e.value]);
    }
    try { localStorage.setItem(key, JSON.stringify(draft)); } catch (e) { /* private mode or full: the form still works */ }
  }
  function restore(draft) {
    if (!draft || !/^[0-9a-f-]{36}$/.test(draft.id || '')) return;
    form.elements.namedItem(RID).value = draft.id;
    (draft.fields || []).forEach(function (f) {
      var els = form.querySelectorAll('[name="' + f[0].replace(/["\\]/g, '') + '"]');
      for (var i = 0; i < els.length; i++) {
        var e = els[i];
        if (e.type === 'radio' || e.type === 'checkbox') { if (e.value === f[1]) e.checked = true; }
        else e.value = f[1];
      }
    });
  }

  // send posts the form with fetch: the server answers as it would to the plain post, and a
  // failed connection leaves the page, and the draft, as they are.
  function send(event) {
    if (!window.fetch || !window.FormData || !window.URLSearchParams || !window.DOMParser) return;
    event.preventDefault();
    save();
    var button = form.querySelector('[type=submit]'), label = button.textContent;
    button.disabled = true;
    button.textContent = form.getAttribute('data-sending');
    fetch(form.action, { method: 'POST', body: new URLSearchParams(new FormData(form)), credentials: 'same-origin' })
      .then(function (res) {
        if (res.redirected) { location.assign(res.url); return; }
        return res.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, 'text/html');
          d.title = doc.title;
          d.body.parentNode.replaceChild(d.adoptNode(doc.body), d.body);
          window.scrollTo(0, 0);
          start();
        });
      })
      .catch(function () {
        button.disabled = false;
        button.textContent = label;
        var off = d.getElementById('offline');
        off.hidden = false;
        off.focus();
      });
  }

  // A position question gets a button that fills it from the device's location; typing it
  // stays possible, and is what the page offers without script or without a location.
  function geopoints() {
    if (!navigator.geolocation) return;
    var inputs = form.querySelectorAll('input[data-geopoint]');
    Array.prototype.forEach.call(inputs, function (input) {
      var b = d.createElement('button'), note = d.createElement('p');
      b.type = 'button';
      b.className = 'geo';
      b.textContent = input.getAttribute('data-geopoint');
      note.className = 'err';
      note.hidden = true;
      note.setAttribute('role', 'status');
      b.addEventListener('click', function () {
        b.disabled = true;
        navigator.geolocation.getCurrentPosition(function (p) {
          var c = p.coords;
          input.value = [c.latitude, c.longitude, c.altitude || 0, c.accuracy || 0].map(fmt).join(' ');
          note.hidden = true;
          b.disabled = false;
          input.dispatchEvent(new Event('input', { bubbles: true }));
        }, function () {
          note.textContent = input.getAttribute('data-geo-error');
          note.hidden = false;
          b.disabled = false;
          input.focus();
        }, { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 });
      });
      input.parentNode.insertBefore(b, input.nextSibling);
      input.parentNode.insertBefore(note, b.nextSibling);
    });
  }

  function start() {
    form = d.getElementById('survey');
    var logicEl = d.getElementById('logic'), done = d.getElementById('done');
    if (done) {
      key = 'palabre:' + done.getAttribute('data-draft');
      var draft = load();
      if (!draft || draft.id === done.getAttribute('data-id')) try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
      return;
    }
    if (!form || !logicEl) return;
    key = 'palabre:' + form.getAttribute('data-draft');
    logic = JSON.parse(logicEl.textContent);
    // A preview applies skip logic only: it keeps no draft and sends nothing.
    var preview = form.hasAttribute('data-preview');
    // A page shown again after a submission holds the values sent: they replace the draft.
    if (preview) { /* no draft */ } else if (form.hasAttribute('data-rerender')) save();
    else restore(load());
    geopoints();
    apply();
    var changed = function () { apply(); if (!preview) save(); };
    form.addEventListener('input', changed);
    form.addEventListener('change', changed);
    form.addEventListener('submit', preview ? function (event) { event.preventDefault(); } : send);
    var summary = d.getElementById('errors');
    if (summary) summary.focus();
  }
  start();
}());
