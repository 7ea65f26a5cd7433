import { createHmac } from 'node:crypto';

/**
 * The network prefix of an address: /24 for IPv4, /64 for IPv6. Only a keyed hash of it is ever
 * stored; carrier-grade NAT puts many honest people behind one address, so it is weak evidence.
 */
export function networkPrefix(address: string): string | null {
	let a = address.trim();
	if (!a || a === 'unknown') return null;
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
	if (mapped) a = mapped[1];
	const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
	if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
	if (!a.includes(':')) return null;
	const [head, tail] = a.split('::');
	const left = head ? head.split(':') : [];
	const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
	const missing = 8 - left.length - right.length;
	if (missing < 0 || (tail === undefined && left.length !== 8)) return null;
	const groups = [...left, ...Array(tail === undefined ? 0 : missing).fill('0'), ...right];
	if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
	return `${groups
		.slice(0, 4)
		.map((g) => parseInt(g, 16).toString(16))
		.join(':')}::/64`;
}

/** HMAC with the survey's own key: comparable within the survey, unlinkable once the key is gone. */
export function surveyHash(key: Uint8Array, purpose: string, value: string): string {
	return createHmac('sha256', key)
		.update(purpose)
		.update('\0')
		.update(value)
		.digest('base64url')
		.slice(0, 22);
}

/** A coarse user-agent class; the full string is never stored. */
export function userAgentClass(ua: string | null): string {
	if (!ua) return 'none';
	if (
		/bot|crawl|spider|curl|wget|python|httpclient|go-http|java\/|okhttp|headless|phantom|puppeteer|playwright/i.test(
			ua
		)
	) {
		return 'automation';
	}
	if (/MicroMessenger/i.test(ua)) return 'wechat';
	if (/Mobile|Android|iPhone|iPad/i.test(ua)) return 'mobile';
	if (/Mozilla\//.test(ua)) return 'desktop';
	return 'other';
}
