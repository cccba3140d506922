// The chat's two verbs: keep a message with its session (the transcript a
// reload shows again), and read the transcript back, oldest first. The text
// is checked by the contract's text rule before it gets here (relay.ts) and
// stored as sent: showing `<img onerror>` as text, not HTML, is the pages' job.
import { asc, eq, sql } from 'drizzle-orm';
import type { ChatMessageView } from '../contract/tools.ts';
import { chatMessages } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { seenSession, type Viewer } from '../records/visibility.ts';

type ChatRow = typeof chatMessages.$inferSelect;

const viewOf = (row: ChatRow): ChatMessageView => ({
  id: row.id,
  from: row.from,
  text: row.text,
  sentAt: row.sentAt.toISOString(),
});

/**
 * Stores one message of the session's chat. The time is the server's clock,
 * not the page's, and always after the session's previous message: the
 * transcript is ordered by it, and two messages in one millisecond (or under a
 * test's frozen clock) must still come back in the order they were sent.
 */
export async function storeChatMessage(
  deps: Pick<Deps, 'db' | 'clock'>,
  sessionId: string,
  from: ChatMessageView['from'],
  text: string,
): Promise<ChatMessageView> {
  const now = deps.clock.now().toISOString();
  const after = sql`(select max(${chatMessages.sentAt}) + interval '1 millisecond' from ${chatMessages} where ${chatMessages.sessionId} = ${sessionId})`;
  const [row] = await deps.db
    .insert(chatMessages)
    .values({ sessionId, from, text, sentAt: sql`greatest(${now}::timestamptz, ${after})` })
    .returning();
  return viewOf(row!);
}

/** The session's chat, oldest first. */
async function transcript(deps: Pick<Deps, 'db'>, sessionId: string): Promise<ChatMessageView[]> {
  const rows = await deps.db
    .select()
    .from(chatMessages)
    .where(eq(chatMessages.sessionId, sessionId))
    .orderBy(asc(chatMessages.sentAt));
  return rows.map(viewOf);
}

/** GET /api/sessions/:id/messages: a session the viewer may see (docs/records.md); another is as unknown as a missing one. */
export async function seenChatTranscript(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  sessionId: string,
): Promise<{ messages: ChatMessageView[] }> {
  await seenSession(deps.db, viewer, sessionId);
  return { messages: await transcript(deps, sessionId) };
}

/** GET /api/lens/messages: the session of the customer's cookie. */
export async function customerChatTranscript(
  deps: Pick<Deps, 'db'>,
  sessionId: string,
): Promise<{ messages: ChatMessageView[] }> {
  return { messages: await transcript(deps, sessionId) };
}
