import PDFDocument from 'pdfkit';
import type { UnitDetail } from '../scoring/unit-detail';
import { requireCjkFont } from './cjk-font';
import { flagsText } from '$lib/results/flag-text';

export interface ReportComments {
	total: number;
	/** Redacted texts already shown to the unit (never raw comments). */
	shown: string[];
}

const f2 = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toFixed(2));
const pct = (n: number | null | undefined) =>
	n === null || n === undefined ? '—' : `${(n * 100).toFixed(1)}%`;

/**
 * A printable A4 report of one unit's results (issue: scores, exports): the figures with their
 * uncertainty, the group breakdown, exclusions, the comparison with the published snapshot and last
 * cycle, and a summary of the comments addressed to it (redacted texts only).
 */
export function renderUnitReport(
	detail: UnitDetail,
	comments: ReportComments,
	cycleName: string
): Promise<Buffer> {
	const font = requireCjkFont();
	const doc = new PDFDocument({
		size: 'A4',
		margin: 50,
		// No default font: the built-in Helvetica cannot show Chinese and does not load when bundled.
		font: '',
		info: { Title: `${detail.unit.name} 社会评价结果` }
	});
	doc.registerFont('cjk', font.path, font.family);
	const chunks: Buffer[] = [];
	doc.on('data', (c: Buffer) => chunks.push(c));
	const done = new Promise<Buffer>((resolve) =>
		doc.on('end', () => resolve(Buffer.concat(chunks)))
	);
	const s = detail.applied;

	doc.font('cjk').fontSize(10).fillColor('#555').text(cycleName);
	doc.moveDown(0.3).fontSize(20).fillColor('#000').text(`${detail.unit.name} · 社会评价结果`);
	doc
		.fontSize(10)
		.fillColor('#555')
		.text(
			`类别：${detail.unit.categoryName}  计算时间：${detail.computedAt.slice(0, 16).replace('T', ' ')}（实时）`
		);
	doc.moveDown();
	doc.fontSize(12).fillColor('#000');
	const lines: [string, string][] = [
		['得分（0–100）', f2(s.score)],
		['95% 置信区间', s.ci ? `${f2(s.ci[0])} – ${f2(s.ci[1])}` : '—'],
		['满意率', pct(s.satisfactionRate)],
		[
			'类别内排名',
			s.rank === null ? '不参与排名' : `${s.rank} / ${s.rankOf}${s.bottom ? '（末位）' : ''}`
		],
		['考核得分', f2(s.points)],
		['有效样本 / 有效样本量 n_eff', `${s.nValid} / ${f2(s.nEff)}`],
		['“不了解”占比', pct(s.dkShare)],
		['剔除的答卷（隔离 / 排除）', `${s.excluded.quarantined} / ${s.excluded.excluded}`],
		['不剔除时的得分', f2(detail.none.score)]
	];
	if (detail.published?.item) lines.push(['已发布结果得分', f2(detail.published.item.score)]);
	if (detail.lastCycle?.item) {
		lines.push([`上一周期（${detail.lastCycle.year}）得分`, f2(detail.lastCycle.item.score)]);
	}
	for (const [k, v] of lines) doc.text(`${k}：${v}`);
	if (s.flags.length) {
		doc
			.moveDown(0.5)
			.fontSize(10)
			.fillColor('#7a4d00')
			.text(`提示：${flagsText(s.flags, { groups: detail.groupLabels })}`);
	}

	doc.moveDown().fontSize(14).fillColor('#000').text('分群体结果');
	doc.fontSize(10);
	for (const g of s.groups) {
		doc.text(
			`${detail.groupLabels[g.group] ?? g.group}：得分 ${f2(g.score)}，满意率 ${pct(g.rate)}，有效 ${g.nValid}，n_eff ${f2(g.nEff)}，权重 ${g.weight}${g.appliedWeight !== g.weight ? `（实际 ${f2(g.appliedWeight)}）` : ''}`
		);
	}
	if (detail.exclusions.length) {
		doc.moveDown().fontSize(14).text('剔除原因');
		doc.fontSize(10);
		for (const e of detail.exclusions) {
			doc.text(`${e.status === 'quarantined' ? '隔离' : '排除'} · ${e.reason}：${e.n}`);
		}
	}
	doc.moveDown().fontSize(14).text(`群众意见（共 ${comments.total} 条）`);
	doc.fontSize(10);
	if (!comments.shown.length) doc.text('暂无已审核公开的意见。');
	for (const c of comments.shown) doc.text(`· ${c}`, { paragraphGap: 3 });
	doc
		.moveDown()
		.fontSize(8)
		.fillColor('#777')
		.text('计算方法见平台“评分方法”页面；意见已去除电话、身份证号等个人信息。');
	doc.end();
	return done;
}
