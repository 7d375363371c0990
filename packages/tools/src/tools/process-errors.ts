import { InvalidArgumentError } from '@kode/core';
import { ToolFailure } from '../tool-error';

/**
 * Runs a `sandbox.processes` call, turning the contract's "unknown id" error
 * (`InvalidArgumentError`) into a `PROCESS_NOT_FOUND` tool failure naming the id.
 */
export async function withKnownProcess<T>(id: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (InvalidArgumentError.isInstance(error)) {
      throw new ToolFailure('PROCESS_NOT_FOUND', `No background process with shell_id ${JSON.stringify(id)} is known to this sandbox.`, {
        hint: 'Use the shell_id that bash_run returned for a background command.',
        field: 'shell_id',
      });
    }
    throw error;
  }
}
