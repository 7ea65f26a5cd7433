import type { ReasonCode } from '$lib/schemas/rule-set';
import type { Check } from './types';
import { hamming, isStraightLine, knownCount, knownLevels } from './patterns';

/**
 * Network facts are weak evidence (DESIGN.md §7): carrier-grade NAT puts hundreds of honest people
 * behind one address, so nothing here looks at mobile or CGNAT prefixes, and nothing here alone can
 * reject. Cloud and known proxy networks add points; so does a narrow network (home or office line)
 * that already sent near-identical answers from the same area within a day.
 */
export const networkCheck: Check = (input, ctx) => {
	const out: ReasonCode[] = [];
	if (input.networkType === 'cloud') out.push('network.datacenter');
	else if (input.networkType === 'resi_proxy') out.push('network.proxy');
	if (input.networkScope === 'province' || input.networkScope === 'other') {
		out.push('network.out_of_county');
	}
	const p = ctx.rules.prefix;
	if (
		input.networkType &&
		(p.types as readonly string[]).includes(input.networkType) &&
		knownCount(input.pattern) >= p.minKnown &&
		// Everything-satisfied is the commonest honest answer; alike neighbours prove nothing.
		!isStraightLine(knownLevels(input.pattern))
	) {
		const since = input.receivedAt - p.windowHours * 3_600_000;
		const near = ctx.prefixPeers.some(
			(peer) =>
				peer.receivedAt >= since &&
				peer.receivedAt <= input.receivedAt &&
				peer.areaCode === input.areaCode &&
				knownCount(peer.pattern) >= p.minKnown &&
				hamming(peer.pattern, input.pattern) <= p.hamming
		);
		if (near) out.push('network.near_duplicate');
	}
	return out;
};
