// vite-node loads `?raw` imports of `$lib/server` files (the bundled network table) the way a browser
// would, which SvelteKit's plugin refuses except under test runners. The simulator is a test tool:
// say so before anything from `src/lib/server` is imported.
process.env.TEST = 'true';
