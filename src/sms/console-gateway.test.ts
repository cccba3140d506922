import { expect, test } from 'bun:test';
import { createLogger } from '../log.ts';
import { createConsoleGateway } from './console-gateway.ts';

test('console gateway logs the text and returns console-<n> ids', async () => {
  const lines: Array<Record<string, unknown>> = [];
  const gateway = createConsoleGateway(createLogger('info', (line) => lines.push(JSON.parse(line))));
  expect(gateway.kind).toBe('console');
  expect(gateway.ready()).toBe(true);
  expect(await gateway.submit({ reference: '7', to: '+31612345678', text: 'PIN 123456' })).toEqual({
    ok: true,
    messageIds: ['console-1'],
  });
  expect(await gateway.submit({ reference: '8', to: '+31612345678', text: 'again' })).toEqual({
    ok: true,
    messageIds: ['console-2'],
  });
  expect(lines[0]).toMatchObject({
    level: 'info',
    reference: '7',
    to: '+31612345678',
    text: 'PIN 123456',
    messageId: 'console-1',
  });
  await gateway.close();
});
