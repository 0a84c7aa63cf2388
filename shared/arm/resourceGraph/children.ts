/**
 * Children of a resource Resource Graph listed are read from ARM; the parent may have been
 * deleted since ARG indexed it (ARG lags). ARM's 404 then ends its children, not the sweep:
 * the parent itself is re-read or judged, and the next sweep no longer lists it.
 */
import { classifyArmError, ResourceGoneError } from '../../errors.js';

export async function* childrenUnlessGone<T>(children: AsyncIterable<T>, parentId: string): AsyncIterable<T> {
  try {
    yield* children;
  } catch (error) {
    if (classifyArmError(error, parentId) instanceof ResourceGoneError) return;
    throw error;
  }
}
