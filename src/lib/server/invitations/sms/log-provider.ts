import type { Logger } from 'pino';
import { logger as appLogger } from '../../logger';
import type { SmsMessage, SmsProvider } from './types';

/**
 * For development and trials: nothing is sent, a log line says what would have been. The number is
 * never logged, not even masked (138****1234 still narrows a person down): only the reference of the
 * roster entry or verification. The text carries codes, so it is logged only in development
 * (`showText`), where it is the way to read a phone code or a personal link.
 */
export function logSmsProvider(opts: { showText: boolean; logger?: Logger }): SmsProvider {
	const log = opts.logger ?? appLogger;
	return {
		name: 'log',
		async send(message: SmsMessage) {
			log.info(
				{
					sms: {
						provider: 'log',
						ref: message.ref,
						chars: message.text.length,
						...(opts.showText ? { text: message.text } : {})
					}
				},
				'sms not sent (log provider)'
			);
		}
	};
}
