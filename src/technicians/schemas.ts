// Input shapes for the admin API. Strict: unknown fields are an error, not ignored.
import { z } from 'zod';
import { passwordSchema } from '../auth/passwords.ts';
import { groupSettingsSchema, rightSchema } from './rights.ts';

const displayName = z
  .string()
  .trim()
  .min(1, 'The name must not be empty.')
  .max(100, 'The name must be at most 100 characters.');
export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'The email must be at most 254 characters.')
  .pipe(z.email('This is not a valid email address.'));
const id = z.uuid('Not a valid id.');

export const idParam = id;

export const createGroupInput = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'The group name must not be empty.')
    .max(64, 'The group name must be at most 64 characters.'),
  rights: z
    .array(rightSchema)
    .max(32)
    .transform((r) => [...new Set(r)]),
  settings: groupSettingsSchema.partial().optional(),
});
export const updateGroupInput = createGroupInput
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change.');

export const createTechnicianInput = z.strictObject({
  email: emailSchema,
  name: displayName,
  password: passwordSchema,
  groupId: id,
});
export const updateTechnicianInput = z
  .strictObject({
    email: emailSchema.optional(),
    name: displayName.optional(),
    groupId: id.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change.');

export const resetPasswordInput = z.strictObject({ password: passwordSchema });

export type CreateGroupInput = z.output<typeof createGroupInput>;
export type UpdateGroupInput = z.output<typeof updateGroupInput>;
export type CreateTechnicianInput = z.output<typeof createTechnicianInput>;
export type UpdateTechnicianInput = z.output<typeof updateTechnicianInput>;
