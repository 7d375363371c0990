import { ApiError, ValidationError, type ValidationIssue } from './http-util';

/** A volume of the create request (validated). */
export interface VolumeSpec {
  name: string;
  mountPath: string;
  readOnly: boolean;
  subPath?: string;
  host?: { path: string };
  pvc?: { claimName: string };
  ossfs?: Record<string, unknown>;
}

/** The parts of `CreateSandboxRequest` the emulator uses (validated). */
export interface CreateRequest {
  image?: { uri: string };
  snapshotId?: string;
  /** Seconds; undefined = manual cleanup. */
  timeout?: number;
  resourceLimits?: Record<string, string>;
  env: Record<string, string>;
  metadata: Record<string, string>;
  entrypoint?: string[];
  platform?: { os: string; arch: string };
  volumes: VolumeSpec[];
  extensions: Record<string, string>;
  secureAccess: boolean;
  networkPolicy?: unknown;
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Checker {
  readonly issues: ValidationIssue[] = [];

  add(issue: ValidationIssue): void {
    this.issues.push(issue);
  }

  string(value: unknown, loc: (string | number)[], opts: { minLength?: number } = {}): string | undefined {
    if (typeof value !== 'string') {
      this.add({ type: 'string_type', loc, msg: 'Input should be a valid string', input: value });
      return undefined;
    }
    if (opts.minLength !== undefined && value.length < opts.minLength) {
      this.add({ type: 'string_too_short', loc, msg: `String should have at least ${opts.minLength} character${opts.minLength === 1 ? '' : 's'}`, input: value, ctx: { min_length: opts.minLength } });
      return undefined;
    }
    return value;
  }

  dict(value: unknown, loc: (string | number)[], opts: { allowNullValues?: boolean } = {}): Record<string, string> | undefined {
    if (!isObject(value)) {
      this.add({ type: 'dict_type', loc, msg: 'Input should be a valid dictionary', input: value });
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === null && opts.allowNullValues) continue;
      const s = this.string(v, [...loc, k]);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }

  bool(value: unknown, loc: (string | number)[]): boolean | undefined {
    if (typeof value !== 'boolean') {
      this.add({ type: 'bool_type', loc, msg: 'Input should be a valid boolean', input: value });
      return undefined;
    }
    return value;
  }
}

const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The reserved metadata prefix. */
export const RESERVED_METADATA_PREFIX = 'opensandbox.io/';

/**
 * Checks metadata keys/values against Kubernetes label rules.
 * @throws ApiError 400 `INVALID_METADATA_LABEL` (reserved prefix) / `SANDBOX::INVALID_METADATA_LABEL`.
 */
export function checkMetadataLabels(metadata: Record<string, string | null>): void {
  for (const [key, value] of Object.entries(metadata)) {
    if (key.startsWith(RESERVED_METADATA_PREFIX)) {
      throw new ApiError(400, 'INVALID_METADATA_LABEL', `Metadata key '${key}' uses the reserved prefix '${RESERVED_METADATA_PREFIX}'.`);
    }
    const slash = key.indexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    const keyOk = name.length > 0 && name.length <= 63 && LABEL_NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
    if (!keyOk) throw new ApiError(400, 'SANDBOX::INVALID_METADATA_LABEL', `Invalid metadata key '${key}': must be a valid Kubernetes label key.`);
    if (value !== null && (value.length > 63 || !LABEL_VALUE.test(value))) {
      throw new ApiError(400, 'SANDBOX::INVALID_METADATA_LABEL', `Invalid metadata value for key '${key}': must be a valid Kubernetes label value.`);
    }
  }
}

function checkVolumes(value: unknown, c: Checker): VolumeSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    c.add({ type: 'list_type', loc: ['body', 'volumes'], msg: 'Input should be a valid list', input: value });
    return [];
  }
  const out: VolumeSpec[] = [];
  value.forEach((raw: unknown, i) => {
    const loc = ['body', 'volumes', i];
    if (!isObject(raw)) {
      c.add({ type: 'model_attributes_type', loc, msg: 'Input should be a valid dictionary or object to extract fields from', input: raw });
      return;
    }
    const name = raw.name === undefined ? (c.add({ type: 'missing', loc: [...loc, 'name'], msg: 'Field required', input: raw }), undefined) : c.string(raw.name, [...loc, 'name']);
    const mountPath = raw.mountPath === undefined ? (c.add({ type: 'missing', loc: [...loc, 'mountPath'], msg: 'Field required', input: raw }), undefined) : c.string(raw.mountPath, [...loc, 'mountPath']);
    const backends = [raw.host, raw.pvc, raw.ossfs].filter((b) => b !== undefined && b !== null).length;
    if (backends !== 1) {
      c.add({ type: 'value_error', loc, msg: 'Value error, Exactly one backend (host, pvc, ossfs) must be specified, but ' + (backends === 0 ? 'none was provided.' : 'multiple were provided.'), input: raw, ctx: { error: {} } });
      return;
    }
    if (name === undefined || mountPath === undefined) return;
    const spec: VolumeSpec = { name, mountPath, readOnly: raw.readOnly === true };
    if (typeof raw.subPath === 'string') spec.subPath = raw.subPath;
    if (isObject(raw.host)) {
      const p = c.string(raw.host.path, [...loc, 'host', 'path']);
      if (p !== undefined) spec.host = { path: p };
    } else if (isObject(raw.pvc)) {
      const claim = c.string(raw.pvc.claimName, [...loc, 'pvc', 'claimName']);
      if (claim !== undefined) spec.pvc = { claimName: claim };
    } else if (isObject(raw.ossfs)) {
      spec.ossfs = raw.ossfs;
    }
    out.push(spec);
  });
  return out;
}

