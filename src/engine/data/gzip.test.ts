import { describe, expect, it } from 'vitest';
import { isGzip, maybeGunzip, readMaybeGzip, streamOfBytes } from './gzip';
import { DataError } from './types';

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = streamOfBytes(bytes).pipeThrough(
    new CompressionStream('gzip') as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** One byte per chunk: the magic bytes arrive apart. */
function byteByByte(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return streamOfBytes(bytes, 1);
}

const text = new TextEncoder().encode('a,b\n' + 'x,1\n'.repeat(1000));

describe('gzip', () => {
  it('detects gzip by its magic bytes', async () => {
    expect(isGzip(await gzip(text))).toBe(true);
    expect(isGzip(text)).toBe(false);
    expect(isGzip(new Uint8Array([0x1f]))).toBe(false);
  });

  it('round-trips bytes compressed with CompressionStream', async () => {
    expect(await readMaybeGzip(await gzip(text))).toEqual(text);
    expect(await readMaybeGzip(text)).toBe(text);
  });

  it('decompresses a gzip stream and passes a plain one through, even one byte per chunk', async () => {
    expect(await drain(await maybeGunzip(byteByByte(await gzip(text))))).toEqual(text);
    expect(await drain(await maybeGunzip(byteByByte(text)))).toEqual(text);
    expect(await drain(await maybeGunzip(byteByByte(new Uint8Array([0x1f]))))).toEqual(
      new Uint8Array([0x1f]),
    );
    expect(await drain(await maybeGunzip(byteByByte(new Uint8Array(0))))).toEqual(new Uint8Array(0));
  });

  it('reports damaged or cut gzip data as a DataError', async () => {
    const gz = await gzip(text);
    await expect(readMaybeGzip(gz.slice(0, gz.length - 12))).rejects.toBeInstanceOf(DataError);
    const damaged = gz.slice();
    damaged[3] = 0xff; // reserved flag bits: an invalid header
    await expect(readMaybeGzip(damaged)).rejects.toThrow(/gzip data is damaged or cut short/);
  });
});
