// Group rights and group settings, as the API names them. No zod here (the
// web app imports this file).

export const RIGHTS = [
  'administer',
  'start_lens_sessions',
  'start_private_sessions',
  'use_sms_method',
  'use_link_method',
  // Read the ended sessions, reports and exports of everyone in one's own group (issue 20).
  'view_group_sessions',
  // Invite a customer by e-mail (issue 21); offered only when SMTP_URL is set.
  'use_email_method',
] as const;
export type Right = (typeof RIGHTS)[number];

export type GroupSettings = {
  maxLiveLensSessions: number;
  pinLifetimeMinutes: number;
  /** Record the phone's video and both voices from Start (the customer is told before the EULA). */
  recordSessions: boolean;
  /** Days after a session's end that its snapshots, recording, chat and the customer's phone number are kept. */
  snapshotRetentionDays: number;
  recordingRetentionDays: number;
  chatRetentionDays: number;
  phoneRetentionDays: number;
};

/**
 * Recording is off until an administrator turns it on. Retention: a photo or
 * transcript is the evidence a claim rests on, so they stay a quarter; a
 * recording is large and personal, a month; the phone number only links the
 * session to a person, a month too (docs/records.md).
 */
export const DEFAULT_GROUP_SETTINGS: GroupSettings = {
  maxLiveLensSessions: 1,
  pinLifetimeMinutes: 20,
  recordSessions: false,
  snapshotRetentionDays: 90,
  recordingRetentionDays: 30,
  chatRetentionDays: 90,
  phoneRetentionDays: 30,
};

type NumericSetting = { [K in keyof GroupSettings]: GroupSettings[K] extends number ? K : never }[keyof GroupSettings];

/** The range each numeric group setting accepts. */
export const GROUP_SETTING_LIMITS = {
  maxLiveLensSessions: { min: 1, max: 100 },
  pinLifetimeMinutes: { min: 1, max: 1440 },
  snapshotRetentionDays: { min: 1, max: 3650 },
  recordingRetentionDays: { min: 1, max: 3650 },
  chatRetentionDays: { min: 1, max: 3650 },
  phoneRetentionDays: { min: 1, max: 3650 },
} as const satisfies Record<NumericSetting, { min: number; max: number }>;

export function hasRight(rights: readonly string[], right: Right): boolean {
  return rights.includes(right);
}
