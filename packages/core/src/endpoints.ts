/** Where a port inside the sandbox is reached from the caller's side. */
export interface SandboxEndpoint {
  /** Absolute URL with scheme and no trailing slash, e.g. `http://127.0.0.1:8080`; append a path to it. */
  url: string;
  /** Headers every request to `url` must carry (routing or access tokens); `{}` when none. Treat as secret. */
  headers: Record<string, string>;
}

/** Ports of a sandbox reached from outside; present when `capabilities.endpoints`. */
export interface SandboxEndpoints {
  /**
   * Where a server listening on `port` (1..65535) inside the sandbox is reached:
   * `fetch(`${url}/path`, { headers })` works once something listens there. Does not check that
   * anything listens. Idempotent.
   * @throws UnsupportedCapabilityError when `capabilities.endpoints` is false;
   * InvalidArgumentError (bad port), NotInitializedError, DisposedError, transport errors
   */
  get(port: number): Promise<SandboxEndpoint>;
}
