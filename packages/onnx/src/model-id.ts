import { join } from 'node:path';
import { z } from 'zod';

/**
 * A hub model id: `name` or `owner/name`, letters, digits, `.`, `_`, `-`. It becomes a folder path
 * under the Loci home, so anything that could escape it (`..`, absolute paths, backslashes) is refused.
 */
export const modelIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(?:\/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$/,
    'expected a model id like "owner/name" (letters, digits, ".", "_", "-")',
  )
  .refine((id) => !id.split('/').some((part) => part.includes('..')), 'a model id may not contain ".."');

/** `<home>/models/<owner>/<name>`. */
export function modelDirectory(home: string, id: string): string {
  return join(home, 'models', ...id.split('/'));
}