/**
 * Validates a `CreateSandboxRequest` body like the real server's pydantic model.
 * @throws ValidationError (422) for schema problems, ApiError (400) for the server's own checks.
 */
export function validateCreateRequest(body: unknown, options: { maxTimeoutSeconds: number }): CreateRequest {
  const c = new Checker();
  if (!isObject(body)) {
    throw new ValidationError([{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body }]);
  }
  const req: CreateRequest = { env: {}, metadata: {}, volumes: [], extensions: {}, secureAccess: false };

  if (body.image !== undefined && body.image !== null) {
    if (!isObject(body.image)) {
      c.add({ type: 'model_attributes_type', loc: ['body', 'image'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body.image });
    } else if (body.image.uri === undefined) {
      c.add({ type: 'missing', loc: ['body', 'image', 'uri'], msg: 'Field required', input: body.image });
    } else {
      const uri = c.string(body.image.uri, ['body', 'image', 'uri'], { minLength: 1 });
      if (uri !== undefined) req.image = { uri };
    }
  }
  if (body.snapshotId !== undefined && body.snapshotId !== null) {
    const id = c.string(body.snapshotId, ['body', 'snapshotId']);
    if (id !== undefined) req.snapshotId = id;
  }
  if (body.timeout !== undefined && body.timeout !== null) {
    const t = body.timeout;
    if (typeof t !== 'number' || !Number.isInteger(t)) {
      c.add({ type: 'int_type', loc: ['body', 'timeout'], msg: 'Input should be a valid integer', input: t });
    } else if (t < 60) {
      c.add({ type: 'greater_than_equal', loc: ['body', 'timeout'], msg: 'Input should be greater than or equal to 60', input: t, ctx: { ge: 60 } });
    } else {
      req.timeout = t;
    }
  }
  if (body.resourceLimits !== undefined && body.resourceLimits !== null) req.resourceLimits = c.dict(body.resourceLimits, ['body', 'resourceLimits']);
  if (body.env !== undefined && body.env !== null) req.env = c.dict(body.env, ['body', 'env'], { allowNullValues: true }) ?? {};
  if (body.metadata !== undefined && body.metadata !== null) req.metadata = c.dict(body.metadata, ['body', 'metadata']) ?? {};
  if (body.extensions !== undefined && body.extensions !== null) req.extensions = c.dict(body.extensions, ['body', 'extensions']) ?? {};
  if (body.entrypoint !== undefined && body.entrypoint !== null) {
    if (!Array.isArray(body.entrypoint)) {
      c.add({ type: 'list_type', loc: ['body', 'entrypoint'], msg: 'Input should be a valid list', input: body.entrypoint });
    } else if (body.entrypoint.length === 0) {
      c.add({ type: 'too_short', loc: ['body', 'entrypoint'], msg: 'List should have at least 1 item after validation, not 0', input: [], ctx: { field_type: 'List', min_length: 1, actual_length: 0 } });
    } else {
      const items = body.entrypoint.map((v: unknown, i) => c.string(v, ['body', 'entrypoint', i]));
      if (items.every((s): s is string => s !== undefined)) req.entrypoint = items;
    }
  }
  if (body.platform !== undefined && body.platform !== null) {
    const p = body.platform;
    if (!isObject(p)) {
      c.add({ type: 'model_attributes_type', loc: ['body', 'platform'], msg: 'Input should be a valid dictionary or object to extract fields from', input: p });
    } else {
      if (p.os !== 'linux' && p.os !== 'windows') c.add({ type: p.os === undefined ? 'missing' : 'enum', loc: ['body', 'platform', 'os'], msg: p.os === undefined ? 'Field required' : "Input should be 'linux' or 'windows'", input: p.os ?? p, ...(p.os === undefined ? {} : { ctx: { expected: "'linux' or 'windows'" } }) });
      if (p.arch !== 'amd64' && p.arch !== 'arm64') c.add({ type: p.arch === undefined ? 'missing' : 'enum', loc: ['body', 'platform', 'arch'], msg: p.arch === undefined ? 'Field required' : "Input should be 'amd64' or 'arm64'", input: p.arch ?? p, ...(p.arch === undefined ? {} : { ctx: { expected: "'amd64' or 'arm64'" } }) });
      if (typeof p.os === 'string' && typeof p.arch === 'string') req.platform = { os: p.os, arch: p.arch };
    }
  }
  if (body.secureAccess !== undefined && body.secureAccess !== null) req.secureAccess = c.bool(body.secureAccess, ['body', 'secureAccess']) ?? false;
  if (body.networkPolicy !== undefined && body.networkPolicy !== null) {
    if (!isObject(body.networkPolicy)) c.add({ type: 'model_attributes_type', loc: ['body', 'networkPolicy'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body.networkPolicy });
    else req.networkPolicy = body.networkPolicy;
  }
  req.volumes = checkVolumes(body.volumes, c);

  if (c.issues.length > 0) throw new ValidationError(c.issues);

  // Model-level rules (pydantic model validators: 422 value_error at ["body"]).
  const modelError = (msg: string): never => {
    throw new ValidationError([{ type: 'value_error', loc: ['body'], msg: `Value error, ${msg}`, input: body, ctx: { error: {} } }]);
  };
  if ((req.image === undefined) === (req.snapshotId === undefined)) modelError('Exactly one of image or snapshotId must be provided.');
  if (req.image !== undefined && req.entrypoint === undefined) modelError('Entrypoint is required when image is provided.');
  if (req.resourceLimits === undefined && req.extensions.poolRef === undefined) modelError('resourceLimits is required when poolRef is not provided.');
  if (isObject(body.credentialProxy) && body.credentialProxy.enabled === true && req.networkPolicy === undefined) modelError('credentialProxy.enabled requires networkPolicy.');

  // Server-side checks (400).
  if (req.timeout !== undefined && req.timeout > options.maxTimeoutSeconds) {
    throw new ApiError(400, 'SANDBOX::INVALID_PARAMETER', `Sandbox timeout ${req.timeout}s exceeds the maximum allowed ${options.maxTimeoutSeconds}s.`);
  }
  if (req.extensions.poolRef !== undefined) throw new ApiError(400, 'SANDBOX::UNSUPPORTED_POOL_REF', 'poolRef is not supported by the Docker runtime.');
  if (req.secureAccess) throw new ApiError(400, 'SANDBOX::INVALID_PARAMETER', 'secureAccess is only supported in Kubernetes gateway mode.');
  checkMetadataLabels(req.metadata);
  const names = new Set<string>();
  for (const v of req.volumes) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v.name) || v.name.length > 63) throw new ApiError(400, 'VOLUME::INVALID_NAME', `Volume name '${v.name}' must be a valid DNS label.`);
    if (names.has(v.name)) throw new ApiError(400, 'VOLUME::DUPLICATE_NAME', `Duplicate volume name '${v.name}'.`);
    names.add(v.name);
    if (!v.mountPath.startsWith('/')) throw new ApiError(400, 'VOLUME::INVALID_MOUNT_PATH', `Mount path '${v.mountPath}' must be absolute.`);
    if (v.subPath !== undefined && (v.subPath.startsWith('/') || v.subPath.split('/').includes('..'))) throw new ApiError(400, 'VOLUME::INVALID_SUB_PATH', `Sub path '${v.subPath}' must be relative and stay inside the volume.`);
    if (v.host && !v.host.path.startsWith('/')) throw new ApiError(400, 'VOLUME::INVALID_HOST_PATH', `Host path '${v.host.path}' must be absolute.`);
    if (v.ossfs) throw new ApiError(400, 'VOLUME::UNSUPPORTED_BACKEND', 'OSSFS volumes are not supported by the emulator.');
  }
  return req;
}

