/** What {@link describeBinary} found out about a file that is not text. */
export interface BinaryDescription {
  /** A short kind, e.g. `'PNG image'`, or `'binary data'` when the format is not recognised. */
  kind: string;
  /** A likely MIME type, when recognised. */
  mimeType?: string;
}

const SAMPLE_BYTES = 8192;

interface Magic {
  bytes: readonly number[];
  offset?: number;
  kind: string;
  mimeType: string;
}

const MAGICS: readonly Magic[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], kind: 'PNG image', mimeType: 'image/png' },
  { bytes: [0xff, 0xd8, 0xff], kind: 'JPEG image', mimeType: 'image/jpeg' },
  { bytes: [0x47, 0x49, 0x46, 0x38], kind: 'GIF image', mimeType: 'image/gif' },
  { bytes: [0x52, 0x49, 0x46, 0x46], kind: 'RIFF container (WebP/WAV/AVI)', mimeType: 'application/octet-stream' },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], kind: 'PDF document', mimeType: 'application/pdf' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], kind: 'ZIP archive (also jar/docx/xlsx)', mimeType: 'application/zip' },
  { bytes: [0x1f, 0x8b], kind: 'gzip-compressed data', mimeType: 'application/gzip' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], kind: 'zstd-compressed data', mimeType: 'application/zstd' },
  { bytes: [0x42, 0x5a, 0x68], kind: 'bzip2-compressed data', mimeType: 'application/x-bzip2' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], kind: 'xz-compressed data', mimeType: 'application/x-xz' },
  { bytes: [0x75, 0x73, 0x74, 0x61, 0x72], offset: 257, kind: 'tar archive', mimeType: 'application/x-tar' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], kind: 'ELF executable or library', mimeType: 'application/x-executable' },
  { bytes: [0x00, 0x61, 0x73, 0x6d], kind: 'WebAssembly module', mimeType: 'application/wasm' },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66], kind: 'SQLite database', mimeType: 'application/vnd.sqlite3' },
  { bytes: [0xca, 0xfe, 0xba, 0xbe], kind: 'Java class or Mach-O fat binary', mimeType: 'application/octet-stream' },
];

/**
 * Whether `bytes` look binary: a NUL byte in the first 8 KiB, or content that is not valid UTF-8
 * (a multi-byte character cut at the end of a sample is tolerated).
 */
export function isBinaryContent(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, Math.min(bytes.length, SAMPLE_BYTES));
  if (sample.includes(0)) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return false;
  } catch {
    return true;
  }
}

/** Whether decoded text looks binary: a NUL character or replacement characters in its first 8 KiB. */
export function isBinaryText(text: string): boolean {
  const sample = text.slice(0, SAMPLE_BYTES);
  return sample.includes('\0') || sample.includes('\uFFFD');
}

/** Names the format of binary `bytes` from its magic number. */
export function describeBinary(bytes: Uint8Array): BinaryDescription {
  for (const magic of MAGICS) {
    const at = magic.offset ?? 0;
    if (bytes.length >= at + magic.bytes.length && magic.bytes.every((b, i) => bytes[at + i] === b)) {
      return { kind: magic.kind, mimeType: magic.mimeType };
    }
  }
  const sample = bytes.subarray(0, Math.min(bytes.length, SAMPLE_BYTES));
  return { kind: sample.includes(0) ? 'binary data' : 'non-UTF-8 data (binary, or text in another encoding)' };
}
