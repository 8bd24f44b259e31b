/**
 * The password a DATABASE_URL carries, in every form a log line or a driver's message could repeat: as
 * written and decoded, in the authority (`user:secret@`, even written without encoding) or as a
 * `password=` parameter. The config hands them to the logger to redact; open failures scrub them.
 */
export function passwordsOf(url: string | null | undefined): string[] {
  if (!url) return [];
  const found = new Set<string>();
  const add = (password: string | null | undefined) => {
    if (!password) return;
    found.add(password);
    try {
      found.add(decodeURIComponent(password));
    } catch {
      // A stray % does not decode: the password as written is hidden all the same.
    }
  };
  // From the text itself: a URL that does not parse (an unencoded # or /) may be why it failed.
  add(/^[^:/?#]*:\/\/[^/?#@:]*:(.*)@/s.exec(url)?.[1]);
  for (const match of url.matchAll(/[?&]password=([^&#]*)/gi)) add(match[1]);
  try {
    const parsed = new URL(url);
    add(parsed.password);
    add(parsed.searchParams.get('password'));
  } catch {
    // Not a URL: what the text gave is all there is.
  }
  return [...found];
}
