import { describe, expect, it } from 'vitest';
import { normalisePhone, normaliseSmsCode } from './phone';

describe('normalisePhone', () => {
	it('accepts mainland mobile numbers as people type them', () => {
		for (const typed of [
			'13800138000',
			'138 0013 8000',
			'138-0013-8000',
			'+86 138 0013 8000',
			'0086-13800138000',
			'8613800138000',
			'（138）00138000',
			'１３８００１３８０００'
		]) {
			expect(normalisePhone(typed), typed).toBe('13800138000');
		}
	});

	it('refuses anything else', () => {
		for (const typed of [
			'',
			'1380013800',
			'138001380001',
			'12800138000',
			'010-12345678',
			'1380013800x',
			'+1 138 0013 8000',
			'1'.repeat(50)
		]) {
			expect(normalisePhone(typed), typed).toBeNull();
		}
		expect(normalisePhone(undefined)).toBeNull();
	});
});

describe('normaliseSmsCode', () => {
	it('takes six digits, forgiving spaces and full-width digits', () => {
		expect(normaliseSmsCode(' 123 456 ')).toBe('123456');
		expect(normaliseSmsCode('１２３４５６')).toBe('123456');
		expect(normaliseSmsCode('12345')).toBeNull();
		expect(normaliseSmsCode('12345a')).toBeNull();
	});
});
