// Which tool uses the session's timeline shows (docs/records.md): the first
// use of each tool in a session, and every freeze, unfreeze, torch and camera
// switch. Pointer moves and strokes stream at 60 a second, so the firsts are
// known from a set in memory, not from the database: after a restart a tool's
// first use is written once more, which the timeline can bear.
import { audit } from '../audit/audit.ts';
import type { TechnicianTool } from '../contract/tools.ts';
import type { Db } from '../db/client.ts';
import { transaction } from '../db/transaction.ts';

/** Sessions remembered at most (the oldest forgotten first): a bound on the memory, not a rule. */
const SESSIONS_MAX = 10_000;

/** What the timeline says of a message: `tool` and what else tells it apart; `always`: every one is shown. */
function useOf(message: TechnicianTool): { key: string; details: Record<string, unknown>; always: boolean } {
  switch (message.type) {
    case 'tool.freeze':
      return { key: 'freeze', details: { tool: message.frozen ? 'freeze' : 'unfreeze' }, always: true };
    case 'tool.torch':
      return { key: 'torch', details: { tool: message.on ? 'torch_on' : 'torch_off' }, always: true };
    case 'tool.camera':
      return { key: 'camera', details: { tool: 'camera_switch' }, always: true };
    case 'tool.stroke':
      return {
        key: `stroke.${message.stroke.kind}`,
        details: { tool: 'stroke', kind: message.stroke.kind },
        always: false,
      };
    default:
      return {
        key: message.type.slice('tool.'.length),
        details: { tool: message.type.slice('tool.'.length) },
        always: false,
      };
  }
}

export class ToolUse {
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly db: Db) {}

  /** Writes `tool.used`, at `at` (when the message came), when the timeline shows this message; most messages cost one Set lookup. */
  async used(sessionId: string, technicianId: string, message: TechnicianTool, at: Date): Promise<void> {
    const { key, details, always } = useOf(message);
    let mine = this.seen.get(sessionId);
    if (!always && mine?.has(key)) return;
    if (!mine) {
      mine = new Set();
      this.seen.set(sessionId, mine);
      if (this.seen.size > SESSIONS_MAX) this.seen.delete(this.seen.keys().next().value!);
    }
    mine.add(key);
    await transaction(this.db, (tx) =>
      audit(tx, { type: 'technician', id: technicianId }, 'tool.used', { type: 'session', id: sessionId }, details, {
        at,
      }),
    );
  }
}
