import type { LayoutServerLoad } from './$types';

// Navigation data only: this is not an authorization check (each page does its own).
export const load: LayoutServerLoad = ({ locals }) => ({ user: locals.user });
