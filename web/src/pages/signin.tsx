import { useState } from "preact/hooks";
import { setToken } from "../auth";

export function SignIn(props: { onSignedIn: () => void }) {
  const [token, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const t = token.trim();
    if (!t) return;
    setBusy(true);
    try {
      // Checked on a cheap route before it is kept: a wrong token is said so here.
      const res = await fetch("/api/v1/clusters", { headers: { Authorization: `Bearer ${t}` } });
      if (res.status === 401) {
        setError("this token is not the server's; it is in the file korral serve printed at start (--token-file, or ~/.config/korral/serve-token)");
        return;
      }
      if (!res.ok) {
        setError(`the server answered ${res.status}; is korral serve running?`);
        return;
      }
      setToken(t);
      props.onSignedIn();
    } catch {
      setError("the server does not answer; is korral serve running?");
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="signin">
      <form onSubmit={(e) => void submit(e)}>
        <h1>korral</h1>
        <p class="muted">Sign in with the token of <code>korral serve</code>.</p>
        <label>
          token
          <input
            type="password"
            autocomplete="off"
            data-testid="token"
            value={token}
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
            autofocus
          />
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" data-testid="sign-in" disabled={busy}>sign in</button>
        <p class="muted small">The token stays in this tab only (session storage). A link with <code>#token=…</code> signs in too.</p>
      </form>
    </div>
  );
}
