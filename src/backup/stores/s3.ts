import { PassThrough, type Readable } from 'node:stream';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { registerSecret } from '../../config/index.js';
import { EventdbError, messageOf } from '../../errors.js';
import { meter as byteMeter } from '../codec.js';
import { parseWholeNumber } from '../whole-number.js';
import type { StoreUrl } from './index.js';
import { checkKey } from './keys.js';
import type { PutResult, Store, StoredObject } from './types.js';
import { onInterrupt } from '../../interrupt-cleanup.js';

/** The store registry's factory (stores/index.ts): `s3://` and `r2://` URLs. */
export function createStore(loc: StoreUrl, env: NodeJS.ProcessEnv): Store {
  const s3loc: S3Location = { kind: loc.kind as S3Location['kind'], bucket: loc.bucket!, prefix: loc.prefix ?? '', params: loc.params };
  return new S3Store(s3loc, s3Settings(s3loc, env));
}

export interface S3Location {
  kind: 's3' | 'r2';
  bucket: string;
  /** Root prefix inside the bucket, no leading or trailing slash ('' for the bucket root). */
  prefix: string;
  /** `?key=value` options from the store URL. */
  params: Record<string, string>;
}

export interface S3Settings {
  client: S3ClientConfig;
  /** Multipart part size in bytes: every part but the last has exactly this size (R2 requires it). */
  partSize: number;
  /** Parts uploaded at once. */
  concurrency: number;
}

const MiB = 1024 * 1024;

/**
 * Builds the S3 client settings for a store URL. Exported so that tests can check how the R2 client
 * is built. Settings come from the URL's query (`?endpoint=&region=&pathStyle=&checksums=`), then the
 * environment, then defaults.
 *
 * R2: endpoint `https://<R2_ACCOUNT_ID>.r2.cloudflarestorage.com` (or R2_ENDPOINT), region `auto`,
 * keys from R2_ACCESS_KEY_ID / R2_SECRET_ACCESS_KEY, and request/response checksums only
 * WHEN_REQUIRED: R2 has rejected the SDK's default multipart checksums, and eventdb checks its own
 * SHA-256 of every object.
 */
export function s3Settings(loc: S3Location, env: NodeJS.ProcessEnv): S3Settings {
  const q = loc.params;
  // The URL's option, else the environment variable; plain decimal digits (whole-number.ts).
  const int = (option: string, variable: string, fallback: number, min: number): number => {
    const v = q[option] ?? env[variable];
    if (v === undefined || v === '') return fallback;
    const inUrl = q[option] !== undefined;
    return parseWholeNumber(v, inUrl ? `the store URL's ${option}` : variable, { min, code: 'CONFIG', example: inUrl ? `?${option}=${fallback}` : `${variable}=${fallback}` });
  };
  const partSize = int('partSize', 'EVENTDB_S3_PART_SIZE_MB', 16, 5) * MiB;
  const concurrency = int('concurrency', 'EVENTDB_S3_CONCURRENCY', 4, 1);
  const maxAttempts = int('maxAttempts', 'EVENTDB_S3_MAX_ATTEMPTS', 5, 1);
  const whenRequired = (q.checksums ?? env.EVENTDB_S3_CHECKSUMS ?? (loc.kind === 'r2' ? 'when_required' : 'when_supported')).toLowerCase() === 'when_required';
  const checksums = whenRequired ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {};
  const retry = { maxAttempts, retryMode: 'standard' };

  if (loc.kind === 'r2') {
    const account = env.R2_ACCOUNT_ID;
    const endpoint = q.endpoint ?? env.R2_ENDPOINT ?? (account ? `https://${account}.r2.cloudflarestorage.com` : undefined);
    if (!endpoint) throw new EventdbError('CONFIG', 'r2:// store needs R2_ACCOUNT_ID (or R2_ENDPOINT)', 'export R2_ACCOUNT_ID=<your Cloudflare account id>');
    const accessKeyId = env.R2_ACCESS_KEY_ID ?? env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.R2_SECRET_ACCESS_KEY ?? env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) throw new EventdbError('CONFIG', 'r2:// store needs R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY', 'create an R2 API token with Object Read & Write and export its keys');
    registerSecret(secretAccessKey);
    return {
      partSize,
      concurrency,
      client: { region: 'auto', endpoint, credentials: { accessKeyId, secretAccessKey }, forcePathStyle: true, ...checksums, ...retry },
    };
  }
  const endpoint = q.endpoint ?? env.S3_ENDPOINT ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const region = q.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (endpoint ? 'us-east-1' : undefined);
  const pathStyleRaw = q.pathStyle ?? env.S3_FORCE_PATH_STYLE;
  const forcePathStyle = pathStyleRaw !== undefined ? /^(1|true|yes)$/i.test(pathStyleRaw) : !!endpoint;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  registerSecret(secretAccessKey);
  registerSecret(env.AWS_SESSION_TOKEN);
  const credentials = accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN } : undefined;
  return {
    partSize,
    concurrency,
    client: { region, endpoint, forcePathStyle, ...(credentials ? { credentials } : {}), ...checksums, ...retry },
  };
}

/** An S3-protocol bucket (AWS S3, Cloudflare R2, MinIO, s3rver …). The only module importing the AWS SDK. */
export class S3Store implements Store {
  readonly kind: 's3' | 'r2';
  readonly display: string;
  readonly client: S3Client;

  constructor(
    readonly loc: S3Location,
    readonly settings: S3Settings,
  ) {
    this.kind = loc.kind;
    this.display = `${loc.kind}://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`;
    this.client = new S3Client(settings.client);
  }

