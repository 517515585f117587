import { describe, expect, it } from 'vitest';
import { readTable, tapped } from '../data/load';
import { streamOfBytes } from '../data/gzip';
import { Rng } from '../util/rng';
import { Sha256, toHex } from './sha256';

const utf8 = (s: string) => new TextEncoder().encode(s);

async function webCrypto(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource)));
}

describe('Sha256 fed chunk by chunk', () => {
  it('gives the FIPS 180-4 example digests', () => {
    expect(new Sha256().update(utf8('abc')).hex()).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(new Sha256().hex()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(new Sha256().update(utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).hex()).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('agrees with Web Crypto on every length around the block and padding edges, however the input is cut', async () => {
    const rng = new Rng(7);
    const data = Uint8Array.from({ length: 300 }, () => rng.int(256));
    for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 129, 200, 300]) {
      const bytes = data.subarray(0, n);
      const expected = await webCrypto(bytes);
      for (const chunk of [1, 3, 63, 64, 65, 1000]) {
        const hash = new Sha256();
        for (let at = 0; at < n; at += chunk) hash.update(bytes.subarray(at, at + chunk));
        expect(hash.hex(), `${n} bytes in chunks of ${chunk}`).toBe(expected);
      }
    }
  });

  it('agrees with Web Crypto on a megabyte in uneven chunks', async () => {
    const rng = new Rng(11);
    const bytes = Uint8Array.from({ length: 1 << 20 }, () => rng.int(256));
    const hash = new Sha256();
    for (let at = 0; at < bytes.length;) {
      const next = Math.min(bytes.length, at + 1 + rng.int(70_000));
      hash.update(bytes.subarray(at, next));
      at = next;
    }
    expect(hash.hex()).toBe(await webCrypto(bytes));
  });

  it('takes no input after its digest', () => {
    const hash = new Sha256();
    hash.hex();
    expect(() => hash.update(utf8('x'))).toThrow(/after the digest/);
  });

  it('hashes a gzip file as the parser reads it, every byte of it', async () => {
    const csv = utf8('a,b\n' + Array.from({ length: 5000 }, (_, i) => `${i % 7},${i}`).join('\n'));
    const gz = new Uint8Array(
      await new Response(
        streamOfBytes(csv).pipeThrough(
          new CompressionStream('gzip') as ReadableWritablePair<Uint8Array, Uint8Array>,
        ),
      ).arrayBuffer(),
    );
    const hash = new Sha256();
    const table = await readTable(tapped(streamOfBytes(gz, 1000), (chunk) => hash.update(chunk)));
    expect(table.numRows).toBe(5000);
    expect(hash.bytes).toBe(gz.length);
    expect(hash.hex()).toBe(await webCrypto(gz));
  });
});
