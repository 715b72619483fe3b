import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface S3Fixture {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  close(): Promise<void>;
}

/** A real S3-protocol server (s3rver) in this process, on a free loopback port. Path-style addressing. */
export async function startS3(bucket = 'eventdb-test'): Promise<S3Fixture> {
  const { default: S3rver } = (await import('s3rver')) as { default: any };
  const dir = mkdtempSync(join(tmpdir(), 'eventdb-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const { port } = (await server.run()) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
