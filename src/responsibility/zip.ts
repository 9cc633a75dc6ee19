// Reads a zip archive (an .xlsx) without trusting it: the central directory is read first, and an entry is inflated
// only up to the size the directory declares, so a file that unpacks to gigabytes is refused before, or while, it
// is unpacked — never after. Also writes a plain (stored) zip, which is how the checked entries reach exceljs.
import { crc32, inflateRawSync } from "node:zlib";

export interface ZipLimits {
  /** All entries together, unpacked. */
  maxTotalBytes: number;
  /** One entry, unpacked. */
  maxEntryBytes: number;
  maxEntries: number;
  /** Unpacked ÷ packed above which an entry larger than `ratioFloorBytes` is taken for a bomb. */
  maxRatio: number;
  ratioFloorBytes: number;
}

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  crc: number;
  packedSize: number;
  size: number;
  /** Where the entry's local header starts. */
  offset: number;
}

/** Why an archive is refused: `kind` tells a size limit from a damaged or unsupported file. */
export class ZipRefused extends Error {
  constructor(readonly kind: "too_large" | "unreadable", message: string) {
    super(message);
  }
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;

/** The archive's entries from its central directory, refused when what it declares is over the limits. */
export function readCentralDirectory(zip: Buffer, limits: ZipLimits): ZipEntry[] {
  // The end record is in the last 22 bytes plus a comment of at most 64 KB.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new ZipRefused("unreadable", "不是有效的 Excel（.xlsx）文件");
  const count = zip.readUInt16LE(end + 10);
  const dirSize = zip.readUInt32LE(end + 12);
  const dirOffset = zip.readUInt32LE(end + 16);
  if (count === 0xffff || dirOffset === 0xffffffff) throw new ZipRefused("unreadable", "不支持 ZIP64 格式的文件，请在 Excel 中另存为 .xlsx");
  if (count > limits.maxEntries) throw new ZipRefused("too_large", `文件内含 ${count} 个部件，超过上限 ${limits.maxEntries}`);
  if (dirOffset + dirSize > end) throw new ZipRefused("unreadable", "Excel 文件已损坏（目录越界）");

  const entries: ZipEntry[] = [];
  let total = 0;
  let p = dirOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > end || zip.readUInt32LE(p) !== CENTRAL) throw new ZipRefused("unreadable", "Excel 文件已损坏（目录不完整）");
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const packedSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    const offset = zip.readUInt32LE(p + 42);
    const name = zip.toString("utf8", p + 46, p + 46 + nameLength);
    p += 46 + nameLength + extraLength + commentLength;
    if (flags & 1) throw new ZipRefused("unreadable", "文件已加密，请取消密码后再导入");
    if (method !== 0 && method !== 8) throw new ZipRefused("unreadable", `Excel 文件使用了不支持的压缩方式（${method}）`);
    if (size === 0xffffffff || packedSize === 0xffffffff || offset === 0xffffffff) throw new ZipRefused("unreadable", "不支持 ZIP64 格式的文件，请在 Excel 中另存为 .xlsx");
    if (size > limits.maxEntryBytes) throw new ZipRefused("too_large", `文件解压后过大：${name} 有 ${mb(size)}，单个部件上限 ${mb(limits.maxEntryBytes)}`);
    if (size > limits.ratioFloorBytes && size > packedSize * limits.maxRatio) {
      throw new ZipRefused("too_large", `文件的压缩比异常（${name} 压缩了 ${Math.round(size / Math.max(1, packedSize))} 倍），疑似压缩炸弹，已拒绝`);
    }
    total += size;
    if (total > limits.maxTotalBytes) throw new ZipRefused("too_large", `文件解压后超过 ${mb(limits.maxTotalBytes)}，请删去无关的工作表、图片或格式后再导入`);
    entries.push({ name, method, crc, packedSize, size, offset });
  }
  return entries;
}

/**
 * One entry's bytes. The inflater stops at the declared size (maxOutputLength), so an entry whose directory
 * understates what it holds costs at most its declared size before it is refused: bytes are counted as they are
 * inflated, not taken on trust.
 */
export function unpackEntry(zip: Buffer, entry: ZipEntry): Buffer {
  const p = entry.offset;
  if (p + 30 > zip.length || zip.readUInt32LE(p) !== LOCAL) throw new ZipRefused("unreadable", `Excel 文件已损坏（${entry.name}）`);
  const start = p + 30 + zip.readUInt16LE(p + 26) + zip.readUInt16LE(p + 28);
  if (start + entry.packedSize > zip.length) throw new ZipRefused("unreadable", `Excel 文件已损坏（${entry.name} 不完整）`);
  const packed = zip.subarray(start, start + entry.packedSize);
  let data: Buffer;
  if (entry.method === 0) data = packed;
  else {
    try {
      // One byte over the declared size is enough to know it lied.
      data = inflateRawSync(packed, { maxOutputLength: Math.max(1, entry.size + 1) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
        throw new ZipRefused("too_large", `文件解压后比它声明的大（${entry.name}），疑似压缩炸弹，已拒绝`);
      }
      throw new ZipRefused("unreadable", `Excel 文件已损坏（${entry.name}：${(err as Error).message}）`);
    }
  }
  if (data.length !== entry.size) {
    throw new ZipRefused(data.length > entry.size ? "too_large" : "unreadable", `文件解压后与它声明的大小不符（${entry.name}），已拒绝`);
  }
  if (crc32(data) >>> 0 !== entry.crc >>> 0) throw new ZipRefused("unreadable", `Excel 文件已损坏（${entry.name} 校验失败）`);
  return data;
}

export interface ZipFile {
  name: string;
  /** The bytes as stored: the data itself (method 0) or its raw deflate stream (method 8). */
  body: Buffer;
  method: 0 | 8;
  /** What the directory declares: the unpacked size and its CRC-32. */
  size: number;
  crc: number;
}

/** An entry stored as it is. */
export const storedFile = (name: string, data: Buffer): ZipFile => ({ name, body: data, method: 0, size: data.length, crc: crc32(data) >>> 0 });

/** A zip of the given entries, declaring what each says of itself. */
export function writeZip(files: ZipFile[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // names in UTF-8
    local.writeUInt16LE(f.method, 8);
    local.writeUInt32LE(f.crc, 14);
    local.writeUInt32LE(f.body.length, 18);
    local.writeUInt32LE(f.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(f.method, 10);
    central.writeUInt32LE(f.crc, 16);
    central.writeUInt32LE(f.body.length, 20);
    central.writeUInt32LE(f.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, f.body);
    centrals.push(central, name);
    offset += 30 + name.length + f.body.length;
  }
  const dirSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(EOCD, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(dirSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
