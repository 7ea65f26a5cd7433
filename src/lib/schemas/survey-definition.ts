import type { SurveyInput } from './survey';

/** What a survey row keeps in `definition`: the questionnaire without its identity and window. */
export type SurveyDefinition = Omit<SurveyInput, 'slug' | 'title' | 'opensAt' | 'closesAt'> & {
	/** Unit codes fixed at publish time, in display order (the selection may name categories). */
	frozenUnits?: string[];
};
