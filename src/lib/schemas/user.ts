import { z } from 'zod';

export const roles = ['admin', 'reviewer', 'unit_liaison', 'viewer'] as const;
export type RoleCode = (typeof roles)[number];

const email = z
	.string()
	.trim()
	.toLowerCase()
	.max(254)
	.pipe(z.email({ error: 'invalid_email' }));
const password = z.string().min(10, { error: 'password_too_short' }).max(200);

export const loginSchema = z.object({
	email: z.string().trim().toLowerCase().min(1, { error: 'required' }).max(254),
	password: z.string().min(1, { error: 'required' }).max(200)
});

export const createUserSchema = z
	.object({
		email,
		name: z.string().trim().min(1, { error: 'required' }).max(100),
		role: z.enum(roles),
		unitCode: z
			.string()
			.trim()
			.max(50)
			.optional()
			.or(z.literal('').transform(() => undefined)),
		password: password.optional().or(z.literal('').transform(() => undefined))
	})
	.refine((u) => u.role !== 'unit_liaison' || !!u.unitCode, {
		path: ['unitCode'],
		error: 'unit_required_for_liaison'
	});
export type CreateUserInput = z.infer<typeof createUserSchema>;

export const updateUserSchema = z.object({
	name: z.string().trim().min(1).max(100).optional(),
	role: z.enum(roles).optional(),
	unitCode: z.string().trim().max(50).nullable().optional(),
	disabled: z.boolean().optional(),
	password: password.optional()
});
export type UpdateUserInput = z.infer<typeof updateUserSchema>;

export const changePasswordSchema = z
	.object({
		current: z.string().min(1, { error: 'required' }).max(200),
		next: password,
		confirm: z.string()
	})
	.refine((v) => v.next === v.confirm, { path: ['confirm'], error: 'passwords_differ' });

export const createTokenSchema = z.object({
	email: z.string().trim().toLowerCase().min(1).max(254),
	password: z.string().min(1).max(200),
	name: z.string().trim().min(1, { error: 'required' }).max(100)
});

export const tokenNameSchema = z.object({
	name: z.string().trim().min(1, { error: 'required' }).max(100)
});
