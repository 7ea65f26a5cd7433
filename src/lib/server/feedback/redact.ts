/**
 * Redaction of personal data in residents' comments before a unit sees them (DESIGN.md §7:
 * "Comments are shown to units only after moderation strips phone numbers and ID numbers").
 * Pure: text in, text out, no I/O.
 *
 * Residents type on phones, in Chinese input methods: digits may be full-width (１３８…), grouped
 * with spaces or dashes (138 1234 5678, 138-1234-5678, 028－85123456), and a plate may carry a
 * middle dot (川A·12345). The text is first mapped to a same-length ASCII form (every full-width
 * character is one UTF-16 code unit, like its ASCII twin), the patterns run on that form, and the
 * matched ranges are replaced in the original text, so everything outside a match is untouched.
 *
 * What is not redacted on purpose: short numbers (years "2026年", hotlines "12345热线", "110",
 * house numbers "3号楼501"), dates and times, money, and public service numbers (400/800). Runs
 * of eleven or more digits that fit no other rule are still removed: in a comment they are
 * almost always an account, an order or a case number tied to a person.
 */

export type RedactionKind =
	| 'id_card'
	| 'bank_card'
	| 'phone'
	| 'landline'
	| 'plate'
	| 'email'
	| 'qq'
	| 'wechat'
	| 'name'
	| 'number';

export interface RedactOptions {
	/** Names after 我叫 / 我是 / 本人 / 姓名 (default true). */
	names?: boolean;
	/** Placeholder per kind; the default is a bracketed Chinese label such as [电话]. */
	placeholder?: (kind: RedactionKind) => string;
}

export interface RedactionResult {
	text: string;
	/** How many pieces of each kind were replaced (kinds with none are left out). */
	found: Partial<Record<RedactionKind, number>>;
}

const LABELS: Record<RedactionKind, string> = {
	id_card: '身份证号',
	bank_card: '银行卡号',
	phone: '电话',
	landline: '电话',
	plate: '车牌号',
	email: '邮箱',
	qq: 'QQ号',
	wechat: '微信号',
	name: '姓名',
	number: '号码'
};

export function defaultPlaceholder(kind: RedactionKind): string {
	return `[${LABELS[kind]}]`;
}

/**
 * Full-width digits, letters and punctuation to ASCII, dashes and the ideographic space to their
 * plain forms; one code unit for one code unit, so indexes stay valid in the original.
 */
export function normalizeForMatching(text: string): string {
	let out = '';
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c >= 0xff01 && c <= 0xff5e) out += String.fromCharCode(c - 0xfee0);
		else if (c === 0x3000) out += ' ';
		else if (c >= 0x2010 && c <= 0x2015) out += '-';
		else if (c === 0x2212 || c === 0x30fc || c === 0xfe63) out += '-';
		else out += text[i];
	}
	return out;
}

interface Span {
	start: number;
	end: number;
	kind: RedactionKind;
}

/** Digits with single spaces or dashes between groups, e.g. "6222 0212 3456 7890 123". */
const SEP = '[ \\-]?';

/** Province abbreviations of Chinese plates (and 使/领 for diplomatic plates). */
const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领';
/** Plate letters exclude I and O; residents type lower case too. */
const PLATE_LETTER = '[A-HJ-NP-Za-hj-np-z]';
const PLATE_TAIL = '[A-HJ-NP-Za-hj-np-z0-9]';

/** A digit, letter or underscore around a match means it is part of a longer token. */
const NOT_BEFORE = '(?<![0-9A-Za-z_])';
const NOT_AFTER = '(?![0-9A-Za-z_])';

interface Rule {
	kind: RedactionKind;
	pattern: RegExp;
	/** Index of the capture group to replace (default: the whole match). */
	group?: number;
	/** Kind decided from the match (e.g. bank card or plain number). */
	kindOf?: (digits: string, text: string) => RedactionKind;
}

