import { env } from '../../env';
import { httpSmsProvider } from './http-provider';
import { logSmsProvider } from './log-provider';
import type { SmsProvider } from './types';

export type { SmsMessage, SmsProvider } from './types';
export { SmsSendError } from './types';

let cached: SmsProvider | undefined;

/** The provider chosen by SMS_PROVIDER (env.ts checks that `http` comes with SMS_HTTP_URL). */
export function smsProvider(): SmsProvider {
	if (cached) return cached;
	const e = env();
	cached =
		e.SMS_PROVIDER === 'http' && e.SMS_HTTP_URL
			? httpSmsProvider(e.SMS_HTTP_URL, e.SMS_HTTP_TOKEN)
			: logSmsProvider({ showText: e.NODE_ENV === 'development' });
	return cached;
}

/** Tests change the environment between files. */
export function forgetSmsProvider(): void {
	cached = undefined;
}
