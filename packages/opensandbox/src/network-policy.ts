import type { NetworkRule, Sandbox as SdkSandbox } from '@alibaba-group/opensandbox';
import { BackendError, ConnectionFailedError, InvalidArgumentError, type SandboxError } from '@kode/core';
import type { OpenSandboxNetworkPolicy, OpenSandboxNetworkRule } from './options';

/** Options of {@link OpenSandboxNetworkPolicyControl.patch}. */
export interface NetworkPolicyPatch {
  /** Rules to add; a rule whose `target` already has one replaces it (the others are kept). */
  egress: OpenSandboxNetworkRule[];
}

const HINT = 'The egress policy exists only on sandboxes created with a `networkPolicy` (the server starts its egress sidecar then).';

/**
 * `sandbox.networkPolicy` of an OpenSandbox: reads and changes the egress policy of the running
 * sandbox through its egress sidecar (`/policy`, via the SDK). Only sandboxes created with a
 * `networkPolicy` have one. Not retried.
 */
export class OpenSandboxNetworkPolicyControl {
  readonly #client: () => SdkSandbox;
  readonly #toError: (error: unknown, where: { operation: string }) => SandboxError;

  /** @internal built by `OpenSandbox`; `client` asserts the sandbox is ready */
  constructor(deps: { client: () => SdkSandbox; toError: (error: unknown, where: { operation: string }) => SandboxError }) {
    this.#client = deps.client;
    this.#toError = deps.toError;
  }

  /**
   * The current policy: `defaultAction` and the rules in order. One request.
   * @throws NotInitializedError / DisposedError outside `init()`…`dispose()` @throws ConnectionFailedError / BackendError (hint) when the sandbox has no egress sidecar
   */
  async get(): Promise<Required<OpenSandboxNetworkPolicy>> {
    const sdk = this.#client();
    try {
      const policy = await sdk.getEgressPolicy();
      return {
        defaultAction: policy.defaultAction === 'allow' ? 'allow' : 'deny',
        egress: (policy.egress ?? []).map((r) => ({ action: r.action, target: r.target })),
      };
    } catch (error) {
      throw this.#withHint(this.#toError(error, { operation: 'get the egress policy' }));
    }
  }

  /**
   * Adds or replaces rules (matched by `target`); idempotent. One request.
   * @throws InvalidArgumentError for a malformed rule, or when the sidecar refuses the rules (400, e.g. the emulator's unenforceable ones) @throws ConnectionFailedError / BackendError (hint) when the sandbox has no egress sidecar
   */
  async patch(patch: NetworkPolicyPatch): Promise<void> {
    if (typeof patch !== 'object' || patch === null || !Array.isArray(patch.egress)) {
      throw new InvalidArgumentError('networkPolicy.patch needs { egress: [{ action, target }, …] }.', { backend: 'opensandbox' });
    }
    for (const [i, rule] of patch.egress.entries()) {
      if (typeof rule !== 'object' || rule === null || (rule.action !== 'allow' && rule.action !== 'deny') || typeof rule.target !== 'string' || rule.target === '') {
        throw new InvalidArgumentError(`networkPolicy.patch: \`egress[${i}]\` must be { action: 'allow' | 'deny', target: <domain> }.`, { backend: 'opensandbox' });
      }
    }
    const sdk = this.#client();
    try {
      await sdk.patchEgressRules(patch.egress.map((r): NetworkRule => ({ action: r.action, target: r.target })));
    } catch (error) {
      throw this.#withHint(this.#toError(error, { operation: 'patch the egress policy' }));
    }
  }

  #withHint(error: SandboxError): SandboxError {
    // Without a sidecar the egress endpoint does not answer: say why, keeping the code.
    const options = { backend: 'opensandbox', hint: `${HINT}${error.hint ? ` ${error.hint}` : ''}`, retryable: error.retryable, cause: error };
    if (error.code === 'CONNECTION_FAILED') return new ConnectionFailedError(error.message, options);
    if (error.code === 'BACKEND_ERROR') return new BackendError(error.message, options);
    return error;
  }
}
