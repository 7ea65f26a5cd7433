import { describe, expect, it } from 'vitest';
import { luhnValid, normalizeForMatching, redact, redactComment } from './redact';

/** [input, expected output] pairs on realistic comments. */
const cases: [string, string][] = [
	// Mainland mobiles: plain, grouped, dashed, +86, full-width, inside sentences.
	['有事请打我电话13812345678，谢谢', '有事请打我电话[电话]，谢谢'],
	['联系人王先生 138 1234 5678', '联系人王先生 [电话]'],
	['手机：139-0000-1111', '手机：[电话]'],
	['手机号１５９１２３４５６７８（微信同号）', '手机号[电话]（微信同号）'],
	['电话+86 186 1234 5678', '电话[电话]'],
	['8613612345678是我号码', '[电话]是我号码'],
	['两个号码13812345678、13912345678都可以', '两个号码[电话]、[电话]都可以'],
	['打１３８－１２３４－５６７８找我', '打[电话]找我'],
	['电话 177 0000 8888 ，下午在', '电话 [电话] ，下午在'],
	// Landlines with area codes, brackets, spaces; local numbers only after a cue word.
	['办事大厅电话028-85123456一直占线', '办事大厅电话[电话]一直占线'],
	['打（0831）8123456没人接', '打[电话]没人接'],
	['座机0817 2345678', '座机[电话]'],
	['北京的号010-6512-3456', '北京的号[电话]'],
	['家里座机是 8512 3456', '家里座机是 [电话]'],
	['拨打85123456转人工', '拨打[电话]转人工'],
	// 18- and 15-digit ID cards, with X / x, grouped.
	['我的身份证号510105199001011234，办了三个月', '我的身份证号[身份证号]，办了三个月'],
	['身份证51010519900101123X', '身份证[身份证号]'],
	['证件号：510105 19900101 123x', '证件号：[身份证号]'],
	['老身份证号510105900101123', '老身份证号[身份证号]'],
	['身份证５１０１０５１９９００１０１１２３４', '身份证[身份证号]'],
	// Plates: with the middle dot, without, new-energy 8-character, lower case, trailer plate.
	['川A·12345的车天天堵在学校门口', '[车牌号]的车天天堵在学校门口'],
	['京B12345乱停', '[车牌号]乱停'],
	['新能源车粤BD12345占了充电位', '新能源车[车牌号]占了充电位'],
	['车牌沪A12345D', '车牌[车牌号]'],
	['川a 8K3M7违停', '[车牌号]违停'],
	['鲁B·1234挂的货车超载', '[车牌号]的货车超载'],
	['川Ｚ·Ｆ１２３４', '[车牌号]'],
	// Bank cards and other long numbers.
	['退款请打到卡号6222 0212 3456 7890 123', '退款请打到卡号[银行卡号]'],
	['账号6217-0000-1111-2222', '账号[银行卡号]'],
	['卡号4111111111111111', '卡号[银行卡号]'],
	['订单号20260315123456789查不到', '订单号[号码]查不到'],
	['社保编号123456789012345678901', '社保编号[号码]'],
	// E-mail, QQ, WeChat.
	['材料发到zhang.san@163.com了', '材料发到[邮箱]了'],
	['邮箱: Li_Ming2020@qq.com', '邮箱: [邮箱]'],
	['QQ：123456789', 'QQ：[QQ号]'],
	['加我qq 87654321详谈', '加我qq [QQ号]详谈'],
	['扣扣号是10001', '扣扣号是[QQ号]'],
	['加我微信 zhang_san88', '加我微信 [微信号]'],
	['微信号是wxid_abc123', '微信号是[微信号]'],
	['vx：Li-ming-2024', 'vx：[微信号]'],
	['微信13812345678', '微信[电话]'],
	// Names after strong cues (我叫 / 姓名) and after 我是 with a surname.
	['我叫张三，住在河口镇', '我叫[姓名]，住在河口镇'],
	['姓名：李小明 电话13812345678', '姓名：[姓名] 电话[电话]'],
	['我是李明的家属', '我是[姓名]的家属'],
	['我是欧阳娜娜，想反映问题', '我是[姓名]，想反映问题'],
	['本人王建国反映', '本人[姓名]反映']
];

