import { request } from 'node:http';

export interface EngineAnswer { status: number; json: unknown }

/** One JSON call to the local engine (its own newest API version), answered as it came. */
export function engineCall(socketPath: string, method: string, path: string, body?: Buffer): Promise<EngineAnswer> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath, method, path, headers: body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try { json = text ? JSON.parse(text) : null; } catch { json = { message: text.trim() }; }
        resolve({ status: res.statusCode ?? 502, json });
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(body);
  });
}
