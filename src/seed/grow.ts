/**
 * `buf` when it has `need` bytes free after its first `used`; else a buffer twice as large (or as large
 * as needed) holding those `used` bytes. The seed's writers (CsvBuffer, BoundBatchWriter) grow this way.
 */
export function withRoom(buf: Buffer, used: number, need: number): Buffer {
  if (buf.length - used >= need) return buf;
  const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, used + need));
  buf.copy(bigger, 0, 0, used);
  return bigger;
}
