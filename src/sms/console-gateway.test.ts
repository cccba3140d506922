import { expect, test } from 'bun:test';
import { createLogger } from '../log.ts';
import { createConsoleGateway, maskedNumber } from './console-gateway.ts';

test('console gateway logs that a text was due (masked number, length), never the text, and returns console-<n> ids', async () => {
  const raw: string[] = [];
  const gateway = createConsoleGateway(createLogger('debug', (line) => raw.push(line)));
  expect(gateway.kind).toBe('console');
  expect(gateway.ready()).toBe(true);
  const text = 'Uw PIN is 482913. Of open https://loupe.example.test/l/AbCdEfGhIjKlMnOpQrStUv';
  expect(await gateway.submit({ reference: '7', to: '+31612345678', text })).toEqual({
    ok: true,
    messageIds: ['console-1'],
  });
  expect(await gateway.submit({ reference: '8', to: '+31612345678', text: 'again' })).toEqual({
    ok: true,
    messageIds: ['console-2'],
  });
  expect(JSON.parse(raw[0]!)).toMatchObject({
    level: 'info',
    msg: 'SMS (console gateway, not sent)',
    reference: '7',
    to: '+316•••••678',
    characters: text.length,
    messageId: 'console-1',
  });
  const all = raw.join('\n');
  for (const secret of ['482913', 'AbCdEfGhIjKlMnOpQrStUv', '12345', 'again']) expect(all).not.toContain(secret);
  await gateway.close();
});

test('maskedNumber keeps the country code and the last three digits', () => {
  expect(maskedNumber('+31612345678')).toBe('+316•••••678');
  expect(maskedNumber('+3245678901')).toBe('+324••••901');
  expect(maskedNumber('+12')).toBe('•••');
});
