import { logger } from '../../logger';
import { SmsSendError, type SmsMessage, type SmsProvider } from './types';

const TIMEOUT_MS = 10_000;

/**
 * A generic HTTP gateway (docs/sms.md): each message is one `POST {url}` with
 * `Content-Type: application/json`, `Authorization: Bearer {token}` and the body
 * `{"to": "13800138000", "text": "…", "ref": "roster:12"}`; any 2xx answer means accepted.
 * A small relay in front of a carrier's or a cloud vendor's SMS API adapts this to their signature
 * scheme and template ids, so Pingyi holds no vendor-specific code or credentials.
 */
export function httpSmsProvider(url: string, token: string | undefined): SmsProvider {
	return {
		name: 'http',
		async send(message: SmsMessage) {
			let res: Response;
			try {
				res = await fetch(url, {
					method: 'POST',
					headers: {
						'content-type': 'application/json',
						...(token ? { authorization: `Bearer ${token}` } : {})
					},
					body: JSON.stringify({ to: message.to, text: message.text, ref: message.ref }),
					signal: AbortSignal.timeout(TIMEOUT_MS)
				});
			} catch (err) {
				const reason = (err as Error)?.name === 'TimeoutError' ? 'timeout' : 'unreachable';
				logger.warn({ sms: { provider: 'http', ref: message.ref, reason } }, 'sms failed');
				throw new SmsSendError(message.ref, reason);
			}
			// The body may echo the number; it is read and dropped, never logged.
			await res.arrayBuffer().catch(() => undefined);
			if (!res.ok) {
				logger.warn(
					{ sms: { provider: 'http', ref: message.ref, status: res.status } },
					'sms refused by gateway'
				);
				throw new SmsSendError(message.ref, `status_${res.status}`);
			}
		}
	};
}
