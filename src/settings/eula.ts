// The EULA a customer accepts before the technician may start. An
// administrator sets its text per language; until then the defaults apply.
import { eq } from 'drizzle-orm';
import { type UpdateEulaInput, updateEulaInput } from '../contract/inputs.ts';
import type { Eula } from '../contract/views.ts';
import { audit, type Actor } from '../audit/audit.ts';
import type { Db } from '../db/client.ts';
import { settings } from '../db/schema.ts';
import { transaction, type Tx } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';

/** The EULA's text per language: the contract's shape. */
export type EulaTexts = Eula;

export const DEFAULT_EULA: EulaTexts = {
  en: `By tapping Accept you allow the technician of this organisation to see the picture of your phone's camera and to talk with you during this support session.

• Nothing is shared until the technician starts the session; you see the picture yourself first.
• You can stop sharing or end the session at any time.
• The video and audio go only to this organisation's own servers. They are not recorded unless the technician tells you so and you agree.
• Your phone number is used only to send you this invitation.`,
  nl: `Door op Akkoord te tikken geef je de technicus van deze organisatie toestemming om het beeld van de camera van je telefoon te zien en met je te praten tijdens deze ondersteuningssessie.

• Er wordt niets gedeeld voordat de technicus de sessie start; je ziet het beeld eerst zelf.
• Je kunt het delen op elk moment stoppen of de sessie beëindigen.
• Beeld en geluid gaan alleen naar de eigen servers van deze organisatie. Er wordt niets opgenomen, tenzij de technicus dat meldt en jij akkoord gaat.
• Je telefoonnummer wordt alleen gebruikt om je deze uitnodiging te sturen.`,
};

/** The settings row that holds the texts. */
export const EULA_KEY = 'eula';
const KEY = EULA_KEY;
export { updateEulaInput };

export async function getEula(db: Db | Tx): Promise<EulaTexts> {
  const [row] = await db.select().from(settings).where(eq(settings.key, KEY));
  return eulaFrom(row?.value);
}

/** The texts from the settings row's value (null or partial: the defaults fill in). */
export function eulaFrom(value: unknown): EulaTexts {
  return { ...DEFAULT_EULA, ...(value as Partial<EulaTexts> | null | undefined) };
}

export async function updateEula(
  deps: Pick<Deps, 'db' | 'clock'>,
  actor: Actor,
  input: UpdateEulaInput,
): Promise<EulaTexts> {
  return transaction(deps.db, async (tx) => {
    const next = { ...(await getEula(tx)), ...input };
    const now = deps.clock.now();
    await tx
      .insert(settings)
      .values({ key: KEY, value: next, updatedAt: now })
      .onConflictDoUpdate({ target: settings.key, set: { value: next, updatedAt: now } });
    await audit(tx, actor, 'settings.eula_updated', { type: 'settings', id: KEY }, { languages: Object.keys(input) });
    return next;
  });
}
