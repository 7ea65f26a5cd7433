/**
 * JSON.parse that refuses what JSON.parse silently accepts and our API must not: duplicate keys (the
 * last one would win unnoticed), nesting deeper than `maxDepth`, and `__proto__` keys (prototype
 * pollution attempts; objects are created without a prototype anyway).
 */
export class StrictJsonError extends Error {}

export function parseStrictJson(text: string, maxDepth = 32): unknown {
	let i = 0;
	const ws = () => {
		while (
			i < text.length &&
			(text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')
		) {
			i++;
		}
	};
	const fail = (msg: string): never => {
		throw new StrictJsonError(`${msg} at ${i}`);
	};
	const value = (depth: number): unknown => {
		if (depth > maxDepth) fail('too_deep');
		ws();
		const c = text[i];
		if (c === '{') {
			i++;
			const obj: Record<string, unknown> = Object.create(null);
			ws();
			if (text[i] === '}') {
				i++;
				return obj;
			}
			for (;;) {
				ws();
				if (text[i] !== '"') fail('expected_key');
				const key = str();
				if (key === '__proto__') fail('forbidden_key');
				if (Object.prototype.hasOwnProperty.call(obj, key)) fail(`duplicate_key:${key}`);
				ws();
				if (text[i] !== ':') fail('expected_colon');
				i++;
				obj[key] = value(depth + 1);
				ws();
				if (text[i] === ',') {
					i++;
					continue;
				}
				if (text[i] === '}') {
					i++;
					return obj;
				}
				fail('expected_comma');
			}
		}
		if (c === '[') {
			i++;
			const arr: unknown[] = [];
			ws();
			if (text[i] === ']') {
				i++;
				return arr;
			}
			for (;;) {
				arr.push(value(depth + 1));
				ws();
				if (text[i] === ',') {
					i++;
					continue;
				}
				if (text[i] === ']') {
					i++;
					return arr;
				}
				fail('expected_comma');
			}
		}
		if (c === '"') return str();
		const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(
			text.slice(i, i + 400)
		);
		if (!m) fail('unexpected_token');
		i += m![0].length;
		return JSON.parse(m![0]);
	};
	const str = (): string => {
		const start = i;
		i++;
		while (i < text.length) {
			const ch = text[i];
			if (ch === '\\') i += 2;
			else if (ch === '"') {
				i++;
				return JSON.parse(text.slice(start, i)) as string;
			} else if (ch < ' ') fail('control_character');
			else i++;
		}
		return fail('unterminated_string');
	};
	const result = value(0);
	ws();
	if (i !== text.length) fail('trailing_data');
	return result;
}