/** Texts that must come back unchanged: dates, hotlines, house numbers, amounts, roles. */
const untouched = [
	'2026年3月15日去办事，等了两个小时',
	'拨打12345热线没人接',
	'打110报警后警察20分钟就到了',
	'3号楼2单元501漏水半年了',
	'营业时间9:00-17:00，中午不办',
	'花了5000元，办了3次',
	'2024-2025年度评议',
	'第3季度的补贴还没发',
	'10月1日至10月7日放假',
	'新A级景区门票太贵',
	'4A级景区厕所很脏',
	'我是王家村的村民',
	'我是党员，支持工作',
	'我是高中生',
	'我是一名退休教师',
	'我是本地人',
	'我是李老师的学生',
	'我是城关镇的',
	'满意度打95分',
	'GB/T 12345-2020 标准',
	'400-800-1234 是客服电话',
	'政务服务中心窗口3号的工作人员态度很好',
	'低保审核要30个工作日，太慢',
	'微信公众号上预约不了',
	'QQ群里通知的',
	'川A级别的问题', // a province character and a letter, but no digits
	'',
	'很满意，没有意见。'
];

describe('redactComment', () => {
	it.each(cases)('%s', (input, expected) => {
		expect(redact(input)).toBe(expected);
	});

	it.each(untouched)('leaves "%s" alone', (text) => {
		expect(redact(text)).toBe(text);
	});

	it('counts what it removed by kind', () => {
		const r = redactComment(
			'我叫张三，电话13812345678，身份证510105199001011234，车牌川A·12345，邮箱a@b.cn，QQ 123456'
		);
		expect(r.found).toEqual({ name: 1, phone: 1, id_card: 1, plate: 1, email: 1, qq: 1 });
		expect(r.text).toBe(
			'我叫[姓名]，电话[电话]，身份证[身份证号]，车牌[车牌号]，邮箱[邮箱]，QQ [QQ号]'
		);
	});

	it('keeps everything outside the matches byte for byte (full-width text included)', () => {
		const text = '（投诉）ＡＢＣ小区门口，电话：１３８１２３４５６７８！！';
		expect(redact(text)).toBe('（投诉）ＡＢＣ小区门口，电话：[电话]！！');
	});

	it('can leave names alone', () => {
		expect(redact('我叫张三，电话13812345678', { names: false })).toBe('我叫张三，电话[电话]');
	});

	it('takes a custom placeholder', () => {
		expect(redact('13812345678', { placeholder: () => '***' })).toBe('***');
	});

	it('does not redact a phone number inside a longer digit run twice', () => {
		const r = redactComment('编号2013812345678901');
		expect(r.text).toBe('编号[号码]');
		expect(r.found.phone).toBeUndefined();
	});

	it('handles a long comment with many pieces', () => {
		const text = [
			'石桥镇便民服务中心办事效率太低，我2026年3月去办医保，',
			'窗口说系统故障让我改天再来，前后跑了4趟。',
			'我叫刘德华，电话15308881234，身份证号码430104198512120021。',
			'另外镇政府门口经常停着川A·8B123，挡住了通道。',
			'希望12345热线能督促一下。'
		].join('');
		const out = redact(text);
		expect(out).toContain('我叫[姓名]，电话[电话]，身份证号码[身份证号]。');
		expect(out).toContain('经常停着[车牌号]，');
		expect(out).toContain('2026年3月');
		expect(out).toContain('跑了4趟');
		expect(out).toContain('12345热线');
		expect(out).not.toMatch(/1530888|4301041985|8B123|刘德华/);
	});
});

describe('helpers', () => {
	it('maps full-width characters to ASCII without changing the length', () => {
		const s = '１３８　ＡＢｃ－＠';
		const n = normalizeForMatching(s);
		expect(n).toBe('138 ABc-@');
		expect(n.length).toBe(s.length);
	});

	it('checks card numbers with Luhn', () => {
		expect(luhnValid('4111111111111111')).toBe(true);
		expect(luhnValid('4111111111111112')).toBe(false);
	});
});
