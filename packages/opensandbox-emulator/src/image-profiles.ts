/**
 * An image the emulator "has": which image URIs it answers to and how sandboxes of it look.
 * Every image shares the host's `/usr` (read-only); a profile can only hide commands.
 */
export interface ImageProfile {
  /** Display name, e.g. `ubuntu`. */
  name: string;
  /**
   * Which image URIs use this profile. A string matches the repository name, with any tag or
   * digest and an optional `docker.io/` or `docker.io/library/` prefix (`'ubuntu'` matches
   * `ubuntu`, `ubuntu:24.04`, `docker.io/library/ubuntu:22.04`). A RegExp is tested against the URI.
   */
  match: string | RegExp;
  /** Commands that do not exist inside (e.g. `['inotifywait', 'inotifywatch']`). */
  hideCommands?: readonly string[];
  /** Working directory of the execd agent and of commands without `cwd`; default `/`. */
  workingDir?: string;
}

/** Commands hidden by the minimal profile. */
export const INOTIFY_COMMANDS: readonly string[] = ['inotifywait', 'inotifywatch'];

/**
 * The default profiles: `ubuntu`, `debian` and `python` (any tag) with every host command, and
 * `kode/minimal` without inotify-tools.
 */
export const DEFAULT_IMAGE_PROFILES: readonly ImageProfile[] = [
  { name: 'ubuntu', match: 'ubuntu' },
  { name: 'debian', match: 'debian' },
  { name: 'python', match: 'python' },
  { name: 'minimal', match: 'kode/minimal', hideCommands: INOTIFY_COMMANDS },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True when `uri` is an image of `profile`. */
export function profileMatches(profile: ImageProfile, uri: string): boolean {
  if (profile.match instanceof RegExp) return profile.match.test(uri);
  const repo = escapeRegExp(profile.match);
  const prefix = profile.match.includes('/') ? '(?:docker\\.io/)?' : '(?:docker\\.io/(?:library/)?|library/)?';
  return new RegExp(`^${prefix}${repo}(?::[\\w][\\w.-]*)?(?:@sha256:[0-9a-f]{64})?$`).test(uri);
}

/**
 * Parses a CLI image alias `NAME=PROFILE` (e.g. `opensandbox/code-interpreter:latest=ubuntu`): a
 * new profile answering to image NAME that looks like the known profile PROFILE (by profile name
 * or by an image URI it matches).
 * @throws TypeError for a malformed spec or an unknown PROFILE
 */
export function parseImageAlias(spec: string, profiles: readonly ImageProfile[]): ImageProfile {
  const eq = spec.lastIndexOf('=');
  const name = spec.slice(0, eq).trim();
  const base = spec.slice(eq + 1).trim();
  if (eq <= 0 || name === '' || base === '') throw new TypeError(`--image expects NAME=PROFILE, e.g. "opensandbox/code-interpreter:latest=ubuntu" (got "${spec}")`);
  const profile = profiles.find((p) => p.name === base) ?? findImageProfile(profiles, base);
  if (!profile) throw new TypeError(`--image ${spec}: unknown profile "${base}" (known: ${profiles.map((p) => p.name).join(', ')})`);
  return {
    name,
    match: name,
    ...(profile.hideCommands ? { hideCommands: profile.hideCommands } : {}),
    ...(profile.workingDir !== undefined ? { workingDir: profile.workingDir } : {}),
  };
}

/** The first profile matching `uri`, or undefined (the create then fails as a refused pull). */
export function findImageProfile(profiles: readonly ImageProfile[], uri: string): ImageProfile | undefined {
  return profiles.find((p) => profileMatches(p, uri));
}
