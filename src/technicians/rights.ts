import { z } from 'zod';
import type { GroupSettings } from '../db/schema.ts';

export const RIGHTS = [
  'administer',
  'start_lens_sessions',
  'start_private_sessions',
  'use_sms_method',
  'use_link_method',
] as const;
export type Right = (typeof RIGHTS)[number];

export const rightSchema = z.enum(RIGHTS);

export const DEFAULT_GROUP_SETTINGS: GroupSettings = { maxLiveLensSessions: 1, pinLifetimeMinutes: 20 };

export const groupSettingsSchema = z.strictObject({
  maxLiveLensSessions: z.number().int().min(1).max(100),
  pinLifetimeMinutes: z.number().int().min(1).max(1440),
});

export function hasRight(rights: readonly string[], right: Right): boolean {
  return rights.includes(right);
}
