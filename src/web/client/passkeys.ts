// The WebAuthn ceremonies of the forms marked data-passkey (views/passkeys.tsx): shown only where the
// browser can make or use passkeys; on submit the authenticator is asked (with the options the server put in
// the form), its answer goes into the `credential` field, and the form is posted as any other. A refusal or a
// cancel leaves the page as it was, with a line that says so.
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '@simplewebauthn/browser';

export function enhancePasskeyForms(): void {
  if (!browserSupportsWebAuthn()) return;
  for (const fallback of document.querySelectorAll<HTMLElement>('[data-passkey-fallback]')) fallback.hidden = true;
  for (const form of document.querySelectorAll<HTMLFormElement>('form[data-passkey]')) {
    const credential = form.querySelector<HTMLInputElement>('input[name="credential"]');
    const error = form.querySelector<HTMLElement>('.passkey-error');
    if (!credential) continue;
    form.hidden = false;
    let busy = false;
    form.addEventListener('submit', async (event) => {
      if (credential.value !== '') return; // The answer is in: this is the real submission.
      event.preventDefault();
      if (busy || !form.reportValidity()) return;
      busy = true;
      try {
        const optionsJSON = JSON.parse(form.dataset.options ?? '{}');
        const answer =
          form.dataset.passkey === 'create'
            ? await startRegistration({ optionsJSON })
            : await startAuthentication({ optionsJSON });
        credential.value = JSON.stringify(answer);
        form.submit();
      } catch {
        if (error) {
          error.textContent = form.dataset.cancelled ?? '';
          error.hidden = false;
        }
      } finally {
        busy = false;
      }
    });
  }
}
