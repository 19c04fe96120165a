import net from 'node:net';

/**
 * Root hooks (loaded by .mocharc): a server a test left listening keeps the test process alive after the
 * last test, so CI would hang until its time limit. Each listen is noted with where it was called; after
 * all tests, any server still listening fails the run and names the test code that opened it.
 */
const openedAt = new WeakMap<net.Server, string>();
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
  openedAt.set(this, (new Error().stack ?? '').split('\n').slice(2).filter((line) => line.includes('/test/')).slice(0, 3).join('\n'));
  return (listen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof listen;

export const mochaHooks = {
  afterAll(): void {
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
    const leaked = handles.filter((h): h is net.Server => h instanceof net.Server && h.listening);
    if (!leaked.length) return;
    throw new Error(leaked.map((server) => `a test left a server listening on ${JSON.stringify(server.address())}, opened at:\n${openedAt.get(server) ?? '(unknown)'}`).join('\n'));
  },
};