  private key(k: string, opts: { prefix?: boolean } = {}): string {
    checkKey(k, opts);
    return this.loc.prefix ? `${this.loc.prefix}/${k}` : k;
  }

  async put(key: string, body: NodeJS.ReadableStream | Readable, opts: { contentType?: string } = {}): Promise<PutResult> {
    checkKey(key);
    const meter = byteMeter(); // size and SHA-256 of exactly what is stored
    let sourceError: unknown;
    const onSourceError = (e: unknown) => {
      sourceError = e;
      meter.destroy(e as Error);
      // pipe() does not pass an error on: fail the upload's own body too, or it waits for more forever.
      toUpload.destroy(e as Error);
    };
    const toUpload = new PassThrough();
    // The source's error is the one put() throws (below); these copies of it need no listener of their own.
    meter.on('error', () => undefined);
    toUpload.on('error', () => undefined);
    body.on('error', onSourceError);
    body.pipe(meter);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.loc.bucket, Key: this.key(key), Body: meter.pipe(toUpload), ContentType: opts.contentType ?? 'application/octet-stream' },
      partSize: this.settings.partSize,
      queueSize: this.settings.concurrency,
      leavePartsOnError: false,
    });
    // Interrupted: the multipart upload is aborted (its parts would be stored, and billed, until a lifecycle rule).
    const off = onInterrupt(() => upload.abort());
    try {
      await upload.done();
    } catch (e) {
      if (sourceError) throw sourceError;
      throw s3Error(e, `cannot upload ${key} to ${this.display}`);
    } finally {
      off();
    }
    if (sourceError) throw sourceError;
    return { size: meter.bytes(), sha256: meter.sha256() };
  }

  async get(key: string): Promise<Readable> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.loc.bucket, Key: this.key(key) }));
      return r.Body as Readable;
    } catch (e) {
      throw s3Error(e, `cannot download ${key} from ${this.display}`);
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    let token: string | undefined;
    const strip = this.loc.prefix ? this.loc.prefix.length + 1 : 0;
    do {
      let r;
      try {
        r = await this.client.send(new ListObjectsV2Command({ Bucket: this.loc.bucket, Prefix: this.key(prefix, { prefix: true }), ContinuationToken: token }));
      } catch (e) {
        throw s3Error(e, `cannot list ${this.display}`);
      }
      for (const o of r.Contents ?? []) {
        if (!o.Key) continue;
        yield { key: o.Key.slice(strip), size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) };
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      try {
        const r = await this.client.send(new DeleteObjectsCommand({ Bucket: this.loc.bucket, Delete: { Objects: batch.map((k) => ({ Key: this.key(k) })), Quiet: true } }));
        if (r.Errors && r.Errors.length > 0) {
          throw new EventdbError('STORE_FAILED', `cannot delete ${r.Errors.length} object(s) from ${this.display}: ${r.Errors[0]?.Message ?? r.Errors[0]?.Code ?? 'unknown error'}`, 'check the store permissions (delete is needed for prune)');
        }
      } catch (e) {
        if (e instanceof EventdbError) throw e;
        throw s3Error(e, `cannot delete from ${this.display}`);
      }
    }
  }
}

const AUTH_CODES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidToken', 'ExpiredToken', 'CredentialsProviderError', 'AuthorizationHeaderMalformed', 'Forbidden', 'Unauthorized']);
/** Cannot reach the store at all (exit 3); a connection lost mid-transfer is a failed operation (exit 1). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Maps an AWS SDK error to an EventdbError with a stable code. Never includes a secret. */
export function s3Error(e: unknown, what: string): EventdbError {
  if (e instanceof EventdbError) return e;
  const err = e as { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = err.name ?? err.Code ?? '';
  const status = err.$metadata?.httpStatusCode;
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    if (name === 'NoSuchBucket') return new EventdbError('STORE_NOT_FOUND', `${what}: the bucket does not exist`, 'create the bucket, or fix the bucket name in the store URL', { cause: e });
    return new EventdbError('NOT_FOUND', `${what}: not found`, 'run `eventdb backup list` to see the snapshots in this store', { cause: e });
  }
  if (name === 'NoSuchBucket') return new EventdbError('STORE_NOT_FOUND', `${what}: the bucket does not exist`, 'create the bucket, or fix the bucket name in the store URL', { cause: e });
  if (name === 'CredentialsProviderError') {
    return new EventdbError('AUTH', `${what}: no store credentials were found`, 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or R2_ACCESS_KEY_ID/R2_SECRET_ACCESS_KEY for r2://)', { cause: e });
  }
  if (AUTH_CODES.has(name) || status === 401 || status === 403 || /credential/i.test(messageOf(e))) {
    return new EventdbError('AUTH', `${what}: the store rejected the credentials (${name || status})`, 'check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or R2_ACCESS_KEY_ID/R2_SECRET_ACCESS_KEY) and the bucket permissions', { cause: e });
  }
  if (UNREACHABLE.has(err.code ?? '') || UNREACHABLE.has(name)) {
    return new EventdbError('STORE_UNREACHABLE', `${what}: ${messageOf(e)}`, 'check the store endpoint and the network, then retry', { cause: e });
  }
  return new EventdbError('STORE_FAILED', `${what}: ${name ? `${name}: ` : ''}${messageOf(e)}${status ? ` (HTTP ${status})` : ''}`, 'retry; if it persists check the store (eventdb retried with backoff already)', { cause: e });
}
