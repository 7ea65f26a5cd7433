/** A problem in one row of an imported file; `row` is the 1-based line as a spreadsheet shows it. */
export interface RowError {
	row: number;
	column: string;
	message: string;
}
