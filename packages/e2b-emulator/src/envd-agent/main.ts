/**
 * Entry point of the envd emulator agent, run inside an isolated sandbox root:
 * `node agent.mjs '<json options>'`. Prints one JSON line `{"port":N}` once listening.
 */
import type { AddressInfo } from 'node:net';
import { startEnvdServer, type EnvdServerOptions } from './server';

const options = JSON.parse(process.argv[2] ?? '{}') as EnvdServerOptions;
const server = await startEnvdServer(options);
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
const shutdown = (): void => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
