/* Pingyi respondent page enhancement: local save, progress, paging and the proof of work.
   Plain ES2017 for old in-app browsers; the page works fully without it (plain form POST). */
(function () {
	'use strict';
	var store = null;
	try {
		store = window.localStorage;
		store.setItem('py:t', '1');
		store.removeItem('py:t');
	} catch (e) {
		store = null;
	}

	var thanks = document.querySelector('[data-clear-slug]');
	if (thanks) {
		if (store) store.removeItem('py:' + thanks.getAttribute('data-clear-slug'));
		return;
	}
	var form = document.getElementById('survey');
	if (!form) return;
	var key = 'py:' + form.getAttribute('data-slug');
	var idInput = form.elements.namedItem('submissionId');
	var skip = { startToken: 1, altcha: 1, website: 1, submissionId: 1 };
	var labels = {};
	var pagerEl = form.querySelector('.pager');
	try {
		labels = JSON.parse(pagerEl.getAttribute('data-labels'));
	} catch (e) {
		labels = {};
	}
	var units = Array.prototype.slice.call(form.querySelectorAll('[data-unit]'));

	function fill(tpl, map) {
		return String(tpl || '').replace(/\{(\w)\}/g, function (_, k) {
			return map[k];
		});
	}

	/* ---- local save: a reload or a WeChat tab switch loses nothing ---- */
	function snapshot() {
		var fields = [];
		Array.prototype.forEach.call(form.elements, function (el) {
			if (!el.name || skip[el.name]) return;
			if ((el.type === 'radio' || el.type === 'checkbox') && !el.checked) return;
			if (el.type === 'hidden' || el.type === 'submit' || el.type === 'button') return;
			if (el.value === '') return;
			fields.push([el.name, el.value]);
		});
		return {
			id: idInput.value,
			token: form.elements.namedItem('startToken').value,
			challenge: form.getAttribute('data-challenge'),
			fields: fields,
			at: Date.now()
		};
	}
	var saveTimer = null;
	function saveNow() {
		clearTimeout(saveTimer);
		if (!store) return;
		try {
			store.setItem(key, JSON.stringify(snapshot()));
		} catch (e) {
			/* storage full or blocked: nothing to do */
		}
	}
	/* Typing is saved a moment later; a choice is saved at once (the tab may be switched away next). */
	function saveSoon() {
		clearTimeout(saveTimer);
		saveTimer = setTimeout(saveNow, 300);
	}
	function restore() {
		if (!store || form.getAttribute('data-restore') !== '1') return;
		var saved;
		try {
			saved = JSON.parse(store.getItem(key) || 'null');
		} catch (e) {
			saved = null;
		}
		if (!saved || !saved.fields) return;
		// Keeping the id makes a retry after a lost answer return the same receipt; keeping the first
		// (unspent) start token keeps the time the person really started, so a reload is not "too fast".
		if (saved.id) idInput.value = saved.id;
		if (saved.token && saved.challenge && Date.now() - saved.at < 20 * 3600 * 1000) {
			form.elements.namedItem('startToken').value = saved.token;
			form.setAttribute('data-challenge', saved.challenge);
		}
		saved.fields.forEach(function (f) {
			var els = form.querySelectorAll('[name="' + f[0].replace(/"/g, '') + '"]');
			Array.prototype.forEach.call(els, function (el) {
				if (el.type === 'radio' || el.type === 'checkbox') {
					if (el.value === f[1]) el.checked = true;
				} else el.value = f[1];
			});
		});
		Array.prototype.forEach.call(form.querySelectorAll('details'), function (d) {
			var t = d.querySelector('textarea');
			if (t && t.value) d.open = true;
		});
	}

	/* ---- screening questions shown for the chosen group only ---- */
	function groupValue() {
		var g = form.querySelector('[name="group"]:checked') || form.querySelector('input[type=hidden][name="group"]');
		return g ? g.value : '';
	}
	function syncGroup() {
		var g = groupValue();
		Array.prototype.forEach.call(form.querySelectorAll('[data-for-group]'), function (fs) {
			var on = fs.getAttribute('data-for-group') === g;
			fs.hidden = !on;
			Array.prototype.forEach.call(fs.querySelectorAll('input'), function (i) {
				i.disabled = !on;
			});
		});
	}

	/* ---- progress ---- */
	var progress = form.querySelector('.progress');
	function answered(u) {
		return !!u.querySelector('input[type=radio]:checked');
	}
	function updateProgress() {
		var done = units.filter(answered).length;
		progress.hidden = false;
		progress.querySelector('span').textContent = fill(labels.progress, { d: done, t: units.length });
		progress.querySelector('i').style.width = (units.length ? (100 * done) / units.length : 0) + '%';
	}

	/* ---- paging: about a dozen units per page on a phone ---- */
	var PER_PAGE = 12;
	var pages = [];
	var current = 0;
	var about = form.querySelector('[data-section="about"]');
	var end = form.querySelector('[data-section="end"]');
	if (units.length > PER_PAGE) {
		for (var i = 0; i < units.length; i += PER_PAGE) pages.push(units.slice(i, i + PER_PAGE));
	}
	function markMissing(list) {
		var first = null;
		list.forEach(function (u) {
			var msg = u.querySelector('.err-js');
			if (answered(u)) {
				u.classList.remove('invalid');
				if (msg) msg.remove();
				return;
			}
			u.classList.add('invalid');
			if (!msg) {
				msg = document.createElement('p');
				msg.className = 'err err-js';
				msg.id = 'm-' + u.getAttribute('data-unit');
				msg.textContent = labels.missing || '';
				u.appendChild(msg);
				u.setAttribute('aria-describedby', msg.id);
			}
			if (!first) first = u;
		});
		return first;
	}
	function show(p) {
		current = Math.max(0, Math.min(p, pages.length - 1));
		units.forEach(function (u) {
			u.hidden = pages[current].indexOf(u) < 0;
		});
		Array.prototype.forEach.call(form.querySelectorAll('[data-units]'), function (g) {
			g.hidden = !g.querySelector('[data-unit]:not([hidden])');
		});
		about.hidden = current !== 0;
		end.hidden = current !== pages.length - 1;
		renderPager();
	}
	function renderPager() {
		pagerEl.innerHTML = '';
		pagerEl.hidden = false;
		if (current > 0) pagerEl.appendChild(button(labels.prev, 'secondary', current - 1));
		var info = document.createElement('span');
		info.textContent = fill(labels.page, { p: current + 1, n: pages.length });
		info.style.whiteSpace = 'nowrap';
		pagerEl.appendChild(info);
		if (current < pages.length - 1) pagerEl.appendChild(button(labels.next, '', current + 1));
	}
	function button(text, cls, target) {
		var b = document.createElement('button');
		b.type = 'button';
		b.textContent = text;
		if (cls) b.className = cls;
		b.addEventListener('click', function () {
			if (target > current) {
				var missing = markMissing(pages[current]);
				if (missing) {
					focusUnit(missing);
					return;
				}
			}
			show(target);
			var first = pages[current][0];
			if (current === 0) about.scrollIntoView();
			else if (first) first.scrollIntoView();
			var firstInput = (current === 0 ? about : first).querySelector('input,select,textarea');
			if (firstInput) firstInput.focus({ preventScroll: true });
		});
		return b;
	}
	function focusUnit(u) {
		u.scrollIntoView({ block: 'center' });
		var input = u.querySelector('input[type=radio]');
		if (input) input.focus({ preventScroll: true });
	}

	/* ---- proof of work (ALTCHA v2, SHA-256): solved in the background while the person answers ---- */
	function hexToBytes(h) {
		var out = new Uint8Array(h.length / 2);
		for (var i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
		return out;
	}
	function bytesToHex(b) {
		var s = '';
		for (var i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
		return s;
	}
	function solve(challenge) {
		var subtle = window.crypto && window.crypto.subtle;
		if (!subtle || !window.TextEncoder || !window.Promise) return Promise.resolve(null);
		var p = challenge.parameters;
		var salt = hexToBytes(p.salt);
		var nonce = hexToBytes(p.nonce);
		var prefix = hexToBytes(p.keyPrefix);
		var keyLength = p.keyLength || 32;
		var started = Date.now();
		var BATCH = 32;
		function attempt(counter) {
			var buf = new Uint8Array(salt.length + nonce.length + 4);
			buf.set(salt, 0);
			buf.set(nonce, salt.length);
			new DataView(buf.buffer).setUint32(salt.length + nonce.length, counter, false);
			return subtle.digest('SHA-256', buf).then(function (d) {
				var key = new Uint8Array(d).slice(0, keyLength);
				for (var i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return null;
				return { counter: counter, derivedKey: bytesToHex(key) };
			});
		}
		function batch(from) {
			if (from > 0xffffffff - BATCH) return Promise.resolve(null);
			var tries = [];
			for (var c = from; c < from + BATCH; c++) tries.push(attempt(c));
			return Promise.all(tries).then(function (results) {
				for (var i = 0; i < results.length; i++) {
					if (results[i]) {
						results[i].time = Date.now() - started;
						return btoa(JSON.stringify({ challenge: challenge, solution: results[i] }));
					}
				}
				return batch(from + BATCH);
			});
		}
		return batch(0).catch(function () {
			return null;
		});
	}
	/* ---- submit: every unit answered, proof ready, one click only ---- */
	var submitting = false;
	form.addEventListener('submit', function (ev) {
		if (submitting) {
			ev.preventDefault();
			return;
		}
		var missing = markMissing(units);
		if (missing) {
			ev.preventDefault();
			if (pages.length) {
				for (var i = 0; i < pages.length; i++) if (pages[i].indexOf(missing) >= 0) show(i);
			}
			focusUnit(missing);
			return;
		}
		ev.preventDefault();
		submitting = true;
		var btn = form.querySelector('.submit');
		if (btn) {
			btn.disabled = true;
			btn.textContent = btn.getAttribute('data-busy-label');
		}
		var timeout = new Promise(function (r) {
			setTimeout(r, 8000);
		});
		Promise.race([pow, timeout]).then(function () {
			form.submit();
		});
	});

	form.addEventListener('change', function (ev) {
		if (ev.target.name === 'group') syncGroup();
		var u = ev.target.closest && ev.target.closest('[data-unit]');
		if (u && u.classList.contains('invalid')) markMissing([u]);
		updateProgress();
		saveNow();
	});
	form.addEventListener('input', saveSoon);
	document.addEventListener('visibilitychange', function () {
		if (document.visibilityState === 'hidden') saveNow();
	});
	window.addEventListener('pagehide', saveNow);

	restore();
	var pow = Promise.resolve(null);
	try {
		var challenge = JSON.parse(form.getAttribute('data-challenge'));
		pow = solve(challenge).then(function (payload) {
			if (payload) form.elements.namedItem('altcha').value = payload;
			return payload;
		});
	} catch (e) {
		pow = Promise.resolve(null);
	}

	syncGroup();
	updateProgress();
	if (pages.length) show(0);
	var summary = document.getElementById('error-summary');
	if (summary) {
		var bad = form.querySelector('[data-unit].invalid');
		if (bad && pages.length) {
			for (var k = 0; k < pages.length; k++) if (pages[k].indexOf(bad) >= 0) show(k);
		}
		summary.focus();
	}
})();
