/**
 * What a livestream is called in every reply and notification, on every platform: its name, or one
 * phrase when it has none (the API allows a livestream without a name).
 */

export const UNNAMED_LIVESTREAM = 'Unnamed livestream';

/** A livestream's name as people read it; `UNNAMED_LIVESTREAM` when it has none (or only blanks). */
export function livestreamName(name: string | null | undefined): string {
  const trimmed = name?.trim();
  return trimmed ? trimmed : UNNAMED_LIVESTREAM;
}
