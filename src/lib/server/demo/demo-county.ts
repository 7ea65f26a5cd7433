import type { CycleDocumentInput } from '$lib/schemas/cycle-document';

/**
 * 平溪县, an invented county: 3 streets and 9 townships with their villages and communities,
 * 24 departments, the three respondent groups and the default weights of DESIGN.md §6.
 * Names look real but are made up; populations come from a fixed seed so every start is the same.
 */

function seeded(seed: number) {
	let s = seed >>> 0;
	return () => {
		s = (s * 1664525 + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}

const streets = [
	{
		code: 'ST01',
		name: '城关街道',
		places: ['府前社区', '文昌社区', '南门社区', '北街社区', '滨河社区']
	},
	{ code: 'ST02', name: '东城街道', places: ['东岳社区', '新华社区', '工业园社区', '东关社区'] },
	{
		code: 'ST03',
		name: '西城街道',
		places: ['西湖社区', '桂花社区', '西关社区', '锦绣社区', '望江社区', '花园社区']
	}
];

const townships = [
	{ code: 'TW01', name: '河口镇', places: ['河口社区', '王家村', '李家湾村', '沙洲村', '渡口村'] },
	{
		code: 'TW02',
		name: '石桥镇',
		places: ['石桥社区', '高岭村', '枫树村', '青石村', '长冲村', '塘坊村']
	},
	{ code: 'TW03', name: '白沙镇', places: ['白沙社区', '柳林村', '新田村', '三合村'] },
	{ code: 'TW04', name: '龙泉乡', places: ['龙泉村', '泉水村', '竹山村'] },
	{
		code: 'TW05',
		name: '桃源镇',
		places: ['桃源社区', '桃花村', '杏林村', '荷塘村', '松岗村', '梅溪村', '大坪村']
	},
	{ code: 'TW06', name: '新店镇', places: ['新店社区', '马鞍村', '茶园村', '金竹村', '坪上村'] },
	{ code: 'TW07', name: '马坪乡', places: ['马坪村', '上坪村', '下坪村', '岩口村'] },
	{
		code: 'TW08',
		name: '双河镇',
		places: ['双河社区', '东河村', '西河村', '合江村', '丰收村', '团结村', '红星村', '光明村']
	},
	{ code: 'TW09', name: '清水乡', places: ['清水村', '芦溪村', '黄土村'] }
];

const frontline = [
	['D01', '县公安局'],
	['D02', '县市场监督管理局'],
	['D03', '县人力资源和社会保障局'],
	['D04', '县自然资源局'],
	['D05', '县住房和城乡建设局'],
	['D06', '县交通运输局'],
	['D07', '县卫生健康局'],
	['D08', '县教育局'],
	['D09', '县医疗保障局'],
	['D10', '县城市管理综合执法局'],
	['D11', '县行政审批服务局'],
	['D12', '县不动产登记中心']
];

const general = [
	['D13', '县委办公室'],
	['D14', '县政府办公室'],
	['D15', '县委组织部'],
	['D16', '县委宣传部'],
	['D17', '县委统战部'],
	['D18', '县委政法委'],
	['D19', '县发展和改革局'],
	['D20', '县财政局'],
	['D21', '县审计局'],
	['D22', '县统计局'],
	['D23', '县司法局'],
	['D24', '县民政局']
];

const surnames =
	'王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文';
const givenParts =
	'建国华明伟芳秀英丽强军平红霞勇杰涛斌艳敏静玲桂兰志刚海燕春梅玉珍德福文清云峰立新晓东永红丹凤宏亮晨光庆林雪松宁波';

export function deputyRoster(): {
	label: string;
	subgroup: 'party' | 'npc' | 'cppcc';
	organisation: string;
}[] {
	const rnd = seeded(60);
	const orgs = [...streets, ...townships]
		.map((t) => t.name)
		.concat(['县直机关', '县工商联', '县教育系统', '县卫生系统']);
	const subgroups: ('party' | 'npc' | 'cppcc')[] = [
		...Array<'party'>(20).fill('party'),
		...Array<'npc'>(25).fill('npc'),
		...Array<'cppcc'>(15).fill('cppcc')
	];
	const used = new Set<string>();
	return subgroups.map((subgroup) => {
		let name: string;
		do {
			const s = surnames[Math.floor(rnd() * surnames.length)];
			const n = 1 + Math.floor(rnd() * 2);
			let g = '';
			for (let i = 0; i < n; i++) g += givenParts[Math.floor(rnd() * givenParts.length)];
			name = s + g;
		} while (used.has(name));
		used.add(name);
		return { label: name, subgroup, organisation: orgs[Math.floor(rnd() * orgs.length)] };
	});
}

export function demoCountyDocument(year: number): CycleDocumentInput {
	const rnd = seeded(year);
	const areas: { code: string; name: string; parent?: string; population: number }[] = [];
	for (const t of [...streets, ...townships]) {
		let total = 0;
		const children = t.places.map((name, i) => {
			const population = 800 + Math.round(rnd() * (t.code.startsWith('ST') ? 9000 : 3500));
			total += population;
			return {
				code: `${t.code}-${String(i + 1).padStart(2, '0')}`,
				name,
				parent: t.code,
				population
			};
		});
		areas.push({ code: t.code, name: t.name, population: total }, ...children);
	}
	return {
		cycle: {
			name: `平溪县${year}年度综合考核社会评价`,
			year,
			fullPoints: 10,
			pointsMode: 'proportional'
		},
		groups: [
			{ code: 'residents', label: '群众', identity: 'link', minValid: 30 },
			{ code: 'service_recipients', label: '服务对象', identity: 'link', minValid: 30 },
			{
				code: 'deputies',
				label: '两代表一委员',
				identity: 'invitation',
				minValid: 15,
				subgroups: [
					{ code: 'party', label: '党代表' },
					{ code: 'npc', label: '人大代表' },
					{ code: 'cppcc', label: '政协委员' }
				]
			}
		],
		categories: [
			{
				code: 'street',
				name: '街道',
				weights: { residents: 0.5, deputies: 0.3, service_recipients: 0.2 }
			},
			{
				code: 'township',
				name: '乡镇',
				weights: { residents: 0.5, deputies: 0.3, service_recipients: 0.2 }
			},
			{
				code: 'frontline',
				name: '窗口执法部门',
				weights: { service_recipients: 0.4, residents: 0.3, deputies: 0.3 }
			},
			{
				code: 'general',
				name: '综合党群部门',
				weights: { deputies: 0.5, service_recipients: 0.3, residents: 0.2 }
			}
		],
		areas,
		units: [
			...streets.map((s) => ({ code: s.code, name: s.name, category: 'street', area: s.code })),
			...townships.map((t) => ({ code: t.code, name: t.name, category: 'township', area: t.code })),
			...frontline.map(([code, name]) => ({ code, name, category: 'frontline' })),
			...general.map(([code, name]) => ({ code, name, category: 'general' }))
		],
		surveys: [
			{
				slug: `pingxi-${year}`,
				title: `平溪县${year}年度群众满意度测评`,
				description:
					'您的评价将作为全县乡镇（街道）和县直部门年度考核的重要依据。问卷匿名，约需2—4分钟。对不了解的单位请选“不了解”。',
				groups: ['residents', 'service_recipients'],
				units: 'all',
				scale: 'ceping4',
				questions: [
					{
						id: 'attention',
						type: 'instructed',
						text: '为确认您在认真作答，本题请选择“基本满意”。',
						required: true,
						options: [
							{ code: 'satisfied', label: '满意' },
							{ code: 'fairly', label: '比较满意' },
							{ code: 'basic', label: '基本满意' },
							{ code: 'dissatisfied', label: '不满意' }
						],
						expected: 'basic'
					}
				]
			},
			{
				slug: `pingxi-${year}-deputies`,
				title: `平溪县${year}年度“两代表一委员”评议`,
				description:
					'请根据您履职中了解的情况，对各单位作出评价。您的邀请码仅可使用一次，评价结果与您的身份不作关联。',
				groups: ['deputies'],
				units: 'all',
				scale: 'ceping4',
				access: 'invitation',
				askArea: false
			}
		]
	};
}
