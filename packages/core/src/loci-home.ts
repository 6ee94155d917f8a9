import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where Loci keeps models and default stores: `LOCI_HOME`, or `~/.loci`. */
export function lociHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['LOCI_HOME'];
  return fromEnv && fromEnv.length > 0 ? fromEnv : join(homedir(), '.loci');
}
