import { computeScores } from '$lib/scoring';
import {
	exampleAreas,
	exampleCells,
	exampleGroups,
	exampleUnit,
	townshipCategory,
	ZHEN1
} from '$lib/scoring/testing/worked-example';
import type { PageServerLoad } from './$types';

/**
 * Public page: no account needed. The worked example's figures are computed by the same scoring
 * core that scores the cycles, so the page can never drift from the code.
 */
export const load: PageServerLoad = () => {
	const result = computeScores({
		cells: exampleCells(),
		units: [exampleUnit],
		categories: [townshipCategory],
		groups: exampleGroups,
		areas: exampleAreas
	});
	const u = result.units.find((x) => x.unit === ZHEN1)!;
	return {
		example: {
			score: u.score,
			scoreUnadjusted: u.scoreUnadjusted,
			se: u.se,
			ci: u.ci,
			rate: u.satisfactionRate,
			dkShare: u.dkShare,
			nValid: u.nValid,
			nEff: u.nEff,
			points: u.points,
			groups: u.groups.map((g) => ({
				group: g.group,
				weight: g.weight,
				score: g.score,
				scoreUnadjusted: g.scoreUnadjusted,
				se: g.se,
				ci: g.ci,
				rate: g.rate,
				rateCi: g.rateCi,
				nValid: g.nValid,
				nEff: g.nEff
			}))
		}
	};
};
