/** @jsxRuntime automatic */
/** @jsxImportSource preact */

/**
 * The hidden CSRF field every state-changing form carries: the session's token, or the sign-in form's
 * pre-session token. Nothing when there is no token (a request signed in with an API token).
 */
export function CsrfField({ token }: { token: string | undefined }) {
  return token ? <input type="hidden" name="_csrf" value={token} /> : null;
}
