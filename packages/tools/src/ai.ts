// Entry of `@kode/tools/ai`: the tools in the Vercel AI SDK's tool shape. It has no runtime import
// of `ai` (an optional peer dependency); the SDK only has to be installed where it is used.
export { aiSdkTools, type AiSdkTool, type AiSdkToolExecutionOptions, type AiSdkTools, type AiSdkToolsOptions } from './ai-sdk-tools';
