/**
 * Pure scoring core (DESIGN.md §6): plain data in, plain data out, no I/O.
 * Scores are on the 0–100 scale, rates and shares on 0–1, standard errors in score points.
 */
export * from './cells';
export * from './composite';
export * from './compute-scores';
export * from './group-estimate';
export * from './intervals';
export * from './panel';
export * from './parameters';
export * from './points';
export * from './post-stratification';
export * from './ranking';
export * from './scales';
export * from './window-weights';
