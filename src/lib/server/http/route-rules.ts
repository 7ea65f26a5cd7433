import type { Role } from '../db/schema';

export type RouteRule = 'public' | Role[];

const allRoles: Role[] = ['admin', 'reviewer', 'unit_liaison', 'viewer'];

/** Path prefixes that need no account; everything under /admin, /unit, /account and /api needs one. */
const publicPrefixes = [
	'/s/',
	'/api/v1/public/',
	'/api/v1/openapi.json',
	'/api/v1/auth/tokens',
	'/login',
	'/logout',
	'/lang',
	'/healthz',
	'/readyz',
	'/methodology'
];

export function routeRule(pathname: string): RouteRule {
	if (pathname === '/' || publicPrefixes.some((p) => pathname === p || pathname.startsWith(p))) {
		return 'public';
	}
	if (pathname === '/admin' || pathname.startsWith('/admin/')) {
		return ['admin', 'viewer', 'reviewer'];
	}
	if (pathname === '/unit' || pathname.startsWith('/unit/')) return ['unit_liaison', 'admin'];
	if (pathname.startsWith('/account') || pathname.startsWith('/api/')) return allRoles;
	return 'public';
}
