/** Reading a fetch Response body with a byte cap. */
import { ActionLimitError } from '../errors.ts';

/**
 * Reads `res.body` fully into a Buffer, cancelling the stream as soon as more than `limit` bytes arrive.
 * @throws ActionLimitError (action `http.request`) when the body exceeds `limit` bytes.
 */
export async function readCapped(res: Response, limit: number): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new ActionLimitError('http.request', limit, `response body is over the ${limit}-byte cap`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
