import pino from 'pino';
import { env } from './env';

/**
 * Structured JSON logs. Raw client addresses, phone numbers and secrets never reach the logger:
 * request logs carry a request id and route, and the redact list is a second line of defence.
 */
export const logger = pino({
	level: env().LOG_LEVEL,
	base: { app: 'pingyi' },
	redact: {
		paths: [
			'password',
			'*.password',
			'token',
			'*.token',
			'authorization',
			'*.authorization',
			'cookie',
			'*.cookie',
			'phone',
			'*.phone',
			'ip',
			'*.ip'
		],
		censor: '[redacted]'
	}
});
