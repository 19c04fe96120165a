import { loadConfig } from '../workers/config.js';
import { startServer } from './server.js';

/** `npm start`: imsflow on its embedded default. Stops cleanly on SIGTERM/SIGINT. */
const config = loadConfig();
const server = await startServer(config);
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err) => {
        server.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
