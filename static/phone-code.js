/* Pingyi: "send code" of the verified-phone pair without leaving the page. Without this script the
   button posts the whole survey form (answers kept) and the server sends the code the same way. */
(function () {
	'use strict';
	var box = document.querySelector('[data-phone-verify]');
	if (!box || !window.fetch || !window.JSON) return;
	var btn = box.querySelector('[data-send-code]');
	var status = box.querySelector('[data-phone-status]');
	var phoneInput = box.querySelector('input[name="phone"]');
	var codeInput = box.querySelector('input[name="phoneCode"]');
	var labels = {};
	try {
		labels = JSON.parse(box.getAttribute('data-labels')) || {};
	} catch (err) {
		// ES2017 for old in-app browsers: no optional catch binding.
		void err;
		labels = {};
	}
	var label = btn.textContent;

	function cooldown(seconds) {
		btn.disabled = true;
		var left = seconds;
		var tick = function () {
			if (left <= 0) {
				btn.disabled = false;
				btn.textContent = label;
				return;
			}
			btn.textContent = String(labels.resend || label).replace('{s}', left);
			left -= 1;
			setTimeout(tick, 1000);
		};
		tick();
	}

	btn.addEventListener('click', function (ev) {
		ev.preventDefault();
		btn.disabled = true;
		status.textContent = labels.sending || '';
		var url =
			'/api/v1/public/surveys/' +
			encodeURIComponent(box.getAttribute('data-slug')) +
			'/phone-verification';
		fetch(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ phone: phoneInput.value })
		})
			.then(function (r) {
				if (r.status === 202) {
					status.textContent = labels.sent || '';
					cooldown(60);
					if (codeInput) codeInput.focus();
					return null;
				}
				return r.json().then(function (p) {
					var code = (p && p.errors && p.errors[0] && p.errors[0].message) || (p && p.detail);
					status.textContent = labels[code] || labels.failed || '';
					var wait = Number(r.headers.get('retry-after'));
					if (r.status === 429 && wait > 0 && wait < 3600) cooldown(wait);
					else btn.disabled = false;
				});
			})
			.catch(function () {
				status.textContent = labels.failed || '';
				btn.disabled = false;
			});
	});
})();
