/** One route: an HTTP method and a path template with `{param}` segments (`*` method = any). */
export interface RouteDefinition<K extends string = string> {
  readonly key: K;
  readonly method: string;
  readonly template: string;
}

/** A match of {@link RouteTable.match}. */
export interface RouteMatch<K extends string = string> {
  readonly route: RouteDefinition<K>;
  /** Decoded path parameters. */
  readonly params: Readonly<Record<string, string>>;
  /** The stats/fault name of the route, e.g. `GET /sandboxes/{sandboxId}`. */
  readonly name: string;
}

interface CompiledRoute<K extends string> {
  readonly route: RouteDefinition<K>;
  readonly segments: readonly string[];
}

/** A small typed router: exact segment matching, `{name}` captures one segment. */
export class RouteTable<K extends string> {
  private readonly routes: CompiledRoute<K>[];

  constructor(routes: readonly RouteDefinition<K>[]) {
    this.routes = routes.map((route) => ({ route, segments: route.template.split('/').filter(Boolean) }));
  }

  /** Finds the route for `method` + `path` (no query). `methodMismatch` is true when only the method differs. */
  match(method: string, path: string): { match?: RouteMatch<K>; methodMismatch: boolean } {
    const parts = path.split('/').filter(Boolean);
    let methodMismatch = false;
    for (const compiled of this.routes) {
      const params = matchSegments(compiled.segments, parts);
      if (!params) continue;
      if (compiled.route.method !== '*' && compiled.route.method !== method) {
        methodMismatch = true;
        continue;
      }
      const name = `${compiled.route.method === '*' ? method : compiled.route.method} ${compiled.route.template}`;
      return { match: { route: compiled.route, params, name }, methodMismatch: false };
    }
    return { methodMismatch };
  }
}

function matchSegments(template: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  if (template.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    const p = parts[i]!;
    if (t.startsWith('{') && t.endsWith('}')) {
      try {
        params[t.slice(1, -1)] = decodeURIComponent(p);
      } catch {
        return undefined;
      }
    } else if (t !== p) {
      return undefined;
    }
  }
  return params;
}

/** The execd routes (names used by stats and faults). */
export const EXECD_ROUTES = [
  { key: 'ping', method: 'GET', template: '/ping' },
  { key: 'runCommand', method: 'POST', template: '/command' },
  { key: 'interrupt', method: 'DELETE', template: '/command' },
  { key: 'commandStatus', method: 'GET', template: '/command/status/{id}' },
  { key: 'commandLogs', method: 'GET', template: '/command/{id}/logs' },
  { key: 'createSession', method: 'POST', template: '/session' },
  { key: 'runInSession', method: 'POST', template: '/session/{sessionId}/run' },
  { key: 'deleteSession', method: 'DELETE', template: '/session/{sessionId}' },
  { key: 'filesInfo', method: 'GET', template: '/files/info' },
  { key: 'deleteFiles', method: 'DELETE', template: '/files' },
  { key: 'permissions', method: 'POST', template: '/files/permissions' },
  { key: 'move', method: 'POST', template: '/files/mv' },
  { key: 'search', method: 'GET', template: '/files/search' },
  { key: 'replace', method: 'POST', template: '/files/replace' },
  { key: 'upload', method: 'POST', template: '/files/upload' },
  { key: 'download', method: 'GET', template: '/files/download' },
  { key: 'listDirectory', method: 'GET', template: '/directories/list' },
  { key: 'makeDirectories', method: 'POST', template: '/directories' },
  { key: 'deleteDirectories', method: 'DELETE', template: '/directories' },
  { key: 'metrics', method: 'GET', template: '/metrics' },
  { key: 'metricsWatch', method: 'GET', template: '/metrics/watch' },
] as const satisfies readonly RouteDefinition[];

/** Execd routes whose response is an event stream (subject to `cut-stream` faults). */
export const STREAMING_EXECD_ROUTES: ReadonlySet<string> = new Set(['POST /command', 'POST /session/{sessionId}/run', 'GET /metrics/watch']);

const execdTable = new RouteTable<string>(EXECD_ROUTES);

/** Names an execd request for stats and faults, e.g. `POST /command`; unknown paths keep their raw path. */
export function execdRouteName(method: string, path: string): string {
  const proxy = /^\/proxy\/(\d+)(\/|$)/.exec(path);
  if (proxy) return `${method} /proxy/{port}`;
  return execdTable.match(method, path).match?.name ?? `${method} ${path}`;
}
