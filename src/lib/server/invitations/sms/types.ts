/** One SMS. `ref` names what it is for (`roster:12`, `verification:34`); logs carry it, never `to`. */
export interface SmsMessage {
	/** 11-digit mainland mobile number. */
	to: string;
	text: string;
	ref: string;
}

export interface SmsProvider {
	readonly name: string;
	/** Resolves when the provider accepted the message; throws SmsSendError otherwise. */
	send(message: SmsMessage): Promise<void>;
}

export class SmsSendError extends Error {
	constructor(
		readonly ref: string,
		readonly reason: string
	) {
		super(`sms_send_failed: ${reason}`);
	}
}
