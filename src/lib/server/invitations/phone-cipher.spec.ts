import { Writable } from 'node:stream';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { forgetAppSecret, loadAppSecret } from '../auth/app-secret';
import { resetEnvCache } from '../env';
import type { DbOrTx } from '../db/client';
import { decryptPhone, encryptPhone, rosterPhoneHash } from './phone-cipher';
import { logSmsProvider } from './sms/log-provider';

beforeAll(async () => {
	process.env.APP_SECRET = 'a-test-secret-of-at-least-32-characters!';
	resetEnvCache();
	forgetAppSecret();
	// With APP_SECRET set the secret comes from the environment; the database is not touched.
	await loadAppSecret(undefined as unknown as DbOrTx);
});

describe('phone cipher', () => {
	it('round-trips, with a fresh IV each time', () => {
		const a = encryptPhone('13800138000');
		const b = encryptPhone('13800138000');
		expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
		expect(Buffer.from(a).toString('latin1')).not.toContain('13800138000');
		expect(decryptPhone(a)).toBe('13800138000');
	});

	it('refuses tampered or foreign blobs instead of returning garbage', () => {
		const a = encryptPhone('13800138000');
		const bad = Uint8Array.from(a);
		bad[bad.length - 1] ^= 1;
		expect(decryptPhone(bad)).toBeNull();
		expect(decryptPhone(new Uint8Array([1, 2, 3]))).toBeNull();
		expect(decryptPhone(null)).toBeNull();
	});

	it('hashes per survey, so the same number cannot be matched across surveys', () => {
		expect(rosterPhoneHash(1, '13800138000')).toBe(rosterPhoneHash(1, '13800138000'));
		expect(rosterPhoneHash(1, '13800138000')).not.toBe(rosterPhoneHash(2, '13800138000'));
	});
});

describe('log SMS provider', () => {
	function capture() {
		let out = '';
		const stream = new Writable({
			write(chunk, _enc, cb) {
				out += String(chunk);
				cb();
			}
		});
		return { logger: pino({ level: 'info' }, stream), text: () => out };
	}

	it('logs the reference, never the number (not even masked) and, outside development, not the text', async () => {
		const c = capture();
		const p = logSmsProvider({ showText: false, logger: c.logger });
		await p.send({ to: '13800138000', text: '邀请码 ABCDE-FGHJK', ref: 'roster:7' });
		expect(c.text()).toContain('roster:7');
		expect(c.text()).not.toContain('13800138000');
		expect(c.text()).not.toContain('8000');
		expect(c.text()).not.toContain('ABCDE');
	});

	it('shows the text in development, where it is how one reads a code', async () => {
		const c = capture();
		await logSmsProvider({ showText: true, logger: c.logger }).send({
			to: '13800138000',
			text: '验证码 123456',
			ref: 'verification:1'
		});
		expect(c.text()).toContain('123456');
		expect(c.text()).not.toContain('13800138000');
	});
});