/**
 * Parses a FastAPI bool query value (`true/false/1/0/yes/no/on/off`, case-insensitive).
 * @throws ValidationError (422 `bool_parsing`).
 */
export function parseBoolQuery(value: string | null, loc: (string | number)[]): boolean | undefined {
  if (value === null) return undefined;
  const v = value.toLowerCase();
  if (['true', '1', 'yes', 'on', 't', 'y'].includes(v)) return true;
  if (['false', '0', 'no', 'off', 'f', 'n'].includes(v)) return false;
  throw new ValidationError([{ type: 'bool_parsing', loc, msg: 'Input should be a valid boolean, unable to interpret input', input: value }]);
}

/**
 * Parses an integer query/path value with optional bounds like FastAPI.
 * @throws ValidationError (422 `int_parsing`, `greater_than_equal`, `less_than_equal`).
 */
export function parseIntParam(value: string, loc: (string | number)[], bounds: { ge?: number; le?: number } = {}): number {
  if (!/^[-+]?\d+$/.test(value.trim())) {
    throw new ValidationError([{ type: 'int_parsing', loc, msg: 'Input should be a valid integer, unable to parse string as an integer', input: value }]);
  }
  const n = Number(value);
  if (bounds.ge !== undefined && n < bounds.ge) {
    throw new ValidationError([{ type: 'greater_than_equal', loc, msg: `Input should be greater than or equal to ${bounds.ge}`, input: value, ctx: { ge: bounds.ge } }]);
  }
  if (bounds.le !== undefined && n > bounds.le) {
    throw new ValidationError([{ type: 'less_than_equal', loc, msg: `Input should be less than or equal to ${bounds.le}`, input: value, ctx: { le: bounds.le } }]);
  }
  return n;
}
