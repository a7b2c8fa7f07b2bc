// The server's bearer token, kept for the tab's life in sessionStorage (never in a URL's
// query string, never in localStorage: closing the tab forgets it).

export const TOKEN_KEY = "korral.token";

/** A `#token=…` fragment split into the token and the fragment left without it. */
export function tokenFromFragment(hash: string): { token: string | null; rest: string } {
  const body = hash.startsWith("#") ? hash.slice(1) : hash;
  if (!body) return { token: null, rest: "" };
  const params = new URLSearchParams(body);
  const token = params.get("token");
  if (token === null) return { token: null, rest: hash };
  params.delete("token");
  const left = params.toString();
  return { token: token.trim() || null, rest: left ? `#${left}` : "" };
}

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * Takes a token from the address bar's fragment, stores it, and removes it from the
 * address at once (history.replaceState), so it is not left in the history, in a
 * bookmark or on screen.
 */
export function adoptFragmentToken(): void {
  const { token, rest } = tokenFromFragment(location.hash);
  if (token === null) return;
  setToken(token);
  history.replaceState(history.state, "", location.pathname + location.search + rest);
}
