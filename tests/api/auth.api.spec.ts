import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	ADMIN_EMAIL,
	ADMIN_PASSWORD,
	apiClient,
	apiToken,
	startTestServer,
	type TestServer
} from '../helpers/app-server';

let server: TestServer;

beforeAll(async () => {
	server = await startTestServer();
});
afterAll(async () => {
	await server?.stop();
});

describe('API tokens', () => {
	it('issues a token for valid credentials and refuses wrong ones without saying which part was wrong', async () => {
		const call = apiClient(server);
		const bad = await call('POST', '/api/v1/auth/tokens', {
			email: ADMIN_EMAIL,
			password: 'wrong-password',
			name: 'x'
		});
		expect(bad.status).toBe(401);
		expect(bad.headers.get('content-type')).toContain('application/problem+json');
		expect(bad.json.detail).toBe('invalid_credentials');
		const unknown = await call('POST', '/api/v1/auth/tokens', {
			email: 'nobody@test.local',
			password: 'x',
			name: 'x'
		});
		expect(unknown.status).toBe(401);
		expect(unknown.json.detail).toBe('invalid_credentials');
		const good = await call('POST', '/api/v1/auth/tokens', {
			email: ADMIN_EMAIL,
			password: ADMIN_PASSWORD,
			name: 'ci'
		});
		expect(good.status).toBe(201);
		expect(String(good.json.token)).toMatch(/^pyt_/);
	});

	it('authenticates API calls with the token and refuses them without', async () => {
		const token = await apiToken(server);
		expect((await apiClient(server)('GET', '/api/v1/cycles')).status).toBe(401);
		expect((await apiClient(server, token)('GET', '/api/v1/cycles')).status).toBe(200);
		expect((await apiClient(server, 'pyt_forged.secret')('GET', '/api/v1/cycles')).status).toBe(
			401
		);
	});
});
