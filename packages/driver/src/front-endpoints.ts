import { assertCapability, describe, InvalidArgumentError, type SandboxEndpoint, type SandboxEndpoints } from '@kode/core';
import type { FrontContext } from './driver-sandbox';

/**
 * The contract's endpoint rules over a driver's `endpoint(port)`: capability gate, port check,
 * retries (the lookup is idempotent). See docs/decisions/0151-port-endpoints.md.
 */
export class FrontEndpoints implements SandboxEndpoints {
  readonly #ctx: FrontContext;

  /** @internal built by `DriverSandbox` */
  constructor(context: FrontContext) {
    this.#ctx = context;
  }

  /**
   * Where a server on `port` (integer 1..65535) inside the sandbox is reached: `{ url, headers }`
   * for `fetch(url, { headers })`. Does not check that anything listens. Retried like every
   * idempotent call; the headers may carry access tokens, so never log them.
   * @throws UnsupportedCapabilityError (capability `endpoints` absent), InvalidArgumentError (bad port),
   * NotInitializedError, DisposedError, SandboxNotFoundError, transport errors
   */
  async get(port: number): Promise<SandboxEndpoint> {
    const backend = this.#ctx.backend;
    assertCapability(this.#ctx.driver.capabilities, 'endpoints', backend);
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new InvalidArgumentError(`endpoints.get port must be an integer from 1 to 65535, got ${describe(port)}.`, { backend });
    }
    const endpoint = this.#ctx.driver.endpoint?.bind(this.#ctx.driver);
    if (endpoint === undefined) throw new InvalidArgumentError(`The ${backend} driver has no endpoints.`, { backend });
    this.#ctx.assertUsable();
    const found = await this.#ctx.call(`endpoints.get ${port}`, () => endpoint(port), { idempotent: true });
    return { url: found.url.replace(/\/+$/, ''), headers: { ...found.headers } };
  }
}
