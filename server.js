// @ts-check
/**
 * Pingyi's production server: adapter-node's request handler (the SvelteKit app and its static
 * files) behind one fast path for the public survey page.
 *
 * The survey form is the busiest page of an evening push and is the same markup for every
 * respondent; the app keeps it as a template once SvelteKit has rendered it
 * (src/lib/server/responses/survey-page-template.ts) and registers a function that answers from
 * that template without building a Request/Response pair. Everything else, and every request that
 * function declines (cookies of a signed-in user, previews, invitation links, unknown templates,
 * a survey that is not open), goes through SvelteKit as usual.
 *
 * Same environment as adapter-node's own build/index.js (HOST, PORT, ORIGIN, BODY_SIZE_LIMIT,
 * ADDRESS_HEADER, XFF_DEPTH, SHUTDOWN_TIMEOUT, KEEP_ALIVE_TIMEOUT, HEADERS_TIMEOUT), plus BUILD_DIR
 * (default `build`) to pick the build. Socket activation and SOCKET_PATH are not supported here;
 * use build/index.js for those.
 */
import http from 'node:http';
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const root = path.dirname(new URL(import.meta.url).pathname);
const buildDir = path.resolve(root, process.env.BUILD_DIR ?? 'build');
// Importing the handler starts the app: its `init` hook connects the database and registers the
// fast path below.
const { handler } = await import(pathToFileURL(path.join(buildDir, 'handler.js')).href);

/**
 * @typedef {(req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>} FastPath
 * @type {FastPath | undefined}
 */
const surveyPage = Reflect.get(globalThis, Symbol.for('pingyi.surveyPageFastPath'));

/** @param {string} name */
const seconds = (name) => {
	const v = process.env[name];
	return v === undefined || v === '' ? undefined : Number(v) * 1000;
};

const server = http.createServer((req, res) => {
	const next = () =>
		handler(req, res, () => {
			res.statusCode = 404;
			res.end();
		});
	if (surveyPage && req.method === 'GET' && req.url?.startsWith('/s/')) {
		surveyPage(req, res).then(
			(done) => done || next(),
			() => (res.headersSent ? res.destroy() : next())
		);
	} else next();
});
const keepAlive = seconds('KEEP_ALIVE_TIMEOUT');
if (keepAlive !== undefined) server.keepAliveTimeout = keepAlive;
const headersTimeout = seconds('HEADERS_TIMEOUT');
if (headersTimeout !== undefined) server.headersTimeout = headersTimeout;

const host = process.env.HOST ?? '0.0.0.0';
const port = Number(process.env.PORT ?? 3000);
server.listen(port, host, () => console.log(`Listening on http://${host}:${port}`));

// As adapter-node: stop accepting, let requests in flight finish, then tell the app to close the
// database ('sveltekit:shutdown'); connections still open after SHUTDOWN_TIMEOUT are cut.
let stopping = false;
/** @param {string} reason */
function shutdown(reason) {
	if (stopping) return;
	stopping = true;
	server.closeIdleConnections();
	server.close(() => {
		// @ts-expect-error custom events cannot be typed (as in adapter-node)
		process.emit('sveltekit:shutdown', reason);
	});
	const timeout = seconds('SHUTDOWN_TIMEOUT') ?? 30_000;
	setTimeout(() => server.closeAllConnections(), timeout).unref();
}
server.on('request', (req) => {
	req.on('close', () => {
		if (stopping) server.closeIdleConnections();
	});
});
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
