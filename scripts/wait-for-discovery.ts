/**
 * Waits until an identity server answers its discovery document: the readiness of `npm start`,
 * the demo and the start bench alike (the first answer also proves a handler bundle loads).
 */
const POLL_MS = 200;

export async function waitForDiscovery(baseUrl: string, cancelled: () => boolean = () => false, timeoutMs = 180_000): Promise<void> {
  const url = `${baseUrl}/.well-known/openid-configuration`;
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (!cancelled()) {
    try {
      const answer = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      await answer.body?.cancel();
      if (answer.ok) return;
      last = `HTTP ${answer.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
