import { ApiError, notFound } from '../../types/errors.js';

/**
 * Docker's lookup order: full ID, then name, then unique ID prefix.
 * `kind` is the word in the messages ("service", "node", "task").
 */
export function lookup<T extends { ID: string }>(
  all: T[], ref: string, kind: string, nameOf: (o: T) => string | undefined,
): T {
  const byId = all.find((o) => o.ID === ref);
  if (byId) return byId;
  const byName = all.filter((o) => nameOf(o) === ref);
  if (byName.length === 1) return byName[0];
  const byPrefix = all.filter((o) => o.ID.startsWith(ref));
  if (byPrefix.length === 1) return byPrefix[0];
  if (byPrefix.length > 1 || byName.length > 1) {
    throw new ApiError(404, `${kind} ${ref} is ambiguous (${(byName.length > 1 ? byName : byPrefix).length} matches found)`);
  }
  throw notFound(`${kind} ${ref} not found`);
}