/** Luhn check: bank card numbers pass it; most other long numbers do not. */
export function luhnValid(digits: string): boolean {
	let sum = 0;
	let double = false;
	for (let i = digits.length - 1; i >= 0; i--) {
		let d = digits.charCodeAt(i) - 48;
		if (double) {
			d *= 2;
			if (d > 9) d -= 9;
		}
		sum += d;
		double = !double;
	}
	return digits.length > 0 && sum % 10 === 0;
}

/** 16–19 digits typed in groups, or passing the Luhn check, are a bank card; else a number. */
function cardOrNumber(digits: string, text: string): RedactionKind {
	const cardLength = digits.length >= 16 && digits.length <= 19;
	return cardLength && (/[ -]/.test(text) || luhnValid(digits)) ? 'bank_card' : 'number';
}

/**
 * Order matters: earlier rules win where matches overlap (an ID card contains what looks like a
 * phone number; a plate "川A12345" must not become a number; "微信13812345678" is a phone).
 */
const RULES: Rule[] = [
	{ kind: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
	{
		// 18-digit resident ID: region, birth date (18xx–20xx), sequence, check digit or X;
		// written 6-8-4 with spaces or dashes, or in one piece.
		kind: 'id_card',
		pattern: new RegExp(
			`${NOT_BEFORE}[1-9]\\d{5}${SEP}(?:18|19|20)\\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])${SEP}\\d{3}[0-9Xx]${NOT_AFTER}`,
			'g'
		)
	},
	{
		// 15-digit first-generation ID: region, yymmdd, sequence.
		kind: 'id_card',
		pattern: new RegExp(
			`${NOT_BEFORE}[1-9]\\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])\\d{3}${NOT_AFTER}`,
			'g'
		)
	},
	{
		// Province, city letter, optional dot, then 5 characters (6 for new-energy plates) with at
		// least one digit, and an optional 挂/学/警/港/澳 (trailer plates: four characters and 挂).
		kind: 'plate',
		pattern: new RegExp(
			`[${PROVINCES}]${PLATE_LETTER}[·•・.\\- ]?(?=[A-HJ-NP-Za-hj-np-z0-9]{0,5}\\d)(?:${PLATE_TAIL}{5,6}[挂学警港澳]?|${PLATE_TAIL}{4}[挂学警港澳])${NOT_AFTER}`,
			'g'
		)
	},
	{
		// Bank cards and other long numbers written in groups of four with spaces or dashes. Before
		// the phone rules, so that "6222 0212 3456 7890" is not read as a landline inside a card.
		kind: 'number',
		pattern: new RegExp(`${NOT_BEFORE}\\d{4}(?:[ -]\\d{4}){2,3}(?:[ -]\\d{1,3})?${NOT_AFTER}`, 'g'),
		kindOf: cardOrNumber
	},
	{
		// Mainland mobile, optionally +86 / 86, grouped 3-4-4 with spaces or dashes.
		kind: 'phone',
		pattern: new RegExp(
			`${NOT_BEFORE}(?:\\+?86${SEP})?1[3-9]\\d${SEP}\\d{4}${SEP}\\d{4}${NOT_AFTER}`,
			'g'
		)
	},
	{
		// Landline with area code: 028-85123456, (0831)8123456, 0817 2345678, 010-6512-3456.
		kind: 'landline',
		pattern: new RegExp(
			`${NOT_BEFORE}(?:\\(0\\d{2,3}\\)|0\\d{2,3})${SEP}[2-9]\\d{2,3}${SEP}\\d{4}${NOT_AFTER}`,
			'g'
		)
	},
	{
		// A local number without area code, only right after a word that says it is one.
		kind: 'landline',
		pattern: new RegExp(
			`(?:电话|座机|手机|联系方式|号码|拨打|致电|打)(?:号码|是|为|：|:|\\s)*(${NOT_BEFORE}[2-9]\\d{2,3}${SEP}\\d{4})${NOT_AFTER}`,
			'g'
		),
		group: 1
	},
	{
		kind: 'qq',
		pattern: /(?:QQ|qq|Qq|扣扣|企鹅)(?:号码|号)?(?:是|为|：|:|\s)*([1-9]\d{4,11})(?!\d)/g,
		group: 1
	},
	{
		kind: 'wechat',
		pattern:
			/(?:微信|威信|薇信|V信|v信|VX|vx|Vx|WX|wx|weixin|WeChat|wechat)(?:号码|号|ID|id)?(?:是|为|：|:|\s)*([A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9])/g,
		group: 1
	},
	{
		kind: 'number',
		pattern: new RegExp(`${NOT_BEFORE}\\d{11,}${NOT_AFTER}`, 'g'),
		kindOf: cardOrNumber
	}
];

/** Common surnames (the first character of a name after 我叫/我是); compound ones first. */
const SURNAMES =
	'欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|令狐|宇文|夏侯|王|李|张|刘|陈|杨|黄|赵|吴|周|徐|孙|马|朱|胡|郭|何|高|林|罗|郑|梁|谢|宋|唐|许|韩|冯|邓|曹|彭|曾|肖|萧|田|董|袁|潘|于|蒋|蔡|余|杜|叶|程|苏|魏|吕|丁|任|沈|姚|卢|姜|崔|钟|谭|陆|汪|范|金|石|廖|贾|夏|韦|付|傅|方|白|邹|孟|熊|秦|邱|江|尹|薛|闫|阎|段|雷|侯|龙|史|陶|黎|贺|顾|毛|郝|龚|邵|万|钱|严|覃|武|戴|莫|孔|向|汤|常|温|康|施|文|牛|樊|葛|邢|安|齐|易|乔|伍|庞|颜|倪|庄|聂|章|鲁|岳|翟|殷|詹|申|欧|耿|关|兰|焦|俞|左|柳|甘|祝|包|宁|尚|符|舒|阮|柯|纪|梅|童|凌|毕|单|季|裴|霍|涂|成|苗|谷|盛|曲|翁|冉|骆|蓝|路|游|辛|靳|管|柴|蒙|鲍|华|喻|祁|蒲|房|滕|屈|饶|解|牟|艾|尤|阳|时|穆|农|司|卓|古|吉|缪|简|车|项|连|芦|麦|褚|娄|窦|戚|岑|景|党|宫|费|卜|冷|晏|席|卫|米|柏|宗|瞿|桂|全|佟|应|臧|闵|苟|邬|边|卞|姬|师|和|仇|栾|隋|商|刁|沙|荣|巫|寇|桑|郎|甄|丛|仲|虞|敖|巩|明|佘|池|查|麻|苑|迟|邝';

/**
 * Characters that end place names, titles and roles: "我是王家村的", "我是张庄人", "我是李老师"
 * are not names to hide (a village is not personal data; a role is not a name).
 */
const NOT_NAME_END =
	'村镇乡区县市组路街巷湾坝沟坪岭屯庄寨营堡社店厂校院局所队站家户人的了们老师傅哥姐叔姨';

/** A character right after a candidate name that makes it a place ("我是王庄村的"). */
const PLACE_NEXT = '村镇乡区县市组社庄湾屯寨';

/** Length of the (possibly compound) surname the candidate starts with. */
function surnameLength(candidate: string): number {
	const two = candidate.slice(0, 2);
	return SURNAMES.split('|').some((x) => x.length === 2 && x === two) ? 2 : 1;
}

/** Words after 我是 that begin with a surname character but are not names. */
const NOT_NAMES = [
	'高中',
	'初中',
	'大学',
	'高龄',
	'安置',
	'车主',
	'商户',
	'商家',
	'全职',
	'常住',
	'明白',
	'时候',
	'方面',
	'白领',
	'文盲',
	'江边',
	'林场',
	'农民',
	'农户',
	'华侨',
	'万一',
	'于是',
	'成员',
	'司机',
	'房东',
	'房主',
	'业主',
	'管理',
	'程序',
	'路人',
	'路过',
	'贫困',
	'低保',
	'宫颈',
	'孔子',
	'党员',
	'党代',
	'党委',
	'党支'
];

/**
 * After a strong cue (我叫, 名字叫, 姓名：) any surname plus one or two Han characters is taken as a
 * name. 我是 / 本人 are followed by roles and places far more often than by names, so there the
 * surname must not start a known non-name word either.
 */
const NAME_RULES: { pattern: RegExp; weak: boolean }[] = [
	{
		pattern: new RegExp(
			`(?:我叫|本人叫|名字叫|名叫|姓名(?:是|为|：|:)?\\s*)((?:${SURNAMES})[\\u4e00-\\u9fa5]{1,2})`,
			'gd'
		),
		weak: false
	},
	{
		pattern: new RegExp(`(?:我是|本人是|本人)((?:${SURNAMES})[\\u4e00-\\u9fa5]{1,2})`, 'gd'),
		weak: true
	}
];

function digitsOf(s: string): string {
	return s.replace(/[^0-9]/g, '');
}

function collect(norm: string, options: RedactOptions): Span[] {
	const spans: Span[] = [];
	const taken = (start: number, end: number) => spans.some((s) => start < s.end && end > s.start);
	for (const rule of RULES) {
		// A fresh copy per call: global regexes keep state in lastIndex.
		const re = new RegExp(rule.pattern.source, rule.pattern.flags + 'd');
		let m: RegExpExecArray | null;
		while ((m = re.exec(norm)) !== null) {
			if (m[0].length === 0) {
				re.lastIndex++;
				continue;
			}
			const idx = rule.group ? m.indices?.[rule.group] : m.indices?.[0];
			if (!idx) continue;
			const [start, end] = idx;
			const text = norm.slice(start, end);
			const digits = digitsOf(text);
			if (taken(start, end)) continue;
			spans.push({ start, end, kind: rule.kindOf ? rule.kindOf(digits, text) : rule.kind });
		}
	}
	if (options.names !== false) {
		for (const { pattern, weak } of NAME_RULES) {
			const re = new RegExp(pattern.source, pattern.flags);
			let m: RegExpExecArray | null;
			while ((m = re.exec(norm)) !== null) {
				const idx = m.indices?.[1];
				if (!idx) continue;
				const start = idx[0];
				let end = idx[1];
				let candidate = norm.slice(start, end);
				if (weak) {
					if (NOT_NAMES.some((w) => candidate.startsWith(w))) continue;
					// "王家村" / "张庄人" / "李老师": cut at the first place or role character.
					const s = surnameLength(candidate);
					let cut = candidate.length;
					for (let i = s; i < candidate.length; i++) {
						if (NOT_NAME_END.includes(candidate[i])) {
							cut = i;
							break;
						}
					}
					if (cut < s + 1) continue;
					if (cut < candidate.length) {
						// Only "李明的…" keeps a name; "王家村" (cut right after the surname) does not.
						if (!'的了们'.includes(candidate[cut])) continue;
						end = start + cut;
						candidate = candidate.slice(0, cut);
					}
					const next = norm[end] ?? '';
					if (next && PLACE_NEXT.includes(next)) continue;
				} else {
					while (candidate.length > 2 && '的了们呢啊'.includes(candidate[candidate.length - 1])) {
						candidate = candidate.slice(0, -1);
						end--;
					}
				}
				if (taken(start, end)) continue;
				spans.push({ start, end, kind: 'name' });
			}
		}
	}
	return spans.sort((a, b) => a.start - b.start);
}

/** Replaces personal data in `text`; see the module comment for what is and is not removed. */
export function redactComment(text: string, options: RedactOptions = {}): RedactionResult {
	const placeholder = options.placeholder ?? defaultPlaceholder;
	const spans = collect(normalizeForMatching(text), options);
	const found: Partial<Record<RedactionKind, number>> = {};
	let out = '';
	let at = 0;
	for (const s of spans) {
		out += text.slice(at, s.start) + placeholder(s.kind);
		at = s.end;
		found[s.kind] = (found[s.kind] ?? 0) + 1;
	}
	out += text.slice(at);
	return { text: out, found };
}

/** The redacted text only. */
export function redact(text: string, options?: RedactOptions): string {
	return redactComment(text, options).text;
}
