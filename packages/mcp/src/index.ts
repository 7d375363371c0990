export { MCP_USAGE, parseMcpCliArgs, type McpCliCommand, type McpTransportSettings } from './cli-args';
export { createMcpServer, type CreateMcpServerOptions } from './create-mcp-server';
export { BACKEND_PACKAGES, importBackend, loadSandboxConfig, type LoadSandboxConfigOptions } from './sandbox-config';
export { serveSandbox, type ServeSandboxOptions, type ServedSandbox } from './serve-sandbox';
