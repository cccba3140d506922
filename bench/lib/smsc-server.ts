// The local SMSC for the SMS benchmark, as its own process so it does not share
// the clients' event loop: Loupe's test SMSC (src/sms/test-smsc.ts, built on the
// `smpp` package's server) on 127.0.0.1. Prints {"port":n} once listening.
//   bun bench/lib/smsc-server.ts <systemId> <password>
import { startTestSmsc } from '../../src/sms/test-smsc.ts';

const [systemId = 'bench', password = 'bench'] = process.argv.slice(2);
const smsc = await startTestSmsc({ systemId, password });
process.stdout.write(`${JSON.stringify({ port: smsc.port })}\n`);
const stop = async () => {
  await smsc.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// Forget what was received now and then: the benchmark sends tens of thousands.
setInterval(() => {
  smsc.received.length = 0;
}, 1_000);
