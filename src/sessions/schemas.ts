import { z } from 'zod';

// Names end up in lists and tabs: no control characters, trimmed, 1–64 characters.
const name = z
  .string()
  .trim()
  .min(1, 'Give the session a name.')
  .max(64, 'At most 64 characters.')
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'No control characters.');

export const createSessionInput = z
  .strictObject({
    type: z.literal('lens', { error: 'Only "lens" sessions can be created.' }),
    name,
    method: z.enum(['sms', 'link'], { error: 'method must be "sms" or "link".' }),
    phone: z.string().trim().min(1).max(32, 'At most 32 characters.').optional(),
    language: z.enum(['en', 'nl'], { error: 'language must be "en" or "nl".' }).optional(),
  })
  .superRefine((input, ctx) => {
    if (input.method === 'sms' && !input.phone)
      ctx.addIssue({ code: 'custom', path: ['phone'], message: "Enter the customer's phone number." });
    if (input.method === 'link' && input.phone)
      ctx.addIssue({ code: 'custom', path: ['phone'], message: 'A link/PIN invitation has no phone number.' });
  });
export type CreateSessionInput = z.output<typeof createSessionInput>;

export const redeemInput = z.union(
  [
    z.strictObject({ pin: z.string().regex(/^\d{6}$/, 'The PIN has 6 digits.') }),
    z.strictObject({ token: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'This link is not valid.') }),
  ],
  { error: 'Send {"pin"} or {"token"}.' },
);
export type RedeemInput = z.output<typeof redeemInput>;

export const eulaInput = z.strictObject({ accept: z.boolean({ error: 'accept must be true or false.' }) });
