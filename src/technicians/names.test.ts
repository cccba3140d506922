// Names people see, through the routes (the rule: docs/text-input.md):
// stored NFC with single spaces; a name in any one script is welcome; a word
// mixing look-alike alphabets is refused; a group may not look like another.
// And the other texts keep their documented form (EULA line breaks, phone).
import { beforeEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { groups, lensSessions, technicians } from '../db/schema.ts';
import { DATABASE_HOOK, errorOf, harness, signInAsAdmin, tableCounts, type Harness } from '../testing/harness.ts';

let h: Harness;
let admin: string;
const post = (path: string, body: unknown) => h.call('POST', path, { cookie: admin, body });
const patch = (path: string, body: unknown) => h.call('PATCH', path, { cookie: admin, body });
async function created<T = { id: string; name: string }>(res: Response): Promise<T> {
  if (res.status !== 201 && res.status !== 200) throw new Error(`${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}
const newGroup = (name: string) => post('/api/groups', { name, rights: ['start_lens_sessions'] });

beforeEach(async () => {
  h = await harness();
  admin = await signInAsAdmin(h);
}, DATABASE_HOOK);

describe('technician and group names', () => {
  test('are stored NFC, with one space between words', async () => {
    const g = await created(await newGroup('  Veld\u00A0\u00A0team Cafe\u0301 '));
    expect(g.name).toBe('Veld team Café');
    const t = await created(
      await post('/api/technicians', {
        email: 'zoe@example.test',
        name: 'Zoe\u0308  de Vries',
        password: 'tech password 123',
        groupId: g.id,
      }),
    );
    expect(t.name).toBe('Zoë de Vries');
    const [row] = await h.db.select().from(technicians).where(eq(technicians.id, t.id));
    expect(row!.name).toBe('Zoë de Vries');
    const [groupRow] = await h.db.select().from(groups).where(eq(groups.id, g.id));
    expect(groupRow!.name).toBe('Veld team Café');
  });

  test('may be in any one script, or mix scripts across words', async () => {
    const g = await created(await newGroup('Поддержка 支持 دعم'));
    for (const [i, name] of ['Иван Петров', '张伟', 'علی\u200Cرضا', 'Ivan Петров', 'Γιώργος'].entries()) {
      const res = await post('/api/technicians', {
        email: `t${i}@example.test`,
        name,
        password: 'tech password 123',
        groupId: g.id,
      });
      expect((await created(res)).name).toBe(name);
    }
  });

  test('a word mixing look-alike alphabets is refused, naming the field', async () => {
    const g = await created(await newGroup('Field'));
    const before = await tableCounts(h);
    for (const [path, body] of [
      ['/api/groups', { name: 'Аdministrators', rights: [] }],
      ['/api/technicians', { email: 'x@example.test', name: 'Tеss', password: 'tech password 123', groupId: g.id }],
    ] as const) {
      const res = await post(path, body);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).details).toEqual([
        { path: 'name', message: expect.stringContaining('Latin and Cyrillic') },
      ]);
    }
    const res = await patch(`/api/groups/${g.id}`, { name: 'Fiеld' });
    expect(res.status).toBe(400);
    expect(await tableCounts(h)).toEqual(before);
  });
});

describe('a group name that looks like another group', () => {
  test.each([
    ['ADMINISTRATORS', 'the same but for case'],
    ['Administrat0rs', 'a zero for an o'],
    ['Adrninistrators', 'rn for m'],
    ['Ａｄｍｉｎｉｓｔｒａｔｏｒｓ', 'fullwidth letters'],
    ['𝐀𝐝𝐦𝐢𝐧𝐢𝐬𝐭𝐫𝐚𝐭𝐨𝐫𝐬', 'mathematical bold letters'],
  ])('%j (%s) is refused beside "Administrators", and nothing is written', async (name) => {
    const before = await tableCounts(h);
    const res = await newGroup(name);
    expect(res.status).toBe(409);
    const error = await errorOf(res);
    expect(error.code).toBe('duplicate_name');
    expect(error.message).toContain('"Administrators"');
    expect(await tableCounts(h)).toEqual(before);
  });

  test('a wholly Cyrillic look-alike of another group is refused, a different one is not', async () => {
    await created(await newGroup('TEAM'));
    const res = await newGroup('ТЕАМ'); // Т, Е, А, М from Cyrillic
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe('duplicate_name');
    expect((await created(await newGroup('Команда'))).name).toBe('Команда');
  });

  test('renaming into a look-alike is refused; renaming a group to its own name in other case is not', async () => {
    const field = await created(await newGroup('Field'));
    const other = await created(await newGroup('Office'));
    const res = await patch(`/api/groups/${other.id}`, { name: 'FIELD' });
    expect(res.status).toBe(409);
    const [row] = await h.db.select().from(groups).where(eq(groups.id, other.id));
    expect(row!.name).toBe('Office');
    expect((await created(await patch(`/api/groups/${field.id}`, { name: 'FIELD' }))).name).toBe('FIELD');
  });

  test('two look-alike groups from before the rule can still be edited under their own names', async () => {
    const old = await created(await newGroup('Office'));
    await h.db.update(groups).set({ name: 'OFFICE' }).where(eq(groups.id, old.id)); // made before the rule
    await created(await newGroup('Field'));
    await h.db.update(groups).set({ name: 'Office' }).where(eq(groups.name, 'Field'));
    const edited = await patch(`/api/groups/${old.id}`, { name: 'OFFICE', rights: ['use_link_method'] });
    expect((await created<{ rights: string[] }>(edited)).rights).toEqual(['use_link_method']);
  });
});

describe('other texts', () => {
  test('the EULA keeps its paragraphs: CRLF and CR become LF, tabs stay, NFC', async () => {
    const res = await h.call('PUT', '/api/settings/eula', {
      cookie: admin,
      body: { en: 'One.\r\n\r\nTwo.\rThree\tcafe\u0301', nl: 'Een.' },
    });
    expect(res.status).toBe(200);
    const { eula } = (await (await h.call('GET', '/api/settings/eula', { cookie: admin })).json()) as {
      eula: { en: string };
    };
    expect(eula.en).toBe('One.\n\nTwo.\nThree\tcafé');
  });

  test('a session name is stored NFC; a phone copied with bidi marks is read as the number', async () => {
    const res = await post('/api/sessions', {
      type: 'lens',
      name: 'Router bij Cafe\u0301  Jansen',
      method: 'sms',
      phone: '\u202A06 12345678\u202C',
    });
    const s = await created<{ id: string; name: string; phone: string }>(res);
    expect(s).toMatchObject({ name: 'Router bij Café Jansen', phone: '+31612345678' });
    const [row] = await h.db.select().from(lensSessions).where(eq(lensSessions.id, s.id));
    expect(row!.name).toBe('Router bij Café Jansen');
  });
});
