// The technician's own notes on a session (PUT /api/sessions/:id/notes):
// only the owner writes them, in any state, before or after the end. Each
// edit is an audit row with the new text's length and SHA-256, not the text:
// notes may hold personal data that an erasure must be able to remove, and a
// chained audit row cannot be changed (docs/records.md).
import { eq } from 'drizzle-orm';
import { audit } from '../audit/audit.ts';
import { sha256Hex } from '../audit/chain.ts';
import type { NotesView } from '../contract/records.ts';
import type { Me } from '../contract/views.ts';
import { lensSessions } from '../db/schema.ts';
import { transaction } from '../db/transaction.ts';
import { lockOwnSession } from '../sessions/end.ts';
import type { ReportDeps } from './report.ts';

export async function editNotes(
  deps: ReportDeps,
  me: Pick<Me, 'id' | 'name'>,
  sessionId: string,
  text: string,
): Promise<NotesView> {
  const now = deps.clock.now();
  return transaction(deps.db, async (tx) => {
    await lockOwnSession(tx, me.id, sessionId);
    await tx
      .update(lensSessions)
      .set({ notes: text, notesUpdatedAt: now, notesUpdatedBy: me.id })
      .where(eq(lensSessions.id, sessionId));
    const sha256 = sha256Hex(text);
    await audit(
      tx,
      { type: 'technician', id: me.id },
      'notes.edited',
      { type: 'session', id: sessionId },
      {
        length: text.length,
        sha256,
      },
    );
    return { text, updatedAt: now.toISOString(), updatedBy: { id: me.id, name: me.name } };
  });
}
