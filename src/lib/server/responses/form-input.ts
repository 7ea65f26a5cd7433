/**
 * Turns the fields of the plain HTML survey form into the API's response body, so the form action
 * goes through exactly the same schema and pipeline as the JSON API.
 * Field names: r.<unit> rating, q.<question> answer (repeated for multiple choice), c.<unit|general>
 * comment, `phone` + `phoneCode` the verified phone, and the API's own names for the rest.
 */
export function responseFromForm(data: FormData): Record<string, unknown> {
	const ratings: Record<string, string> = {};
	const answers: Record<string, string | string[]> = {};
	const comments: Record<string, string> = {};
	const body: Record<string, unknown> = {};
	const plain = [
		'submissionId',
		'startToken',
		'altcha',
		'group',
		'subgroup',
		'area',
		'invitationCode',
		'unitCode',
		'channel',
		'serviceUse',
		'website'
	];
	for (const [key, raw] of data.entries()) {
		if (typeof raw !== 'string') continue;
		if (key.startsWith('r.')) ratings[key.slice(2)] = raw;
		else if (key.startsWith('q.')) {
			const id = key.slice(2);
			const prev = answers[id];
			answers[id] = prev === undefined ? raw : Array.isArray(prev) ? [...prev, raw] : [prev, raw];
		} else if (key.startsWith('m.')) {
			// Multiple-choice fields always arrive as arrays, even with one box ticked.
			const id = key.slice(2);
			const prev = answers[id];
			answers[id] = Array.isArray(prev) ? [...prev, raw] : [raw];
		} else if (key.startsWith('c.')) comments[key.slice(2)] = raw;
		else if (plain.includes(key) && raw !== '') body[key] = raw;
	}
	// The verified-phone pair (fields `phone` and `phoneCode`) becomes `phoneVerification`.
	const phone = data.get('phone');
	const phoneCode = data.get('phoneCode');
	if (typeof phone === 'string' && phone.trim() !== '') {
		body.phoneVerification = {
			phone,
			code: typeof phoneCode === 'string' ? phoneCode : ''
		};
	}
	return { ...body, ratings, answers, comments };
}
