// Group rights and group settings, as the API names them. No zod here (the
// web app imports this file).

export const RIGHTS = [
  'administer',
  'start_lens_sessions',
  'start_private_sessions',
  'use_sms_method',
  'use_link_method',
] as const;
export type Right = (typeof RIGHTS)[number];

export type GroupSettings = { maxLiveLensSessions: number; pinLifetimeMinutes: number };

export const DEFAULT_GROUP_SETTINGS: GroupSettings = { maxLiveLensSessions: 1, pinLifetimeMinutes: 20 };

/** The range each group setting accepts. */
export const GROUP_SETTING_LIMITS = {
  maxLiveLensSessions: { min: 1, max: 100 },
  pinLifetimeMinutes: { min: 1, max: 1440 },
} as const satisfies Record<keyof GroupSettings, { min: number; max: number }>;

export function hasRight(rights: readonly string[], right: Right): boolean {
  return rights.includes(right);
}
