export {
  DEFAULT_TEMPLATES,
  ENVD_PORT,
  startE2BEmulator,
  type E2BEmulator,
  type E2BEmulatorOptions,
  type EmulatedSandbox,
  type InjectedFault,
  type RecordedRequest,
  type TemplateProfile,
} from './e2b-emulator';
export { bubblewrapDriver, type IsolatedRoot, type IsolationDriver } from './isolation';
