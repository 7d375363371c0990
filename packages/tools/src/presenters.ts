import { z } from 'zod';
import type { AnySandboxTool } from './define-tool';

/** A JSON Schema object (draft 2020-12) describing a tool's input. */
export type JsonSchemaObject = Record<string, unknown>;

/** Anthropic Messages API tool definition. */
export interface AnthropicToolDefinition {
  name: string;
  description: string;
  input_schema: JsonSchemaObject;
}

/** OpenAI Chat Completions function-calling tool definition. */
export interface OpenAIToolDefinition {
  type: 'function';
  function: { name: string; description: string; parameters: JsonSchemaObject };
}

/**
 * The tool's input as JSON Schema, made by zod's own `z.toJSONSchema` in input mode (fields with
 * defaults are optional, every field keeps its description), without the `$schema` key.
 */
export function toolInputJsonSchema(tool: AnySandboxTool): JsonSchemaObject {
  const schema = z.toJSONSchema(tool.inputSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaObject;
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}

/** `{ name, description, input_schema }`, the shape of Anthropic's `tools` array. */
export function toAnthropicTool(tool: AnySandboxTool): AnthropicToolDefinition {
  return { name: tool.name, description: tool.description, input_schema: toolInputJsonSchema(tool) };
}

/** `{ type: 'function', function: { name, description, parameters } }`, OpenAI's function-calling shape. */
export function toOpenAITool(tool: AnySandboxTool): OpenAIToolDefinition {
  return { type: 'function', function: { name: tool.name, description: tool.description, parameters: toolInputJsonSchema(tool) } };
}
