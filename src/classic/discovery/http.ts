/** HTTP to a discovery store (token service, etcd's JSON gateway, consul) with errors that say which store failed and why. */

export class StoreError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
}

/** One request; a network failure becomes "cannot reach <what> at <url>: <cause>". */
export async function request(what: string, url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<HttpResult> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(init.timeoutMs ?? 10_000) });
  } catch (e) {
    throw new StoreError(`cannot reach ${what} at ${new URL(url).origin}: ${causeOf(e)}`);
  }
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The useful part of a fetch failure ("connect ECONNREFUSED 127.0.0.1:2379", a timeout) rather than "fetch failed". */
export function causeOf(e: unknown): string {
  const err = e as Error & { cause?: Error & { code?: string } };
  if (err.name === 'TimeoutError') return 'timed out';
  return err.cause?.message || err.cause?.code || err.message;
}
