import { defineConfig } from 'vitest/config';
import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { paraglideVitePlugin } from '@inlang/paraglide-js';

export default defineConfig(({ command }) => ({
	plugins: [
		// Only the dev server watches messages; builds, tests and scripts use `npm run i18n`'s output
		// (the plugin's watcher would also keep vitest alive).
		...(command !== 'serve' || process.env.npm_lifecycle_event !== 'dev'
			? []
			: [
					paraglideVitePlugin({
						project: './project.inlang',
						outdir: './src/lib/paraglide',
						strategy: ['cookie', 'baseLocale']
					})
				]),
		sveltekit({
			compilerOptions: {
				// Force runes mode for the project, except for libraries. Can be removed in svelte 6.
				runes: ({ filename }) =>
					filename.split(/[/\\]/).includes('node_modules') ? undefined : true
			},
			// BUILD_DIR / KIT_OUT_DIR let parallel local builds (e.g. a second work tree) not collide.
			adapter: adapter({ precompress: true, out: process.env.BUILD_DIR ?? 'build' }),
			outDir: process.env.KIT_OUT_DIR ?? '.svelte-kit',
			// Our own origin check in hooks.server.ts replaces Kit's, so that the JSON API can answer a wrong
			// content type with 415 instead of Kit's blanket 403 (form posts stay protected).
			csrf: { trustedOrigins: ['*'] },
			csp: {
				mode: 'auto',
				directives: {
					'default-src': ['self'],
					'script-src': ['self'],
					'style-src': ['self', 'unsafe-inline'],
					'img-src': ['self', 'data:', 'blob:'],
					'connect-src': ['self'],
					'worker-src': ['self', 'blob:'],
					'frame-ancestors': ['none'],
					'form-action': ['self'],
					'base-uri': ['self'],
					'object-src': ['none']
				}
			}
		})
	],
	test: {
		expect: { requireAssertions: true },
		projects: [
			{
				extends: './vite.config.ts',
				test: {
					name: 'server',
					environment: 'node',
					include: ['src/**/*.spec.ts', 'tests/**/*.spec.ts'],
					exclude: [
						'src/**/*.db.spec.ts',
						'tests/**/*.db.spec.ts',
						'tests/**/*.api.spec.ts',
						'tests/**/*.ops.spec.ts'
					]
				}
			},
			{
				extends: './vite.config.ts',
				test: {
					name: 'db',
					environment: 'node',
					include: ['src/**/*.db.spec.ts', 'tests/**/*.db.spec.ts', 'tests/**/*.api.spec.ts'],
					testTimeout: 60_000,
					hookTimeout: 120_000
				}
			},
			// Tests that disturb shared services (restart PostgreSQL): only when asked for.
			...(process.env.OPS_TESTS
				? [
						{
							extends: './vite.config.ts',
							test: {
								name: 'ops',
								environment: 'node',
								include: ['tests/**/*.ops.spec.ts'],
								testTimeout: 120_000,
								hookTimeout: 120_000
							}
						}
					]
				: [])
		]
	}
}));
